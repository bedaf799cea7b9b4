"""Which method of ``client.api.<resource>`` runs which operation, and argument checks.

Theory of operation
-------------------
The generated operation table (:data:`katana_core.models.OPERATIONS`) names every
operation and its resource, the first path segment. Each resource gets the usual
five methods when it has the matching operation, recognised by shape:

- ``list`` (and ``iter``): ``GET /<resource>`` answering a list of records;
- ``get``: ``GET /<resource>/{id}``;
- ``create``: ``POST /<resource>`` whose operation id starts with ``create``;
- ``update``: ``PATCH /<resource>/{id}``;
- ``delete``: ``DELETE /<resource>/{id}``.

Every other operation (status changes, searches, batch creation, ``make_to_order``,
...) keeps its operation id as its method name, so nothing is renamed by a guess.
A ``POST /<resource>`` that does not create (``POST /purchase_order_receive``) stays
under its own name too.

Katana ignores query parameters it does not know and answers as if they were not
there: a misspelt filter returns the whole collection. So filters are checked
against the operation's parameters here, before anything is sent, and a request
body given as a dict is converted to the operation's request model, whose unknown
fields are an error. Both raise :class:`InvalidRequest` naming the closest names.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

import msgspec

from katana_core import InvalidRequest
from katana_core.models import OPERATIONS, KatanaRequest, Operation, QueryParam

__all__ = [
    "RESOURCE_OPERATIONS",
    "STANDARD_METHODS",
    "check_filters",
    "closest",
    "method_name",
    "request_body",
    "resource_path",
]

STANDARD_METHODS: Final = ("list", "get", "create", "update", "delete")


def method_name(operation: Operation) -> str:
    """The method of ``client.api.<resource>`` that runs ``operation``."""
    collection = f"/{operation.resource}"
    member = f"{collection}/{{id}}"
    method, path = operation.method, operation.path
    if method == "GET" and path == collection and operation.record is not None:
        return "list"
    if method == "GET" and path == member:
        return "get"
    if (
        method == "POST"
        and path == collection
        and operation.operation_id.startswith("create")
    ):
        return "create"
    if method == "PATCH" and path == member:
        return "update"
    if method == "DELETE" and path == member:
        return "delete"

    return operation.operation_id


def _build(
    operations: Iterable[Operation],
) -> Mapping[str, Mapping[str, Operation]]:
    table: dict[str, dict[str, Operation]] = {}
    for operation in operations:
        methods = table.setdefault(operation.resource, {})
        name = method_name(operation)
        if name in methods:
            # Two operations under one name would make one of them unreachable.
            raise RuntimeError(
                f"{operation.resource}.{name} would run both "
                f"{methods[name].operation_id} and {operation.operation_id}"
            )
        methods[name] = operation

    return MappingProxyType(
        {resource: MappingProxyType(methods) for resource, methods in table.items()}
    )


#: resource -> method name -> operation, for every operation of the table.
RESOURCE_OPERATIONS: Final = _build(OPERATIONS)


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The names in ``choices`` nearest to ``name``, best first."""
    return difflib.get_close_matches(name, sorted(choices), n=n, cutoff=0.6)


def _suggest(name: str, choices: Iterable[str]) -> str:
    near = closest(name, choices)
    if near:
        return "did you mean " + " or ".join(repr(n) for n in near) + "?"

    return "valid names: " + ", ".join(sorted(choices))


def resource_path(operation: Operation, ids: Sequence[object]) -> str:
    """The operation's path with its path parameters filled in from ``ids``."""
    if len(ids) != len(operation.path_params):
        raise InvalidRequest(
            f"{operation.operation_id} takes {len(operation.path_params)} path "
            f"argument(s) ({', '.join(operation.path_params) or 'none'}), "
            f"got {len(ids)}"
        )

    path = operation.path
    for name, value in zip(operation.path_params, ids, strict=True):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidRequest(
                f"{operation.operation_id}: {name} must be an int, "
                f"got {type(value).__name__}"
            )
        path = path.replace(f"{{{name}}}", str(value))

    return path


# -- filters ---------------------------------------------------------------------

