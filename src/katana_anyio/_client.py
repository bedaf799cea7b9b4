"""KatanaClient: the core's decisions, run over httpcore on asyncio or trio.

The loop for every HTTP attempt (httpcore's shape: ask, do one I/O step, report):

1. take a slot from the rate budget, sleeping if it says so;
2. send through the connection pool;
3. feed status and headers to the budget and to the retry policy;
4. return, raise, or sleep and go back to 1.

Auto-pagination sits above that loop (see ``_paging``), so a retry repeats one page,
never the whole collection.
"""

from __future__ import annotations

import enum
import functools
import inspect
import logging
import random
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any, Final

import anyio
import httpcore
import msgspec

from katana_core import (
    IDEMPOTENT_METHODS,
    READ_METHODS,
    BudgetConfig,
    ConfigurationError,
    DeadlineExceeded,
    Failure,
    GiveUp,
    InvalidRequest,
    Params,
    ParamsInput,
    RetryBudget,
    RetryConfig,
    TransportError,
    decide_retry,
    encode_params,
    error_for_status,
    parse_rate_limit,
)

from . import _paging
from ._api_resources import Api
from ._checks import check_call_options, is_count, is_seconds
from ._config import TokenSource, is_loopback_host, resolve_api_key, resolve_base_url
from ._items import Materials, Products, Services, Variants
from ._limiter import Budget, RateBudget, wall_time
from ._pool import SENT_MARK, OriginPool
from ._response import Headers, Response
from ._transport import Cert, Verify, build_pool, classify_failure, ssl_context

__all__ = ["KatanaClient"]

_USER_AGENT = "katana-client/0.1.0"
_FIXED_HEADERS = (
    (b"Accept", b"application/json"),
    (b"User-Agent", _USER_AGENT.encode()),
)
_NO_BODY: Any = object()

Hook = Callable[..., Any]

# Katana's quota, and the retries a call makes before it gives up.
_DEFAULT_PER_MINUTE = 60
_DEFAULT_MAX_RETRIES = 5


class _Unset(enum.Enum):
    """An option left out; ``None`` already means "off" for some options."""

    UNSET = "unset"


_UNSET: Final = _Unset.UNSET


