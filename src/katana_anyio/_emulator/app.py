"""From a complete request to a complete response, with no I/O: the API's behaviour.

Theory of operation. ``Application.handle`` runs the steps Katana's gateway runs, in
its order: authentication (401), the rate limit (429), routing (404), validation
(422), then the operation itself. Every response carries the ``X-Ratelimit-*``
headers of the caller's key; a response that took no slot (a 401 or a 429) reports
the bucket without changing it. The connection layer owns sockets, latency and
faults; this module only decides, synchronously, so a request's effects on the
store and the rate limiter happen at one instant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import msgspec

from katana_core.models import Operation

from . import writes_generic as generic
from .config import EmulatorConfig
from .query import ListQuery, parse_extend, parse_list_query
from .ratelimit import RateDecision, RateLimiter
from .resources import RESOURCES, Problem
from .routes import match
from .store import Store
from .writes import ITEM_RESOURCES, WriteError, create, delete, update
from .writes import now_stamp as _now

__all__ = ["API_PREFIX", "Application", "Request", "Response", "error_response"]

logger = logging.getLogger(__name__)

API_PREFIX = "/v1"


@dataclass(frozen=True)
class Request:
    """A request read in full: method upper case, header names lower case."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value

        return None

    def split_target(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        parts = urlsplit(self.target)
        query = parse_qsl(parts.query, keep_blank_values=True)
        return unquote(parts.path), tuple(query)


@dataclass
class Response:
    """A complete response; ``body`` is empty for 204."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    write_applied: bool = False


def _json(
    status: int, payload: Any, headers: list[tuple[str, str]] | None = None
) -> Response:
    return Response(
        status,
        [("Content-Type", "application/json; charset=utf-8"), *(headers or [])],
        msgspec.json.encode(payload),
    )


# The names and messages of Katana's documented error bodies (KATANA_API.md §6).
_ERRORS = {
    400: ("BadRequest", "Bad Request"),
    401: ("UnauthorizedError", "Unauthorized"),
    404: ("NotFoundError", "Not found"),
    429: ("TooManyRequests", "Too Many Requests"),
    500: ("InternalServerError", "Internal Server Error"),
    502: ("BadGatewayError", "Bad Gateway"),
    503: ("ServiceUnavailableError", "Service Unavailable"),
    504: ("GatewayTimeoutError", "Gateway Timeout"),
}


def error_response(status: int) -> Response:
    """A Katana error body: ``statusCode``, ``name`` and ``message``."""
    name, message = _ERRORS[status]
    return _json(status, {"statusCode": status, "name": name, "message": message})


def validation_response(problems: list[Problem], where: str) -> Response:
    """Katana's 422 body with validator ``details``."""
    return _json(
        422,
        {
            "statusCode": 422,
            "name": "UnprocessableEntityError",
            "message": (
                f"The request {where} is invalid. "
                "See error object `details` property for more info."
            ),
            "code": "VALIDATION_FAILED",
            "details": [problem.as_json() for problem in problems],
        },
    )


class Application:
    """The emulated API over one store and one rate limiter."""

    def __init__(
        self, config: EmulatorConfig, store: Store, limiter: RateLimiter | None
    ) -> None:
        self.config = config
        self.store = store
        self.limiter = limiter
        self._keys = frozenset(config.api_keys)

    def _rate_decision(
        self, request: Request, *, consume: bool
    ) -> tuple[bool, RateDecision | None]:
        presented = _bearer(request.header("authorization"))
        authorised = not self._keys or presented in self._keys
        if self.limiter is None:
            return authorised, None

        # Unauthenticated requests share one anonymous bucket and never take a slot.
        key = presented if authorised and presented is not None else ""

        return authorised, self.limiter.check(key, consume=consume and authorised)

    def rate_headers(self, request: Request) -> list[tuple[str, str]]:
        """The caller's ``X-Ratelimit-*`` headers, without taking a slot."""
        _, decision = self._rate_decision(request, consume=False)
        return [] if decision is None else decision.headers()[:3]

    def handle(self, request: Request) -> Response:
        """The response to ``request``, with the rate-limit headers attached."""
        authorised, decision = self._rate_decision(request, consume=True)
        if not authorised:
            response = error_response(401)
        elif decision is not None and not decision.admitted:
            response = error_response(429)
        else:
            response = self._route(request)

        if decision is not None:
            response.headers.extend(decision.headers())

        return response

    def _route(self, request: Request) -> Response:
        path, query = request.split_target()
        if not path.startswith(API_PREFIX + "/"):
            return error_response(404)

        found = match(request.method, path[len(API_PREFIX) :])
        if found is None:
            return error_response(404)

        route, params = found
        call = _Call(route.operation, route.operation.resource, params, query)
        handler = getattr(self, f"_{route.kind}")
        response: Response = handler(call, request.body)

        return response

    def _list(self, call: _Call, body: bytes) -> Response:
        operation = call.operation
        resource = call.resource
        last = operation.path.rsplit("/", 1)[-1]
        if last != resource:
            # Filed under another path: /serial_numbers/serial_numbers_stock.
            if last not in RESOURCES:
                return self._action(call, body)

            resource = last

        parsed = parse_list_query(RESOURCES[resource], call.query)
        if isinstance(parsed, list):
            return validation_response(parsed, "query")

        if not operation.paginated:
            matching = self.store.matching(resource, parsed)
            data = [self.store.render(resource, r, parsed.extend) for r in matching]
            return _json(200, {"data": data})

        page = self.store.list_encoded(resource, parsed)
        pagination = msgspec.json.encode(page.pagination).decode()
        headers = [("X-Pagination", pagination)]
        # The table marks the lists Katana answers with a bare array.
        bare = operation.success_model() is None

        return _json(200, page.records if bare else {"data": page.records}, headers)

    def _get(self, call: _Call, body: bytes) -> Response:
        key = self.store.key_of(call.resource, call.params["id"])
        extend = parse_extend(call.query)
        record = None if key is None else self.store.get(call.resource, key, extend)

        return error_response(404) if record is None else _json(200, record)

    def _single(self, call: _Call, body: bytes) -> Response:
        given = dict(call.query)
        missing = [
            p.name for p in call.operation.query if p.required and p.name not in given
        ]
        if missing:
            problems = [
                Problem("", "required", f"should have required property '{name}'",
                        {"missingProperty": name})
                for name in missing
            ]  # fmt: skip
            return validation_response(problems, "query")

        record = self.store.listing(call.resource)[0]
        for param in call.operation.query:
            if param.name in record and param.type == "int":
                record[param.name] = int(given[param.name])

        return _json(200, record)

    def _create(self, call: _Call, body: bytes) -> Response:
        resource = call.resource
        if resource in ITEM_RESOURCES:
            return self._write(lambda: create(self.store, resource, body))

        return self._write(
            lambda: generic.create(self.store, resource, call.operation, body, _now())
        )

    def _update(self, call: _Call, body: bytes) -> Response:
        resource, raw = call.resource, call.params["id"]
        if resource in ITEM_RESOURCES:
            key = self.store.key_of(resource, raw)
            if not isinstance(key, int):
                return error_response(404)

            return self._write(lambda: update(self.store, resource, key, body))

        return self._write(
            lambda: generic.update(
                self.store, resource, call.operation, raw, body, _now()
            )
        )

    def _delete(self, call: _Call, body: bytes) -> Response:
        resource, raw = call.resource, call.params["id"]
        if resource in ITEM_RESOURCES:
            key = self.store.key_of(resource, raw)
            if not isinstance(key, int):
                return error_response(404)

            return self._write(lambda: delete(self.store, resource, key))

        return self._write(lambda: generic.delete(self.store, resource, raw, _now()))

    def _bulk_delete(self, call: _Call, body: bytes) -> Response:
        return self._write(lambda: generic.validate(call.operation, body) and None)

    def _search(self, call: _Call, body: bytes) -> Response:
        try:
            data = generic.validate(call.operation, body) or {}
        except WriteError as error:
            return self._refusal(error)

        where = data.get("filter") or {}
        page, limit = (
            int(where.get("page") or 1),
            min(int(where.get("limit") or 50), 200),
        )
        query = ListQuery(page=page, limit=limit, include_deleted=False,
                          include_archived=False, predicates=())  # fmt: skip
        found = self.store.list(call.resource, query)

        return _json(200, {"data": found.records})

    def _action(self, call: _Call, body: bytes) -> Response:
        path = call.operation.path
        if path == "/bom_rows/batch/create":
            return self._write(lambda: generic.validate(call.operation, body) and None)

        if path == "/sales_returns/return_reasons":
            return _json(
                200, [{"id": n + 1, "name": r} for n, r in enumerate(_REASONS)]
            )

        key = self.store.key_of(call.resource, call.params.get("id", ""))
        order = None if key is None else self.store.get(call.resource, key)
        if order is None:
            return error_response(404)

        if path.endswith("/returnable_items"):
            return _json(200, _returnable(order))

        return _json(200, {"data": []})

    def _refusal(self, error: WriteError) -> Response:
        if error.problems:
            return validation_response(error.problems, "body")

        if error.status == 412:
            failure = {
                "statusCode": 412,
                "name": "PreconditionFailedError",
                "message": error.reason,
            }
            return _json(412, {"error": failure})

        return error_response(error.status)

    def _write(self, operation: Any) -> Response:
        try:
            result = operation()
        except WriteError as error:
            return self._refusal(error)

        if result is None:
            return Response(204, write_applied=True)

        response = _json(200, result)
        response.write_applied = True

        return response


@dataclass(frozen=True)
class _Call:
    """A routed request: its operation, resource, path parameters and query."""

    operation: Operation
    resource: str
    params: dict[str, str]
    query: tuple[tuple[str, str], ...]


_REASONS = ("Damaged", "Wrong item", "No longer needed", "Other")


def _returnable(order: dict[str, Any]) -> list[dict[str, Any]]:
    """What a delivered order could take back: its rows, amounts as strings."""
    if order.get("status") != "DELIVERED":
        return []

    return [
        {
            "variant_id": row["variant_id"],
            "fulfillment_row_id": None,
            "available_for_return_quantity": f"{row['quantity']}",
            "net_price_per_unit": f"{row['price_per_unit']}",
            "location_id": row["location_id"],
            "quantity_sold": f"{row['quantity']}",
        }
        for row in order.get("sales_order_rows", [])
    ]


def _bearer(value: str | None) -> str | None:
    if value is None:
        return None

    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None

    return credentials.strip()
