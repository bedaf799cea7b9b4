"""The operation table: one row per curated operation, checked against the gateway.

Names and response models come from the curated spec; which query parameters
exist, their types and whether they repeat come from the gateway. The gateway
describes paging and date filters as JSON-object parameters (``pagination``,
``dateFilter``); on the wire they are flat, so they expand to ``page``/``limit``
and the four ``created_at``/``updated_at`` bounds (../shared/KATANA_API.md, 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gen_requests import RequestBody
from gen_responses import ResponseModels
from gen_spec import Schema, operations, ref_name, resolve, snake

_PAGING = (("page", "int"), ("limit", "int"))
_DATES = tuple(
    (f"{column}_{bound}", "datetime")
    for column in ("created_at", "updated_at")
    for bound in ("min", "max")
)


@dataclass
class Param:
    name: str
    type: str
    repeat: bool = False
    required: bool = False
    enum: tuple[str, ...] = ()


@dataclass
class Row:
    operation_id: str
    method: str
    path: str
    resource: str
    path_params: tuple[str, ...]
    query: list[Param]
    request: RequestBody | None
    responses: dict[int, str | None] = field(default_factory=dict)
    record: str | None = None
    paginated: bool = False


def _param_type(schema: Schema) -> tuple[str, bool, tuple[str, ...]]:
    repeat = schema.get("type") == "array"
    item = schema.get("items", {}) if repeat else schema
    enum = tuple(v for v in item.get("enum", []) if isinstance(v, str))
    kind = item.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    py = {"integer": "int", "number": "float", "boolean": "bool"}.get(kind, "str")
    if kind == "string" and item.get("format") == "date-time":
        py = "datetime"
    return py, repeat, enum


def _query(gateway_op: dict[str, Any]) -> list[Param]:
    params: list[Param] = []
    for raw in gateway_op.get("parameters", []):
        if raw.get("in") != "query":
            continue
        if raw["name"] == "pagination":
            params += [Param(name, kind) for name, kind in _PAGING]
        elif raw["name"] == "dateFilter":
            params += [Param(name, kind) for name, kind in _DATES]
        else:
            kind, repeat, enum = _param_type(raw.get("schema", {}))
            params.append(
                Param(raw["name"], kind, repeat, bool(raw.get("required")), enum)
            )
    unique = {p.name: p for p in params}
    return list(unique.values())


def _response_model(
    curated: dict[str, Any], responses: ResponseModels, response: dict[str, Any]
) -> tuple[str | None, str | None]:
    """(model of the body, model of one record when the body is a list)."""
    response = resolve(curated, response)
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None, None

    name = ref_name(schema)
    if name is None and schema.get("type") == "array":
        item = ref_name(schema.get("items", {}))
        return None, item
    if name is None or name not in responses.structs:
        return None, None

    data = responses.collect(responses.schemas[name]).get("data", {})
    record = ref_name(data.get("items", {})) if data.get("type") == "array" else None

    return name, record


def build_rows(
    curated: dict[str, Any],
    gateway: dict[str, Any],
    responses: ResponseModels,
    bodies: dict[tuple[str, str], RequestBody],
) -> list[Row]:
    gateway_ops = {(m, p): op for m, p, op in operations(gateway)}
    rows: list[Row] = []
    for method, path, op in operations(curated):
        gateway_op = gateway_ops.get((method, path), {})
        row = Row(
            operation_id=snake(op["operationId"]),
            method=method.upper(),
            path=path,
            resource=path.strip("/").split("/")[0],
            path_params=tuple(re.findall(r"\{(\w+)\}", path)),
            query=_query(gateway_op),
            request=bodies.get((method, path)),
            paginated=any(
                p.get("name") == "pagination" for p in gateway_op.get("parameters", [])
            ),
        )
        for status, response in op.get("responses", {}).items():
            if not str(status).isdigit():
                continue
            model, record = _response_model(curated, responses, response)
            row.responses[int(status)] = model
            if str(status).startswith("2") and record is not None:
                row.record = record
        rows.append(row)
    return rows
