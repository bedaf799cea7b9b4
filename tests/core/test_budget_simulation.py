"""The budget against a simulated Katana rate limiter on a virtual clock."""

from __future__ import annotations

import random

from benchmarks.simulate import (
    BudgetStore,
    Client,
    Server,
    Simulation,
    lower_bound_s,
    max_in_window,
    run_scenario,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)


class SharedKey(RuleBasedStateMachine):
    """Up to four clients share one key and one budget store, as workers would.

    One-way delays are drawn per request (so responses come back reordered) from a
    range the test may change at any time; the server counts fixed or sliding
    windows, with any limit and phase. However the rules interleave, the server
    must never receive more than its limit in any window, and every job must end.
    """

    @initialize(
        mode=st.sampled_from(["fixed", "sliding"]),
        server_limit=st.integers(2, 12),
        assumed_limit=st.integers(2, 12),
        window_s=st.sampled_from([10.0, 60.0]),
        phase=st.floats(0, 1),
        seed=st.integers(0, 2**32),
    )
    def setup(
        self,
        mode: str,
        server_limit: int,
        assumed_limit: int,
        window_s: float,
        phase: float,
        seed: int,
    ) -> None:
        from katana_core import BudgetConfig

        self.sim = Simulation()
        self.server = Server(
            limit=server_limit, window_s=window_s, mode=mode, phase_s=phase * window_s
        )  # type: ignore[arg-type]
        self.store = BudgetStore(BudgetConfig(limit=assumed_limit, window_s=window_s))
        rng = random.Random(seed)
        self.window_s = window_s
        self.clients = [
            Client(self.sim, self.server, self.store, random.Random(rng.random()))
            for _ in range(4)
        ]

    @rule(index=st.integers(0, 3), pages=st.integers(1, 30))
    def start_job(self, index: int, pages: int) -> None:
        client = self.clients[index]
        if not client.busy:
            client.start(pages)

    @rule(seconds=st.floats(0, 90))
    def advance(self, seconds: float) -> None:
        self.sim.run(until=self.sim.now + seconds)

    @rule(
        low=st.floats(0.0, 1.5),
        spread=st.floats(0.0, 1.5),
        index=st.integers(0, 3),
    )
    def change_latency(self, low: float, spread: float, index: int) -> None:
        # Round trips stay within the margin cap (a tenth of the window).
        high = min(low + spread, self.window_s * 0.05)
        self.clients[index].latency_s = (min(low, high), high)

    @invariant()
    def server_never_sees_more_than_its_limit(self) -> None:
        assert max_in_window(self.server.arrivals, self.server.window_s) <= (
            self.server.limit
        )
        assert self.server.rejected == 0

    @invariant()
    def waits_are_never_in_the_past(self) -> None:
        for client in self.clients:
            for wait in client.waits[-3:]:
                assert wait.deadline is not None
                assert wait.deadline >= 0

    @rule()
    def finish(self) -> None:
        self.sim.run(until=self.sim.now + 3_600)

    def teardown(self) -> None:
        if not hasattr(self, "sim"):
            return
        self.sim.run()
        assert not any(client.busy for client in self.clients), "a job never ended"
        self.server_never_sees_more_than_its_limit()


TestSharedKey = SharedKey.TestCase
TestSharedKey.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None
)


@settings(max_examples=40, deadline=None)
@given(
    mode=st.sampled_from(["fixed", "sliding"]),
    pages=st.integers(61, 300),
    phase=st.floats(0, 1),
    low=st.floats(0.005, 0.1),
    spread=st.floats(0, 0.15),
    seed=st.integers(0, 2**32),
)
def test_a_client_alone_is_within_five_percent_of_optimal(
    mode: str, pages: int, phase: float, low: float, spread: float, seed: int
) -> None:
    """Alone on its key, a client finishes within 5% of the fastest legal schedule."""
    outcome = run_scenario(
        clients=1,
        pages=pages,
        mode=mode,  # type: ignore[arg-type]
        shared_budget=True,
        seed=seed,
        phase_s=phase * 60.0,
        latency_s=(low, low + spread),
    )

    best = lower_bound_s(pages, 60, 60.0, 2 * low)
    assert outcome.rate_limited == 0
    assert outcome.finished_at[0] <= best * 1.05


@settings(max_examples=40, deadline=None)
@given(
    pages=st.integers(2, 60),
    low=st.floats(0.005, 0.5),
    spread=st.floats(0, 0.5),
    seed=st.integers(0, 2**32),
)
def test_a_client_within_its_budget_never_waits(
    pages: int, low: float, spread: float, seed: int
) -> None:
    """Up to the limit: page 1, one page alone, then all others at once."""
    outcome = run_scenario(
        clients=1,
        pages=pages,
        mode="sliding",
        shared_budget=True,
        seed=seed,
        latency_s=(low, low + spread),
    )

    # Three round trips, each at most two one-way delays.
    assert outcome.finished_at[0] <= 6 * (low + spread) + 1e-9
    assert outcome.requests == pages


def test_independent_clients_pay_in_429s_but_finish() -> None:
    """Without a shared store, clients on one key collide yet all finish."""
    outcome = run_scenario(
        clients=2, pages=150, mode="fixed", shared_budget=False, seed=7
    )

    assert len(outcome.finished_at) == 2
    assert outcome.rate_limited > 0
    assert outcome.requests == 300 + outcome.rate_limited
