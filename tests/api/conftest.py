"""Fixtures for the typed API tests: a small emulator and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from katana_anyio import KatanaClient
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator

KEY = "api-test-key"
SIZES = {"products": 60, "variants": 40, "materials": 12, "services": 5}


@pytest.fixture
async def emulator(anyio_backend: object) -> AsyncIterator[KatanaEmulator]:
    config = EmulatorConfig(seed=11, sizes=SIZES, api_keys=(KEY,), rate_limit=None)
    async with KatanaEmulator(config) as running:
        yield running


@pytest.fixture
async def client(emulator: KatanaEmulator) -> AsyncIterator[KatanaClient]:
    async with KatanaClient(
        KEY, base_url=emulator.base_url, requests_per_minute=None
    ) as running:
        yield running
