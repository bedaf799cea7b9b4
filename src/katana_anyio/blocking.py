"""A blocking client for scripts and notebooks.

It runs a real :class:`~katana_anyio.KatanaClient` on an event loop in a worker
thread (anyio's blocking portal) and waits for each call, so every resilience
feature (rate budget, retries, concurrent pages) is the async client's own::

    from katana_anyio.blocking import KatanaClient

    with KatanaClient() as client:
        products = client.get("/products").json()["data"]
        for variant in client.paginate("/variants"):
            ...

Do not use it from inside a running event loop: use the async client there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._client import KatanaClient as AsyncKatanaClient
from ._response import Response

__all__ = ["KatanaClient"]


class KatanaClient:
    """The blocking twin of the async client; it takes the same arguments.

    ``backend`` picks the event loop the worker thread runs ("asyncio" or "trio").
    """

    def __init__(self, *args: Any, backend: str = "asyncio", **kwargs: Any) -> None:
        # Built here, in the caller's thread, so configuration errors surface at
        # construction as they do for the async client.
        self._client = AsyncKatanaClient(*args, **kwargs)
        self._backend = backend
        self._stack: contextlib.ExitStack | None = None
        self._portal: BlockingPortal | None = None

    def __repr__(self) -> str:
        return f"<blocking KatanaClient {self._client.base_url}>"

    def __enter__(self) -> KatanaClient:
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(start_blocking_portal(self._backend))
            # One task of the portal holds the client open, so that its task group
            # is entered and left by the same task.
            stack.enter_context(portal.wrap_async_context_manager(self._client))
            self._stack = stack.pop_all()
            self._portal = portal
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the worker thread."""
        stack, self._stack, self._portal = self._stack, None, None
        if stack is not None:
            stack.close()

    def _require(self) -> BlockingPortal:
        if self._portal is None:
            raise RuntimeError("use `with KatanaClient() as client:` first")
        return self._portal

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        portal = self._require()
        return portal.call(lambda: self._client.request(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def paginate(self, path: str, **kwargs: Any) -> Iterator[Any]:
        """Yield records in page order; stopping early cancels pending fetches."""
        portal = self._require()
        stream = self._client.paginate(path, **kwargs)
        with portal.wrap_async_context_manager(_closing(stream)) as records:
            while True:
                try:
                    yield portal.call(records.__anext__)
                except StopAsyncIteration:
                    return


@contextlib.asynccontextmanager
async def _closing(stream: Any) -> Any:
    try:
        yield stream
    finally:
        await stream.aclose()
