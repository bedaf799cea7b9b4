"""A Katana rate limiter and clients that page through it, on a virtual clock.

The rate budget of ``katana_core`` decides when requests go out; this module plays
the rest of the world around it so those decisions can be checked and measured
without sleeping:

* :class:`Server` counts requests per API key the way Katana's gateway might, in
  fixed windows (counts reset at ``phase_s + k * window_s``) or in a sliding window
  (the last ``window_s`` seconds), answers 429 with ``Retry-After`` beyond the limit,
  and sends ``X-Ratelimit-Limit``/``-Remaining``/``-Reset`` (epoch milliseconds) on
  every response. It records the arrival time of every request.
* :class:`Client` fetches a collection of ``pages`` pages as the driver does: page 1
  first, the rest planned by :class:`katana_core.PagePlan` and sent as soon as the
  budget allows, every attempt (429s retried) taking a slot.
* Clients share one :class:`BudgetStore` (as workers sharing a store would) or each
  have their own (separate processes sharing only the key).

Each request's one-way delays are drawn per request, so responses come back in any
order. The tests under ``tests/core`` drive this module; ``simulate_budget.py``
reports on it.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import katana_core as core

WindowMode = Literal["fixed", "sliding"]

# Server wall-clock time (epoch seconds) at virtual time 0.
EPOCH_S = 1_767_225_600.0


class Simulation:
    """A virtual clock and an event queue."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0

    def at(self, when: float, action: Callable[[], None]) -> None:
        """Run ``action`` at virtual time ``when`` (not before now)."""
        self._seq += 1
        heapq.heappush(self._queue, (max(when, self.now), self._seq, action))

    def run(self, until: float = math.inf, max_events: int = 1_000_000) -> None:
        """Process events up to ``until`` (all of them by default)."""
        for _ in range(max_events):
            if not self._queue or self._queue[0][0] > until:
                break
            self.now, _, action = heapq.heappop(self._queue)
            action()
        else:
            raise RuntimeError("simulation did not settle: too many events")

        if until != math.inf:
            self.now = max(self.now, until)

    @property
    def idle(self) -> bool:
        return not self._queue


@dataclass
class Server:
    """Katana's per-key rate limiter, as seen from outside."""

    limit: int = 60
    window_s: float = 60.0
    mode: WindowMode = "fixed"
    phase_s: float = 0.0
    arrivals: list[float] = field(default_factory=list)
    accepted: list[float] = field(default_factory=list)
    rejected: int = 0

    def handle(self, now: float) -> tuple[int, dict[str, str]]:
        """Count a request arriving at ``now``; return its status and headers."""
        self.arrivals.append(now)
        if self.mode == "fixed":
            start = (
                math.floor((now - self.phase_s) / self.window_s) * self.window_s
                + self.phase_s
            )
            first = bisect.bisect_left(self.accepted, start)
        else:
            first = bisect.bisect_right(self.accepted, now - self.window_s)

        count = len(self.accepted) - first
        if count < self.limit:
            self.accepted.append(now)
            count += 1
            status = 200
        else:
            self.rejected += 1
            status = 429

        if self.mode == "fixed":
            reset_at = start + self.window_s
        else:
            # A sliding window frees its next slot when the oldest request leaves.
            reset_at = self.accepted[first] + self.window_s

        headers = {
            "X-Ratelimit-Limit": str(self.limit),
            "X-Ratelimit-Remaining": str(max(0, self.limit - count)),
            "X-Ratelimit-Reset": str(math.ceil((EPOCH_S + reset_at) * 1000)),
        }
        if status == 429:
            headers["Retry-After"] = str(max(1, math.ceil(reset_at - now)))

        return status, headers


@dataclass
class BudgetStore:
    """One budget state and the clients waiting on it."""

    config: core.BudgetConfig = field(default_factory=core.BudgetConfig)
    state: core.BudgetState = field(init=False)
    waiting: list[Client] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = core.BudgetState.initial(self.config)

    def wake(self) -> None:
        waiting, self.waiting = self.waiting, []
        for client in waiting:
            client.pump()


