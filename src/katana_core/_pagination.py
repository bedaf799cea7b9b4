"""Pagination planner: which pages to fetch, with which query, and how to merge them.

Theory of operation
-------------------
Katana pages by offset: page ``p`` with ``limit`` ``n`` holds records
``(p-1)*n .. p*n-1``. The planner therefore fixes one page size for the whole plan
(changing ``limit`` on a later page would skip or repeat rows) and applies
``max_items`` by truncating the merged result.

1. A query with an explicit ``page`` is one page, as asked: nothing is planned.
2. Otherwise page 1 is fetched first, with ``limit`` set to the page size.
3. Its ``X-Pagination`` header says how many pages exist. When it does, every
   remaining page is known at once and the driver may fetch them concurrently. The
   plan is capped by ``max_pages`` and by the pages ``max_items`` needs; a cap that
   cuts off real pages is reported so the driver can warn.
4. Without a total (the header is missing on some endpoints), pages are probed one
   at a time until an empty page. A short page is *not* the end: Katana clamps
   ``limit`` silently, so a short page may just be a smaller page size.
5. Records are merged in page order. A body that is neither a JSON list nor an
   object with a ``data`` list is a single object: it is passed through untouched.

The planner never sees bytes on the wire, only decoded bodies and header values.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from ._errors import InvalidRequest
from ._headers import PaginationInfo

__all__ = [
    "MAX_PAGE_SIZE",
    "Done",
    "FetchPages",
    "PagePlan",
    "Params",
    "ParamsInput",
    "encode_params",
    "extract_records",
]

# Katana's largest accepted ``limit``; larger values are clamped by the server.
MAX_PAGE_SIZE = 250
DEFAULT_MAX_PAGES = 100

Params = tuple[tuple[str, str], ...]
_Scalar = str | int | float | bool | dt.datetime | dt.date | None
ParamsInput = (
    Mapping[str, _Scalar | Sequence[_Scalar]] | Iterable[tuple[str, _Scalar]] | None
)


def _encode_value(key: str, value: _Scalar) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise InvalidRequest(
                f"query parameter {key!r} is a naive datetime; give it a timezone "
                "(Katana compares timestamps in UTC)"
            )
        try:
            utc = value.astimezone(dt.UTC)
        except OverflowError:
            raise InvalidRequest(
                f"query parameter {key!r} is out of range in UTC: {value!r}"
            ) from None
        return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequest(
            f"query parameter {key!r} is not a finite number: {value!r}"
        )
    if isinstance(value, str | int | float | decimal.Decimal | uuid.UUID):
        return str(value)
    # A dict, set or bytes would go out as its Python repr, which Katana reads as
    # a value that matches nothing: an empty answer, not an error.
    raise InvalidRequest(
        f"query parameter {key!r} cannot be sent as a query value: "
        f"{type(value).__name__}"
    )


def encode_params(params: ParamsInput) -> Params:
    """Turn the caller's query into ordered ``(name, text)`` pairs.

    Lists and tuples become repeated keys (``ids=1&ids=2``), in order; ``None`` is
    left out; booleans are ``true``/``false``; aware datetimes go out in UTC with
    milliseconds and ``Z``, as Katana writes them. Raises :class:`InvalidRequest` for a
    naive datetime or a non-finite float.
    """
    if params is None:
        return ()

    items: Iterable[tuple[str, Any]]
    items = params.items() if isinstance(params, Mapping) else params

    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else (value,)
        for item in values:
            text = _encode_value(key, item)
            if text is not None:
                pairs.append((str(key), text))

    return tuple(pairs)


def _get(params: Params, name: str) -> str | None:
    for key, value in params:
        if key == name:
            return value
    return None


def _without(params: Params, *names: str) -> Params:
    return tuple((k, v) for k, v in params if k not in names)


def extract_records(body: object) -> list[Any] | None:
    """The records of a list body (bare list or ``{"data": [...]}``), else ``None``."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, list):
            return data
    return None


class FetchPages(msgspec.Struct, frozen=True):
    """Decision: fetch these pages (may run concurrently), then ask again."""

    pages: tuple[int, ...]
    # Known pages beyond the plan that ``max_pages`` cut off (0 when none).
    truncated_pages: int = 0


class Done(msgspec.Struct, frozen=True):
    """Decision: every page needed is in hand."""

    truncated_pages: int = 0


