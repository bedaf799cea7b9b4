"""A Katana MRP API stand-in on loopback, for tests, demos and benchmarks.

Run it in-process::

    async with KatanaEmulator(EmulatorConfig(seed=1)) as emulator:
        ...  # point a client at emulator.base_url with key "test-key"

or in a task group with ``await task_group.start(serve, config)``, or blocking with
``run(config)`` (what ``katana emulator --port N`` calls). Every operation of the
generated operation table is routed; records are seeded per resource, listed newest
first as Katana lists them (``emulator.listing(name)``; ``emulator.records(name)``
keeps creation order), and ``EmulatorConfig(quirks=True)`` adds Katana's payload
quirks. Pagination and rate-limit headers, error bodies, writes, scripted and
random faults, and a journal of every request are described in the modules of
``katana_anyio._emulator``.
"""

from ._emulator.config import DEFAULT_API_KEY as DEFAULT_API_KEY
from ._emulator.config import EmulatorConfig as EmulatorConfig
from ._emulator.config import RateLimitConfig as RateLimitConfig
from ._emulator.faults import FAULT_KINDS as FAULT_KINDS
from ._emulator.faults import Fault as Fault
from ._emulator.faults import FaultKind as FaultKind
from ._emulator.faults import FaultQueue as FaultQueue
from ._emulator.journal import JournalEntry as JournalEntry
from ._emulator.journal import Stats as Stats
from ._emulator.server import KatanaEmulator as KatanaEmulator
from ._emulator.server import run as run
from ._emulator.server import serve as serve

__all__ = [
    "DEFAULT_API_KEY",
    "FAULT_KINDS",
    "EmulatorConfig",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "JournalEntry",
    "KatanaEmulator",
    "RateLimitConfig",
    "Stats",
    "run",
    "serve",
]
