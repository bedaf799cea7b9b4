"""The shared rate budget's decision, as one Lua script that runs inside Redis.

Theory of operation
-------------------
This is :mod:`katana_core._budget` translated rule for rule, with three
differences that come from sharing it between processes:

* the clock is Redis's own (``TIME``), read once per call, so the workers' clocks
  never meet: every send time in the log, every gate and every window end is in
  Redis seconds, and a worker only ever learns *durations* ("wait 0.3 s");
* a probe whose worker vanished (killed between taking the slot and reporting the
  response) would block every worker for ever, so a probe older than
  ``probe_timeout_s`` is forgotten, and so is any slot in flight that old;
* a wait for an answer (the probe's, or one while paced) has no known end: the
  answer may be another worker's, so the waiting worker polls.

Redis runs a script atomically, so reading the state, deciding and writing the new
state cannot interleave with another worker's call. Four keys share one hash tag
(``{name}``) so that they land on the same cluster slot:

``{name}:state``
    a hash: ``limit``, ``remaining``, ``window_ends_at``, ``gate_until``,
    ``probe_sent_at``, ``rtt_s``, ``uncounted_until``, ``answers``,
    ``shared_until``; an absent field is "unknown".
``{name}:sends``
    a list of the last ``limit`` send times, oldest first.
``{name}:workers``
    a sorted set of worker ids scored by their last call, so that a worker knows
    how many others to share with if Redis goes away.
``{name}:inflight``
    a sorted set of the slots handed out and not yet reported on, any worker's,
    scored by send time (for the pacing rules).

All of them expire two windows after the last call (longer while a gate is closed).
Times travel as decimal strings with microseconds: Lua numbers returned to Redis
would be truncated to integers, and a slot must compare equal to itself when it
comes back (``release`` and the probe).

The Python side here is pure: it builds the argument list and parses the reply.

Known differences from the core, each a shortcoming rather than a choice:

* the latency margin is a maximum that decays by a tenth per response, where
  the core keeps the longest round trip of the last window; many fast answers
  can shrink it below a slow request's trip well within a window, which weakens
  the margin's guarantee against a sliding-window server;
* a 429 or a count clears a pending probe only when the answered request is no
  older than the probe;
* a slot reported while its worker was on the local fallback stays in the
  in-flight set until ``probe_timeout_s`` passes, and can hold pacing or a probe
  for the others until then.

No test checks that script and core agree rule for rule; the tests check each
rule of the script on its own.
"""

from __future__ import annotations

import msgspec

from katana_core import BudgetConfig, RateLimitInfo

__all__ = [
    "SCRIPT",
    "Reply",
    "acquire_args",
    "observe_args",
    "parse_reply",
    "redis_keys",
    "release_args",
]

