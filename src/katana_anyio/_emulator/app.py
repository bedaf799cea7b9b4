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

from .config import EmulatorConfig
from .query import parse_list_query
from .ratelimit import RateDecision, RateLimiter
from .resources import RESOURCES, Problem
from .store import Store
from .writes import WriteError, create, delete, update

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

        segments = path[len(API_PREFIX) + 1 :].strip("/").split("/")
        resource = segments[0]
        if resource not in RESOURCES or len(segments) > 2:
            return error_response(404)

        if len(segments) == 1:
            return self._collection(request.method, resource, query, request.body)

        try:
            record_id = int(segments[1])
        except ValueError:
            return error_response(404)

        return self._member(request.method, resource, record_id, request.body)

    def _collection(
        self,
        method: str,
        resource: str,
        query: tuple[tuple[str, str], ...],
        body: bytes,
    ) -> Response:
        if method == "GET":
            parsed = parse_list_query(RESOURCES[resource], query)
            if isinstance(parsed, list):
                return validation_response(parsed, "query")

            page = self.store.list(resource, parsed)
            pagination = msgspec.json.encode(page.pagination).decode()
            return _json(200, {"data": page.records}, [("X-Pagination", pagination)])

        if method == "POST":
            return self._write(lambda: create(self.store, resource, body))

        return error_response(404)

    def _member(
        self, method: str, resource: str, record_id: int, body: bytes
    ) -> Response:
        if method == "GET":
            record = self.store.get(resource, record_id)
            return error_response(404) if record is None else _json(200, record)

        if method == "PATCH":
            return self._write(lambda: update(self.store, resource, record_id, body))

        if method == "DELETE":
            return self._write(lambda: delete(self.store, resource, record_id))

        return error_response(404)

    def _write(self, operation: Any) -> Response:
        try:
            result = operation()
        except WriteError as error:
            if error.problems:
                return validation_response(error.problems, "body")

            return error_response(error.status)

        if result is None:
            return Response(204, write_applied=True)

        response = _json(200, result)
        response.write_applied = True

        return response


def _bearer(value: str | None) -> str | None:
    if value is None:
        return None

    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None

    return credentials.strip()
