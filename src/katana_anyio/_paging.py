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
        # A single object: passed through untouched. A body that is not JSON at all
        # raises here, typed, rather than from the caller's ``json()`` later.
        first.json()
        return first

    records, bare = found
    pages: list[list[msgspec.Raw]] = [records]
    info = parse_pagination(first.headers.get("x-pagination"))
    step = plan.after_first(info, len(records))
    total_known = info is not None and info.total_pages is not None
    last = first

    while isinstance(step, FetchPages):
        if total_known:
            fetched = await _fetch_all(
                client, path, plan, step.pages, timeout, deadline
            )
            pages.extend(records for _, records, _ in fetched)
            last = fetched[-1][2] if fetched else last
            _warn_truncated(client, path, step.truncated_pages)
            break

        number = step.pages[0]
        last = await _fetch(client, path, plan, number, timeout, deadline)
        records, _ = _require_records(last, number)
        pages.append(records)
        step = plan.after_probe(number, len(records), sum(map(len, pages)))

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
    collected = len(records)
    yield _truncate(Page(number=1, records=records, bare=bare), plan, 0)

    info = parse_pagination(first.headers.get("x-pagination"))
    step = plan.after_first(info, len(records))
    if info is None or info.total_pages is None:
        while isinstance(step, FetchPages):
            number = step.pages[0]
            response = await _fetch(client, path, plan, number, timeout, deadline)
            records, _ = _require_records(response, number)
            page = Page(number=number, records=records, bare=bare)
            yield _truncate(page, plan, collected)
            collected += len(records)
            step = plan.after_probe(number, len(records), collected)
        _warn_truncated(client, path, step.truncated_pages)
        return

    _warn_truncated(client, path, step.truncated_pages)
    if isinstance(step, Done):
        return

    window = client.page_concurrency
    for start in range(0, len(step.pages), window):
        numbers = step.pages[start : start + window]
        fetched = await _fetch_all(client, path, plan, numbers, timeout, deadline)
        for number, records, _ in fetched:
            page = Page(number=number, records=records, bare=bare)
            yield _truncate(page, plan, collected)
            collected += len(records)


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
