"""Deterministic seed data shaped like the examples in Katana's developer portal.

Theory of operation. Each resource draws from its own ``random.Random`` seeded with
``"<seed>:<resource>"``, so changing the size of one resource leaves the others
unchanged. Ids ascend from a per-resource base, and ``created_at`` ascends with the
id, one record every few minutes from a fixed epoch, in Katana's millisecond UTC
form. Products and materials are stored without their variants; the store embeds
the current variants when it renders them, so a change to a variant shows through
its parent, as it does in Katana.

Variants are spread over products first, then materials: every item gets one while
there are enough, and the rest are drawn at random, so some items have several.
Service variants belong to services only and are embedded, not listed by
``/variants``, which in the portal's examples holds product and material variants.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["EPOCH", "Record", "format_time", "seed_items"]

Record = dict[str, Any]

#: The timestamp of the portal's examples; seeded records are created after it.
EPOCH = datetime(2020, 10, 23, 10, 37, 5, 85000, tzinfo=UTC)

# Id bases keep the ids of different resources apart, which catches a client that
# mixes up a product id with a variant id; Katana's own ids are 32-bit integers.
ID_BASES = {
    "products": 1_000_001,
    "materials": 2_000_001,
    "variants": 3_000_001,
    "services": 4_000_001,
    "service_variants": 5_000_001,
    "configs": 6_000_001,
}

_ADJECTIVES = (
    "Oak", "Walnut", "Steel", "Brass", "Linen", "Canvas", "Maple", "Copper",
    "Granite", "Cotton", "Birch", "Leather", "Ceramic", "Glass", "Bamboo", "Wool",
)  # fmt: skip
_NOUNS = (
    "dining table", "desk lamp", "bookshelf", "stool", "side table", "armchair",
    "wall shelf", "coat rack", "planter", "cutting board", "tray", "bench",
)  # fmt: skip
_MATERIALS = (
    "plywood sheet", "wood screw", "steel bracket", "hinge", "wood glue", "varnish",
    "sandpaper", "felt pad", "brass rod", "cotton cord", "LED module", "power cable",
)  # fmt: skip
_SERVICES = ("Assembly", "Delivery", "Installation", "Engraving", "Gift wrapping")
_CATEGORIES = ("Furniture", "Lighting", "Decor", "Kitchen")
_MATERIAL_CATEGORIES = ("Hardware", "Raw materials", "Finishes", "Electrical")
_UOMS = ("pcs", "pcs", "pcs", "m", "kg", "l")
_CONFIGS = {"Size": ("Small", "Medium", "Large"), "Finish": ("Natural", "Dark")}


def format_time(moment: datetime) -> str:
    """Katana's timestamp form: UTC, milliseconds, a ``Z`` suffix."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _rng(seed: int, resource: str) -> random.Random:
    return random.Random(f"{seed}:{resource}")


def _times(rng: random.Random, index: int) -> tuple[str, str]:
    created = EPOCH + timedelta(minutes=7 * index, milliseconds=rng.randrange(60_000))
    updated = created + timedelta(seconds=rng.randrange(0, 90 * 86_400))

    return format_time(created), format_time(updated)


def _item(rng: random.Random, kind: str, index: int, item_id: int) -> Record:
    """A product or material without its variants."""
    created_at, updated_at = _times(rng, index)
    if kind == "product":
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {index + 1}"
        category = rng.choice(_CATEGORIES)
    else:
        name = f"{rng.choice(_MATERIALS).capitalize()} {index + 1}"
        category = rng.choice(_MATERIAL_CATEGORIES)

    uom = rng.choice(_UOMS)
    record: Record = {
        "id": item_id,
        "name": name,
        "uom": uom,
        "category_name": category,
        "is_sellable": kind == "product" or rng.random() < 0.1,
    }
    if kind == "product":
        record |= {
            "is_producible": rng.random() < 0.8,
            "is_purchasable": rng.random() < 0.3,
            "is_auto_assembly": rng.random() < 0.1,
        }

    record |= {
        "default_supplier_id": rng.randrange(1, 40) if rng.random() < 0.6 else None,
        "additional_info": rng.choice(("", "Handle with care", "Seasonal")),
        "batch_tracked": rng.random() < 0.2,
    }
    if kind == "product":
        record |= {
            "serial_tracked": rng.random() < 0.1,
            "operations_in_sequence": rng.random() < 0.5,
        }

    record |= {
        "purchase_uom": uom,
        "purchase_uom_conversion_rate": 1,
        "custom_field_collection_id": None,
        "type": kind,
        "configs": [],
        "created_at": created_at,
        "updated_at": updated_at,
        "archived_at": None,
        "deleted_at": None,
    }

    return record


