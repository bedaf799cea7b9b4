"""Retry policy: after each attempt, retry (and how long to wait) or give up.

Theory of operation
-------------------
The decision is a pure function of the request's own history (method, attempts so
far, what the last attempt ended with), the clock and a jitter draw. Nothing is kept
between requests except the :class:`RetryBudget`, which is deliberately shared: it
is what stops a hundred concurrent requests from each retrying five times into a
server that is down.

What is retried, and why:

* **429** from any method: Katana refused the request before acting on it. The wait
  is ``Retry-After`` when the server gives it (a 503 may give it too), else the
  backoff. A ``Retry-After``
  longer than the caller allows is not shortened (that only buys another 429): the
  request gives up at once and the error says when to come back.
* **502, 503, 504**: the gateway may have passed the request on before failing, so
  only idempotent methods are retried. Katana has no idempotency keys, so a repeated
  POST can create a record twice.
* **Connect failures**: the request never left, so any method is retried.
* **Failures after the request was sent** (read timeout, connection dropped): the
  write may have happened, so idempotent methods only.

Waits are capped exponential backoff with full jitter: ``draw * min(cap, base *
2**(n-1))`` for retry ``n``, where ``draw`` in [0, 1) comes from the caller.
"""

from __future__ import annotations

import enum
import math

import msgspec

from ._errors import ConfigurationError

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRYABLE_STATUSES",
    "Failure",
    "GiveUp",
    "Retry",
    "RetryBudget",
    "RetryConfig",
    "backoff_s",
    "decide_retry",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class Failure(enum.Enum):
    """How an attempt failed when there was no response."""

    # The connection could not be opened: the request never left this machine.
    CONNECT = "connect"
    # The request was (maybe partly) sent and then the exchange broke.
    AFTER_SEND = "after_send"


class RetryConfig(msgspec.Struct, frozen=True):
    """Knobs of the retry policy.

    ``max_retries`` 5 and a 1 s base match the reference client, so users moving from
    it see the same persistence; the 30 s cap keeps one wait shorter than Katana's
    60 s rate window. ``max_wait_s`` is the longest single wait (a ``Retry-After``)
    accepted before giving up with a "come back later" error.
    """

    max_retries: int = 5
    wait_initial_s: float = 1.0
    wait_max_s: float = 30.0
    max_wait_s: float = 120.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ConfigurationError(
                f"max_retries must be >= 0, got {self.max_retries}"
            )
        for name in ("wait_initial_s", "wait_max_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigurationError(f"{name} must be finite and >= 0, got {value}")
        # An infinite max_wait_s is allowed: it means "honour any Retry-After".
        if not self.max_wait_s >= 0:
            raise ConfigurationError(f"max_wait_s must be >= 0, got {self.max_wait_s}")


class Retry(msgspec.Struct, frozen=True):
    """Decision: wait ``delay_s`` seconds, then send the request again."""

    delay_s: float
    reason: str


class GiveUp(msgspec.Struct, frozen=True):
    """Decision: stop and report; ``retry_after_s`` is set when the server said when."""

    reason: str
    retry_after_s: float | None = None


class RetryBudget(msgspec.Struct, frozen=True):
    """A token bucket shared by all requests of a client, spent by retries.

    Each retry for a server-side failure costs one token, each success earns
    ``refill`` tokens. Below half of ``capacity`` no such retries are allowed, so a
    failing server sees at most about ``capacity / 2`` extra requests plus
    ``refill`` per success, however many requests are in flight. 429s do not spend
    it: the rate budget already paces those.
    """

    tokens: float = 10.0
    capacity: float = 10.0
    refill: float = 0.1

    @property
    def can_retry(self) -> bool:
        return self.tokens > self.capacity / 2

    def spend(self) -> RetryBudget:
        return msgspec.structs.replace(self, tokens=max(0.0, self.tokens - 1.0))

    def earn(self) -> RetryBudget:
        tokens = min(self.capacity, self.tokens + self.refill)
        return msgspec.structs.replace(self, tokens=tokens)


def backoff_s(config: RetryConfig, retry_number: int, draw: float) -> float:
    """Full-jitter wait before retry ``retry_number`` (1-based); ``draw`` in [0, 1)."""
    exponent = min(max(retry_number - 1, 0), 62)
    ceiling = min(config.wait_max_s, config.wait_initial_s * 2.0**exponent)
    # Clamp into [0, 1]; a NaN draw counts as 0 rather than poisoning the wait.
    draw = min(draw, 1.0) if draw >= 0.0 else 0.0

    return draw * ceiling


def _is_idempotent(method: str) -> bool:
    return method.upper() in IDEMPOTENT_METHODS


def decide_retry(
    config: RetryConfig,
    *,
    method: str,
    attempts: int,
    status: int | None = None,
    failure: Failure | None = None,
    retry_after_s: float | None = None,
    now: float,
    deadline: float | None,
    draw: float,
    budget: RetryBudget | None = None,
) -> Retry | GiveUp | None:
    """Decide what follows attempt number ``attempts`` (1-based).

    Give ``status`` for a response or ``failure`` when there was none. Returns
    ``None`` when the outcome is final and not an error to retry (a success or a
    non-retryable status), :class:`Retry` or :class:`GiveUp`.
    """
    reason = _retry_reason(method, status, failure)
    if reason is None:
        return None

    if attempts > config.max_retries:
        return GiveUp(
            f"{reason}; gave up after {attempts} attempts", retry_after_s=retry_after_s
        )

    # Every request gets its first retry: a short blip that fails a whole wave of
    # concurrent pages must not abort the collection. The shared budget bounds the
    # retries after that, which is where a server that stays down is hammered.
    exhausted = budget is not None and not budget.can_retry
    if status != 429 and attempts > 1 and exhausted:
        return GiveUp(f"{reason}; retry budget exhausted by other failing requests")

    # A 503 may say when to come back too (RFC 9110 section 10.2.3).
    if status in (429, 503) and retry_after_s is not None:
        return _honour_retry_after(config, reason, retry_after_s, now, deadline)

    delay_s = backoff_s(config, attempts, draw)
    if deadline is not None and now + delay_s > deadline:
        return GiveUp(f"{reason}; the deadline leaves no time to retry")

    return Retry(delay_s=delay_s, reason=reason)


def _retry_reason(
    method: str, status: int | None, failure: Failure | None
) -> str | None:
    if status is not None:
        if status == 429:
            return "429 rate limited"
        if status in RETRYABLE_STATUSES and _is_idempotent(method):
            return f"{status} from the server"
        return None

    if failure is Failure.CONNECT:
        return "connection failed before the request was sent"
    if failure is Failure.AFTER_SEND and _is_idempotent(method):
        return "connection failed after the request was sent"

    return None


def _honour_retry_after(
    config: RetryConfig,
    reason: str,
    retry_after_s: float,
    now: float,
    deadline: float | None,
) -> Retry | GiveUp:
    if retry_after_s > config.max_wait_s:
        return GiveUp(
            f"{reason}; Retry-After {retry_after_s:.0f} s exceeds the longest wait "
            f"allowed ({config.max_wait_s:.0f} s)",
            retry_after_s=retry_after_s,
        )

    if deadline is not None and now + retry_after_s > deadline:
        return GiveUp(
            f"{reason}; Retry-After {retry_after_s:.0f} s ends after the deadline",
            retry_after_s=retry_after_s,
        )

    return Retry(delay_s=retry_after_s, reason=reason)
