"""The emulator in a process of its own, driven over stdin/stdout by ``run.py``.

Keeping the server out of the client's process means the client's CPU time and
peak memory are the client's alone. The first line on stdout is the base URL; after
that, each command read from stdin is answered with one JSON line:

* ``summary``: what the emulator saw since the last ``clear`` (requests, statuses,
  how often each page of ``/products`` was requested, first and last request time);
* ``timeline``: every request since the last ``clear``, as (time, page, status);
* ``clear``: forget the journal and the counters;
* ``quit``: stop.

The data never changes during a bench (no writes). The emulator serves every page
of an unfiltered list from the records it selected once (``Store.list`` keeps the
selection and each record's encoded form until stored records may change), so a
page costs its own 250 records, not the table; the host serves every page once
before printing its URL, so that no client run pays for the first selection or
encoding.

The rate limiter counts per API key, so the driver gives every run a key of its own
and the key check is off: a run never inherits a window from the previous one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

import anyio

from katana_anyio._emulator.query import ListQuery, parse_list_query
from katana_anyio._emulator.resources import RESOURCES
from katana_anyio.emulator import (
    EmulatorConfig,
    JournalEntry,
    KatanaEmulator,
    RateLimitConfig,
)


def _summary(journal: list[JournalEntry]) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    pages: Counter[int] = Counter()
    for entry in journal:
        statuses[entry.status or 0] += 1
        if entry.method == "GET" and entry.path.endswith("/products"):
            query = dict(entry.query)
            if entry.status == 200:
                pages[int(query.get("page", "1"))] += 1

    times = [entry.time for entry in journal]

    return {
        "requests": len(journal),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "responses_429": statuses[429],
        "pages_served": len(pages),
        "pages_served_twice": sum(1 for n in pages.values() if n > 1),
        # {times served: number of pages}; two clients fetching once each give {2: P}.
        "serve_counts": {str(k): v for k, v in sorted(Counter(pages.values()).items())},
        "page_requests_200": sum(pages.values()),
        "first_s": min(times) if times else None,
        "last_s": max(times) if times else None,
    }


def _timeline(journal: list[JournalEntry]) -> list[tuple[float, str, int]]:
    """(seconds since the first request, page, status) for every request."""
    if not journal:
        return []

    first = journal[0].time
    return [
        (round(e.time - first, 3), dict(e.query).get("page", "-"), e.status or 0)
        for e in journal
    ]


def _warm(emulator: KatanaEmulator) -> None:
    """Serve every page of ``/products`` once, before any client arrives.

    The store selects the records on the first page and encodes each record the
    first time it is sent; warming here gives every client run the same server,
    not a slower one to whichever client comes first.
    """
    page = 1
    while True:
        query = parse_list_query(
            RESOURCES["products"], [("limit", "250"), ("page", str(page))]
        )
        assert isinstance(query, ListQuery)
        served = emulator.store.list_encoded("products", query)
        if served.pagination["last_page"] == "true":
            return
        page += 1


def _config(args: argparse.Namespace) -> EmulatorConfig:
    rate_limit = None
    if args.limit:
        rate_limit = RateLimitConfig(limit=args.limit, window_s=args.window)

    return EmulatorConfig(
        seed=args.seed,
        sizes={"products": args.products},
        api_keys=(),
        rate_limit=rate_limit,
        latency_s=args.latency,
        host="127.0.0.1",
    )


async def _main(args: argparse.Namespace) -> None:
    async with KatanaEmulator(_config(args)) as emulator:
        _warm(emulator)
        print(emulator.base_url, flush=True)
        while True:
            line = await anyio.to_thread.run_sync(sys.stdin.readline)
            command = line.strip()
            if command in ("", "quit"):
                break

            if command == "summary":
                answer: dict[str, Any] = _summary(emulator.journal)
            elif command == "timeline":
                answer = {"timeline": _timeline(emulator.journal)}
            elif command == "clear":
                emulator.journal.clear()
                answer = {"cleared": True}
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--limit", type=int, default=0, help="0: no rate limit")
    parser.add_argument("--window", type=float, default=60.0)
    anyio.run(_main, parser.parse_args())


if __name__ == "__main__":
    main()
