"""Rate budget: unit cases and invariants over any state and any input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from katana_core import (
    BudgetConfig,
    BudgetState,
    ConfigurationError,
    RateLimitInfo,
    SendNow,
    WaitUntil,
    acquire,
    observe,
    release,
)

CONFIG = BudgetConfig(limit=3, window_s=10.0)


def _send(state: BudgetState, now: float) -> BudgetState:
    state, decision = acquire(CONFIG, state, now)
    assert decision == SendNow(sent_at=now)
    return state


def test_first_request_probes_and_the_rest_wait_for_its_count() -> None:
    """With the server's count unknown, one probe goes out and the others wait."""
    state = _send(BudgetState.initial(CONFIG), 0.0)

    assert state.probe_sent_at == 0.0
    assert acquire(CONFIG, state, 0.1)[1] == WaitUntil(
        deadline=10.0, reason="waiting for the server's count"
    )


def test_remaining_opens_the_budget_after_one_confirming_answer() -> None:
    """With a small count, one request goes alone; its answer opens the rest."""
    state = _send(BudgetState.initial(CONFIG), 0.0)
    state = observe(
        CONFIG, state, RateLimitInfo(remaining=2), status=200, sent_at=0.0, now=0.2
    )
    state = _send(state, 0.2)
    assert acquire(CONFIG, state, 0.25)[1] == WaitUntil(
        deadline=10.2, reason="pacing: waiting for an answer"
    )

    state = observe(
        CONFIG, state, RateLimitInfo(remaining=1), status=200, sent_at=0.2, now=0.3
    )
    state = _send(state, 0.3)
    assert state.remaining == 0
    _, decision = acquire(CONFIG, state, 0.35)
    assert decision == WaitUntil(deadline=10.2, reason="local window full")


def test_a_large_unconfirmed_count_lets_a_quarter_go_at_once() -> None:
    """Before a second answer, at most a quarter of the count is in flight."""
    config = BudgetConfig(limit=100, window_s=60.0)
    state = _send_with(config, BudgetState.initial(config), 0.0)
    state = observe(
        config, state, RateLimitInfo(remaining=99), status=200, sent_at=0.0, now=0.1
    )
    sent = 0
    while isinstance(acquire(config, state, 0.1)[1], SendNow):
        state = _send_with(config, state, 0.1)
        sent += 1

    assert 1 < sent <= 99 // 4
    assert acquire(config, state, 0.1)[1] == WaitUntil(
        deadline=10.1, reason="pacing: waiting for an answer"
    )
    # One answer confirms the count: the rest of the estimate opens.
    state = observe(
        config,
        state,
        RateLimitInfo(remaining=98),
        status=200,
        sent_at=0.1,
        now=0.2,
    )
    assert isinstance(acquire(config, state, 0.2)[1], SendNow)


def _send_with(config: BudgetConfig, state: BudgetState, now: float) -> BudgetState:
    state, decision = acquire(config, state, now)
    assert decision == SendNow(sent_at=now)
    return state


def test_a_wait_for_a_lost_answer_ends_at_its_deadline_despite_rounding() -> None:
    """Woken at the deadline it was given, a caller is let through, not re-queued.

    ``1e-38 + 1.0`` rounds to ``1.0``, while ``1.0 - 1.0`` is below ``1e-38``.
    """
    config = BudgetConfig(limit=3, window_s=2.0, margin_min_s=0.0, probe_timeout_s=1.0)
    state = _send_with(config, BudgetState.initial(config), 0.0)
    state = observe(
        config, state, RateLimitInfo(remaining=2), status=200, sent_at=0.0, now=0.0
    )
    state = _send_with(config, state, 1e-38)
    _, wait = acquire(config, state, 1e-38)
    assert wait == WaitUntil(deadline=1.0, reason="pacing: waiting for an answer")

    assert isinstance(acquire(config, state, 1.0)[1], SendNow)


