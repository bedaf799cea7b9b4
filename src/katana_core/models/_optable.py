"""The shape of one row of the generated operation table.

The rows themselves live in ``_operations.py``, written by
``tools/generate_models.py``: one per operation of Katana's API, named after the
curated spec's operation ids in snake_case, with the query parameters the gateway
accepts.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from ._types import KatanaModel, KatanaRequest

__all__ = ["Operation", "QueryParam"]


class QueryParam(msgspec.Struct, frozen=True, kw_only=True):
    """A query parameter an operation accepts."""

    name: str
    # One of "int", "float", "bool", "str", "datetime".
    type: str
    # An array parameter, sent as repeated keys: ``ids=1&ids=2``.
    repeat: bool = False
    required: bool = False
    # The known values of a string parameter, when the gateway lists them.
    enum: tuple[str, ...] = ()


class Operation(msgspec.Struct, frozen=True, kw_only=True):
    """One operation: where it lives, what it takes and what it answers."""

    operation_id: str
    method: str
    path: str
    # The top-level path segment, e.g. "sales_orders" for /sales_orders/{id}.
    resource: str
    path_params: tuple[str, ...] = ()
    query: tuple[QueryParam, ...] = ()
    request: type[KatanaRequest] | None = None
    # "object", "list" (a JSON array of ``request``) or "object_or_list".
    request_kind: str | None = None
    # Status -> model of the body; ``None`` for a status without a JSON body.
    responses: Mapping[int, type[KatanaModel] | None] = msgspec.field(
        default_factory=dict
    )
    # The model of one record when a success body is a list of records.
    record: type[KatanaModel] | None = None
    paginated: bool = False

    @property
    def query_names(self) -> frozenset[str]:
        """The names of the accepted query parameters."""
        return frozenset(param.name for param in self.query)

    def success_model(self) -> type[KatanaModel] | None:
        """The model of the first documented 2xx body, if it has one."""
        for status in sorted(self.responses):
            if 200 <= status < 300:
                return self.responses[status]
        return None
