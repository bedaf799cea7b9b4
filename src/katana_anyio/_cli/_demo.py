"""``katana demo``: the bundled emulator, exported end to end.

It starts the emulator in-process with a few thousand seeded records and a rate limit
shrunk so that the client has to wait, exports each seeded resource to
``DIR/<resource>.jsonl``, writes ``DIR/summary.json`` and prints a short summary.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from katana_core import BudgetConfig

from .._client import KatanaClient
from .._export import ExportResult, export_jsonl

__all__ = ["run_demo", "summary_line"]

DEMO_RESOURCES = ("products", "variants", "materials", "services")
# A few thousand records, and a window short enough for a demo of seconds that
# still makes the client wait for the rate limit several times.
DEMO_SIZES = {"products": 1200, "variants": 2500, "materials": 600, "services": 100}
DEMO_LIMIT = 5
DEMO_WINDOW_S = 1.0
DEMO_KEY = "demo-key"


def summary_line(name: str, result: ExportResult) -> str:
    return (
        f"{name:<10} {result.records:>7} records  {result.pages:>3} pages  "
        f"{result.requests:>3} requests  {result.responses_429} x 429  "
        f"{result.rate_limit_waits:>2} rate-limit waits  {result.elapsed_s:6.2f} s"
    )


async def run_demo(out: Path, seed: int) -> int:
    # Imported here so that `katana export` does not load the emulator.
    from ..emulator import EmulatorConfig, KatanaEmulator, RateLimitConfig

    config = EmulatorConfig(
        seed=seed,
        sizes=DEMO_SIZES,
        api_keys=(DEMO_KEY,),
        rate_limit=RateLimitConfig(limit=DEMO_LIMIT, window_s=DEMO_WINDOW_S),
        latency_s=0.01,
    )
    summary: dict[str, Any] = {}
    mismatches = []
    async with KatanaEmulator(config) as emulator:
        budget = BudgetConfig(limit=DEMO_LIMIT, window_s=DEMO_WINDOW_S)
        async with KatanaClient(
            api_key=DEMO_KEY, base_url=emulator.base_url, rate_budget=budget
        ) as client:
            print(
                f"Katana emulator at {emulator.base_url}: {DEMO_LIMIT} requests "
                f"per {DEMO_WINDOW_S:g} s, seed {seed}"
            )
            for name in DEMO_RESOURCES:
                result = await export_jsonl(client, f"/{name}", out / f"{name}.jsonl")
                expected = len(emulator.records(name))
                summary[name] = {
                    "records": result.records,
                    "expected_records": expected,
                    "requests": result.requests,
                    "responses_429": result.responses_429,
                    "rate_limit_waits": result.rate_limit_waits,
                    "elapsed_s": result.elapsed_s,
                }
                print(summary_line(name, result))
                if result.records != expected:
                    mismatches.append(name)

    (out / "summary.json").write_bytes(
        msgspec.json.format(msgspec.json.encode(summary))
    )
    print(f"Wrote {len(summary)} exports and summary.json to {out}/")
    if mismatches:
        print(
            f"record counts differ from the seed for: {', '.join(mismatches)}",
            file=sys.stderr,
        )
        return 1
    return 0