class Client:
    """Fetches a paginated collection through the budget, as the driver would."""

    def __init__(
        self,
        sim: Simulation,
        server: Server,
        store: BudgetStore,
        rng: random.Random,
        latency_s: tuple[float, float] = (0.05, 0.3),
    ) -> None:
        self.sim = sim
        self.server = server
        self.store = store
        self.rng = rng
        self.latency_s = latency_s
        self.pending: list[int] = []
        self.pages = 0
        self.done_pages: set[int] = set()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.sent = 0
        self.rate_limited = 0
        self.waits: list[core.WaitUntil] = []
        self._wake_at: float | None = None
        self._plan = core.PagePlan.from_query(None)

    @property
    def busy(self) -> bool:
        return self.started_at is not None and self.finished_at is None

    def start(self, pages: int) -> None:
        """Begin fetching ``pages`` pages (at least one)."""
        self.pages = pages
        self._plan = core.PagePlan.from_query(None, max_pages=pages)
        self.done_pages = set()
        self.pending = [1]
        self.started_at = self.sim.now
        self.finished_at = None
        self.pump()

    def pump(self) -> None:
        """Send every pending page the budget allows now; wait for the rest."""
        while self.pending:
            state, decision = core.acquire(
                self.store.config, self.store.state, self.sim.now
            )
            self.store.state = state
            if isinstance(decision, core.WaitUntil):
                self._wait(decision)
                return

            self._send(self.pending.pop(0), decision.sent_at)

    def _wait(self, decision: core.WaitUntil) -> None:
        self.waits.append(decision)
        if self not in self.store.waiting:
            self.store.waiting.append(self)
        assert decision.deadline is not None
        if self._wake_at is None or decision.deadline < self._wake_at:
            self._wake_at = decision.deadline
            self.sim.at(decision.deadline, self._on_timer)

    def _on_timer(self) -> None:
        if self._wake_at is not None and self.sim.now >= self._wake_at:
            self._wake_at = None
            if self in self.store.waiting:
                self.store.waiting.remove(self)
            self.pump()

    def _send(self, page: int, sent_at: float) -> None:
        self.sent += 1
        low, high = self.latency_s
        up_s = self.rng.uniform(low, high)
        down_s = self.rng.uniform(low, high)

        def arrive() -> None:
            status, headers = self.server.handle(self.sim.now)
            self.sim.at(
                self.sim.now + down_s,
                lambda: self._receive(page, sent_at, status, headers),
            )

        self.sim.at(sent_at + up_s, arrive)

    def _receive(
        self, page: int, sent_at: float, status: int, headers: dict[str, str]
    ) -> None:
        now = self.sim.now
        info = core.parse_rate_limit(headers, EPOCH_S + now)
        self.store.state = core.observe(
            self.store.config,
            self.store.state,
            info,
            status=status,
            sent_at=sent_at,
            now=now,
        )

        if status == 429:
            # Retried through the budget, whose gate the 429 just closed.
            self.rate_limited += 1
            self.pending.insert(0, page)
        else:
            self._page_done(page)

        self.pump()
        self.store.wake()

    def _page_done(self, page: int) -> None:
        self.done_pages.add(page)
        if page == 1:
            info = core.PaginationInfo(total_pages=self.pages, page=1)
            step = self._plan.after_first(info, count=core.MAX_PAGE_SIZE)
            if isinstance(step, core.FetchPages):
                self.pending.extend(step.pages)

        if len(self.done_pages) == self.pages:
            self.finished_at = self.sim.now


def max_in_window(times: list[float], window_s: float) -> int:
    """The most of ``times`` in any half-open interval ``(t - window_s, t]``."""
    ordered = sorted(times)
    best = 0
    first = 0
    for last, t in enumerate(ordered):
        while ordered[first] <= t - window_s:
            first += 1
        best = max(best, last - first + 1)
    return best


def lower_bound_s(requests: int, limit: int, window_s: float, rtt_s: float) -> float:
    """The earliest any schedule can finish ``requests`` page requests.

    Page 1 must come back before the others go out, and the request numbered
    ``k * limit`` cannot arrive within ``window_s * k`` of the first one without
    putting more than ``limit`` requests into one window.
    """
    windows = (requests - 1) // limit
    floor = 2 * rtt_s if requests > 1 else rtt_s
    return max(floor, windows * window_s + rtt_s)


@dataclass
class Outcome:
    """What one simulated run produced."""

    finished_at: list[float]
    requests: int
    rate_limited: int
    max_in_window: int


def run_scenario(
    *,
    clients: int,
    pages: int,
    mode: WindowMode,
    shared_budget: bool,
    seed: int,
    limit: int = 60,
    window_s: float = 60.0,
    phase_s: float = 0.0,
    latency_s: tuple[float, float] = (0.05, 0.3),
) -> Outcome:
    """All ``clients`` start fetching ``pages`` pages at time 0; run to the end."""
    sim = Simulation()
    server = Server(limit=limit, window_s=window_s, mode=mode, phase_s=phase_s)
    config = core.BudgetConfig(limit=limit, window_s=window_s)
    shared = BudgetStore(config)
    rng = random.Random(seed)
    fleet = [
        Client(
            sim,
            server,
            shared if shared_budget else BudgetStore(config),
            random.Random(rng.random()),
            latency_s,
        )
        for _ in range(clients)
    ]
    for client in fleet:
        client.start(pages)
    sim.run()

    finished = [c.finished_at for c in fleet]
    assert all(t is not None for t in finished), "a client never finished"
    return Outcome(
        finished_at=[t for t in finished if t is not None],
        requests=len(server.arrivals),
        rate_limited=server.rejected,
        max_in_window=max_in_window(server.arrivals, window_s),
    )
