"""Running a pagination plan: page 1, then the rest concurrently, merged in order.

Records travel as ``msgspec.Raw`` slices of the page bodies: merging pages for
``get()`` joins bytes instead of decoding and re-encoding every record, and the
command line writes them straight to JSONL.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
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

__all__ = [
    "Page",
    "PageStream",
    "RecordStream",
    "collect",
    "plan",
    "stream_pages",
    "stream_records",
]


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
        self.ids = _IdSet()
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
        seen = self.ids.seen_before
        # Both lists come from one body, so they have the same length.
        for record, item in zip(records, items, strict=True):
            if item is not None and item.id is not None and seen(item.id):
                self.dropped += 1
            else:
                kept.append(record)
        return kept


class _IdSet:
    """The ids a walk has seen, exactly, in little memory when they are dense.

    A streamed walk (``export_jsonl``, ``paginate()``) keeps nothing else per
    record; a ``set`` of ints costs about 80 bytes an id, which at 100,000 records
    was most of the export's growth with size. Integer ids go into 64-bit masks
    keyed by ``id >> 6``: Katana's ids are mostly consecutive, so a page of 250 ids
    fills about four masks. Sparse ids cost about what the set did; other ids (UUID
    strings) go into a plain set.
    """

    __slots__ = ("_masks", "_others")

    def __init__(self) -> None:
        self._masks: dict[int, int] = {}
        self._others: set[int | str] = set()

    def seen_before(self, key: int | str) -> bool:
        """Whether ``key`` was added already; adds it if not (one lookup, not two)."""
        if type(key) is int:
            masks = self._masks
            slot = key >> 6
            bit = 1 << (key & 63)
            mask = masks.get(slot, 0)
            if mask & bit:
                return True
            masks[slot] = mask | bit
            return False
        if key in self._others:
            return True
        self._others.add(key)
        return False


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
    seen = _Seen()
    pages: list[list[msgspec.Raw]] = [seen.keep(records, first)]
    info = parse_pagination(first.headers.get("x-pagination"))
    step = plan.after_first(info, len(records))
    total_known = info is not None and info.total_pages is not None
    last = first
    collected = len(pages[0])

    while isinstance(step, FetchPages):
        if total_known:
            fetched = await _fetch_all(
                client, path, plan, step.pages, timeout, deadline
            )
            pages.extend(seen.keep(records, page) for _, records, page in fetched)
            last = fetched[-1][2]
            total = _largest_total(response for _, _, response in fetched)
            step = plan.after_known(step.pages[-1], total)
            continue

        number = step.pages[0]
        last = await _fetch(client, path, plan, number, timeout, deadline)
        records, _ = _require_records(last, number)
        kept = seen.keep(records, last)
        pages.append(kept)
        collected += len(kept)
        page_info = parse_pagination(last.headers.get("x-pagination"))
        step = plan.after_probe(number, len(records), collected, page_info)

    if isinstance(step, Done):
        _warn_truncated(client, path, step.truncated_pages)

    merged = plan.merge(pages)
    return Response(
        status_code=200,
        headers=last.headers,
        content=lambda: _merged_body(merged, bare),
        method="GET",
        path=path,
        pagination=info,
        pages=len(pages),
        truncated_pages=step.truncated_pages,
        duplicates_dropped=seen.dropped,
    )


def _largest_total(responses: Iterable[Response]) -> int | None:
    """The most pages any of these responses' ``X-Pagination`` reported."""
    totals = [
        info.total_pages
        for info in (parse_pagination(r.headers.get("x-pagination")) for r in responses)
        if info is not None and info.total_pages is not None
    ]
    return max(totals, default=None)


def truncated(response: Response, max_items: int | None) -> Response:
    """A single page cut to ``max_items`` records; anything else unchanged."""
    found = None if max_items is None else _records(response)
    if found is None or max_items is None or len(found[0]) <= max_items:
        return response

    records, bare = found
    return Response(
        status_code=response.status_code,
        headers=response.headers,
        content=_merged_body(records[:max_items], bare),
        method=response.method,
        path=response.path,
        pagination=response.pagination,
    )


def _merged_body(records: list[msgspec.Raw], bare: bool) -> bytes:
    """``{"data":[...]}`` (or ``[...]``) around ``records``, copied once.

    The brackets go onto the first and last record so that the one ``join`` is the
    only copy of the (possibly tens of MB) body.
    """
    opening, closing = (b"[", b"]") if bare else (b'{"data":[', b"]}")
    if not records:
        return opening + closing
    parts: list[bytes | msgspec.Raw] = list(records)
    parts[0] = opening + bytes(parts[0])
    parts[-1] = bytes(parts[-1]) + closing
    return b",".join(parts)


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


def stream_pages(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    timeout: float | None,
    deadline_s: float | None,
) -> PageStream:
    return PageStream(client, path, plan, timeout, deadline_s)


