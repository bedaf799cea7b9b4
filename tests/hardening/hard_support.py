"""Shared pieces of the hardening tests: setup, write checks and the run's tally.

The tally is module state on purpose: every test adds what it tried, and the
conftest prints the totals once the run ends (see ``conftest.py``). Tests run in
one process, one at a time, so plain counters are enough.
"""

from __future__ import annotations

import contextlib
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from katana_anyio import KatanaClient, RetryConfig
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator, RateLimitConfig

KEY = "hardening-key"
# Retries without real waiting: how long to wait is the core's business, tested there.
FAST = RetryConfig(max_retries=3, wait_initial_s=0.0, wait_max_s=0.0)
# Loading the system CAs takes ~25 ms per client; these clients speak plain http on
# loopback, so one context serves them all (TLS defaults are tested on their own).
TLS_CONTEXT = ssl.create_default_context()
SIZES = {"products": 120, "variants": 5, "materials": 5, "services": 5}


@dataclass
class Tally:
    """What the hardening run tried, for the closing summary."""

    scenarios: Counter[str] = field(default_factory=Counter)
    faults_injected: int = 0
    writes_checked: int = 0
    duplicates_found: int = 0

    def scenario(self, family: str) -> None:
        self.scenarios[family] += 1

    def lines(self) -> list[str]:
        families = ", ".join(f"{k} {v}" for k, v in sorted(self.scenarios.items()))
        return [
            f"scenarios tried: {sum(self.scenarios.values())} ({families})",
            f"faults injected: {self.faults_injected}",
            f"writes checked: {self.writes_checked}",
            f"duplicates found: {self.duplicates_found}",
        ]


TALLY = Tally()


def emulator_config(**overrides: Any) -> EmulatorConfig:
    """A small seeded emulator on 127.0.0.1 that accepts ``KEY``."""
    settings: dict[str, Any] = {
        "seed": 9,
        "sizes": SIZES,
        "api_keys": (KEY,),
        "rate_limit": RateLimitConfig(limit=1000, window_s=0.2),
    }
    settings.update(overrides)
    return EmulatorConfig(**settings)


@contextlib.asynccontextmanager
async def running(
    config: EmulatorConfig | None = None, **client_options: Any
) -> AsyncIterator[tuple[KatanaEmulator, KatanaClient]]:
    """An emulator and a client on it; the faults it served go into the tally."""
    options: dict[str, Any] = {
        "retry": FAST,
        "requests_per_minute": 6000,
        "verify": TLS_CONTEXT,
    }
    if "rate_budget" in client_options:
        # A budget of the test's own replaces the default rate; the client refuses
        # both at once.
        del options["requests_per_minute"]
    options.update(client_options)
    async with KatanaEmulator(config or emulator_config()) as emulator:
        try:
            async with KatanaClient(KEY, base_url=emulator.base_url, **options) as c:
                yield emulator, c
        finally:
            count_faults(emulator)


def count_faults(emulator: KatanaEmulator) -> None:
    TALLY.faults_injected += sum(1 for e in emulator.journal if e.fault is not None)


def check_created(emulator: KatanaEmulator, names: Iterable[str]) -> Counter[str]:
    """How many products carry each of ``names``; duplicates go into the tally."""
    wanted = set(names)
    found = Counter(
        record["name"]
        for record in emulator.records("products", include_deleted=True)
        if record["name"] in wanted
    )
    TALLY.writes_checked += len(wanted)
    TALLY.duplicates_found += sum(1 for n in found.values() if n > 1)
    return found


def check_applied_once(emulator: KatanaEmulator, method: str, path: str) -> int:
    """How many times the emulator applied ``method path``; over 1 is a duplicate."""
    applied = sum(
        1
        for e in emulator.journal
        if e.method == method and e.path == path and e.write_applied
    )
    TALLY.writes_checked += 1
    TALLY.duplicates_found += applied > 1
    return applied
