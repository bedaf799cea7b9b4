"""Exporting a collection to JSON Lines, CSV or JSON, safely and in constant memory.

Records stream page by page from :meth:`KatanaClient.pages` into a writer for the
chosen format; memory holds one window of pages, whatever the collection's size.

A file target is written to a temporary file beside it (``.<name>.<random>.part``),
flushed to disk and renamed into place only when the export is complete: an
interrupted or failed export never leaves a file that looks finished, and an older
complete file under the final name stays untouched. A stream target (standard
output) cannot be taken back; see :func:`export_records` for what it receives.

Formats:

- ``jsonl``: one record per line, as Katana sent it.
- ``json``: one JSON array of the records, as Katana sent them.
- ``csv``: one row per record with nested objects flattened into dotted columns
  (``supplier.name``), lists kept as compact JSON text in one cell, ``null`` as an
  empty cell and booleans as ``true``/``false``. Columns come in the order their
  keys are first seen, which is Katana's field order when the first record has
  every key. A key first seen in a later record becomes a new column at the right
  end, and earlier rows get an empty cell there. So that the header can name every
  column, rows are spooled to an anonymous temporary file and the header plus rows
  are written out when the collection is complete. Text that a spreadsheet would
  run as a formula (``=``, ``+``, ``-``, ``@`` first) gets a leading ``'`` unless
  ``escape_formulas=False``.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import anyio
import msgspec

from katana_core import ConfigurationError, ParamsInput

from ._client import KatanaClient
from ._paging import Page

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportResult",
    "export_jsonl",
    "export_records",
    "flatten",
]

ExportFormat = Literal["jsonl", "csv", "json"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "json")

# Rows handed to the csv module per write when copying the spool: bounds memory.
_CSV_BATCH_ROWS = 1000


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
    format: str = "jsonl"
    # CSV only: the number of columns in the header.
    columns: int = 0
    rate_limit_waited_s: float = 0.0


class _Writer(Protocol):
    def write_page(self, records: list[msgspec.Raw]) -> None: ...

    def finish(self) -> None: ...


def _line(record: msgspec.Raw) -> bytes:
    data = bytes(record)
    if b"\n" in data or b"\r" in data:
        # Pretty-printed JSON would break the one-record-per-line promise.
        data = msgspec.json.encode(msgspec.json.decode(data))
    return data + b"\n"


class _JsonlWriter:
    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write_page(self, records: list[msgspec.Raw]) -> None:
        self._out.write(b"".join(_line(record) for record in records))

    def finish(self) -> None:
        return None


class _JsonWriter:
    """A JSON array; until ``finish`` closes it, the text is not valid JSON."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._first = True
        out.write(b"[")

    def write_page(self, records: list[msgspec.Raw]) -> None:
        for record in records:
            self._out.write(b"\n" if self._first else b",\n")
            self._out.write(bytes(record))
            self._first = False

    def finish(self) -> None:
        self._out.write(b"]\n" if self._first else b"\n]\n")


# What a spreadsheet reads as the start of a formula when a cell begins with it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, escape_formulas: bool = False) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        if escape_formulas and value.startswith(_FORMULA_STARTS):
            if _is_number(value):
                # Katana sends decimals as text ("-5.00000"): a number to a
                # spreadsheet too, never run as a formula, and kept as it is.
                return value
            # A leading quote makes spreadsheets show the text instead of
            # running it ("=HYPERLINK(...)" in a product name).
            return "'" + value
        return value
    if isinstance(value, list):
        return msgspec.json.encode(value).decode()
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in (
        "inf",
        "nan",
        "infinity",
    )


def flatten(
    record: Any, prefix: str = "", *, escape_formulas: bool = False
) -> Iterator[tuple[str, str]]:
    """Yield ``(column, cell)`` pairs for one decoded record (see the module doc).

    An empty object (Katana's ``{}`` for an absent one) yields nothing. With
    ``escape_formulas``, a text value that a spreadsheet would run as a formula
    (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a
    leading ``'``; numbers, and text that is a number ("-5.00"), are never
    changed.
    """
    if not isinstance(record, dict):
        yield prefix or "value", _cell(record, escape_formulas)
        return

    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{name}.", escape_formulas=escape_formulas)
        else:
            yield name, _cell(value, escape_formulas)


class _CsvWriter:
    def __init__(self, out: IO[bytes], *, escape_formulas: bool = True) -> None:
        self._out = out
        self._escape_formulas = escape_formulas
        self._columns: dict[str, int] = {}
        self._spool = tempfile.TemporaryFile(  # noqa: SIM115 -- closed in finish/close
            "w+", encoding="utf-8", newline=""
        )
        self._rows = csv.writer(self._spool)

    @property
    def columns(self) -> int:
        return len(self._columns)

    def write_page(self, records: list[msgspec.Raw]) -> None:
        for raw in records:
            record = msgspec.json.decode(raw)
            cells = dict(flatten(record, escape_formulas=self._escape_formulas))
            for name in cells:
                self._columns.setdefault(name, len(self._columns))
            row = [""] * len(self._columns)
            for name, cell in cells.items():
                row[self._columns[name]] = cell
            self._rows.writerow(row)

    def finish(self) -> None:
        width = len(self._columns)
        if width:
            self._emit([list(self._columns)])
        self._spool.seek(0)
        batch: list[list[str]] = []
        for row in csv.reader(self._spool):
            row.extend([""] * (width - len(row)))
            batch.append(row)
            if len(batch) >= _CSV_BATCH_ROWS:
                self._emit(batch)
                batch = []
        self._emit(batch)
        self.close()

    def close(self) -> None:
        self._spool.close()

    def _emit(self, rows: list[list[str]]) -> None:
        text = io.StringIO(newline="")
        csv.writer(text).writerows(rows)
        self._out.write(text.getvalue().encode("utf-8"))


