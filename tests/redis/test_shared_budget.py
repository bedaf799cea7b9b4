"""RedisRateBudget against a real redis-server: the shared rules, on asyncio and trio.

Several budgets on one key stand for several workers; they share nothing but Redis.
"""

from __future__ import annotations

import re

import anyio
import coredis
import pytest
from redisserver import RedisServer, free_port

from katana_anyio import DeadlineExceeded
from katana_anyio.redis_budget import RedisRateBudget, budget_key
from katana_core import RateLimitInfo

pytestmark = [
    pytest.mark.anyio,
    # See conftest.LEAK_WARNING: coredis leaks streams on failed connections.
    pytest.mark.filterwarnings(
        r"ignore:Unclosed <MemoryObject(Send|Receive)Stream:ResourceWarning"
    ),
]


def _budget(server: RedisServer, key: str, **overrides: object) -> RedisRateBudget:
    settings: dict[str, object] = {"limit": 5, "window_s": 0.4}
    settings.update(overrides)
    return RedisRateBudget(url=server.url, key=key, **settings)  # type: ignore[arg-type]


def _opens_in(error: pytest.ExceptionInfo[DeadlineExceeded]) -> float:
    found = re.search(r"opens in (\d+\.\d) s", str(error.value))
    assert found is not None
    return float(found.group(1))


async def test_workers_together_never_exceed_the_limit_in_any_window(
    redis_server: RedisServer,
) -> None:
    """Three budgets on one key send at most ``limit`` requests in any window."""
    budgets = [_budget(redis_server, "t:cap") for _ in range(3)]
    sends: list[float] = []

    async def worker(budget: RedisRateBudget) -> None:
        for _ in range(4):
            sent_at = await budget.acquire()
            sends.append(anyio.current_time())
            # A server that says nothing about its count: every request is a probe.
            await budget.observe(RateLimitInfo(), status=200, sent_at=sent_at)

    async with budgets[0], budgets[1], budgets[2]:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for budget in budgets:
                    tg.start_soon(worker, budget)

    sends.sort()
    assert len(sends) == 12
    for i, start in enumerate(sends):
        in_window = [t for t in sends[i:] if t < start + 0.4]
        assert len(in_window) <= 5


async def test_one_workers_exhausted_window_closes_the_gate_for_all(
    redis_server: RedisServer,
) -> None:
    """A Remaining of 0 seen by one worker makes another wait until Reset."""
    a = _budget(redis_server, "t:zero", window_s=5.0)
    b = _budget(redis_server, "t:zero", window_s=5.0)
    async with a, b:
        sent_at = await a.acquire()
        info = RateLimitInfo(limit=5, remaining=0, reset_after_s=3.0)
        await a.observe(info, status=200, sent_at=sent_at)

        with pytest.raises(DeadlineExceeded, match=r"^the rate budget opens in "):
            await b.acquire(deadline=anyio.current_time() + 0.5)
        assert b.remaining == 0


async def test_a_429_gate_is_shared_and_not_shortened_by_a_late_response(
    redis_server: RedisServer,
) -> None:
    """Retry-After from one worker's 429 holds for all, whatever arrives later."""
    a, b = (
        _budget(redis_server, "t:429", limit=50),
        _budget(redis_server, "t:429", limit=50),
    )
    async with a, b:
        probe = await a.acquire()
        count = RateLimitInfo(limit=50, remaining=40, reset_after_s=30.0)
        await a.observe(count, status=200, sent_at=probe)
        first, second = await a.acquire(), await b.acquire()

        refused = RateLimitInfo(limit=50, remaining=0, retry_after_s=2.0)
        await a.observe(refused, status=429, sent_at=first)
        late = RateLimitInfo(limit=50, remaining=30, reset_after_s=0.1)
        await b.observe(late, status=200, sent_at=second)

        with pytest.raises(DeadlineExceeded, match=r"\(rate limit gate\)") as error:
            await b.acquire(deadline=anyio.current_time() + 0.5)
        assert _opens_in(error) >= 1.8


async def test_the_estimate_only_falls_within_a_window(
    redis_server: RedisServer,
) -> None:
    """A higher Remaining from a late response does not raise the shared estimate."""
    a, b = (
        _budget(redis_server, "t:lower", limit=20),
        _budget(redis_server, "t:lower", limit=20),
    )
    async with a, b:
        probe = await a.acquire()
        await a.observe(
            RateLimitInfo(limit=20, remaining=6, reset_after_s=30.0),
            status=200,
            sent_at=probe,
        )
        slot = await a.acquire()
        await a.observe(
            RateLimitInfo(limit=20, remaining=15, reset_after_s=30.0),
            status=200,
            sent_at=slot,
        )
        await b.acquire()
        assert b.remaining == 4


