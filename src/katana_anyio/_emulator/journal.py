"""The journal: every request the emulator read, kept for assertions.

An entry is recorded when a request has been read completely, before any latency or
fault, so a request whose connection is then dropped still appears (with
``status=None``). Secret header values are replaced before the entry exists: the
journal can be printed or attached to a test report without leaking a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["REDACTED", "JournalEntry", "Stats", "redact_headers"]

REDACTED = "<redacted>"

# Headers whose values are credentials; compared in lower case.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass
class JournalEntry:
    """One request as the emulator saw it and what it did about it.

    ``time`` is ``anyio.current_time()`` when the request was read (the clock of the
    rate-limit windows). ``status`` is the status sent, or ``None`` if the connection
    was closed before a response. ``write_applied`` tells whether a POST, PATCH or
    DELETE changed the store, which matters when the response never arrived.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    time: float
    status: int | None = None
    write_applied: bool = False
    fault: str | None = None


@dataclass
class Stats:
    """Counters over the whole run."""

    requests: int = 0
    responses_429: int = 0
    writes_applied: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    connections: int = 0

    def count_status(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 429:
            self.responses_429 += 1


def redact_headers(
    headers: Iterable[tuple[bytes, bytes]],
) -> tuple[tuple[str, str], ...]:
    """Decoded header pairs, names lower-cased, secret values replaced."""
    result = []
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in _SECRET_HEADERS:
            scheme, _, credentials = value.partition(" ")
            # Keep the scheme: "Bearer <redacted>" still shows how the key was sent.
            value = f"{scheme} {REDACTED}" if credentials else REDACTED

        result.append((name, value))

    return tuple(result)
