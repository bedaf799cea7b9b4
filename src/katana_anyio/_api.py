"""``client.api.<resource>``: every operation of the table as a typed method.

A :class:`Resource` runs the operations of one resource (see ``_api_table`` for
which method runs which operation). Arguments are checked before anything is sent;
answers are decoded into the generated models. A list decodes a whole page in one
call and, when one record does not fit its model, keeps the rest of the page and
reports that record on :attr:`RecordList.failures` (and in a warning), so one bad
row never costs an export its page.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, cast

import anyio
import msgspec

from katana_core import InvalidRequest, encode_params
from katana_core.models import (
    KatanaRequest,
    Operation,
    RecordDecodeError,
    decode_one,
    decode_records,
    encode_request,
)

from ._api_table import (
    RESOURCE_OPERATIONS,
    check_filters,
    request_body,
    resource_path,
)
from ._checks import check_call_options
from ._paging import Page
from ._response import Response

if TYPE_CHECKING:
    from ._client import KatanaClient

__all__ = ["Body", "RecordList", "RecordStream", "Resource", "run_operation"]

logger = logging.getLogger("katana_anyio.api")

R = TypeVar("R")
W = TypeVar("W")
_Req = TypeVar("_Req", bound=KatanaRequest)

#: A request body: the operation's request model, or a dict converted to it.
Body: TypeAlias = _Req | Mapping[str, Any]


class RecordList(list[R]):
    """The records of a list call, in order, with the ones that failed to decode.

    ``failures`` holds one :class:`~katana_core.models.RecordDecodeError` per
    record that no tolerance could read (its ``index`` counts every record of the
    answer, ``raw`` is the record as sent); ``response`` is the merged response.
    """

    __slots__ = ("failures", "response")

    def __init__(
        self,
        records: list[R] | None = None,
        failures: list[RecordDecodeError] | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(records or ())
        self.failures: list[RecordDecodeError] = failures or []
        self.response = response


def _warn_failures(operation: Operation, failures: list[RecordDecodeError]) -> None:
    if failures:
        # Indexes and reasons only: the raw records may hold customers' data.
        logger.warning(
            "api.records_skipped operation=%s count=%d indexes=%s first_reason=%r",
            operation.operation_id,
            len(failures),
            [failure.index for failure in failures[:10]],
            failures[0].reason,
        )


def _decode_page(
    operation: Operation, model: type[Any], records: list[msgspec.Raw], offset: int
) -> tuple[list[Any], list[RecordDecodeError]]:
    body = b"[" + b",".join(bytes(record) for record in records) + b"]"
    decoded, failures = decode_records(model, body)
    shifted = [
        RecordDecodeError(offset + failure.index, failure.raw, failure.reason)
        for failure in failures
    ]
    _warn_failures(operation, shifted)

    return decoded, shifted


def decode_result(operation: Operation, response: Response) -> Any:
    """The decoded answer of ``operation``: records, a model, JSON or ``None``."""
    if operation.record is not None:
        records, failures = decode_records(operation.record, response.content)
        _warn_failures(operation, failures)
        return RecordList(records, failures, response)

    if not response.content.strip():
        return None

    model = operation.success_model()
    if model is None:
        return response.json()

    return decode_one(model, response.content)


async def run_operation(
    client: KatanaClient,
    operation: Operation,
    ids: tuple[object, ...],
    *,
    body: object = None,
    filters: Mapping[str, Any] | None = None,
    max_items: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
) -> Any:
    """Check the arguments, send ``operation`` and decode its answer."""
    check_call_options(timeout=timeout, deadline=deadline, max_items=max_items)
    path = resource_path(operation, ids)
    query = check_filters(operation, filters or {})
    payload = request_body(operation, body)
    if operation.method == "GET":
        response = await client.request(
            "GET",
            path,
            params=query,
            timeout=timeout,
            deadline=deadline,
            auto_pagination=operation.paginated,
            max_items=max_items,
        )
        return decode_result(operation, response)

    if max_items is not None:
        raise InvalidRequest(f"{operation.operation_id} is not a list: no max_items")
    content = None if payload is None else encode_request(payload)
    until = None if deadline is None else anyio.current_time() + deadline
    response = await client.send(
        operation.method, path, encode_params(query), content, timeout, until
    )

    return decode_result(operation, response)


class RecordStream(Generic[R]):
    """Decoded records of a list call as their pages arrive, in order.

    ``failures`` grows as pages with undecodable records pass (indexes count from
    the first record of the walk). Use ``async with`` or ``aclose()`` to stop early
    and cancel the pages still being fetched.
    """

    def __init__(
        self, operation: Operation, model: type[R], pages: AsyncIterator[Page]
    ) -> None:
        self.failures: list[RecordDecodeError] = []
        self._operation = operation
        self._model = model
        self._pages = pages
        # Decoded records of the current page, oldest first; an iterator object
        # rather than an async generator, so that leaving ``async for`` early
        # leaves nothing for the garbage collector to finalize.
        self._ready: collections.deque[R] = collections.deque()
        self._offset = 0

    def __aiter__(self) -> RecordStream[R]:
        return self

    async def __anext__(self) -> R:
        while not self._ready:
            page = await self._pages.__anext__()
            records, failures = _decode_page(
                self._operation, self._model, page.records, self._offset
            )
            self.failures.extend(failures)
            self._offset += len(page.records)
            self._ready.extend(records)
        return self._ready.popleft()

    async def aclose(self) -> None:
        """Stop the walk; nothing is fetched after this."""
        self._ready.clear()
        await _aclose(self._pages)

    async def __aenter__(self) -> RecordStream[R]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def _aclose(iterator: object) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


class Resource(Generic[R, W]):
    """The operations of one resource: ``client.api.<name>``.

    ``R`` is the model of its records (``list``, ``iter``, ``get``), ``W`` the model
    its writes answer (``create``, ``update``). A method whose operation Katana
    does not offer for this resource raises :class:`NotImplementedError`;
    ``operations`` maps each method name to its operation. Operations beyond the
    five usual ones have their operation id as method name (see
    :meth:`call`).
    """

    def __init__(self, client: KatanaClient, name: str) -> None:
        if name not in RESOURCE_OPERATIONS:
            raise AttributeError(f"Katana's API has no resource {name!r}")
        self._client = client
        self.name = name
        self.operations: Mapping[str, Operation] = RESOURCE_OPERATIONS[name]

    def __repr__(self) -> str:
        return f"<Resource {self.name}: {', '.join(sorted(self.operations))}>"

    def operation(self, name: str) -> Operation:
        """The operation run by method ``name`` (or with operation id ``name``)."""
        found = self.operations.get(name)
        if found is not None:
            return found

        for operation in self.operations.values():
            if operation.operation_id == name:
                return operation

        raise NotImplementedError(
            f"Katana's API has no {name!r} operation for {self.name}; "
            f"it has: {', '.join(sorted(self.operations))}"
        )

    async def call(
        self,
        name: str,
        /,
        *ids: int,
        body: object = None,
        max_items: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        **filters: Any,
    ) -> Any:
        """Run the operation named ``name`` (method name or operation id).

        ``ids`` fill the path parameters in order; ``body`` is the request model
        or a dict; ``filters`` are query parameters, checked before sending.
        """
        return await run_operation(
            self._client,
            self.operation(name),
            ids,
            body=body,
            filters=filters,
            max_items=max_items,
            timeout=timeout,
            deadline=deadline,
        )

    async def list(
        self,
        *,
        max_items: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        **filters: Any,
    ) -> RecordList[R]:
        """Every record matching ``filters``, all pages merged, decoded."""
        result = await self.call(
            "list",
            max_items=max_items,
            timeout=timeout,
            deadline=deadline,
            **filters,
        )

        return cast(RecordList[R], result)

    def iter(
        self,
        *,
        max_items: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        **filters: Any,
    ) -> RecordStream[R]:
        """Stream the records matching ``filters`` as pages arrive, in order."""
        operation = self.operation("list")
        assert operation.record is not None
        query = check_filters(operation, filters)
        pages = self._client.pages(
            operation.path,
            params=query,
            max_items=max_items,
            timeout=timeout,
            deadline=deadline,
        )

        return RecordStream(operation, cast(type[R], operation.record), pages)

    async def get(
        self, id: int, *, timeout: float | None = None, deadline: float | None = None
    ) -> R:
        """The record with ``id``; :class:`NotFoundError` when there is none."""
        result = await self.call("get", id, timeout=timeout, deadline=deadline)

        return cast(R, result)

    async def create(
        self,
        body: KatanaRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> W:
        """Create a record from the request model or a dict; the created record."""
        result = await self.call(
            "create", body=body, timeout=timeout, deadline=deadline
        )

        return cast(W, result)

    async def update(
        self,
        id: int,
        body: KatanaRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> W:
        """Change the fields ``body`` sets (and only those); the updated record."""
        result = await self.call(
            "update", id, body=body, timeout=timeout, deadline=deadline
        )

        return cast(W, result)

    async def delete(
        self, id: int, *, timeout: float | None = None, deadline: float | None = None
    ) -> None:
        """Delete the record; raises the typed error (404, 412, ...) on failure."""
        await self.call("delete", id, timeout=timeout, deadline=deadline)
