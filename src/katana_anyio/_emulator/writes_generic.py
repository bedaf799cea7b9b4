"""Writes of every resource beyond the items, driven by the operation table.

Theory of operation. An operation's request model says what a body may hold:
``validate`` reports unknown keys (``additionalProperties``: Katana's request
schemas forbid them), missing required keys, then the first type error msgspec
finds, all as Katana's validator findings. A create builds a record with every
field of the resource's model (``None``, ``[]`` or ``{}`` where the body says
nothing), takes the body's values for the fields the model has, and creates
embedded children (a sales order's ``sales_order_rows``) in their own resources.
A delete is refused with 412 while linked records exist (``BLOCKERS``), and is
soft where the model has ``deleted_at``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from katana_core.models import Operation

from .resources import RESOURCES, Problem
from .schema import fields_of, required_of
from .seed import Record
from .store import Key, Store

__all__ = ["BLOCKERS", "WriteError", "blank", "create", "delete", "update", "validate"]


class WriteError(Exception):
    """A refused write: a status, validator findings for a 422, a reason for a 412."""

    def __init__(
        self, status: int, problems: list[Problem] | None = None, reason: str = ""
    ) -> None:
        super().__init__(status)
        self.status = status
        self.problems = problems or []
        self.reason = reason


Check = Callable[[Record], bool]

#: Linked records that block a delete with 412 (KATANA_API.md section 6): the
#: resource, the field linking it to the order, and which of them count.
BLOCKERS: Mapping[str, tuple[tuple[str, str, Check], ...]] = {
    "sales_orders": (
        ("sales_order_fulfillments", "sales_order_id", lambda r: True),
        ("manufacturing_orders", "sales_order_id", lambda r: True),
    ),
    "purchase_orders": (
        (
            "purchase_order_rows",
            "purchase_order_id",
            lambda r: bool(r["received_date"]),
        ),
    ),
    "manufacturing_orders": (
        ("manufacturing_order_productions", "manufacturing_order_id", lambda r: True),
    ),
}

_AT = re.compile(r" - at `\$(.*)`$")


def _problem(error: msgspec.ValidationError) -> Problem:
    message = str(error)
    found = _AT.search(message)
    path = found.group(1) if found else ""
    text = _AT.sub("", message)
    if text.startswith("Object contains unknown field"):
        key = text.rpartition(" ")[2].strip("`")
        info = {"additionalProperty": key}
        return Problem(
            path, "additionalProperties", "should NOT have additional properties", info
        )

    if text.startswith("Object missing required field"):
        key = text.rpartition(" ")[2].strip("`")
        info = {"missingProperty": key}
        return Problem(path, "required", f"should have required property '{key}'", info)

    return Problem(path, "type", text.lower(), {})


def _object_problems(
    model: type[msgspec.Struct], data: Any, path: str
) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(path, "type", "should be object", {"type": "object"})]

    allowed = fields_of(model)
    problems = [
        Problem(path, "additionalProperties", "should NOT have additional properties",
                {"additionalProperty": key})
        for key in data
        if key not in allowed
    ]  # fmt: skip
    problems += [
        Problem(path, "required", f"should have required property '{key}'",
                {"missingProperty": key})
        for key in sorted(required_of(model))
        if key not in data
    ]  # fmt: skip

    return problems


def validate(operation: Operation, body: bytes) -> Any:
    """The decoded body if it fits the operation's request model, else 422."""
    try:
        data = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        raise WriteError(400) from None

    model = operation.request
    if model is None:
        return data

    if operation.request_kind == "list" or (
        operation.request_kind == "object_or_list" and isinstance(data, list)
    ):
        if not isinstance(data, list):
            raise WriteError(
                422, [Problem("", "type", "should be array", {"type": "array"})]
            )

        problems = [
            p
            for i, item in enumerate(data)
            for p in _object_problems(model, item, f"[{i}]")
        ]
        target: Any = list[model]  # type: ignore[valid-type]
    else:
        problems = _object_problems(model, data, "")
        target = model

    if not problems:
        try:
            msgspec.json.decode(body, type=target)
        except msgspec.ValidationError as error:
            problems = [_problem(error)]

    if problems:
        raise WriteError(422, problems)

    return data


