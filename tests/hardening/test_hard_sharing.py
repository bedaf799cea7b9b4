"""Two clients, one key, one server window: each must find its share without a fight.

Each client has its own budget (as two processes would) sized like the server's
quota, and neither knows about the other: what one spends, the other learns only
from the server's ``X-Ratelimit-Remaining`` and, at worst, from a 429. The two
exports use different page sizes so that the journal tells their requests apart.
"""

from __future__ import annotations

import anyio
import pytest
from hard_support import KEY, TALLY, TLS_CONTEXT, emulator_config, running

from katana_anyio import BudgetConfig, KatanaClient, RetryConfig
from katana_anyio.emulator import JournalEntry, KatanaEmulator, RateLimitConfig

pytestmark = pytest.mark.anyio

WINDOW_S = 1.0
# Quotas per window: at 8 an unconfirmed count goes out one request at a time;
# at 40 a quarter of it (9) goes at once, the rule two clients could collide on.
LIMITS = pytest.mark.parametrize("limit", [8, 40])
# Latency of one loopback exchange plus scheduling on a busy 2-core machine.
SLACK_S = 0.3
PATIENT = RetryConfig(max_retries=8, wait_initial_s=0.0, wait_max_s=0.0)


def _windows(journal: list[JournalEntry]) -> list[tuple[int, float]]:
    """Each entry's fixed window (index, start), as the emulator opened them."""
    result: list[tuple[int, float]] = []
    start: float | None = None
    index = -1
    for entry in journal:
        if start is None or entry.time >= start + WINDOW_S:
            start, index = entry.time, index + 1
        result.append((index, start))
    return result


def _check_no_stall(emulator: KatanaEmulator, page_size: str) -> None:
    journal = emulator.journal
    windows = _windows(journal)
    mine = [i for i, e in enumerate(journal) if dict(e.query)["limit"] == page_size]
    for position, i in enumerate(mine[:-1]):
        if journal[i].status != 429:
            continue
        _, start = windows[i]
        retry_after = float(dict(journal[i].headers).get("retry-after", "0") or 0)
        next_at = journal[mine[position + 1]].time
        # Retry-After is whole seconds rounded up, so it may end after the reset.
        allowed = max(start + WINDOW_S, journal[i].time + retry_after)
        assert next_at <= allowed + SLACK_S


async def _share(
    products: int, limit: int
) -> tuple[KatanaEmulator, dict[str, list[int]], float]:
    """Run both exports at once; return the emulator, each export's ids and the time."""
    config = emulator_config(
        sizes={"products": products},
        rate_limit=RateLimitConfig(limit=limit, window_s=WINDOW_S),
    )
    budget = BudgetConfig(limit=limit, window_s=WINDOW_S)
    results: dict[str, list[int]] = {}

    async def export(client: KatanaClient, page_size: str) -> None:
        response = await client.get("/products", params={"limit": page_size})
        results[page_size] = [r["id"] for r in response.json()["data"]]

    async with running(config, rate_budget=budget, retry=PATIENT) as (emulator, a):
        async with KatanaClient(
            KEY,
            base_url=emulator.base_url,
            rate_budget=budget,
            retry=PATIENT,
            verify=TLS_CONTEXT,
        ) as b:
            started = anyio.current_time()
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(export, a, "6")
                tasks.start_soon(export, b, "7")
            elapsed = anyio.current_time() - started

        results["all"] = [r["id"] for r in emulator.listing("products")]

    TALLY.scenario("sharing")
    return emulator, results, elapsed


def _refusals(emulator: KatanaEmulator, page_size: str) -> list[int]:
    """The window of each 429 that the client with ``page_size`` met."""
    windows = _windows(emulator.journal)
    return [
        windows[i][0]
        for i, e in enumerate(emulator.journal)
        if e.status == 429 and dict(e.query)["limit"] == page_size
    ]


@LIMITS
async def test_two_clients_on_one_key_get_every_record_without_stalling(
    limit: int,
) -> None:
    """Both exports are complete and exact, and no client waits past a reset."""
    # 60 products per 8 (300 per 40) are 19 (93) pages of 6 and 7: 3 windows.
    emulator, results, elapsed = await _share(products=60 * limit // 8, limit=limit)

    assert results["6"] == results["all"]
    assert results["7"] == results["all"]
    for page_size in ("6", "7"):
        _check_no_stall(emulator, page_size)

    # Three windows; a 429 costs at most one more.
    assert elapsed < 4 * WINDOW_S + SLACK_S


@LIMITS
async def test_two_clients_on_one_key_meet_at_most_one_429_per_window(
    limit: int,
) -> None:
    """Each client meets at most one 429 per server window."""
    emulator, _results, _elapsed = await _share(products=5 * limit, limit=limit)

    for page_size in ("6", "7"):
        refused = _refusals(emulator, page_size)
        assert len(refused) == len(set(refused)), f"client {page_size}: {refused}"