_SCALARS: Final[Mapping[str, tuple[type, ...]]] = {
    "int": (int,),
    "float": (int, float, decimal.Decimal),
    "bool": (bool,),
    # Several "str" parameters hold ids or flags in practice (``bin_location_id``,
    # ``batch_tracked``), so numbers and booleans are sent as their text.
    "str": (str, int, float, bool),
    "datetime": (dt.datetime, dt.date, str),
}


def _check_value(operation: Operation, param: QueryParam, value: object) -> None:
    allowed = _SCALARS.get(param.type, (str, int, float, bool))
    wrong_bool = isinstance(value, bool) and bool not in allowed
    if wrong_bool or not isinstance(value, allowed):
        raise InvalidRequest(
            f"{operation.operation_id}: filter {param.name!r} takes {param.type}, "
            f"got {type(value).__name__}"
        )

    if param.enum and value not in param.enum:
        raise InvalidRequest(
            f"{operation.operation_id}: filter {param.name!r} is one of "
            f"{', '.join(param.enum)}; got {value!r}"
        )


def check_filters(operation: Operation, filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters with ``None`` values dropped, once every name and value is valid.

    Raises :class:`InvalidRequest` for a name the operation does not take (with the
    closest valid names), a value of the wrong type, a list for a parameter that
    does not repeat, a value outside a listed enum, or a missing required one.
    """
    params = {param.name: param for param in operation.query}
    query: dict[str, Any] = {}
    for name, value in filters.items():
        param = params.get(name)
        if param is None:
            where = f"{operation.resource} ({operation.operation_id})"
            if not params:
                raise InvalidRequest(f"{where} takes no filters; got {name!r}")
            raise InvalidRequest(
                f"unknown filter {name!r} for {where}: {_suggest(name, params)}"
            )
        if value is None:
            continue

        values = value if isinstance(value, list | tuple | set | frozenset) else None
        if values is not None and not param.repeat:
            raise InvalidRequest(
                f"{operation.operation_id}: filter {name!r} takes one value, not a list"
            )
        for item in values if values is not None else (value,):
            _check_value(operation, param, item)
        query[name] = sorted(values) if isinstance(values, set | frozenset) else value

    missing = [p.name for p in operation.query if p.required and p.name not in query]
    if missing:
        raise InvalidRequest(
            f"{operation.operation_id} requires the filter(s) {', '.join(missing)}"
        )

    return query


# -- request bodies ----------------------------------------------------------------


def _one_body(operation: Operation, model: type[KatanaRequest], body: object) -> Any:
    if isinstance(body, model):
        return body
    if isinstance(body, KatanaRequest):
        raise InvalidRequest(
            f"{operation.operation_id} takes {model.__name__}, "
            f"got {type(body).__name__}"
        )
    if not isinstance(body, Mapping):
        raise InvalidRequest(
            f"{operation.operation_id} takes {model.__name__} or a dict, "
            f"got {type(body).__name__}"
        )

    fields = model.__struct_encode_fields__
    for key in body:
        if key not in fields:
            raise InvalidRequest(
                f"unknown field {key!r} for {model.__name__}: {_suggest(key, fields)}"
            )
    try:
        return msgspec.convert(dict(body), model)
    except msgspec.ValidationError as exc:
        raise InvalidRequest(f"invalid {model.__name__}: {exc}") from None


def request_body(operation: Operation, body: object) -> Any:
    """``body`` as the operation's request model (or a list of them).

    A dict is converted, so an unknown or mistyped field fails here, not at
    Katana. Raises :class:`InvalidRequest`.
    """
    model = operation.request
    if model is None:
        if body is not None:
            raise InvalidRequest(f"{operation.operation_id} takes no request body")
        return None
    if body is None:
        raise InvalidRequest(f"{operation.operation_id} needs a {model.__name__} body")

    is_list = isinstance(body, list | tuple)
    if operation.request_kind == "list" and not is_list:
        raise InvalidRequest(
            f"{operation.operation_id} takes a list of {model.__name__}"
        )
    if operation.request_kind == "object" and is_list:
        raise InvalidRequest(f"{operation.operation_id} takes one {model.__name__}")

    if is_list:
        assert isinstance(body, list | tuple)
        return [_one_body(operation, model, item) for item in body]

    return _one_body(operation, model, body)
