"""Lists, gets, filters and seeded data of the emulator."""

from __future__ import annotations

import re

import pytest
from rawhttp import connect, get, small_config

from katana_anyio.emulator import EmulatorConfig, KatanaEmulator

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_default_page_holds_fifty_records_and_string_pagination(
    emulator: KatanaEmulator,
) -> None:
    """A list without page or limit returns the first 50 records, newest first."""
    response = await get(emulator, "/products")

    assert response.status == 200
    data = response.json()["data"]
    assert [r["id"] for r in data] == [
        r["id"] for r in emulator.listing("products")[:50]
    ]
    assert data[0]["id"] == emulator.records("products")[-1]["id"]
    assert response.pagination == {
        "total_records": "120",
        "total_pages": "3",
        "offset": "0",
        "page": "1",
        "first_page": "true",
        "last_page": "false",
    }


async def test_middle_and_last_pages_report_offsets(emulator: KatanaEmulator) -> None:
    """Page 2 and the last page carry the offset and flags Katana sends."""
    middle = await get(emulator, "/products?page=2&limit=50")
    last = await get(emulator, "/products?page=3&limit=50")

    assert middle.pagination["offset"] == "50"
    assert middle.pagination["first_page"] == "false"
    assert middle.pagination["last_page"] == "false"
    assert last.pagination["last_page"] == "true"
    assert len(last.json()["data"]) == 20


async def test_limit_above_250_is_clamped() -> None:
    """A limit larger than 250 serves 250 records and reports 250-record pages."""
    async with KatanaEmulator(small_config(sizes={"products": 300})) as emulator:
        response = await get(emulator, "/products?limit=1000")

    assert len(response.json()["data"]) == 250
    assert response.pagination["total_pages"] == "2"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "minimum"),
        ("limit=abc", "type"),
        ("page=0", "minimum"),
        ("page=x", "type"),
    ],
)
async def test_invalid_paging_values_get_a_422(
    emulator: KatanaEmulator, query: str, code: str
) -> None:
    """A page or limit that is not an integer of at least 1 is a validation error."""
    response = await get(emulator, f"/products?{query}")

    body = response.json()
    assert response.status == 422
    assert body["name"] == "UnprocessableEntityError"
    assert body["code"] == "VALIDATION_FAILED"
    assert body["details"][0]["code"] == code
    assert body["details"][0]["path"] == "." + query.split("=")[0]


async def test_repeated_ids_filter_the_list(emulator: KatanaEmulator) -> None:
    """``ids=a&ids=b`` returns exactly those records."""
    wanted = [r["id"] for r in emulator.records("variants")[3:6]]
    query = "&".join(f"ids={i}" for i in wanted)

    response = await get(emulator, f"/variants?{query}")

    assert [r["id"] for r in response.json()["data"]] == wanted[::-1]
    assert response.pagination["total_records"] == "3"


async def test_name_and_sku_filters_match_exactly(emulator: KatanaEmulator) -> None:
    """``name`` filters products and ``sku`` filters variants by equality."""
    product = emulator.records("products")[10]
    variant = emulator.records("variants")[20]

    by_name = await get(
        emulator, f"/products?name={product['name'].replace(' ', '%20')}"
    )
    by_sku = await get(emulator, f"/variants?sku={variant['sku']}")

    assert [r["id"] for r in by_name.json()["data"]] == [product["id"]]
    assert [r["id"] for r in by_sku.json()["data"]] == [variant["id"]]


async def test_unknown_filters_are_ignored(emulator: KatanaEmulator) -> None:
    """A filter the resource does not know changes nothing, as on Katana."""
    response = await get(emulator, "/services?colour=blue&sku=S-0001")

    assert response.status == 200
    assert response.pagination["total_records"] == "10"


async def test_wrongly_typed_filter_gets_a_422(emulator: KatanaEmulator) -> None:
    """A known filter with a value of the wrong type is a validation error."""
    response = await get(emulator, "/variants?product_id=abc")

    assert response.status == 422
    assert response.json()["details"][0]["path"] == ".product_id"


