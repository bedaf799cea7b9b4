"""Fixtures for the emulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from rawhttp import small_config

from katana_anyio.emulator import KatanaEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[KatanaEmulator]:
    async with KatanaEmulator(small_config()) as running:
        yield running
