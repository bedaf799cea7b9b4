"""Header parsers: every documented form, and totality on any text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from katana_core import (
    PaginationInfo,
    RateLimitInfo,
    header,
    parse_pagination,
    parse_rate_limit,
    parse_reset,
    parse_retry_after,
)

# 1994-11-06T08:48:20Z: 77 s before the RFC 9110 example date.
NOW = 784_111_700.0
# 2026-01-01T00:00:00Z, for reset timestamps.
WALL = 1_767_225_600.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 77.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 77.0),
        ("Sun Nov  6 08:49:37 1994", 77.0),
        ("Sun, 06 Nov 1994 08:49:37 -0000", 77.0),
        ("Sun, 06 Nov 1994 08:00:00 GMT", 0.0),
        ("-5", None),
        ("86401", None),
        ("9" * 5000, None),
        ("Sun, 06 Nov 2094 08:49:37 GMT", None),
        ("soon", None),
        ("", None),
        ("   ", None),
        ("²", None),
        ("1_0", None),
        ("nan", None),
        ("inf", None),
        ("Mon, 31 Feb 2020 00:00:00 GMT", None),
        ("Sun, 06 Nov 1994 08:49:37 +9999", None),
        (None, None),
    ],
)
def test_retry_after_forms(value: str | None, expected: float | None) -> None:
    """Delta-seconds and all three HTTP-date forms parse; the rest is unknown."""
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (str(int((WALL + 30) * 1000)), 30.0),
        (str(int(WALL + 30)), 30.0),
        ("30", 30.0),
        ("0", 0.0),
        ("2.5", 2.5),
        (str(int((WALL - 5) * 1000)), 0.0),
        (str(int(WALL - 5)), 0.0),
        ("86401", None),
        (str(int((WALL + 2 * 86_400) * 1000)), None),
        ("-1", None),
        ("tomorrow", None),
        ("", None),
        (None, None),
    ],
)
def test_reset_forms(value: str | None, expected: float | None) -> None:
    """Reset reads epoch milliseconds, epoch seconds and small deltas; past is now."""
    assert parse_reset(value, WALL) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {
                "X-RateLimit-Limit": "60",
                "X-RateLimit-Remaining": "59",
                "X-RateLimit-Reset": str(int((WALL + 60) * 1000)),
            },
            RateLimitInfo(limit=60, remaining=59, reset_after_s=60.0),
        ),
        (
            {"x-ratelimit-limit": "0", "x-ratelimit-remaining": "-1"},
            RateLimitInfo(),
        ),
        (
            {"x-ratelimit-limit": "sixty", "x-ratelimit-remaining": "2.5"},
            RateLimitInfo(),
        ),
        (
            {"x-ratelimit-limit": "1e2", "x-ratelimit-remaining": str(2**31 + 1)},
            RateLimitInfo(limit=100),
        ),
        ({"retry-after": "3"}, RateLimitInfo(retry_after_s=3.0)),
        ({}, RateLimitInfo()),
    ],
)
def test_rate_limit_headers(headers: dict[str, str], expected: RateLimitInfo) -> None:
    """Limit and Remaining are non-negative integers; garbage is unknown."""
    assert parse_rate_limit(headers, WALL) == expected


def test_header_lookup_is_case_insensitive() -> None:
    """Header names match in any case, exact spelling first."""
    headers = {"X-Ratelimit-Limit": "1", "x-pagination": "{}"}

    assert header(headers, "X-Ratelimit-Limit") == "1"
    assert header(headers, "x-ratelimit-limit") == "1"
    assert header(headers, "X-PAGINATION") == "{}"
    assert header(headers, "retry-after") is None


KATANA_SAMPLE = (
    '{"total_records":"142","total_pages":"8","offset":"50","page":"2",'
    '"first_page":"false","last_page":"false"}'
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            KATANA_SAMPLE,
            PaginationInfo(
                total_records=142,
                total_pages=8,
                offset=50,
                page=2,
                first_page=False,
                last_page=False,
            ),
        ),
        (
            '{"total_pages": 6, "page": 1, "first_page": true, "last_page": false}',
            PaginationInfo(total_pages=6, page=1, first_page=True, last_page=False),
        ),
        ('{"total_pages": 6.0, "page": "1.0"}', PaginationInfo(total_pages=6, page=1)),
        ('{"total_pages": 6.5, "page": "1.5"}', PaginationInfo()),
        ('{"total_pages": true, "first_page": 1}', PaginationInfo()),
        (
            '{"last_page": " TRUE ", "first_page": "yes"}',
            PaginationInfo(last_page=True),
        ),
        ('{"total_pages": -1, "offset": "-5"}', PaginationInfo()),
        ('{"total_pages": 1e400}', None),
        ('{"total_pages": 99999999999999999999999}', PaginationInfo()),
        ('{"total_pages": ' + "1" * 5000 + "}", None),
        ('{"total_pages": 4294967296}', PaginationInfo()),
        ('{"total_pages": null, "page": [1], "offset": {}}', PaginationInfo()),
        ("{}", PaginationInfo()),
        ("[1, 2]", None),
        ('"8"', None),
        ("null", None),
        ("8", None),
        ("total_pages=8", None),
        ("{", None),
        ("", None),
        ('{"page": "\ud800"}', None),
        ("[" * 100_000, None),
        (None, None),
    ],
)
def test_pagination_header(value: str | None, expected: PaginationInfo | None) -> None:
    """Strings, numbers and booleans coerce; non-objects and non-JSON are unknown."""
    assert parse_pagination(value) == expected


@given(st.text(), st.floats(allow_nan=True, allow_infinity=True))
def test_retry_after_is_total(value: str, now: float) -> None:
    """Any text gives a non-negative wait within a day, or None."""
    result = parse_retry_after(value, now)

    assert result is None or 0.0 <= result <= 86_400.0


@given(
    st.from_regex(r"\A[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} -?\d{1,6} [\d:]{1,9} .{0,6}\Z")
)
def test_retry_after_is_total_on_date_lookalikes(value: str) -> None:
    """Text shaped like an HTTP-date never makes the date parser raise."""
    result = parse_retry_after(value, NOW)

    assert result is None or result >= 0.0


@given(st.text(), st.floats(allow_nan=True, allow_infinity=True))
def test_reset_is_total(value: str, now: float) -> None:
    """Any text gives a non-negative delay within a day, or None."""
    result = parse_reset(value, now)

    assert result is None or 0.0 <= result <= 86_400.0


@given(st.integers(min_value=0, max_value=86_399), st.floats(1e9, 4e9))
def test_reset_units_agree(delay: int, wall: float) -> None:
    """The same instant as epoch seconds, epoch milliseconds or delta agrees."""
    as_s = parse_reset(str(wall + delay), wall)
    as_ms = parse_reset(str((wall + delay) * 1000), wall)

    assert as_s == pytest.approx(delay, abs=1e-3)
    assert as_ms == pytest.approx(delay, abs=1e-3)


@given(st.dictionaries(st.text(), st.text()), st.floats(0, 4e9))
def test_rate_limit_is_total(headers: dict[str, str], now: float) -> None:
    """Any header mapping parses; counts are positive limits or non-negative ints."""
    info = parse_rate_limit(headers, now)

    assert info.limit is None or info.limit >= 1
    assert info.remaining is None or info.remaining >= 0


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json = st.recursive(
    _json_scalars,
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@given(st.text())
def test_pagination_is_total_on_text(value: str) -> None:
    """Any text gives a PaginationInfo or None."""
    result = parse_pagination(value)

    assert result is None or isinstance(result, PaginationInfo)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            name: _json
            for name in (
                "total_records",
                "total_pages",
                "offset",
                "page",
                "first_page",
                "last_page",
            )
        },
    )
)
def test_pagination_is_total_on_objects(raw: dict[str, object]) -> None:
    """Any JSON object parses; every field is a non-negative int, a bool or None."""
    info = parse_pagination(json.dumps(raw))

    assert info is not None
    for name in ("total_records", "total_pages", "offset", "page"):
        value = getattr(info, name)
        assert value is None or (type(value) is int and value >= 0)
    for name in ("first_page", "last_page"):
        assert getattr(info, name) in (None, True, False)
