"""Building the httpcore connection pool: TLS, HTTP/2, limits and proxies."""

from __future__ import annotations

import logging
import os
import ssl
import urllib.parse
import urllib.request

import httpcore

from katana_core import ConfigurationError, Failure

from ._pool import OriginPool

__all__ = ["Pool", "ProxyChoice", "build_pool", "classify_failure", "ssl_context"]

Verify = bool | str | os.PathLike[str] | ssl.SSLContext
Cert = str | tuple[str, str] | tuple[str, str, str] | None
ProxyChoice = str | None
Pool = OriginPool | httpcore.AsyncConnectionPool | httpcore.AsyncHTTPProxy


def ssl_context(verify: Verify, cert: Cert, log: logging.Logger) -> ssl.SSLContext:
    """A TLS context: verified against the system CAs unless told otherwise."""
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif verify is True:
        context = ssl.create_default_context()
    elif verify is False:
        log.warning(
            "TLS certificate verification is disabled: anyone on the network path "
            "can read and change the traffic, API key included"
        )
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        path = os.fspath(verify)
        try:
            if os.path.isdir(path):
                context = ssl.create_default_context(capath=path)
            else:
                context = ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"cannot load CA certificates from {path!r}"
            ) from exc

    if cert is not None:
        files = (cert,) if isinstance(cert, str) else cert
        try:
            context.load_cert_chain(*files)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError("cannot load the client certificate") from exc

    return context


def _proxy_from_env(base_url: str) -> str | None:
    host = urllib.parse.urlsplit(base_url).hostname or ""
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if bypass(host):
        return None
    scheme = urllib.parse.urlsplit(base_url).scheme
    return urllib.request.getproxies_environment().get(scheme)


def build_pool(
    *,
    base_url: str,
    context: ssl.SSLContext | None,
    http2: bool,
    max_connections: int,
    proxy: ProxyChoice,
    trust_env: bool,
) -> Pool:
    """The pool every attempt goes through; httpcore's own retries are off.

    Plain HTTP/1.1 goes through :class:`OriginPool`; a proxy or HTTP/2 through
    httpcore's pools, which handle tunnels and multiplexing.
    """
    if http2:
        try:
            import h2  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            raise ConfigurationError(
                "http2=True needs the h2 package: pip install 'katana-client[http2]'"
            ) from None

    if proxy is None and trust_env:
        proxy = _proxy_from_env(base_url)

    if proxy is not None:
        url, auth = _split_proxy_auth(proxy)
        return httpcore.AsyncHTTPProxy(
            proxy_url=url,
            proxy_auth=auth,
            ssl_context=context,
            http2=http2,
            max_connections=max_connections,
        )

    if http2:
        return httpcore.AsyncConnectionPool(
            ssl_context=context,
            http2=True,
            max_connections=max_connections,
            retries=0,
        )

    return OriginPool(ssl_context=context, max_connections=max_connections)


def _split_proxy_auth(proxy: str) -> tuple[str, tuple[str, str] | None]:
    """Move ``user:password@`` out of a proxy URL into Proxy-Authorization.

    httpcore ignores credentials inside the URL, so leaving them there would send
    the tunnel request without them.
    """
    parts = urllib.parse.urlsplit(proxy)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("proxy must be an http(s) URL with a host")
    if parts.username is None:
        return proxy, None

    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")

    return bare, (user, password)


def classify_failure(exc: BaseException) -> Failure:
    """Did the request leave before the exchange broke? Writes hinge on this."""
    if isinstance(exc, httpcore.ConnectError | httpcore.ConnectTimeout):
        return Failure.CONNECT
    if isinstance(exc, httpcore.ProxyError):
        # The proxy refused the tunnel: nothing reached Katana.
        return Failure.CONNECT
    if isinstance(exc, httpcore.PoolTimeout):
        # Waiting for a free connection: nothing was written.
        return Failure.CONNECT
    return Failure.AFTER_SEND
