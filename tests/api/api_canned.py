"""A loopback HTTP server answering canned responses, for what the emulator lacks.

The emulator serves items only; the typed API covers 68 resources, and some answers
(412, a record no model can read) never come from it. This server answers each
request from a function of ``(method, target, body)`` and records every request.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.abc
import h11

KEY = "canned-key"


@dataclass
class Seen:
    method: str
    target: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Canned:
    status: int = 200
    body: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encoded(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


Answer = Callable[[str, str, bytes], Canned]


@dataclass
class CannedServer:
    base_url: str
    seen: list[Seen]


async def _serve_one(
    stream: anyio.abc.SocketStream, answer: Answer, seen: list[Seen]
) -> None:
    conn = h11.Connection(h11.SERVER)
    method = target = ""
    body = b""
    async with stream:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive(65536))
                continue
            if isinstance(event, h11.Request):
                method, target = event.method.decode(), event.target.decode()
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break

        seen.append(Seen(method, target, body))
        canned = answer(method, target, body)
        payload = canned.encoded()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Connection", "close"),
            *canned.headers,
        ]
        data = conn.send(h11.Response(status_code=canned.status, headers=headers))
        assert data is not None
        await stream.send(data + (conn.send(h11.Data(data=payload)) or b""))
        await stream.send(conn.send(h11.EndOfMessage()) or b"")


@contextlib.asynccontextmanager
async def canned_server(answer: Answer) -> AsyncIterator[CannedServer]:
    """Serve ``answer`` on 127.0.0.1 (a free port) until the block ends."""
    seen: list[Seen] = []
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    # anyio's typed attribute lookup, not Django's QuerySet.extra.
    port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
    async with listener, anyio.create_task_group() as group:
        group.start_soon(
            listener.serve, lambda stream: _serve_one(stream, answer, seen)
        )
        try:
            yield CannedServer(f"http://127.0.0.1:{port}/v1", seen)
        finally:
            group.cancel_scope.cancel()
