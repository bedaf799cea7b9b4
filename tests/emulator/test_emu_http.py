"""The emulator's HTTP/1.1 layer: chunked reads, keep-alive, concurrency, shutdown."""

from __future__ import annotations

import anyio
import httpcore
import pytest
from rawhttp import KEY, connect, get, small_config

from katana_anyio.emulator import EmulatorConfig, KatanaEmulator, run, serve

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.mark.parametrize("chunk", [1, 3, 7])
async def test_requests_sent_in_tiny_chunks_are_parsed(
    emulator: KatanaEmulator, chunk: int
) -> None:
    """h11 is fed from small raw reads: a request split into 1-7 byte writes works."""
    response = await get(emulator, "/products?limit=2&ids=1000001", chunk=chunk)

    assert response.status == 200
    assert [r["id"] for r in response.json()["data"]] == [1000001]


async def test_post_body_in_tiny_chunks_is_read_whole(emulator: KatanaEmulator) -> None:
    """A body that arrives a few bytes at a time is assembled before handling."""
    client = await connect(emulator, chunk=5)
    async with client.stream:
        body = {"name": "Chunked chair", "variants": [{"sku": "CHUNK-1"}]}
        response = await client.request("POST", "/v1/products", body=body)

    assert response.status == 200
    assert response.json()["variants"][0]["sku"] == "CHUNK-1"
    assert emulator.journal[-1].body.startswith(b'{"name"')


async def test_keep_alive_serves_several_requests_on_one_connection(
    emulator: KatanaEmulator,
) -> None:
    """Several requests on one connection are answered in turn, on one connection."""
    client = await connect(emulator)
    async with client.stream:
        statuses = [
            (await client.request("GET", "/v1/services")).status for _ in range(5)
        ]

    assert statuses == [200] * 5
    assert emulator.stats.connections == 1


async def test_many_concurrent_connections_are_served(emulator: KatanaEmulator) -> None:
    """Forty clients at once all get their pages."""
    statuses: list[int] = []
    async with httpcore.AsyncConnectionPool(max_connections=40) as pool:

        async def fetch(page: int) -> None:
            url = f"{emulator.base_url}/variants?limit=5&page={page}"
            response = await pool.request("GET", url, headers=AUTH)
            statuses.append(response.status)

        async with anyio.create_task_group() as task_group:
            for page in range(1, 41):
                task_group.start_soon(fetch, page)

    assert statuses == [200] * 40
    assert emulator.stats.requests == 40
    assert emulator.stats.connections > 1


async def test_client_disconnecting_mid_request_leaves_the_server_running(
    emulator: KatanaEmulator,
) -> None:
    """A client that sends half a request and leaves causes no error or warning."""
    stream = await anyio.connect_tcp("127.0.0.1", emulator.port)
    await stream.send(b"GET /v1/products HTTP/1.1\r\nHost: x\r\nContent-Le")
    await stream.aclose()
    await anyio.sleep(0.05)

    response = await get(emulator, "/services")

    assert response.status == 200
    assert len(emulator.journal) == 1


async def test_client_vanishing_before_the_response_is_harmless() -> None:
    """A client that closes while its response is delayed is not an error."""
    async with KatanaEmulator(small_config(latency_s=0.1)) as emulator:
        client = await connect(emulator)
        await client.stream.send(
            b"GET /v1/services HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer test-key\r\n\r\n"
        )
        await client.stream.aclose()
        await anyio.sleep(0.2)
        response = await get(emulator, "/services")

    assert response.status == 200


async def test_garbage_gets_a_400_and_a_closed_connection(
    emulator: KatanaEmulator,
) -> None:
    """Bytes that are not HTTP/1.1 get a bare 400, then the server closes."""
    stream = await anyio.connect_tcp("127.0.0.1", emulator.port)
    async with stream:
        await stream.send(b"THIS IS NOT HTTP\r\n\r\n")
        received = b""
        with anyio.fail_after(2):
            try:
                while True:
                    received += await stream.receive()
            except anyio.EndOfStream:
                pass

    assert received.startswith(b"HTTP/1.1 400 ")


async def test_leaving_the_block_closes_idle_keep_alive_connections() -> None:
    """Exiting the context stops promptly even with an idle connection open."""
    with anyio.fail_after(2):
        async with KatanaEmulator(small_config()) as emulator:
            client = await connect(emulator)
            await client.request("GET", "/v1/services")

        with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError)):
            await client.stream.receive()

        await client.stream.aclose()