class KatanaClient:
    """An async client for the Katana MRP API.

    Use it as ``async with KatanaClient() as client:``. See the README for the
    options; every wait (rate budget, retries) happens inside the call, and
    ``deadline`` bounds all of it.
    """

    def __init__(
        self,
        api_key: TokenSource | None = None,
        *,
        token: TokenSource | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int | _Unset = _UNSET,
        max_pages: int = 100,
        requests_per_minute: int | _Unset | None = _UNSET,
        rate_budget: Budget | BudgetConfig | None = None,
        page_concurrency: int = 10,
        logger: Any = None,
        retry: RetryConfig | None = None,
        http2: bool = False,
        max_connections: int = 20,
        verify: Verify = True,
        cert: Cert = None,
        proxy: str | None = None,
        trust_env: bool = False,
        allow_insecure_http: bool = False,
        on_request: Hook | None = None,
        on_response: Hook | None = None,
    ) -> None:
        self._log = logger if logger is not None else logging.getLogger("katana_anyio")
        self.base_url = resolve_base_url(base_url)
        self._token = resolve_api_key(api_key, token, self.base_url)
        self._check_scheme(allow_insecure_http)

        if timeout is not None and not is_seconds(timeout):
            raise ConfigurationError(f"timeout must be > 0 seconds, got {timeout!r}")
        for name, number in (
            ("max_pages", max_pages),
            ("page_concurrency", page_concurrency),
            ("max_connections", max_connections),
        ):
            if not is_count(number):
                raise ConfigurationError(
                    f"{name} must be an integer >= 1, got {number!r}"
                )
        self.timeout = timeout
        self.max_pages = max_pages
        self.page_concurrency = page_concurrency
        if retry is not None and max_retries is not _UNSET:
            raise ConfigurationError(
                "pass max_retries or retry=RetryConfig(max_retries=...), not both"
            )
        if max_retries is _UNSET:
            max_retries = _DEFAULT_MAX_RETRIES
        self.retry = retry or RetryConfig(max_retries=max_retries)
        if rate_budget is not None and requests_per_minute is not _UNSET:
            raise ConfigurationError(
                "pass requests_per_minute or rate_budget, not both "
                "(rate_budget=BudgetConfig(limit, window_s) sets both numbers)"
            )
        if requests_per_minute is _UNSET:
            requests_per_minute = _DEFAULT_PER_MINUTE
        self.budget: Budget = _make_budget(requests_per_minute, rate_budget)
        self._retry_budget = RetryBudget()
        self._on_request = on_request
        self._on_response = on_response

        # Building a verified TLS context reads the system's CA bundle (tens of ms);
        # a plain-http base URL without a proxy never needs one.
        needs_tls = self.base_url.startswith("https:") or proxy or trust_env
        context = ssl_context(verify, cert, self._log) if needs_tls else None
        self._pool = build_pool(
            base_url=self.base_url,
            context=context,
            http2=http2,
            max_connections=max_connections,
            proxy=proxy,
            trust_env=trust_env,
        )
        self._closed = False
        self._stack: AsyncExitStack | None = None
        self.stats = ClientStats()

    def __repr__(self) -> str:
        # Never the key: only where the client points.
        return f"<KatanaClient {self.base_url}>"

    def _check_scheme(self, allow_insecure_http: bool) -> None:
        parts = urllib.parse.urlsplit(self.base_url)
        insecure = parts.scheme == "http" and not is_loopback_host(parts.hostname or "")
        if insecure and not allow_insecure_http:
            raise ConfigurationError(
                f"refusing to send the API key over plain http to {parts.hostname}; "
                "use https, or pass allow_insecure_http=True if you mean it"
            )

    # -- lifecycle ---------------------------------------------------------------

    async def __aenter__(self) -> KatanaClient:
        if self._closed:
            raise RuntimeError("this KatanaClient is closed; create a new one")
        async with AsyncExitStack() as stack:
            if isinstance(self.budget, AbstractAsyncContextManager):
                # A shared budget holds connections of its own (Redis); it lives as
                # long as the client and is left last.
                await stack.enter_async_context(self.budget)
            await stack.enter_async_context(self._pool)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection; the client cannot be used afterwards."""
        self._closed = True
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        else:
            await self._pool.aclose()

    # -- public calls -------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: ParamsInput = None,
        json: Any = _NO_BODY,
        timeout: float | None = None,
        deadline: float | None = None,
        auto_pagination: bool = True,
        max_items: int | None = None,
    ) -> Response:
        """Send one call; a GET without ``page`` is paged through and merged.

        ``deadline`` (seconds from now) bounds the whole call: waits for the rate
        budget, retries and every page. ``timeout`` bounds each network step.
        """
        method = method.upper()
        check_call_options(timeout=timeout, deadline=deadline, max_items=max_items)
        until = None if deadline is None else anyio.current_time() + deadline
        if method == "GET" and json is _NO_BODY:
            plan = _paging.plan(
                params,
                max_pages=self.max_pages,
                max_items=max_items,
                auto_pagination=auto_pagination,
            )
            if not plan.single_page:
                return await _paging.collect(self, path, plan, timeout, until)
            response = await self.send(
                method, path, plan.query_for(1), None, timeout, until
            )
            return _paging.truncated(response, max_items)

        body = None if json is _NO_BODY else msgspec.json.encode(json)
        return await self.send(
            method, path, encode_params(params), body, timeout, until
        )

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Response:
        return await self.request("PATCH", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Response:
        return await self.request("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", path, **kwargs)

    def paginate(
        self,
        path: str,
        *,
        params: ParamsInput = None,
        max_items: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> AsyncIterator[Any]:
        """Yield the records of a list endpoint in page order.

        Pages are fetched ``page_concurrency`` at a time, concurrently, when the
        consumer reaches them, so memory holds at most one such window. Nothing is
        fetched between two steps of the loop: stopping early (``break``, an
        exception) leaves no request running.
        """
        check_call_options(timeout=timeout, deadline=deadline, max_items=max_items)
        plan = _paging.plan(params, max_pages=self.max_pages, max_items=max_items)
        return _paging.stream_records(self, path, plan, timeout, deadline)

    def pages(
        self,
        path: str,
        *,
        params: ParamsInput = None,
        max_items: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> AsyncIterator[_paging.Page]:
        """Like :meth:`paginate`, one :class:`Page` of undecoded records at a time."""
        check_call_options(timeout=timeout, deadline=deadline, max_items=max_items)
        plan = _paging.plan(params, max_pages=self.max_pages, max_items=max_items)
        return _paging.stream_pages(self, path, plan, timeout, deadline)

    # -- typed layers: client.api.<resource> and the item helpers ----------------

    @functools.cached_property
    def api(self) -> Api:
        """Every resource of Katana's API: ``client.api.sales_orders.list()``."""
        return Api(self)

    @property
    def products(self) -> Products:
        """Products: list, get, create, update, delete and ranked ``search``."""
        return self.api.products

    @property
    def materials(self) -> Materials:
        """Materials: list, get, create, update, delete and ranked ``search``."""
        return self.api.materials

    @property
    def services(self) -> Services:
        """Services: list, get, create, update, delete and ranked ``search``."""
        return self.api.services

    @property
    def variants(self) -> Variants:
        """Variants: list, get, create, update, delete and ``search`` by SKU."""
        return self.api.variants

    # -- one call, with retries ------------------------------------------------

    def _url(self, path: str, query: Params) -> str:
        if "://" in path:
            if not path.startswith(self.base_url + "/"):
                raise InvalidRequest(
                    "absolute URLs must point under the client's base URL, so the "
                    "key is only ever sent there"
                )
            url = path
        else:
            url = f"{self.base_url}/{path.lstrip('/')}"
        if "?" in url or "#" in url:
            raise InvalidRequest("pass query parameters with params=, not in the path")
        if query:
            url = f"{url}?{urllib.parse.urlencode(query)}"
        return url

    async def _token_value(self) -> str:
        source = self._token
        if isinstance(source, str):
            return source
        value = source()
        if inspect.isawaitable(value):
            value = await value
        if not isinstance(value, str) or not value:
            raise ConfigurationError("the token callable returned no token")
        return value

    async def send(
        self,
        method: str,
        path: str,
        query: Params,
        body: bytes | None,
        timeout: float | None,
        deadline: float | None,
    ) -> Response:
        """One request: budget, send, retry until a final answer or a typed error.

        ``deadline`` is absolute (``anyio.current_time()`` seconds). Returns the 2xx
        response; raises the typed error otherwise.
        """
        if self._closed:
            raise RuntimeError("this KatanaClient is closed; create a new one")
        url = self._url(path, query)
        shown = _shown(path, query)
        attempts = 0
        # Whether an attempt so far may have reached Katana without an answer we
        # could trust: a retried DELETE that then gets 404 may be our own doing.
        uncertain = False
        while True:
            sent_at = await self.budget.acquire(deadline)
            attempts += 1
            try:
                outcome = await self._attempt(
                    method, url, path, shown, body, timeout, deadline
                )
            except BaseException:
                # Cancelled, past the deadline, or a hook or token callable failed:
                # no response will report on this slot. Unreleased, a probe slot
                # would keep every later request waiting for its answer. Shielded:
                # a shared budget's release is itself I/O, bounded by its timeout.
                with anyio.CancelScope(shield=True):
                    await _settle(self.budget.release(sent_at))
                raise
            now = anyio.current_time()
            if isinstance(outcome, BaseException):
                await _settle(self.budget.release(sent_at))
                failure, exc = classify_failure(outcome), outcome
                uncertain = uncertain or failure is Failure.AFTER_SEND
                decision = decide_retry(
                    self.retry,
                    method=method,
                    attempts=attempts,
                    failure=failure,
                    now=now,
                    deadline=deadline,
                    draw=random.random(),
                    budget=self._retry_budget,
                )
                if decision is None or isinstance(decision, GiveUp) or self._closed:
                    # A client closed under a call does not retry it: the error
                    # says what the attempt that was cut short may have done.
                    raise _transport_error(
                        method, path, failure, exc, decision, uncertain
                    )
                self._retry_budget = self._retry_budget.spend()
            else:
                response = outcome
                info = parse_rate_limit(response.headers, wall_time())
                await _settle(
                    self.budget.observe(
                        info, status=response.status_code, sent_at=sent_at
                    )
                )
                decision = decide_retry(
                    self.retry,
                    method=method,
                    attempts=attempts,
                    status=response.status_code,
                    retry_after_s=info.retry_after_s,
                    now=now,
                    deadline=deadline,
                    draw=random.random(),
                    budget=self._retry_budget,
                )
                if decision is None or isinstance(decision, GiveUp):
                    return self._final(
                        response, info.retry_after_s, decision, uncertain
                    )
                uncertain = uncertain or response.status_code >= 500
                if response.status_code != 429:
                    self._retry_budget = self._retry_budget.spend()

            self._log.warning(
                "retry.scheduled method=%s path=%s attempt=%d reason=%r delay_s=%.2f",
                method,
                path,
                attempts,
                decision.reason,
                decision.delay_s,
            )
            self.stats.retries += 1
            await anyio.sleep(decision.delay_s)

    def _final(
        self,
        response: Response,
        retry_after_s: float | None,
        decision: GiveUp | None,
        uncertain: bool,
    ) -> Response:
        if response.is_success:
            self._retry_budget = self._retry_budget.earn()
            return response

        error = error_for_status(
            response.status_code,
            response.content,
            method=response.method,
            path=response.path,
            retry_after_s=retry_after_s,
            earlier_attempt_may_have_applied=uncertain,
        )
        if decision is not None:
            self._log.warning("retry.gave_up %s (%s)", error, decision.reason)
        elif 400 <= response.status_code < 500:
            # The caller gets the typed error; a 404 from an existence check is
            # no error of the program's, so the log line stays below WARNING.
            self._log.info("request.refused %s", error)
        raise error

    async def _attempt(
        self,
        method: str,
        url: str,
        path: str,
        shown: str,
        body: bytes | None,
        timeout: float | None,
        deadline: float | None,
    ) -> Response | BaseException:
        """One HTTP exchange: a response, or the transport exception it ended with.

        The deadline covers the token callable and the hooks as well as the
        exchange. A write is only said to be possibly applied once its bytes may
        have left.
        """
        step = self.timeout if timeout is None else timeout
        started = anyio.current_time()
        limit = None if deadline is None else max(0.0, deadline - started)
        sending = False
        connected: list[bool] = []
        try:
            with anyio.fail_after(limit):
                token = _bearer(await self._token_value())
                headers = [(b"Authorization", token), *_FIXED_HEADERS]
                if body is not None:
                    headers.append((b"Content-Type", b"application/json"))
                await _call_hook(self._on_request, method, path)

                sending = True
                self.stats.requests += 1
                raw = await self._pool.request(
                    method,
                    url,
                    headers=headers,
                    content=body,
                    extensions={"timeout": _timeouts(step), SENT_MARK: connected},
                )
        except TimeoutError:
            # Our pool marks when a request gets its connection; one still
            # waiting for a connection has not left. httpcore's pools (proxy,
            # HTTP/2) do not say, so there it may have.
            left = sending and (
                bool(connected) or not isinstance(self._pool, OriginPool)
            )
            applied = left and method not in IDEMPOTENT_METHODS
            raise DeadlineExceeded(
                f"the call's deadline passed during {method} {path}"
                + ("; the write may have been applied" if applied else "")
            ) from None
        except httpcore.LocalProtocolError:
            # h11 refused to write the request (say, a control character in a
            # header). Nothing was sent; its message would quote the header, key
            # included, so it is not kept.
            raise InvalidRequest(
                f"{method} {path} cannot be written as HTTP/1.1 (an illegal character "
                "in the path or a header)"
            ) from None
        except (
            httpcore.NetworkError,
            httpcore.TimeoutException,
            httpcore.RemoteProtocolError,
            httpcore.ProxyError,
        ) as exc:
            self._log.debug(
                "request.failed method=%s path=%s error=%s",
                method,
                shown,
                type(exc).__name__,
            )
            return exc

        response = Response(
            status_code=raw.status,
            headers=Headers(raw.headers),
            content=raw.content,
            method=method,
            path=path,
        )
        if response.status_code == 429:
            self.stats.responses_429 += 1
        if _debug(self._log):
            self._log.debug(
                "request.complete method=%s path=%s status=%d elapsed_s=%.3f "
                "budget_remaining=%s",
                method,
                shown,
                response.status_code,
                anyio.current_time() - started,
                self.budget.remaining,
            )
        await _call_hook(self._on_response, response)
        return response


