"""Running a command's coroutine: backends, Ctrl-C, and one-line failures.

Every command that does I/O runs through :func:`run_async`. It listens for SIGINT
and SIGTERM inside the event loop and turns them into a cancellation of the
command, so that cleanup (removing a temporary file, closing connections) runs as
for any other error, on asyncio and trio alike; the process then exits with
``128 + signal``, as shells report a killed command. Any failure ends in one line
on stderr and a non-zero exit code; ``-v`` adds the traceback of unexpected ones.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import anyio.abc
import click

from katana_core import KatanaError

__all__ = [
    "BACKENDS",
    "EXIT_ERROR",
    "Interrupted",
    "echo_error",
    "fail",
    "is_interrupt",
    "run_async",
]

T = TypeVar("T")

BACKENDS = ("asyncio", "trio")
EXIT_ERROR = 1
_EXIT_BROKEN_PIPE = 128 + 13


class Interrupted(Exception):
    """The command was stopped by a signal (Ctrl-C is SIGINT)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def echo_error(message: str) -> None:
    """One line on stderr, whatever line breaks ``message`` holds."""
    line = " ".join(message.split())
    click.echo(f"katana: {line}", err=True)


async def _watch_signals(
    scope: anyio.CancelScope,
    received: list[int],
    *,
    task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    # A signal ignored when the process started (SIGINT for a job started with `&`
    # by a script, or under nohup) stays ignored, as Python itself leaves it.
    wanted = [
        signum
        for signum in (signal.SIGINT, signal.SIGTERM)
        if signal.getsignal(signum) is not signal.SIG_IGN
    ]
    with anyio.open_signal_receiver(*wanted) as signals:
        task_status.started()
        async for signum in signals:
            received.append(int(signum))
            scope.cancel()
            return


async def _guarded(call: Callable[[], Awaitable[T]]) -> T:
    if sys.platform == "win32":  # pragma: no cover -- no signal receivers there
        return await call()

    received: list[int] = []
    result: list[T] = []
    async with anyio.create_task_group() as tasks:
        await tasks.start(_watch_signals, tasks.cancel_scope, received)
        result.append(await call())
        tasks.cancel_scope.cancel()

    if received:
        raise Interrupted(received[0])

    return result[0]


def _leaf(exc: BaseException) -> BaseException:
    # Task groups wrap errors in groups; the first one is the cause worth naming.
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` (or the first error of its group) is Ctrl-C or a signal."""
    return isinstance(_leaf(exc), KeyboardInterrupt | Interrupted)


def _silence_stdout() -> None:
    # The reader went away (`katana export ... --out - | head`): further writes,
    # including the interpreter's final flush, would raise again.
    try:
        devnull = open(  # noqa: SIM115 -- lives until the process exits
            "/dev/null", "w"
        )
        sys.stdout = devnull
    except OSError:
        pass


def fail(exc: BaseException, *, verbose: bool, note: str = "") -> int:
    """Report ``exc`` in one line on stderr and return the exit code.

    ``note`` ends the line: what the failure means for the output.
    """
    exc = _leaf(exc)
    note = f"; {note}" if note else ""
    if isinstance(exc, Interrupted):
        echo_error(f"interrupted by {exc}{note}")
        return 128 + exc.signum
    if isinstance(exc, KeyboardInterrupt):
        echo_error(f"interrupted{note}")
        return 128 + signal.SIGINT
    if isinstance(exc, BrokenPipeError):
        _silence_stdout()
        return _EXIT_BROKEN_PIPE
    if isinstance(exc, KatanaError | OSError):
        echo_error(f"error: {exc}{note}")
        return EXIT_ERROR

    if verbose:
        traceback.print_exception(exc)
    hint = "" if verbose else " (run with -v for the traceback)"
    echo_error(f"unexpected error: {type(exc).__name__}: {exc}{note}{hint}")
    return EXIT_ERROR


def run_async(
    call: Callable[[], Awaitable[Any]],
    *,
    backend: str,
    verbose: bool = False,
    note: str = "",
) -> int:
    """Run ``call`` on ``backend``; its result (an int, or None for 0) is the code."""
    try:
        result = anyio.run(_guarded, call, backend=backend)
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return fail(exc, verbose=verbose, note=note)

    return int(result or 0)
