"""Running a pagination plan: page 1, then the rest concurrently, merged in order.

Records travel as ``msgspec.Raw`` slices of the page bodies: merging pages for
``get()`` joins bytes instead of decoding and re-encoding every record, and the
command line writes them straight to JSONL.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from katana_core import (
    Done,
    FetchPages,
    PagePlan,
    ParamsInput,
    UnexpectedResponse,
    parse_pagination,
    snippet,
)

from ._response import Response

if TYPE_CHECKING:
    from ._client import KatanaClient

__all__ = ["Page", "collect", "plan", "stream_pages", "stream_records"]


class _DataPage(msgspec.Struct):
    data: list[msgspec.Raw]


_PAGE = msgspec.json.Decoder(list[msgspec.Raw] | _DataPage)


class _Id(msgspec.Struct):
    id: int | str | None = None


class _DataIds(msgspec.Struct):
    data: list[_Id | None]


_IDS = msgspec.json.Decoder(list[_Id | None] | _DataIds)


class _Seen:
    """Drops records whose id an earlier page of the same walk already gave.

    Katana pages by offset and lists newest first, so a record created while a
    walk runs pushes every later record one place down: the last record of a page
    comes again at the top of the next. Walking in page order and dropping repeated
    ids removes exactly those repeats. (A record *deleted* during the walk pulls
    the others up instead, and one can be skipped; a walk with
    ``include_deleted=true`` keeps every row in place.)
    """

    def __init__(self) -> None:
        self.ids: set[int | str] = set()
        self.dropped = 0

    def keep(self, records: list[msgspec.Raw], response: Response) -> list[msgspec.Raw]:
        try:
            decoded = _IDS.decode(response.content)
        except msgspec.DecodeError:
            # Records whose ids cannot be read are all kept: nothing is dropped
            # on a guess.
            return records
        items = decoded if isinstance(decoded, list) else decoded.data
        kept = []
        for record, item in zip(records, items, strict=True):
            key = None if item is None else item.id
            if key is not None:
                if key in self.ids:
                    self.dropped += 1
                    continue
                self.ids.add(key)
            kept.append(record)
        return kept


class Page(msgspec.Struct, frozen=True):
    """One page of a collection: its number and its records, still encoded."""

    number: int
    records: list[msgspec.Raw]
    # Katana answered a bare JSON list rather than ``{"data": [...]}``.
    bare: bool = False

    def decode(self) -> list[Any]:
        return [msgspec.json.decode(record) for record in self.records]


def plan(
    params: ParamsInput,
    *,
    max_pages: int,
    max_items: int | None,
    auto_pagination: bool = True,
) -> PagePlan:
    return PagePlan.from_query(
        params,
        max_pages=max_pages,
        max_items=max_items,
        auto_pagination=auto_pagination,
    )


def _records(response: Response) -> tuple[list[msgspec.Raw], bool] | None:
    """The page's records and whether the body was a bare list; ``None`` if no list."""
    try:
        page = _PAGE.decode(response.content)
    except msgspec.DecodeError:
        return None
    if isinstance(page, list):
        return page, True
    return page.data, False


def _require_records(response: Response, number: int) -> tuple[list[msgspec.Raw], bool]:
    found = _records(response)
    if found is None:
        raise UnexpectedResponse(
            f"page {number} of {response.path} is not a list of records",
            status_code=response.status_code,
            snippet=snippet(response.content),
        )
    return found


def _warn_truncated(client: KatanaClient, path: str, truncated: int) -> None:
    if truncated:
        client._log.warning(
            "pagination.truncated path=%s max_pages=%d pages_left_out=%d; raise "
            "max_pages to fetch everything",
            path,
            client.max_pages,
            truncated,
        )


async def _fetch(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    number: int,
    timeout: float | None,
    deadline: float | None,
) -> Response:
    return await client.send(
        "GET", path, plan.query_for(number), None, timeout, deadline
    )


