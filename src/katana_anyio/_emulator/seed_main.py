"""Seed data for every resource: hand-written for the main ones, generic for the rest.

Theory of operation. ``seed_all`` seeds resources in dependency order, each from
its own ``random.Random("<seed>:<resource>")``: items first (``seed.seed_items``,
unchanged), then locations, suppliers, customers, sales orders with their rows,
addresses and shipping fees, purchase orders with rows, manufacturing orders (some
made to order for a sales order row), fulfillments of shipped orders, productions
of started orders, inventory per variant and location, and stock adjustments.
Every hand-written record starts as a generic one (``seed_generic.Filler``), so it
has every field of its model, and then gets realistic values for the fields that
matter. The long tail of the table is seeded generically. ``sizes`` holds the
count of every resource; child counts follow their parents instead.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import msgspec

from katana_core import models as m

from .resources import RESOURCES
from .seed import EPOCH, ID_BASES, Record, format_time, seed_items
from .seed_generic import Filler, id_base

__all__ = ["BASES", "seed_all"]

#: The first id of each hand-seeded resource. Suppliers start at 1 because the
#: seeded items' ``default_supplier_id`` values do.
BASES: dict[str, int] = {
    **ID_BASES,
    "suppliers": 1,
    "locations": 7_000_001,
    "customers": 8_000_001,
    "customer_addresses": 8_500_001,
    "sales_orders": 9_000_001,
    "sales_order_rows": 9_200_001,
    "sales_order_addresses": 9_400_001,
    "sales_order_shipping_fee": 9_600_001,
    "purchase_orders": 10_000_001,
    "purchase_order_rows": 10_200_001,
    "manufacturing_orders": 11_000_001,
    "sales_order_fulfillments": 11_500_001,
    "manufacturing_order_productions": 11_700_001,
    "stock_adjustments": 12_000_001,
    "supplier_addresses": 12_700_001,
}
for _index, _name in enumerate(RESOURCES):
    BASES.setdefault(_name, id_base(_name, _index))

_LOCATIONS = ("Main warehouse", "Workshop", "Retail store", "Overflow storage")
_CITIES = (
    ("Tallinn", "EE", ""), ("Austin", "US", "TX"), ("Leeds", "GB", ""),
    ("Portland", "US", "OR"), ("Lyon", "FR", ""), ("Toronto", "CA", "ON"),
)  # fmt: skip
_FIRST = ("Mari", "John", "Aino", "Priya", "Lucas", "Grace", "Omar", "Sofia")
_LAST = ("Tamm", "Smith", "Korhonen", "Patel", "Martin", "Okafor", "Rossi", "Kim")
_COMPANIES = ("Nordic Interiors", "Bright Homes", "Studio Oak", "Urban Nest")
_SUPPLIERS = ("Timber Co", "Fasteners Ltd", "Finishes Inc", "Cable World")
_STREETS = ("Main St", "Harbour Rd", "Mill Lane", "Station Ave", "Park Rd")


def _rng(seed: int, resource: str) -> random.Random:
    return random.Random(f"{seed}:{resource}")


def _later(stamp: str, rng: random.Random, days: int) -> str:
    moment = EPOCH.fromisoformat(stamp.replace("Z", "+00:00"))
    return format_time(moment + timedelta(days=rng.randrange(1, days)))


class _Seeder:
    """Holds the records seeded so far; one method per hand-seeded resource."""

    def __init__(self, seed: int, sizes: Mapping[str, int]) -> None:
        self.seed = seed
        self.sizes = sizes
        # Hand-seeded resources, children included, are never seeded generically.
        self.tables: dict[str, list[Record]] = {name: [] for name in _HAND_SEEDED}
        self.filler = Filler(
            _IdView(self.tables)  # references resolve against what is seeded so far
        )

    def size(self, resource: str) -> int:
        return self.sizes.get(resource, 0)

    def add(
        self,
        resource: str,
        rng: random.Random,
        index: int,
        values: Mapping[str, Any],
        model: type[msgspec.Struct] | None = None,
    ) -> Record:
        table = self.tables.setdefault(resource, [])
        spec_model = model or RESOURCES[resource].model
        assert spec_model is not None
        record_id = BASES[resource] + len(table)
        record = self.filler.record(rng, spec_model, index, record_id, values)
        table.append(record)

        return record

    def address(self, rng: random.Random) -> dict[str, Any]:
        city, country, state = rng.choice(_CITIES)
        return {
            "line_1": f"{rng.randrange(1, 300)} {rng.choice(_STREETS)}",
            "line_2": rng.choice(("", "", "Unit 4")),
            "city": city,
            "state": state,
            "zip": f"{rng.randrange(10000, 99999)}",
            "country": country,
        }

    def person(self, rng: random.Random) -> dict[str, Any]:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        return {
            "first_name": first,
            "last_name": last,
            "phone": f"+1 555 {rng.randrange(1000000, 9999999)}",
        }

    def locations(self) -> None:
        rng = _rng(self.seed, "locations")
        for index in range(self.size("locations")):
            name = _LOCATIONS[index % len(_LOCATIONS)]
            address = {"id": 7_500_001 + index, **self.address(rng)}
            self.add("locations", rng, index, {
                "name": name if index < len(_LOCATIONS) else f"{name} {index + 1}",
                "legal_name": "Katana Furniture OÜ",
                "address_id": address["id"],
                "address": address,
                "is_primary": index == 0,
                "sales_allowed": True,
                "purchase_allowed": True,
                "manufacturing_allowed": index < 2,
                "deleted_at": None,
            })  # fmt: skip

    def suppliers(self) -> None:
        rng = _rng(self.seed, "suppliers")
        for index in range(self.size("suppliers")):
            name = f"{rng.choice(_SUPPLIERS)} {index + 1}"
            supplier = self.add("suppliers", rng, index, {
                "name": name,
                "email": f"orders{index + 1}@supplier.example.com",
                "currency": rng.choice(("USD", "EUR")),
                "comment": "",
                "addresses": [],
                "deleted_at": None,
            })  # fmt: skip
            address = self.add("supplier_addresses", rng, index, {
                "supplier_id": supplier["id"], **self.address(rng),
                "created_at": supplier["created_at"], "deleted_at": None,
            })  # fmt: skip
            supplier["default_address_id"] = address["id"]

    def customers(self) -> None:
        rng = _rng(self.seed, "customers")
        for index in range(self.size("customers")):
            person = self.person(rng)
            company = rng.choice(_COMPANIES) if rng.random() < 0.5 else ""
            name = company or f"{person['first_name']} {person['last_name']}"
            customer = self.add("customers", rng, index, {
                **person, "name": name, "company": company,
                "email": f"{person['first_name'].lower()}{index + 1}@example.com",
                "comment": "", "currency": rng.choice(("USD", "EUR")),
                "reference_id": f"C-{index + 1:05d}",
                "category": rng.choice(("Retail", "Wholesale", "Online")),
                "discount_rate": rng.choice((0, 0, 5, 10)),
                "addresses": [], "deleted_at": None,
            })  # fmt: skip
            customer["default_billing_id"] = customer["default_shipping_id"] = None
            for kind in ("billing", "shipping")[: rng.randrange(1, 3)]:
                address = self.add("customer_addresses", rng, index, {
                    "customer_id": customer["id"], "entity_type": kind,
                    "default": True, **person, "company": company,
                    **self.address(rng), "created_at": customer["created_at"],
                    "deleted_at": None,
                })  # fmt: skip
                customer[f"default_{kind}_id"] = address["id"]

            if customer["default_shipping_id"] is None:
                customer["default_shipping_id"] = customer["default_billing_id"]

    def sales_orders(self) -> None:
        rng = _rng(self.seed, "sales_orders")
        customers = self.tables.get("customers", [])
        variants = [v for v in self.tables.get("variants", []) if v["product_id"]]
        locations = [loc["id"] for loc in self.tables.get("locations", [])]
        if not customers or not variants or not locations:
            return

        for index in range(self.size("sales_orders")):
            customer = rng.choice(customers)
            status = rng.choice(("NOT_SHIPPED", "NOT_SHIPPED", "PACKED", "DELIVERED"))
            order = self.add("sales_orders", rng, index, {
                "customer_id": customer["id"], "order_no": f"SO-{index + 1}",
                "source": "api", "location_id": locations[0], "status": status,
                "currency": customer["currency"], "conversion_rate": None,
                "conversion_date": None, "invoicing_status": "notInvoiced",
                "additional_info": "", "customer_ref": f"PO-{rng.randrange(9999)}",
                "sales_order_rows": [], "addresses": [], "shipping_fee": None,
                "custom_fields": {}, "ecommerce_order_type": None,
                "ecommerce_store_name": None, "ecommerce_order_id": None,
                "linked_manufacturing_order_id": None, "deleted_at": None,
                "picked_date": None,
            })  # fmt: skip
            order["order_created_date"] = order["created_at"]
            order["delivery_date"] = _later(order["created_at"], rng, 30)
            total = 0.0
            for _ in range(rng.randrange(1, 5)):
                variant = rng.choice(variants)
                quantity = rng.randrange(1, 6)
                price = variant["sales_price"] or 10.0
                line = round(quantity * price, 2)
                total += line
                self.add("sales_order_rows", rng, index, {
                    "sales_order_id": order["id"], "quantity": quantity,
                    "variant_id": variant["id"], "location_id": order["location_id"],
                    "price_per_unit": price, "price_per_unit_in_base_currency": price,
                    "total": line, "total_in_base_currency": line,
                    "total_discount": 0, "tax_rate_id": None, "tax_rate": 0,
                    "conversion_rate": None, "conversion_date": None,
                    "attributes": [], "batch_transactions": [], "serial_numbers": [],
                    "serial_number_transactions": [], "custom_fields": {},
                    "linked_manufacturing_order_id": None,
                    "created_at": order["created_at"],
                    "updated_at": order["updated_at"], "deleted_at": None,
                })  # fmt: skip

            order["total"] = order["total_in_base_currency"] = round(total, 2)
            for kind in ("billing", "shipping"):
                self.add("sales_order_addresses", rng, index, {
                    "sales_order_id": order["id"], "entity_type": kind,
                    **self.person(rng), "company": customer["company"],
                    **self.address(rng), "created_at": order["created_at"],
                    "updated_at": order["updated_at"], "deleted_at": None,
                })  # fmt: skip

            if rng.random() < 0.3:
                self.add("sales_order_shipping_fee", rng, index, {
                    "sales_order_id": order["id"], "description": "Shipping",
                    "amount": round(rng.uniform(5, 40), 2), "tax_rate_id": None,
                })  # fmt: skip

            if status != "NOT_SHIPPED":
                self.add("sales_order_fulfillments", rng, index, {
                    "sales_order_id": order["id"],
                    "status": "DELIVERED" if status == "DELIVERED" else "PACKED",
                    "picked_date": order["delivery_date"],
                    "invoice_status": "NOT_INVOICED", "conversion_rate": None,
                    "tracking_number": f"{rng.randrange(10**11, 10**12)}",
                    "sales_order_fulfillment_rows": [],
                })  # fmt: skip

    def purchase_orders(self) -> None:
        rng = _rng(self.seed, "purchase_orders")
        suppliers = self.tables.get("suppliers", [])
        variants = self.tables.get("variants", [])
        locations = [loc["id"] for loc in self.tables.get("locations", [])]
        if not suppliers or not variants or not locations:
            return

        for index in range(self.size("purchase_orders")):
            supplier = rng.choice(suppliers)
            status = rng.choice(("DRAFT", "NOT_RECEIVED", "NOT_RECEIVED", "RECEIVED"))
            order = self.add("purchase_orders", rng, index, {
                "status": status, "order_no": f"PO-{index + 1}",
                "entity_type": "regular", "supplier_id": supplier["id"],
                "currency": supplier["currency"], "location_id": locations[0],
                "additional_info": "", "billing_status": "NOT_BILLED",
                "last_document_status": "NOT_SENT", "purchase_order_rows": [],
                "supplier": None, "tracking_location_id": None, "deleted_at": None,
            })  # fmt: skip
            order["order_created_date"] = order["created_at"]
            order["expected_arrival_date"] = _later(order["created_at"], rng, 21)
            total = 0.0
            for _ in range(rng.randrange(1, 4)):
                variant = rng.choice(variants)
                quantity = rng.randrange(5, 100)
                price = variant["purchase_price"] or 1.0
                line = round(quantity * price, 2)
                total += line
                received = (
                    order["expected_arrival_date"] if status == "RECEIVED" else None
                )
                self.add("purchase_order_rows", rng, index, {
                    "purchase_order_id": order["id"], "quantity": quantity,
                    "variant_id": variant["id"], "tax_rate_id": None,
                    "price_per_unit": price, "price_per_unit_in_base_currency": price,
                    "purchase_uom": "pcs", "purchase_uom_conversion_rate": 1,
                    "currency": order["currency"], "conversion_rate": None,
                    "total": line, "total_in_base_currency": line,
                    "conversion_date": None, "received_date": received,
                    "arrival_date": order["expected_arrival_date"],
                    "batch_transactions": [], "location_id": order["location_id"],
                    "landed_cost": None, "created_at": order["created_at"],
                    "updated_at": order["updated_at"], "deleted_at": None,
                })  # fmt: skip

            order["total"] = order["total_in_base_currency"] = round(total, 2)

    def manufacturing_orders(self) -> None:
        rng = _rng(self.seed, "manufacturing_orders")
        variants = [v for v in self.tables.get("variants", []) if v["product_id"]]
        rows = self.tables.get("sales_order_rows", [])
        locations = [loc["id"] for loc in self.tables.get("locations", [])]
        if not variants or not locations:
            return

        for index in range(self.size("manufacturing_orders")):
            row = rng.choice(rows) if rows and rng.random() < 0.3 else None
            status = rng.choice(
                ("NOT_STARTED", "NOT_STARTED", "IN_PROGRESS", "BLOCKED", "DONE")
            )
            planned = row["quantity"] if row else rng.randrange(1, 50)
            done = planned if status == "DONE" else 0
            order = self.add("manufacturing_orders", rng, index, {
                "status": status, "order_no": f"MO-{index + 1}",
                "variant_id": row["variant_id"] if row else rng.choice(variants)["id"],
                "planned_quantity": planned, "actual_quantity": done or None,
                "completed_quantity": done, "remaining_quantity": planned - done,
                "includes_partial_completions": False, "batch_transactions": [],
                "location_id": locations[min(1, len(locations) - 1)],
                "additional_info": "", "is_linked_to_sales_order": row is not None,
                "ingredient_availability": "IN_STOCK",
                "sales_order_id": row["sales_order_id"] if row else None,
                "sales_order_row_id": row["id"] if row else None,
                "sales_order_delivery_deadline": None, "serial_numbers": [],
                "done_date": None, "deleted_at": None,
            })  # fmt: skip
            order["order_created_date"] = order["created_at"]
            order["production_deadline_date"] = _later(order["created_at"], rng, 20)
            if row is not None:
                row["linked_manufacturing_order_id"] = order["id"]

            if status == "DONE":
                order["done_date"] = order["production_deadline_date"]
                self.add("manufacturing_order_productions", rng, index, {
                    "manufacturing_order_id": order["id"], "quantity": done,
                    "production_date": order["done_date"], "ingredients": [],
                    "operations": [], "serial_numbers": [], "deleted_at": None,
                })  # fmt: skip

    def inventory(self) -> None:
        rng = _rng(self.seed, "inventory")
        locations = self.tables.get("locations", [])
        for location_index, location in enumerate(locations):
            for variant in self.tables.get("variants", []):
                if location_index and rng.random() < 0.7:
                    continue

                stock = rng.randrange(0, 200)
                cost = variant["purchase_price"] or 1.0
                self.add("inventory", rng, 0, {
                    "variant_id": variant["id"], "location_id": location["id"],
                    "safety_stock_level": "0.00000", "reorder_point": "0.00000",
                    "average_cost": f"{cost:.5f}",
                    "value_in_stock": f"{stock * cost:.5f}",
                    "quantity_in_stock": f"{stock}.00000",
                    "quantity_committed": f"{rng.randrange(0, 10)}.00000",
                    "quantity_expected": f"{rng.randrange(0, 30)}.00000",
                    "quantity_missing_or_excess": "0.00000",
                    "quantity_potential": f"{stock}.00000",
                    "variant": None, "location": None, "archived_at": None,
                    "default_storage_bin": None,
                })  # fmt: skip

    def stock_adjustments(self) -> None:
        rng = _rng(self.seed, "stock_adjustments")
        variants = self.tables.get("variants", [])
        locations = [loc["id"] for loc in self.tables.get("locations", [])]
        if not variants or not locations:
            return

        for index in range(self.size("stock_adjustments")):
            rows = [
                {
                    "id": 12_500_001 + index * 10 + n,
                    "variant_id": rng.choice(variants)["id"],
                    "quantity": rng.choice((-5, -1, 2, 10)),
                    "cost_per_unit": round(rng.uniform(1, 50), 2),
                    "batch_transactions": [],
                }
                for n in range(rng.randrange(1, 4))
            ]
            adjustment = self.add("stock_adjustments", rng, index, {
                "stock_adjustment_number": f"SA-{index + 1}",
                "location_id": rng.choice(locations),
                "reason": rng.choice(("Damaged", "Stock count", "Found")),
                "additional_info": "", "stock_adjustment_rows": rows,
                "deleted_at": None,
            })  # fmt: skip
            adjustment["stock_adjustment_date"] = adjustment["created_at"]

    def tail(self, resource: str) -> None:
        spec = RESOURCES[resource]
        if spec.model is None or resource in self.tables or resource in _SINGLETONS:
            return

        rng = _rng(self.seed, resource)
        for index in range(self.size(resource)):
            self.add(resource, rng, index, {})

    def singletons(self) -> None:
        for resource, model in _SINGLETONS.items():
            rng = _rng(self.seed, resource)
            self.add(resource, rng, 0, _SINGLETON_VALUES.get(resource, {}), model)


_HAND_SEEDED = (
    "locations", "suppliers", "supplier_addresses", "customers",
    "customer_addresses", "sales_orders", "sales_order_rows",
    "sales_order_addresses", "sales_order_shipping_fee", "sales_order_fulfillments",
    "purchase_orders", "purchase_order_rows", "manufacturing_orders",
    "manufacturing_order_productions", "inventory", "stock_adjustments",
)  # fmt: skip
_SINGLETONS: dict[str, type[msgspec.Struct]] = {
    "factory": m.Factory,
    "user_info": m.UserInfo,
    "demand_forecasts": m.DemandForecastResponse,
}
_SINGLETON_VALUES: dict[str, dict[str, Any]] = {
    "factory": {
        "name": "Katana Furniture", "display_name": "Katana Furniture",
        "legal_name": "Katana Furniture OÜ", "currency": "EUR",
        "base_currency_code": "EUR", "timezone": "Europe/Tallinn",
        "legal_address": {"line_1": "Telliskivi 60", "city": "Tallinn"},
    },
    "user_info": {"firstName": "Mari", "lastName": "Tamm", "email": "mari@example.com"},
}  # fmt: skip


class _IdView(Mapping[str, list[Any]]):
    """The ids of what is seeded so far, read by ``Filler`` to resolve ``*_id``."""

    def __init__(self, tables: dict[str, list[Record]]) -> None:
        self._tables = tables
        self._cache: dict[str, list[Any]] = {}

    def __getitem__(self, resource: str) -> list[Any]:
        table = self._tables[resource]
        ids = self._cache.get(resource)
        if ids is None or len(ids) != len(table):
            ids = self._cache[resource] = [record.get("id") for record in table]

        return ids

    def __iter__(self) -> Any:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def seed_all(seed: int, sizes: Mapping[str, int]) -> dict[str, list[Record]]:
    """Every seeded resource's records, each list in creation (ascending id) order.

    Seeding runs once per seed and sizes; later calls decode a cached encoding,
    which is several times faster than seeding again (tests build many emulators).
    """
    encoded = _seeded(seed, tuple(sorted(sizes.items())))
    tables: dict[str, list[Record]] = msgspec.json.decode(encoded)

    return tables


@functools.lru_cache(maxsize=8)
def _seeded(seed: int, sizes: tuple[tuple[str, int], ...]) -> bytes:
    return msgspec.json.encode(_seed_all(seed, dict(sizes)))


def _seed_all(seed: int, sizes: Mapping[str, int]) -> dict[str, list[Record]]:
    seeder = _Seeder(seed, sizes)
    seeder.tables.update(seed_items(seed, dict(sizes)))
    steps: list[Callable[[], None]] = [
        seeder.locations, seeder.suppliers, seeder.customers, seeder.sales_orders,
        seeder.purchase_orders, seeder.manufacturing_orders, seeder.inventory,
        seeder.stock_adjustments, seeder.singletons,
    ]  # fmt: skip
    for step in steps:
        step()

    for resource in RESOURCES:
        seeder.tail(resource)

    return seeder.tables
