"""The rest of the public surface: token callables, hooks, the blocking client."""

from __future__ import annotations

import pytest
from anyio.from_thread import start_blocking_portal

from katana_anyio import KatanaClient, NotFoundError, Response
from katana_anyio.blocking import KatanaClient as BlockingClient
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator

KEY = "surface-key"
CONFIG = EmulatorConfig(
    seed=5,
    sizes={"products": 300, "variants": 1, "materials": 1, "services": 1},
    api_keys=(KEY,),
    rate_limit=None,
)


@pytest.mark.anyio
async def test_async_token_callable_is_asked_on_every_attempt() -> None:
    """A rotating token source is awaited for each request, not cached."""
    calls = 0

    async def token() -> str:
        nonlocal calls
        calls += 1
        return KEY

    async with (
        KatanaEmulator(CONFIG) as emulator,
        KatanaClient(token, base_url=emulator.base_url) as client,
    ):
        await client.get("/products", params={"limit": 100})

    assert calls == 3


@pytest.mark.anyio
async def test_hooks_see_every_attempt() -> None:
    """on_request and on_response are called once per HTTP attempt."""
    requests: list[tuple[str, str]] = []
    statuses: list[int] = []

    def on_response(response: Response) -> None:
        statuses.append(response.status_code)

    async with (
        KatanaEmulator(CONFIG) as emulator,
        KatanaClient(
            KEY,
            base_url=emulator.base_url,
            on_request=lambda method, path: requests.append((method, path)),
            on_response=on_response,
        ) as client,
    ):
        await client.get("/products", params={"limit": 100})

    assert requests == [("GET", "/products")] * 3
    assert statuses == [200, 200, 200]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_client_pages_streams_and_raises(backend: str) -> None:
    """The blocking client merges pages, streams records and raises typed errors."""
    # The emulator runs on an event loop in its own thread, like a remote server.
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(KatanaEmulator(CONFIG)) as emulator,
    ):
        ids = [r["id"] for r in emulator.listing("products")]
        with BlockingClient(KEY, base_url=emulator.base_url, backend=backend) as client:
            merged = client.get("/products", params={"limit": 100}).json()["data"]
            streamed = [r["id"] for r in client.paginate("/products")]
            with pytest.raises(NotFoundError, match=r"^404 from GET /products/1:"):
                client.get("/products/1")

    assert [r["id"] for r in merged] == ids
    assert streamed == ids


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_client_closes_with_an_unfinished_iterator(backend: str) -> None:
    """Leaving the block while a paginate() iterator is half-read does not hang."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(KatanaEmulator(CONFIG)) as emulator,
    ):
        with BlockingClient(KEY, base_url=emulator.base_url, backend=backend) as client:
            records = client.paginate("/products", params={"limit": 100})
            first = next(records)
        assert first["id"] == emulator.listing("products")[0]["id"]
        # Finishing the abandoned iterator later is harmless.
        records.close()
