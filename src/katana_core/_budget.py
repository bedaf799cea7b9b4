"""Rate budget: when may the next request go out?

Theory of operation
-------------------
Katana allows ``limit`` requests per ``window_s`` seconds per API key (60 per 60 s by
default) and reports ``X-Ratelimit-Limit``, ``-Remaining`` and ``-Reset`` on
responses. Whether the server counts fixed windows or a sliding one, a client that
never sends more than ``limit`` requests in *any* interval of ``window_s`` seconds
cannot be refused. That is the first rule, kept with a log of send times:

    a request may be sent at ``now`` only if fewer than ``limit`` of our sends lie
    in ``(now - window_s - margin_s, now]``.

``margin_s`` covers latency: two requests sent exactly ``window_s`` apart may arrive
closer together if the first was slower on the way. The difference in one-way delay
is at most the slower request's round trip, so the margin is the longest round trip
observed in the last ``window_s`` (capped at a tenth of the window). Why that is
enough: if the first request's round trip was observed within the window before the
second is sent, the margin covers its one-way delay; if it was observed earlier,
the two sends are already more than ``window_s`` plus that round trip apart. The
guarantee therefore holds whenever every request is answered within the cap.

The second rule uses what the server says, which matters when other clients share
the key or the server's limit is not what we assumed:

* ``Remaining`` as of our request, minus the sends we made after that request,
  bounds what is left in the server's current window. The estimate only falls
  within a window; a late response cannot raise it.
* when the estimate reaches zero, or the server answers 429, the gate closes until
  ``Reset`` (or ``Retry-After``). A later response cannot shorten a closed gate.
* when the server's window has reset, or before we have heard from it at all, the
  budget is *unknown*: one probe request goes out and its response sets the
  estimate. This costs one round trip per window and saves a burst of 429s when
  another process used the key. A probe that is never answered (the driver lost
  it) stops blocking after ``probe_timeout_s``.
* ``Limit`` replaces the assumed limit when it differs.
* the probe's answer alone does not open the window: until a second answer
  confirms the count, at most a quarter of it (one request at least) is in
  flight. Two clients that start a window together each get an honest count for
  their probe, but only a later answer shows the other's spending (see the next
  rule); spending a quarter each, even four such clients stay within the count
  until their answers show each other.
  With a small count (under 8) this is one request alone, a round trip per
  window; with a large one (Katana's 60) the first requests go out together.
* when the server has counted more requests in its window than we sent in the
  last window (or refused one with 429), someone else is using the key: another
  process, or another client in this one. For the next window the budget is
  *paced*: one request in flight at a time, each answer refreshing the estimate,
  so that at most one request of each client rides on a stale ``Remaining``: two
  clients can still both spend the last one, and one of them meets a 429 (a
  shared budget, in-process or in Redis, avoids that). Alone again, it goes back
  to the rule above once a window passes without such a sign.

The state is a frozen value (:class:`BudgetState`); :func:`acquire` and
:func:`observe` return new states, so a driver can keep it in a variable under a
lock, or in a shared store. When :func:`acquire` says wait, its deadline is the
earliest instant at which every rule could let a request through, so the deadline
never moves later as time passes without new input.

Times are the driver's monotonic seconds; a ``now`` that runs backwards (a clock
read before waiting for a lock) is tolerated and only makes the budget stricter.
"""

from __future__ import annotations

import math

import msgspec

from ._errors import ConfigurationError
from ._headers import RateLimitInfo

__all__ = [
    "BudgetConfig",
    "BudgetState",
    "SendNow",
    "WaitUntil",
    "acquire",
    "observe",
    "release",
]


