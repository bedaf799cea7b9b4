"""The client's own connection pool: reuse, limits, and connections gone bad."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpcore
import pytest
from anyio.abc import SocketStream

from katana_anyio import DeadlineExceeded, KatanaClient, RetryConfig, TransportError
from katana_anyio._pool import OriginPool
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator

pytestmark = pytest.mark.anyio

KEY = "pool-key"
NO_RETRIES = RetryConfig(max_retries=0)


def _config(**overrides: object) -> EmulatorConfig:
    settings: dict[str, object] = {
        "seed": 5,
        "sizes": {"products": 30, "variants": 5, "materials": 5, "services": 5},
        "api_keys": (KEY,),
        "rate_limit": None,
    }
    settings.update(overrides)
    return EmulatorConfig(**settings)  # type: ignore[arg-type]


def _client(base_url: str, **options: object) -> KatanaClient:
    return KatanaClient(
        KEY,
        base_url=base_url,
        requests_per_minute=None,
        retry=NO_RETRIES,
        **options,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def _running(
    config: EmulatorConfig, **options: object
) -> AsyncIterator[tuple[KatanaEmulator, KatanaClient]]:
    async with (
        KatanaEmulator(config) as emulator,
        _client(emulator.base_url, **options) as client,
    ):
        yield emulator, client


async def test_requests_one_after_another_share_one_connection() -> None:
    async with _running(_config()) as (emulator, client):
        for _ in range(5):
            await client.get("/products", params={"limit": 50})

    assert emulator.stats.connections == 1


async def test_concurrent_requests_stay_within_max_connections() -> None:
    async with _running(_config(latency_s=0.05), max_connections=3) as (
        emulator,
        client,
    ):
        statuses: list[int] = []

        async def one() -> None:
            response = await client.get("/products", params={"limit": 50})
            statuses.append(response.status_code)

        async with anyio.create_task_group() as tasks:
            for _ in range(12):
                tasks.start_soon(one)

    assert statuses == [200] * 12
    assert emulator.stats.connections == 3


async def test_a_cancelled_request_leaves_a_pool_that_works() -> None:
    """The connection a cancelled exchange held is closed, not handed out again."""
    async with _running(_config(latency_s=0.3)) as (emulator, client):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(client.get, "/products")
            # Cancelled once the server holds the request (in its latency). The
            # emulator has no event for a connection accepted: polled, bounded.
            with anyio.fail_after(5):
                while emulator.stats.connections == 0:  # noqa: ASYNC110
                    await anyio.sleep(0.005)
            await anyio.sleep(0.02)
            tasks.cancel_scope.cancel()
        assert client._pool.connections == []

        response = await client.get("/products", params={"limit": 50})

    assert response.status_code == 200
    assert emulator.stats.connections == 2


@asynccontextmanager
async def _closing_server() -> AsyncIterator[tuple[str, list[int]]]:
    """Answers one request per connection, then closes it without saying so."""
    accepted: list[int] = []
    body = b'{"id": 1}'
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )

    async def serve(stream: SocketStream) -> None:
        accepted.append(1)
        async with stream:
            request = b""
            while b"\r\n\r\n" not in request:
                request += await stream.receive()
            await stream.send(answer)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, serve)
        yield f"http://127.0.0.1:{port}", accepted
        tasks.cancel_scope.cancel()


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    """The idle connection is checked before use: no failed attempt, no retry."""
    async with _closing_server() as (base_url, accepted), _client(base_url) as client:
        first = await client.get("/products/1")
        await anyio.sleep(0.05)  # the server's close reaches the client
        second = await client.get("/products/1")

    assert (first.status_code, second.status_code) == (200, 200)
    assert client.stats.retries == 0
    assert len(accepted) == 2


@asynccontextmanager
async def _idle_timeout_server(idle_s: float) -> AsyncIterator[str]:
    """Keeps connections alive, but closes one that stays idle for ``idle_s``."""
    body = b'{"id": 1}'
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )

    async def serve(stream: SocketStream) -> None:
        async with stream:
            pending = b""
            while True:
                with anyio.move_on_after(idle_s):
                    while b"\r\n\r\n" not in pending:
                        pending += await stream.receive()
                if b"\r\n\r\n" not in pending:
                    return  # idle too long: close
                _, _, pending = pending.partition(b"\r\n\r\n")
                await anyio.sleep(0.02)
                await stream.send(answer)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, serve)
        yield f"http://127.0.0.1:{port}"
        tasks.cancel_scope.cancel()


async def test_connections_the_server_dropped_while_idle_do_not_linger() -> None:
    """After a burst, connections the server closed are let go, not kept open."""
    async with _idle_timeout_server(0.15) as base_url, _client(base_url) as client:
        async with anyio.create_task_group() as tasks:
            for _ in range(4):
                tasks.start_soon(client.get, "/products/1")
        assert len(client._pool.connections) == 4
        for _ in range(8):
            await client.get("/products/1")
            await anyio.sleep(0.05)

        assert len(client._pool.connections) == 1


async def test_a_deadline_spent_waiting_for_a_connection_says_nothing_left() -> None:
    """Queued behind a slow call, a POST past its deadline was never sent."""
    new = {"name": "Queued", "variants": [{"sku": "Q-1"}]}
    async with (
        _running(_config(latency_s=0.6), max_connections=1) as (emulator, client),
        anyio.create_task_group() as tasks,
    ):
        tasks.start_soon(functools.partial(client.get, "/products"))
        await anyio.sleep(0.05)  # the one connection is busy
        with pytest.raises(DeadlineExceeded) as queued:
            await client.post("/products", json=new, deadline=0.2)
        await anyio.sleep(0.6)  # the GET is done: a POST now gets its connection
        with pytest.raises(DeadlineExceeded) as sent:
            await client.post("/products", json=new, deadline=0.2)

    assert "may have been applied" not in str(queued.value)
    assert "may have been applied" in str(sent.value)
    assert [e.method for e in emulator.journal].count("POST") <= 1


async def test_closing_the_client_under_a_call_ends_it_without_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The call gets a typed error at once, not a retry against a closed pool."""
    outcome: list[BaseException] = []

    async def call(client: KatanaClient) -> None:
        try:
            await client.get("/products", params={"limit": 50})
        except Exception as exc:  # recorded for the assertions
            outcome.append(exc)

    async with KatanaEmulator(_config(latency_s=0.5)) as emulator:
        client = KatanaClient(
            KEY,
            base_url=emulator.base_url,
            requests_per_minute=None,
            retry=RetryConfig(max_retries=5, wait_initial_s=0.5, wait_max_s=0.5),
        )
        with caplog.at_level(logging.WARNING, logger="katana_anyio"):
            async with client, anyio.create_task_group() as tasks:
                tasks.start_soon(call, client)
                await anyio.sleep(0.1)
                started = anyio.current_time()
                await client.aclose()
            elapsed = anyio.current_time() - started

    assert [type(e) for e in outcome] == [TransportError]
    assert elapsed < 0.4
    assert not [r for r in caplog.records if "retry.scheduled" in r.getMessage()]


