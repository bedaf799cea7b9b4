"""One run of the reference client (katana-openapi-client), as a user would drive it.

Runs in the reference's own venv (Python >= 3.12). It is always given the
emulator's loopback base URL and a made-up key, so its production default is never
used. Two ways of calling it:

* ``--variant api``: the generated endpoint, as in the package's quick start,
  ``get_all_products.asyncio_detailed(client=client)``; records come back as attrs
  models in ``response.parsed.data``. Export writes ``model.to_dict()`` per line.
* ``--variant raw``: the package's own httpx client,
  ``client.get_async_httpx_client().get("/products")``, which runs the same
  retry, pagination and rate-limit layers but leaves the merged JSON to the caller
  (``response.json()["data"]``). Export writes each record dict per line.

Both leave ``limit`` unset, so the client pages by 250, its default.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from _measure import common_arguments, loopback_only, measured, report
from katana_public_api_client import KatanaClient
from katana_public_api_client.api.product import get_all_products


async def _records(client: KatanaClient, variant: str) -> tuple[int, list[Any]]:
    if variant == "api":
        response = await get_all_products.asyncio_detailed(client=client)
        data = getattr(response.parsed, "data", None)
        return response.status_code, list(data) if data else []

    response = await client.get_async_httpx_client().get("/products")
    if response.status_code != 200:
        return response.status_code, []

    return response.status_code, response.json()["data"]


def _line(record: Any) -> str:
    payload = record if isinstance(record, dict) else record.to_dict()
    return json.dumps(payload, separators=(",", ":")) + "\n"


def _write_jsonl(path: Path, records: list[Any]) -> None:
    with path.open("w") as handle:
        for record in records:
            handle.write(_line(record))


async def _run(args: Any) -> dict[str, Any]:
    client = KatanaClient(
        api_key=args.key,
        base_url=loopback_only(args.base_url),
        max_pages=args.max_pages,
        requests_per_minute=args.rpm or None,
    )
    async with client:
        status, records = await _records(client, args.variant)
        count = len(records)
        if args.mode == "export":
            _write_jsonl(Path(args.out), records)
        del records

    return {"client": f"ref-{args.variant}", "status": status, "records": count}


def main() -> None:
    parser = common_arguments(__doc__)
    parser.add_argument("--variant", choices=("api", "raw"), default="api")
    args = parser.parse_args()
    # The reference logs every 429 at WARNING; the driver's stdout is its report.
    logging.basicConfig(level=logging.ERROR)
    report(asyncio.run(measured(lambda: _run(args))))


if __name__ == "__main__":
    main()
