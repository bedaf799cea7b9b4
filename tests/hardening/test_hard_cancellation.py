"""Exports cancelled at random points leave nothing behind.

Three ways to export (``get`` merging pages, ``paginate`` streaming records, the
JSONL export) are cut off by a cancel scope at seeded random delays, spread over
the time an uncancelled export takes. After each cut: no connection of the pool
is left mid-request, closing the client ends every task it started, and the
rate budget the exports share still hands out slots, so a last export with the
same budget completes.
"""

from __future__ import annotations

import gc
import os
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from hard_support import FAST, KEY, TALLY, TLS_CONTEXT, emulator_config

from katana_anyio import (
    BudgetConfig,
    DeadlineExceeded,
    KatanaClient,
    RateBudget,
    export_jsonl,
)
from katana_anyio.emulator import KatanaEmulator

pytestmark = pytest.mark.anyio

CUTS_PER_MODE = 7
# Whole seconds the emulator's tasks get to notice closed connections.
SETTLE_S = 2.0

Export = Callable[[KatanaClient, Path], Awaitable[Any]]


async def _get(client: KatanaClient, _out: Path) -> Any:
    return await client.get("/products", params={"limit": 20})


async def _paginate(client: KatanaClient, _out: Path) -> Any:
    return [record async for record in client.paginate("/products")]


async def _jsonl(client: KatanaClient, out: Path) -> Any:
    return await export_jsonl(client, "/products", out)


MODES: dict[str, Export] = {"get": _get, "paginate": _paginate, "jsonl": _jsonl}


def _client(emulator: KatanaEmulator, budget: RateBudget) -> KatanaClient:
    return KatanaClient(
        KEY,
        base_url=emulator.base_url,
        rate_budget=budget,
        retry=FAST,
        page_concurrency=4,
        verify=TLS_CONTEXT,
    )


def _busy_connections(client: KatanaClient) -> list[Any]:
    return [c for c in client._pool.connections if not (c.is_idle() or c.is_closed())]


async def _settle(baseline: int) -> int:
    """Wait (bounded) until only ``baseline`` tasks run; return how many do."""
    # Polling, bounded: there is no event for "a task of someone else's ended".
    for _ in range(int(SETTLE_S / 0.01)):
        if len(anyio.get_running_tasks()) <= baseline:
            break
        await anyio.sleep(0.01)
    return len(anyio.get_running_tasks())


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_cancelled_exports_leave_nothing_behind(
    mode: str, tmp_path: Path
) -> None:
    """Cut at random points, an export leaks no task or connection and leaves the
    budget usable."""
    export = MODES[mode]
    config = emulator_config(
        sizes={"products": 200}, latency_s=0.002, jitter_s=0.006, seed=31
    )
    budget = RateBudget(BudgetConfig(limit=6000, window_s=60.0))
    rng = random.Random(f"cancel:{mode}")
    async with KatanaEmulator(config) as emulator:
        # The emulator's listener starts its per-socket tasks on its first turn.
        await anyio.sleep(0.05)
        baseline = len(anyio.get_running_tasks())
        async with _client(emulator, budget) as client:
            started = anyio.current_time()
            await export(client, tmp_path / "full.jsonl")
            full_s = anyio.current_time() - started
        assert await _settle(baseline) == baseline

        for cut in range(CUTS_PER_MODE):
            delay = rng.uniform(0.0, full_s * 1.2)
            async with _client(emulator, budget) as client:
                with anyio.move_on_after(delay):
                    await export(client, tmp_path / f"cut{cut}.jsonl")
                assert _busy_connections(client) == []
            TALLY.scenario("cancellation")
            assert await _settle(baseline) == baseline
            gc.collect()

        # The budget the cancelled exports shared still works, promptly.
        with anyio.fail_after(5):
            async with _client(emulator, budget) as client:
                await export(client, tmp_path / "after.jsonl")

    # An interrupted JSONL export leaves no partial file behind.
    assert not [p.name for p in os.scandir(tmp_path) if p.name.endswith(".part")]


async def test_consumers_that_stop_early_leave_nothing_behind() -> None:
    """Breaking out of ``paginate`` after a random number of records leaks nothing."""
    config = emulator_config(sizes={"products": 200}, latency_s=0.001, seed=32)
    budget = RateBudget(BudgetConfig(limit=6000, window_s=60.0))
    rng = random.Random("early-stop")
    async with KatanaEmulator(config) as emulator:
        await anyio.sleep(0.05)
        baseline = len(anyio.get_running_tasks())
        for _ in range(CUTS_PER_MODE):
            stop_after = rng.randrange(1, 200)
            async with _client(emulator, budget) as client:
                seen = 0
                async for _record in client.paginate("/products", params={"limit": 20}):
                    seen += 1
                    if seen == stop_after:
                        break
                assert _busy_connections(client) == []
            TALLY.scenario("cancellation")
            assert await _settle(baseline) == baseline


async def _failing_hook(*_args: object) -> None:
    raise RuntimeError("hook failed")


@pytest.mark.parametrize("how", ["cancelled", "deadline", "hook"])
async def test_an_attempt_that_ends_without_a_response_frees_its_probe(
    how: str,
) -> None:
    """A probe cut short (cancel, deadline, failing hook) does not block the budget."""
    config = emulator_config(latency_s=0.2)
    budget = RateBudget(BudgetConfig(limit=6000, window_s=60.0))
    async with KatanaEmulator(config) as emulator:
        hook = _failing_hook if how == "hook" else None
        async with KatanaClient(
            KEY,
            base_url=emulator.base_url,
            rate_budget=budget,
            verify=TLS_CONTEXT,
            on_request=hook,
        ) as client:
            with anyio.move_on_after(0.05 if how == "cancelled" else 5):
                with pytest.raises((DeadlineExceeded, RuntimeError)):
                    await client.get("/products/1", deadline=0.05)
        TALLY.scenario("cancellation")

        with anyio.fail_after(5):
            async with _client(emulator, budget) as client:
                response = await client.get("/products", params={"page": 1})

    assert response.status_code == 200
