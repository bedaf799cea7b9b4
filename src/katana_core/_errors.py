"""One exception family for everything the client can report.

Two branches, as in h11: :class:`APIError` is what the *server* said (a status
and Katana's error body), :class:`LocalError` is what went wrong on *our* side
(configuration, transport, deadline). Messages never contain credentials: they are
built from the status, Katana's ``name``/``message`` and a short body snippet.

Katana's error body is ``{"statusCode", "name", "message", "code", "details"}``,
sometimes wrapped in ``{"error": {...}}`` (its 412s are). Anything else, such as an
HTML page from a proxy, is kept as a short snippet of text.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "READ_METHODS",
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "DeadlineExceeded",
    "ErrorBody",
    "InvalidRequest",
    "KatanaError",
    "LocalError",
    "NotFoundError",
    "PermissionDenied",
    "PreconditionFailed",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "UnexpectedResponse",
    "ValidationError",
    "error_for_status",
    "parse_error_body",
    "snippet",
]

_SNIPPET_CHARS = 200

#: Methods that change nothing on the server, whatever their attempts did.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ErrorBody(msgspec.Struct, frozen=True):
    """Katana's error body, decoded defensively; ``raw`` holds a snippet otherwise."""

    name: str | None = None
    message: str | None = None
    code: str | None = None
    details: tuple[dict[str, Any], ...] = ()
    raw: str | None = None


def snippet(body: bytes) -> str | None:
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    if len(text) > _SNIPPET_CHARS:
        return text[:_SNIPPET_CHARS] + "..."
    return text


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def parse_error_body(body: bytes) -> ErrorBody:
    """Decode an error body, flat or wrapped in ``"error"``; never raises."""
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return ErrorBody(raw=snippet(body))

    if isinstance(raw, dict) and isinstance(raw.get("error"), dict):
        raw = raw["error"]

    if not isinstance(raw, dict) or not ({"name", "message"} & raw.keys()):
        return ErrorBody(raw=snippet(body))

    details = raw.get("details")
    kept = (
        tuple(d for d in details if isinstance(d, dict))
        if isinstance(details, list)
        else ()
    )

    return ErrorBody(
        name=_text(raw.get("name")),
        message=_text(raw.get("message")),
        code=_text(raw.get("code")),
        details=kept,
    )


class KatanaError(Exception):
    """Base of every error this library raises."""


class LocalError(KatanaError):
    """Something went wrong on this side of the wire."""


class ConfigurationError(LocalError, ValueError):
    """The client was set up with missing or contradictory settings."""


class InvalidRequest(LocalError, ValueError):
    """A call's arguments cannot make a valid Katana request; nothing was sent."""


class TransportError(LocalError):
    """The request could not be completed over the network.

    ``may_have_applied`` is true when the request may have reached the server before
    the failure, so a write (POST/PATCH) may have taken effect: check before
    repeating it.
    """

    def __init__(self, message: str, *, method: str, may_have_applied: bool) -> None:
        super().__init__(message)
        self.method = method
        self.may_have_applied = may_have_applied


class UnexpectedResponse(KatanaError):
    """A success response whose body is not what the call needs (say, a page that
    is not a list). Nothing is guessed from it; the snippet shows what came."""

    def __init__(self, message: str, *, status_code: int, snippet: str | None):
        super().__init__(f"{message}: {snippet}" if snippet else message)
        self.status_code = status_code
        self.snippet = snippet


class DeadlineExceeded(LocalError, TimeoutError):
    """The call's overall deadline passed while waiting, sending or retrying."""


class APIError(KatanaError):
    """The server answered with an error status."""

    def __init__(self, status_code: int, body: ErrorBody, *, method: str, path: str):
        self.status_code = status_code
        self.body = body
        self.method = method
        self.path = path
        super().__init__(self._describe())

    @property
    def name(self) -> str | None:
        return self.body.name

    def _describe(self) -> str:
        head = f"{self.status_code} from {self.method} {self.path}"
        if self.body.name or self.body.message:
            parts = [p for p in (self.body.name, self.body.message) if p]
            return f"{head}: {': '.join(parts)}"
        if self.body.raw:
            return f"{head}: {self.body.raw}"
        return f"{head}: <empty response body>"


class AuthenticationError(APIError):
    """401: the key is missing, wrong or revoked."""


