"""HTTP/1.1 connections: h11 fed from raw socket reads, one request at a time.

Theory of operation. Each accepted connection gets an ``h11.Connection`` in server
mode. Bytes from ``receive()`` go straight into it, in whatever chunks the network
delivers (a request split into 3-byte reads works the same as one read); events come
out until a request and its body are complete. The exchange callback then answers
through a ``ResponseWriter``, which can also misbehave on purpose (stop mid-body,
send slowly, close without answering) for fault injection. When both sides are done
and keep-alive holds, h11 starts the next cycle on the same connection.

A client that disconnects, resets or sends garbage ends its connection quietly: that
is normal traffic for a server, so it is logged at DEBUG, never raised into the
listener (which would take the whole emulator down).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
import anyio.abc
import h11

from .app import Request, Response

__all__ = ["READ_SIZE", "ResponseWriter", "serve_connection"]

logger = logging.getLogger(__name__)

# One read's worth; small requests arrive whole, large bodies in several chunks.
READ_SIZE = 65536

# Requests larger than this are refused by h11 before they fill memory.
_MAX_HEADER_BYTES = 64 * 1024

# Transport failures that only mean "the peer is gone".
_GONE = (
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    ConnectionError,
)


class _ClientGone(Exception):
    """The client closed the connection; nothing more to do on it."""


class ResponseWriter:
    """Sends one response on a connection, well-formed or deliberately not."""

    def __init__(self, conn: h11.Connection, stream: anyio.abc.ByteStream) -> None:
        self._conn = conn
        self._stream = stream
        self.aborted = False
        # Called with the status just before the status line goes out, so that the
        # journal knows the status before the client can have read it.
        self.on_start: Callable[[int], None] | None = None

    async def _send(self, event: h11.Event) -> None:
        data = self._conn.send(event)
        if data:
            await self._stream.send(data)

    async def start(
        self, response: Response, *, content_length: int | None = None
    ) -> None:
        """Send the status line and headers; ``Content-Length`` from the body."""
        length = len(response.body) if content_length is None else content_length
        headers = [(name.encode(), value.encode()) for name, value in response.headers]
        if response.status != 204:
            headers.append((b"Content-Length", str(length).encode()))

        if self.on_start is not None:
            self.on_start(response.status)

        await self._send(h11.Response(status_code=response.status, headers=headers))

    async def send(self, response: Response, *, chunk_delay_s: float = 0.0) -> None:
        """Send ``response`` whole; with a delay, in small chunks spaced by it."""
        await self.start(response)
        if response.body and chunk_delay_s > 0:
            for start in range(0, len(response.body), 64):
                await anyio.sleep(chunk_delay_s)
                await self._send(h11.Data(data=response.body[start : start + 64]))
        elif response.body:
            await self._send(h11.Data(data=response.body))

        await self._send(h11.EndOfMessage())

    async def send_partial(self, response: Response, sent_bytes: int) -> None:
        """Announce the whole body, send ``sent_bytes`` of it, then close."""
        await self.start(response)
        await self._send(h11.Data(data=response.body[:sent_bytes]))
        await self.abort()

    async def abort(self) -> None:
        """Close the connection now, whatever was or was not sent."""
        self.aborted = True
        await anyio.aclose_forcefully(self._stream)


Exchange = Callable[[Request, ResponseWriter], Awaitable[None]]


async def _next_event(conn: h11.Connection, stream: anyio.abc.ByteStream) -> h11.Event:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            assert isinstance(event, h11.Event)
            return event

        try:
            data = await stream.receive(READ_SIZE)
        except anyio.EndOfStream:
            data = b""

        conn.receive_data(data)


async def _read_request(
    conn: h11.Connection, stream: anyio.abc.ByteStream
) -> Request | None:
    """The next complete request, or ``None`` when the client has finished."""
    event = await _next_event(conn, stream)
    if isinstance(event, h11.ConnectionClosed):
        return None

    if not isinstance(event, h11.Request):
        raise _ClientGone(f"unexpected {type(event).__name__} before a request")

    body = bytearray()
    while True:
        part = await _next_event(conn, stream)
        if isinstance(part, h11.Data):
            body += part.data
        elif isinstance(part, h11.EndOfMessage):
            break
        else:
            raise _ClientGone("connection closed inside a request body")

    return Request(
        method=event.method.decode("ascii").upper(),
        target=event.target.decode("ascii"),
        headers=tuple(
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in event.headers
        ),
        body=bytes(body),
    )


async def _reject(conn: h11.Connection, stream: anyio.abc.ByteStream) -> None:
    """Answer an unparseable request with a bare 400 if h11 still allows it."""
    if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
        return

    response = h11.Response(
        status_code=400, headers=[(b"Content-Length", b"0"), (b"Connection", b"close")]
    )
    try:
        await stream.send(conn.send(response) + conn.send(h11.EndOfMessage()))
    except (*_GONE, h11.LocalProtocolError):
        pass


async def serve_connection(stream: anyio.abc.ByteStream, exchange: Exchange) -> None:
    """Serve requests on ``stream`` until either side closes it."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEADER_BYTES)
    try:
        while True:
            request = await _read_request(conn, stream)
            if request is None:
                return

            writer = ResponseWriter(conn, stream)
            await exchange(request, writer)
            if writer.aborted or conn.our_state is not h11.DONE:
                return

            if conn.their_state is not h11.DONE:
                return

            conn.start_next_cycle()
    except h11.RemoteProtocolError as error:
        logger.debug("connection.rejected: %s", error)
        await _reject(conn, stream)
    except (*_GONE, _ClientGone) as error:
        logger.debug("connection.gone: %s", type(error).__name__)
    finally:
        await anyio.aclose_forcefully(stream)
