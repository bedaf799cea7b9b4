"""Pagination planner: page 1 first, then a plan that visits each page once."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from katana_core import (
    Done,
    FetchPages,
    InvalidRequest,
    PagePlan,
    PaginationInfo,
    encode_params,
    extract_records,
)


def test_page_one_first_with_the_caller_params_in_order() -> None:
    """Page 1 keeps repeated params in order and appends page and limit."""
    plan = PagePlan.from_query({"ids": [3, 1, 2], "extend": ("supplier",), "x": None})

    assert plan.query_for(1) == (
        ("ids", "3"),
        ("ids", "1"),
        ("ids", "2"),
        ("extend", "supplier"),
        ("page", "1"),
        ("limit", "250"),
    )
    assert plan.query_for(7)[:4] == plan.query_for(1)[:4]


def test_known_total_plans_every_remaining_page() -> None:
    """A total_pages of 4 plans pages 2, 3 and 4 at once."""
    plan = PagePlan.from_query(None)

    assert plan.after_first(PaginationInfo(total_pages=4), 250) == FetchPages(
        pages=(2, 3, 4)
    )
    assert plan.after_first(PaginationInfo(total_pages=1), 3) == Done()


def test_max_pages_cap_reports_the_truncation() -> None:
    """Pages beyond max_pages are cut and counted so the driver can warn."""
    plan = PagePlan.from_query(None, max_pages=3)

    assert plan.after_first(PaginationInfo(total_pages=10), 250) == FetchPages(
        pages=(2, 3), truncated_pages=7
    )
    assert PagePlan.from_query(None, max_pages=1).after_first(
        PaginationInfo(total_pages=10), 250
    ) == Done(truncated_pages=9)


def test_max_items_is_not_a_truncation() -> None:
    """Stopping where max_items is met is not reported as a max_pages cut."""
    plan = PagePlan.from_query({"limit": 100}, max_items=250, max_pages=2)

    assert plan.after_first(PaginationInfo(total_pages=10), 100) == FetchPages(
        pages=(2,), truncated_pages=1
    )
    assert PagePlan.from_query({"limit": 100}, max_items=250).after_first(
        PaginationInfo(total_pages=10), 100
    ) == FetchPages(pages=(2, 3))


def test_unknown_total_probes_until_an_empty_page() -> None:
    """Without a total, pages come one at a time; a short page is not the end."""
    plan = PagePlan.from_query({"limit": 50})

    assert plan.after_first(None, 50) == FetchPages(pages=(2,))
    assert plan.after_first(PaginationInfo(), 50) == FetchPages(pages=(2,))
    assert plan.after_probe(2, 10, 60) == FetchPages(pages=(3,))
    assert plan.after_probe(3, 0, 60) == Done()


def test_probe_stops_at_last_page_or_total() -> None:
    """A probed page marked last, or reaching total_pages, ends the walk."""
    plan = PagePlan.from_query(None)

    assert plan.after_first(PaginationInfo(last_page=True), 5) == Done()
    assert plan.after_probe(2, 5, 10, PaginationInfo(last_page=True)) == Done()
    assert plan.after_probe(2, 5, 10, PaginationInfo(total_pages=2)) == Done()
    assert plan.after_probe(2, 5, 10, PaginationInfo(total_pages=3)) == FetchPages(
        pages=(3,)
    )


def test_probe_respects_max_pages_and_max_items() -> None:
    """Probing stops at max_pages (reported) and once max_items are in hand."""
    plan = PagePlan.from_query(None, max_pages=2, max_items=600)

    assert plan.after_probe(2, 250, 500) == Done(truncated_pages=1)
    assert plan.after_probe(1, 250, 600) == Done()


def test_empty_or_full_first_page_is_done() -> None:
    """An empty page 1, or one that already holds max_items, ends the plan."""
    assert PagePlan.from_query(None).after_first(PaginationInfo(total_pages=3), 0) == (
        Done()
    )
    plan = PagePlan.from_query({"limit": 10}, max_items=5)
    assert plan.after_first(PaginationInfo(total_pages=3), 10) == Done()


def test_explicit_page_means_that_page_only() -> None:
    """A page in the query, or auto_pagination off, is one request as given."""
    plan = PagePlan.from_query({"page": 3, "limit": 20, "ids": [1, 2]})

    assert plan.single_page
    assert plan.query_for(1) == (
        ("page", "3"),
        ("limit", "20"),
        ("ids", "1"),
        ("ids", "2"),
    )
    assert plan.after_first(PaginationInfo(total_pages=9), 20) == Done()
    assert PagePlan.from_query({"a": 1}, auto_pagination=False).query_for(1) == (
        ("a", "1"),
    )


def test_page_size_comes_from_limit_then_argument() -> None:
    """The caller's limit wins over page_size, which wins over 250."""
    assert PagePlan.from_query([("limit", "40")], page_size=10).page_size == 40
    assert PagePlan.from_query(None, page_size=10).page_size == 10
    assert PagePlan.from_query(None).page_size == 250


