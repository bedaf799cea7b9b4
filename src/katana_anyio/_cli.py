"""The ``katana`` command line: ``demo`` and ``export``.

Output for people goes to stdout (the summary) and stderr (errors); a failure exits
non-zero with a one-line reason and no traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import anyio
import msgspec

from katana_core import BudgetConfig, KatanaError

from ._client import KatanaClient
from ._export import ExportResult, export_jsonl

__all__ = ["main"]

DEMO_RESOURCES = ("products", "variants", "materials", "services")
# A few thousand records, and a window short enough for a demo of seconds that
# still makes the client wait for the rate limit several times.
DEMO_SIZES = {"products": 1200, "variants": 2500, "materials": 600, "services": 100}
DEMO_LIMIT = 5
DEMO_WINDOW_S = 1.0
DEMO_KEY = "demo-key"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="katana", description="Export data from Katana MRP, reliably."
    )
    parser.add_argument("-v", "--verbose", action="count", default=0)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="export every seeded resource from the bundled emulator"
    )
    demo.add_argument("--out", type=Path, default=Path("katana-demo"))
    demo.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    demo.add_argument("--seed", type=int, default=2026)

    export = commands.add_parser("export", help="export one resource to JSON Lines")
    export.add_argument("resource", help="a list resource, e.g. products")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--base-url", default=None)
    export.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    export.add_argument("--max-items", type=int, default=None)

    return parser


def _summary_line(name: str, result: ExportResult) -> str:
    return (
        f"{name:<10} {result.records:>7} records  {result.pages:>3} pages  "
        f"{result.requests:>3} requests  {result.responses_429} x 429  "
        f"{result.rate_limit_waits:>2} rate-limit waits  {result.elapsed_s:6.2f} s"
    )


async def _demo(out: Path, seed: int) -> int:
    # Imported here so that `katana export` does not load the emulator.
    from .emulator import EmulatorConfig, KatanaEmulator, RateLimitConfig

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
                print(_summary_line(name, result))
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


async def _export(args: argparse.Namespace) -> int:
    async with KatanaClient(base_url=args.base_url) as client:
        result = await export_jsonl(
            client,
            f"/{args.resource.strip('/')}",
            args.out,
            max_items=args.max_items,
        )
    print(_summary_line(args.resource, result))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")

    try:
        if args.command == "demo":
            return anyio.run(_demo, args.out, args.seed, backend=args.backend)
        return anyio.run(_export, args, backend=args.backend)
    except KatanaError as exc:
        print(f"katana: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "katana: interrupted; no partial file was left under the final name",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