SCRIPT = r"""
local state_key, sends_key, workers_key = KEYS[1], KEYS[2], KEYS[3]
local inflight_key = KEYS[4]
local op = ARGV[1]
local window_s = tonumber(ARGV[2])
local config_limit = tonumber(ARGV[3])
local margin_min_s = tonumber(ARGV[4])
local margin_cap_s = window_s * tonumber(ARGV[5])
local probe_timeout_s = tonumber(ARGV[6])
local worker = ARGV[7]

local function num(text)
  if text == nil or text == false or text == '' then return nil end
  return tonumber(text)
end

local function fmt(x)
  if x == nil then return '' end
  return string.format('%.6f', x)
end

local clock = redis.call('TIME')
-- Rounded once, so that the send time stored and the one handed out are equal.
local now = tonumber(fmt(tonumber(clock[1]) + tonumber(clock[2]) / 1000000))

local raw = redis.call('HMGET', state_key, 'limit', 'remaining', 'window_ends_at',
  'gate_until', 'probe_sent_at', 'rtt_s', 'uncounted_until', 'answers',
  'shared_until')
local limit = num(raw[1]) or config_limit
local remaining = num(raw[2])
local window_ends_at = num(raw[3])
local gate_until = num(raw[4]) or 0
local probe_sent_at = num(raw[5])
local rtt_s = num(raw[6]) or 0
-- Until then the server is known to answer without a count (a proxy strips the
-- headers): probing would only serialise the workers' requests.
local uncounted_until = num(raw[7]) or 0
-- Answers with a count since the server's current window became known.
local answers = num(raw[8]) or 0
-- Until then a client outside this store is known to spend on the key.
local shared_until = num(raw[9]) or 0

-- The server's numbers describe its current window only.
if window_ends_at ~= nil and now >= window_ends_at then
  remaining = nil
  window_ends_at = nil
  answers = 0
end
-- Requests in flight (any worker's), scored by send time; one whose worker
-- never reported is forgotten after the probe timeout.
redis.call('ZREMRANGEBYSCORE', inflight_key, '-inf', fmt(now - probe_timeout_s))
local margin_s = math.min(math.max(rtt_s, margin_min_s), margin_cap_s)
-- A probe nobody reported on: its worker is gone.
if probe_sent_at ~= nil and now - probe_sent_at >= probe_timeout_s then
  probe_sent_at = nil
end

local function save()
  local set = {'limit', tostring(limit), 'gate_until', fmt(gate_until),
    'rtt_s', fmt(rtt_s), 'uncounted_until', fmt(uncounted_until),
    'answers', tostring(answers), 'shared_until', fmt(shared_until)}
  local unset = {}
  -- Absent means unknown (pairs() would skip nil values, hence one by one).
  local function put(name, text)
    if text == '' then
      unset[#unset + 1] = name
    else
      set[#set + 1] = name
      set[#set + 1] = text
    end
  end
  put('remaining', remaining == nil and '' or tostring(remaining))
  put('window_ends_at', fmt(window_ends_at))
  put('probe_sent_at', fmt(probe_sent_at))
  redis.call('HSET', state_key, unpack(set))
  if #unset > 0 then redis.call('HDEL', state_key, unpack(unset)) end
  local keep_ms = math.ceil((math.max(gate_until - now, 0) + 2 * window_s) * 1000)
  redis.call('PEXPIRE', state_key, keep_ms)
  redis.call('PEXPIRE', sends_key, keep_ms)
  redis.call('PEXPIRE', inflight_key, keep_ms)
end

-- Each worker's slots are its own members: two workers' send times may be equal.
local function slot_member(sent_at_text)
  return sent_at_text .. ' ' .. worker
end

local function release(sent_at)
  if probe_sent_at ~= nil and probe_sent_at <= sent_at then
    probe_sent_at = nil
  end
end

local function reply(kind, delay, reason, workers)
  save()
  local left = ''
  if remaining ~= nil then left = tostring(remaining) end
  return {kind, delay, reason, left, tostring(workers or 0)}
end

if op == 'acquire' then
  redis.call('ZADD', workers_key, now, worker)
  redis.call('ZREMRANGEBYSCORE', workers_key, '-inf', now - 2 * window_s)
  redis.call('PEXPIRE', workers_key, math.ceil(2 * window_s * 1000))
  local workers = redis.call('ZCARD', workers_key)

  -- After a spell without Redis, a worker brings the sends it made meanwhile
  -- (as ages in seconds, since only durations cross between clocks).
  if ARGV[8] ~= nil and ARGV[8] ~= '' then
    local merged = redis.call('LRANGE', sends_key, 0, -1)
    for age in string.gmatch(ARGV[8], '[^ ]+') do
      merged[#merged + 1] = fmt(now - tonumber(age))
    end
    table.sort(merged, function(a, b) return tonumber(a) < tonumber(b) end)
    redis.call('DEL', sends_key)
    local first = math.max(1, #merged - limit + 1)
    for i = first, #merged do redis.call('RPUSH', sends_key, merged[i]) end
  end

  if now < gate_until then
    return reply('wait', fmt(gate_until - now), 'rate limit gate', workers)
  end

  local n = redis.call('LLEN', sends_key)
  if n >= limit then
    -- The oldest of the last `limit` sends must leave the window first.
    local oldest = tonumber(redis.call('LINDEX', sends_key, -limit))
    if oldest + window_s + margin_s > now then
      return reply('wait', fmt(oldest + window_s + margin_s - now),
        'shared window full', workers)
    end
  end

  local probing = remaining == nil and now >= uncounted_until
  if probing and probe_sent_at ~= nil then
    return reply('wait', '', "waiting for the server's count", workers)
  end

  if remaining ~= nil and remaining <= 0 then
    return reply('wait', fmt(window_ends_at - now), 'server window exhausted',
      workers)
  end

  -- Pacing: one request in flight while a client outside the store spends on
  -- the key, and no more than a quarter of a count one answer has not yet
  -- confirmed. Another worker's answer reopens it, hence no known end.
  local flying = redis.call('ZCARD', inflight_key)
  local paced = now < shared_until
  if answers < 2 and remaining ~= nil then
    paced = paced or flying >= math.max(1, math.floor(remaining / 4))
  end
  if remaining ~= nil and flying > 0 and paced then
    return reply('wait', '', 'pacing: waiting for an answer', workers)
  end

  redis.call('ZADD', inflight_key, fmt(now), slot_member(fmt(now)))
  redis.call('RPUSH', sends_key, fmt(now))
  redis.call('LTRIM', sends_key, -limit, -1)
  if probing then
    probe_sent_at = now
  elseif remaining ~= nil then
    remaining = remaining - 1
  end
  return reply('send', fmt(now), '', workers)
end

local sent_at = tonumber(ARGV[8])
redis.call('ZREM', inflight_key, slot_member(ARGV[8]))

if op == 'release' then
  release(sent_at)
  return reply('ok', '', '', 0)
end

if op == 'observe' then
  local status = tonumber(ARGV[9])
  local info_limit = num(ARGV[10])
  local info_remaining = num(ARGV[11])
  local reset_after_s = num(ARGV[12])
  -- Reset is a wall-clock time read with one worker's clock; a clock an hour off
  -- must not close everyone's gate for an hour. No window ends later than one
  -- window from now.
  if reset_after_s ~= nil then reset_after_s = math.min(reset_after_s, window_s) end
  local retry_after_s = num(ARGV[13])

  release(sent_at)

  -- Round trip, decaying by a tenth per response; the latency margin.
  local sample = now - sent_at
  rtt_s = math.min(math.max(sample, rtt_s * 0.9, 0), margin_cap_s)
  -- This answer's own round trip counts in the margin used below, as in the core.
  margin_s = math.min(math.max(rtt_s, margin_min_s), margin_cap_s)

  if info_limit ~= nil then limit = info_limit end

  if status == 429 then
    local wait_s = retry_after_s or reset_after_s or window_s
    gate_until = math.max(gate_until, now + wait_s)
    window_ends_at = math.max(window_ends_at or 0, gate_until)
    remaining = 0
    -- A 429 means the shared count was wrong: pace the next window.
    shared_until = math.max(shared_until, gate_until + window_s)
  elseif info_remaining ~= nil then
    local reported_end = now + (reset_after_s or window_s)
    -- Keep a known window's end: a sliding server moves Reset with every request.
    local ends = window_ends_at or reported_end
    -- Sends after this request (by any worker) are not in its count yet.
    local later = 0
    -- Sends of the store since the oldest the server can still be counting.
    local ours = 0
    local since = now - window_s - 2 * margin_s
    for _, t in ipairs(redis.call('LRANGE', sends_key, 0, -1)) do
      if tonumber(t) > sent_at then later = later + 1 end
      if tonumber(t) > since then ours = ours + 1 end
    end
    -- The server counted requests the store never sent: someone else is on the
    -- key. Paced for a window.
    if limit - info_remaining > ours then
      shared_until = math.max(shared_until, now + window_s)
    end
    if remaining == nil then answers = 1 else answers = answers + 1 end
    local estimate = math.min(math.max(0, info_remaining - later), limit)
    if remaining ~= nil then estimate = math.min(estimate, remaining) end
    if estimate == 0 then
      gate_until = math.max(gate_until, ends, reported_end)
      ends = math.max(ends, reported_end)
    end
    remaining = estimate
    window_ends_at = ends
  elseif remaining == nil then
    uncounted_until = math.max(uncounted_until, now + window_s)
  end
  return reply('ok', '', '', 0)
end

return redis.error_reply('unknown operation ' .. tostring(op))
"""


