"""client.api.<resource> and the item helpers against the emulator on loopback."""

from __future__ import annotations

import datetime as dt

import pytest

from katana_anyio import InvalidRequest, KatanaClient, NotFoundError
from katana_anyio.emulator import KatanaEmulator
from katana_core.models import (
    CreateProductRequest,
    CreateProductVariantRequest,
    Material,
    Product,
    Service,
    UpdateProductRequest,
    VariantResponse,
)

pytestmark = pytest.mark.anyio


def _writes(emulator: KatanaEmulator) -> list[str]:
    return [e.method for e in emulator.journal if e.method != "GET"]


async def test_list_returns_every_record_decoded(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """list() pages through the whole collection and returns typed records."""
    products = await client.api.products.list(limit=25)

    assert [p.id for p in products] == [r["id"] for r in emulator.listing("products")]
    assert all(isinstance(p, Product) for p in products)
    assert products.failures == []
    assert products.response is not None
    assert products.response.pages == 3


async def test_list_sends_checked_filters(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """Filters go out as Katana's query parameters, lists as repeated keys."""
    wanted = [r["id"] for r in emulator.listing("products")[:3]]
    products = await client.api.products.list(ids=wanted, is_sellable=None)

    assert [p.id for p in products] == wanted
    query = emulator.journal[-1].query
    assert [value for key, value in query if key == "ids"] == [str(i) for i in wanted]
    assert "is_sellable" not in dict(query)


async def test_list_honours_max_items(client: KatanaClient) -> None:
    """max_items truncates the merged list."""
    variants = await client.variants.list(max_items=7)

    assert len(variants) == 7
    assert all(isinstance(v, VariantResponse) for v in variants)


async def test_iter_streams_records_in_order(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """iter() yields typed records page by page, in the collection's order."""
    stream = client.api.materials.iter(limit=5)
    seen = [material async for material in stream]

    assert [m.id for m in seen] == [r["id"] for r in emulator.listing("materials")]
    assert all(isinstance(m, Material) for m in seen)
    assert stream.failures == []


async def test_iter_stops_early_without_error(client: KatanaClient) -> None:
    """Leaving an iter() early through its context closes the walk cleanly."""
    first = []
    async with client.products.iter(limit=10) as stream:
        async for product in stream:
            first.append(product)
            if len(first) == 3:
                break

    assert len(first) == 3
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_get_returns_the_typed_record(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """get(id) returns the record as its model."""
    seeded = emulator.records("services")[2]
    service = await client.services.get(seeded["id"])

    assert isinstance(service, Service)
    assert service.name == seeded["name"]


async def test_get_missing_raises_not_found(client: KatanaClient) -> None:
    """get() of an id Katana does not have raises NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.products.get(999)


async def test_create_update_delete_round_trip(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """A dict body creates, a model body updates only its fields, delete removes."""
    created = await client.products.create(
        {"name": "Walnut shelf", "variants": [{"sku": "WS-1"}]}
    )
    assert created.name == "Walnut shelf"
    assert created.id is not None

    updated = await client.products.update(
        created.id, UpdateProductRequest(category_name="Shelves")
    )
    assert (updated.name, updated.category_name) == ("Walnut shelf", "Shelves")
    assert emulator.journal[-1].body == b'{"category_name":"Shelves"}'

    await client.products.delete(created.id)
    assert created.id not in [r["id"] for r in emulator.listing("products")]
    with pytest.raises(NotFoundError):
        await client.products.delete(created.id)


async def test_create_accepts_the_request_model(client: KatanaClient) -> None:
    """create() takes the generated request struct as well as a dict."""
    body = CreateProductRequest(
        name="Pine box", variants=[CreateProductVariantRequest(sku="PB-1")]
    )
    created = await client.api.products.create(body)

    assert created.variants is not None
    assert [v.sku for v in created.variants] == ["PB-1"]


async def test_delete_raises_on_404(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """delete() of a missing record raises instead of looking like success."""
    with pytest.raises(NotFoundError):
        await client.materials.delete(12345)

    assert [(e.method, e.status) for e in emulator.journal] == [("DELETE", 404)]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"nmae": "x"}, r"^unknown filter 'nmae' for products .*did you mean 'name'"),
        ({"is_sellable": "yes"}, r"filter 'is_sellable' takes bool, got str$"),
        ({"name": ["a", "b"]}, r"filter 'name' takes one value, not a list$"),
        ({"ids": ["1"]}, r"filter 'ids' takes int, got str$"),
        ({"extend": "suppliers"}, r"filter 'extend' is one of supplier; got"),
        ({"created_at_min": 5}, r"filter 'created_at_min' takes datetime, got int$"),
    ],
)
async def test_bad_filters_raise_before_any_request(
    client: KatanaClient,
    emulator: KatanaEmulator,
    filters: dict[str, object],
    message: str,
) -> None:
    """A misspelt or mistyped filter raises InvalidRequest and nothing is sent."""
    with pytest.raises(InvalidRequest, match=message):
        await client.api.products.list(**filters)
    with pytest.raises(InvalidRequest, match=message):
        client.api.products.iter(**filters)
    with pytest.raises(InvalidRequest, match=message):
        await client.products.search("oak", **filters)

    assert emulator.journal == []


async def test_datetime_filters_are_sent_in_utc(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """An aware datetime filter is accepted and sent as Katana writes timestamps."""
    since = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    await client.api.products.list(updated_at_min=since)

    assert ("updated_at_min", "2020-01-01T00:00:00.000Z") in emulator.journal[0].query


async def test_bad_bodies_raise_before_any_request(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """Unknown fields, wrong types and the wrong model are refused locally."""
    with pytest.raises(InvalidRequest, match=r"^unknown field 'nmae' .*'name'"):
        await client.products.create({"nmae": "x", "variants": []})
    with pytest.raises(InvalidRequest, match=r"^invalid CreateProductRequest: "):
        await client.products.create({"name": 3, "variants": []})
    with pytest.raises(InvalidRequest, match=r"takes UpdateProductRequest, got Create"):
        await client.products.update(1, CreateProductRequest(name="x", variants=[]))
    with pytest.raises(InvalidRequest, match=r"id must be an int, got str$"):
        await client.products.get("1")  # type: ignore[arg-type]

    assert emulator.journal == []


async def test_unknown_resource_lists_valid_names(client: KatanaClient) -> None:
    """A misspelt resource raises AttributeError naming the closest and all names."""
    with pytest.raises(AttributeError, match=r"no resource 'prodcts'; did you mean "):
        client.api.prodcts  # type: ignore[attr-defined]  # noqa: B018

    with pytest.raises(AttributeError, match=r"valid names: .*sales_orders"):
        client.api.resource("nonsense")


async def test_missing_operation_names_it(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """Calling an operation the resource lacks raises NotImplementedError."""
    with pytest.raises(NotImplementedError, match=r"no 'get' operation for suppliers"):
        await client.api.suppliers.get(1)
    with pytest.raises(NotImplementedError, match=r"no 'list' .* it has: create$"):
        client.api.batches.iter()

    assert emulator.journal == []


async def test_resources_and_helpers_are_cached(client: KatanaClient) -> None:
    """client.products is client.api.products, built once."""
    assert client.products is client.api.products
    assert client.api.sales_orders is client.api.resource("sales_orders")
    assert client.api is client.api
    assert "sales_orders" in dir(client.api)
