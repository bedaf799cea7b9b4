"""The emulator faults the hardening matrix added: a gateway's 429."""

from __future__ import annotations

import httpcore
import pytest
from hard_support import KEY, emulator_config

from katana_anyio.emulator import Fault, KatanaEmulator

pytestmark = pytest.mark.anyio


async def _get(emulator: KatanaEmulator) -> httpcore.Response:
    async with httpcore.AsyncConnectionPool() as pool:
        return await pool.request(
            "GET",
            f"{emulator.base_url}/products",
            headers={"Authorization": f"Bearer {KEY}"},
        )


@pytest.mark.parametrize(("retry_after", "sent"), [("7", b"7"), (None, None)])
async def test_a_429_fault_sends_retry_after_or_leaves_it_out(
    retry_after: str | None, sent: bytes | None
) -> None:
    """A scripted 429 carries the given Retry-After, or none, and takes no slot."""
    async with KatanaEmulator(emulator_config()) as emulator:
        emulator.faults.push(Fault("status", status=429, retry_after=retry_after))
        refused = await _get(emulator)
        after = await _get(emulator)

    headers = dict(refused.headers)
    assert refused.status == 429
    assert headers.get(b"Retry-After") == sent
    assert b"X-Ratelimit-Reset" in headers
    assert after.status == 200
    assert emulator.stats.writes_applied == 0
    assert dict(after.headers)[b"X-Ratelimit-Remaining"] == b"999"


def test_other_statuses_are_still_refused() -> None:
    """A status fault outside 429 and 500-504 is a mistake in the test."""
    with pytest.raises(
        ValueError, match=r"^status faults are 500, 502, 503 or 504 \(or a 429\)"
    ):
        Fault("status", status=418)
