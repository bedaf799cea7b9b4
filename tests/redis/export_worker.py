"""One worker process of the multi-process test: export one resource, report JSON.

Run as ``python export_worker.py --base-url ... --redis-url ... --resource products
--out FILE --backend trio ...``. It writes ``ready`` once its client is open, waits
for a line on stdin, exports, and writes one JSON object to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import anyio

from katana_anyio import KatanaClient, export_jsonl
from katana_anyio.redis_budget import RedisRateBudget


async def _export(args: argparse.Namespace) -> dict[str, object]:
    budget = RedisRateBudget(
        url=args.redis_url,
        key=args.key,
        limit=args.limit,
        window_s=args.window_s,
        workers=args.workers,
    )
    async with KatanaClient(
        args.api_key, base_url=args.base_url, rate_budget=budget
    ) as client:
        # Ready: wait for the test's "go" so that every worker starts together.
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await anyio.to_thread.run_sync(sys.stdin.readline)
        started = anyio.current_time()
        result = await export_jsonl(
            client,
            f"/{args.resource}",
            Path(args.out),
            params={"limit": args.page_size},
        )
        elapsed_s = anyio.current_time() - started
    return {
        "resource": args.resource,
        "records": result.records,
        "pages": result.pages,
        "requests": result.requests,
        "responses_429": result.responses_429,
        "elapsed_s": elapsed_s,
        "shared": budget.is_shared,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("base-url", "redis-url", "key", "api-key", "resource", "out"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--limit", type=int, required=True)
    parser.add_argument("--window-s", type=float, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--page-size", type=int, required=True)
    parser.add_argument("--backend", choices=("asyncio", "trio"), required=True)
    args = parser.parse_args()
    report = anyio.run(_export, args, backend=args.backend)
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