async def test_get_by_id_returns_the_record(emulator: KatanaEmulator) -> None:
    """``GET /x/{id}`` returns the same record the list shows."""
    record = emulator.records("materials")[5]

    response = await get(emulator, f"/materials/{record['id']}")

    assert response.status == 200
    assert response.json() == record


@pytest.mark.parametrize("target", ["/products/1", "/products/abc", "/widgets", "/"])
async def test_missing_things_get_katanas_404(
    emulator: KatanaEmulator, target: str
) -> None:
    """An unknown id, a non-numeric id or an unknown resource is Katana's 404 body."""
    response = await get(emulator, target)

    assert response.status == 404
    assert response.json() == {
        "statusCode": 404,
        "name": "NotFoundError",
        "message": "Not found",
    }
    assert "x-ratelimit-remaining" in response.headers


def test_same_seed_gives_same_records_and_other_seed_differs() -> None:
    """Seeding is deterministic: equal configs, equal data; other seeds, other data."""
    first = KatanaEmulator(small_config(seed=3))
    second = KatanaEmulator(small_config(seed=3))
    third = KatanaEmulator(small_config(seed=4))

    assert first.records("products") == second.records("products")
    assert first.records("variants") == second.records("variants")
    assert first.records("products") != third.records("products")


def test_sizes_are_honoured_and_ids_ascend() -> None:
    """Each resource has exactly its configured size, with strictly ascending ids."""
    sizes = {"products": 1200, "variants": 2500, "materials": 600, "services": 100}
    emulator = KatanaEmulator(EmulatorConfig(seed=1234, sizes=sizes))

    for resource, size in sizes.items():
        ids = [record["id"] for record in emulator.records(resource)]
        assert len(ids) == size
        assert ids == sorted(set(ids))


def test_records_have_the_shapes_of_katanas_examples() -> None:
    """Items embed their variants, variants point back, timestamps are Katana's form."""
    emulator = KatanaEmulator(small_config())
    variants = {v["id"]: v for v in emulator.records("variants")}
    product = emulator.records("products")[0]
    material = emulator.records("materials")[0]

    assert product["type"] == "product"
    assert material["type"] == "material"
    assert {"id", "name", "uom", "is_sellable", "configs", "variants"} <= set(product)
    for item, key in ((product, "product_id"), (material, "material_id")):
        assert item["variants"]
        for variant in item["variants"]:
            assert variant[key] == item["id"]
            assert variants[variant["id"]] == variant

    service_variant = emulator.records("services")[0]["variants"][0]
    assert service_variant["service_id"] == emulator.records("services")[0]["id"]
    for stamp in (
        product["created_at"],
        product["updated_at"],
        service_variant["created_at"],
    ):
        assert TIMESTAMP.match(stamp)


def test_every_variant_belongs_to_one_listed_item() -> None:
    """Variants are spread over products and materials, all of them listed."""
    emulator = KatanaEmulator(small_config())
    embedded = [
        v["id"]
        for resource in ("products", "materials")
        for item in emulator.records(resource)
        for v in item["variants"]
    ]

    assert sorted(embedded) == [v["id"] for v in emulator.records("variants")]


async def test_created_at_bounds_filter_the_list(emulator: KatanaEmulator) -> None:
    """``created_at_min``/``created_at_max`` keep records created inside the range."""
    products = emulator.records("products")
    low, high = products[10]["created_at"], products[19]["created_at"]

    response = await get(
        emulator, f"/products?created_at_min={low}&created_at_max={high}"
    )

    assert [r["id"] for r in response.json()["data"]] == [
        r["id"] for r in products[19:9:-1]
    ]


async def test_archived_records_are_listed_only_on_request(
    emulator: KatanaEmulator,
) -> None:
    """A product archived by PATCH leaves the list unless include_archived is set."""
    product_id = emulator.records("products")[0]["id"]
    client = await connect(emulator)
    async with client.stream:
        await client.request(
            "PATCH", f"/v1/products/{product_id}", body={"is_archived": True}
        )
        hidden = await client.request("GET", f"/v1/products?ids={product_id}")
        shown = await client.request(
            "GET", f"/v1/products?ids={product_id}&include_archived=true"
        )

    assert hidden.json()["data"] == []
    assert shown.json()["data"][0]["archived_at"] is not None
