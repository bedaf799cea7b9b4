"""The table of emulated resources, derived from the generated operation table.

Theory of operation. ``RESOURCES`` holds one ``ResourceSpec`` per top-level path
segment of ``katana_core.models.OPERATIONS``: the record model (from the list or
get operation), the list filters (from the list operation's query parameters,
typed by the record model's fields), and the fields a create or update accepts
(from the request models). Only what the operation table cannot say is written
here: which children a parent embeds, what each ``extend`` value embeds, the lists
that are not newest first, and the hand-built item writes. The store, the router
and the writers are generic over this table; ``query`` parses list queries against
a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from katana_core.models import OPERATIONS, Operation, QueryParam

from .schema import Field, fields_of, required_of

__all__ = [
    "COMMON_PARAMETERS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "RESOURCES",
    "Embed",
    "Filter",
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
class Filter:
    """A list filter: the record field it tests, its value type and how.

    ``kind`` is ``int``, ``number``, ``bool``, ``str`` or ``time``; ``mode`` is
    ``eq`` (equal), ``in`` (one of several values, the parameter repeated),
    ``contains`` (a list field holds the value), ``min`` or ``max`` (a date bound).
    ``enum`` lists the values the gateway accepts, when it lists them.
    """

    field: str
    kind: str
    mode: str = "eq"
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Embed:
    """Child records rendered inside a parent under ``key`` (``single``: one object)."""

    key: str
    child: str
    link: str
    single: bool = False


@dataclass(frozen=True)
class ResourceSpec:
    """One emulated resource: its record model, filters, writable fields, relations."""

    name: str
    filters: Mapping[str, Filter]
    create_fields: frozenset[str]
    update_fields: frozenset[str]
    required_on_create: frozenset[str] = frozenset()
    model: type[msgspec.Struct] | None = None
    embeds: tuple[Embed, ...] = ()
    # extend value -> (record field, target resource) pairs, the first non-null wins.
    extends: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Fields to sort a list by, ascending; empty means newest first.
    order_by: tuple[str, ...] = ()
    key_field: str | None = "id"

    @property
    def embeds_variants(self) -> bool:
        return any(embed.child == "variants" for embed in self.embeds)


# Relations the operation table cannot tell: which children a parent renders.
_EMBEDS: Mapping[str, tuple[Embed, ...]] = {
    "products": (Embed("variants", "variants", "product_id"),),
    "materials": (Embed("variants", "variants", "material_id"),),
    "customers": (Embed("addresses", "customer_addresses", "customer_id"),),
    "suppliers": (Embed("addresses", "supplier_addresses", "supplier_id"),),
    "sales_orders": (
        Embed("sales_order_rows", "sales_order_rows", "sales_order_id"),
        Embed("addresses", "sales_order_addresses", "sales_order_id"),
        Embed("shipping_fee", "sales_order_shipping_fee", "sales_order_id", True),
    ),
    "purchase_orders": (
        Embed("purchase_order_rows", "purchase_order_rows", "purchase_order_id"),
    ),
}

# What each documented ``extend`` value embeds (KATANA_API.md section 8).
_SUPPLIER = (("default_supplier_id", "suppliers"),)
_EXTENDS: Mapping[str, Mapping[str, tuple[tuple[str, str], ...]]] = {
    "products": {"supplier": _SUPPLIER},
    "materials": {"supplier": _SUPPLIER},
    "purchase_orders": {"supplier": (("supplier_id", "suppliers"),)},
    "sales_order_rows": {"variant": (("variant_id", "variants"),)},
    "variants": {
        "product_or_material": (
            ("product_id", "products"),
            ("material_id", "materials"),
        )
    },
    "inventory": {
        "variant": (("variant_id", "variants"),),
        "location": (("location_id", "locations"),),
    },
}

# The lists that are not newest first (KATANA_API.md section 4).
_ORDER_BY: Mapping[str, tuple[str, ...]] = {
    "inventory": ("location_id", "variant_id"),
    "batch_stocks": ("location_id", "variant_id", "-batch_id"),
    "serial_numbers": ("serial_number",),
}

# Item writes keep their hand-written field sets (``writes`` builds them in full).
_ITEM_WRITES: Mapping[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    "products": (
        _PRODUCT_FIELDS | {"variants"},
        _PRODUCT_FIELDS | {"is_archived"},
        frozenset({"name", "variants"}),
    ),
    "materials": (
        _MATERIAL_FIELDS | {"variants"},
        _MATERIAL_FIELDS | {"is_archived"},
        frozenset({"name", "variants"}),
    ),
    "variants": (
        _VARIANT_FIELDS | {"product_id", "material_id"},
        _VARIANT_FIELDS,
        frozenset(),
    ),
    "services": (
        _SERVICE_FIELDS | {"variants"},
        _SERVICE_FIELDS | {"is_archived", "sku", "sales_price"},
        frozenset({"name", "variants"}),
    ),
}

# Parameters every list understands; ``query`` handles them itself.
COMMON_PARAMETERS = frozenset(
    {
        "page", "limit", "ids", "include_deleted", "include_archived", "extend",
        "created_at_min", "created_at_max", "updated_at_min", "updated_at_max",
    }
)  # fmt: skip

_FILTER_KINDS = {
    "int": "int",
    "decimal": "number",
    "float": "number",
    "bool": "bool",
    "str": "str",
    "time": "time",
}


def _filter(param: QueryParam, fields: Mapping[str, Field]) -> Filter | None:
    """How a list query parameter applies to the record fields, if it does."""
    name = param.name
    if name in fields:
        found = fields[name]
        if found.kind == "list" and found.item in _FILTER_KINDS:
            return Filter(name, _FILTER_KINDS[found.item], "contains", param.enum)

        if found.kind in _FILTER_KINDS:
            mode = "in" if param.repeat else "eq"
            return Filter(name, _FILTER_KINDS[found.kind], mode, param.enum)

    # ``sales_order_ids=1&sales_order_ids=2`` tests ``sales_order_id``.
    if name.endswith("_ids") and fields.get(name[:-1], Field("", "")).kind == "int":
        return Filter(name[:-1], "int", "in")

    base, _, bound = name.rpartition("_")
    if bound in ("min", "max") and fields.get(base, Field("", "")).kind == "time":
        return Filter(base, "time", bound)

    return None


def _record_model(operations: list[Operation]) -> type[msgspec.Struct] | None:
    for operation in operations:
        if operation.method == "GET" and operation.record is not None:
            return operation.record

    for operation in operations:
        model = operation.success_model()
        if operation.method == "GET" and model is not None:
            return model

    return None


def _spec(name: str, operations: list[Operation]) -> ResourceSpec:
    model = _record_model(operations)
    fields = fields_of(model) if model is not None else {}
    filters: dict[str, Filter] = {}
    create: frozenset[str] = frozenset()
    update: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    for operation in operations:
        if operation.method == "GET" and operation.path == f"/{name}":
            for param in operation.query:
                found = _filter(param, fields)
                if param.name not in COMMON_PARAMETERS and found is not None:
                    filters[param.name] = found

        if operation.request is None:
            continue

        if operation.method == "POST" and operation.path == f"/{name}":
            create = frozenset(fields_of(operation.request))
            required = required_of(operation.request)
        elif operation.method == "PATCH" and operation.path == f"/{name}/{{id}}":
            update = frozenset(fields_of(operation.request))

    create, update, required = _ITEM_WRITES.get(name, (create, update, required))

    return ResourceSpec(
        name=name,
        filters=filters,
        create_fields=create,
        update_fields=update,
        required_on_create=required,
        model=model,
        embeds=_EMBEDS.get(name, ()),
        extends=_EXTENDS.get(name, {}),
        order_by=_ORDER_BY.get(name, ()),
        key_field="id" if "id" in fields else None,
    )


def _resources() -> dict[str, ResourceSpec]:
    by_resource: dict[str, list[Operation]] = {}
    for operation in OPERATIONS:
        by_resource.setdefault(operation.resource, []).append(operation)

    # A list filed under another path: /serial_numbers/serial_numbers_stock.
    by_resource.setdefault("serial_numbers_stock", [])
    return {name: _spec(name, ops) for name, ops in sorted(by_resource.items())}


#: Every resource of the operation table by its top-level path segment.
RESOURCES: Mapping[str, ResourceSpec] = _resources()


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
