"""A blocking client for scripts and notebooks.

It runs a real :class:`~katana_anyio.KatanaClient` on an event loop in a worker
thread (anyio's blocking portal) and waits for each call, so every resilience
feature (rate budget, retries, concurrent pages) is the async client's own::

    from katana_anyio.blocking import KatanaClient

    with KatanaClient() as client:
        products = client.get("/products").json()["data"]
        for variant in client.paginate("/variants"):
            ...
        found = client.products.search("widget")
        orders = client.api.sales_orders.list(status="NOT_SHIPPED")

Do not use it from inside a running event loop: use the async client there.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._api import Resource
from ._api_resources import Api
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
        return _iterate(self._require(), self._client.paginate(path, **kwargs))

    # The typed layers, through a proxy that waits for each coroutine method. The
    # proxies are typed ``Any``: the async client carries the precise types.

    @property
    def api(self) -> Any:
        """``client.api.<resource>.<method>(...)``, each call blocking."""
        return _Blocking(self._client.api, self._require)

    @property
    def products(self) -> Any:
        return _Blocking(self._client.products, self._require)

    @property
    def materials(self) -> Any:
        return _Blocking(self._client.materials, self._require)

    @property
    def services(self) -> Any:
        return _Blocking(self._client.services, self._require)

    @property
    def variants(self) -> Any:
        return _Blocking(self._client.variants, self._require)


class _Blocking:
    """Runs the coroutine methods of ``target`` on the portal; ``iter`` blocks too."""

    def __init__(self, target: Any, portal: Any) -> None:
        self._target = target
        self._portal = portal

    def __repr__(self) -> str:
        return f"<blocking {self._target!r}>"

    def __dir__(self) -> list[str]:
        return dir(self._target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name == "iter":
            return lambda *a, **kw: _iterate(self._portal(), value(*a, **kw))
        if inspect.iscoroutinefunction(value):
            return lambda *a, **kw: self._portal().call(lambda: value(*a, **kw))
        if callable(value):
            return lambda *a, **kw: self._wrap(value(*a, **kw))

        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, Api | Resource):
            return _Blocking(value, self._portal)

        return value


def _iterate(portal: BlockingPortal, stream: Any) -> Iterator[Any]:
    """Step an async stream through the portal, one call per record.

    The client's streams run nothing between steps, so no portal task is held
    while the caller holds the iterator: an iterator left unfinished cannot keep
    ``close()`` waiting for it.
    """
    try:
        while True:
            try:
                yield portal.call(stream.__anext__)
            except StopAsyncIteration:
                return
    finally:
        # Closed with the client already (the portal stopped): nothing is left
        # to release, since the stream only holds records already fetched.
        with contextlib.suppress(RuntimeError):
            portal.call(stream.aclose)
