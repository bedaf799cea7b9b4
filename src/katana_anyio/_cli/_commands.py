"""``katana get``, ``katana resources``, ``katana emulator`` and ``katana demo``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import msgspec

from katana_core import BudgetConfig

from ._options import (
    backend_option,
    base_url_option,
    parse_pairs,
    rate_limit_option,
)
from ._resources import ResourceInfo, load_resources
from ._run import echo_error, fail, is_interrupt, run_async

if TYPE_CHECKING:
    from ..emulator import KatanaEmulator

__all__ = ["demo", "emulator", "get", "resources"]


def _verbose(ctx: click.Context) -> bool:
    return bool(ctx.obj and ctx.obj.get("verbose"))


# -- get -----------------------------------------------------------------------


@click.command(short_help="GET one path and print the JSON.")
@click.argument("path")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A query parameter; repeat for several.",
)
@click.option(
    "--max-items",
    type=click.IntRange(min=0),
    default=None,
    help="Stop a paged list after this many records.",
)
@base_url_option
@rate_limit_option
@backend_option
@click.pass_context
def get(
    ctx: click.Context,
    path: str,
    params: tuple[str, ...],
    max_items: int | None,
    base_url: str | None,
    rate_budget: BudgetConfig | None,
    backend: str,
) -> int:
    """GET PATH (e.g. /products/1 or products) and print the JSON body.

    A list without --param page=N is paged through and merged in memory (up to
    100 pages); for large collections use `katana export`. --param limit=N alone
    means N records (one page of N), as it would in a browser, not pages of N.
    """
    from .._client import KatanaClient

    query = parse_pairs(params, "--param")
    keys = {key for key, _ in query}
    if max_items is None and "limit" in keys and "page" not in keys:
        limits = [value for key, value in query if key == "limit"]
        if len(limits) == 1 and limits[0].isdigit():
            max_items = int(limits[0])

    async def call() -> int:
        async with KatanaClient(base_url=base_url, rate_budget=rate_budget) as client:
            response = await client.get(
                "/" + path.lstrip("/"), params=query, max_items=max_items
            )
        if response.content:
            try:
                body = msgspec.json.format(response.content, indent=2)
            except msgspec.DecodeError:
                body = response.content
            sys.stdout.buffer.write(body.rstrip(b"\n") + b"\n")
            sys.stdout.buffer.flush()
        if response.truncated_pages:
            click.echo(
                f"note: stopped after {response.pages} pages; "
                f"{response.truncated_pages} more were not fetched. Use "
                "`katana export` for a whole collection, or --max-items.",
                err=True,
            )
        return 0

    return run_async(call, backend=backend, verbose=_verbose(ctx))


# -- resources -----------------------------------------------------------------


def _print_table(infos: list[ResourceInfo]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        for info in infos:
            click.echo(f"{info.name}\t{', '.join(info.operations)}")
            click.echo(f"\tfilters: {', '.join(info.filters) or '-'}")
        return

    table = Table(title="Katana resources", show_lines=True)
    table.add_column("resource", style="bold", no_wrap=True)
    table.add_column("operations")
    table.add_column("list filters")
    for info in infos:
        table.add_row(info.name, "\n".join(info.operations), ", ".join(info.filters))
    Console().print(table)


@click.command(short_help="List resources, operations and filters.")
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead.")
@backend_option
def resources(names: tuple[str, ...], as_json: bool, backend: str) -> int:
    """List the API's resources with their operations and list filters.

    Give NAMES to show only those. Resources with a list are what `katana export`
    takes; the filters are what its --filter accepts.
    """
    del backend  # Nothing here does I/O; accepted so every command takes it.
    table = load_resources()
    infos = list(table.resources.values())
    if names:
        unknown = [name for name in names if table.get(name) is None]
        if unknown:
            raise click.BadParameter(
                f"unknown resource {', '.join(unknown)}", param_hint="NAMES"
            )
        infos = [info for info in infos if info.name in {n.strip("/") for n in names}]

    if as_json:
        payload = [
            {
                "resource": info.name,
                "operations": list(info.operations),
                "list": info.list_path,
                "filters": list(info.filters),
            }
            for info in infos
        ]
        click.echo(msgspec.json.format(msgspec.json.encode(payload)).decode())
    else:
        _print_table(infos)

    return 0


# -- emulator ------------------------------------------------------------------


def _sizes(values: tuple[str, ...]) -> dict[str, int]:
    sizes = {}
    for key, value in parse_pairs(values, "--size"):
        try:
            sizes[key] = int(value)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not a number of records", param_hint="--size"
            ) from None
        if sizes[key] < 0:
            raise click.BadParameter(
                f"{key}={value}: a size cannot be negative", param_hint="--size"
            )
    return sizes


@click.command(short_help="Run the bundled Katana emulator.")
@click.option(
    "--host",
    type=click.Choice(("127.0.0.1", "::1", "localhost")),
    default="127.0.0.1",
    show_default=True,
    help="Loopback only.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="0 picks a free port."
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--size",
    "sizes",
    multiple=True,
    metavar="RESOURCE=N",
    help="Records to seed, e.g. products=5000.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Requests per window.",
)
@click.option(
    "--window",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Rate-limit window in seconds.",
)
@click.option("--no-rate-limit", is_flag=True, help="Answer without a rate limit.")
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds added to every response.",
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="KEY",
    help="An accepted API key (repeatable); default: the documented test key.",
)
@backend_option
@click.pass_context
def emulator(
    ctx: click.Context,
    host: str,
    port: int,
    seed: int,
    sizes: tuple[str, ...],
    limit: int,
    window: float,
    no_rate_limit: bool,
    latency: float,
    keys: tuple[str, ...],
    backend: str,
) -> int:
    """Serve the Katana emulator on loopback until Ctrl-C.

    Point the client at the printed URL: `katana export products --base-url URL`
    with KATANA_API_KEY set to an accepted key.
    """
    from ..emulator import DEFAULT_API_KEY, EmulatorConfig, RateLimitConfig, run

    config = EmulatorConfig(
        seed=seed,
        sizes=_sizes(sizes),
        api_keys=keys or (DEFAULT_API_KEY,),
        rate_limit=None
        if no_rate_limit
        else RateLimitConfig(limit=limit, window_s=window),
        latency_s=latency,
        host=host,
        port=port,
    )
    # The documented fixture key is no secret; keys given with --key are not shown.
    key_hint = f"KATANA_API_KEY={DEFAULT_API_KEY}" if not keys else "a --key value"
    rate = "no rate limit" if no_rate_limit else f"{limit} requests per {window:g} s"

    def on_ready(running: KatanaEmulator) -> None:
        click.echo(f"Katana emulator at {running.base_url} ({rate}, seed {seed})")
        click.echo(f"Accepts {key_hint}. Ctrl-C stops it.")
        sys.stdout.flush()

    try:
        run(config, backend=backend, on_ready=on_ready)
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        if is_interrupt(exc):
            echo_error("emulator stopped")
            return 0
        return fail(exc, verbose=_verbose(ctx))

    return 0


# -- demo ----------------------------------------------------------------------


@click.command(short_help="Export every seeded resource from the emulator.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("katana-demo"),
    show_default=True,
)
@click.option("--seed", type=int, default=2026, show_default=True)
@backend_option
@click.pass_context
def demo(ctx: click.Context, out: Path, seed: int, backend: str) -> int:
    """Start the bundled emulator with a few thousand records and a tight rate
    limit, export each resource to OUT/<resource>.jsonl and write
    OUT/summary.json (records, requests, 429s, rate-limit waits, seconds)."""
    from ._demo import run_demo

    async def call() -> Any:
        return await run_demo(out, seed)

    return run_async(call, backend=backend, verbose=_verbose(ctx))
