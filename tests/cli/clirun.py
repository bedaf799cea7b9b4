"""Helpers for driving the ``katana`` command in a subprocess against the emulator."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio

from katana_anyio.emulator import EmulatorConfig, KatanaEmulator

KEY = "cli-test-key"
KATANA = [sys.executable, "-m", "katana_anyio._cli"]


def cli_env() -> dict[str, str]:
    """The test's environment with the emulator's key and no stray base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KATANA_")}
    env["KATANA_API_KEY"] = KEY
    # Rich would otherwise size its output from a terminal that is not there.
    env["COLUMNS"] = "120"
    return env


@contextlib.asynccontextmanager
async def emulator(**overrides: Any) -> AsyncIterator[KatanaEmulator]:
    """A seeded emulator on 127.0.0.1 that accepts ``KEY``, unthrottled by default."""
    settings: dict[str, Any] = {
        "seed": 11,
        "sizes": {"products": 600, "variants": 700, "materials": 20, "services": 5},
        "api_keys": (KEY,),
        "rate_limit": None,
    }
    settings.update(overrides)
    async with KatanaEmulator(EmulatorConfig(**settings)) as running:
        yield running


def run_sync(
    *args: str, cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run ``katana ARGS`` to completion, without an event loop."""
    return subprocess.run(  # noqa: S603 -- our own interpreter and module
        [*KATANA, *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run ``katana ARGS`` while the test's event loop keeps serving the emulator."""
    with anyio.fail_after(30):
        return await anyio.run_process(
            [*KATANA, *args], cwd=cwd, env=cli_env(), check=False
        )


def one_line_error(stderr: bytes | str) -> str:
    """The single ``katana: ...`` line of a failed run; fails on a traceback."""
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("katana: "), text
    return lines[0]