class PermissionDenied(APIError):
    """403: the key may not do this (undocumented by Katana; seen from proxies)."""


class NotFoundError(APIError):
    """404: no such resource or id.

    ``may_have_applied`` is true when this answered a retried DELETE whose
    earlier attempt may have reached the server (its answer was lost, or a
    gateway failed): that attempt may be what removed the record.
    """

    def __init__(
        self,
        status_code: int,
        body: ErrorBody,
        *,
        method: str,
        path: str,
        may_have_applied: bool = False,
    ) -> None:
        self.may_have_applied = may_have_applied
        super().__init__(status_code, body, method=method, path=path)

    def _describe(self) -> str:
        head = super()._describe()
        if self.may_have_applied:
            return f"{head}; an earlier attempt of this request may have removed it"
        return head


class PreconditionFailed(APIError):
    """412: Katana refused, typically a delete blocked by linked records."""


def _describe_detail(detail: dict[str, Any]) -> str:
    path = str(detail.get("path") or "").lstrip("./") or "<body>"
    message = detail.get("message") or detail.get("code") or "invalid"
    info = detail.get("info")
    if isinstance(info, dict) and info:
        extras = ", ".join(f"{k}={v!r}" for k, v in sorted(info.items()))
        return f"{path}: {message} ({extras})"
    return f"{path}: {message}"


class ValidationError(APIError):
    """422: Katana rejected the body; ``details`` lists each finding."""

    @property
    def details(self) -> tuple[dict[str, Any], ...]:
        return self.body.details

    def _describe(self) -> str:
        lines = [super()._describe()]
        lines.extend(f"  - {_describe_detail(d)}" for d in self.body.details)
        return "\n".join(lines)


class RateLimitError(APIError):
    """429 after the retries allowed; ``retry_after_s`` says when to come back."""

    def __init__(
        self,
        status_code: int,
        body: ErrorBody,
        *,
        method: str,
        path: str,
        retry_after_s: float | None,
    ) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(status_code, body, method=method, path=path)

    def _describe(self) -> str:
        head = super()._describe()
        if self.retry_after_s is None:
            return head
        return f"{head}; come back in {self.retry_after_s:.1f} s"


class ServerError(APIError):
    """5xx: the server or a gateway in front of it failed.

    ``may_have_applied`` is true for a write (POST, PATCH): a gateway can fail after
    passing the request on, and Katana can fail after acting on it, so the write
    may have taken effect. Check before repeating it.
    """

    def __init__(
        self,
        status_code: int,
        body: ErrorBody,
        *,
        method: str,
        path: str,
        earlier_attempt_may_have_applied: bool = False,
    ) -> None:
        # Written out here so that the retry module's list is not imported. A
        # retried DELETE or PUT may have been applied by an earlier attempt.
        verb = method.upper()
        self.may_have_applied = verb in ("POST", "PATCH") or (
            earlier_attempt_may_have_applied and verb not in READ_METHODS
        )
        super().__init__(status_code, body, method=method, path=path)

    def _describe(self) -> str:
        head = super()._describe()
        if self.may_have_applied:
            return f"{head}; the write may have been applied"
        return head


_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFoundError,
    412: PreconditionFailed,
    422: ValidationError,
}


def error_for_status(
    status_code: int,
    body: bytes,
    *,
    method: str,
    path: str,
    retry_after_s: float | None = None,
    earlier_attempt_may_have_applied: bool = False,
) -> APIError:
    """Build the typed exception for an error response.

    ``earlier_attempt_may_have_applied``: this response answers a retry, and an
    earlier attempt of the same request may have reached the server.
    """
    parsed = parse_error_body(body)
    if status_code == 429:
        return RateLimitError(
            status_code, parsed, method=method, path=path, retry_after_s=retry_after_s
        )
    if status_code >= 500:
        return ServerError(
            status_code,
            parsed,
            method=method,
            path=path,
            earlier_attempt_may_have_applied=earlier_attempt_may_have_applied,
        )
    if status_code == 404:
        # A DELETE is retried after a lost answer; its retry then finds nothing.
        removed = earlier_attempt_may_have_applied and method.upper() == "DELETE"
        return NotFoundError(
            status_code, parsed, method=method, path=path, may_have_applied=removed
        )
    cls = _BY_STATUS.get(status_code, APIError)
    return cls(status_code, parsed, method=method, path=path)