def _bearer(token: str) -> bytes:
    """The Authorization value; a malformed token is refused without being shown."""
    if token != token.strip() or not token.isprintable() or not token.isascii():
        raise ConfigurationError(
            "the API key contains whitespace or non-printable characters (a pasted "
            "newline?); it was not sent"
        )
    return b"Bearer " + token.encode("ascii")


# Query parameters whose values never reach a log line. Matched by exact name: a
# substring match would also hide `keyword` or `author` and every `email`.
_SECRET_PARAMS = frozenset(
    {
        "access_token", "api_key", "apikey", "auth", "authorization",
        "client_secret", "key", "password", "refresh_token", "secret", "token",
    }
)  # fmt: skip


def _shown(path: str, query: Params) -> str:
    """The path and query as logged: secret parameters' values are replaced."""
    if not query:
        return path
    pairs = [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in query]
    return f"{path}?{urllib.parse.urlencode(pairs, safe='*')}"


class ClientStats:
    """Counters a caller can read after a run (the demo's summary uses them)."""

    __slots__ = ("requests", "responses_429", "retries")

    def __init__(self) -> None:
        self.requests = 0
        self.responses_429 = 0
        self.retries = 0


def _make_budget(
    requests_per_minute: int | None, rate_budget: Budget | BudgetConfig | None
) -> Budget:
    if isinstance(rate_budget, BudgetConfig):
        return RateBudget(rate_budget)
    if rate_budget is not None:
        needed = ("acquire", "observe", "release")
        if not all(callable(getattr(rate_budget, name, None)) for name in needed):
            raise ConfigurationError(
                "rate_budget must be a BudgetConfig, a RateBudget or a shared budget "
                f"such as RedisRateBudget, got {type(rate_budget).__name__}"
            )
        return rate_budget
    if requests_per_minute is None:
        return _Unlimited()
    if not is_count(requests_per_minute):
        raise ConfigurationError(
            f"requests_per_minute must be >= 1 or None, got {requests_per_minute}"
        )
    return RateBudget(BudgetConfig(limit=requests_per_minute, window_s=60.0))


