"""The pure parts of the command line: flattening, CSV columns, --since, ETA."""

from __future__ import annotations

import csv
import datetime as dt
import io

import click
import msgspec
import pytest

from katana_anyio._cli._options import parse_pairs, parse_since
from katana_anyio._export import _CsvWriter, _JsonWriter, flatten


def _raw(*records: object) -> list[msgspec.Raw]:
    return [msgspec.Raw(msgspec.json.encode(record)) for record in records]


def test_flatten_dots_objects_and_keeps_lists_as_json() -> None:
    """Nested objects become dotted columns; lists, nulls and booleans are text."""
    record = {
        "id": 1,
        "supplier": {"id": 2, "address": {"city": "Tallinn"}},
        "empty": {},
        "tags": [1, "a"],
        "gone": None,
        "ok": True,
        "price": "10.00",
    }

    assert dict(flatten(record)) == {
        "id": "1",
        "supplier.id": "2",
        "supplier.address.city": "Tallinn",
        "tags": '[1,"a"]',
        "gone": "",
        "ok": "true",
        "price": "10.00",
    }


def test_csv_appends_late_keys_and_pads_earlier_rows() -> None:
    """A key first seen on a later page becomes a last column; rows stay rectangular."""
    out = io.BytesIO()
    writer = _CsvWriter(out)
    writer.write_page(_raw({"id": 1, "name": "a"}))
    writer.write_page(_raw({"id": 2, "extra": {"x": 5}, "name": "b"}))
    writer.finish()

    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows == [["id", "name", "extra.x"], ["1", "a", ""], ["2", "b", "5"]]


def test_csv_quotes_text_a_spreadsheet_would_run_but_not_numbers() -> None:
    """Formula-looking text gets a leading quote; numbers and plain text do not."""
    record = {
        "name": '=HYPERLINK("http://x")',
        "note": "@SUM(A1)",
        "plus": "+1+1",
        "minus": "-20% sale",
        "tab": "\tx",
        "plain": "Widget = good",
        "delta": -5,
        "decimal_text": "-5.00000",
        "signed_text": "+12.5e3",
        "phone": "+1 555 0100",
        "nested": {"sku": "=1+1"},
    }
    out = io.BytesIO()
    writer = _CsvWriter(out)
    writer.write_page(_raw(record))
    writer.finish()

    header, row = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert dict(zip(header, row, strict=True)) == {
        "name": '\'=HYPERLINK("http://x")',
        "note": "'@SUM(A1)",
        "plus": "'+1+1",
        "minus": "'-20% sale",
        "tab": "'\tx",
        "plain": "Widget = good",
        "delta": "-5",
        "decimal_text": "-5.00000",
        "signed_text": "+12.5e3",
        "phone": "'+1 555 0100",
        "nested.sku": "'=1+1",
    }

    raw = io.BytesIO()
    writer = _CsvWriter(raw, escape_formulas=False)
    writer.write_page(_raw(record))
    writer.finish()
    assert "=HYPERLINK" in list(csv.reader(io.StringIO(raw.getvalue().decode())))[1][0]
    assert not list(csv.reader(io.StringIO(raw.getvalue().decode())))[1][0].startswith(
        "'"
    )


def test_json_writer_is_invalid_until_finished() -> None:
    """An unfinished JSON export cannot be mistaken for a complete one."""
    out = io.BytesIO()
    writer = _JsonWriter(out)
    writer.write_page(_raw({"id": 1}))

    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(out.getvalue())
    writer.finish()
    assert msgspec.json.decode(out.getvalue()) == [{"id": 1}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31", dt.datetime(2026, 1, 31, tzinfo=dt.UTC)),
        ("2026-01-31T08:00:00Z", dt.datetime(2026, 1, 31, 8, tzinfo=dt.UTC)),
        ("2026-01-31T09:00:00+01:00", dt.datetime(2026, 1, 31, 8, tzinfo=dt.UTC)),
        ("90m", dt.datetime(2026, 2, 1, 10, 30, tzinfo=dt.UTC)),
        ("7d", dt.datetime(2026, 1, 25, 12, tzinfo=dt.UTC)),
    ],
)
def test_since_accepts_dates_and_durations(text: str, expected: dt.datetime) -> None:
    """--since takes ISO 8601 (UTC when naive) or a duration back from now."""
    now = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)

    assert parse_since(text, now) == expected


def test_pairs_keep_order_and_repeats() -> None:
    """Repeated keys stay repeated and in order; a value may hold '='."""
    assert parse_pairs(["ids=1", "ids=2", "name=a=b"], "--filter") == [
        ("ids", "1"),
        ("ids", "2"),
        ("name", "a=b"),
    ]
    with pytest.raises(click.BadParameter, match=r"expected KEY=VALUE"):
        parse_pairs(["=1"], "--filter")


def test_a_duration_beyond_the_calendar_is_a_usage_error() -> None:
    """--since 99999999d is reported as a bad value, not an OverflowError."""
    with pytest.raises(click.BadParameter, match=r"reaches back before year 1"):
        parse_since("99999999d")
