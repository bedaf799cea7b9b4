"""The emulator's routes, compiled from the generated operation table.

Theory of operation. Every row of ``katana_core.models.OPERATIONS`` becomes a
route: its path template turned into a pattern, and a ``kind`` that says which
generic handler answers it (``list``, ``get``, ``create``, ``update``, ``delete``,
``single`` for a one-object GET such as ``/factory``, ``bulk_delete`` for a
DELETE with a body, ``search`` for the beta search endpoints, ``action`` for the
rest). Literal segments win over parameters, so ``/sales_orders/search`` is not
read as a sales order id. Nothing here is written per resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from katana_core.models import OPERATIONS, Operation

__all__ = ["ROUTES", "Route", "match"]


@dataclass(frozen=True)
class Route:
    """One operation with its compiled path and handler kind."""

    operation: Operation
    pattern: re.Pattern[str]
    kind: str
    literals: int


def _kind(operation: Operation) -> str:
    segments = operation.path.strip("/").split("/")
    method = operation.method
    if segments[-1] == "search" and method == "POST":
        return "search"

    if len(segments) == 1:
        if method == "GET":
            listing = operation.paginated or operation.record is not None
            return "list" if listing else "single"

        return {"POST": "create", "DELETE": "bulk_delete"}.get(method, "action")

    has_id = segments[1].startswith("{")
    if has_id and len(segments) == 2:
        return {"GET": "get", "PATCH": "update", "DELETE": "delete"}[method]

    if has_id and method == "PATCH":
        # PATCH /stock_transfers/{id}/status updates the transfer itself.
        return "update"

    if method == "GET" and operation.record is not None and not has_id:
        return "list"

    return "action"


def _route(operation: Operation) -> Route:
    parts = []
    literals = 0
    for segment in operation.path.strip("/").split("/"):
        if segment.startswith("{"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literals += 1

    pattern = re.compile("/" + "/".join(parts) + "/?")
    return Route(operation, pattern, _kind(operation), literals)


ROUTES: tuple[Route, ...] = tuple(
    sorted((_route(op) for op in OPERATIONS), key=lambda r: -r.literals)
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``method`` on ``path`` (relative to ``/v1``), if any."""
    for route in ROUTES:
        if route.operation.method != method:
            continue

        found = route.pattern.fullmatch(path)
        if found is not None:
            return route, found.groupdict()

    return None
