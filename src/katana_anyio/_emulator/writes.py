"""Creates, partial updates and soft deletes, validated the way Katana's gateway does.

Theory of operation. A body must be a JSON object whose keys all appear in the
resource's table row (Katana's request schemas say ``additionalProperties: false``,
so an unknown key is a 422, not silently dropped). Creates fill every field a seeded
record has, so a created record renders exactly like a seeded one; updates replace
only the keys sent (PATCH is partial, ``null`` clears); deletes set ``deleted_at``.
Every function either applies its change completely or raises ``WriteError``
before touching the store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from .resources import RESOURCES, Problem
from .seed import Record, format_time
from .store import Store
from .writes_generic import WriteError

__all__ = ["ITEM_RESOURCES", "WriteError", "create", "delete", "now_stamp", "update"]

#: The resources whose writes this module builds by hand.
ITEM_RESOURCES = frozenset({"products", "materials", "variants", "services"})

# Fields a product, material or service variant may carry inside a create body.
_ITEM_VARIANT_FIELDS = frozenset(
    {
        "sku", "sales_price", "purchase_price", "config_attributes",
        "internal_barcode", "registered_barcode", "supplier_item_codes",
        "custom_fields", "lead_time", "minimum_order_quantity",
    }
)  # fmt: skip
_SERVICE_VARIANT_FIELDS = frozenset(
    {"sku", "sales_price", "default_cost", "custom_fields"}
)


def now_stamp() -> str:
    """The current time in Katana's form."""
    return format_time(datetime.now(UTC))


