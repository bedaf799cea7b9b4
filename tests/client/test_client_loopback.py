"""The client against the emulator on loopback, on asyncio and trio."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
import pytest

from katana_anyio import (
    AuthenticationError,
    BudgetConfig,
    KatanaClient,
    NotFoundError,
)
from katana_anyio.emulator import (
    EmulatorConfig,
    Fault,
    KatanaEmulator,
    RateLimitConfig,
)

pytestmark = pytest.mark.anyio

KEY = "loopback-key"


@contextlib.asynccontextmanager
async def _emulator(**overrides: object) -> AsyncIterator[KatanaEmulator]:
    settings: dict[str, object] = {
        "seed": 7,
        "sizes": {"products": 1100, "variants": 30, "materials": 10, "services": 3},
        "api_keys": (KEY,),
        "rate_limit": None,
    }
    settings.update(overrides)
    async with KatanaEmulator(EmulatorConfig(**settings)) as emulator:  # type: ignore[arg-type]
        yield emulator


def _list_requests(emulator: KatanaEmulator, path: str) -> list[dict[str, list[str]]]:
    found = []
    for entry in emulator.journal:
        if entry.method == "GET" and entry.path == path:
            query: dict[str, list[str]] = {}
            for key, value in entry.query:
                query.setdefault(key, []).append(value)
            found.append(query)
    return found


async def test_export_under_the_rate_limit_fetches_each_record_once() -> None:
    """All products arrive once and in order, pages of 250, paced without a 429."""
    limit = RateLimitConfig(limit=2, window_s=0.5)
    async with _emulator(rate_limit=limit) as emulator:
        budget = BudgetConfig(limit=2, window_s=0.5)
        async with KatanaClient(
            KEY, base_url=emulator.base_url, rate_budget=budget
        ) as client:
            ids = [record["id"] async for record in client.paginate("/products")]
            waits = client.budget.waits

        seeded = [record["id"] for record in emulator.listing("products")]
        assert ids == seeded
        requests = _list_requests(emulator, "/v1/products")
        assert len(requests) == 5
        assert all(q["limit"] == ["250"] for q in requests)
        assert sorted(int(q["page"][0]) for q in requests) == [1, 2, 3, 4, 5]
        assert waits >= 1
        assert all(entry.status != 429 for entry in emulator.journal)


async def test_get_merges_every_page_in_order() -> None:
    """A GET without page returns one body holding every page's records in order."""
    async with _emulator() as emulator:
        async with KatanaClient(KEY, base_url=emulator.base_url) as client:
            response = await client.get("/products")

        ids = [record["id"] for record in response.json()["data"]]
        assert ids == [record["id"] for record in emulator.listing("products")]
        assert response.pages == 5
        assert response.pagination is not None
        assert response.pagination.total_records == 1100


async def test_caller_limit_is_the_page_size_and_max_items_truncates() -> None:
    """limit=100 with max_items=250 asks pages 1-3 of 100 and keeps 250 records."""
    async with _emulator() as emulator:
        async with KatanaClient(KEY, base_url=emulator.base_url) as client:
            response = await client.get(
                "/products", params={"limit": 100}, max_items=250
            )

        ids = [record["id"] for record in response.json()["data"]]
        assert ids == [r["id"] for r in emulator.listing("products")[:250]]
        requests = _list_requests(emulator, "/v1/products")
        assert sorted(int(q["page"][0]) for q in requests) == [1, 2, 3]
        assert all(q["limit"] == ["100"] for q in requests)


async def test_explicit_page_is_one_request() -> None:
    """A query with page=2 fetches exactly that page and nothing else."""
    async with _emulator() as emulator:
        async with KatanaClient(KEY, base_url=emulator.base_url) as client:
            response = await client.get("/products", params={"page": 2, "limit": 10})

        ids = [record["id"] for record in response.json()["data"]]
        assert ids == [r["id"] for r in emulator.listing("products")[10:20]]
        assert len(_list_requests(emulator, "/v1/products")) == 1


async def test_repeated_params_stay_in_order_on_every_page() -> None:
    """ids=[...] goes out as repeated keys, in the caller's order."""
    async with _emulator() as emulator:
        wanted = [r["id"] for r in emulator.records("products")[:3]]
        async with KatanaClient(KEY, base_url=emulator.base_url) as client:
            response = await client.get("/products", params={"ids": wanted[::-1]})

        assert {r["id"] for r in response.json()["data"]} == set(wanted)
        (query,) = _list_requests(emulator, "/v1/products")
        assert query["ids"] == [str(i) for i in wanted[::-1]]


async def test_single_object_passes_through() -> None:
    """GET /products/{id} returns the object itself, not a merged list."""
    async with _emulator() as emulator:
        product = emulator.records("products")[0]
        async with KatanaClient(KEY, base_url=emulator.base_url) as client:
            response = await client.get(f"/products/{product['id']}")

        assert response.json()["id"] == product["id"]


async def test_missing_record_and_wrong_key_raise_typed_errors() -> None:
    """A 404 raises NotFoundError and a wrong key AuthenticationError."""
    async with _emulator() as emulator:
        async with KatanaClient(KEY, base_url=emulator.base_url) as client:
            with pytest.raises(NotFoundError, match=r"^404 from GET /products/1\b"):
                await client.get("/products/1")
        async with KatanaClient("wrong", base_url=emulator.base_url) as client:
            with pytest.raises(AuthenticationError, match=r"UnauthorizedError"):
                await client.get("/products")


async def test_stopping_a_stream_early_cancels_the_page_fetches() -> None:
    """Breaking out of paginate() leaves no page fetch running behind it."""
    async with _emulator(latency_s=0.05) as emulator:
        async with KatanaClient(
            KEY, base_url=emulator.base_url, page_concurrency=2
        ) as client:
            stream = client.paginate("/products", params={"limit": 50})
            taken = 0
            async with contextlib.aclosing(stream):  # type: ignore[type-var]
                async for _ in stream:
                    taken += 1
                    if taken == 120:
                        break
            seen = len(emulator.journal)
            await anyio.sleep(0.3)
            assert len(emulator.journal) == seen
        # Pages 1-3 were consumed; at most two more were fetched ahead, of 22.
        assert 3 <= seen <= 5


@pytest.mark.parametrize("streaming", [False, True])
async def test_records_created_during_a_walk_lose_and_repeat_nothing(
    streaming: bool,
) -> None:
    """A record created mid-walk shifts pages; every record still arrives once."""
    async with _emulator(sizes={"products": 500}) as emulator:
        emulator.faults.push(
            Fault("latency", delay_s=0.3, method="GET", path="/v1/products")
        )
        async with (
            KatanaClient(KEY, base_url=emulator.base_url) as client,
            KatanaClient(KEY, base_url=emulator.base_url) as writer,
        ):

            async def walk() -> list[int]:
                if streaming:
                    return [r["id"] async for r in client.paginate("/products")]
                response = await client.get("/products")
                return [r["id"] for r in response.json()["data"]]

            async def create() -> None:
                await anyio.sleep(0.1)
                await writer.post(
                    "/products", json={"name": "Mid-walk", "variants": [{"sku": "MW"}]}
                )

            result: list[int] = []

            async def run_walk() -> None:
                result.extend(await walk())

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(run_walk)
                tasks.start_soon(create)

        seeded = {r["id"] for r in emulator.records("products")}
        assert len(seeded) == 501
        # Everything that existed when the walk began is there exactly once.
        assert len(result) == len(set(result))
        assert seeded - set(result) <= {max(seeded)}
        assert len(result) >= 500