def blank(model: type[msgspec.Struct], record_id: Key | None, now: str) -> Record:
    """A record with every field of ``model`` and nothing known yet."""
    record: Record = {}
    for name, field in fields_of(model).items():
        if name == "id":
            record[name] = record_id
        elif name in ("created_at", "updated_at"):
            record[name] = now
        else:
            record[name] = {"list": [], "dict": {}}.get(field.kind)

    return record


def _model(resource: str, operation: Operation) -> type[msgspec.Struct] | None:
    return RESOURCES[resource].model or operation.success_model() or operation.record


def _insert(
    store: Store,
    resource: str,
    model: type[msgspec.Struct],
    values: Mapping[str, Any],
    now: str,
) -> Record:
    embeds = {embed.key: embed for embed in RESOURCES[resource].embeds}
    fields = fields_of(model)
    record_id = store.next_id(resource) if "id" in fields else None
    record = blank(model, record_id, now)
    record.update({k: v for k, v in values.items() if k in fields and k not in embeds})
    store.insert(resource, record)
    for key, embed in embeds.items():
        children = values.get(key)
        child_model = RESOURCES[embed.child].model
        if not isinstance(children, list) or child_model is None:
            continue

        for child in children:
            _insert(
                store, embed.child, child_model, {**child, embed.link: record_id}, now
            )

    return record


def create(
    store: Store, resource: str, operation: Operation, body: bytes, now: str
) -> Any:
    """Apply a POST; returns the rendered record, a bare list of them, or ``None``."""
    data = validate(operation, body)
    model = _model(resource, operation)
    if model is None or (
        operation.success_model() is None and operation.record is None
    ):
        return None

    if operation.success_model() is None:
        # Bare-array answers: one record per row of the body.
        rows = (
            data
            if isinstance(data, list)
            else next((v for v in data.values() if isinstance(v, list)), [data])
        )
        scalars = (
            {}
            if isinstance(data, list)
            else {k: v for k, v in data.items() if not isinstance(v, list)}
        )
        records = [
            _insert(store, resource, model, {**scalars, **row}, now) for row in rows
        ]
        return [store.render(resource, record) for record in records]

    return store.render(resource, _insert(store, resource, model, data, now))


def live(store: Store, resource: str, raw_key: str) -> Record:
    """The stored record a path names, or 404."""
    key = store.key_of(resource, raw_key)
    record = None if key is None else store.table(resource)[key]
    if record is None or record.get("deleted_at") is not None:
        raise WriteError(404)

    return record


def update(
    store: Store,
    resource: str,
    operation: Operation,
    raw_key: str,
    body: bytes,
    now: str,
) -> Record:
    """Apply a PATCH to a live record; returns the rendered record."""
    record = live(store, resource, raw_key)
    data = validate(operation, body)
    model = _model(resource, operation)
    fields = fields_of(model) if model is not None else {}
    record.update({k: v for k, v in (data or {}).items() if k in fields})
    if "updated_at" in record:
        record["updated_at"] = now

    return store.render(resource, record)


def delete(store: Store, resource: str, raw_key: str, now: str) -> None:
    """Soft-delete a live record and its children, unless linked records block it."""
    record = live(store, resource, raw_key)
    for blocker, link, counts in BLOCKERS.get(resource, ()):
        if any(counts(r) for r in store.children(blocker, link, record["id"])):
            reason = f"Cannot delete: it has linked {blocker.replace('_', ' ')}"
            raise WriteError(412, reason=reason)

    _soft_delete(store, resource, record, now)
    for embed in RESOURCES[resource].embeds:
        for child in store.children(embed.child, embed.link, record.get("id", "")):
            _soft_delete(store, embed.child, child, now)


def _soft_delete(store: Store, resource: str, record: Record, now: str) -> None:
    if "deleted_at" in record:
        record["deleted_at"] = now
        return

    table = store.table(resource)
    for key, stored in list(table.items()):
        if stored is record:
            del table[key]
