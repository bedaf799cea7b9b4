"""One run of katana_anyio's client, on asyncio or trio, in the project's venv.

* ``--mode fetch``: ``await client.get("/products")`` (page 1, then the rest
  concurrently, merged) and the records decoded to dicts with ``response.json()``,
  so that it ends where the reference ends: every record a Python object.
* ``--mode export``: ``export_jsonl(client, "/products", path)``, which streams
  pages to the file without decoding records.

``--budget-limit/--budget-window`` give the client the server's window
(``rate_budget=BudgetConfig(...)``); without them the budget is off
(``requests_per_minute=None``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from _measure import common_arguments, loopback_only, measured, report

from katana_anyio import BudgetConfig, KatanaClient, export_jsonl


def _client(args: Any) -> KatanaClient:
    budget: dict[str, Any] = {"requests_per_minute": None}
    if args.budget_limit:
        budget = {
            "rate_budget": BudgetConfig(
                limit=args.budget_limit, window_s=args.budget_window
            )
        }

    return KatanaClient(
        args.key,
        base_url=loopback_only(args.base_url),
        max_pages=args.max_pages,
        page_concurrency=args.concurrency,
        **budget,
    )


async def _run(args: Any) -> dict[str, Any]:
    async with _client(args) as client:
        if args.mode == "export":
            result = await export_jsonl(client, "/products", Path(args.out))
            count = result.records
        else:
            response = await client.get("/products")
            count = len(response.json()["data"])
        stats = client.stats

    return {
        "client": f"ours-{args.backend}",
        "status": 200,
        "records": count,
        "client_requests": stats.requests,
        "client_429": stats.responses_429,
        "client_retries": stats.retries,
    }


def main() -> None:
    parser = common_arguments(__doc__)
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--budget-limit", type=int, default=0)
    parser.add_argument("--budget-window", type=float, default=60.0)
    args = parser.parse_args()
    report(anyio.run(measured, lambda: _run(args), backend=args.backend))


if __name__ == "__main__":
    main()
