"""Katana's per-key request quota: fixed window by default, sliding on request.

Theory of operation. Every API key owns one bucket; all connections that present
the same key share it, which is how several clients (or worker processes) on one key
end up throttled together. A request either takes a slot or is refused:

* fixed window: the window opens with the first request after the previous one
  ended and lasts ``window_s``; at most ``limit`` requests are admitted in it;
* sliding window: a request is admitted when fewer than ``limit`` requests were
  admitted during the last ``window_s`` seconds.

A refused request (answered 429) does not take a slot, so a client hammering the
server does not extend its own punishment. ``Reset`` is the end of the current
fixed window, or for a sliding window the moment the oldest admitted request leaves
it. Windows run on the monotonic clock; only the ``X-Ratelimit-Reset`` header is
converted to epoch milliseconds, once, when the decision is made.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import RateLimitConfig

__all__ = ["RateDecision", "RateLimiter"]


@dataclass(frozen=True)
class RateDecision:
    """The outcome for one request, with the values of the three headers."""

    admitted: bool
    limit: int
    remaining: int
    reset_at_ms: int
    retry_after_s: int

    def headers(self) -> list[tuple[str, str]]:
        """The ``X-Ratelimit-*`` headers (and ``Retry-After`` when refused)."""
        result = [
            ("X-Ratelimit-Limit", str(self.limit)),
            ("X-Ratelimit-Remaining", str(self.remaining)),
            ("X-Ratelimit-Reset", str(self.reset_at_ms)),
        ]
        if not self.admitted:
            result.append(("Retry-After", str(self.retry_after_s)))

        return result


@dataclass
class _Bucket:
    window_start: float | None = None
    count: int = 0
    admitted_at: deque[float] = field(default_factory=deque)


class RateLimiter:
    """Admit or refuse requests per key; clocks are injectable for tests."""

    def __init__(
        self,
        config: RateLimitConfig,
        *,
        monotonic: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self.config = config
        self._monotonic = monotonic
        self._wall = wall
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str, *, consume: bool = True) -> RateDecision:
        """Decide for one request on ``key``; ``consume=False`` only reports."""
        now = self._monotonic()
        bucket = self._buckets.setdefault(key, _Bucket())
        if self.config.sliding:
            return self._check_sliding(bucket, now, consume)

        return self._check_fixed(bucket, now, consume)

    def _check_fixed(self, bucket: _Bucket, now: float, consume: bool) -> RateDecision:
        window_s = self.config.window_s
        expired = bucket.window_start is None or now >= bucket.window_start + window_s
        if expired and consume:
            bucket.window_start = now
            bucket.count = 0

        # A report on a bucket with no open window describes the window this request
        # would open, without opening it.
        start = now if expired else bucket.window_start
        count = 0 if expired else bucket.count
        assert start is not None
        admitted = count < self.config.limit
        if admitted and consume:
            bucket.count += 1
            count += 1

        return self._decision(admitted, count, start + window_s, now)

    def _check_sliding(
        self, bucket: _Bucket, now: float, consume: bool
    ) -> RateDecision:
        window_s = self.config.window_s
        times = bucket.admitted_at
        while times and times[0] <= now - window_s:
            times.popleft()

        admitted = len(times) < self.config.limit
        if admitted and consume:
            times.append(now)

        count = len(times)
        frees_at = times[0] + window_s if times else now + window_s

        return self._decision(admitted, count, frees_at, now)

    def _decision(
        self, admitted: bool, count: int, reset_at: float, now: float
    ) -> RateDecision:
        wait_s = max(0.0, reset_at - now)
        reset_at_ms = int((self._wall() + wait_s) * 1000)

        return RateDecision(
            admitted=admitted,
            limit=self.config.limit,
            remaining=max(0, self.config.limit - count),
            reset_at_ms=reset_at_ms,
            # Whole seconds, rounded up so that a client honouring it is never early,
            # and never 0, which some clients read as "retry immediately".
            retry_after_s=max(1, math.ceil(wait_s)),
        )
