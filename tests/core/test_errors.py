"""Error bodies and the exception family."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from katana_core import (
    APIError,
    AuthenticationError,
    ErrorBody,
    KatanaError,
    LocalError,
    NotFoundError,
    PermissionDenied,
    PreconditionFailed,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
    error_for_status,
    parse_error_body,
)

VALIDATION = (
    b'{"statusCode":422,"name":"UnprocessableEntityError","message":"Invalid",'
    b'"code":"VALIDATION_FAILED","details":[{"path":".name","code":"maxLength",'
    b'"message":"should NOT be longer than 10 characters","info":{"limit":10}},'
    b'{"path":"","code":"required","message":"missing"},"junk"]}'
)


def test_flat_and_wrapped_bodies_parse_alike() -> None:
    """Katana's body parses whether or not it is wrapped in "error"."""
    flat = b'{"statusCode":404,"name":"NotFoundError","message":"Not found"}'
    wrapped = b'{"error":{"statusCode":412,"name":"PreconditionFailedError",'
    wrapped += b'"message":"Cannot delete","code":7}}'

    assert parse_error_body(flat) == ErrorBody(
        name="NotFoundError", message="Not found"
    )
    assert parse_error_body(wrapped) == ErrorBody(
        name="PreconditionFailedError", message="Cannot delete", code="7"
    )


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        (b"<html>Bad gateway</html>", "<html>Bad gateway</html>"),
        (b'{"id": 1}', '{"id": 1}'),
        (b"[1]", "[1]"),
        (b"", None),
        (b"x" * 300, "x" * 200 + "..."),
        (b"\xff", "\ufffd"),
    ],
)
def test_other_bodies_become_snippets(body: bytes, raw: str | None) -> None:
    """Non-error JSON and non-JSON keep a short snippet instead."""
    assert parse_error_body(body) == ErrorBody(raw=raw)


@given(st.binary())
def test_error_body_parsing_is_total(body: bytes) -> None:
    """Any bytes give an ErrorBody."""
    assert isinstance(parse_error_body(body), ErrorBody)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, APIError),
        (401, AuthenticationError),
        (403, PermissionDenied),
        (404, NotFoundError),
        (409, APIError),
        (412, PreconditionFailed),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_picks_the_exception(status: int, cls: type[APIError]) -> None:
    """Each documented status maps to its exception, all under KatanaError."""
    error = error_for_status(status, b"", method="GET", path="/x")

    assert type(error) is cls
    assert isinstance(error, KatanaError)
    assert error.status_code == status
    assert str(error) == f"{status} from GET /x: <empty response body>"


def test_messages_name_status_call_and_body() -> None:
    """Messages carry the name and message, or the snippet."""
    named = error_for_status(
        404, b'{"name":"NotFoundError","message":"Not found"}', method="GET", path="/p"
    )
    snippet = error_for_status(502, b"upstream down", method="POST", path="/p")

    assert str(named) == "404 from GET /p: NotFoundError: Not found"
    assert named.name == "NotFoundError"
    assert str(snippet) == (
        "502 from POST /p: upstream down; the write may have been applied"
    )


@pytest.mark.parametrize(
    ("method", "applied"),
    [
        ("POST", True),
        ("patch", True),
        ("GET", False),
        ("PUT", False),
        ("DELETE", False),
    ],
)
def test_server_errors_on_writes_may_have_applied(method: str, applied: bool) -> None:
    """A 5xx answering a POST or PATCH says the write may have taken effect."""
    error = error_for_status(503, b"", method=method, path="/x")

    assert isinstance(error, ServerError)
    assert error.may_have_applied is applied


def test_validation_error_lists_details() -> None:
    """A 422 lists each finding with its path and info."""
    error = error_for_status(422, VALIDATION, method="POST", path="/products")

    assert isinstance(error, ValidationError)
    assert len(error.details) == 2
    assert str(error) == (
        "422 from POST /products: UnprocessableEntityError: Invalid\n"
        "  - name: should NOT be longer than 10 characters (limit=10)\n"
        "  - <body>: missing"
    )


def test_rate_limit_error_says_when_to_come_back() -> None:
    """A 429 error carries retry_after_s and says it."""
    error = error_for_status(429, b"", method="GET", path="/p", retry_after_s=42.0)
    silent = error_for_status(429, b"", method="GET", path="/p")

    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 42.0
    assert str(error) == "429 from GET /p: <empty response body>; come back in 42.0 s"
    assert str(silent) == "429 from GET /p: <empty response body>"


def test_transport_error_says_whether_the_write_may_have_applied() -> None:
    """TransportError is local and records the method and the write risk."""
    error = TransportError("read timed out", method="POST", may_have_applied=True)

    assert isinstance(error, LocalError)
    assert (error.method, error.may_have_applied, str(error)) == (
        "POST",
        True,
        "read timed out",
    )


@pytest.mark.parametrize(
    ("method", "earlier", "expected"),
    [("DELETE", True, True), ("DELETE", False, False), ("GET", True, False)],
)
def test_a_404_after_a_retried_delete_may_be_the_retrys_own_doing(
    method: str, earlier: bool, expected: bool
) -> None:
    error = error_for_status(
        404,
        b"",
        method=method,
        path="/products/1",
        earlier_attempt_may_have_applied=earlier,
    )
    assert isinstance(error, NotFoundError)
    assert error.may_have_applied is expected
    assert ("earlier attempt" in str(error)) is expected


@pytest.mark.parametrize(
    ("method", "earlier", "expected"),
    [
        ("DELETE", True, True),
        ("DELETE", False, False),
        ("PUT", True, True),
        ("GET", True, False),
        ("POST", False, True),
    ],
)
def test_a_5xx_says_whether_any_attempt_may_have_applied(
    method: str, earlier: bool, expected: bool
) -> None:
    error = error_for_status(
        503, b"", method=method, path="/p/1", earlier_attempt_may_have_applied=earlier
    )
    assert isinstance(error, ServerError)
    assert error.may_have_applied is expected