async def test_cancelling_a_pending_response_shuts_down_cleanly() -> None:
    """Cancelling the host scope while a response waits on latency ends cleanly."""
    with anyio.fail_after(2):
        async with anyio.create_task_group() as task_group:
            emulator = await task_group.start(serve, small_config(latency_s=5.0))
            client = await connect(emulator)
            await client.stream.send(
                b"GET /v1/services HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer test-key\r\n\r\n"
            )
            await anyio.sleep(0.05)
            task_group.cancel_scope.cancel()

        await client.stream.aclose()

    assert len(emulator.journal) == 1
    assert emulator.journal[0].status is None


async def test_serve_starts_in_a_task_group_and_returns_the_emulator() -> None:
    """``task_group.start(serve, config)`` hands back a running emulator."""
    async with anyio.create_task_group() as task_group:
        emulator = await task_group.start(serve, small_config())
        response = await get(emulator, "/products?limit=1")
        task_group.cancel_scope.cancel()

    assert response.status == 200
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.base_url.endswith("/v1")


# Addresses the emulator must refuse; nothing is ever bound to them.
NOT_LOOPBACK = ["0.0.0.0", "192.0.2.1", "::", "example.invalid"]  # noqa: S104


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_non_loopback_addresses_are_refused(host: str) -> None:
    """The emulator refuses to bind anything but a loopback address."""
    with pytest.raises(
        ValueError, match=r"^the emulator binds loopback addresses only"
    ):
        EmulatorConfig(host=host)


async def test_latency_delays_every_response() -> None:
    """A configured latency is waited before each response."""
    async with KatanaEmulator(small_config(latency_s=0.1)) as emulator:
        started = anyio.current_time()
        response = await get(emulator, "/services")
        elapsed = anyio.current_time() - started

    assert response.status == 200
    assert elapsed >= 0.1


def test_jitter_is_drawn_from_the_seed() -> None:
    """Jittered latencies repeat for the same seed and stay within the jitter."""
    first = KatanaEmulator(small_config(seed=5, latency_s=0.01, jitter_s=0.02))
    second = KatanaEmulator(small_config(seed=5, latency_s=0.01, jitter_s=0.02))

    delays = [first._latency_s() for _ in range(20)]

    assert delays == [second._latency_s() for _ in range(20)]
    assert all(0.01 <= delay < 0.03 for delay in delays)
    assert len(set(delays)) > 1


async def test_journal_records_requests_with_the_key_redacted(
    emulator: KatanaEmulator,
) -> None:
    """Each request is journaled with its query pairs and without the key's value."""
    await get(emulator, "/variants?ids=3000001&ids=3000002&limit=5")

    entry = emulator.journal[0]
    assert entry.method == "GET"
    assert entry.path == "/v1/variants"
    assert entry.query == (("ids", "3000001"), ("ids", "3000002"), ("limit", "5"))
    assert entry.status == 200
    assert ("authorization", "Bearer <redacted>") in entry.headers
    assert KEY not in repr(emulator.journal)


class _Stop(Exception):
    pass


def test_run_blocks_serving_until_interrupted() -> None:
    """``run`` serves, reports readiness through ``on_ready`` and stops on an error."""
    seen: list[str] = []

    def on_ready(emulator: KatanaEmulator) -> None:
        seen.append(emulator.base_url)
        raise _Stop

    with pytest.raises((_Stop, ExceptionGroup)):
        run(small_config(), on_ready=on_ready)

    assert seen[0].startswith("http://127.0.0.1:")


async def test_ipv6_loopback_is_served_when_available() -> None:
    """Binding ``::1`` gives a bracketed base URL that answers."""
    try:
        emulator = KatanaEmulator(small_config(host="::1"))
        await emulator.__aenter__()
    except OSError:
        pytest.skip("no IPv6 loopback here")

    try:
        assert emulator.base_url.startswith("http://[::1]:")
        async with httpcore.AsyncConnectionPool() as pool:
            response = await pool.request(
                "GET", f"{emulator.base_url}/services", headers=AUTH
            )
        assert response.status == 200
    finally:
        await emulator.__aexit__(None, None, None)
