"""Retry policy: which failures are retried, after how long, and when to give up."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from katana_core import (
    ConfigurationError,
    Failure,
    GiveUp,
    Retry,
    RetryBudget,
    RetryConfig,
    backoff_s,
    decide_retry,
)

CONFIG = RetryConfig()
METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"]
IDEMPOTENT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "get"]


def _decide(**kwargs: object) -> Retry | GiveUp | None:
    args: dict[str, object] = {
        "method": "GET",
        "attempts": 1,
        "now": 0.0,
        "deadline": None,
        "draw": 0.5,
    }
    args.update(kwargs)
    return decide_retry(CONFIG, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
def test_429_retries_any_method_after_retry_after(method: str) -> None:
    """A 429 is retried for every method, waiting exactly Retry-After."""
    decision = _decide(method=method, status=429, retry_after_s=7.0)

    assert decision == Retry(delay_s=7.0, reason="429 rate limited")


def test_429_without_retry_after_uses_the_backoff() -> None:
    """A 429 without Retry-After waits the jittered backoff."""
    decision = _decide(status=429, attempts=3, draw=0.5)

    assert decision == Retry(delay_s=2.0, reason="429 rate limited")


def test_429_longer_than_allowed_gives_up_at_once() -> None:
    """A Retry-After beyond max_wait_s is not capped: give up, saying when."""
    decision = _decide(status=429, retry_after_s=300.0)

    assert isinstance(decision, GiveUp)
    assert decision.retry_after_s == 300.0
    assert decision.reason == (
        "429 rate limited; Retry-After 300 s exceeds the longest wait allowed (120 s)"
    )


def test_429_ending_after_the_deadline_gives_up_at_once() -> None:
    """A Retry-After that ends past the deadline gives up with retry_after_s."""
    decision = _decide(status=429, retry_after_s=30.0, now=100.0, deadline=110.0)

    assert decision == GiveUp(
        "429 rate limited; Retry-After 30 s ends after the deadline",
        retry_after_s=30.0,
    )


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize("method", METHODS)
def test_gateway_errors_retry_idempotent_methods_only(status: int, method: str) -> None:
    """502/503/504 are retried for idempotent methods; POST and PATCH are final."""
    decision = _decide(method=method, status=status)

    if method in IDEMPOTENT:
        assert decision == Retry(delay_s=0.5, reason=f"{status} from the server")
    else:
        assert decision is None


@pytest.mark.parametrize("status", [200, 204, 400, 401, 403, 404, 409, 412, 422, 500])
def test_other_statuses_are_final(status: int) -> None:
    """Success and other errors, 500 included, are never retried."""
    assert _decide(status=status) is None


@pytest.mark.parametrize("method", METHODS)
def test_connect_failure_retries_any_method(method: str) -> None:
    """A request that never left is retried whatever its method."""
    decision = _decide(method=method, failure=Failure.CONNECT)

    assert decision == Retry(
        delay_s=0.5, reason="connection failed before the request was sent"
    )


@pytest.mark.parametrize("method", METHODS)
def test_failure_after_send_retries_idempotent_only(method: str) -> None:
    """A read timeout or dropped connection is retried only when repeating is safe."""
    decision = _decide(method=method, failure=Failure.AFTER_SEND)

    if method in IDEMPOTENT:
        assert isinstance(decision, Retry)
    else:
        assert decision is None


def test_nothing_to_decide_without_status_or_failure() -> None:
    """With neither a status nor a failure there is nothing to retry."""
    assert _decide() is None


def test_max_retries_bounds_the_attempts() -> None:
    """With max_retries 5 the sixth attempt is the last."""
    assert isinstance(_decide(status=503, attempts=5), Retry)
    assert _decide(status=503, attempts=6) == GiveUp(
        "503 from the server; gave up after 6 attempts"
    )


def test_exhausted_429_keeps_retry_after() -> None:
    """Giving up on a 429 after max_retries still says when to come back."""
    decision = _decide(status=429, attempts=6, retry_after_s=4.0)

    assert decision == GiveUp(
        "429 rate limited; gave up after 6 attempts", retry_after_s=4.0
    )


def test_deadline_stops_a_backoff_that_would_overrun_it() -> None:
    """A backoff that would end after the deadline gives up instead."""
    decision = _decide(status=503, attempts=4, draw=1.0, now=10.0, deadline=17.0)

    assert decision == GiveUp(
        "503 from the server; the deadline leaves no time to retry"
    )


def test_retry_budget_stops_server_failure_retries() -> None:
    """An exhausted budget stops second and later 5xx and transport retries only."""
    budget = RetryBudget(tokens=5.0)

    assert _decide(status=503, attempts=2, budget=budget) == GiveUp(
        "503 from the server; retry budget exhausted by other failing requests"
    )
    assert _decide(failure=Failure.CONNECT, attempts=2, budget=budget) == GiveUp(
        "connection failed before the request was sent; "
        "retry budget exhausted by other failing requests"
    )
    assert isinstance(_decide(status=429, attempts=2, budget=budget), Retry)
    assert isinstance(_decide(status=503, attempts=2, budget=RetryBudget()), Retry)
    # Every request keeps its first retry, so a blip cannot abort a whole wave.
    assert isinstance(_decide(status=503, attempts=1, budget=budget), Retry)


def test_503_with_retry_after_waits_for_it() -> None:
    """A 503 that says when to come back is retried after exactly that long."""
    assert _decide(status=503, retry_after_s=7.0) == Retry(
        delay_s=7.0, reason="503 from the server"
    )


def test_retry_budget_spends_and_earns() -> None:
    """Retries spend a token, successes earn a fraction back, within bounds."""
    budget = RetryBudget()
    for _ in range(5):
        assert budget.can_retry
        budget = budget.spend()

    assert not budget.can_retry
    assert budget.earn().can_retry
    assert RetryBudget(tokens=0.0).spend().tokens == 0.0
    assert RetryBudget().earn().tokens == 10.0


@pytest.mark.parametrize(
    ("retry_number", "draw", "expected"),
    [(1, 1.0, 1.0), (2, 1.0, 2.0), (5, 1.0, 16.0), (6, 1.0, 30.0), (10**6, 1.0, 30.0)],
)
def test_backoff_is_capped_exponential(
    retry_number: int, draw: float, expected: float
) -> None:
    """Without jitter the waits double from 1 s up to the 30 s cap."""
    assert backoff_s(CONFIG, retry_number, draw) == expected


@pytest.mark.parametrize(
    ("draw", "expected"), [(-1.0, 0.0), (2.0, 4.0), (math.nan, 0.0), (0.25, 1.0)]
)
def test_backoff_clamps_the_draw(draw: float, expected: float) -> None:
    """The jitter draw is clamped into [0, 1]; NaN counts as 0."""
    assert backoff_s(CONFIG, 3, draw) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, r"^max_retries must be >= 0, got -1$"),
        (
            {"wait_initial_s": -1.0},
            r"^wait_initial_s must be finite and >= 0, got -1.0$",
        ),
        ({"wait_max_s": math.inf}, r"^wait_max_s must be finite and >= 0, got inf$"),
        ({"max_wait_s": math.nan}, r"^max_wait_s must be >= 0, got nan$"),
    ],
)
def test_config_rejects_bad_knobs(kwargs: dict[str, float], message: str) -> None:
    """Negative or non-finite knobs are configuration errors."""
    with pytest.raises(ConfigurationError, match=message):
        RetryConfig(**kwargs)  # type: ignore[arg-type]


_knobs = st.floats(0, 1e6, allow_nan=False)


@given(
    config=st.builds(
        RetryConfig,
        max_retries=st.integers(0, 20),
        wait_initial_s=_knobs,
        wait_max_s=_knobs,
        max_wait_s=st.floats(0, math.inf),
    ),
    method=st.sampled_from(METHODS),
    attempts=st.integers(1, 30),
    status=st.none() | st.integers(100, 599),
    failure=st.none() | st.sampled_from(Failure),
    retry_after_s=st.none() | st.floats(0, 86_400),
    now=st.floats(0, 1e9),
    deadline=st.none() | st.floats(0, 1e9),
    draw=st.floats(allow_nan=True),
    tokens=st.none() | st.floats(0, 10),
)
def test_decisions_are_sound(
    config: RetryConfig,
    method: str,
    attempts: int,
    status: int | None,
    failure: Failure | None,
    retry_after_s: float | None,
    now: float,
    deadline: float | None,
    draw: float,
    tokens: float | None,
) -> None:
    """Any input gives a decision whose wait is finite, in bounds and safe."""
    budget = None if tokens is None else RetryBudget(tokens=tokens)
    decision = decide_retry(
        config,
        method=method,
        attempts=attempts,
        status=status,
        failure=failure,
        retry_after_s=retry_after_s,
        now=now,
        deadline=deadline,
        draw=draw,
        budget=budget,
    )

    if not isinstance(decision, Retry):
        return
    assert attempts <= config.max_retries
    assert 0.0 <= decision.delay_s <= max(config.wait_max_s, config.max_wait_s)
    assert deadline is None or now + decision.delay_s <= deadline
    if method in ("POST", "PATCH"):
        assert status == 429 or (status is None and failure is Failure.CONNECT)
    if status == 429 and retry_after_s is not None:
        assert decision.delay_s == retry_after_s