def _variant_counts(rng: random.Random, items: int, variants: int) -> list[int]:
    counts = [1 if index < variants else 0 for index in range(items)]
    for _ in range(max(0, variants - items)):
        counts[rng.randrange(items)] += 1

    return counts


def _variant(
    rng: random.Random, parent: Record, number: int, variant_id: int
) -> Record:
    kind = parent["type"]
    prefix = "P" if kind == "product" else "M"
    parent_number = parent["id"] % 1_000_000
    price = round(rng.uniform(5, 900), 2)
    return {
        "id": variant_id,
        "sku": f"{prefix}{parent_number:05d}-{number:02d}",
        "sales_price": price if kind == "product" else None,
        "product_id": parent["id"] if kind == "product" else None,
        "material_id": parent["id"] if kind == "material" else None,
        "purchase_price": round(price * rng.uniform(0.3, 0.7), 2),
        "type": kind,
        "created_at": parent["created_at"],
        "updated_at": parent["updated_at"],
        "deleted_at": None,
        "lead_time": rng.randrange(1, 30),
        "minimum_order_quantity": rng.choice((1, 1, 5, 10)),
        "config_attributes": [],
        "internal_barcode": f"{rng.randrange(10**7):07d}",
        "registered_barcode": f"{rng.randrange(10**12):012d}",
        "supplier_item_codes": [f"SUP-{rng.randrange(10**5):05d}"],
        "custom_fields": [],
    }


def _configure(
    rng: random.Random, parent: Record, variants: list[Record], config_id: int
) -> None:
    """Give a multi-variant item configs and its variants config attributes."""
    name, values = rng.choice(sorted(_CONFIGS.items()))
    for position, variant in enumerate(variants):
        value = values[position % len(values)]
        variant["config_attributes"] = [{"config_name": name, "config_value": value}]

    # The portal's material example also calls the owner ``product_id``.
    parent["configs"] = [
        {
            "id": config_id,
            "name": name,
            "product_id": parent["id"],
            "values": list(values),
        }
    ]


def seed_items(seed: int, sizes: dict[str, int]) -> dict[str, list[Record]]:
    """Products, materials, variants and services, each in ascending id order."""
    products = [
        _item(_rng(seed, "products"), "product", index, ID_BASES["products"] + index)
        for index in range(sizes.get("products", 0))
    ]
    material_rng = _rng(seed, "materials")
    materials = [
        _item(material_rng, "material", index, ID_BASES["materials"] + index)
        for index in range(sizes.get("materials", 0))
    ]
    variants = _seed_variants(seed, products + materials, sizes.get("variants", 0))

    return {
        "products": products,
        "materials": materials,
        "variants": variants,
        "services": _seed_services(seed, sizes.get("services", 0)),
    }


def _seed_variants(seed: int, items: list[Record], size: int) -> list[Record]:
    if not items:
        return []

    rng = _rng(seed, "variants")
    counts = _variant_counts(rng, len(items), size)
    variants: list[Record] = []
    config_id = ID_BASES["configs"]
    for parent, count in zip(items, counts, strict=True):
        first_id = ID_BASES["variants"] + len(variants)
        own = [_variant(rng, parent, n + 1, first_id + n) for n in range(count)]
        if count > 1:
            _configure(rng, parent, own, config_id)
            config_id += 1

        variants.extend(own)

    return variants


def _seed_services(seed: int, size: int) -> list[Record]:
    rng = _rng(seed, "services")
    services = []
    for index in range(size):
        created_at, updated_at = _times(rng, index)
        service_id = ID_BASES["services"] + index
        variant = {
            "id": ID_BASES["service_variants"] + index,
            "sku": f"S-{index + 1:04d}",
            "sales_price": round(rng.uniform(10, 200), 2),
            "default_cost": round(rng.uniform(5, 50), 2)
            if rng.random() < 0.5
            else None,
            "service_id": service_id,
            "type": "service",
            "created_at": created_at,
            "updated_at": updated_at,
            "deleted_at": None,
            "custom_fields": [],
        }
        services.append(
            {
                "id": service_id,
                "name": f"{rng.choice(_SERVICES)} {index + 1}",
                "uom": "pcs",
                "category_name": "Service",
                "is_sellable": True,
                "additional_info": "",
                "custom_field_collection_id": None,
                "type": "service",
                "created_at": created_at,
                "updated_at": updated_at,
                "archived_at": None,
                "deleted_at": None,
                "variants": [variant],
            }
        )

    return services