async def test_waiting_for_a_connection_past_the_pool_timeout_fails() -> None:
    async with (
        KatanaEmulator(_config(latency_s=0.5)) as emulator,
        OriginPool(ssl_context=None, max_connections=1) as pool,
        anyio.create_task_group() as tasks,
    ):
        url = f"{emulator.base_url}/products"
        auth = [(b"Authorization", f"Bearer {KEY}".encode())]
        tasks.start_soon(functools.partial(pool.request, "GET", url, headers=auth))
        await anyio.sleep(0.05)  # the one connection is busy
        with pytest.raises(httpcore.PoolTimeout):
            await pool.request(
                "GET", url, headers=auth, extensions={"timeout": {"pool": 0.05}}
            )


async def test_a_request_that_waited_through_a_close_is_not_sent() -> None:
    """Closing the pool stops the requests queued for a connection."""
    async with KatanaEmulator(_config(latency_s=0.3)) as emulator:
        pool = OriginPool(ssl_context=None, max_connections=1)
        url = f"{emulator.base_url}/products"
        auth = [(b"Authorization", f"Bearer {KEY}".encode())]
        outcomes: list[str] = []

        async def post() -> None:
            try:
                await pool.request("POST", url, headers=auth, content=b"{}")
                outcomes.append("sent")
            except (RuntimeError, httpcore.NetworkError) as exc:
                outcomes.append(type(exc).__name__)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(post)
            await anyio.sleep(0.05)
            tasks.start_soon(post)
            await anyio.sleep(0.05)
            await pool.aclose()

    assert "RuntimeError" in outcomes
    assert [e.method for e in emulator.journal].count("POST") <= 1


async def test_a_pool_built_under_one_loop_works_under_another() -> None:
    """Nothing in the pool is tied to the event loop that was running when built."""
    pool = await anyio.to_thread.run_sync(
        lambda: anyio.run(_build_pool, backend="trio")
    )
    async with KatanaEmulator(_config()) as emulator, pool:
        response = await pool.request(
            "GET",
            f"{emulator.base_url}/products",
            headers=[(b"Authorization", f"Bearer {KEY}".encode())],
        )
    assert response.status == 200


async def _build_pool() -> OriginPool:
    return OriginPool(ssl_context=None, max_connections=2)


async def test_a_closed_pool_refuses_requests() -> None:
    pool = OriginPool(ssl_context=None, max_connections=1)
    await pool.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await pool.request("GET", "http://127.0.0.1:9/", headers=[])


async def test_ipv6_hosts_are_bracketed_in_the_host_header() -> None:
    try:
        emulator = KatanaEmulator(_config(host="::1"))
        await emulator.__aenter__()
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    try:
        async with _client(emulator.base_url) as client:
            await client.get("/products", params={"limit": 1})
        port = emulator.port
    finally:
        await emulator.__aexit__(None, None, None)

    assert dict(emulator.journal[0].headers)["host"] == f"[::1]:{port}"
