"""Every resource of the operation table: routes, seeded shapes, order, relations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rawhttp import connect, get, small_config

from katana_anyio._emulator.app import Request
from katana_anyio._emulator.routes import ROUTES
from katana_anyio.emulator import KatanaEmulator
from katana_core.models import decode_records

pytestmark = pytest.mark.anyio

LISTS = sorted(
    {route.operation.path for route in ROUTES if route.kind == "list"}
    - {"/sales_returns/return_reasons"}
)


def _offline(**overrides: Any) -> KatanaEmulator:
    """An emulator driven without a socket, so without the rate limiter's clock."""
    return KatanaEmulator(small_config(rate_limit=None, **overrides))


def _handle(
    emulator: KatanaEmulator, method: str, target: str, body: Any = None
) -> tuple[int, Any]:
    """One request straight through the application, without a socket."""
    payload = b"" if body is None else json.dumps(body).encode()
    headers = (("authorization", "Bearer test-key"),)
    response = emulator.app.handle(Request(method, f"/v1{target}", headers, payload))
    decoded = json.loads(response.body) if response.body else None
    return response.status, decoded


@pytest.mark.parametrize("quirks", [False, True])
def test_every_list_answers_records_the_models_decode(quirks: bool) -> None:
    """Each list of the table answers 200 with records its generated model reads."""
    emulator = _offline(quirks=quirks)
    by_path = {r.operation.path: r.operation for r in ROUTES if r.kind == "list"}
    for path in LISTS:
        status, body = _handle(emulator, "GET", path)
        assert status == 200, path
        model = by_path[path].record
        assert model is not None
        records, failures = decode_records(model, json.dumps(body).encode())
        assert not failures, (path, failures[:1])
        assert records, path


def test_every_get_by_id_finds_a_listed_record() -> None:
    """``GET /x/{id}`` answers the first listed record of every resource that has it."""
    emulator = _offline()
    for route in ROUTES:
        if route.kind != "get":
            continue

        resource = route.operation.resource
        first = emulator.listing(resource)[0]
        status, body = _handle(emulator, "GET", f"/{resource}/{first['id']}")
        assert (status, body["id"]) == (200, first["id"]), resource


def test_main_resources_nest_their_rows_and_addresses() -> None:
    """Orders embed their rows, customers and suppliers their addresses."""
    emulator = _offline()
    order = emulator.records("sales_orders")[0]
    rows = [
        r
        for r in emulator.records("sales_order_rows")
        if r["sales_order_id"] == order["id"]
    ]
    purchase = emulator.records("purchase_orders")[0]
    customer = emulator.records("customers")[0]

    assert order["sales_order_rows"] == rows
    assert {a["entity_type"] for a in order["addresses"]} == {"billing", "shipping"}
    assert order["total"] == round(sum(r["total"] for r in rows), 2)
    assert purchase["purchase_order_rows"]
    assert all(
        r["purchase_order_id"] == purchase["id"]
        for r in purchase["purchase_order_rows"]
    )
    assert customer["addresses"][0]["customer_id"] == customer["id"]
    assert emulator.records("suppliers")[0]["addresses"]


def test_lists_are_newest_first_except_the_documented_ones() -> None:
    """Lists run newest first; inventory by location and serial numbers by name."""
    emulator = _offline()
    _, orders = _handle(emulator, "GET", "/sales_orders?limit=250")
    _, inventory = _handle(emulator, "GET", "/inventory?limit=250")
    _, serials = _handle(emulator, "GET", "/serial_numbers")

    ids = [o["id"] for o in orders["data"]]
    assert ids == sorted(ids, reverse=True)
    locations = [row["location_id"] for row in inventory["data"]]
    assert locations == sorted(locations)
    names = [s["serial_number"] for s in serials["data"]]
    assert names == sorted(names)
    assert [o["id"] for o in emulator.listing("sales_orders")][:250] == ids


def test_seeding_is_deterministic_and_fast() -> None:
    """Equal seeds give equal data for every resource."""
    first, second = (
        _offline(seed=5),
        _offline(seed=5),
    )
    for resource in ("sales_orders", "inventory", "customers", "bom_rows"):
        assert first.records(resource) == second.records(resource)


def test_filters_from_the_table_are_applied() -> None:
    """Repeated ``*_ids``, equality, enum and date filters narrow the list."""
    emulator = _offline()
    orders = emulator.records("sales_orders")[:2]
    query = "&".join(f"sales_order_ids={o['id']}" for o in orders)
    _, rows = _handle(emulator, "GET", f"/sales_order_rows?{query}&limit=250")
    _, packed = _handle(emulator, "GET", "/sales_orders?status=PACKED&limit=250")
    status, bad = _handle(emulator, "GET", "/manufacturing_orders?status=SHIPPED")
    cutoff = emulator.records("customers")[30]["created_at"]
    _, recent = _handle(emulator, "GET", f"/customers?created_at_min={cutoff}")

    assert {r["sales_order_id"] for r in rows["data"]} == {o["id"] for o in orders}
    assert {o["status"] for o in packed["data"]} == {"PACKED"}
    assert (status, bad["details"][0]["code"]) == (422, "enum")
    assert len(recent["data"]) == 10


def test_extend_embeds_the_related_records() -> None:
    """``extend=supplier`` and ``extend=variant`` embed the referenced records."""
    emulator = _offline()
    product = next(p for p in emulator.records("products") if p["default_supplier_id"])
    _, plain = _handle(emulator, "GET", f"/products/{product['id']}")
    _, extended = _handle(emulator, "GET", f"/products/{product['id']}?extend=supplier")
    _, rows = _handle(emulator, "GET", "/sales_order_rows?extend=variant&limit=1")

    assert "supplier" not in plain
    assert extended["supplier"]["id"] == product["default_supplier_id"]
    row = rows["data"][0]
    assert row["variant"]["id"] == row["variant_id"]


