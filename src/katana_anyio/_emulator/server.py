"""The emulator as a running server: listener, connections, journal, latency, faults.

Theory of operation. ``KatanaEmulator`` owns one task group. Entering it binds a
loopback listener (port 0 picks a free port) and starts accepting; each connection
runs ``serve_connection`` in its own task. For every complete request the exchange
records a journal entry, asks the ``Application`` for the response (which applies
any write and takes a rate-limit slot at that instant), waits the configured
latency, then sends. Leaving the context cancels the task group: open connections
are closed, idle keep-alive readers stop, and nothing outlives the block, on asyncio
and on trio alike.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, Self

import anyio
import anyio.abc

from .app import API_PREFIX, Application, Request
from .config import EmulatorConfig
from .faults import FaultQueue, apply_fault
from .http import ResponseWriter, serve_connection
from .journal import JournalEntry, Stats, redact_headers
from .ratelimit import RateLimiter
from .resources import RESOURCES
from .seed import Record
from .store import Store

__all__ = ["KatanaEmulator", "run", "serve"]

logger = logging.getLogger(__name__)


class KatanaEmulator:
    """A Katana API stand-in on a loopback port, used as an async context manager.

    ``monotonic`` and ``wall`` replace the rate limiter's clocks (by default
    ``anyio.current_time`` and ``time.time``) so that tests can drive windows.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        monotonic: Callable[[], float] | None = None,
        wall: Callable[[], float] | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        sizes = {name: self.config.size_of(name) for name in RESOURCES}
        self.store = Store(self.config.seed, sizes, quirks=self.config.quirks)
        limiter = None
        if self.config.rate_limit is not None:
            limiter = RateLimiter(
                self.config.rate_limit,
                monotonic=monotonic or anyio.current_time,
                wall=wall or time.time,
            )

        self.app = Application(self.config, self.store, limiter)
        self.journal: list[JournalEntry] = []
        self.stats = Stats()
        self.faults = FaultQueue(self.config.seed)
        self.faults.rate = self.config.fault_rate
        self._jitter = random.Random(f"{self.config.seed}:latency")
        self._stack: AsyncExitStack | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The bound port; only valid inside the ``async with`` block."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")

        return self._port

    @property
    def base_url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:54321/v1``."""
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{API_PREFIX}"

    def records(self, resource: str, *, include_deleted: bool = False) -> list[Record]:
        """The current records of ``resource`` as the API renders them, by id.

        Creation order, which is ascending id for integer ids; see ``listing`` for
        the order the API lists them in.
        """
        return self.store.records(resource, include_deleted=include_deleted)

    def listing(self, resource: str, *, include_deleted: bool = False) -> list[Record]:
        """The current records of ``resource`` in list order (newest first mostly)."""
        return self.store.listing(resource, include_deleted=include_deleted)

    async def __aenter__(self) -> Self:
        host = "127.0.0.1" if self.config.host == "localhost" else self.config.host
        async with AsyncExitStack() as stack:
            listener = await anyio.create_tcp_listener(
                local_host=host, local_port=self.config.port
            )
            stack.push_async_callback(listener.aclose)
            # anyio typed attribute; the rule targets Django QuerySet.extra.
            port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
            self._port = int(port)
            task_group = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(task_group.cancel_scope.cancel)
            task_group.start_soon(listener.serve, self._connection, task_group)
            self._stack = stack.pop_all()

        logger.debug("emulator.started: %s", self.base_url)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            # The caller's exception is not handed to the task group: it would come
            # out wrapped in an ExceptionGroup, and `except NotFoundError` around
            # the block would stop matching. It propagates unchanged instead.
            await stack.aclose()

        self._port = None
        logger.debug("emulator.stopped")

    async def _connection(self, stream: anyio.abc.SocketStream) -> None:
        self.stats.connections += 1
        try:
            await serve_connection(stream, self._exchange)
        except Exception:
            # One broken exchange must not stop the listener for everyone else.
            logger.exception("connection.failed")

    def _latency_s(self) -> float:
        jitter_s = self.config.jitter_s
        return self.config.latency_s + (
            self._jitter.uniform(0, jitter_s) if jitter_s else 0.0
        )

    async def _exchange(self, request: Request, writer: ResponseWriter) -> None:
        path, query = request.split_target()
        entry = JournalEntry(
            method=request.method,
            path=path,
            query=query,
            headers=redact_headers(
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in request.headers
            ),
            body=request.body,
            time=anyio.current_time(),
        )
        self.journal.append(entry)
        self.stats.requests += 1
        fault = self.faults.next_for(request.method, path)
        response = None
        if fault is None or fault.reaches_api:
            response = self.app.handle(request)
            entry.write_applied = response.write_applied
            self.stats.writes_applied += response.write_applied

        delay_s = self._latency_s()
        if delay_s > 0:
            await anyio.sleep(delay_s)

        def on_start(status: int) -> None:
            entry.status = status
            self.stats.count_status(status)

        writer.on_start = on_start
        if fault is None:
            assert response is not None
            await writer.send(response)
        else:
            entry.fault = fault.kind
            rate_headers = self.app.rate_headers(request)
            await apply_fault(fault, response, writer, rate_headers)


async def serve(
    config: EmulatorConfig | None = None,
    *,
    task_status: anyio.abc.TaskStatus[KatanaEmulator] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Run an emulator until cancelled; ``task_group.start`` returns it running."""
    async with KatanaEmulator(config) as emulator:
        task_status.started(emulator)
        await anyio.sleep_forever()


def run(
    config: EmulatorConfig | None = None,
    *,
    backend: str = "asyncio",
    on_ready: Callable[[KatanaEmulator], Any] | None = None,
) -> None:
    """Serve until interrupted (the ``katana emulator`` command); blocks."""

    async def main() -> None:
        async with anyio.create_task_group() as task_group:
            emulator: KatanaEmulator = await task_group.start(serve, config)
            logger.info("emulator.listening: %s", emulator.base_url)
            if on_ready is not None:
                on_ready(emulator)

    anyio.run(main, backend=backend)
