"""TLS and plain-http settings, checked on configuration alone.

Every test here runs with name resolution and socket connections made to fail:
building a client must not touch the network, so nothing is aimed anywhere even
when a URL names a host that is not loopback.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any

import pytest
from hard_support import TALLY

from katana_anyio import ConfigurationError, KatanaClient


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any lookup or connection attempt fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network touched during configuration: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for name in ("KATANA_API_KEY", "KATANA_BASE_URL", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def _context(client: KatanaClient) -> ssl.SSLContext:
    context = client._pool._ssl_context
    assert isinstance(context, ssl.SSLContext)
    return context


def test_verification_is_on_by_default(caplog: pytest.LogCaptureFixture) -> None:
    """By default certificates and host names are checked, and nothing is logged."""
    caplog.set_level(logging.DEBUG, logger="katana_anyio")
    context = _context(KatanaClient("k"))
    TALLY.scenario("tls")
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_turning_verification_off_warns(caplog: pytest.LogCaptureFixture) -> None:
    """verify=False works, with a warning naming the risk."""
    caplog.set_level(logging.WARNING, logger="katana_anyio")
    context = _context(KatanaClient("k", verify=False))
    TALLY.scenario("tls")
    assert context.verify_mode is ssl.CERT_NONE
    assert [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "verification is disabled" in r.getMessage()
    ]


def test_a_given_context_is_used_as_is() -> None:
    """An SSLContext passed as verify= is the one the pool uses."""
    given = ssl.create_default_context()
    TALLY.scenario("tls")
    assert _context(KatanaClient("k", verify=given)) is given


REMOTE = [
    "http://api.katanamrp.com/v1",
    "http://katana.invalid/v1",
    "http://10.0.0.1/v1",
    "http://192.168.1.10:8080/v1",
    "http://[2001:db8::1]/v1",
    "http://[::ffff:127.0.0.1]/v1",
    "http://localhost.katana.invalid/v1",
    "http://127.0.0.1.nip.invalid/v1",
    "http://0.0.0.0/v1",
    "http://127.1/v1",
]
LOOPBACK = [
    "http://127.0.0.1:9/v1",
    "http://127.45.6.7:9/v1",
    "http://[::1]:9/v1",
    "http://localhost:9/v1",
    "http://LOCALHOST:9/v1",
]


@pytest.mark.parametrize("base_url", REMOTE)
def test_plain_http_to_a_remote_host_is_refused(base_url: str) -> None:
    """Without allow_insecure_http, http to anything but loopback is refused."""
    TALLY.scenario("tls")
    with pytest.raises(ConfigurationError, match=r"^refusing to send the API key"):
        KatanaClient("k", base_url=base_url)


@pytest.mark.parametrize("base_url", REMOTE[:2])
def test_plain_http_from_the_environment_is_refused_too(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KATANA_BASE_URL gets the same check as the argument."""
    monkeypatch.setenv("KATANA_BASE_URL", base_url)
    TALLY.scenario("tls")
    with pytest.raises(ConfigurationError, match=r"^refusing to send the API key"):
        KatanaClient("k")


@pytest.mark.parametrize("base_url", LOOPBACK)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    """Loopback addresses (the emulator's) may use plain http."""
    TALLY.scenario("tls")
    assert KatanaClient("k", base_url=base_url).base_url == base_url


def test_the_explicit_opt_in_allows_remote_http() -> None:
    """allow_insecure_http=True is the one way to send the key over remote http."""
    TALLY.scenario("tls")
    client = KatanaClient(
        "k", base_url="http://katana.invalid/v1", allow_insecure_http=True
    )
    assert client.base_url == "http://katana.invalid/v1"
