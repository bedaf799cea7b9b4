"""Katana's real payload quirks, applied to rendered records on request.

Theory of operation. With ``EmulatorConfig(quirks=True)`` every rendered record
passes through ``apply``, which changes some fields the way live Katana traffic
does (KATANA_API.md section 7, REFERENCE_CLIENT.md section 10):

- an absent nested object (a sales order's ``shipping_fee``) arrives as ``{}``;
- some variants have a ``null`` SKU;
- decimals arrive as strings (``"10.00"``, ``"1.0000000000"``), mixed with numbers
  within one response;
- a few records carry enum values the documentation does not list;
- some missing dates arrive as the string ``"null"``.

Which fields change is decided by a hash of the seed, the resource, the record and
the field, so it is the same on every request and every run, and the stored
records are never touched: filters and writes see the clean values.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from .resources import RESOURCES
from .schema import fields_of

__all__ = ["UNDOCUMENTED", "apply"]

#: Values seen outside the documented enums, one per field, to test tolerance.
UNDOCUMENTED: Mapping[tuple[str, str], str] = {
    ("sales_orders", "status"): "QUOTE",
    ("sales_orders", "invoicing_status"): "partiallyInvoiced",
    ("purchase_orders", "status"): "CANCELLED",
    ("manufacturing_orders", "status"): "ON_HOLD",
    ("sales_order_rows", "product_availability"): "PARTIALLY_PICKED",
    ("variants", "type"): "service",
}

_DECIMAL_FORMATS = ("{:.2f}", "{:.5f}", "{:.10f}", "{:g}")
# Dates the client reads as "not set"; deleted_at and archived_at stay JSON null.
_KEEP_NULL = frozenset({"deleted_at", "archived_at"})


def _draw(seed: int, resource: str, record: Mapping[str, Any], field: str) -> int:
    identity = record.get("id", record.get("variant_id", ""))
    return zlib.crc32(f"{seed}:{resource}:{identity}:{field}".encode())


def apply(seed: int, resource: str, record: dict[str, Any]) -> None:
    """Give ``record`` (a rendered copy) its deterministic share of quirks."""
    model = RESOURCES[resource].model
    if model is None:
        return

    for name, field in fields_of(model).items():
        draw = _draw(seed, resource, record, name)
        value = record.get(name)
        if name not in record:
            continue

        if field.kind == "struct" and value is None and draw % 2 == 0:
            record[name] = {}
        elif field.kind == "decimal" and _is_number(value) and draw % 2 == 0:
            template = _DECIMAL_FORMATS[(draw // 2) % len(_DECIMAL_FORMATS)]
            record[name] = template.format(value)
        elif field.kind == "time" and value is None and name not in _KEEP_NULL:
            if draw % 3 == 0:
                record[name] = "null"
        elif (resource, name) in UNDOCUMENTED and draw % 5 == 0:
            record[name] = UNDOCUMENTED[(resource, name)]

    if resource == "variants" and _draw(seed, resource, record, "null-sku") % 6 == 0:
        record["sku"] = None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