def _writer(
    format: ExportFormat, out: IO[bytes], escape_formulas: bool = True
) -> _Writer:
    if format == "jsonl":
        return _JsonlWriter(out)
    if format == "json":
        return _JsonWriter(out)
    if format == "csv":
        return _CsvWriter(out, escape_formulas=escape_formulas)
    raise ValueError(f"unknown export format {format!r}; choose one of {FORMATS}")


async def _stream(
    client: KatanaClient,
    path: str,
    writer: _Writer,
    params: ParamsInput,
    max_items: int | None,
    on_page: Callable[[Page], object] | None,
) -> tuple[int, int]:
    records = pages = 0
    try:
        async for page in client.pages(path, params=params, max_items=max_items):
            writer.write_page(page.records)
            records += len(page.records)
            pages += 1
            if on_page is not None:
                on_page(page)
        writer.finish()
    finally:
        if isinstance(writer, _CsvWriter):
            writer.close()

    return records, pages


async def _to_file(
    client: KatanaClient,
    path: str,
    out: Path,
    format: ExportFormat,
    params: ParamsInput,
    max_items: int | None,
    on_page: Callable[[Page], object] | None,
    escape_formulas: bool,
) -> tuple[int, int, int]:
    out, mode = _prepare_target(out)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{out.name}.", suffix=".part", dir=out.parent
    )
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            writer = _writer(format, handle, escape_formulas)
            records, pages = await _stream(
                client, path, writer, params, max_items, on_page
            )
            handle.flush()
            # On disk before the rename, so a crash cannot leave an empty file
            # under the final name.
            os.fsync(handle.fileno())
        os.replace(tmp_name, out)
    except BaseException:
        os.unlink(tmp_name)
        raise

    columns = writer.columns if isinstance(writer, _CsvWriter) else 0
    return records, pages, columns


def _prepare_target(out: Path) -> tuple[Path, int]:
    """Where the export really goes, and the mode it gets; refuses non-files."""
    # A symlink is written through: the file it points to is replaced.
    out = out.resolve()
    if out.exists() and not out.is_file():
        # A device, FIFO or directory is never replaced by a regular file.
        raise ConfigurationError(
            f"{out} is not a regular file; export to a file path, or to - "
            "for standard output"
        )
    out.parent.mkdir(parents=True, exist_ok=True)

    return out, _file_mode(out)


def _file_mode(out: Path) -> int:
    """The mode the export gets: the replaced file's, else 0644.

    ``mkstemp`` creates 0600 files, which a loader running as another user could
    not read. (The umask is not consulted: reading it means setting it, which
    races with other threads.)
    """
    try:
        return out.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o644


async def export_records(
    client: KatanaClient,
    path: str,
    out: Path | IO[bytes],
    *,
    format: ExportFormat = "jsonl",
    params: ParamsInput = None,
    max_items: int | None = None,
    on_page: Callable[[Page], object] | None = None,
    escape_formulas: bool = True,
) -> ExportResult:
    """Stream every record of ``path`` into ``out`` in ``format``.

    A :class:`~pathlib.Path` is written atomically (temporary file, then rename). A
    binary stream receives JSONL and JSON as pages arrive, so a failure leaves it
    short (a JSON array then lacks its closing bracket, which makes it invalid
    JSON); CSV reaches a stream only once the collection is complete. ``on_page``
    is called after each page is written. In CSV, ``escape_formulas`` (on by
    default, since CSV files are mostly opened in spreadsheets) quotes text cells
    that a spreadsheet would run as formulas; see :func:`flatten`.
    """
    started = anyio.current_time()
    before = (
        client.stats.requests,
        client.stats.responses_429,
        client.stats.retries,
        client.budget.waits,
        client.budget.waited_s,
    )
    if isinstance(out, Path):
        records, pages, columns = await _to_file(
            client, path, out, format, params, max_items, on_page, escape_formulas
        )
        where = str(out)
    else:
        writer = _writer(format, out, escape_formulas)
        records, pages = await _stream(client, path, writer, params, max_items, on_page)
        out.flush()  # noqa: ASYNC240 -- a stream, not a Path (narrowed above)
        columns = writer.columns if isinstance(writer, _CsvWriter) else 0
        where = "-"

    return ExportResult(
        path=where,
        records=records,
        pages=pages,
        requests=client.stats.requests - before[0],
        responses_429=client.stats.responses_429 - before[1],
        retries=client.stats.retries - before[2],
        rate_limit_waits=client.budget.waits - before[3],
        elapsed_s=round(anyio.current_time() - started, 3),
        format=format,
        columns=columns,
        rate_limit_waited_s=round(client.budget.waited_s - before[4], 3),
    )


async def export_jsonl(
    client: KatanaClient,
    path: str,
    out: Path,
    *,
    params: ParamsInput = None,
    max_items: int | None = None,
) -> ExportResult:
    """Stream every record of ``path`` into ``out`` (JSONL), atomically."""
    return await export_records(
        client, path, out, format="jsonl", params=params, max_items=max_items
    )