class BudgetConfig(msgspec.Struct, frozen=True):
    """Assumed limit and window; Katana's default quota is 60 requests per 60 s.

    TODO: the server's ``Limit`` replaces ``limit``, but ``window_s`` is never
    learnt from it: against a server whose window is not this one (an emulator
    run with a 1 s window, say) the budget keeps to the configured window and
    crawls. Reset values of a fresh window would tell the length.
    """

    limit: int = 60
    window_s: float = 60.0
    # Latency margin bounds: a floor, and a cap so that one very slow response does
    # not halve throughput. The floor keeps sends off the exact window boundary: a
    # server stamps arrivals with its own clock, to the millisecond, so a request
    # sent exactly one window after another may still land in that window.
    margin_min_s: float = 0.05
    margin_max_fraction: float = 0.1
    # How long an unanswered probe blocks the others; a probe normally comes back
    # within one round trip, so this only matters when a driver lost one.
    probe_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ConfigurationError(f"limit must be >= 1, got {self.limit}")
        if not (math.isfinite(self.window_s) and self.window_s > 0):
            raise ConfigurationError(f"window_s must be > 0, got {self.window_s}")
        if not 0 <= self.margin_max_fraction < 1:
            raise ConfigurationError(
                f"margin_max_fraction must be in [0, 1), got {self.margin_max_fraction}"
            )
        for name in ("margin_min_s", "probe_timeout_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigurationError(f"{name} must be finite and >= 0, got {value}")


class BudgetState(msgspec.Struct, frozen=True):
    """Everything the budget knows, as a plain value (monotonic seconds)."""

    # The limit in force: the configured one until the server reports its own.
    limit: int
    # Send times of the last ``limit`` requests, in ascending order.
    sends: tuple[float, ...] = ()
    # Server-reported requests left in its current window, or None when unknown.
    remaining: int | None = None
    # When the server's current window ends (monotonic), if it said.
    window_ends_at: float | None = None
    # No request before this instant (a 429's Retry-After or an exhausted window).
    gate_until: float = 0.0
    # Send time of the probe while the budget is unknown and a probe is out.
    probe_sent_at: float | None = None
    # Until this instant another client is known to share the key: send paced.
    shared_until: float = 0.0
    # Send times of our requests still unanswered, ascending. One the driver never
    # reports on is forgotten after ``probe_timeout_s``.
    inflight: tuple[float, ...] = ()
    # Answers with a count since the server's current window became known.
    answers: int = 0
    # Until this instant the server is known to answer without a count (a proxy
    # that strips the headers): no probing, the local window rule alone.
    uncounted_until: float = 0.0
    # Round trips observed in the last window as ``(observed_at, rtt_s)``, a
    # sliding maximum: each entry's round trip is longer than every later one's.
    rtts: tuple[tuple[float, float], ...] = ()

    @classmethod
    def initial(cls, config: BudgetConfig) -> BudgetState:
        return cls(limit=config.limit)

    @property
    def rtt_s(self) -> float:
        """The longest round trip remembered (the latency margin before capping)."""
        return self.rtts[0][1] if self.rtts else 0.0


class SendNow(msgspec.Struct, frozen=True):
    """Decision: send the request now; ``sent_at`` identifies the slot."""

    sent_at: float


class WaitUntil(msgspec.Struct, frozen=True):
    """Decision: ask again at ``deadline`` (monotonic seconds), or when told.

    Every rule here has an end, so ``deadline`` is always set; a driver should
    still treat ``None`` as "until the state changes", as a shared store may.
    """

    deadline: float | None
    reason: str


def _margin_s(config: BudgetConfig, state: BudgetState) -> float:
    cap = config.window_s * config.margin_max_fraction
    return min(max(state.rtt_s, config.margin_min_s), cap)


def _expire(config: BudgetConfig, state: BudgetState, now: float) -> BudgetState:
    """Forget the server's numbers once its window has ended, and old round trips."""
    if state.window_ends_at is not None and now >= state.window_ends_at:
        state = msgspec.structs.replace(
            state, remaining=None, window_ends_at=None, answers=0
        )

    # Written as ``t + timeout <= now``, the very sum the pacing wait's deadline
    # uses: ``t <= now - timeout`` can disagree with it by a rounding, and a
    # caller woken at that deadline would be told to wait again.
    timeout = config.probe_timeout_s
    if state.inflight and state.inflight[0] + timeout <= now:
        inflight = tuple(t for t in state.inflight if t + timeout > now)
        state = msgspec.structs.replace(state, inflight=inflight)

    horizon = now - config.window_s
    kept = state.rtts
    while kept and kept[0][0] < horizon:
        kept = kept[1:]
    if kept is not state.rtts:
        state = msgspec.structs.replace(state, rtts=kept)

    return state


def _blockers(
    config: BudgetConfig, state: BudgetState, now: float
) -> list[tuple[float, str]]:
    """Every rule that forbids a send at ``now``, with the instant it stops doing so."""
    blockers: list[tuple[float, str]] = []
    if now < state.gate_until:
        blockers.append((state.gate_until, "rate limit gate"))

    if len(state.sends) >= state.limit:
        # The oldest of our last ``limit`` sends must leave the window first.
        free_at = state.sends[-state.limit] + config.window_s + _margin_s(config, state)
        if free_at > now:
            blockers.append((free_at, "local window full"))

    if state.remaining is not None and state.remaining <= 0:
        # A known estimate always has a window end, after now once expired.
        assert state.window_ends_at is not None
        blockers.append((state.window_ends_at, "server window exhausted"))

    probing = state.remaining is None and now >= state.uncounted_until
    if probing and state.probe_sent_at is not None:
        give_up_at = state.probe_sent_at + config.probe_timeout_s
        if give_up_at > now:
            blockers.append((give_up_at, "waiting for the server's count"))

    paced = now < state.shared_until
    if state.answers < 2 and state.remaining is not None:
        # Unconfirmed count: a share of it small enough that several clients who
        # each believe themselves alone cannot spend it twice over.
        paced = paced or len(state.inflight) >= max(1, state.remaining // 4)
    if state.remaining is not None and state.inflight and paced:
        # One at a time: reopens with the answer; the timeout covers a lost one.
        # (``_expire`` already forgot requests older than the timeout, so this is
        # always ahead of ``now``.)
        give_up_at = state.inflight[0] + config.probe_timeout_s
        blockers.append((give_up_at, "pacing: waiting for an answer"))

    return blockers


def acquire(
    config: BudgetConfig, state: BudgetState, now: float
) -> tuple[BudgetState, SendNow | WaitUntil]:
    """Take a slot for a request at ``now``, or say how long to wait for one."""
    state = _expire(config, state, now)

    blockers = _blockers(config, state, now)
    if blockers:
        # The latest blocker decides; on a tie the first listed names the reason.
        deadline, reason = max(blockers, key=lambda blocker: blocker[0])
        return state, WaitUntil(deadline=deadline, reason=reason)

    sends = tuple(sorted((*state.sends, now)))[-state.limit :]
    inflight = tuple(sorted((*state.inflight, now)))
    if state.remaining is None:
        state = msgspec.structs.replace(
            state, sends=sends, inflight=inflight, probe_sent_at=now
        )
    else:
        state = msgspec.structs.replace(
            state, sends=sends, inflight=inflight, remaining=state.remaining - 1
        )

    return state, SendNow(sent_at=now)


def release(state: BudgetState, sent_at: float) -> BudgetState:
    """Report that the request sent at ``sent_at`` ended without usable headers.

    The slot stays spent (the server may have counted it); the request no longer
    counts as in flight, and a pending probe is cleared so that another request
    can find out what is left.
    """
    state = _answered(state, sent_at)
    if state.probe_sent_at is not None and state.probe_sent_at <= sent_at:
        return msgspec.structs.replace(state, probe_sent_at=None)

    return state


def _answered(state: BudgetState, sent_at: float) -> BudgetState:
    """Take the request sent at ``sent_at`` off the in-flight list, if it is there."""
    if sent_at not in state.inflight:
        return state

    inflight = list(state.inflight)
    inflight.remove(sent_at)

    return msgspec.structs.replace(state, inflight=tuple(inflight))


def observe(
    config: BudgetConfig,
    state: BudgetState,
    info: RateLimitInfo,
    *,
    status: int,
    sent_at: float,
    now: float,
) -> BudgetState:
    """Fold a response's rate-limit headers into the state.

    ``sent_at`` is the slot the request was sent in; ``now`` is when the response
    arrived. Call it for every response, 429s and errors included.
    """
    state = _expire(config, state, now)
    state = _answered(state, sent_at)
    state = _note_rtt(config, state, now, now - sent_at)

    if info.limit is not None and info.limit != state.limit:
        # Only the last ``limit`` sends can ever block a new one.
        state = msgspec.structs.replace(
            state, limit=info.limit, sends=state.sends[-info.limit :]
        )

    if status == 429:
        return _close_gate_on_429(config, state, info, now)
    if info.remaining is not None:
        return _adopt_remaining(config, state, info, sent_at, now)

    # An answer without a count: probing again would only serialise requests.
    if state.remaining is None:
        uncounted_until = max(state.uncounted_until, now + config.window_s)
        state = msgspec.structs.replace(state, uncounted_until=uncounted_until)

    return release(state, sent_at)


def _note_rtt(
    config: BudgetConfig, state: BudgetState, now: float, rtt_s: float
) -> BudgetState:
    rtt_s = min(max(rtt_s, 0.0), config.window_s * config.margin_max_fraction)

    # Entries with a shorter round trip are dominated by this one; it inherits the
    # latest of their observation times, so nothing is forgotten early even when
    # ``now`` runs backwards.
    kept = list(state.rtts)
    observed_at = now
    while kept and kept[-1][1] <= rtt_s:
        observed_at = max(observed_at, kept.pop()[0])
    kept.append((observed_at, rtt_s))

    return msgspec.structs.replace(state, rtts=tuple(kept))


def _close_gate_on_429(
    config: BudgetConfig, state: BudgetState, info: RateLimitInfo, now: float
) -> BudgetState:
    wait_s = info.retry_after_s
    if wait_s is None and info.reset_after_s is not None:
        wait_s = _bounded_reset(config, info.reset_after_s)
    if wait_s is None:
        # No word on when: assume the worst, a whole window.
        wait_s = config.window_s

    gate_until = max(state.gate_until, now + wait_s)
    window_ends_at = gate_until
    if state.window_ends_at is not None:
        window_ends_at = max(window_ends_at, state.window_ends_at)

    # A 429 means our count was wrong: pace the next window.
    shared_until = max(state.shared_until, gate_until + config.window_s)

    return msgspec.structs.replace(
        state,
        gate_until=gate_until,
        remaining=0,
        window_ends_at=window_ends_at,
        probe_sent_at=None,
        shared_until=shared_until,
    )


def _adopt_remaining(
    config: BudgetConfig,
    state: BudgetState,
    info: RateLimitInfo,
    sent_at: float,
    now: float,
) -> BudgetState:
    assert info.remaining is not None
    # Without a Reset header, assume the worst: a whole window from now.
    reset_after_s = info.reset_after_s
    if reset_after_s is None:
        reset_after_s = config.window_s
    reset_after_s = _bounded_reset(config, reset_after_s)
    reported_end = now + reset_after_s
    # Within a known window keep its end: a sliding server moves its Reset forward
    # with every request, and following it would keep an old count alive forever.
    window_ends_at = state.window_ends_at
    if window_ends_at is None:
        window_ends_at = reported_end

    # Our sends after this request are not in its count yet.
    later = sum(1 for t in state.sends if t > sent_at)
    estimate = min(max(0, info.remaining - later), state.limit)
    if state.remaining is not None:
        estimate = min(estimate, state.remaining)

    gate_until = state.gate_until
    if estimate == 0:
        # Nothing left: closed until the later of the two ends, never shortened.
        gate_until = max(gate_until, window_ends_at, reported_end)
        window_ends_at = max(window_ends_at, reported_end)

    shared_until = state.shared_until
    if _others_counted(config, state, info.remaining, now):
        shared_until = max(shared_until, now + config.window_s)

    answers = 1 if state.remaining is None else state.answers + 1

    return msgspec.structs.replace(
        state,
        remaining=estimate,
        window_ends_at=window_ends_at,
        gate_until=gate_until,
        probe_sent_at=None,
        shared_until=shared_until,
        answers=answers,
    )


def _bounded_reset(config: BudgetConfig, reset_after_s: float) -> float:
    """A Reset at most one window away.

    Reset is a wall-clock time converted with the local clock; a clock that is off
    by an hour would otherwise close the gate for an hour. No window ends later
    than one window from now.
    """
    return min(reset_after_s, config.window_s)


def _others_counted(
    config: BudgetConfig, state: BudgetState, remaining: int, now: float
) -> bool:
    """Has the server counted requests in its window that we did not send?

    Every request the server counted in its current window was sent within the
    last window plus two one-way delays (the old request's way out, this answer's
    way back), each at most a round trip, so with nobody else on the key the count
    is at most our sends in that span, whatever order they arrived in. One margin
    is not enough: a slow way out and a slow way back on two different requests
    add up to more than any single round trip seen.
    """
    used = state.limit - remaining
    since = now - config.window_s - 2 * _margin_s(config, state)
    ours = sum(1 for t in state.sends if t > since)

    return used > ours
