"""One rate budget for many workers: the budget's state in Redis.

Processes (or machines) that use one API key share one Katana quota. Give each of
them a :class:`RedisRateBudget` with the same Redis and the same ``key`` name::

    budget = RedisRateBudget(url="redis://127.0.0.1:6379/0", key=budget_key(api_key))
    async with KatanaClient(api_key, rate_budget=budget) as client: ...

Theory of operation
-------------------
Every decision (may this request go out now?) and every update from a response's
rate-limit headers runs as one Lua script inside Redis (see ``_redis_script``),
atomically and on Redis's clock, with the rules of :mod:`katana_core`'s budget:
never more than ``limit`` sends in any window, the server's ``Remaining`` only
lowers the estimate within a window, and a gate closed by a 429 or an exhausted
window is never shortened. A worker only learns durations from Redis ("wait
0.25 s"), so its own clock never has to agree with anyone else's.

Waiting is local: a worker told to wait sleeps for that long, or until one of its
own responses changes the budget. Only one wait has no known end, the one for
another worker's probe (the first request of a window, whose answer says what is
left); it is polled every ``poll_s``.

Redis is a dependency, not a single point of failure. Every call is bounded by
``timeout_s``; when one fails the budget logs a warning and carries on with a
local budget of ``limit // workers`` requests per window (``workers`` is the larger
of the configured count and the number of workers seen in Redis during the last
two windows), seeded with this worker's own recent sends. Every ``reconnect_s``
it tries Redis again and, once back, hands over the sends it made meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import secrets
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import anyio
import msgspec

from katana_core import (
    BudgetConfig,
    BudgetState,
    ConfigurationError,
    DeadlineExceeded,
    RateLimitInfo,
)

from . import _redis_script as script
from ._limiter import RateBudget

try:
    import coredis
    import coredis.exceptions
except ImportError as exc:  # pragma: no cover -- only without the extra
    raise ImportError(
        "RedisRateBudget needs the 'redis' extra: pip install 'katana-client[redis]'"
    ) from exc

__all__ = ["RedisRateBudget", "budget_key"]

_logger = logging.getLogger(__name__)

# Slots handed out and not yet reported on are remembered to map them back to the
# script's send times; a caller that never reports must not grow this for ever.
_MAX_PENDING = 4096

_REDIS_ERRORS = (coredis.exceptions.RedisError, OSError, TimeoutError, ValueError)


def budget_key(api_key: str, *, prefix: str = "katana") -> str:
    """A Redis key name for ``api_key`` that does not reveal it (SHA-256, hex)."""
    digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:32]
    return f"{prefix}:{digest}"


class RedisRateBudget:
    """A rate budget kept in Redis and shared by every worker on the same ``key``.

    ``url`` names the Redis server (``redis://host:port/db``; there is no default,
    so it never points anywhere by accident). ``key`` names the budget; use one per
    API key, and never the API key itself (:func:`budget_key` derives a safe name).
    ``limit`` and ``window_s`` are the quota assumed until the server reports its
    own. ``workers`` is how many processes are expected to share the key: the
    fallback share is ``limit // workers`` when Redis is unreachable.

    It is an async context manager; :class:`~katana_anyio.KatanaClient` enters it
    with itself. To share one instance between clients running in different tasks,
    enter it yourself around them.
    """

    def __init__(
        self,
        *,
        url: str,
        key: str,
        limit: int = 60,
        window_s: float = 60.0,
        workers: int = 1,
        timeout_s: float = 0.5,
        reconnect_s: float | None = None,
        probe_timeout_s: float = 30.0,
        poll_s: float | None = None,
        logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> None:
        if not key:
            raise ConfigurationError("key must name the budget, e.g. budget_key(api)")
        if workers < 1:
            raise ConfigurationError(f"workers must be >= 1, got {workers}")
        for name, value in (("timeout_s", timeout_s), ("probe_s", probe_timeout_s)):
            if not value > 0:
                raise ConfigurationError(f"{name} must be > 0, got {value}")
        self.config = BudgetConfig(limit=limit, window_s=window_s)
        self.key = key
        self.workers = workers
        self.timeout_s = timeout_s
        self.reconnect_s = min(5.0, window_s) if reconnect_s is None else reconnect_s
        self.probe_timeout_s = probe_timeout_s
        self.poll_s = min(0.05, window_s / 100) if poll_s is None else poll_s
        self._log = logger if logger is not None else _logger
        self._where = _describe(url)
        self._redis: coredis.Redis[bytes] = coredis.Redis.from_url(
            url, stream_timeout=timeout_s, connect_timeout=timeout_s
        )
        self._script = self._redis.register_script(script.SCRIPT)
        self._keys = script.redis_keys(key)
        self._worker = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._entered = 0

        # Local slot time -> the script's send time, for observe and release.
        self._slots: dict[float, str] = {}
        # This worker's recent send times (local clock), to seed a fallback, and
        # those it made without Redis, to hand over when Redis is back.
        self._recent: deque[float] = deque(maxlen=self.config.limit)
        self._offline: deque[float] = deque(maxlen=self.config.limit)
        self._fallback: RateBudget | None = None
        self._retry_at = 0.0
        self._workers_seen = 1
        self._remaining: int | None = None
        self._changed: anyio.Event | None = None
        # Made on first use, under the event loop that uses it.
        self._lock: anyio.Lock | None = None
        self.waits = 0
        self.waited_s = 0.0
        self.fallbacks = 0

    def __repr__(self) -> str:
        mode = "local fallback" if self._fallback is not None else "shared"
        return f"<RedisRateBudget {self.key} at {self._where} ({mode})>"

    # -- lifecycle -----------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._entered == 0:
            await self._redis.__aenter__()
        self._entered += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._entered -= 1
        if self._entered == 0:
            await self._redis.__aexit__(exc_type, exc, traceback)

    # -- what the client calls -------------------------------------------------------

    @property
    def remaining(self) -> int | None:
        """The shared estimate of requests left, as of this worker's last call."""
        if self._fallback is not None:
            return self._fallback.remaining
        return self._remaining

    @property
    def is_shared(self) -> bool:
        """False while Redis is unreachable and the local fallback decides."""
        return self._fallback is None

    async def acquire(self, deadline: float | None = None) -> float:
        """Wait for a slot and return its send time (``anyio.current_time()``)."""
        if self._entered == 0:
            raise RuntimeError(
                "RedisRateBudget is not open: use it through `async with "
                "KatanaClient(rate_budget=...)` or `async with budget:`"
            )
        started = anyio.current_time()
        while True:
            now = anyio.current_time()
            fallback = self._fallback
            if fallback is not None and now < self._retry_at:
                waits_before = fallback.waits
                local = await self._acquire_local(fallback, deadline)
                if local is None:
                    continue  # time to try Redis again
                self._offline.append(local)
                return self._count(local, started, fallback.waits > waits_before)

            # One task per process asks Redis at a time; the others queue here
            # instead of polling Redis side by side.
            async with self._turn(deadline) as queued:
                shared = await self._acquire_shared(deadline)
            if shared is not None:
                sent_at, waited = shared
                return self._count(sent_at, started, waited or queued)
            # Redis failed: the next round takes a local slot.

    @contextlib.asynccontextmanager
    async def _turn(self, deadline: float | None) -> AsyncIterator[bool]:
        """Hold this process's turn at Redis; yields whether it had to queue."""
        if self._lock is None:
            self._lock = anyio.Lock()
        lock = self._lock
        if not lock.locked():
            await lock.acquire()
            queued = False
        else:
            queued = acquired = True
            if deadline is None:
                await lock.acquire()
            else:
                acquired = False
                with anyio.move_on_after(deadline - anyio.current_time()):
                    await lock.acquire()
                    acquired = True
            if not acquired:
                raise DeadlineExceeded(
                    "the call's deadline passed waiting for a turn at the budget"
                )
        try:
            yield queued
        finally:
            lock.release()

    async def _acquire_shared(
        self, deadline: float | None
    ) -> tuple[float, bool] | None:
        """Ask Redis until it hands out a slot; ``None`` if Redis failed."""
        waited = False
        while True:
            now = anyio.current_time()
            fallback = self._fallback
            if fallback is not None and now < self._retry_at:
                return None

            ages = tuple(now - t for t in self._offline)
            reply = await self._call(
                script.acquire_args(
                    self.config, self.probe_timeout_s, self._worker, ages
                )
            )
            if reply is None:
                return None

            if fallback is not None:
                self._fallback = None
                self._offline.clear()
                self._log.warning(
                    "redis_budget.reconnected key=%s at=%s: the shared budget "
                    "decides again",
                    self.key,
                    self._where,
                )
            self._workers_seen = max(1, reply.workers)
            self._remaining = reply.remaining
            if reply.kind == "send":
                assert reply.sent_at is not None
                return self._new_slot(reply.sent_at), waited

            waited = True
            await self._wait(now, reply, deadline)

    async def observe(
        self, info: RateLimitInfo, *, status: int, sent_at: float
    ) -> None:
        """Fold a response's rate-limit headers into the shared state."""
        slot = self._slots.pop(sent_at, None)
        if slot is not None and self._fallback is None:
            reply = await self._call(
                script.observe_args(
                    self.config,
                    self.probe_timeout_s,
                    self._worker,
                    info,
                    status=status,
                    sent_at=slot,
                )
            )
            if reply is not None:
                self._remaining = reply.remaining
                self._notify()
                return

        fallback = self._fallback
        if fallback is not None:
            fallback.observe(self._share_of(info), status=status, sent_at=sent_at)
        self._notify()

    async def release(self, sent_at: float) -> None:
        """Report an attempt that ended without a response."""
        slot = self._slots.pop(sent_at, None)
        if slot is not None and self._fallback is None:
            args = script.release_args(
                self.config, self.probe_timeout_s, self._worker, slot
            )
            if await self._call(args) is not None:
                self._notify()
                return

        fallback = self._fallback
        if fallback is not None:
            fallback.release(sent_at)
        self._notify()

    # -- internals -----------------------------------------------------------------

    async def _call(self, args: list[str]) -> script.Reply | None:
        """Run the script; ``None`` (and the fallback) if Redis did not answer.

        Shielded from cancellation (and bounded by ``timeout_s``): a caller
        cancelled while Redis runs the script must still learn what Redis decided,
        or a slot handed out to nobody would hold every worker's probe until it
        expires.
        """
        try:
            with anyio.CancelScope(shield=True), anyio.fail_after(self.timeout_s):
                raw: object = await self._script(keys=self._keys, args=args)
            return script.parse_reply(raw)
        except _REDIS_ERRORS as exc:
            self._fall_back(exc)
            return None

    def _fall_back(self, exc: BaseException) -> None:
        now = anyio.current_time()
        self._retry_at = now + self.reconnect_s
        if self._fallback is not None:
            return

        share = max(1, self.config.limit // max(self.workers, self._workers_seen))
        config = msgspec.structs.replace(self.config, limit=share)
        recent = tuple(t for t in self._recent if t > now - self.config.window_s)
        state = BudgetState(limit=share, sends=recent[-share:])
        self._fallback = RateBudget(config, state=state)
        self.fallbacks += 1
        self._log.warning(
            "redis_budget.unreachable key=%s at=%s error=%s: falling back to a local "
            "budget of %d requests per %.3g s (limit %d shared by %d workers); "
            "retrying Redis every %.3g s",
            self.key,
            self._where,
            _error_text(exc),
            share,
            self.config.window_s,
            self.config.limit,
            max(self.workers, self._workers_seen),
            self.reconnect_s,
        )
        self._notify()

    def _share_of(self, info: RateLimitInfo) -> RateLimitInfo:
        """The server's numbers are for every worker: keep this worker's share."""
        workers = max(self.workers, self._workers_seen)
        return msgspec.structs.replace(
            info,
            limit=None if info.limit is None else max(1, info.limit // workers),
            remaining=None if info.remaining is None else info.remaining // workers,
        )

    async def _acquire_local(
        self, fallback: RateBudget, deadline: float | None
    ) -> float | None:
        # Stop waiting locally once Redis is due to be tried again.
        now = anyio.current_time()
        retry_in = max(0.0, self._retry_at - now)
        until = retry_in if deadline is None else min(retry_in, deadline - now)
        with anyio.move_on_after(max(until, 0.0)):
            return await fallback.acquire(deadline)
        if deadline is not None and anyio.current_time() >= deadline:
            raise DeadlineExceeded("the call's deadline passed waiting for a slot")
        # Time to try Redis: the caller's loop does that.
        return None

    def _count(self, sent_at: float, started: float, waited: bool) -> float:
        self._recent.append(sent_at)
        if waited:
            self.waits += 1
            self.waited_s += anyio.current_time() - started
        return sent_at

    def _new_slot(self, redis_sent_at: str) -> float:
        sent_at = anyio.current_time()
        while sent_at in self._slots:
            sent_at = math.nextafter(sent_at, math.inf)
        if len(self._slots) >= _MAX_PENDING:
            del self._slots[next(iter(self._slots))]
        self._slots[sent_at] = redis_sent_at
        return sent_at

    async def _wait(
        self, now: float, reply: script.Reply, deadline: float | None
    ) -> None:
        if reply.delay_s is None:
            opens_at = None
            until = now + self.poll_s
        else:
            opens_at = now + reply.delay_s
            until = opens_at
        if deadline is not None:
            if opens_at is not None and opens_at > deadline:
                raise DeadlineExceeded(
                    f"the rate budget opens in {opens_at - now:.1f} s "
                    f"({reply.reason}), after the call's deadline"
                )
            until = min(until, deadline)

        if self._changed is None:
            self._changed = anyio.Event()
        changed = self._changed
        with anyio.move_on_after(max(0.0, until - now)):
            await changed.wait()

        if deadline is not None and anyio.current_time() >= deadline:
            raise DeadlineExceeded(
                f"the call's deadline passed waiting for {reply.reason}"
            )

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None


def _describe(url: str) -> str:
    """Where Redis is, for logs: scheme, host and port, never the password."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or parts.path or "?"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return type(exc).__name__ + (f"({text})" if text else "")
