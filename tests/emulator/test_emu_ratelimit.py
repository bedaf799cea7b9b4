"""Authentication and the per-key rate limit of the emulator."""

from __future__ import annotations

import time

import anyio
import pytest
from rawhttp import connect, get, small_config

from katana_anyio._emulator.ratelimit import RateLimiter
from katana_anyio.emulator import KatanaEmulator, RateLimitConfig

pytestmark = pytest.mark.anyio

UNAUTHORIZED = {
    "statusCode": 401,
    "name": "UnauthorizedError",
    "message": "Unauthorized",
}
TOO_MANY = {
    "statusCode": 429,
    "name": "TooManyRequests",
    "message": "Too Many Requests",
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("key", [None, "wrong-key", "test-key2"])
async def test_missing_or_wrong_key_gets_401(
    emulator: KatanaEmulator, key: str | None
) -> None:
    """Without the right Bearer key the answer is Katana's 401, with rate headers."""
    response = await get(emulator, "/products", key=key)

    assert response.status == 401
    assert response.json() == UNAUTHORIZED
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
        response.headers
    )


async def test_empty_key_tuple_switches_auth_off() -> None:
    """With ``api_keys=()`` any request is served, with or without a key."""
    async with KatanaEmulator(small_config(api_keys=())) as emulator:
        response = await get(emulator, "/services", key=None)

    assert response.status == 200


async def test_requests_past_the_limit_get_429_with_retry_after() -> None:
    """The request past ``limit`` in a window gets 429, Retry-After, zero remaining."""
    config = small_config(rate_limit=RateLimitConfig(limit=3, window_s=30.0))
    async with KatanaEmulator(config) as emulator:
        client = await connect(emulator)
        async with client.stream:
            responses = [await client.request("GET", "/v1/services") for _ in range(4)]

    assert [r.status for r in responses] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == [
        "2",
        "1",
        "0",
        "0",
    ]
    assert responses[3].json() == TOO_MANY
    assert responses[3].headers["retry-after"] == "30"
    assert emulator.stats.responses_429 == 1
    assert len(emulator.journal) == 4


async def test_reset_is_epoch_milliseconds_of_the_window_end() -> None:
    """``X-Ratelimit-Reset`` is an integer of epoch milliseconds one window ahead."""
    config = small_config(rate_limit=RateLimitConfig(limit=5, window_s=60.0))
    before_ms = time.time() * 1000
    async with KatanaEmulator(config) as emulator:
        first = await get(emulator, "/services")
        second = await get(emulator, "/services")

    reset_ms = int(first.headers["x-ratelimit-reset"])
    assert before_ms + 59_000 <= reset_ms <= time.time() * 1000 + 60_000
    # A fixed window keeps its end for every request inside it.
    assert abs(int(second.headers["x-ratelimit-reset"]) - reset_ms) <= 50


async def test_fixed_window_reopens_and_429s_take_no_slot() -> None:
    """After the window ends the full limit is available again, 429s not counted."""
    config = small_config(rate_limit=RateLimitConfig(limit=2, window_s=0.3))
    async with KatanaEmulator(config) as emulator:
        statuses = [(await get(emulator, "/services")).status for _ in range(5)]
        await anyio.sleep(0.35)
        after = [(await get(emulator, "/services")).status for _ in range(3)]

    assert statuses == [200, 200, 429, 429, 429]
    assert after == [200, 200, 429]


async def test_one_key_is_counted_across_connections_and_keys_apart() -> None:
    """Two connections on one key share a bucket; another key has its own."""
    config = small_config(
        api_keys=("key-a", "key-b"), rate_limit=RateLimitConfig(limit=2, window_s=30.0)
    )
    async with KatanaEmulator(config) as emulator:
        first = await connect(emulator)
        second = await connect(emulator)
        async with first.stream, second.stream:
            a1 = await first.request("GET", "/v1/services", key="key-a")
            a2 = await second.request("GET", "/v1/services", key="key-a")
            a3 = await first.request("GET", "/v1/services", key="key-a")
            b1 = await second.request("GET", "/v1/services", key="key-b")

    assert [a1.status, a2.status, a3.status, b1.status] == [200, 200, 429, 200]
    assert b1.headers["x-ratelimit-remaining"] == "1"


async def test_rate_limit_none_sends_no_rate_headers() -> None:
    """Without a rate limit nothing is throttled and no X-Ratelimit header is sent."""
    async with KatanaEmulator(small_config(rate_limit=None)) as emulator:
        responses = [await get(emulator, "/services") for _ in range(3)]

    assert all(r.status == 200 for r in responses)
    assert not any(name.startswith("x-ratelimit") for name in responses[0].headers)


async def test_validation_errors_carry_rate_headers(emulator: KatanaEmulator) -> None:
    """Error responses (here a 422) carry the X-Ratelimit headers too."""
    response = await get(emulator, "/products?limit=0")

    assert response.status == 422
    assert "x-ratelimit-reset" in response.headers


def test_sliding_window_frees_slots_as_old_requests_age() -> None:
    """A sliding window frees a slot once the request that took it is window_s old."""
    clock = FakeClock()
    limiter = RateLimiter(
        RateLimitConfig(limit=2, window_s=10.0, sliding=True),
        monotonic=clock,
        wall=clock,
    )

    assert limiter.check("k").admitted
    clock.now += 6
    assert limiter.check("k").admitted
    refused = limiter.check("k")
    clock.now += 4
    reopened = limiter.check("k")
    refused_again = limiter.check("k")

    assert not refused.admitted
    assert refused.retry_after_s == 4
    assert refused.reset_at_ms == 110_000
    assert reopened.admitted
    assert not refused_again.admitted
    assert refused_again.retry_after_s == 6


def test_fixed_window_retry_after_rounds_up_and_is_at_least_one() -> None:
    """Retry-After is the time to the window end in whole seconds, rounded up, >= 1."""
    clock = FakeClock()
    limiter = RateLimiter(
        RateLimitConfig(limit=1, window_s=2.5), monotonic=clock, wall=clock
    )

    limiter.check("k")
    first = limiter.check("k")
    clock.now += 2.45
    late = limiter.check("k")

    assert first.retry_after_s == 3
    assert late.retry_after_s == 1
    assert late.reset_at_ms == int((clock.now + 0.05) * 1000)


def test_reporting_does_not_open_a_window() -> None:
    """A report (``consume=False``) leaves the bucket untouched."""
    clock = FakeClock()
    limiter = RateLimiter(
        RateLimitConfig(limit=1, window_s=5.0), monotonic=clock, wall=clock
    )

    report = limiter.check("k", consume=False)
    clock.now += 3
    taken = limiter.check("k")

    assert report.remaining == 1
    assert taken.admitted
    assert taken.reset_at_ms == 108_000


def test_invalid_rate_limit_config_is_refused() -> None:
    """A limit below 1 or a non-positive window is a configuration error."""
    with pytest.raises(ValueError, match=r"^rate limit must be at least 1, got 0$"):
        RateLimitConfig(limit=0)

    with pytest.raises(ValueError, match=r"^window_s must be positive, got 0.0$"):
        RateLimitConfig(window_s=0.0)
