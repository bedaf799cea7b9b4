"""Parsing list queries against the resource table: paging, filters, 422 findings.

Query parsing follows Katana's gateway: ``page`` and ``limit`` must be integers of
at least 1, and ``limit`` is clamped to 250; a known filter with a value of the
wrong type is a 422 with validator-style ``details``; a filter the resource does
not know is ignored, as Katana ignores it. ``ids`` is accepted repeated
(``ids=1&ids=2``, the OpenAPI default) and comma-separated. The resource's own
filters come from the operation table (``resources.Filter``): equality, one of
several values for a repeated parameter (``sales_order_ids`` tests
``sales_order_id``), membership in a list field, or a date bound; a value outside
a parameter's documented enum is a 422, as the gateway's validator answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .resources import DEFAULT_LIMIT, MAX_LIMIT, Filter, Problem, ResourceSpec

__all__ = ["ListQuery", "parse_extend", "parse_list_query", "parse_time"]


Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class ListQuery:
    """A validated list request: the page window and the record predicates."""

    page: int
    limit: int
    include_deleted: bool
    include_archived: bool
    predicates: Sequence[Predicate]
    extend: tuple[str, ...] = ()

    def matches(self, record: Mapping[str, Any]) -> bool:
        if record.get("deleted_at") is not None and not self.include_deleted:
            return False

        if record.get("archived_at") is not None and not self.include_archived:
            return False

        return all(predicate(record) for predicate in self.predicates)


_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_TYPE_NAMES = {"int": "integer", "bool": "boolean", "number": "number"}


def _convert(kind: str, raw: str) -> Any:
    """The typed filter value, or ``ValueError`` when ``raw`` does not fit."""
    if kind == "int":
        return int(raw)

    if kind == "number":
        return float(raw)

    if kind == "bool":
        if raw.lower() not in _BOOLS:
            raise ValueError(raw)

        return _BOOLS[raw.lower()]

    if kind == "time":
        return parse_time(raw)

    return raw


def parse_time(raw: str) -> datetime:
    """An ISO 8601 value as an aware datetime; a value without zone is UTC."""
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive_int(name: str, raw: str | None, default: int) -> int | Problem:
    if raw is None:
        return default

    try:
        value = int(raw)
    except ValueError:
        return Problem(f".{name}", "type", "should be integer", {"type": "integer"})

    if value < 1:
        info = {"comparison": ">=", "limit": 1}
        return Problem(f".{name}", "minimum", "should be >= 1", info)

    return value


def _time_predicate(field_name: str, bound: datetime, is_min: bool) -> Predicate:
    def predicate(record: Mapping[str, Any]) -> bool:
        stamp = record.get(field_name)
        if not isinstance(stamp, str):
            return False

        moment = parse_time(stamp)
        return moment >= bound if is_min else moment <= bound

    return predicate


def _field_predicate(spec: Filter, values: list[Any]) -> Predicate:
    name = spec.field
    if spec.mode == "contains":
        wanted = set(values)
        return lambda record: bool(wanted.intersection(record.get(name) or ()))

    if spec.mode in ("min", "max"):
        return _time_predicate(name, values[0], spec.mode == "min")

    if spec.mode == "in":
        wanted = set(values)
        return lambda record: record.get(name) in wanted

    value = values[-1]
    return lambda record: record.get(name) == value


def _type_problem(name: str, kind: str) -> Problem:
    type_name = _TYPE_NAMES.get(kind, "string")
    message = f"should be {type_name}" if kind != "time" else "should be date"
    return Problem(f".{name}", "type", message, {"type": type_name})


def _filters(
    spec: ResourceSpec, query: Sequence[tuple[str, str]], problems: list[Problem]
) -> list[Predicate]:
    """The predicates of the resource's own filters; unknown names are ignored."""
    values: dict[str, list[Any]] = {}
    for name, raw in query:
        found = spec.filters.get(name)
        if found is None:
            continue

        try:
            value = _convert(found.kind, raw)
        except ValueError:
            problems.append(_type_problem(name, found.kind))
            continue

        if found.enum and value not in found.enum:
            info = {"allowedValues": list(found.enum)}
            message = "should be equal to one of the allowed values"
            problems.append(Problem(f".{name}", "enum", message, info))
            continue

        values.setdefault(name, []).append(value)

    return [_field_predicate(spec.filters[name], v) for name, v in values.items()]


def _common(
    query: Sequence[tuple[str, str]], problems: list[Problem]
) -> list[Predicate]:
    """``ids`` (repeated or comma-separated) and the created/updated date bounds."""
    predicates: list[Predicate] = []
    ids: set[int] = set()
    for name, raw in query:
        try:
            if name in ("ids", "ids[]"):
                ids.update(int(part) for part in raw.split(",") if part)
            elif name.startswith(("created_at_", "updated_at_")) and name.endswith(
                ("_min", "_max")
            ):
                bound = _convert("time", raw)
                field_name = name[: -len("_min")]
                predicates.append(
                    _time_predicate(field_name, bound, name.endswith("_min"))
                )
        except ValueError:
            kind = "int" if name.startswith("ids") else "time"
            problems.append(_type_problem(name, kind))

    if ids:
        predicates.append(lambda record: record.get("id") in ids)

    return predicates


def parse_list_query(
    spec: ResourceSpec, query: Sequence[tuple[str, str]]
) -> ListQuery | list[Problem]:
    """Validate ``query`` for a list of ``spec``; findings instead on bad input."""
    single = dict(query)
    problems: list[Problem] = []
    page = _positive_int("page", single.get("page"), 1)
    limit = _positive_int("limit", single.get("limit"), DEFAULT_LIMIT)
    flags: dict[str, bool] = {}
    for flag in ("include_deleted", "include_archived"):
        try:
            flags[flag] = _convert("bool", single.get(flag, "false"))
        except ValueError:
            problems.append(Problem(f".{flag}", "type", "should be boolean"))

    predicates = _common(query, problems) + _filters(spec, query, problems)
    problems.extend(value for value in (page, limit) if isinstance(value, Problem))
    if problems:
        return problems

    assert isinstance(page, int)
    assert isinstance(limit, int)

    return ListQuery(
        page=page,
        limit=min(limit, MAX_LIMIT),
        include_deleted=flags["include_deleted"],
        include_archived=flags["include_archived"],
        predicates=predicates,
        extend=parse_extend(query),
    )


def parse_extend(query: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The ``extend`` values, repeated or comma-separated, in order."""
    return tuple(
        part
        for name, raw in query
        if name in ("extend", "extend[]")
        for part in raw.split(",")
        if part
    )