def test_page_cap_is_the_tighter_of_max_pages_and_max_items() -> None:
    """page_cap counts the pages max_items needs, within max_pages."""
    assert PagePlan.from_query(None, max_pages=7).page_cap == 7
    assert PagePlan.from_query({"limit": 10}, max_items=25).page_cap == 3
    assert PagePlan.from_query({"limit": 10}, max_items=0).page_cap == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"params": {"limit": "ten"}}, r"^limit must be an integer, got 'ten'$"),
        ({"params": {"limit": 251}}, r"^page size must be within 1\.\.250, got 251$"),
        (
            {"params": None, "page_size": 0},
            r"^page size must be within 1\.\.250, got 0$",
        ),
        ({"params": None, "max_pages": 0}, r"^max_pages must be >= 1, got 0$"),
        ({"params": None, "max_items": -1}, r"^max_items must be >= 0, got -1$"),
    ],
)
def test_bad_plans_are_refused(kwargs: dict[str, object], message: str) -> None:
    """Impossible page sizes and caps raise InvalidRequest before anything is sent."""
    with pytest.raises(InvalidRequest, match=message):
        PagePlan.from_query(**kwargs)  # type: ignore[arg-type]


def test_encode_params_values() -> None:
    """Booleans, dates and aware datetimes are written the way Katana reads them."""
    berlin = dt.timezone(dt.timedelta(hours=1))
    params = {
        "flag": True,
        "off": False,
        "at": dt.datetime(2026, 1, 1, 1, 0, 0, 123456, tzinfo=berlin),
        "day": dt.date(2026, 1, 2),
        "n": 1.5,
    }

    assert encode_params(params) == (
        ("flag", "true"),
        ("off", "false"),
        ("at", "2026-01-01T00:00:00.123Z"),
        ("day", "2026-01-02"),
        ("n", "1.5"),
    )
    assert encode_params([("a", 1), ("a", None), ("b", [True])]) == (
        ("a", "1"),
        ("b", "true"),
    )
    assert encode_params(None) == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            dt.datetime(2026, 1, 1),
            r"^query parameter 'v' is a naive datetime; give it a timezone "
            r"\(Katana compares timestamps in UTC\)$",
        ),
        (float("nan"), r"^query parameter 'v' is not a finite number: nan$"),
        (
            dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
            r"^query parameter 'v' is out of range in UTC: .*$",
        ),
    ],
)
def test_encode_params_refuses_ambiguous_values(value: object, message: str) -> None:
    """Naive datetimes, non-finite floats and unrepresentable instants raise."""
    with pytest.raises(InvalidRequest, match=message):
        encode_params({"v": value})  # type: ignore[dict-item]


def test_extract_records_shapes() -> None:
    """Bare lists and data lists are records; single objects are not."""
    assert extract_records([1]) == [1]
    assert extract_records({"data": [2]}) == [2]
    assert extract_records({"data": {"id": 1}}) is None
    assert extract_records({"id": 1}) is None
    assert extract_records("x") is None


@given(
    total=st.integers(0, 400),
    size=st.integers(1, 250),
    max_pages=st.integers(1, 120),
    max_items=st.none() | st.integers(0, 40_000),
    known=st.booleans(),
)
def test_plans_visit_each_page_exactly_once(
    total: int, size: int, max_pages: int, max_items: int | None, known: bool
) -> None:
    """Known or probed, a plan fetches pages 1..n once each, n within every cap."""
    plan = PagePlan.from_query(
        {"limit": size}, max_pages=max_pages, max_items=max_items
    )

    def count(page: int) -> int:
        return size if page <= total else 0

    fetched = [1]
    collected = count(1)
    info = PaginationInfo(total_pages=total) if known else None
    step = plan.after_first(info, count(1))
    while isinstance(step, FetchPages):
        fetched.extend(step.pages)
        for page in step.pages:
            collected += count(page)
        if known:
            break
        step = plan.after_probe(step.pages[-1], count(step.pages[-1]), collected)

    assert fetched == list(range(1, len(fetched) + 1))
    assert len(fetched) <= max_pages
    needed = total if max_items is None else min(total, -(-max_items // size))
    assert len(fetched) >= min(needed, max_pages)
    merged = plan.merge([[p] * count(p) for p in fetched])
    assert max_items is None or len(merged) <= max_items


def test_pages_gained_during_the_walk_are_fetched_too() -> None:
    """A total that grew while the known pages were fetched plans the new pages."""
    plan = PagePlan.from_query(None, page_size=100, max_pages=5)

    assert plan.after_known(3, 4) == FetchPages(pages=(4,))
    assert plan.after_known(3, 3) == Done()
    assert plan.after_known(3, None) == Done()
    assert plan.after_known(5, 7) == Done(truncated_pages=2)
    assert plan.after_known(3, 9) == FetchPages(pages=(4, 5), truncated_pages=4)

    capped = PagePlan.from_query(None, page_size=100, max_items=250)
    assert capped.after_known(3, 9) == Done()


@pytest.mark.parametrize(
    ("value", "kind"),
    [({"a": 1}, "dict"), ({1, 2}, "set"), (b"abc", "bytes"), ([[1, 2]], "list")],
)
def test_values_with_no_query_form_are_refused(value: object, kind: str) -> None:
    """A dict, set, bytes or nested list raises instead of going out as its repr."""
    with pytest.raises(
        InvalidRequest,
        match=rf"^query parameter 'name' cannot be sent as a query value: {kind}$",
    ):
        encode_params({"name": value})  # type: ignore[dict-item]


def test_decimals_and_uuids_are_sent_as_text() -> None:
    """Decimal and UUID values go out as their usual text."""
    key = uuid.UUID(int=1)
    assert encode_params({"a": decimal.Decimal("1.50"), "b": key}) == (
        ("a", "1.50"),
        ("b", str(key)),
    )