def test_two_slow_trips_on_two_requests_are_not_taken_for_another_client() -> None:
    """Our request of a window and a round trip ago may still be in the count.

    Sent at 0.0 and 0.3 s on its way out, it stays in a sliding server's count
    until 10.3. The next one, sent at 10.0 and back at 10.3 (a 0.3 s round trip,
    the longest seen), is counted with it: two requests, both ours, although the
    first left more than a window plus a round trip before this answer.
    """
    config = BudgetConfig(limit=10, window_s=10.0, margin_min_s=0.05)
    state = BudgetState(
        limit=10,
        sends=(0.0, 10.0),
        inflight=(10.0,),
        remaining=9,
        window_ends_at=11.0,
        answers=1,
        rtts=((9.0, 0.2),),
    )
    after = observe(
        config, state, RateLimitInfo(remaining=8), status=200, sent_at=10.0, now=10.3
    )

    assert after.shared_until == 0.0


def test_local_window_counts_the_latency_margin() -> None:
    """A full window reopens one window plus the longest round trip later."""
    state = _send(BudgetState.initial(CONFIG), 0.0)
    state = observe(
        CONFIG,
        state,
        RateLimitInfo(remaining=50, reset_after_s=1.0),
        status=200,
        sent_at=0.0,
        now=0.5,
    )
    state = _send(state, 0.5)
    state = observe(
        CONFIG, state, RateLimitInfo(remaining=49), status=200, sent_at=0.5, now=0.5
    )
    state = _send(state, 0.5)

    assert acquire(CONFIG, state, 5.0)[1] == WaitUntil(
        deadline=10.5, reason="local window full"
    )


def test_zero_remaining_closes_the_gate_until_reset() -> None:
    """Remaining 0 closes the gate until Reset; a late response cannot shorten it."""
    state = _send(BudgetState.initial(CONFIG), 0.0)
    state = observe(
        CONFIG,
        state,
        RateLimitInfo(remaining=0, reset_after_s=4.0),
        status=200,
        sent_at=0.0,
        now=0.1,
    )
    late = observe(
        CONFIG,
        state,
        RateLimitInfo(remaining=2, reset_after_s=0.5),
        status=200,
        sent_at=0.0,
        now=0.2,
    )

    assert (late.remaining, late.gate_until) == (0, 4.1)
    assert acquire(CONFIG, late, 1.0)[1] == WaitUntil(
        deadline=4.1, reason="rate limit gate"
    )
    assert isinstance(acquire(CONFIG, late, 4.1)[1], SendNow)


def test_429_closes_the_gate_for_retry_after() -> None:
    """A 429 closes the gate for Retry-After, else Reset, else a whole window."""
    start = _send(BudgetState.initial(CONFIG), 0.0)

    for info, gate in [
        (RateLimitInfo(retry_after_s=3.0, reset_after_s=9.0), 4.0),
        (RateLimitInfo(reset_after_s=9.0), 10.0),
        (RateLimitInfo(), 11.0),
    ]:
        state = observe(CONFIG, start, info, status=429, sent_at=0.0, now=1.0)
        assert (state.gate_until, state.remaining, state.probe_sent_at) == (
            gate,
            0,
            None,
        )
        assert acquire(CONFIG, state, 2.0)[1] == WaitUntil(
            deadline=gate, reason="rate limit gate"
        )


def test_429_keeps_a_later_window_end() -> None:
    """A short 429 gate does not pull in a window end the server set later."""
    state = BudgetState(limit=3, remaining=1, window_ends_at=20.0)
    state = observe(
        CONFIG, state, RateLimitInfo(retry_after_s=1.0), status=429, sent_at=0, now=1
    )

    assert (state.gate_until, state.window_ends_at) == (2.0, 20.0)


def test_late_response_cannot_raise_the_estimate() -> None:
    """Within a window the estimate only falls, and later sends are subtracted."""
    state = BudgetState(limit=60, remaining=5, window_ends_at=50.0, sends=(1.0, 2.0))
    state = observe(
        CONFIG, state, RateLimitInfo(remaining=40), status=200, sent_at=0.5, now=3.0
    )
    assert state.remaining == 5

    fresh = BudgetState(limit=60, sends=(1.0, 2.0), probe_sent_at=1.0)
    fresh = observe(
        CONFIG, fresh, RateLimitInfo(remaining=40), status=200, sent_at=1.0, now=3.0
    )
    assert (fresh.remaining, fresh.probe_sent_at, fresh.window_ends_at) == (
        39,
        None,
        13,
    )


