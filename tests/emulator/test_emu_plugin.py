"""The pytest plugin's fixtures, loaded here by import as the entry point would."""

from __future__ import annotations

import pytest
from rawhttp import get

from katana_anyio.emulator import EmulatorConfig, KatanaEmulator, RateLimitConfig

# Importing the fixtures registers them for this module, as the pytest11 entry
# point will for every test session once pyproject.toml declares it.
from katana_anyio.pytest_plugin import katana_emulator as katana_emulator
from katana_anyio.pytest_plugin import (
    katana_emulator_config as katana_emulator_config,
)

pytestmark = pytest.mark.anyio


async def test_fixture_serves_a_running_emulator(
    katana_emulator: KatanaEmulator,
) -> None:
    """``katana_emulator`` is running and answers with the default key."""
    response = await get(katana_emulator, "/products?limit=1")

    assert response.status == 200
    assert response.pagination["total_records"] == "120"


class TestOverriddenConfig:
    @pytest.fixture
    def katana_emulator_config(self) -> EmulatorConfig:
        return EmulatorConfig(
            seed=9, sizes={"products": 3}, rate_limit=RateLimitConfig(limit=2)
        )

    async def test_overriding_the_config_fixture_changes_the_run(
        self, katana_emulator: KatanaEmulator
    ) -> None:
        """Overriding ``katana_emulator_config`` reconfigures the served emulator."""
        response = await get(katana_emulator, "/products")

        assert response.pagination["total_records"] == "3"
        assert response.headers["x-ratelimit-limit"] == "2"