async def test_a_reset_beyond_one_window_is_cut_to_one_window(
    redis_server: RedisServer,
) -> None:
    """A worker whose clock is an hour off cannot close the gate for an hour."""
    a, b = _budget(redis_server, "t:skew"), _budget(redis_server, "t:skew")
    async with a, b:
        sent_at = await a.acquire()
        info = RateLimitInfo(limit=5, remaining=0, reset_after_s=3600.0)
        await a.observe(info, status=200, sent_at=sent_at)

        started = anyio.current_time()
        with anyio.fail_after(3):
            await b.acquire()
        # Closed for the window (0.4 s), not for the hour.
        assert 0.3 <= anyio.current_time() - started < 2.0


async def test_answers_without_a_count_stop_the_probing(
    redis_server: RedisServer,
) -> None:
    """Behind a proxy that strips the headers, workers need not wait for answers."""
    a, b = _budget(redis_server, "t:nocount"), _budget(redis_server, "t:nocount")
    async with a, b:
        probe = await a.acquire()
        await a.observe(RateLimitInfo(), status=200, sent_at=probe)

        # Four more in the window, none answered yet: none waits for another.
        with anyio.fail_after(0.3):
            for budget in (a, b, a, b):
                await budget.acquire()
        # The window's limit (5) still holds.
        with pytest.raises(DeadlineExceeded, match=r"window full"):
            await b.acquire(deadline=anyio.current_time() + 0.1)


async def _slots_until_paced(budget: RedisRateBudget) -> int:
    """Slots handed out at once, before the budget says to wait for an answer."""
    taken = 0
    while True:
        try:
            await budget.acquire(deadline=anyio.current_time() + 0.15)
        except DeadlineExceeded as error:
            reason = str(error)
            break
        taken += 1
    assert "pacing" in reason
    return taken


async def test_an_unconfirmed_count_is_spent_a_quarter_at_a_time(
    redis_server: RedisServer,
) -> None:
    """Until a second answer, workers together keep a quarter of it in flight."""
    a = _budget(redis_server, "t:quarter", limit=40, window_s=30.0)
    b = _budget(redis_server, "t:quarter", limit=40, window_s=30.0)
    async with a, b:
        probe = await a.acquire()
        count = RateLimitInfo(limit=40, remaining=39, reset_after_s=30.0)
        await a.observe(count, status=200, sent_at=probe)

        first = await a.acquire()
        taken = 1 + await _slots_until_paced(b)
        assert 1 < taken <= 39 // 4

        # One answer confirms the count: the rest of it opens.
        confirmed = RateLimitInfo(limit=40, remaining=38, reset_after_s=30.0)
        await a.observe(confirmed, status=200, sent_at=first)
        with anyio.fail_after(1):
            for _ in range(10):
                await b.acquire()


async def test_a_client_outside_the_store_paces_every_worker(
    redis_server: RedisServer,
) -> None:
    """A count the store did not spend means someone else is on the key."""
    a = _budget(redis_server, "t:outside", limit=40, window_s=30.0)
    b = _budget(redis_server, "t:outside", limit=40, window_s=30.0)
    async with a, b:
        probe = await a.acquire()
        # 20 used, of which the store sent 1: another client is spending.
        count = RateLimitInfo(limit=40, remaining=20, reset_after_s=30.0)
        await a.observe(count, status=200, sent_at=probe)

        for answer in (19, 18):
            slot = await b.acquire()
            assert await _slots_until_paced(a) == 0
            info = RateLimitInfo(limit=40, remaining=answer, reset_after_s=30.0)
            await b.observe(info, status=200, sent_at=slot)


async def test_a_count_above_the_limit_is_cut_to_it(
    redis_server: RedisServer,
) -> None:
    """A Remaining larger than the limit in force does not inflate the estimate."""
    a = _budget(redis_server, "t:cap50", limit=5, window_s=30.0)
    async with a:
        probe = await a.acquire()
        await a.observe(RateLimitInfo(remaining=50), status=200, sent_at=probe)
        await a.acquire()
        assert a.remaining == 4


async def test_a_slow_answer_is_not_taken_for_another_client(
    redis_server: RedisServer,
) -> None:
    """The answer's own round trip widens the span of sends counted as ours."""
    a = _budget(redis_server, "t:slow", limit=20, window_s=2.0)
    async with a:
        probe = await a.acquire()
        count = RateLimitInfo(limit=20, remaining=19, reset_after_s=2.0)
        await a.observe(count, status=200, sent_at=probe)
        await anyio.sleep(1.9)
        slot = await a.acquire()
        await anyio.sleep(0.3)  # a slow round trip, past the window's end
        later = RateLimitInfo(limit=20, remaining=18, reset_after_s=2.0)
        await a.observe(later, status=200, sent_at=slot)

        # Both requests were ours: not paced, several slots at once.
        with anyio.fail_after(0.5):
            await a.acquire()
            await a.acquire()


