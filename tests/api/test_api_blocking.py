"""The typed API and the item helpers through the blocking client."""

from __future__ import annotations

import pytest
from anyio.from_thread import start_blocking_portal

from katana_anyio import InvalidRequest, NotFoundError
from katana_anyio.blocking import KatanaClient as BlockingClient
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator
from katana_core.models import Product

KEY = "blocking-api-key"
CONFIG = EmulatorConfig(
    seed=3,
    sizes={"products": 30, "variants": 5, "materials": 5, "services": 2},
    api_keys=(KEY,),
    rate_limit=None,
)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_api_lists_streams_writes_and_searches(backend: str) -> None:
    """client.api and client.products block on each call and keep their errors."""
    # The emulator runs on an event loop in its own thread, like a remote server.
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(KatanaEmulator(CONFIG)) as emulator,
    ):
        ids = [r["id"] for r in emulator.listing("products")]
        with BlockingClient(KEY, base_url=emulator.base_url, backend=backend) as client:
            listed = client.api.products.list(limit=10)
            streamed = [p.id for p in client.products.iter(limit=7)]
            created = client.products.create(
                {"name": "Ash stool", "variants": [{"sku": "AS-1"}]}
            )
            found = client.products.search("ash stool")
            client.products.delete(created.id)
            with pytest.raises(NotFoundError):
                client.products.delete(created.id)
            with pytest.raises(InvalidRequest, match=r"^unknown filter 'nme'"):
                client.api.resource("products").list(nme="x")

    assert [p.id for p in listed] == ids
    assert all(isinstance(p, Product) for p in listed)
    assert streamed == ids
    assert [p.id for p in found] == [created.id]
