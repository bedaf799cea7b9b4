"""Retries, errors and deadlines through the client, against scripted faults."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from katana_anyio import (
    AuthenticationError,
    ConfigurationError,
    DeadlineExceeded,
    InvalidRequest,
    KatanaClient,
    KatanaError,
    NotFoundError,
    RateLimitError,
    RetryConfig,
    ServerError,
    TransportError,
    ValidationError,
)
from katana_anyio.emulator import (
    EmulatorConfig,
    Fault,
    KatanaEmulator,
    RateLimitConfig,
)

pytestmark = pytest.mark.anyio

KEY = "resilience-key"
# Retries without real waiting: the policy is unit-tested elsewhere.
FAST = RetryConfig(max_retries=3, wait_initial_s=0.0, wait_max_s=0.0)
NEW_PRODUCT = {"name": "Widget", "variants": [{"sku": "W-1"}]}


@contextlib.asynccontextmanager
async def _setup(
    **overrides: object,
) -> AsyncIterator[tuple[KatanaEmulator, KatanaClient]]:
    settings: dict[str, object] = {
        "seed": 3,
        "sizes": {"products": 600, "variants": 5, "materials": 5, "services": 5},
        "api_keys": (KEY,),
        "rate_limit": None,
    }
    client_options = overrides.pop("client", {})
    settings.update(overrides)
    async with KatanaEmulator(EmulatorConfig(**settings)) as emulator:  # type: ignore[arg-type]
        options: dict[str, object] = {"retry": FAST, "requests_per_minute": None}
        options.update(client_options)  # type: ignore[call-overload]
        async with KatanaClient(KEY, base_url=emulator.base_url, **options) as client:  # type: ignore[arg-type]
            yield emulator, client


def _pages_requested(emulator: KatanaEmulator) -> list[int]:
    pages = []
    for entry in emulator.journal:
        if entry.method == "GET" and entry.path == "/v1/products":
            pages.append(int(dict(entry.query)["page"]))
    return pages


async def test_a_failed_page_is_retried_alone() -> None:
    """A 503 on one page repeats that page only, never the whole collection."""
    async with _setup() as (emulator, client):
        # Let page 1 through, then fail the next request (a later page) once.
        emulator.faults.push(Fault("latency", delay_s=0.0, path="/v1/products"))
        emulator.faults.push(Fault("status", status=503, path="/v1/products"))
        response = await client.get("/products", params={"limit": 100})

    assert len(response.json()["data"]) == 600
    pages = _pages_requested(emulator)
    # Six pages of 100, one of them (not page 1) asked twice.
    assert sorted(set(pages)) == [1, 2, 3, 4, 5, 6]
    assert len(pages) == 7
    assert pages.count(1) == 1


async def test_post_answered_503_is_not_retried() -> None:
    """A POST that met a 503 is not repeated: Katana has no idempotency keys."""
    async with _setup() as (emulator, client):
        emulator.faults.push(Fault("status", status=503, method="POST"))
        with pytest.raises(ServerError, match=r"^503 from POST /products"):
            await client.post("/products", json=NEW_PRODUCT)

    posts = [e for e in emulator.journal if e.method == "POST"]
    assert len(posts) == 1


async def test_get_answered_503_is_retried() -> None:
    """A GET that met a 503 is repeated and succeeds."""
    async with _setup() as (emulator, client):
        emulator.faults.push(Fault("status", status=503, method="GET", times=2))
        response = await client.get("/products", params={"page": 1})

    assert response.status_code == 200
    assert len([e for e in emulator.journal if e.method == "GET"]) == 3


async def test_dropped_post_reports_that_the_write_may_have_applied() -> None:
    """A POST whose connection dropped after sending is not resent, and says so."""
    async with _setup() as (emulator, client):
        emulator.faults.push(Fault("disconnect", method="POST", applied=True))
        with pytest.raises(TransportError, match=r"may have been applied") as caught:
            await client.post("/products", json=NEW_PRODUCT)

    assert caught.value.may_have_applied
    posts = [e for e in emulator.journal if e.method == "POST"]
    assert len(posts) == 1
    assert emulator.stats.writes_applied == 1


async def test_a_delete_whose_answer_was_lost_reports_it_may_be_ours() -> None:
    """Retried after a dropped answer, a DELETE's 404 says the first try may have
    removed the record; a plain 404 does not."""
    async with _setup() as (emulator, client):
        victim = emulator.listing("products")[0]["id"]
        emulator.faults.push(Fault("disconnect", method="DELETE", applied=True))
        with pytest.raises(NotFoundError, match=r"earlier attempt") as caught:
            await client.delete(f"/products/{victim}")
        with pytest.raises(NotFoundError) as plain:
            await client.delete(f"/products/{victim}")

    assert caught.value.may_have_applied
    assert not plain.value.may_have_applied
    assert "earlier attempt" not in str(plain.value)
    assert victim not in [r["id"] for r in emulator.listing("products")]


async def test_a_delete_whose_retries_all_fail_still_says_it_may_have_applied() -> None:
    """The first attempt's lost answer is remembered past the last retry's 503."""
    async with _setup() as (emulator, client):
        victim = emulator.listing("products")[0]["id"]
        emulator.faults.push(Fault("disconnect", method="DELETE", applied=True))
        emulator.faults.push(Fault("status", status=503, method="DELETE", times=9))
        with pytest.raises(ServerError, match=r"may have been applied") as caught:
            await client.delete(f"/products/{victim}")

    assert caught.value.may_have_applied
    assert victim not in [r["id"] for r in emulator.listing("products")]


async def test_connection_refused_post_is_retried_then_reported() -> None:
    """A POST that could not connect is retried (it never left) and reported unsent."""
    async with _setup() as (emulator, _client):
        base_url = emulator.base_url
    # The emulator is gone: nothing listens on its port any more.
    async with KatanaClient(
        KEY, base_url=base_url, retry=FAST, requests_per_minute=None
    ) as client:
        with pytest.raises(TransportError, match=r"gave up after 4 attempts") as caught:
            await client.post("/products", json=NEW_PRODUCT)
        assert client.stats.requests == 4
    assert not caught.value.may_have_applied


async def test_html_502_from_a_proxy_is_shown_as_a_snippet() -> None:
    """A non-JSON error body becomes a short snippet in a ServerError."""
    async with _setup(client={"retry": RetryConfig(max_retries=0)}) as (emulator, c):
        emulator.faults.push(Fault("status", status=502, html=True))
        with pytest.raises(ServerError, match=r"^502 from GET /products: <html>"):
            await c.get("/products", params={"page": 1})


async def test_validation_error_lists_katana_details() -> None:
    """A 422 raises ValidationError whose message and details name the field."""
    async with _setup() as (_emulator, client):
        with pytest.raises(ValidationError) as caught:
            await client.post("/products", json={"name": "No variants"})

    assert caught.value.details
    assert "variants" in str(caught.value)


async def test_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    """A 429 whose Retry-After ends after the deadline raises RateLimitError now."""
    limit = RateLimitConfig(limit=1, window_s=30.0)
    async with _setup(rate_limit=limit) as (emulator, client):
        await client.get("/products", params={"page": 1})
        with pytest.raises(RateLimitError, match=r"come back in \d") as caught:
            await client.get("/products", params={"page": 1}, deadline=5.0)

    assert caught.value.retry_after_s is not None
    assert caught.value.retry_after_s > 5.0
    assert emulator.stats.responses_429 == 1


async def test_budget_wait_past_the_deadline_raises_deadline_exceeded() -> None:
    """When the rate budget opens after the deadline, the call fails without sending."""
    async with _setup(client={"rate_budget": None, "requests_per_minute": 1}) as (
        emulator,
        client,
    ):
        await client.get("/products", params={"page": 1})
        with pytest.raises(DeadlineExceeded, match=r"^the rate budget opens in"):
            await client.get("/products", params={"page": 1}, deadline=1.0)

    assert len(emulator.journal) == 1


async def test_max_pages_truncation_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """When max_pages cuts a collection short, a warning says how much was left out."""
    async with _setup(client={"max_pages": 2}) as (_emulator, client):
        with caplog.at_level(logging.WARNING, logger="katana_anyio"):
            response = await client.get("/products", params={"limit": 100})

    assert len(response.json()["data"]) == 200
    assert response.truncated_pages == 4
    assert any("pagination.truncated" in r.getMessage() for r in caplog.records)


async def test_a_404_is_raised_not_logged_as_a_problem(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An existence check that meets a 404 gets NotFoundError and a quiet log."""
    async with _setup() as (_emulator, client):
        with (
            caplog.at_level(logging.DEBUG, logger="katana_anyio"),
            pytest.raises(NotFoundError),
        ):
            await client.get("/products/999999999")

    assert [r for r in caplog.records if "request.refused" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_canary_key_never_reaches_logs_or_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The API key appears in no log line, exception message or repr."""
    canary = "canary-0123456789abcdef"
    async with KatanaEmulator(
        EmulatorConfig(seed=1, api_keys=(canary,), rate_limit=None)
    ) as emulator:
        emulator.faults.push(Fault("status", status=503))
        emulator.faults.push(Fault("disconnect"))
        with caplog.at_level(logging.DEBUG):
            async with KatanaClient(
                canary, base_url=emulator.base_url, retry=FAST
            ) as client:
                seen = [repr(client)]
                await client.get("/products", params={"page": 1})
                for call in (
                    client.get("/products/999999999"),
                    client.post("/products", json={"bogus": True}),
                ):
                    with pytest.raises(KatanaError) as caught:
                        await call
                    seen += [str(caught.value), repr(caught.value)]
            async with KatanaClient("wrong-key", base_url=emulator.base_url) as other:
                with pytest.raises(AuthenticationError) as caught:
                    await other.get("/products")
                seen.append(str(caught.value))

    seen += [record.getMessage() for record in caplog.records]
    assert caplog.records
    assert not [text for text in seen if canary in text]


async def test_debug_lines_show_the_query_without_secret_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Secret query parameters are masked by exact name; others stay readable."""
    async with _setup() as (_emulator, client):
        with caplog.at_level(logging.DEBUG, logger="katana_anyio"):
            await client.get(
                "/products",
                params={"page": 1, "token": "tok-123", "keyword": "oak", "ids": [1, 2]},
            )

    lines = [
        r.getMessage() for r in caplog.records if "request.complete" in r.getMessage()
    ]
    assert len(lines) == 1
    assert "token=***" in lines[0]
    assert "tok-123" not in lines[0]
    assert "keyword=oak" in lines[0]
    assert "ids=1&ids=2" in lines[0]


@pytest.mark.parametrize("key", [f"{KEY}\n", f" {KEY}", f"{KEY}\x00"])
async def test_a_malformed_key_is_refused_unsent_and_unshown(key: str) -> None:
    """A key with whitespace or control characters raises without sending or echoing."""
    async with KatanaEmulator(
        EmulatorConfig(seed=1, api_keys=(KEY,), rate_limit=None)
    ) as emulator:
        async with KatanaClient(key, base_url=emulator.base_url, retry=FAST) as client:
            with pytest.raises(ConfigurationError) as caught:
                await client.get("/products", params={"page": 1})

        assert emulator.journal == []
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    assert not [e for e in chain if e is not None and KEY in str(e)]


async def test_a_path_http_cannot_carry_is_refused_without_retries() -> None:
    """A path with a space raises InvalidRequest at once; nothing is sent or retried."""
    async with _setup() as (emulator, client):
        with pytest.raises(
            InvalidRequest, match=r"^GET /products/1 2 cannot be written"
        ):
            await client.get("/products/1 2")

    assert emulator.journal == []
    assert client.stats.retries == 0


async def test_a_closed_client_refuses_to_send() -> None:
    """After aclose() every call raises instead of opening new connections."""
    async with _setup() as (emulator, client):
        await client.aclose()
        with pytest.raises(RuntimeError, match=r"^this KatanaClient is closed"):
            await client.get("/products", params={"page": 1})

    assert emulator.journal == []


async def test_max_items_cuts_a_single_page_too() -> None:
    """max_items applies to an explicit page and to auto_pagination=False."""
    async with _setup() as (_emulator, client):
        one = await client.get("/products", params={"page": 2}, max_items=3)
        raw = await client.get("/products", auto_pagination=False, max_items=4)

    assert len(one.json()["data"]) == 3
    assert len(raw.json()["data"]) == 4


async def test_a_blip_on_every_fanned_out_page_does_not_abort_the_walk() -> None:
    """One 503 on each of eight concurrent pages is retried page by page."""
    async with _setup() as (emulator, client):
        emulator.faults.push(Fault("latency", delay_s=0.0, path="/v1/products"))
        emulator.faults.push(Fault("status", status=503, path="/v1/products", times=5))
        response = await client.get("/products", params={"limit": 100})

    assert len(response.json()["data"]) == 600
    assert sum(1 for e in emulator.journal if e.status == 503) == 5


@pytest.mark.parametrize("deadline", [float("nan"), -1.0, 0])
async def test_a_deadline_that_is_not_positive_is_refused(deadline: float) -> None:
    """A NaN, negative or zero deadline raises InvalidRequest before sending."""
    async with _setup() as (emulator, client):
        with pytest.raises(InvalidRequest, match=r"^deadline must be > 0 seconds"):
            await client.get("/products", deadline=deadline)

    assert emulator.journal == []
