"""Rate-budget simulation report: clients sharing one key, virtual clock.

Run from the project root:

    uv run python benchmarks/simulate_budget.py

Each client fetches 150 pages (page 1, then the rest as the budget allows) from a
server allowing 60 requests per 60 s, counting fixed or sliding windows. One-way
delays are uniform in 50-300 ms. "shared" clients keep one budget state (workers
sharing a store); "separate" clients each keep their own (processes sharing only
the key). The lower bound is the fastest schedule that never puts more than 60
requests into one window.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.simulate import lower_bound_s, run_scenario

PAGES = 150
LIMIT = 60
WINDOW_S = 60.0
LATENCY_S = (0.05, 0.3)
SEED = 2026


def main() -> None:
    print(
        "| server window | clients | budget | completion (s) | lower bound (s) "
        "| ratio | 429s | most arrivals in one window |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for mode in ("fixed", "sliding"):
        for clients in (1, 2, 4):
            for shared in (True, False):
                if clients == 1 and not shared:
                    continue
                outcome = run_scenario(
                    clients=clients,
                    pages=PAGES,
                    mode=mode,
                    shared_budget=shared,
                    seed=SEED,
                    limit=LIMIT,
                    window_s=WINDOW_S,
                    latency_s=LATENCY_S,
                )
                done = max(outcome.finished_at)
                bound = lower_bound_s(
                    clients * PAGES, LIMIT, WINDOW_S, 2 * LATENCY_S[0]
                )
                budget = "shared" if shared else "separate"
                print(
                    f"| {mode} | {clients} | {budget} | {done:.1f} | {bound:.1f} "
                    f"| {done / bound:.3f} | {outcome.rate_limited} "
                    f"| {outcome.max_in_window} |"
                )


if __name__ == "__main__":
    main()
