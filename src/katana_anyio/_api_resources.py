"""``client.api``: one attribute per resource of Katana's API.

The attributes are declared with their models so that type checkers know them;
at run time each is built on first use from the operation table and cached. The
resources below with extra methods are the ones whose operations go beyond list,
get, create, update and delete; those extra methods keep their operation ids as
names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from katana_core.models import _generated as m

from ._api import Body, RecordList, Resource
from ._api_table import RESOURCE_OPERATIONS, closest
from ._items import Materials, Products, Services, Variants

if TYPE_CHECKING:
    from ._client import KatanaClient

__all__ = ["Api"]


class BinTransfersResource(Resource[m.BinTransfer, m.BinTransfer]):
    """``client.api.bin_transfers`` with its extra operations."""

    async def update_bin_transfer_status(
        self,
        id: int,
        body: Body[m.UpdateBinTransferStatusRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> m.BinTransfer:
        """Change a bin transfer's status."""
        result = await self.call(
            "update_bin_transfer_status",
            id,
            body=body,
            timeout=timeout,
            deadline=deadline,
        )

        return cast(m.BinTransfer, result)


class StockTransfersResource(Resource[m.StockTransfer, m.StockTransfer]):
    """``client.api.stock_transfers`` with its extra operations."""

    async def update_stock_transfer_status(
        self,
        id: int,
        body: Body[m.UpdateStockTransferStatusRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> m.StockTransfer:
        """Change a stock transfer's status."""
        result = await self.call(
            "update_stock_transfer_status",
            id,
            body=body,
            timeout=timeout,
            deadline=deadline,
        )

        return cast(m.StockTransfer, result)


class ManufacturingOrderMakeToOrderResource(Resource[Any, Any]):
    """``client.api.manufacturing_order_make_to_order`` with its extra operations."""

    async def make_to_order_manufacturing_order(
        self,
        body: Body[m.MakeToOrderManufacturingOrderRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> m.ManufacturingOrder:
        """Create a manufacturing order for a sales order row."""
        result = await self.call(
            "make_to_order_manufacturing_order",
            body=body,
            timeout=timeout,
            deadline=deadline,
        )

        return cast(m.ManufacturingOrder, result)


class ManufacturingOrderUnlinkResource(Resource[Any, Any]):
    """``client.api.manufacturing_order_unlink`` with its extra operations."""

    async def unlink_manufacturing_order(
        self,
        body: Body[m.UnlinkManufacturingOrderRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Unlink a manufacturing order from its sales order row."""
        return await self.call(
            "unlink_manufacturing_order", body=body, timeout=timeout, deadline=deadline
        )


class PurchaseOrderReceiveResource(Resource[Any, Any]):
    """``client.api.purchase_order_receive`` with its extra operations."""

    async def receive_purchase_order(
        self,
        body: Body[m.PurchaseOrderReceiveRequest]
        | Sequence[Body[m.PurchaseOrderReceiveRequest]],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Receive purchase order rows (one request or a list)."""
        return await self.call(
            "receive_purchase_order", body=body, timeout=timeout, deadline=deadline
        )


class VariantBinLocationsResource(Resource[Any, Any]):
    """``client.api.variant_bin_locations`` with its extra operations."""

    async def link_variant_default_storage_bins(
        self,
        body: Sequence[Body[m.VariantDefaultStorageBinLink]],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> RecordList[m.VariantDefaultStorageBinLinkResponse]:
        """Link variants to their default storage bins."""
        result = await self.call(
            "link_variant_default_storage_bins",
            body=body,
            timeout=timeout,
            deadline=deadline,
        )

        return cast(RecordList[m.VariantDefaultStorageBinLinkResponse], result)


class UnlinkVariantBinLocationsResource(Resource[Any, Any]):
    """``client.api.unlink_variant_bin_locations`` with its extra operations."""

    async def unlink_variant_default_storage_bins(
        self,
        body: Sequence[Body[m.UnlinkVariantBinLocationRequest]],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Unlink variants from their default storage bins."""
        return await self.call(
            "unlink_variant_default_storage_bins",
            body=body,
            timeout=timeout,
            deadline=deadline,
        )


class WebhookLogsExportResource(Resource[Any, Any]):
    """``client.api.webhook_logs_export`` with its extra operations."""

    async def export_webhook_logs(
        self,
        body: Body[m.WebhookLogsExportRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> m.WebhookLogsExport:
        """Export the webhook logs."""
        result = await self.call(
            "export_webhook_logs", body=body, timeout=timeout, deadline=deadline
        )

        return cast(m.WebhookLogsExport, result)


class SalesReturnsResource(Resource[m.SalesReturn, m.SalesReturn]):
    """``client.api.sales_returns`` with its extra operations."""

    async def get_sales_return_reasons(
        self, *, timeout: float | None = None, deadline: float | None = None
    ) -> RecordList[m.SalesReturnReason]:
        """The reasons a sales return may give."""
        result = await self.call(
            "get_sales_return_reasons", timeout=timeout, deadline=deadline
        )

        return cast(RecordList[m.SalesReturnReason], result)


class SalesReturnRowsResource(Resource[m.SalesReturnRow, m.SalesReturnRow]):
    """``client.api.sales_return_rows`` with its extra operations."""

    async def get_sales_return_row_unassigned_batch_transactions(
        self, id: int, *, timeout: float | None = None, deadline: float | None = None
    ) -> RecordList[m.UnassignedBatchTransaction]:
        """The batch transactions of a return row not yet assigned."""
        result = await self.call(
            "get_sales_return_row_unassigned_batch_transactions",
            id,
            timeout=timeout,
            deadline=deadline,
        )

        return cast(RecordList[m.UnassignedBatchTransaction], result)


class UserInfoResource(Resource[Any, Any]):
    """``client.api.user_info`` with its extra operations."""

    async def get_user_info(
        self, *, timeout: float | None = None, deadline: float | None = None
    ) -> m.UserInfo:
        """The user the API key belongs to."""
        result = await self.call("get_user_info", timeout=timeout, deadline=deadline)

        return cast(m.UserInfo, result)


class SalesOrdersResource(Resource[m.SalesOrder, m.SalesOrder]):
    """``client.api.sales_orders`` with its extra operations."""

    async def search_sales_orders(
        self,
        body: Body[m.SalesOrderSearchRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> RecordList[m.SalesOrder]:
        """Sales orders matching a search request (Katana's search endpoint)."""
        result = await self.call(
            "search_sales_orders", body=body, timeout=timeout, deadline=deadline
        )

        return cast(RecordList[m.SalesOrder], result)

    async def get_sales_order_returnable_items(
        self, id: int, *, timeout: float | None = None, deadline: float | None = None
    ) -> RecordList[m.ReturnableItem]:
        """The items of a sales order that can still be returned."""
        result = await self.call(
            "get_sales_order_returnable_items", id, timeout=timeout, deadline=deadline
        )

        return cast(RecordList[m.ReturnableItem], result)


class SalesOrderRowsResource(Resource[m.SalesOrderRow, m.SalesOrderRow]):
    """``client.api.sales_order_rows`` with its extra operations."""

    async def search_sales_order_rows(
        self,
        body: Body[m.SalesOrderRowSearchRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> RecordList[m.SalesOrderRow]:
        """Sales order rows matching a search request."""
        result = await self.call(
            "search_sales_order_rows", body=body, timeout=timeout, deadline=deadline
        )

        return cast(RecordList[m.SalesOrderRow], result)


class BomRowsResource(Resource[m.BomRow, m.BomRow]):
    """``client.api.bom_rows`` with its extra operations."""

    async def batch_create_bom_rows(
        self,
        body: Body[m.BatchCreateBomRowsRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Create several BOM rows in one request."""
        return await self.call(
            "batch_create_bom_rows", body=body, timeout=timeout, deadline=deadline
        )


class ProductOperationRerankResource(Resource[Any, Any]):
    """``client.api.product_operation_rerank`` with its extra operations."""

    async def rerank_product_operations(
        self,
        body: Body[m.ProductOperationRerankRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> m.ProductOperationRerank:
        """Reorder a product's operations."""
        result = await self.call(
            "rerank_product_operations", body=body, timeout=timeout, deadline=deadline
        )

        return cast(m.ProductOperationRerank, result)


class FactoryResource(Resource[Any, Any]):
    """``client.api.factory`` with its extra operations."""

    async def get_factory(
        self, *, timeout: float | None = None, deadline: float | None = None
    ) -> m.Factory:
        """The factory's settings."""
        result = await self.call("get_factory", timeout=timeout, deadline=deadline)

        return cast(m.Factory, result)


class DemandForecastsResource(Resource[Any, Any]):
    """``client.api.demand_forecasts`` with its extra operations."""

    async def get_demand_forecasts(
        self,
        *,
        variant_id: int,
        location_id: int,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> m.DemandForecastResponse:
        """The demand forecast of one variant at one location."""
        result = await self.call(
            "get_demand_forecasts",
            variant_id=variant_id,
            location_id=location_id,
            timeout=timeout,
            deadline=deadline,
        )

        return cast(m.DemandForecastResponse, result)

    async def clear_demand_forecast(
        self,
        body: Body[m.ClearDemandForecastRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> None:
        """Clear forecast periods (a DELETE with a body)."""
        await self.call(
            "clear_demand_forecast", body=body, timeout=timeout, deadline=deadline
        )


class SerialNumbersResource(Resource[m.SerialNumber, m.CreateSerialNumbersResponse]):
    """``client.api.serial_numbers`` with its extra operations."""

    async def delete_serial_numbers(
        self,
        body: Body[m.DeleteSerialNumbersRequest],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> None:
        """Delete serial numbers (a DELETE with a body)."""
        await self.call(
            "delete_serial_numbers", body=body, timeout=timeout, deadline=deadline
        )

    async def get_serial_numbers_stock_alt(
        self,
        *,
        max_items: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        **filters: Any,
    ) -> RecordList[m.SerialNumberStock]:
        """Serial numbers in stock, from ``/serial_numbers/serial_numbers_stock``."""
        result = await self.call(
            "get_serial_numbers_stock_alt",
            max_items=max_items,
            timeout=timeout,
            deadline=deadline,
            **filters,
        )

        return cast(RecordList[m.SerialNumberStock], result)


_CLASSES: Final[dict[str, type[Resource[Any, Any]]]] = {
    "products": Products,
    "materials": Materials,
    "services": Services,
    "variants": Variants,
    "bin_transfers": BinTransfersResource,
    "stock_transfers": StockTransfersResource,
    "manufacturing_order_make_to_order": ManufacturingOrderMakeToOrderResource,
    "manufacturing_order_unlink": ManufacturingOrderUnlinkResource,
    "purchase_order_receive": PurchaseOrderReceiveResource,
    "variant_bin_locations": VariantBinLocationsResource,
    "unlink_variant_bin_locations": UnlinkVariantBinLocationsResource,
    "webhook_logs_export": WebhookLogsExportResource,
    "sales_returns": SalesReturnsResource,
    "sales_return_rows": SalesReturnRowsResource,
    "user_info": UserInfoResource,
    "sales_orders": SalesOrdersResource,
    "demand_forecasts": DemandForecastsResource,
    "sales_order_rows": SalesOrderRowsResource,
    "bom_rows": BomRowsResource,
    "serial_numbers": SerialNumbersResource,
    "factory": FactoryResource,
    "product_operation_rerank": ProductOperationRerankResource,
}


class Api:
    """``client.api``: every resource of Katana's API, built on first use.

    An unknown attribute raises :class:`AttributeError` listing the closest
    resource names; ``resources`` lists them all.
    """

    additional_costs: Resource[m.AdditionalCost, Any]
    batches: Resource[Any, m.BatchResponse]
    batch_stocks: Resource[m.BatchStock, m.BatchResponse]
    bin_inventory: Resource[m.BinInventory, Any]
    bin_locations: Resource[m.StorageBinResponse, m.StorageBinResponse]
    bin_transfers: BinTransfersResource
    bin_transfer_rows: Resource[m.BinTransferRow, m.BinTransferRow]
    inventory: Resource[m.Inventory, Any]
    inventory_movements: Resource[m.InventoryMovement, Any]
    inventory_safety_stock_levels: Resource[Any, m.InventorySafetyStockLevel]
    locations: Resource[m.Location, Any]
    manufacturing_orders: Resource[m.ManufacturingOrder, m.ManufacturingOrder]
    manufacturing_order_make_to_order: ManufacturingOrderMakeToOrderResource
    manufacturing_order_unlink: ManufacturingOrderUnlinkResource
    manufacturing_order_productions: Resource[
        m.ManufacturingOrderProduction, m.ManufacturingOrderProduction
    ]
    manufacturing_order_production_ingredients: Resource[
        Any, m.ManufacturingOrderProductionIngredientResponse
    ]
    manufacturing_order_operation_rows: Resource[
        m.ManufacturingOrderOperationRow, m.ManufacturingOrderOperationRow
    ]
    manufacturing_order_recipe_rows: Resource[
        m.ManufacturingOrderRecipeRow, m.ManufacturingOrderRecipeRow
    ]
    materials: Materials
    negative_stock: Resource[m.NegativeStock, Any]
    products: Products
    purchase_orders: Resource[m.PurchaseOrder, m.PurchaseOrder]
    po_additional_cost_rows: Resource[
        m.PurchaseOrderAdditionalCostRow, m.PurchaseOrderAdditionalCostRow
    ]
    purchase_order_receive: PurchaseOrderReceiveResource
    purchase_order_rows: Resource[m.PurchaseOrderRow, m.PurchaseOrderRow]
    purchase_order_accounting_metadata: Resource[m.PurchaseOrderAccountingMetadata, Any]
    suppliers: Resource[m.Supplier, m.Supplier]
    supplier_addresses: Resource[m.SupplierAddress, m.SupplierAddress]
    tax_rates: Resource[m.TaxRate, m.TaxRate]
    variants: Variants
    variant_bin_locations: VariantBinLocationsResource
    unlink_variant_bin_locations: UnlinkVariantBinLocationsResource
    webhooks: Resource[m.Webhook, m.Webhook]
    webhook_logs_export: WebhookLogsExportResource
    sales_returns: SalesReturnsResource
    sales_return_rows: SalesReturnRowsResource
    recipes: Resource[m.Recipe, Any]
    recipe_rows: Resource[Any, m.Recipe]
    user_info: UserInfoResource
    users: Resource[m.User, Any]
    services: Services
    sales_orders: SalesOrdersResource
    customers: Resource[m.Customer, m.Customer]
    demand_forecasts: DemandForecastsResource
    stock_adjustments: Resource[m.StockAdjustment, m.StockAdjustment]
    stock_transfers: StockTransfersResource
    sales_order_rows: SalesOrderRowsResource
    sales_order_addresses: Resource[m.SalesOrderAddress, m.SalesOrderAddress]
    sales_order_fulfillments: Resource[m.SalesOrderFulfillment, m.SalesOrderFulfillment]
    customer_addresses: Resource[m.CustomerAddress, m.CustomerAddress]
    price_lists: Resource[m.PriceList, m.PriceList]
    price_list_rows: Resource[m.PriceListRow, Any]
    price_list_customers: Resource[m.PriceListCustomer, Any]
    bom_rows: BomRowsResource
    stocktakes: Resource[m.Stocktake, m.Stocktake]
    stocktake_rows: Resource[m.StocktakeRow, Any]
    serial_numbers: SerialNumbersResource
    serial_numbers_stock: Resource[m.SerialNumberStock, Any]
    factory: FactoryResource
    operators: Resource[m.Operator, Any]
    custom_fields_collections: Resource[m.CustomFieldsCollection, Any]
    custom_field_definitions: Resource[m.CustomFieldDefinition, m.CustomFieldDefinition]
    inventory_reorder_points: Resource[Any, m.InventoryReorderPoint]
    outsourced_purchase_order_recipe_rows: Resource[
        m.OutsourcedPurchaseOrderRecipeRow, m.OutsourcedPurchaseOrderRecipeRow
    ]
    product_operation_rerank: ProductOperationRerankResource
    product_operation_rows: Resource[m.ProductOperationRow, Any]
    sales_order_accounting_metadata: Resource[m.SalesOrderAccountingMetadata, Any]
    sales_order_shipping_fee: Resource[m.SalesOrderShippingFee, m.SalesOrderShippingFee]

    #: The names of every resource, in the order of the operation table.
    resources: Final = tuple(RESOURCE_OPERATIONS)

    def __init__(self, client: KatanaClient) -> None:
        self._client = client
        self._built: dict[str, Resource[Any, Any]] = {}

    def __repr__(self) -> str:
        return f"<Api: {len(self.resources)} resources>"

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.resources})

    def resource(self, name: str) -> Resource[Any, Any]:
        """The resource called ``name`` (as ``getattr``, for names in variables)."""
        built = self._built.get(name)
        if built is not None:
            return built
        if name not in RESOURCE_OPERATIONS:
            near = closest(name, self.resources)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise AttributeError(
                f"Katana's API has no resource {name!r}; {hint}"
                f"valid names: {', '.join(sorted(self.resources))}"
            )

        built = _CLASSES.get(name, Resource)(self._client, name)
        self._built[name] = built

        return built

    if not TYPE_CHECKING:
        # Hidden from type checkers, which then flag a misspelt resource too.
        def __getattr__(self, name: str) -> Resource[Any, Any]:
            if name.startswith("__"):
                raise AttributeError(name)
            return self.resource(name)
