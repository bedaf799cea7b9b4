"""Scripted and seeded random faults of the emulator."""

from __future__ import annotations

import json
from dataclasses import replace

import anyio
import h11
import httpcore
import pytest
from rawhttp import connect, get, small_config

from katana_anyio.emulator import Fault, KatanaEmulator

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": "Bearer test-key"}


async def _request(
    emulator: KatanaEmulator, method: str, target: str, body: object = None
) -> httpcore.Response:
    content = b"" if body is None else json.dumps(body).encode()
    async with httpcore.AsyncConnectionPool() as pool:
        return await pool.request(
            method, f"{emulator.base_url}{target}", headers=AUTH, content=content
        )


async def test_status_fault_answers_katana_style_5xx(emulator: KatanaEmulator) -> None:
    """A 503 fault answers a JSON error body with rate headers, the API untouched."""
    emulator.faults.push(Fault("status", status=503))

    response = await get(emulator, "/products")
    after = await get(emulator, "/products")

    assert response.status == 503
    assert response.json()["statusCode"] == 503
    assert "x-ratelimit-remaining" in response.headers
    assert after.status == 200
    assert emulator.journal[0].fault == "status"
    assert emulator.journal[0].status == 503
    # The faulted request never reached the API, so it took no rate-limit slot.
    assert after.headers["x-ratelimit-remaining"] == "999"


async def test_status_fault_can_send_a_proxys_html_page(
    emulator: KatanaEmulator,
) -> None:
    """An HTML 502 fault answers ``text/html`` that is not JSON at all."""
    emulator.faults.push(Fault("status", status=502, html=True))

    response = await get(emulator, "/products")

    assert response.status == 502
    assert response.headers["content-type"] == "text/html"
    assert response.body.startswith(b"<html>")


@pytest.mark.parametrize("applied", [True, False])
async def test_disconnect_after_a_write_records_whether_it_applied(
    emulator: KatanaEmulator, applied: bool
) -> None:
    """A dropped connection gives no response; the journal says if the write applied."""
    emulator.faults.push(Fault("disconnect", applied=applied, method="POST"))

    with pytest.raises(httpcore.RemoteProtocolError):
        await _request(
            emulator, "POST", "/services", {"name": "Lost", "variants": [{}]}
        )

    entry = emulator.journal[0]
    assert entry.status is None
    assert entry.write_applied is applied
    assert entry.fault == "disconnect"
    assert emulator.stats.writes_applied == int(applied)
    assert len(emulator.records("services")) == 10 + int(applied)


async def test_slow_body_arrives_complete_but_late() -> None:
    """A slow-body fault trickles the response, which is still complete JSON."""
    async with KatanaEmulator(small_config()) as emulator:
        emulator.faults.push(Fault("slow_body", delay_s=0.01))
        started = anyio.current_time()
        response = await get(emulator, "/products?limit=2")
        elapsed = anyio.current_time() - started

    assert len(response.json()["data"]) == 2
    assert elapsed >= 0.01 * (len(response.body) // 64)


async def test_latency_fault_delays_one_response() -> None:
    """A latency fault delays the response it hits and no other."""
    async with KatanaEmulator(small_config()) as emulator:
        emulator.faults.push(Fault("latency", delay_s=0.15))
        started = anyio.current_time()
        await get(emulator, "/services")
        slow = anyio.current_time() - started
        started = anyio.current_time()
        await get(emulator, "/services")
        fast = anyio.current_time() - started

    assert slow >= 0.15
    assert fast < 0.15


async def test_header_faults_break_or_drop_one_header(emulator: KatanaEmulator) -> None:
    """Header faults send a malformed value, or leave the header out entirely."""
    emulator.faults.push(Fault("malformed_header", header="X-Pagination"))
    emulator.faults.push(Fault("missing_header", header="X-Ratelimit-Reset"))

    malformed = await get(emulator, "/products")
    missing = await get(emulator, "/products")

    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.headers["x-pagination"])

    assert "x-ratelimit-reset" not in missing.headers
    assert "x-ratelimit-limit" in missing.headers


async def test_truncated_json_is_valid_http_with_a_cut_body(
    emulator: KatanaEmulator,
) -> None:
    """A truncated-JSON fault sends a complete HTTP message holding half a document."""
    emulator.faults.push(Fault("truncated_json"))

    response = await get(emulator, "/products")

    assert response.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.body)


async def test_truncated_body_closes_before_content_length(
    emulator: KatanaEmulator,
) -> None:
    """A truncated-body fault closes the connection short of Content-Length."""
    emulator.faults.push(Fault("truncated_body"))

    with pytest.raises(httpcore.RemoteProtocolError):
        await _request(emulator, "GET", "/products")

    response = await get(emulator, "/products")
    assert response.status == 200


async def test_faults_match_method_and_path_and_last_times_requests(
    emulator: KatanaEmulator,
) -> None:
    """A fault hits only matching requests, exactly ``times`` of them."""
    emulator.faults.push(Fault("status", status=504, path="/v1/variants", times=2))
    client = await connect(emulator)
    async with client.stream:
        statuses = [
            (await client.request("GET", target)).status
            for target in (
                "/v1/products",
                "/v1/variants",
                "/v1/variants/1",
                "/v1/variants",
            )
        ]

    assert statuses == [200, 504, 504, 200]
    assert len(emulator.faults) == 0


async def test_random_faults_repeat_for_the_same_seed() -> None:
    """With a fault rate, the same seed and requests give the same faults."""
    outcomes = []
    for _ in range(2):
        config = small_config(seed=11, fault_rate=0.5)
        async with KatanaEmulator(config) as emulator:
            emulator.faults.random_kinds = (Fault("status", status=503),)
            for _ in range(12):
                await get(emulator, "/services")

            outcomes.append([entry.fault for entry in emulator.journal])

    assert outcomes[0] == outcomes[1]
    assert "status" in outcomes[0]
    assert None in outcomes[0]


def test_invalid_faults_are_refused() -> None:
    """Faults with an unknown kind, a non-5xx status or no header name are errors."""
    with pytest.raises(ValueError, match=r"^unknown fault kind 'boom'$"):
        Fault("boom")  # type: ignore[arg-type]

    with pytest.raises(ValueError, match=r"^status faults are 500, 502, 503 or 504"):
        Fault("status", status=404)

    with pytest.raises(ValueError, match=r"^a missing_header fault needs the header"):
        Fault("missing_header")


async def test_random_fault_mix_with_the_default_kinds() -> None:
    """At a rate of one, every request gets a default-kind fault and the mix varies."""
    config = small_config(seed=3, fault_rate=1.0)
    async with KatanaEmulator(config) as emulator:
        emulator.faults.random_kinds = tuple(
            replace(f, delay_s=0.01) if f.kind == "latency" else f
            for f in emulator.faults.random_kinds
        )
        statuses = []
        for _ in range(30):
            try:
                statuses.append((await get(emulator, "/services")).status)
            except (
                anyio.EndOfStream,
                anyio.BrokenResourceError,
                h11.RemoteProtocolError,
            ):
                statuses.append(0)

        kinds = {entry.fault for entry in emulator.journal}

    assert None not in kinds
    assert {"status", "disconnect", "latency"} <= kinds
    assert {200, 502, 503, 504, 0} <= set(statuses)
    assert emulator.stats.writes_applied == 0