def test_server_limit_is_adopted() -> None:
    """A reported limit replaces the assumed one and caps the estimate."""
    state = _send(BudgetState.initial(CONFIG), 0.0)
    state = observe(
        CONFIG,
        state,
        RateLimitInfo(limit=2, remaining=7),
        status=200,
        sent_at=0.0,
        now=0.1,
    )

    assert (state.limit, state.remaining) == (2, 2)


def test_window_end_forgets_the_servers_count() -> None:
    """After the server's window ends the count is unknown and a probe goes out."""
    state = BudgetState(limit=3, remaining=0, window_ends_at=5.0)
    state, decision = acquire(CONFIG, state, 5.0)

    assert decision == SendNow(sent_at=5.0)
    assert (state.remaining, state.window_ends_at, state.probe_sent_at) == (
        None,
        None,
        5.0,
    )


def test_release_frees_a_lost_probe_only() -> None:
    """A failed probe lets another request find out the count; others change nothing."""
    state = BudgetState(limit=3, sends=(1.0,), probe_sent_at=1.0)

    assert release(state, 0.5) is state
    assert release(state, 1.0).probe_sent_at is None
    assert (
        observe(
            CONFIG, state, RateLimitInfo(), status=502, sent_at=1.0, now=2.0
        ).probe_sent_at
        is None
    )


def test_unanswered_probe_stops_blocking_after_its_timeout() -> None:
    """A probe the driver lost blocks others only for probe_timeout_s."""
    state = _send(BudgetState.initial(CONFIG), 0.0)

    assert acquire(CONFIG, state, 10.0)[1] == SendNow(sent_at=10.0)


def test_clock_running_backwards_keeps_the_log_sorted() -> None:
    """An older now is inserted in order and only makes the budget stricter."""
    state = BudgetState(limit=3, sends=(5.0,), remaining=5, window_ends_at=50.0)
    state, _ = acquire(CONFIG, state, 4.0)

    assert state.sends == (4.0, 5.0)


def test_round_trips_are_remembered_for_one_window() -> None:
    """The margin is the longest round trip seen in the last window."""
    state = BudgetState(limit=60, remaining=50, window_ends_at=100.0)
    info = RateLimitInfo(remaining=50)
    state = observe(CONFIG, state, info, status=200, sent_at=0.0, now=0.8)
    state = observe(CONFIG, state, info, status=200, sent_at=4.7, now=5.0)
    assert state.rtt_s == 0.8
    state = observe(CONFIG, state, info, status=200, sent_at=5.5, now=6.0)
    assert state.rtts == ((0.8, 0.8), (6.0, 0.5))

    state, _ = acquire(CONFIG, state, 11.0)
    assert state.rtt_s == 0.5
    assert BudgetState(limit=1).rtt_s == 0.0


def test_round_trip_of_a_backwards_clock_keeps_the_later_time() -> None:
    """A dominating round trip inherits the latest observation time it replaces."""
    state = BudgetState(limit=60, rtts=((9.0, 0.1),))
    state = observe(CONFIG, state, RateLimitInfo(), status=200, sent_at=7.5, now=8.0)

    assert state.rtts == ((9.0, 0.5),)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, r"^limit must be >= 1, got 0$"),
        ({"window_s": 0.0}, r"^window_s must be > 0, got 0\.0$"),
        ({"window_s": math.inf}, r"^window_s must be > 0, got inf$"),
        (
            {"margin_max_fraction": 1.0},
            r"^margin_max_fraction must be in \[0, 1\), got 1\.0$",
        ),
        ({"margin_min_s": -1.0}, r"^margin_min_s must be finite and >= 0, got -1\.0$"),
        (
            {"probe_timeout_s": math.nan},
            r"^probe_timeout_s must be finite and >= 0, got nan$",
        ),
    ],
)
def test_config_rejects_bad_knobs(kwargs: dict[str, float], message: str) -> None:
    """Impossible limits, windows and margins are configuration errors."""
    with pytest.raises(ConfigurationError, match=message):
        BudgetConfig(**kwargs)  # type: ignore[arg-type]


# Property tests: arbitrary states and inputs, and states reached by real use.