class _Unlimited(RateBudget):
    """``requests_per_minute=None``: no pacing at all, and nothing learnt."""

    async def acquire(self, deadline: float | None = None) -> float:
        return anyio.current_time()

    def observe(self, info: Any, *, status: int, sent_at: float) -> None:
        return None

    def release(self, sent_at: float) -> None:
        return None


def _debug(log: Any) -> bool:
    """Whether a debug line would go anywhere; a logger of another kind (one
    without ``isEnabledFor``) is always given its debug calls."""
    enabled = getattr(log, "isEnabledFor", None)
    return enabled is None or bool(enabled(logging.DEBUG))


def _timeouts(seconds: float | None) -> dict[str, float | None]:
    return {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}


def _transport_error(
    method: str,
    path: str,
    failure: Failure,
    exc: BaseException,
    decision: GiveUp | None,
    earlier_attempt_may_have_applied: bool = False,
) -> TransportError:
    # An earlier attempt that reached the server counts too: a DELETE whose first
    # answer was lost and whose retries could not connect may still have deleted.
    may_have_applied = failure is Failure.AFTER_SEND or earlier_attempt_may_have_applied
    what = type(exc).__name__
    message = f"{method} {path} failed: {what}"
    if decision is not None:
        message += f" ({decision.reason})"
    if may_have_applied and method not in READ_METHODS:
        message += "; a request was sent, so the change may have been applied"
    # The transport exception is not chained: its message may quote what was being
    # written. Its type name, above, says what happened.
    return TransportError(message, method=method, may_have_applied=may_have_applied)


async def _settle(result: Awaitable[None] | None) -> None:
    """Await what a shared budget's ``observe``/``release`` returned, if anything."""
    if result is not None:
        await result


async def _call_hook(hook: Hook | None, *args: Any) -> None:
    if hook is None:
        return
    result = hook(*args)
    if isinstance(result, Awaitable):
        await result
