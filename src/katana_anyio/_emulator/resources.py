"""The table of emulated resources: their filters and writable fields.

Theory of operation. A resource is a row of ``RESOURCES``: which query filters it
understands and of what type, and which fields a create or an update may carry. The
store and the router are generic over that table, so adding a resource means adding
a row (and its seed data), not writing handlers. ``query`` parses list queries
against a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "RESOURCES",
    "Problem",
    "ResourceSpec",
]

# Katana's documented default page size, and the largest page it serves (see
# KATANA_API.md section 4: larger values are clamped here rather than rejected).
DEFAULT_LIMIT = 50
MAX_LIMIT = 250

_PRODUCT_FIELDS = frozenset(
    {
        "name", "uom", "category_name", "is_sellable", "is_producible",
        "is_purchasable", "is_auto_assembly", "default_supplier_id",
        "additional_info", "batch_tracked", "serial_tracked",
        "operations_in_sequence", "purchase_uom", "purchase_uom_conversion_rate",
        "custom_field_collection_id", "configs",
    }
)  # fmt: skip
_MATERIAL_FIELDS = frozenset(
    {
        "name", "uom", "category_name", "is_sellable", "default_supplier_id",
        "additional_info", "batch_tracked", "purchase_uom",
        "purchase_uom_conversion_rate", "custom_field_collection_id", "configs",
    }
)  # fmt: skip
_VARIANT_FIELDS = frozenset(
    {
        "sku", "sales_price", "purchase_price", "lead_time",
        "minimum_order_quantity", "config_attributes", "internal_barcode",
        "registered_barcode", "supplier_item_codes", "custom_fields",
    }
)  # fmt: skip
_SERVICE_FIELDS = frozenset(
    {"name", "uom", "category_name", "is_sellable", "additional_info",
     "custom_field_collection_id"}
)  # fmt: skip


@dataclass(frozen=True)
class ResourceSpec:
    """One emulated resource: its filters and the fields its writes accept."""

    name: str
    filters: Mapping[str, str]
    create_fields: frozenset[str]
    update_fields: frozenset[str]
    required_on_create: frozenset[str] = frozenset()
    embeds_variants: bool = False


# Filter types: "int", "bool", "number", "str", and "str_in" (the value must be one
# of the strings in a list field).
RESOURCES: Mapping[str, ResourceSpec] = {
    "products": ResourceSpec(
        name="products",
        filters={
            "name": "str",
            "uom": "str",
            "is_sellable": "bool",
            "is_producible": "bool",
            "is_purchasable": "bool",
            "is_auto_assembly": "bool",
            "default_supplier_id": "int",
            "batch_tracked": "bool",
            "serial_tracked": "bool",
            "operations_in_sequence": "bool",
            "purchase_uom": "str",
            "purchase_uom_conversion_rate": "number",
        },
        create_fields=_PRODUCT_FIELDS | {"variants"},
        update_fields=_PRODUCT_FIELDS | {"is_archived"},
        required_on_create=frozenset({"name", "variants"}),
        embeds_variants=True,
    ),
    "materials": ResourceSpec(
        name="materials",
        filters={
            "name": "str",
            "uom": "str",
            "default_supplier_id": "int",
            "is_sellable": "bool",
            "batch_tracked": "bool",
            "purchase_uom": "str",
            "purchase_uom_conversion_rate": "number",
        },
        create_fields=_MATERIAL_FIELDS | {"variants"},
        update_fields=_MATERIAL_FIELDS | {"is_archived"},
        required_on_create=frozenset({"name", "variants"}),
        embeds_variants=True,
    ),
    "variants": ResourceSpec(
        name="variants",
        filters={
            "product_id": "int",
            "material_id": "int",
            "sku": "str",
            "sales_price": "number",
            "purchase_price": "number",
            "internal_barcode": "str",
            "registered_barcode": "str",
            "supplier_item_codes": "str_in",
        },
        create_fields=_VARIANT_FIELDS | {"product_id", "material_id"},
        update_fields=_VARIANT_FIELDS,
    ),
    "services": ResourceSpec(
        name="services",
        filters={
            "name": "str",
            "uom": "str",
            "is_sellable": "bool",
            "category_name": "str",
        },
        create_fields=_SERVICE_FIELDS | {"variants"},
        update_fields=_SERVICE_FIELDS | {"is_archived", "sku", "sales_price"},
        required_on_create=frozenset({"name", "variants"}),
    ),
}


@dataclass(frozen=True)
class Problem:
    """One validator finding, rendered into a 422 body's ``details``."""

    path: str
    code: str
    message: str
    info: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "info": dict(self.info),
        }