def test_bare_array_endpoints_answer_arrays() -> None:
    """Returnable items, return reasons and price list row creates are bare arrays."""
    emulator = _offline()
    delivered = next(
        o for o in emulator.records("sales_orders") if o["status"] == "DELIVERED"
    )
    price_list = emulator.records("price_lists")[0]
    variant = emulator.records("variants")[0]
    body = {
        "price_list_id": price_list["id"],
        "price_list_rows": [
            {"variant_id": variant["id"], "adjustment_method": "fixed", "amount": 10}
        ],
    }

    _, returnable = _handle(
        emulator, "GET", f"/sales_orders/{delivered['id']}/returnable_items"
    )
    _, reasons = _handle(emulator, "GET", "/sales_returns/return_reasons")
    status, created = _handle(emulator, "POST", "/price_list_rows", body)

    assert isinstance(returnable, list)
    assert len(returnable) == len(delivered["sales_order_rows"])
    assert isinstance(reasons, list)
    assert reasons[0]["name"]
    assert status == 200
    assert isinstance(created, list)
    assert created[0]["variant_id"] == variant["id"]


def test_order_deletes_with_linked_records_get_a_nested_412() -> None:
    """A sales order with a fulfillment is a 412 under ``error``; a plain one goes."""
    emulator = _offline()
    fulfilled = emulator.records("sales_order_fulfillments")[0]["sales_order_id"]
    linked = {m["sales_order_id"] for m in emulator.records("manufacturing_orders")}
    free = next(
        o for o in emulator.records("sales_orders")
        if o["status"] == "NOT_SHIPPED" and o["id"] not in linked
    )  # fmt: skip

    status, body = _handle(emulator, "DELETE", f"/sales_orders/{fulfilled}")
    gone, _ = _handle(emulator, "DELETE", f"/sales_orders/{free['id']}")
    again, _ = _handle(emulator, "GET", f"/sales_orders/{free['id']}")

    assert status == 412
    assert body["error"]["name"] == "PreconditionFailedError"
    assert body["error"]["statusCode"] == 412
    assert (gone, again) == (204, 404)
    assert all(
        r["sales_order_id"] != free["id"] for r in emulator.records("sales_order_rows")
    )


def test_generic_creates_validate_and_list_newest_first() -> None:
    """A customer create is checked against its request model and listed first."""
    emulator = _offline()
    unknown, problems = _handle(
        emulator, "POST", "/customers", {"name": "A", "colour": 1}
    )
    missing, required = _handle(emulator, "POST", "/customers", {"email": "a@b.c"})
    wrong, typed = _handle(emulator, "POST", "/customers", {"name": 5})
    status, created = _handle(
        emulator, "POST", "/customers",
        {"name": "Ada", "addresses": [{"entity_type": "billing", "city": "Tartu"}]},
    )  # fmt: skip
    _, listed = _handle(emulator, "GET", "/customers?limit=1")

    assert (unknown, problems["details"][0]["code"]) == (422, "additionalProperties")
    assert (missing, required["details"][0]["info"]) == (
        422,
        {"missingProperty": "name"},
    )
    assert (wrong, typed["details"][0]["path"]) == (422, ".name")
    assert status == 200
    assert created["addresses"][0]["city"] == "Tartu"
    assert listed["data"][0]["id"] == created["id"]


def test_updates_and_status_patches_change_the_record() -> None:
    """PATCH changes only the fields sent; a status PATCH updates the status."""
    emulator = _offline()
    supplier = emulator.records("suppliers")[0]
    transfer = emulator.records("stock_transfers")[0]

    status, updated = _handle(
        emulator, "PATCH", f"/suppliers/{supplier['id']}", {"comment": "Net 30"}
    )
    moved, patched = _handle(
        emulator,
        "PATCH",
        f"/stock_transfers/{transfer['id']}/status",
        {"status": "received"},
    )
    missing, _ = _handle(emulator, "PATCH", "/suppliers/999999", {"comment": "x"})

    assert status == 200
    assert updated["comment"] == "Net 30"
    assert updated["name"] == supplier["name"]
    assert (moved, patched["status"]) == (200, "received")
    assert missing == 404


def test_single_object_endpoints() -> None:
    """``/factory`` is one object; ``/demand_forecasts`` needs its two parameters."""
    emulator = _offline()
    status, factory = _handle(emulator, "GET", "/factory")
    refused, _ = _handle(emulator, "GET", "/demand_forecasts")
    found, forecast = _handle(
        emulator, "GET", "/demand_forecasts?variant_id=3&location_id=4"
    )

    assert (status, factory["name"]) == (200, "Katana Furniture")
    assert refused == 422
    assert (found, forecast["variant_id"], forecast["location_id"]) == (200, 3, 4)


async def test_a_new_resource_over_http(emulator: KatanaEmulator) -> None:
    """A purchase order list over a socket pages with string pagination values."""
    response = await get(emulator, "/purchase_orders?limit=20&page=2")
    client = await connect(emulator)
    async with client.stream:
        unknown = await client.request("GET", "/v1/purchase_orders?colour=red")

    assert response.status == 200
    assert len(response.json()["data"]) == 10
    assert response.pagination["page"] == "2"
    assert response.pagination["last_page"] == "true"
    assert unknown.pagination["total_records"] == "30"
