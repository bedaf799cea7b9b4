"""A thousand creates under seeded random faults: every write is accounted for.

A POST can end three ways: a response (the record exists, once), an error that
says the write may have been applied (the record exists at most once), or an
error that says it was not (no record). The fault mix below applies the write
whenever the client cannot know, so "may have" means "was" here, and the books
must balance exactly: writes applied == successes + "may have been applied".
"""

from __future__ import annotations

from collections import Counter

import anyio
import pytest
from hard_support import TALLY, check_created, emulator_config, running

from katana_anyio import DeadlineExceeded, KatanaError, TransportError
from katana_anyio.emulator import Fault

pytestmark = pytest.mark.anyio

POSTS = 1000
CONCURRENCY = 4
MIX = (
    Fault("status", status=502),
    Fault("status", status=503, html=True),
    Fault("status", status=504),
    Fault("status", status=429, retry_after="0"),
    Fault("status", status=429, retry_after=None),
    Fault("disconnect", applied=True),
    Fault("truncated_body"),
    Fault("truncated_json"),
    Fault("malformed_header", header="x-ratelimit-remaining"),
    Fault("missing_header", header="content-type"),
)


async def test_random_posts_balance_the_books() -> None:
    """Applied writes equal successes plus "may have applied" reports, no duplicates."""
    outcomes: dict[str, str] = {}
    config = emulator_config(seed=20, fault_rate=0.2, rate_limit=None)

    async def create(number: int, limiter: anyio.CapacityLimiter) -> None:
        name = f"bulk-{number:04d}"
        body = {"name": name, "variants": [{"sku": name}]}
        async with limiter:
            try:
                await client.post("/products", json=body)
            except (TransportError, DeadlineExceeded) as error:
                maybe = isinstance(error, DeadlineExceeded) or error.may_have_applied
                outcomes[name] = "maybe" if maybe else "not applied"
            except KatanaError:
                # A 5xx on a POST says the write *may* have applied: the client
                # cannot tell. The status faults of this mix never apply the write,
                # so the books count them as not applied.
                outcomes[name] = "not applied"
            else:
                outcomes[name] = "success"

    async with running(config, requests_per_minute=None) as (emulator, client):
        emulator.faults.random_kinds = MIX
        limiter = anyio.CapacityLimiter(CONCURRENCY)
        async with anyio.create_task_group() as tasks:
            for number in range(POSTS):
                tasks.start_soon(create, number, limiter)

    TALLY.scenario("random writes")
    tally = Counter(outcomes.values())
    created = check_created(emulator, outcomes)
    faults = sum(1 for e in emulator.journal if e.fault is not None)
    assert len(outcomes) == POSTS
    assert 0.15 * POSTS < faults < 0.3 * POSTS
    assert emulator.stats.writes_applied == tally["success"] + tally["maybe"]
    assert all(created[name] == 1 for name, o in outcomes.items() if o == "success")
    assert all(created[name] == 0 for name, o in outcomes.items() if o == "not applied")
    assert max(created.values()) == 1
    assert sum(created.values()) == emulator.stats.writes_applied
