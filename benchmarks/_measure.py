"""What every client driver measures about itself, and how it reports it.

Imported by ``our_client.py`` (project venv) and ``ref_client.py`` (the reference's
venv), so it uses the standard library only. A driver awaits :func:`measured` around
the work: wall time, user plus system CPU and the peak resident set are taken in the
client's own process, with the interpreter start, the imports and the start of the
event loop left out of the time and CPU figures (they are in the peak, which the
kernel keeps per process).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])

    return 0


async def measured(work: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """Await ``work()`` and return its result's fields plus the process's figures.

    Called inside the driver's running event loop, so that starting the loop (and
    the backend modules it imports on first use) is left out for both clients
    alike; what is timed is the client's work, from construction to close.
    """
    baseline_kib = _rss_kib("VmRSS")
    before = resource.getrusage(resource.RUSAGE_SELF)
    started_at = time.time()
    started = time.perf_counter()
    result = await work()
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)

    return {
        **result,
        "wall_s": wall_s,
        "cpu_s": (after.ru_utime - before.ru_utime)
        + (after.ru_stime - before.ru_stime),
        "max_rss_kib": after.ru_maxrss,
        "rss_before_kib": baseline_kib,
        "started_at": started_at,
        "ended_at": started_at + wall_s,
    }


def report(figures: dict[str, Any]) -> None:
    """The driver's one line of output, read by ``run.py``."""
    sys.stdout.write(json.dumps(figures) + "\n")
    sys.stdout.flush()


def common_arguments(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--mode", choices=("fetch", "export"), default="fetch")
    parser.add_argument("--out", help="JSONL file for --mode export")
    parser.add_argument("--max-pages", type=int, default=1000)
    parser.add_argument(
        "--rpm", type=int, default=0, help="reference: requests_per_minute, 0 = off"
    )
    return parser


def loopback_only(base_url: str) -> str:
    """Refuse any base URL that is not on 127.0.0.1 or ::1: the bench talks only to
    the emulator, never to Katana (the reference's default) or anywhere else."""
    host = urllib.parse.urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "::1"):
        raise SystemExit(f"refusing a non-loopback base URL: {base_url!r}")

    return base_url
