"""Where the client's key and base URL come from.

Lookup order for the key: the ``api_key`` argument (or its alias ``token``), then
the ``KATANA_API_KEY`` environment variable, then a ``.env`` file in the current
directory, then the ``~/.netrc`` entry for the base URL's host.
The ``.env`` file is read, never loaded into ``os.environ``: building a client must
not change the process environment.
"""

from __future__ import annotations

import ipaddress
import logging
import netrc
import os
import stat
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path

import dotenv

from katana_core import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "TokenSource",
    "is_loopback_host",
    "resolve_api_key",
    "resolve_base_url",
]

logger = logging.getLogger("katana_anyio")

DEFAULT_BASE_URL = "https://api.katanamrp.com/v1"

# A fixed key, or a callable returning the current token (for rotating OAuth access
# tokens), plain or async.
TokenSource = str | Callable[[], str] | Callable[[], Awaitable[str]]


def _dotenv_value(name: str) -> str | None:
    # The current directory only: a .env in some parent folder (a shared /tmp,
    # a home directory) must not decide where the key is sent.
    path = Path.cwd() / ".env"
    if not path.is_file():
        return None
    value = dotenv.dotenv_values(path).get(name)
    return value or None


def _env(name: str) -> str | None:
    return os.environ.get(name) or _dotenv_value(name)


def resolve_base_url(base_url: str | None) -> str:
    """The argument, else ``KATANA_BASE_URL`` (env or .env), else production."""
    url = base_url or _env("KATANA_BASE_URL") or DEFAULT_BASE_URL
    if not isinstance(url, str):
        raise ConfigurationError(f"base URL must be a string, got {type(url).__name__}")
    url = url.strip()
    try:
        parsed = urllib.parse.urlsplit(url)
        parsed.port  # noqa: B018 -- validates the port, raising ValueError
    except ValueError:
        raise ConfigurationError(
            "base URL is not a valid URL (check the host and port)"
        ) from None
    # Messages show the URL without user info, query or fragment: people do paste
    # keys there, and an error message ends up in logs.
    shown = _without_secrets(parsed)
    if not parsed.scheme or not parsed.netloc:
        # Without a scheme, urlsplit reads the whole text as a path, user info
        # and all: not shown.
        raise ConfigurationError(
            "base URL must start with http:// or https://, as in "
            "https://api.katanamrp.com/v1 or http://127.0.0.1:8765/v1"
        )
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(
            f"base URL must be an http(s) URL with a host, got {shown!r}"
        )
    if parsed.query or parsed.fragment:
        raise ConfigurationError(
            f"base URL must not carry a query or fragment: {shown!r}"
        )
    if parsed.username is not None or parsed.password is not None:
        raise ConfigurationError(
            f"base URL must not carry credentials (pass api_key=): {shown!r}"
        )

    return url.rstrip("/")


def _without_secrets(parsed: urllib.parse.SplitResult) -> str:
    host = parsed.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parsed.port}" if parsed.port is not None else ""
    except ValueError:
        port = ""
    return f"{parsed.scheme}://{host}{port}{parsed.path}"


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    # IPv4-mapped IPv6 (::ffff:127.0.0.1) counts as loopback from Python 3.13 on
    # and not before; refused on every version, so the rule does not depend on it.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return False
    return address.is_loopback


def _netrc_password(host: str) -> str | None:
    path = Path.home() / ".netrc"
    try:
        mode = path.stat().st_mode
        entries = netrc.netrc(str(path))
    except (OSError, netrc.NetrcParseError):
        return None

    auth = entries.authenticators(host)
    if auth is None or not auth[2]:
        return None

    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning(
            "%s is readable by other users; run `chmod 600 %s` to protect the key",
            path,
            path,
        )

    return auth[2]


def resolve_api_key(
    api_key: TokenSource | None, token: TokenSource | None, base_url: str
) -> TokenSource:
    """Find the key, or raise :class:`ConfigurationError` naming every place tried."""
    if api_key is not None and token is not None:
        raise ConfigurationError("give either api_key or token, not both")

    given = api_key if api_key is not None else token
    if callable(given):
        return given
    if given:
        return given

    found = _env("KATANA_API_KEY")
    if found:
        return found

    host = urllib.parse.urlsplit(base_url).hostname or ""
    found = _netrc_password(host)
    if found:
        return found

    raise ConfigurationError(
        "no Katana API key: pass api_key=..., set KATANA_API_KEY, put it in a .env "
        f"file in the current directory, or add a ~/.netrc entry for {host!r}"
    )