class Reply(msgspec.Struct, frozen=True):
    """One answer of the script.

    ``kind`` is ``send``, ``wait`` or ``ok``. For ``send``, ``sent_at`` is the slot
    (Redis seconds, as the script wrote it); for ``wait``, ``delay_s`` is how long
    until the budget may open, or ``None`` when only another worker's response can
    open it.
    """

    kind: str
    sent_at: str | None = None
    delay_s: float | None = None
    reason: str = ""
    remaining: int | None = None
    workers: int = 0


def redis_keys(name: str) -> list[str]:
    """The four keys of budget ``name``, sharing one cluster hash tag."""
    return [
        f"{{{name}}}:state",
        f"{{{name}}}:sends",
        f"{{{name}}}:workers",
        f"{{{name}}}:inflight",
    ]


def _common(
    op: str, config: BudgetConfig, probe_timeout_s: float, worker: str
) -> list[str]:
    return [
        op,
        repr(float(config.window_s)),
        str(config.limit),
        repr(float(config.margin_min_s)),
        repr(float(config.margin_max_fraction)),
        repr(float(probe_timeout_s)),
        worker,
    ]


def _opt(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def acquire_args(
    config: BudgetConfig,
    probe_timeout_s: float,
    worker: str,
    ages_s: tuple[float, ...] = (),
) -> list[str]:
    """Arguments for taking a slot; ``ages_s`` are sends made without Redis."""
    ages = " ".join(repr(max(0.0, age)) for age in ages_s)
    return [*_common("acquire", config, probe_timeout_s, worker), ages]


def observe_args(
    config: BudgetConfig,
    probe_timeout_s: float,
    worker: str,
    info: RateLimitInfo,
    *,
    status: int,
    sent_at: str,
) -> list[str]:
    """Arguments for folding a response's rate-limit headers in."""
    return [
        *_common("observe", config, probe_timeout_s, worker),
        sent_at,
        str(int(status)),
        "" if info.limit is None else str(info.limit),
        "" if info.remaining is None else str(info.remaining),
        _opt(info.reset_after_s),
        _opt(info.retry_after_s),
    ]


def release_args(
    config: BudgetConfig, probe_timeout_s: float, worker: str, sent_at: str
) -> list[str]:
    """Arguments for reporting an attempt that ended without a response."""
    return [*_common("release", config, probe_timeout_s, worker), sent_at]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii")
    return str(value)


def parse_reply(raw: object) -> Reply:
    """Decode the script's five-string array; ``ValueError`` if it is not one."""
    if not isinstance(raw, list | tuple) or len(raw) != 5:
        raise ValueError(f"unexpected reply from the budget script: {raw!r}")

    kind, delay_or_slot, reason, remaining, workers = (_text(v) for v in raw)
    if kind == "send":
        return Reply(
            kind=kind,
            sent_at=delay_or_slot,
            remaining=int(remaining) if remaining else None,
            workers=int(workers),
        )

    return Reply(
        kind=kind,
        delay_s=float(delay_or_slot) if delay_or_slot else None,
        reason=reason,
        remaining=int(remaining) if remaining else None,
        workers=int(workers),
    )
