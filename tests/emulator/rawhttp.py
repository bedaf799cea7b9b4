"""A raw HTTP/1.1 client for the emulator tests that can write in tiny chunks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.abc
import h11

from katana_anyio.emulator import EmulatorConfig, KatanaEmulator, RateLimitConfig

KEY = "test-key"


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def pagination(self) -> dict[str, str]:
        value = json.loads(self.headers["x-pagination"])
        assert isinstance(value, dict)
        return value


class RawClient:
    """One keep-alive connection; request bytes go out ``chunk`` bytes at a time."""

    def __init__(self, stream: anyio.abc.ByteStream, host: str, chunk: int) -> None:
        self.stream = stream
        self.host = host
        self.chunk = chunk
        self.conn = h11.Connection(h11.CLIENT)

    async def _write(self, data: bytes) -> None:
        for start in range(0, len(data), self.chunk):
            await self.stream.send(data[start : start + self.chunk])

    async def request(
        self,
        method: str,
        target: str,
        *,
        key: str | None = KEY,
        body: Any = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> RawResponse:
        if self.conn.our_state is h11.DONE:
            self.conn.start_next_cycle()

        payload = b"" if body is None else json.dumps(body).encode()
        all_headers = [("Host", self.host), *(headers or [])]
        if key is not None:
            all_headers.append(("Authorization", f"Bearer {key}"))

        if payload or method in ("POST", "PATCH"):
            all_headers.append(("Content-Length", str(len(payload))))
            all_headers.append(("Content-Type", "application/json"))

        data = self.conn.send(
            h11.Request(method=method, target=target, headers=all_headers)
        )
        data += self.conn.send(h11.Data(data=payload)) if payload else b""
        data += self.conn.send(h11.EndOfMessage())
        await self._write(data)

        return await self.read_response()

    async def read_response(self) -> RawResponse:
        status, headers, body = 0, {}, bytearray()
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    self.conn.receive_data(await self.stream.receive())
                except anyio.EndOfStream:
                    self.conn.receive_data(b"")
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return RawResponse(status, headers, bytes(body))
            else:
                raise AssertionError(f"unexpected event {event!r}")


async def connect(emulator: KatanaEmulator, *, chunk: int = 65536) -> RawClient:
    stream = await anyio.connect_tcp("127.0.0.1", emulator.port)
    return RawClient(stream, f"127.0.0.1:{emulator.port}", chunk)


async def get(
    emulator: KatanaEmulator, target: str, *, key: str | None = KEY, chunk: int = 65536
) -> RawResponse:
    client = await connect(emulator, chunk=chunk)
    async with client.stream:
        return await client.request("GET", f"/v1{target}", key=key)


def small_config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {
        "seed": 7,
        "sizes": {"products": 120, "variants": 250, "materials": 60, "services": 10},
        "rate_limit": RateLimitConfig(limit=1000, window_s=60.0),
    }
    values.update(overrides)
    return EmulatorConfig(**values)
