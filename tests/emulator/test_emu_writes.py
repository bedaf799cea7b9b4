"""Creates, updates and deletes on the emulator, and their validation."""

from __future__ import annotations

import json

import httpcore
import pytest
from rawhttp import connect

from katana_anyio.emulator import KatanaEmulator

pytestmark = pytest.mark.anyio


async def test_post_creates_a_product_with_its_variants(
    emulator: KatanaEmulator,
) -> None:
    """POST answers 200 with the new product, listed afterwards with a larger id."""
    client = await connect(emulator)
    async with client.stream:
        body = {"name": "Teak bench", "uom": "pcs", "variants": [{"sku": "TB-1"}]}
        created = await client.request("POST", "/v1/products", body=body)
        fetched = await client.request("GET", f"/v1/products/{created.json()['id']}")

    record = created.json()
    assert created.status == 200
    assert record["id"] > max(r["id"] for r in emulator.records("products")[:-1])
    assert record["name"] == "Teak bench"
    assert record["variants"][0]["product_id"] == record["id"]
    assert set(record) == set(emulator.records("products")[0])
    assert fetched.json() == record
    assert emulator.journal[0].write_applied
    assert emulator.stats.writes_applied == 1


async def test_post_creates_a_variant_under_a_material(
    emulator: KatanaEmulator,
) -> None:
    """A variant created with ``material_id`` shows up inside that material."""
    material = emulator.records("materials")[0]
    client = await connect(emulator)
    async with client.stream:
        created = await client.request(
            "POST", "/v1/variants", body={"material_id": material["id"], "sku": "MV-9"}
        )

    assert created.status == 200
    assert created.json()["material_id"] == material["id"]
    skus = [v["sku"] for v in emulator.records("materials")[0]["variants"]]
    assert "MV-9" in skus


async def test_patch_changes_only_the_fields_sent(emulator: KatanaEmulator) -> None:
    """PATCH answers 200 with the record, changing only the keys in the body."""
    before = emulator.records("services")[0]
    client = await connect(emulator)
    async with client.stream:
        response = await client.request(
            "PATCH", f"/v1/services/{before['id']}", body={"name": "Renamed"}
        )

    after = response.json()
    assert response.status == 200
    assert after["name"] == "Renamed"
    assert after["uom"] == before["uom"]
    assert after["updated_at"] >= before["updated_at"]


async def test_delete_answers_204_and_hides_the_record(
    emulator: KatanaEmulator,
) -> None:
    """DELETE is 204 with no body; the record is then 404 and only listed on request."""
    product = emulator.records("products")[0]
    client = await connect(emulator)
    async with client.stream:
        deleted = await client.request("DELETE", f"/v1/products/{product['id']}")
        fetched = await client.request("GET", f"/v1/products/{product['id']}")
        listed = await client.request("GET", f"/v1/products?ids={product['id']}")
        with_deleted = await client.request(
            "GET", f"/v1/products?ids={product['id']}&include_deleted=true"
        )
        again = await client.request("DELETE", f"/v1/products/{product['id']}")

    assert deleted.status == 204
    assert deleted.body == b""
    assert fetched.status == 404
    assert listed.json()["data"] == []
    assert with_deleted.json()["data"][0]["deleted_at"] is not None
    assert again.status == 404


async def test_unknown_fields_get_a_422_naming_them(emulator: KatanaEmulator) -> None:
    """A body with a key the schema lacks is refused, the key named in details."""
    client = await connect(emulator)
    async with client.stream:
        response = await client.request(
            "POST",
            "/v1/products",
            body={"name": "X", "variants": [{}], "colour": "red"},
        )

    body = response.json()
    assert response.status == 422
    assert body["name"] == "UnprocessableEntityError"
    assert body["details"] == [
        {
            "path": "",
            "code": "additionalProperties",
            "message": "should NOT have additional properties",
            "info": {"additionalProperty": "colour"},
        }
    ]
    assert not emulator.journal[0].write_applied
    assert len(emulator.records("products")) == 120


async def test_missing_required_fields_get_a_422(emulator: KatanaEmulator) -> None:
    """A create without the required ``name`` and ``variants`` is refused."""
    client = await connect(emulator)
    async with client.stream:
        response = await client.request("POST", "/v1/materials", body={"uom": "kg"})

    missing = [d["info"]["missingProperty"] for d in response.json()["details"]]
    assert response.status == 422
    assert missing == ["name", "variants"]


async def test_invalid_json_gets_a_400(emulator: KatanaEmulator) -> None:
    """A body that is not JSON is Katana's 400 body."""
    async with httpcore.AsyncConnectionPool() as pool:
        response = await pool.request(
            "POST",
            f"{emulator.base_url}/products",
            headers={"Authorization": "Bearer test-key"},
            content=b"{nope",
        )

    assert response.status == 400
    assert json.loads(response.content)["name"] == "BadRequest"


async def test_writes_to_missing_ids_get_404(emulator: KatanaEmulator) -> None:
    """PATCH or DELETE of an id that does not exist is a 404."""
    client = await connect(emulator)
    async with client.stream:
        patched = await client.request("PATCH", "/v1/variants/12", body={"sku": "A"})
        deleted = await client.request("DELETE", "/v1/variants/12")

    assert patched.status == 404
    assert deleted.status == 404