class PagePlan(msgspec.Struct, frozen=True):
    """The plan for one collection: base query, page size and caps."""

    base: Params
    page_size: int
    max_pages: int = DEFAULT_MAX_PAGES
    max_items: int | None = None
    # An explicit ``page`` in the query: fetch exactly that, no plan.
    single_page: bool = False

    @classmethod
    def from_query(
        cls,
        params: ParamsInput,
        *,
        page_size: int | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_items: int | None = None,
        auto_pagination: bool = True,
    ) -> PagePlan:
        """Plan a GET. The caller's ``limit`` wins over ``page_size``; at most 250."""
        if max_pages < 1:
            raise InvalidRequest(f"max_pages must be >= 1, got {max_pages}")
        if max_items is not None and max_items < 0:
            raise InvalidRequest(f"max_items must be >= 0, got {max_items}")

        query = encode_params(params)
        single = not auto_pagination or _get(query, "page") is not None

        size = _parse_limit(_get(query, "limit"))
        if size is None:
            size = page_size if page_size is not None else MAX_PAGE_SIZE
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidRequest(
                f"page size must be within 1..{MAX_PAGE_SIZE}, got {size}"
            )

        if single:
            return cls(
                base=query, page_size=size, single_page=True, max_items=max_items
            )

        return cls(
            base=_without(query, "page", "limit"),
            page_size=size,
            max_pages=max_pages,
            max_items=max_items,
        )

    @property
    def page_cap(self) -> int:
        """The most pages this plan will fetch when the total is known."""
        return self._pages_for_items(self.max_pages)

    def _pages_for_items(self, pages: int) -> int:
        """``pages``, or fewer when ``max_items`` needs fewer at this page size."""
        if self.max_items is None:
            return pages
        return min(pages, max(1, math.ceil(self.max_items / self.page_size)))

    def query_for(self, page: int) -> Params:
        """The query for ``page``: the caller's pairs in order, then page and limit."""
        if self.single_page:
            return self.base
        return (*self.base, ("page", str(page)), ("limit", str(self.page_size)))

    def after_first(self, info: PaginationInfo | None, count: int) -> FetchPages | Done:
        """Plan the rest from page 1's ``X-Pagination`` and record count."""
        if self.single_page or count == 0 or self._items_full(count):
            return Done()

        total = info.total_pages if info is not None else None
        if total is None:
            if info is not None and info.last_page is True:
                return Done()
            return self._probe(2)

        wanted = self._pages_for_items(total)
        last = min(wanted, self.max_pages)
        # Only pages lost to ``max_pages`` count as truncation: stopping where
        # ``max_items`` is met is what the caller asked for.
        truncated = wanted - last
        if last < 2:
            return Done(truncated_pages=truncated)

        return FetchPages(pages=tuple(range(2, last + 1)), truncated_pages=truncated)

    def after_known(self, fetched_last: int, total: int | None) -> FetchPages | Done:
        """Plan the pages a collection gained while its known pages were fetched.

        ``fetched_last`` is the last page fetched so far and ``total`` the largest
        ``total_pages`` those pages reported. Katana lists newest first, so records
        created during the walk push the oldest ones onto pages past the first
        plan; without them those records would be lost.
        """
        if total is None:
            return Done()

        wanted = self._pages_for_items(total)
        last = min(wanted, self.max_pages)
        truncated = wanted - last
        if last <= fetched_last:
            return Done(truncated_pages=truncated)

        pages = tuple(range(fetched_last + 1, last + 1))
        return FetchPages(pages=pages, truncated_pages=truncated)

    def after_probe(
        self,
        page: int,
        count: int,
        collected: int,
        info: PaginationInfo | None = None,
    ) -> FetchPages | Done:
        """Plan the next step after probing ``page``, which held ``count`` records.

        ``collected`` is the number of records collected so far, this page included.
        ``info`` is the page's ``X-Pagination``, when it had one: a ``last_page`` or
        a ``total_pages`` reached ends the walk too.
        """
        if count == 0 or self._items_full(collected):
            return Done()

        if info is not None and (
            info.last_page is True
            or (info.total_pages is not None and page >= info.total_pages)
        ):
            return Done()

        return self._probe(page + 1)

    def _probe(self, page: int) -> FetchPages | Done:
        # ``max_items`` is enforced by the count collected, not by a page count:
        # if the server sends short pages, more pages are needed than planned.
        if page > self.max_pages:
            # Without a total we cannot tell how much was cut; say "at least one".
            return Done(truncated_pages=1)
        return FetchPages(pages=(page,))

    def _items_full(self, collected: int) -> bool:
        return self.max_items is not None and collected >= self.max_items

    def merge(self, pages: Sequence[list[Any]]) -> list[Any]:
        """Concatenate the pages' records in order, truncated to ``max_items``."""
        merged = [record for page in pages for record in page]
        if self.max_items is not None:
            del merged[self.max_items :]
        return merged


def _parse_limit(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(f"limit must be an integer, got {text!r}") from None
    return value
