"""A real redis-server for the shared-budget tests, on a free loopback port.

The tests start (and stop, pause or restart) their own server, so that a failure
test never touches anyone else's Redis. Without ``redis-server`` on the PATH, or
without the ``redis`` extra (coredis), every test here is skipped with the reason.
"""

from __future__ import annotations

import gc
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from redisserver import RedisServer

pytest.importorskip(
    "coredis",
    reason="the 'redis' extra (coredis) is not installed: uv sync --extra redis",
)

REDIS_SERVER = shutil.which("redis-server")

# coredis 6.9 creates a connection's anyio memory streams before connecting and
# closes them only once connected, so every failed connection attempt leaves four
# unclosed streams for the garbage collector, which warns (ResourceWarning; silent
# outside tests). The failure tests here make such attempts on purpose.
LEAK_WARNING = r"Unclosed <MemoryObject(Send|Receive)Stream"


@pytest.fixture(autouse=True)
def _collect_coredis_leaks() -> Iterator[None]:
    """Collect what failed Redis connections left, within this test's filter."""
    yield
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", LEAK_WARNING, ResourceWarning)
        gc.collect()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A running redis-server of this test's own; stopped at the end."""
    if REDIS_SERVER is None:
        pytest.skip(
            "redis-server is not installed (Debian: apt-get install redis-server); "
            "the shared budget is tested against a real one"
        )
    server = RedisServer(REDIS_SERVER, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
