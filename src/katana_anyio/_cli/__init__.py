"""The ``katana`` command line.

Commands: ``export`` (one list resource to JSONL, CSV or JSON), ``get`` (one path,
printed as JSON), ``resources`` (what can be exported and filtered), ``emulator``
(the bundled Katana stand-in on loopback) and ``demo`` (the emulator, exported end
to end). Data goes to stdout or files; progress, summaries and errors go to stderr.
A failure exits non-zero with one line naming the reason, never a traceback; Ctrl-C
exits 130 and leaves no half-written file under the final name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import click

from ._commands import demo, emulator, get, resources
from ._export_cmd import export
from ._run import echo_error

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log the client's retries (-v), its steps (-vv) and every request (-vvv).",
)
@click.version_option(package_name="katana-client", prog_name="katana")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Export data from Katana MRP, reliably, within its rate limit."""
    ctx.obj = {"verbose": verbose}
    # Quiet by default: the command reports failures itself, in one line.
    level = {0: logging.CRITICAL, 1: logging.WARNING, 2: logging.INFO}
    logging.basicConfig(
        level=level.get(verbose, logging.DEBUG),
        format="%(levelname)s %(name)s: %(message)s",
    )


for _command in (export, get, resources, emulator, demo):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="katana",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        echo_error("interrupted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code

    return result if isinstance(result, int) else 0
