"""Progress of an export on stderr: a rich bar on a terminal, silence when piped.

The numbers come from three places: the pages the export has written, page 1's
``X-Pagination`` header (total records and pages, seen through the client's
``on_response`` hook), and the client's rate budget (waits, and the limit that
turns the pages left into an estimate of the time left). Without ``rich`` installed
(the ``cli`` extra), a terminal gets one plain status line instead of a bar.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

from katana_core import parse_pagination

if TYPE_CHECKING:
    from .._client import KatanaClient
    from .._response import Response

__all__ = ["ExportProgress", "Tracker", "make_progress"]


class ExportProgress(Protocol):
    def update(self, tracker: Tracker) -> None: ...

    def stop(self) -> None: ...


class Tracker:
    """What is known about a running export, for the progress display."""

    def __init__(self, resource: str, path: str) -> None:
        self.resource = resource
        self.path = path
        self.records = 0
        self.pages = 0
        self.total_records: int | None = None
        self.total_pages: int | None = None
        self.client: KatanaClient | None = None

    def on_response(self, response: Response) -> None:
        """Client hook: learn the totals from the first list response with them."""
        if self.total_pages is not None or response.path != self.path:
            return
        info = parse_pagination(response.headers.get("x-pagination"))
        if info is not None and info.total_pages is not None:
            self.total_pages = info.total_pages
            self.total_records = info.total_records

    def add_page(self, records: int) -> None:
        self.records += records
        self.pages += 1

    @property
    def waits(self) -> int:
        return 0 if self.client is None else self.client.budget.waits

    def eta_s(self) -> float | None:
        """Seconds left if every page left waits its turn under the rate limit."""
        if self.client is None or self.total_pages is None:
            return None
        budget = self.client.budget
        pages_left = max(0, self.total_pages - self.pages)
        free_now = budget.remaining or 0
        per_request_s = budget.config.window_s / max(1, budget.config.limit)

        return max(0, pages_left - free_now) * per_request_s


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class _Silent:
    def update(self, tracker: Tracker) -> None:
        return None

    def stop(self) -> None:
        return None


class _PlainLine:
    """One status line rewritten in place; for terminals without rich."""

    def __init__(self) -> None:
        self._shown = False

    def update(self, tracker: Tracker) -> None:
        total = "" if tracker.total_records is None else f"/{tracker.total_records}"
        sys.stderr.write(
            f"\r{tracker.resource}: {tracker.records}{total} records, "
            f"{tracker.pages} pages, {tracker.waits} rate-limit waits, "
            f"ETA {_clock(tracker.eta_s())}  "
        )
        sys.stderr.flush()
        self._shown = True

    def stop(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _RichBar:
    def __init__(self, resource: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("records, {task.fields[pages]} pages,"),
            TextColumn("{task.fields[waits]} waits, ETA {task.fields[eta]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task(
            resource, total=None, pages=0, waits=0, eta="?"
        )
        self._progress.start()

    def update(self, tracker: Tracker) -> None:
        fields: dict[str, Any] = {
            "pages": tracker.pages,
            "waits": tracker.waits,
            "eta": _clock(tracker.eta_s()),
        }
        self._progress.update(
            self._task,
            completed=tracker.records,
            total=tracker.total_records,
            **fields,
        )

    def stop(self) -> None:
        self._progress.stop()


def make_progress(resource: str, *, enabled: bool | None) -> ExportProgress:
    """A bar when ``enabled`` (``None``: when stderr is a terminal), else silence."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return _Silent()

    try:
        return _RichBar(resource)
    except ImportError:
        return _PlainLine()
