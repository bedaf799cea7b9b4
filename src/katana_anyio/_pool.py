"""A small pool of HTTP/1.1 connections to the one origin a client talks to.

httpcore's ``AsyncConnectionPool`` serves many origins and HTTP/2, and to do so it
re-examines every connection several times for each request, with a socket
readability check each time. With ten pages in flight that bookkeeping took more
of the client's CPU than reading the pages. A client talks to a single origin over
HTTP/1.1, so this pool keeps its idle connections on a stack and examines only the
one it takes. The connections themselves are httpcore's: connecting, TLS, h11 and
the timeouts are unchanged. Proxies and HTTP/2 still go through httpcore's pools.
"""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Any

import anyio
import httpcore

__all__ = ["SENT_MARK", "OriginPool"]

# A request extension: a list the pool appends to once the request has a
# connection, so that a caller whose deadline passed can tell whether it may
# have left or was still queued for a connection.
SENT_MARK = "katana_anyio.connected"

_DEFAULT_PORTS = {b"http": 80, b"https": 443}


class OriginPool:
    """At most ``max_connections`` exchanges at once; idle connections are reused.

    An exchange reads the whole body and gives the connection back before it
    returns, so a connection is never held by a caller. A connection that failed,
    was cancelled, or that the server closed is dropped, never reused.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None,
        max_connections: int,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._ssl_context = ssl_context
        self._network_backend = network_backend
        self._max_connections = max_connections
        # Made on first use, under the event loop that uses it: a client may be
        # built under one loop (or none) and run under another.
        self._slots: anyio.Semaphore | None = None
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._live: list[httpcore.AsyncHTTPConnection] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def connections(self) -> list[httpcore.AsyncHTTPConnection]:
        """Every open connection, busy or idle (for inspection)."""
        return list(self._live)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: list[tuple[bytes, bytes]],
        content: bytes | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> httpcore.Response:
        """Send one request (``Host`` and ``Content-Length`` added) and read it all."""
        parsed = httpcore.URL(url)
        host = _host_header(parsed)
        framing = [(b"Host", host), *headers]
        if content is not None:
            framing.append((b"Content-Length", b"%d" % len(content)))
        request = httpcore.Request(
            method, parsed, headers=framing, content=content, extensions=extensions
        )
        return await self.handle_async_request(request)

    async def handle_async_request(
        self, request: httpcore.Request
    ) -> httpcore.Response:
        """One exchange, its body read in full."""
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        if self._slots is None:
            self._slots = anyio.Semaphore(self._max_connections)
        slots = self._slots
        timeouts = request.extensions.get("timeout", {})
        with anyio.move_on_after(timeouts.get("pool")) as waiting:
            await slots.acquire()
        if waiting.cancelled_caught:
            raise httpcore.PoolTimeout("no free connection within the timeout")
        if self.closed:
            # Closed while this request waited: it must not open a connection.
            slots.release()
            raise RuntimeError("the connection pool was closed while waiting")

        try:
            connection = await self._take(request.url.origin)
            mark = request.extensions.get(SENT_MARK)
            if mark is not None:
                mark.append(True)
            try:
                response = await connection.handle_async_request(request)
                try:
                    body = await response.aread()
                finally:
                    await response.aclose()
            except BaseException:
                await self._drop(connection)
                raise
            await self._give_back(connection)
        finally:
            slots.release()

        # The connection is back in the pool; the caller gets the body as bytes.
        # The network stream belongs to the pool again: not handed out.
        extensions = {
            k: v for k, v in response.extensions.items() if k != "network_stream"
        }
        result = httpcore.Response(
            response.status,
            headers=response.headers,
            content=body,
            extensions=extensions,
        )
        await result.aread()  # takes the bytes as they are; nothing is awaited
        return result

    async def _take(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            connection = self._idle.pop()
            # The server may have closed it while it sat idle: one readability
            # check, for this connection only.
            usable = connection.can_handle_request(origin) and not (
                connection.has_expired() or not connection.is_available()
            )
            if usable:
                return connection
            await self._drop(connection)

        connection = httpcore.AsyncHTTPConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            http1=True,
            http2=False,
            retries=0,
            network_backend=self._network_backend,
        )
        self._live.append(connection)
        return connection

    async def _give_back(self, connection: httpcore.AsyncHTTPConnection) -> None:
        if self._closed or not connection.is_available():
            # ``Connection: close``, an upgrade, or a pool closed meanwhile.
            await self._drop(connection)
            return
        self._idle.append(connection)
        # The stack's bottom is the connection idle longest, the likeliest to have
        # been closed by the server. Checked here, one per exchange, it does not
        # sit in CLOSE_WAIT until a burst reaches down to it.
        oldest = self._idle[0]
        if oldest is not connection and oldest.has_expired():
            del self._idle[0]
            await self._drop(oldest)

    async def _drop(self, connection: httpcore.AsyncHTTPConnection) -> None:
        if connection in self._live:
            self._live.remove(connection)
        # Shielded: out of the list, a connection cancelled mid-close would be
        # left open with nobody to close it.
        with anyio.CancelScope(shield=True):
            await connection.aclose()

    async def aclose(self) -> None:
        """Close every connection; requests after this raise ``RuntimeError``."""
        self._closed = True
        live, self._live, self._idle = self._live, [], []
        with anyio.CancelScope(shield=True):
            for connection in live:
                await connection.aclose()

    async def __aenter__(self) -> OriginPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _host_header(url: httpcore.URL) -> bytes:
    host = url.host
    if b":" in host:
        # An IPv6 literal is bracketed, as in the URL.
        host = b"[" + host + b"]"
    if url.port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
        host += b":%d" % url.port
    return host
