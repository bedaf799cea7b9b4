"""A canary key through every error path: never in a log line, message or repr.

Logging runs at DEBUG for every logger (httpcore's included). For each path the
test collects the exception's message, repr, arguments, its whole chain of causes
as a formatted traceback, and the reprs of the client and of any response; the
canary must appear in none of them, nor in the emulator's journal.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hard_support import FAST, TALLY, TLS_CONTEXT, emulator_config

from katana_anyio import (
    ConfigurationError,
    KatanaClient,
    KatanaError,
)
from katana_anyio.emulator import Fault, KatanaEmulator, RateLimitConfig

pytestmark = pytest.mark.anyio

CANARY = "canary-7f3a9c1e5b2d4086"


def _texts(error: BaseException) -> list[str]:
    return [
        str(error),
        repr(error),
        repr(error.args),
        "".join(traceback.format_exception(error)),
    ]


async def _async_token() -> str:
    return CANARY


Call = Callable[[KatanaClient], Awaitable[Any]]
NEW = {"name": "n", "variants": [{"sku": "s"}]}

PATHS: dict[str, tuple[Fault | None, Call]] = {
    "404": (None, lambda c: c.get("/products/999999999")),
    "422": (None, lambda c: c.post("/products", json={"bogus": True})),
    "429 given up": (
        Fault("status", status=429, retry_after="1000", times=9),
        lambda c: c.get("/products", params={"page": 1}),
    ),
    "503 given up": (
        Fault("status", status=503, times=9),
        lambda c: c.get("/products", params={"page": 1}),
    ),
    "502 HTML on a POST": (
        Fault("status", status=502, html=True),
        lambda c: c.post("/products", json=NEW),
    ),
    "dropped POST": (
        Fault("disconnect", applied=True),
        lambda c: c.post("/products", json=NEW),
    ),
    "read timeout": (
        Fault("latency", delay_s=1.0),
        lambda c: c.patch("/products/1", json={"name": "x"}, timeout=0.1),
    ),
    "deadline": (
        Fault("latency", delay_s=1.0),
        lambda c: c.get("/products", params={"page": 1}, deadline=0.1),
    ),
    "truncated JSON": (
        Fault("truncated_json"),
        lambda c: c.get("/products", params={"limit": 50}),
    ),
    "absolute URL elsewhere": (
        None,
        lambda c: c.get("http://127.0.0.2:9/v1/products"),
    ),
    "query in the path": (None, lambda c: c.get(f"/products?key={CANARY}")),
}


@pytest.mark.parametrize("token", ["plain", "callable", "async callable"])
@pytest.mark.parametrize("path", sorted(PATHS))
async def test_the_canary_never_leaks(
    path: str, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """On this error path the key is in no log line, message, traceback or repr."""
    fault, call = PATHS[path]
    source: Any = {
        "plain": CANARY,
        "callable": lambda: CANARY,
        "async callable": _async_token,
    }[token]
    seen: list[str] = []
    config = emulator_config(
        api_keys=(CANARY,), rate_limit=RateLimitConfig(limit=1000, window_s=60)
    )
    caplog.set_level(logging.DEBUG)
    async with KatanaEmulator(config) as emulator:
        if fault is not None:
            emulator.faults.push(fault)
        async with KatanaClient(
            source, base_url=emulator.base_url, retry=FAST, verify=TLS_CONTEXT
        ) as client:
            seen.append(repr(client))
            try:
                response = await call(client)
                seen.append(repr(response))
                response.json()
            except KatanaError as error:
                seen += _texts(error)
            else:
                pytest.fail(f"{path} raised nothing")

    TALLY.scenario("secrets")
    seen += [record.getMessage() for record in caplog.records]
    seen += [repr(record.args) for record in caplog.records]
    seen.append(repr(emulator.journal))
    assert [record for record in caplog.records if record.levelno == logging.DEBUG]
    assert [text for text in seen if CANARY in text] == []


async def test_a_rejected_key_never_leaks(caplog: pytest.LogCaptureFixture) -> None:
    """A 401 for a wrong key does not echo that key anywhere."""
    caplog.set_level(logging.DEBUG)
    async with (
        KatanaEmulator(emulator_config()) as emulator,
        KatanaClient(
            CANARY, base_url=emulator.base_url, retry=FAST, verify=TLS_CONTEXT
        ) as client,
    ):
        with pytest.raises(KatanaError) as caught:
            await client.get("/products")

    TALLY.scenario("secrets")
    seen = _texts(caught.value) + [r.getMessage() for r in caplog.records]
    assert [text for text in seen if CANARY in text] == []


def test_configuration_errors_never_show_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refused configurations name the problem, never the key (no traffic here)."""
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    attempts: list[dict[str, Any]] = [
        {"api_key": CANARY, "base_url": "http://katana.invalid/v1"},
        {"api_key": CANARY, "token": CANARY},
        {"api_key": CANARY, "base_url": f"https://127.0.0.1:9/v1?key={CANARY}"},
        {"api_key": "k", "base_url": f"https://127.0.0.1:9/v1#{CANARY}"},
        {"api_key": "k", "base_url": f"https://me:{CANARY}@127.0.0.1:9/v1"},
        {"api_key": "k", "base_url": f"https://{CANARY}@127.0.0.1:9/v1"},
        {"api_key": "k", "base_url": f"ftp://{CANARY}@127.0.0.1/v1"},
        {"api_key": CANARY, "timeout": -1},
        {"api_key": CANARY, "retry": None, "max_pages": 0},
        {"api_key": CANARY, "requests_per_minute": 0},
        {"api_key": CANARY, "verify": "/nonexistent/ca.pem"},
    ]
    for options in attempts:
        with pytest.raises(ConfigurationError) as caught:
            KatanaClient(**options)
        seen += _texts(caught.value)
        TALLY.scenario("secrets")

    seen += [r.getMessage() for r in caplog.records]
    assert [text for text in seen if CANARY in text] == []
