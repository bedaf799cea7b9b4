"""The rest of the public surface: token callables, hooks, the blocking client."""

from __future__ import annotations

import threading

import anyio
import pytest

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

    async with KatanaEmulator(CONFIG) as emulator:
        async with KatanaClient(token, base_url=emulator.base_url) as client:
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
    ready = threading.Event()
    stop = threading.Event()
    box: dict[str, object] = {}

    async def serve() -> None:
        async with KatanaEmulator(CONFIG) as emulator:
            box["url"] = emulator.base_url
            box["ids"] = [r["id"] for r in emulator.records("products")]
            ready.set()
            while not stop.is_set():
                await anyio.sleep(0.01)

    server = threading.Thread(target=anyio.run, args=(serve,))
    server.start()
    try:
        assert ready.wait(10)
        with BlockingClient(KEY, base_url=box["url"], backend=backend) as client:
            merged = client.get("/products", params={"limit": 100}).json()["data"]
            streamed = [r["id"] for r in client.paginate("/products")]
            with pytest.raises(NotFoundError):
                client.get("/products/1")
    finally:
        stop.set()
        server.join(10)

    assert [r["id"] for r in merged] == box["ids"]
    assert streamed == box["ids"]
