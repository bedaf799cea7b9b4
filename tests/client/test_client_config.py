"""Where the client finds its key and base URL, and what it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from katana_anyio import (
    BudgetConfig,
    ConfigurationError,
    InvalidRequest,
    KatanaClient,
    RetryConfig,
)


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each test gets an empty cwd, an empty home and no Katana variables."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for name in ("KATANA_API_KEY", "KATANA_BASE_URL", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _key(client: KatanaClient) -> object:
    return client._token


def test_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit api_key is used even when KATANA_API_KEY is set."""
    monkeypatch.setenv("KATANA_API_KEY", "from-env")
    assert _key(KatanaClient("from-arg")) == "from-arg"


def test_token_is_an_alias_and_both_is_an_error() -> None:
    """token= works like api_key=, and giving both is a configuration error."""
    assert _key(KatanaClient(token="tok")) == "tok"
    with pytest.raises(ConfigurationError, match=r"^give either api_key or token"):
        KatanaClient(api_key="a", token="b")


def test_environment_then_dotenv_in_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    """KATANA_API_KEY wins over .env, and .env in the cwd is read without leaking."""
    Path(".env").write_text("KATANA_API_KEY=from-dotenv\n")
    assert _key(KatanaClient()) == "from-dotenv"
    assert "KATANA_API_KEY" not in os.environ

    monkeypatch.setenv("KATANA_API_KEY", "from-env")
    assert _key(KatanaClient()) == "from-env"


def test_netrc_entry_for_the_base_url_host(isolated_home: Path) -> None:
    """The ~/.netrc password for the base URL's host is the last resort."""
    netrc = isolated_home / "home" / ".netrc"
    netrc.write_text("machine katana.example password from-netrc\n")
    netrc.chmod(0o600)
    client = KatanaClient(base_url="https://katana.example/v1")
    assert _key(client) == "from-netrc"


def test_no_key_names_every_place() -> None:
    """Without a key anywhere, the error names the four places it looked."""
    with pytest.raises(ConfigurationError) as caught:
        KatanaClient()
    message = str(caught.value)
    for place in ("api_key=", "KATANA_API_KEY", ".env", "~/.netrc"):
        assert place in message


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """KATANA_BASE_URL is used when no base_url is given; a trailing / is dropped."""
    monkeypatch.setenv("KATANA_BASE_URL", "http://127.0.0.1:9/v1/")
    assert KatanaClient("k").base_url == "http://127.0.0.1:9/v1"


def test_plain_http_to_a_remote_host_is_refused() -> None:
    """The key is not sent over plain http unless the host is loopback or allowed."""
    with pytest.raises(ConfigurationError, match=r"^refusing to send the API key"):
        KatanaClient("k", base_url="http://katana.example/v1")
    KatanaClient("k", base_url="http://katana.example/v1", allow_insecure_http=True)
    KatanaClient("k", base_url="http://[::1]:8080/v1")


def test_repr_never_shows_the_key() -> None:
    """The client's repr names the base URL and nothing secret."""
    client = KatanaClient("canary-secret-123", base_url="http://127.0.0.1:9/v1")
    assert "canary-secret-123" not in repr(client)


@pytest.mark.parametrize("rpm", [0, -5])
def test_requests_per_minute_must_be_positive(rpm: int) -> None:
    """Zero or a negative requests_per_minute is a configuration error."""
    with pytest.raises(ConfigurationError, match=r"^requests_per_minute must be"):
        KatanaClient("k", requests_per_minute=rpm)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_retries": 2, "retry": RetryConfig()}, "max_retries or retry="),
        ({"requests_per_minute": 30, "rate_budget": BudgetConfig()}, "rate_budget"),
        ({"requests_per_minute": None, "rate_budget": BudgetConfig()}, "rate_budget"),
    ],
)
def test_two_options_for_one_setting_are_refused(
    options: dict[str, object], message: str
) -> None:
    """Passing both spellings of a setting is an error, not one silently ignored."""
    with pytest.raises(ConfigurationError, match=message):
        KatanaClient("k", **options)  # type: ignore[arg-type]


def test_either_spelling_alone_is_taken() -> None:
    assert KatanaClient("k", max_retries=2).retry.max_retries == 2
    assert KatanaClient("k", retry=RetryConfig(max_retries=7)).retry.max_retries == 7
    budget = KatanaClient("k", rate_budget=BudgetConfig(limit=9, window_s=1.0)).budget
    assert budget.config.limit == 9


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:99999/v1", "http://127.0.0.1:abc/v1", 12345]
)
def test_a_malformed_base_url_is_a_configuration_error(base_url: object) -> None:
    """A bad port or a non-string base URL is refused with a clear typed error."""
    with pytest.raises(ConfigurationError, match=r"^base URL "):
        KatanaClient("k", base_url=base_url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "base_url", ["127.0.0.1:8765/v1", "localhost:8765/v1", "user:s3cret@host/v1"]
)
def test_a_base_url_without_a_scheme_is_refused_without_echoing_it(
    base_url: str,
) -> None:
    with pytest.raises(ConfigurationError, match=r"^base URL must start with") as e:
        KatanaClient("k", base_url=base_url)
    assert "s3cret" not in str(e.value)


def test_a_timeout_that_is_not_a_number_is_refused() -> None:
    """timeout="30" is a configuration error, not a TypeError deep inside."""
    with pytest.raises(ConfigurationError, match=r"^timeout must be > 0 seconds"):
        KatanaClient("k", timeout="30")  # type: ignore[arg-type]


def test_dotenv_in_a_parent_folder_is_ignored(isolated_home: Path) -> None:
    """Only a .env in the current directory is read, not one in a parent."""
    Path(".env").write_text("KATANA_API_KEY=from-parent\n")
    child = Path("child")
    child.mkdir()
    os.chdir(child)
    with pytest.raises(ConfigurationError, match=r"^no Katana API key"):
        KatanaClient()


@pytest.mark.parametrize(
    "options",
    [
        {"requests_per_minute": 1.5},
        {"max_pages": 2.5},
        {"page_concurrency": "4"},
        {"max_connections": 2.5},
        {"rate_budget": 60},
        {"max_pages": True},
    ],
)
def test_options_of_the_wrong_type_are_refused_at_construction(
    options: dict[str, object],
) -> None:
    """Not a TypeError at the first request: a ConfigurationError at once."""
    with pytest.raises(ConfigurationError):
        KatanaClient("k", base_url="http://127.0.0.1:9/v1", **options)  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "call",
    [
        {"timeout": -1},
        {"timeout": 0},
        {"timeout": "5"},
        {"deadline": float("nan")},
        {"max_items": "3"},
        {"max_items": -1},
    ],
)
async def test_call_options_are_checked_before_anything_is_sent(
    call: dict[str, object],
) -> None:
    """Port 9 has no listener: a call that got past the check would fail to connect."""
    async with KatanaClient(
        "k", base_url="http://127.0.0.1:9/v1", requests_per_minute=None
    ) as client:
        with pytest.raises(InvalidRequest):
            await client.get("/products", **call)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequest):
            client.paginate("/products", **call)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequest):
            await client.api.products.list(**call)  # type: ignore[arg-type]
    assert client.stats.requests == 0
