"""Exporting a collection to JSON Lines, safely.

Records are written as Katana sent them (one JSON object per line) to a temporary
file beside the target, which is renamed into place only when the export is
complete: an interrupted export never leaves a file that looks finished.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import anyio
import msgspec

from katana_core import ParamsInput

from ._client import KatanaClient

__all__ = ["ExportResult", "export_jsonl"]


class ExportResult(msgspec.Struct, frozen=True):
    """What one export did."""

    path: str
    records: int
    pages: int
    requests: int
    responses_429: int
    retries: int
    rate_limit_waits: int
    elapsed_s: float


def _line(record: msgspec.Raw) -> bytes:
    data = bytes(record)
    if b"\n" in data or b"\r" in data:
        # Pretty-printed JSON would break the one-record-per-line promise.
        data = msgspec.json.encode(msgspec.json.decode(data))
    return data + b"\n"


async def export_jsonl(
    client: KatanaClient,
    path: str,
    out: Path,
    *,
    params: ParamsInput = None,
    max_items: int | None = None,
) -> ExportResult:
    """Stream every record of ``path`` into ``out`` (JSONL), atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    started = anyio.current_time()
    before = (
        client.stats.requests,
        client.stats.responses_429,
        client.stats.retries,
        client.budget.waits,
    )
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{out.name}.", suffix=".part", dir=out.parent
    )
    records = pages = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            async for page in client.pages(path, params=params, max_items=max_items):
                handle.write(b"".join(_line(r) for r in page.records))
                records += len(page.records)
                pages += 1
        os.replace(tmp_name, out)
    except BaseException:
        os.unlink(tmp_name)
        raise

    return ExportResult(
        path=str(out),
        records=records,
        pages=pages,
        requests=client.stats.requests - before[0],
        responses_429=client.stats.responses_429 - before[1],
        retries=client.stats.retries - before[2],
        rate_limit_waits=client.budget.waits - before[3],
        elapsed_s=round(anyio.current_time() - started, 3),
    )
