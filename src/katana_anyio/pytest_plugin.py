"""A pytest plugin that serves a fresh Katana emulator to each test that asks.

Once installed through the ``pytest11`` entry point, any test can take the
``katana_emulator`` fixture and point its client at ``katana_emulator.base_url``
with the key ``katana_emulator.config.api_keys[0]``. The emulator runs on the test's
anyio backend (asyncio by default, trio where ``anyio_backend`` says so) and is shut
down when the test ends. Override ``katana_emulator_config`` in a ``conftest.py`` or
a test module to change seed, sizes, rate limit or latency::

    @pytest.fixture
    def katana_emulator_config() -> EmulatorConfig:
        return EmulatorConfig(seed=42, rate_limit=RateLimitConfig(limit=5, window_s=1))

Async tests need the anyio pytest plugin's marker, ``@pytest.mark.anyio``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .emulator import EmulatorConfig, KatanaEmulator

__all__ = ["katana_emulator", "katana_emulator_config"]


@pytest.fixture
def katana_emulator_config() -> EmulatorConfig:
    """The configuration of ``katana_emulator``; override it to change the run."""
    return EmulatorConfig()


@pytest.fixture
async def katana_emulator(
    katana_emulator_config: EmulatorConfig, anyio_backend: object
) -> AsyncIterator[KatanaEmulator]:
    """A running emulator on a free loopback port, stopped after the test."""
    async with KatanaEmulator(katana_emulator_config) as emulator:
        yield emulator