_times = st.floats(0, 1_000, allow_nan=False)
_configs = st.builds(
    BudgetConfig,
    limit=st.integers(1, 8),
    window_s=st.floats(0.5, 100),
    margin_min_s=st.floats(0, 1),
    probe_timeout_s=st.floats(0, 20),
)
_infos = st.builds(
    RateLimitInfo,
    limit=st.none() | st.integers(1, 10),
    remaining=st.none() | st.integers(0, 12),
    reset_after_s=st.none() | st.floats(0, 200),
    retry_after_s=st.none() | st.floats(0, 200),
)


@st.composite
def _states(draw: st.DrawFn) -> BudgetState:
    limit = draw(st.integers(1, 8))
    sends = tuple(sorted(draw(st.lists(_times, max_size=limit))))
    remaining = draw(st.none() | st.integers(0, 10))
    return BudgetState(
        limit=limit,
        sends=sends,
        remaining=remaining,
        window_ends_at=None if remaining is None else draw(_times),
        gate_until=draw(_times),
        probe_sent_at=draw(st.none() | _times) if remaining is None else None,
    )


def _valid(state: BudgetState) -> None:
    assert state.limit >= 1
    assert len(state.sends) <= state.limit
    assert list(state.sends) == sorted(state.sends)
    assert state.remaining is None or 0 <= state.remaining <= max(state.limit, 10)
    assert (state.remaining is None) == (state.window_ends_at is None)
    assert state.remaining is None or state.probe_sent_at is None
    assert state.shared_until >= 0
    assert list(state.inflight) == sorted(state.inflight)
    rtts = [r for _, r in state.rtts]
    assert rtts == sorted(rtts, reverse=True)
    assert all(r >= 0 for r in rtts)


@st.composite
def _events(draw: st.DrawFn) -> list[tuple[str, object]]:
    events: list[tuple[str, object]] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["tick", "acquire", "observe", "release"]))
        if kind == "tick":
            events.append((kind, draw(st.floats(0, 30))))
        elif kind == "observe":
            events.append(
                (kind, (draw(_infos), draw(st.sampled_from([200, 429, 503]))))
            )
        else:
            events.append((kind, None))
    return events


def _replay(
    config: BudgetConfig, events: list[tuple[str, object]]
) -> tuple[BudgetState, float, list[float]]:
    """Apply events to a fresh state; return it, the time, and unanswered sends."""
    state = BudgetState.initial(config)
    now = 0.0
    out: list[float] = []
    for kind, arg in events:
        if kind == "tick":
            assert isinstance(arg, float)
            now += arg
        elif kind == "acquire":
            state, decision = acquire(config, state, now)
            if isinstance(decision, SendNow):
                out.append(decision.sent_at)
        elif out and kind == "observe":
            info, status = arg  # type: ignore[misc]
            sent_at = out.pop(0)
            state = observe(
                config, state, info, status=status, sent_at=sent_at, now=now
            )
        elif out:
            state = release(state, out.pop(0))
        _valid(state)
    return state, now, out


@given(_configs, _states(), _infos, st.sampled_from([200, 429, 500]), _times, _times)
def test_observe_keeps_any_state_valid(
    config: BudgetConfig,
    state: BudgetState,
    info: RateLimitInfo,
    status: int,
    sent_at: float,
    now: float,
) -> None:
    """Any response folded into any state gives a valid state; gates never shorten."""
    after = observe(config, state, info, status=status, sent_at=sent_at, now=now)

    _valid(after)
    assert after.gate_until >= state.gate_until
    window_live = state.window_ends_at is not None and now < state.window_ends_at
    if (
        state.remaining is not None
        and window_live
        and (after.window_ends_at == state.window_ends_at)
    ):
        assert after.remaining is not None
        assert after.remaining <= state.remaining


@given(_configs, _states(), _times)
def test_acquire_keeps_any_state_valid(
    config: BudgetConfig, state: BudgetState, now: float
) -> None:
    """Any state asked at any time sends or gives a wait that ends in the future."""
    after, decision = acquire(config, state, now)

    _valid(after)
    if isinstance(decision, WaitUntil):
        assert decision.deadline is not None
        assert decision.deadline > now
        assert after == state or after.remaining is None
    else:
        assert decision.sent_at == now
        assert now in after.sends