async def collect(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    timeout: float | None,
    deadline: float | None,
) -> Response:
    """Fetch every planned page and merge them into one response."""
    first = await _fetch(client, path, plan, 1, timeout, deadline)
    found = _records(first)
    if found is None:
        # A single object (or anything else): passed through untouched.
        return first

    records, bare = found
    seen = _Seen()
    pages: list[list[msgspec.Raw]] = [seen.keep(records, first)]
    info = parse_pagination(first.headers.get("x-pagination"))
    step = plan.after_first(info, len(records))
    total_known = info is not None and info.total_pages is not None
    last = first
    collected = len(records)

    while isinstance(step, FetchPages):
        if total_known:
            fetched = await _fetch_all(
                client, path, plan, step.pages, timeout, deadline
            )
            pages.extend(seen.keep(records, page) for _, records, page in fetched)
            last = fetched[-1][2] if fetched else last
            _warn_truncated(client, path, step.truncated_pages)
            break

        number = step.pages[0]
        last = await _fetch(client, path, plan, number, timeout, deadline)
        records, _ = _require_records(last, number)
        pages.append(seen.keep(records, last))
        collected += len(records)
        page_info = parse_pagination(last.headers.get("x-pagination"))
        step = plan.after_probe(number, len(records), collected, page_info)

    if isinstance(step, Done):
        _warn_truncated(client, path, step.truncated_pages)

    merged = plan.merge(pages)
    joined = b",".join(merged)
    content = b"[" + joined + b"]" if bare else b'{"data":[' + joined + b"]}"
    return Response(
        status_code=200,
        headers=last.headers,
        content=content,
        method="GET",
        path=path,
        pagination=info,
        pages=len(pages),
        truncated_pages=step.truncated_pages,
        duplicates_dropped=seen.dropped,
    )


async def _fetch_all(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    numbers: tuple[int, ...],
    timeout: float | None,
    deadline: float | None,
) -> list[tuple[int, list[msgspec.Raw], Response]]:
    """Fetch pages concurrently (at most ``page_concurrency`` at once), in order."""
    results: dict[int, tuple[list[msgspec.Raw], Response]] = {}
    errors: list[Exception] = []
    limiter = anyio.CapacityLimiter(client.page_concurrency)

    async def one(number: int, scope: anyio.CancelScope) -> None:
        try:
            async with limiter:
                response = await _fetch(client, path, plan, number, timeout, deadline)
            results[number] = (_require_records(response, number)[0], response)
        except Exception as exc:
            # The first failure ends the collection; the others are cancelled.
            errors.append(exc)
            scope.cancel()

    async with anyio.create_task_group() as tasks:
        for number in numbers:
            tasks.start_soon(one, number, tasks.cancel_scope)

    if errors:
        raise errors[0]

    return [(n, *results[n]) for n in numbers]


async def stream_pages(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    timeout: float | None,
    deadline_s: float | None,
) -> AsyncGenerator[Page, None]:
    """Yield pages in order, fetching ``page_concurrency`` pages at a time.

    Each window of pages is fetched concurrently in a task group that closes before
    any page is yielded: a generator must not yield inside a task group, and a
    consumer that stops early leaves no fetch running. Memory holds one window.
    """
    deadline = None if deadline_s is None else anyio.current_time() + deadline_s
    first = await _fetch(client, path, plan, 1, timeout, deadline)
    records, bare = _require_records(first, 1)
    seen = _Seen()
    kept = seen.keep(records, first)
    collected = len(kept)
    yield _truncate(Page(number=1, records=kept, bare=bare), plan, 0)

    info = parse_pagination(first.headers.get("x-pagination"))
    step = plan.after_first(info, len(records))
    if info is None or info.total_pages is None:
        while isinstance(step, FetchPages):
            number = step.pages[0]
            response = await _fetch(client, path, plan, number, timeout, deadline)
            records, _ = _require_records(response, number)
            kept = seen.keep(records, response)
            yield _truncate(
                Page(number=number, records=kept, bare=bare), plan, collected
            )
            collected += len(kept)
            page_info = parse_pagination(response.headers.get("x-pagination"))
            step = plan.after_probe(number, len(records), collected, page_info)
        _warn_truncated(client, path, step.truncated_pages)
        return

    _warn_truncated(client, path, step.truncated_pages)
    if isinstance(step, Done):
        return

    window = client.page_concurrency
    for start in range(0, len(step.pages), window):
        numbers = step.pages[start : start + window]
        fetched = await _fetch_all(client, path, plan, numbers, timeout, deadline)
        for number, records, response in fetched:
            kept = seen.keep(records, response)
            yield _truncate(
                Page(number=number, records=kept, bare=bare), plan, collected
            )
            collected += len(kept)


def _truncate(page: Page, plan: PagePlan, collected_before: int) -> Page:
    if plan.max_items is None:
        return page
    room = max(0, plan.max_items - collected_before)
    if len(page.records) <= room:
        return page
    return Page(number=page.number, records=page.records[:room], bare=page.bare)


async def stream_records(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    timeout: float | None,
    deadline_s: float | None,
) -> AsyncIterator[Any]:
    pages = stream_pages(client, path, plan, timeout, deadline_s)
    async with contextlib.aclosing(pages):
        async for page in pages:
            for record in page.decode():
                yield record


logger = logging.getLogger(__name__)