class PageStream:
    """Pages in order, fetched ``page_concurrency`` at a time.

    An iterator object rather than an async generator: a consumer that leaves
    ``async for`` with ``break`` never closes a generator, which trio finalizes with a
    ResourceWarning at garbage collection. Here nothing is left to finalize: each
    window of pages is fetched by a task group that opens and closes inside one
    ``__anext__`` call, so between calls no fetch runs and only the window's pages
    are held. ``aclose()`` drops them.

    TODO: a slow page holds back the whole next window, and nothing is fetched
    while the consumer works on a page. A stream that owns a task group for its
    lifetime (entered with ``async with``) could fetch ahead continuously; the
    plain ``async for`` form cannot own one safely.
    """

    def __init__(
        self,
        client: KatanaClient,
        path: str,
        plan: PagePlan,
        timeout: float | None,
        deadline_s: float | None,
    ) -> None:
        self._client = client
        self._path = path
        self._plan = plan
        self._timeout = timeout
        self._deadline_s = deadline_s
        self._deadline: float | None = None
        self._ready: deque[Page] = deque()
        self._started = False
        self._done = False
        self._bare = False
        self._collected = 0
        # Known total: the page numbers still to fetch. Unknown: the next probe.
        self._pending: list[int] = []
        self._probe: FetchPages | Done | None = None
        self._seen = _Seen()
        # The most pages any fetched page reported (the collection may grow).
        self._total: int | None = None

    def __aiter__(self) -> PageStream:
        return self

    async def __anext__(self) -> Page:
        while not self._ready:
            if self._done:
                raise StopAsyncIteration
            await self._fill()

        return self._ready.popleft()

    async def aclose(self) -> None:
        self._done = True
        self._ready.clear()

    def _push(
        self, number: int, records: list[msgspec.Raw], response: Response
    ) -> None:
        kept = self._seen.keep(records, response)
        page = Page(number=number, records=kept, bare=self._bare)
        self._ready.append(_truncate(page, self._plan, self._collected))
        self._collected += len(kept)

    async def _get(self, number: int) -> Response:
        return await _fetch(
            self._client,
            self._path,
            self._plan,
            number,
            self._timeout,
            self._deadline,
        )

    async def _fill(self) -> None:
        try:
            if not self._started:
                await self._first()
            elif self._probe is not None:
                await self._next_probe()
            else:
                await self._next_window()
        except BaseException:
            self._done = True
            raise

    async def _first(self) -> None:
        self._started = True
        if self._deadline_s is not None:
            self._deadline = anyio.current_time() + self._deadline_s
        first = await self._get(1)
        records, self._bare = _require_records(first, 1)
        self._push(1, records, first)

        info = parse_pagination(first.headers.get("x-pagination"))
        step = self._plan.after_first(info, len(records))
        if info is None or info.total_pages is None:
            self._probe = step
            self._finish_probe_if_done()
            return

        if isinstance(step, Done):
            _warn_truncated(self._client, self._path, step.truncated_pages)
            self._done = True
        else:
            self._pending = list(step.pages)

    async def _next_probe(self) -> None:
        assert isinstance(self._probe, FetchPages)
        number = self._probe.pages[0]
        response = await self._get(number)
        records, _ = _require_records(response, number)
        self._push(number, records, response)
        info = parse_pagination(response.headers.get("x-pagination"))
        self._probe = self._plan.after_probe(
            number, len(records), self._collected, info
        )
        self._finish_probe_if_done()

    def _finish_probe_if_done(self) -> None:
        if isinstance(self._probe, Done):
            _warn_truncated(self._client, self._path, self._probe.truncated_pages)
            self._done = True

    async def _next_window(self) -> None:
        window = self._client.page_concurrency
        numbers = tuple(self._pending[:window])
        fetched = await _fetch_all(
            self._client,
            self._path,
            self._plan,
            numbers,
            self._timeout,
            self._deadline,
        )
        del self._pending[:window]
        for number, records, response in fetched:
            self._push(number, records, response)
        self._total = max(self._total or 0, _largest_total(r for *_, r in fetched) or 0)
        if not self._pending:
            # Pages the collection gained during the walk come last.
            step = self._plan.after_known(numbers[-1], self._total or None)
            if isinstance(step, FetchPages):
                self._pending = list(step.pages)
            else:
                _warn_truncated(self._client, self._path, step.truncated_pages)
                self._done = True


def _truncate(page: Page, plan: PagePlan, collected_before: int) -> Page:
    if plan.max_items is None:
        return page
    room = max(0, plan.max_items - collected_before)
    if len(page.records) <= room:
        return page
    return Page(number=page.number, records=page.records[:room], bare=page.bare)


def stream_records(
    client: KatanaClient,
    path: str,
    plan: PagePlan,
    timeout: float | None,
    deadline_s: float | None,
) -> RecordStream:
    return RecordStream(PageStream(client, path, plan, timeout, deadline_s))


class RecordStream:
    """The decoded records of a :class:`PageStream`, one at a time."""

    def __init__(self, pages: PageStream) -> None:
        self._pages = pages
        self._records: deque[Any] = deque()

    def __aiter__(self) -> RecordStream:
        return self

    async def __anext__(self) -> Any:
        while not self._records:
            page = await self._pages.__anext__()
            self._records.extend(page.decode())

        return self._records.popleft()

    async def aclose(self) -> None:
        self._records.clear()
        await self._pages.aclose()