@settings(deadline=None)
@given(_configs, _events(), st.lists(st.floats(0, 50), min_size=1, max_size=5))
def test_waits_never_grow_as_time_passes(
    config: BudgetConfig, events: list[tuple[str, object]], steps: list[float]
) -> None:
    """Without new input, a wait's deadline never moves later as now advances."""
    state, now, _ = _replay(config, events)
    _, first = acquire(config, state, now)
    if not isinstance(first, WaitUntil):
        return
    assert first.deadline is not None

    for step in steps:
        now = min(now + step, first.deadline)
        _, later = acquire(config, state, now)
        if isinstance(later, WaitUntil):
            assert later.deadline is not None
            assert later.deadline <= first.deadline
    assert isinstance(acquire(config, state, first.deadline)[1], SendNow)


@settings(deadline=None)
@given(_configs, _events())
def test_local_log_never_allows_more_than_the_limit(
    config: BudgetConfig, events: list[tuple[str, object]]
) -> None:
    """However responses go, no window_s interval holds more than limit sends."""
    state = BudgetState.initial(config)
    now = 0.0
    sends: list[float] = []
    for kind, arg in events:
        if kind == "tick":
            assert isinstance(arg, float)
            now += arg
        elif kind == "acquire":
            state, decision = acquire(config, state, now)
            if isinstance(decision, SendNow):
                sends.append(now)
        elif kind == "observe" and sends:
            info, status = arg  # type: ignore[misc]
            # Never a larger limit than the configured one: that is the server's
            # number, which the simulation tests exercise.
            info = RateLimitInfo(remaining=info.remaining, retry_after_s=None)
            state = observe(
                config, state, info, status=status, sent_at=sends[-1], now=now
            )

    for i, t in enumerate(sends):
        assert sum(1 for u in sends[i:] if u < t + config.window_s) <= config.limit


@given(_configs, _events())
def test_does_not_idle_while_budget_is_left(
    config: BudgetConfig, events: list[tuple[str, object]]
) -> None:
    """A wait always names a rule that really blocks: gate, full log, zero or probe."""
    state, now, _ = _replay(config, events)
    after, decision = acquire(config, state, now)
    if isinstance(decision, SendNow):
        return

    full = len(after.sends) >= after.limit
    assert (
        now < after.gate_until
        or full
        or after.remaining == 0
        or (after.remaining is None and after.probe_sent_at is not None)
        or (
            after.remaining is not None
            and bool(after.inflight)
            and (
                now < after.shared_until
                or (
                    after.answers < 2
                    and len(after.inflight) >= max(1, after.remaining // 4)
                )
            )
        )
    )


@given(_configs, _events())
def test_unconfirmed_counts_are_spent_a_quarter_at_a_time(
    config: BudgetConfig, events: list[tuple[str, object]]
) -> None:
    """Until two answers agree, in flight stays within a quarter of the count."""
    state, now, _ = _replay(config, events)
    after, decision = acquire(config, state, now)
    if not isinstance(decision, SendNow) or after.remaining is None:
        return
    if after.answers >= 2 or now < after.shared_until:
        return

    told = after.remaining + 1  # the estimate this send was taken from
    assert len(after.inflight) <= max(1, told // 4)


def test_answers_without_a_count_stop_the_probing() -> None:
    """A server that sends no count is not probed request by request."""
    state = _send(BudgetState.initial(CONFIG), 0.0)
    state = observe(CONFIG, state, RateLimitInfo(), status=200, sent_at=0.0, now=0.1)

    state = _send(state, 0.1)
    state = _send(state, 0.1)
    assert acquire(CONFIG, state, 0.2)[1] == WaitUntil(
        deadline=10.1, reason="local window full"
    )


def test_a_reset_beyond_one_window_is_cut_to_one_window() -> None:
    """A Reset an hour away (a skewed clock) closes the gate for one window only."""
    state = _send(BudgetState.initial(CONFIG), 0.0)
    state = observe(
        CONFIG,
        state,
        RateLimitInfo(remaining=0, reset_after_s=3600.0),
        status=200,
        sent_at=0.0,
        now=0.0,
    )
    assert state.gate_until == 10.0

    late = observe(
        CONFIG,
        BudgetState.initial(CONFIG),
        RateLimitInfo(reset_after_s=3600.0),
        status=429,
        sent_at=0.0,
        now=0.0,
    )
    assert late.gate_until == 10.0
