"""``katana export``: one list resource to a file or stdout, with progress."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from katana_core import BudgetConfig

from .._api_table import closest
from .._client import KatanaClient
from .._export import FORMATS, ExportFormat, ExportResult, export_records
from ._options import (
    backend_option,
    base_url_option,
    parse_pairs,
    parse_since,
    rate_limit_option,
)
from ._progress import Tracker, make_progress
from ._resources import PAGING_PARAMS, load_resources
from ._run import run_async

__all__ = ["export"]

# An export wants every page; the client's default cap (100) is for `get`.
_ALL_PAGES = 1_000_000
_SUFFIXES: dict[str, ExportFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".json": "json",
}

_HELP = """Export every record of a list RESOURCE (e.g. sales_orders).

\b
Records stream page by page, so memory stays constant. Formats:
  jsonl  one record per line, as Katana sent it (default)
  json   one JSON array
  csv    one row per record; nested objects become dotted columns
         (supplier.name), lists stay JSON text in one cell; columns
         in the order keys are first seen, later new keys appended
         at the right (the header is written at the end)

A file is written to a hidden temporary file beside it and renamed
into place only when the export completes: a failed or interrupted
export leaves no file under the final name (an older file stays).

With --out -, JSONL and JSON go to stdout as pages arrive; if the
export fails or is interrupted, the output stops short (a JSON array
stays unclosed) and katana exits non-zero, so check the exit status
(e.g. `set -o pipefail`). CSV reaches stdout only once complete.

On a terminal a progress bar runs on stderr; a summary line ends the
run on stderr. Exit codes: 0 done, 1 failed, 2 bad usage, 130 Ctrl-C.
"""


def _format_for(fmt: str | None, out: str | None) -> ExportFormat:
    if fmt is not None:
        return fmt  # type: ignore[return-value]  # click.Choice checked it
    if out is not None and out != "-":
        return _SUFFIXES.get(Path(out).suffix.lower(), "jsonl")
    return "jsonl"


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    found = closest(name, choices)
    return f" (did you mean {' or '.join(found)}?)" if found else ""


def _check_filters(resource: str, pairs: list[tuple[str, str]]) -> str:
    """The list path for ``resource``; raise a usage error for what cannot work."""
    for key, _ in pairs:
        if key in PAGING_PARAMS:
            raise click.BadParameter(
                f"{key!r} is set by the export itself, which fetches every page",
                param_hint="--filter",
            )

    table = load_resources()
    info = table.get(resource)
    if info is None:
        hint = _did_you_mean(resource, table.resources)
        raise click.BadParameter(
            f"unknown resource {resource!r}{hint}; `katana resources` lists them",
            param_hint="RESOURCE",
        )

    if info.list_path is None:
        raise click.BadParameter(
            f"{resource!r} has no list endpoint to export",
            param_hint="RESOURCE",
        )
    unknown = sorted({key for key, _ in pairs} - set(info.filters))
    if unknown:
        hint = _did_you_mean(unknown[0], info.filters)
        raise click.BadParameter(
            f"{resource} does not filter on {', '.join(unknown)}{hint}; it accepts: "
            f"{', '.join(info.filters) or 'none'}",
            param_hint="--filter",
        )

    return info.list_path


def _summary(resource: str, result: ExportResult) -> str:
    return (
        f"{resource}: {result.records} records, {result.pages} pages, "
        f"{result.requests} requests, {result.responses_429} x 429, "
        f"{result.retries} retries, {result.rate_limit_waits} rate-limit waits "
        f"({result.rate_limit_waited_s:.1f} s), {result.elapsed_s:.1f} s "
        f"-> {'stdout' if result.path == '-' else result.path}"
    )


async def _run(
    resource: str,
    path: str,
    target: Path | None,
    fmt: ExportFormat,
    params: list[tuple[str, Any]],
    max_items: int | None,
    concurrency: int,
    base_url: str | None,
    rate_budget: BudgetConfig | None,
    progress_enabled: bool | None,
    escape_formulas: bool,
) -> ExportResult:
    tracker = Tracker(resource, path)
    async with KatanaClient(
        base_url=base_url,
        page_concurrency=concurrency,
        max_pages=_ALL_PAGES,
        rate_budget=rate_budget,
        on_response=tracker.on_response,
    ) as client:
        tracker.client = client
        progress = make_progress(resource, enabled=progress_enabled)

        def on_page(page: Any) -> None:
            tracker.add_page(len(page.records))
            progress.update(tracker)

        try:
            out = sys.stdout.buffer if target is None else target
            return await export_records(
                client,
                path,
                out,
                format=fmt,
                params=params,
                max_items=max_items,
                on_page=on_page,
                escape_formulas=escape_formulas,
            )
        finally:
            progress.stop()


@click.command(help=_HELP, short_help="Export one list resource.")
@click.argument("resource")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format; default: from --out's suffix, else jsonl.",
)
@click.option(
    "--out",
    "-o",
    metavar="FILE|-",
    default=None,
    help="Where to write; '-' is stdout. Default: RESOURCE.FORMAT here.",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="KEY=VALUE",
    help="A query filter of the list endpoint; repeat for several (a repeated "
    "key, like ids, is sent repeated).",
)
@click.option(
    "--since",
    metavar="DATETIME",
    default=None,
    help="Only records updated since: ISO 8601 (UTC unless it has an offset) or "
    "a duration back from now (90m, 24h, 7d). Sent as updated_at_min.",
)
@click.option("--max-items", type=click.IntRange(min=0), default=None)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Pages fetched at once, within the rate limit.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr; default: when stderr is a terminal.",
)
@click.option(
    "--escape-formulas/--no-escape-formulas",
    default=True,
    show_default=True,
    help="CSV: put a ' before text that starts with = + - @, so that a "
    "spreadsheet shows it instead of running it as a formula.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary.")
@base_url_option
@rate_limit_option
@backend_option
@click.pass_context
def export(
    ctx: click.Context,
    resource: str,
    fmt: str | None,
    out: str | None,
    filters: tuple[str, ...],
    since: str | None,
    max_items: int | None,
    concurrency: int,
    progress: bool | None,
    escape_formulas: bool,
    quiet: bool,
    base_url: str | None,
    rate_budget: BudgetConfig | None,
    backend: str,
) -> int:
    resource = resource.strip("/")
    pairs: list[tuple[str, Any]] = list(parse_pairs(filters, "--filter"))
    if since is not None and any(key == "updated_at_min" for key, _ in pairs):
        raise click.BadParameter(
            "--since sets updated_at_min; give it or --filter updated_at_min=..., "
            "not both",
            param_hint="--since",
        )
    path = _check_filters(
        resource, [*pairs, *([("updated_at_min", "")] if since else [])]
    )
    if since is not None:
        pairs.append(("updated_at_min", parse_since(since)))

    export_format = _format_for(fmt, out)
    target = None if out == "-" else Path(out or f"{resource}.{export_format}")
    note = (
        "the output on stdout is incomplete"
        if target is None
        else f"nothing was written to {target}"
    )

    async def call() -> int:
        result = await _run(
            resource,
            path,
            target,
            export_format,
            pairs,
            max_items,
            concurrency,
            base_url,
            rate_budget,
            False if quiet else progress,
            escape_formulas,
        )
        if not quiet:
            click.echo(_summary(resource, result), err=True)
        return 0

    verbose = bool(ctx.obj and ctx.obj.get("verbose"))
    return run_async(call, backend=backend, verbose=verbose, note=note)