def _decode(body: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        raise WriteError(400) from None

    if not isinstance(value, dict):
        raise WriteError(
            422, [Problem("", "type", "should be object", {"type": "object"})]
        )

    return value


def _check_keys(
    body: dict[str, Any], allowed: frozenset[str], path: str = ""
) -> list[Problem]:
    return [
        Problem(
            path,
            "additionalProperties",
            "should NOT have additional properties",
            {"additionalProperty": key},
        )
        for key in body
        if key not in allowed
    ]


def _check_required(body: dict[str, Any], required: frozenset[str]) -> list[Problem]:
    return [
        Problem(
            "",
            "required",
            f"should have required property '{key}'",
            {"missingProperty": key},
        )
        for key in sorted(required)
        if key not in body
    ]


def _validated(resource: str, body: bytes, *, creating: bool) -> dict[str, Any]:
    spec = RESOURCES[resource]
    data = _decode(body)
    allowed = spec.create_fields if creating else spec.update_fields
    problems = _check_keys(data, allowed)
    if creating:
        problems += _check_required(data, spec.required_on_create)

    if "name" in data and not isinstance(data["name"], str):
        problems.append(
            Problem(".name", "type", "should be string", {"type": "string"})
        )

    variants = data.get("variants", [])
    if not isinstance(variants, list) or (
        creating and "variants" in data and not variants
    ):
        problems.append(
            Problem(
                ".variants",
                "minItems",
                "should NOT have fewer than 1 items",
                {"limit": 1},
            )
        )
        variants = []

    variant_fields = (
        _SERVICE_VARIANT_FIELDS if resource == "services" else _ITEM_VARIANT_FIELDS
    )
    for index, variant in enumerate(variants):
        if not isinstance(variant, dict):
            problems.append(
                Problem(
                    f".variants[{index}]",
                    "type",
                    "should be object",
                    {"type": "object"},
                )
            )
        else:
            problems += _check_keys(variant, variant_fields, f".variants[{index}]")

    if problems:
        raise WriteError(422, problems)

    return data


def _blank_item(resource: str, record_id: int, now: str) -> Record:
    kind = resource.removesuffix("s")
    record: Record = {
        "id": record_id,
        "name": "",
        "uom": "pcs",
        "category_name": "",
        "is_sellable": kind != "material",
        "additional_info": "",
        "custom_field_collection_id": None,
        "type": kind,
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
        "deleted_at": None,
    }
    if resource != "services":
        record |= {
            "default_supplier_id": None,
            "batch_tracked": False,
            "purchase_uom": "pcs",
            "purchase_uom_conversion_rate": 1,
            "configs": [],
        }

    if resource == "products":
        record |= {
            "is_producible": False,
            "is_purchasable": False,
            "is_auto_assembly": False,
            "serial_tracked": False,
            "operations_in_sequence": False,
        }

    return record


def _blank_variant(record_id: int, kind: str, parent_id: int, now: str) -> Record:
    return {
        "id": record_id,
        "sku": None,
        "sales_price": None,
        "product_id": parent_id if kind == "product" else None,
        "material_id": parent_id if kind == "material" else None,
        "purchase_price": None,
        "type": kind,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "lead_time": None,
        "minimum_order_quantity": None,
        "config_attributes": [],
        "internal_barcode": None,
        "registered_barcode": None,
        "supplier_item_codes": [],
        "custom_fields": [],
    }


def _create_variant(store: Store, data: dict[str, Any], now: str) -> Record:
    product_id, material_id = data.get("product_id"), data.get("material_id")
    parent_resource = "products" if product_id is not None else "materials"
    parent_id = product_id if product_id is not None else material_id
    parent = (
        store.table(parent_resource).get(parent_id)
        if isinstance(parent_id, int)
        else None
    )
    if parent is None or parent["deleted_at"] is not None:
        info = {"missingProperty": "product_id"}
        message = "should reference an existing product or material"
        raise WriteError(422, [Problem(".product_id", "required", message, info)])

    fields = {
        key: value
        for key, value in data.items()
        if key not in ("product_id", "material_id")
    }
    variant_id = store.next_int("variants")
    variant = _blank_variant(variant_id, parent["type"], parent["id"], now)
    variant |= fields
    store.insert("variants", variant)

    return variant


def create(store: Store, resource: str, body: bytes) -> Record:
    """Insert a record from ``body``; returns the rendered record."""
    data = _validated(resource, body, creating=True)
    now = now_stamp()
    if resource == "variants":
        return store.render("variants", _create_variant(store, data, now))

    record = _blank_item(resource, store.next_int(resource), now)
    variants = data.pop("variants")
    record |= data
    if resource == "services":
        service_variant = {
            "id": record["id"], "sku": None, "sales_price": None, "default_cost": None,
            "service_id": record["id"], "type": "service", "created_at": now,
            "updated_at": now, "deleted_at": None, "custom_fields": [],
        }  # fmt: skip
        record["variants"] = [service_variant | variants[0]]
        store.insert(resource, record)
        return store.render(resource, record)

    store.insert(resource, record)
    for variant in variants:
        variant_record = _blank_variant(
            store.next_int("variants"), record["type"], record["id"], now
        )
        store.insert("variants", variant_record | variant)

    return store.render(resource, record)


def update(store: Store, resource: str, record_id: int, body: bytes) -> Record:
    """Apply the keys of ``body`` to a live record; returns the rendered record."""
    record = store.table(resource).get(record_id)
    if record is None or record.get("deleted_at") is not None:
        raise WriteError(404)

    data = _validated(resource, body, creating=False)
    now = now_stamp()
    if "is_archived" in data:
        record["archived_at"] = now if data.pop("is_archived") else None

    if resource == "services":
        variant = record["variants"][0]
        for key in ("sku", "sales_price"):
            if key in data:
                variant[key] = data.pop(key)

    record |= data
    record["updated_at"] = now

    return store.render(resource, record)


def delete(store: Store, resource: str, record_id: int) -> None:
    """Soft-delete a live record (and a product's or material's variants)."""
    record = store.table(resource).get(record_id)
    if record is None or record.get("deleted_at") is not None:
        raise WriteError(404)

    now = now_stamp()
    record["deleted_at"] = now
    if RESOURCES[resource].embeds_variants:
        for variant in store.variants_of(record_id):
            variant["deleted_at"] = variant["deleted_at"] or now
