"""Corrections the generator applies on top of the specs.

../shared/spec/README.md: never edit a copied spec file; put corrections here.
"""

from __future__ import annotations

# Response fields the curated spec types as plain strings because live traffic
# sends fixed-point text ("6.7500000000"), while Katana's portal examples send JSON
# numbers for the same fields. Both forms are decimals: decode them as Decimal.
# Field name -> the schemas it applies to (None: every schema with that field).
DECIMAL_TEXT_FIELDS: dict[str, frozenset[str] | None] = {
    "amount": None,
    "cost": None,
    "cost_parameter": None,
    "cost_per_hour": None,
    "group_boundary": None,
    "planned_cost_per_unit": None,
    "planned_quantity_per_unit": None,
    "planned_time_parameter": None,
    "planned_time_per_unit": None,
    "price_per_unit": None,
    "purchase_uom_conversion_rate": None,
    "quantity": None,
    "total_actual_cost": None,
    "total_actual_quantity": None,
    "total_actual_time": None,
    "total_discount": None,
    # ``value`` is a decimal on reorder points and safety stock levels, but free
    # text on sales order row attributes.
    "value": frozenset(
        {
            "InventoryReorderPoint",
            "InventoryReorderPointResponse",
            "InventorySafetyStockLevel",
            "InventorySafetyStockLevelResponse",
        }
    ),
}


def is_decimal_text(schema_name: str, field: str) -> bool:
    if field not in DECIMAL_TEXT_FIELDS:
        return False
    schemas = DECIMAL_TEXT_FIELDS[field]
    return schemas is None or schema_name in schemas
