"""Parsing of the response headers that steer the client.

Every parser here is total: any string (or ``None`` for an absent header) goes in,
and either a value or ``None`` ("unknown") comes out. A malformed header must never
cost the caller a response it already has, so nothing here raises.

Units are in the names. Katana's rate-limit page calls ``X-Ratelimit-Reset`` the
epoch time in *milliseconds*, but its own example (``1640995199``) is in *seconds*,
and proxies in front of APIs commonly send a small delta instead. We accept all three
and say which one we saw.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from collections.abc import Mapping

import msgspec

__all__ = [
    "PaginationInfo",
    "RateLimitInfo",
    "header",
    "parse_pagination",
    "parse_rate_limit",
    "parse_reset",
    "parse_retry_after",
]

# Reset values at or above this are epoch milliseconds (10**12 ms is 2001-09-09);
# values at or above _EPOCH_S_MIN are epoch seconds; anything smaller is a delta.
_EPOCH_MS_MIN = 10**12
_EPOCH_S_MIN = 10**9

# No legitimate wait is longer than a day; a larger value is garbage, not a plan.
MAX_WAIT_S = 86_400.0
# Counts (limits, pages, records) beyond this are garbage, not data.
_MAX_COUNT = 2**31


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Look a header up case-insensitively (Katana's docs spell ``X-RateLimit-*``)."""
    value = headers.get(name)
    if value is not None:
        return value

    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value

    return None


def _parse_number(text: str | None) -> float | None:
    # ASCII only: float() also reads other scripts' digits and "1_000", which no
    # server means in a header.
    if text is None or not text.isascii() or "_" in text:
        return None

    try:
        value = float(text.strip())
    except ValueError:
        return None

    if not math.isfinite(value):
        return None

    return value


def _parse_count(text: str | None) -> int | None:
    value = _parse_number(text)
    if value is None or value < 0 or value != int(value) or value > _MAX_COUNT:
        return None

    return int(value)


def parse_retry_after(value: str | None, now_wall_s: float) -> float | None:
    """Return the wait in seconds that ``Retry-After`` asks for, or ``None``.

    Accepts delta-seconds (RFC 9110 section 10.2.3) and the three HTTP-date forms
    (IMF-fixdate, RFC 850 and asctime). A date in the past means "now" (0.0); a
    negative delta, a wait beyond a day and anything unparsable are unknown.
    """
    if value is None:
        return None

    text = value.strip()
    number = _parse_number(text)
    if number is not None:
        # Only digits are in the grammar; a fractional delta is still clearly
        # meant as seconds, a negative one is not a wait.
        return number if 0 <= number <= MAX_WAIT_S else None

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None

    if when.tzinfo is None:
        # The asctime form carries no zone, and "-0000" parses naive: HTTP dates
        # are always UTC (RFC 9110 section 5.6.7).
        when = when.replace(tzinfo=dt.UTC)

    delay_s = when.timestamp() - now_wall_s
    if delay_s > MAX_WAIT_S:
        return None

    return max(0.0, delay_s)


def parse_reset(value: str | None, now_wall_s: float) -> float | None:
    """Return the seconds until ``X-Ratelimit-Reset``, or ``None`` if unknown.

    Values of 10**12 and above are epoch milliseconds, 10**9 and above epoch
    seconds, and smaller ones a delta in seconds. A reset in the past gives 0.0.
    """
    number = _parse_number(value)
    if number is None or number < 0:
        return None

    if number >= _EPOCH_MS_MIN:
        delay_s = number / 1000.0 - now_wall_s
    elif number >= _EPOCH_S_MIN:
        delay_s = number - now_wall_s
    else:
        delay_s = number

    if delay_s > MAX_WAIT_S:
        return None

    return max(0.0, delay_s)


class RateLimitInfo(msgspec.Struct, frozen=True):
    """What one response said about the rate limit; ``None`` where it said nothing."""

    limit: int | None = None
    remaining: int | None = None
    reset_after_s: float | None = None
    retry_after_s: float | None = None


def parse_rate_limit(headers: Mapping[str, str], now_wall_s: float) -> RateLimitInfo:
    """Read the ``X-Ratelimit-*`` trio and ``Retry-After`` from response headers."""
    limit = _parse_count(header(headers, "x-ratelimit-limit"))

    return RateLimitInfo(
        limit=limit if limit else None,
        remaining=_parse_count(header(headers, "x-ratelimit-remaining")),
        reset_after_s=parse_reset(header(headers, "x-ratelimit-reset"), now_wall_s),
        retry_after_s=parse_retry_after(header(headers, "retry-after"), now_wall_s),
    )


class PaginationInfo(msgspec.Struct, frozen=True):
    """Katana's ``X-Pagination`` header, coerced to numbers and booleans."""

    total_records: int | None = None
    total_pages: int | None = None
    offset: int | None = None
    page: int | None = None
    first_page: bool | None = None
    last_page: bool | None = None


_INT_FIELDS = ("total_records", "total_pages", "offset", "page")
_BOOL_FIELDS = ("first_page", "last_page")


def _coerce_int(value: object) -> int | None:
    # Take 6.0 as 6 but refuse 6.5: a fractional page count is garbage.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # bool is an int subclass, and true is not a count.
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= _MAX_COUNT else None
    if isinstance(value, str):
        return _parse_count(value)
    return None


def _coerce_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return None


def parse_pagination(value: str | None) -> PaginationInfo | None:
    """Parse ``X-Pagination``; ``None`` unless it is a JSON object.

    Katana sends every value as a string (``"150"``, ``"false"``); numbers and real
    booleans are accepted too. A field that cannot be coerced is left unknown rather
    than poisoning the others.
    """
    if value is None:
        return None

    try:
        raw = msgspec.json.decode(value.encode("utf-8", "surrogatepass"))
    except (msgspec.DecodeError, UnicodeEncodeError, RecursionError):
        # RecursionError: msgspec gives up on deeply nested arrays that way.
        return None

    if not isinstance(raw, dict):
        return None

    fields: dict[str, int | bool | None] = {}
    for name in _INT_FIELDS:
        fields[name] = _coerce_int(raw.get(name))
    for name in _BOOL_FIELDS:
        fields[name] = _coerce_bool(raw.get(name))

    return PaginationInfo(**fields)  # type: ignore[arg-type]
