"""The rate budget on anyio: the core decides, this module waits.

One :class:`RateBudget` per API key. Clients built with the same instance share it,
so several clients (or tasks) in one process stay under one limit together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable
from typing import Protocol

import anyio

from katana_core import (
    BudgetConfig,
    BudgetState,
    DeadlineExceeded,
    RateLimitInfo,
    SendNow,
    acquire,
    observe,
    release,
)

__all__ = ["Budget", "RateBudget"]


class Budget(Protocol):
    """What :class:`~katana_anyio.KatanaClient` needs from a rate budget.

    :class:`RateBudget` keeps the budget in this process; a shared one (such as
    ``katana_anyio.redis_budget.RedisRateBudget``) may answer ``observe`` and
    ``release`` with an awaitable, which the client awaits. A budget that is also an
    async context manager is entered and left with the client.
    """

    #: The limit and window assumed until the server says otherwise.
    config: BudgetConfig
    #: How many acquisitions had to wait, and for how long in all.
    waits: int
    waited_s: float

    @property
    def remaining(self) -> int | None: ...

    async def acquire(self, deadline: float | None = None) -> float: ...

    def observe(
        self, info: RateLimitInfo, *, status: int, sent_at: float
    ) -> Awaitable[None] | None: ...

    def release(self, sent_at: float) -> Awaitable[None] | None: ...


class RateBudget:
    """Hands out send slots under Katana's rate limit.

    The state lives in a plain value that the core updates; every change wakes the
    waiters, who ask the core again. There is no await between reading and writing
    the state, so no lock is needed on a single event loop.
    """

    def __init__(
        self, config: BudgetConfig | None = None, *, state: BudgetState | None = None
    ) -> None:
        self.config = config or BudgetConfig()
        # A starting state lets a caller carry send times over (a shared budget
        # falling back to this one); by default nothing is known yet.
        self._state = state or BudgetState.initial(self.config)
        self._changed: anyio.Event | None = None
        self.waits = 0
        self.waited_s = 0.0

    @property
    def state(self) -> BudgetState:
        return self._state

    @property
    def remaining(self) -> int | None:
        """The server's count as last estimated, or ``None`` when unknown."""
        return self._state.remaining

    async def acquire(self, deadline: float | None = None) -> float:
        """Wait for a slot and return its send time (``anyio.current_time()``)."""
        started = anyio.current_time()
        waited = False
        while True:
            now = anyio.current_time()
            self._state, decision = acquire(self.config, self._state, now)
            if isinstance(decision, SendNow):
                if waited:
                    self.waits += 1
                    self.waited_s += now - started
                return decision.sent_at

            waited = True
            opens_at = decision.deadline
            if deadline is not None and opens_at is not None and opens_at > deadline:
                raise DeadlineExceeded(
                    f"the rate budget opens in {opens_at - now:.1f} s "
                    f"({decision.reason}), after the call's deadline"
                )

            await self._wait(now, opens_at, deadline, decision.reason)

    async def _wait(
        self, now: float, opens_at: float | None, deadline: float | None, reason: str
    ) -> None:
        until = min(t for t in (opens_at, deadline, math.inf) if t is not None)
        if self._changed is None:
            self._changed = anyio.Event()
        changed = self._changed

        with anyio.move_on_after(until - now):
            await changed.wait()

        if deadline is not None and anyio.current_time() >= deadline:
            raise DeadlineExceeded(f"the call's deadline passed waiting for {reason}")

    def observe(self, info: RateLimitInfo, *, status: int, sent_at: float) -> None:
        """Fold a response's rate-limit headers in."""
        self._state = observe(
            self.config,
            self._state,
            info,
            status=status,
            sent_at=sent_at,
            now=anyio.current_time(),
        )
        self._notify()

    def release(self, sent_at: float) -> None:
        """Report an attempt that ended without a response."""
        self._state = release(self._state, sent_at)
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None


def wall_time() -> float:
    """Epoch seconds, for converting the server's timestamps; never for scheduling."""
    return time.time()