async def test_a_lost_probe_expires(redis_server: RedisServer) -> None:
    """A probe whose worker never reports stops blocking the others after a while."""
    a = _budget(redis_server, "t:lost", probe_timeout_s=0.3)
    b = _budget(redis_server, "t:lost", probe_timeout_s=0.3)
    async with a, b:
        await a.acquire()  # the probe; its worker "dies" here
        started = anyio.current_time()
        with anyio.fail_after(3):
            await b.acquire()
        assert anyio.current_time() - started >= 0.25


async def test_redis_keys_never_contain_the_api_key(redis_server: RedisServer) -> None:
    """budget_key hashes the API key, and only hashed names reach Redis."""
    api_key = "live-api-key-0123456789"
    name = budget_key(api_key)
    assert api_key not in name
    assert re.fullmatch(r"katana:[0-9a-f]{32}", name)

    budget = _budget(redis_server, name)
    async with budget:
        sent_at = await budget.acquire()
        await budget.release(sent_at)

    async with coredis.Redis.from_url(redis_server.url, decode_responses=True) as r:
        keys = sorted([key async for key in r.scan_iter()])
    assert keys == [f"{{{name}}}:{part}" for part in ("sends", "state", "workers")]
    assert all(api_key not in key for key in keys)


async def test_unreachable_redis_falls_back_to_a_share_of_the_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With no Redis, a worker gets limit // workers per window, and says so."""
    budget = RedisRateBudget(
        url=f"redis://127.0.0.1:{free_port()}/0",
        key="t:none",
        limit=12,
        window_s=0.5,
        workers=4,
        timeout_s=0.2,
    )
    caplog.set_level("WARNING", logger="katana_anyio.redis_budget")
    async with budget:
        with anyio.fail_after(5):
            for _ in range(3):
                sent_at = await budget.acquire()
                await budget.observe(
                    RateLimitInfo(limit=12, remaining=11, reset_after_s=0.5),
                    status=200,
                    sent_at=sent_at,
                )
            with pytest.raises(DeadlineExceeded):
                await budget.acquire(deadline=anyio.current_time() + 0.1)

    assert not budget.is_shared
    warnings = [r.getMessage() for r in caplog.records]
    assert any(
        "falling back to a local budget of 3 requests per 0.5 s" in m for m in warnings
    )


async def test_a_frozen_redis_costs_at_most_the_timeout(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """When Redis stops answering, acquire gives up on it within timeout_s."""
    budget = _budget(redis_server, "t:frozen", timeout_s=0.3, workers=2)
    caplog.set_level("WARNING", logger="katana_anyio.redis_budget")
    async with budget:
        sent_at = await budget.acquire()
        await budget.release(sent_at)
        redis_server.pause()
        try:
            started = anyio.current_time()
            with anyio.fail_after(5):
                await budget.acquire()
            assert anyio.current_time() - started < 1.0
        finally:
            redis_server.resume()
    assert any("redis_budget.unreachable" in r.getMessage() for r in caplog.records)


async def test_the_budget_goes_back_to_redis_when_it_returns(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """After a restart of Redis the worker shares the budget again."""
    budget = _budget(redis_server, "t:back", timeout_s=0.3, reconnect_s=0.2)
    caplog.set_level("WARNING", logger="katana_anyio.redis_budget")
    async with budget:
        redis_server.stop()
        with anyio.fail_after(5):
            sent_at = await budget.acquire()
        await budget.release(sent_at)
        assert not budget.is_shared

        redis_server.start()
        await anyio.sleep(0.25)
        with anyio.fail_after(5):
            sent_at = await budget.acquire()
        assert budget.is_shared
        await budget.release(sent_at)

    messages = [r.getMessage() for r in caplog.records]
    assert any("redis_budget.reconnected" in m for m in messages)


def test_the_repr_and_logs_never_show_the_redis_password() -> None:
    """Only scheme, host and port of the Redis URL appear in the repr."""
    budget = RedisRateBudget(url="redis://user:s3cret@127.0.0.1:6390/2", key="t:repr")
    assert repr(budget) == "<RedisRateBudget t:repr at redis://127.0.0.1:6390 (shared)>"


def test_a_malformed_script_reply_is_refused() -> None:
    """parse_reply raises ValueError on anything but the script's five strings."""
    from katana_anyio._redis_script import parse_reply

    with pytest.raises(ValueError, match=r"^unexpected reply from the budget script"):
        parse_reply([b"send"])
    reply = parse_reply([b"wait", b"", b"waiting", b"", b"3"])
    assert reply.delay_s is None
    assert reply.workers == 3
