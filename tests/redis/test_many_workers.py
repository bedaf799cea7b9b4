"""The shared budget with real clients: one process, four processes, Redis lost.

The emulator runs in the test process and counts requests per API key, so every
worker's request lands in the same server window.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.streams.text
import pytest
from redisserver import RedisServer

from katana_anyio import KatanaClient, Response, export_jsonl
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator, RateLimitConfig
from katana_anyio.redis_budget import RedisRateBudget, budget_key

pytestmark = [
    pytest.mark.anyio,
    # See conftest.LEAK_WARNING: coredis leaks streams on failed connections.
    pytest.mark.filterwarnings(
        r"ignore:Unclosed <MemoryObject(Send|Receive)Stream:ResourceWarning"
    ),
]

KEY = "shared-key"
WORKER = Path(__file__).with_name("export_worker.py")
RESOURCES = ("products", "variants", "materials", "services")


@contextlib.asynccontextmanager
async def _emulator(
    sizes: dict[str, int], limit: int, window_s: float
) -> AsyncIterator[KatanaEmulator]:
    config = EmulatorConfig(
        seed=3,
        sizes=sizes,
        api_keys=(KEY,),
        rate_limit=RateLimitConfig(limit=limit, window_s=window_s),
    )
    async with KatanaEmulator(config) as emulator:
        yield emulator


def _pages_fetched(emulator: KatanaEmulator) -> Counter[tuple[str, str]]:
    return Counter(
        (entry.path, dict(entry.query).get("page", "1"))
        for entry in emulator.journal
        if entry.method == "GET"
    )


def _ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


async def test_a_client_enters_its_redis_budget_and_stays_under_the_limit(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """KatanaClient(rate_budget=RedisRateBudget(...)) opens it and paces an export."""
    async with _emulator({"products": 2000}, limit=3, window_s=0.3) as emulator:
        budget = RedisRateBudget(
            url=redis_server.url, key=budget_key(KEY), limit=3, window_s=0.3
        )
        async with KatanaClient(
            KEY, base_url=emulator.base_url, rate_budget=budget
        ) as client:
            with anyio.fail_after(20):
                result = await export_jsonl(client, "/products", tmp_path / "p.jsonl")

        assert result.records == 2000
        assert result.responses_429 == 0
        assert _pages_fetched(emulator) == Counter(
            {("/v1/products", str(page)): 1 for page in range(1, 9)}
        )
        assert budget.is_shared


async def test_four_worker_processes_share_one_budget(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Four processes, one key: no 429, each page once, close to one budget's pace."""
    # 128 requests at 40 per 2 s: four windows, the last one a fifth full, so a
    # few slots left unused on the way (see the report below) do not cost a window.
    # Small pages keep round trips, and so the budget's latency margin, short; 2 s
    # windows keep the fixed costs (process scheduling on a busy 2-core machine)
    # well inside the 10% the pace is allowed.
    limit, window_s, pages_each, page_size = 40, 2.0, 32, 10
    sizes = {name: page_size * pages_each for name in RESOURCES}
    async with _emulator(sizes, limit=limit, window_s=window_s) as emulator:
        with anyio.fail_after(60):
            reports = await _run_workers(
                redis_server, emulator, tmp_path, limit, window_s, page_size
            )

        requests = len(emulator.journal)
        assert requests == 4 * pages_each
        assert all(entry.status == 200 for entry in emulator.journal)
        assert emulator.stats.responses_429 == 0
        fetched = _pages_fetched(emulator)
        assert set(fetched.values()) == {1}
        for resource in RESOURCES:
            assert _ids(tmp_path / f"{resource}.jsonl") == [
                record["id"] for record in emulator.listing(resource)
            ]
        assert all(report["shared"] for report in reports)

        # One budget for all: its last request can go out no earlier than this
        # after its first, whichever worker sends them.
        lower_bound_s = (math.ceil(requests / limit) - 1) * window_s
        times = sorted(entry.time for entry in emulator.journal)
        span_s = times[-1] - times[0]
        per_window = Counter(int((t - times[0]) // window_s) for t in times)
        assert lower_bound_s <= span_s <= lower_bound_s * 1.1, (
            f"{span_s=:.3f} {lower_bound_s=} requests per window: {per_window}"
        )


async def _run_workers(
    redis_server: RedisServer,
    emulator: KatanaEmulator,
    tmp_path: Path,
    limit: int,
    window_s: float,
    page_size: int,
) -> list[dict[str, object]]:
    """Start one worker per resource, let them all go at once, collect reports."""
    reports: list[dict[str, object]] = []
    processes = []
    try:
        for index, resource in enumerate(RESOURCES):
            command = [
                sys.executable,
                str(WORKER),
                "--base-url", emulator.base_url,
                "--redis-url", redis_server.url,
                "--key", budget_key(KEY),
                "--api-key", KEY,
                "--resource", resource,
                "--out", str(tmp_path / f"{resource}.jsonl"),
                "--limit", str(limit),
                "--window-s", str(window_s),
                "--workers", str(len(RESOURCES)),
                "--page-size", str(page_size),
                # Two workers on each backend: one budget, whatever the loop.
                "--backend", ("asyncio", "trio")[index % 2],
            ]  # fmt: skip
            processes.append(await anyio.open_process(command))

        outputs = [anyio.streams.text.TextReceiveStream(p.stdout) for p in processes]  # type: ignore[arg-type]
        for output in outputs:
            assert (await output.receive()).strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            await process.stdin.send(b"go\n")

        for process, output in zip(processes, outputs, strict=True):
            text = "".join([chunk async for chunk in output])
            assert await process.wait() == 0
            reports.append(json.loads(text))
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
            await process.aclose()
    return reports


async def test_an_export_survives_losing_redis(
    redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis stops mid-export: a warning, a local budget, and every record once."""
    caplog.set_level(logging.WARNING, logger="katana_anyio.redis_budget")
    seen = 0

    def stop_redis_after_three(response: Response) -> None:
        nonlocal seen
        seen += 1
        if seen == 3:
            redis_server.stop()

    async with _emulator({"products": 3000}, limit=4, window_s=0.3) as emulator:
        budget = RedisRateBudget(
            url=redis_server.url,
            key=budget_key(KEY),
            limit=4,
            window_s=0.3,
            workers=2,
            timeout_s=0.3,
        )
        async with KatanaClient(
            KEY,
            base_url=emulator.base_url,
            rate_budget=budget,
            on_response=stop_redis_after_three,
        ) as client:
            with anyio.fail_after(30):
                result = await export_jsonl(client, "/products", tmp_path / "p.jsonl")

        assert not budget.is_shared
        assert result.records == 3000
        assert _ids(tmp_path / "p.jsonl") == [
            record["id"] for record in emulator.listing("products")
        ]
        fetched = _pages_fetched(emulator)
        assert sorted(int(page) for _, page in fetched) == list(range(1, 13))

    messages = [record.getMessage() for record in caplog.records]
    assert any(
        "redis_budget.unreachable" in m and "local budget of 2 requests" in m
        for m in messages
    )
