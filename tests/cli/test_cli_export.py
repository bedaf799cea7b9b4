"""`katana export` in a subprocess against the emulator, on asyncio and trio."""

from __future__ import annotations

import csv
import json
import signal
from pathlib import Path

import anyio
import pytest
from clirun import KATANA, KEY, cli_env, emulator, one_line_error, run_cli

from katana_anyio import KatanaClient
from katana_anyio.emulator import RateLimitConfig

pytestmark = pytest.mark.anyio


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


async def test_jsonl_export_writes_every_record_once_in_order(
    workdir: Path, anyio_backend: str
) -> None:
    """Every product arrives once, in list order, with a summary line on stderr."""
    async with emulator() as emu:
        done = await run_cli(
            "export", "products", "--base-url", emu.base_url,
            "--backend", anyio_backend, cwd=workdir,
        )  # fmt: skip
        expected = [record["id"] for record in emu.listing("products")]

    assert done.returncode == 0, done.stderr
    lines = (workdir / "products.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == expected
    summary = done.stderr.decode().strip()
    assert summary.startswith(f"products: {len(expected)} records, 3 pages")
    assert done.stdout == b""
    assert _leftovers(workdir) == []


async def test_csv_export_flattens_with_a_stable_header(
    workdir: Path, anyio_backend: str
) -> None:
    """CSV rows match the records; two runs give the same header, id first."""
    async with emulator() as emu:
        for name in ("a.csv", "b.csv"):
            done = await run_cli(
                "export", "variants", "--out", name, "--base-url", emu.base_url,
                "--backend", anyio_backend, cwd=workdir,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        records = emu.listing("variants")

    first = (workdir / "a.csv").read_bytes()
    assert first == (workdir / "b.csv").read_bytes()
    with (workdir / "a.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(records)
    assert next(iter(rows[0])) == "id"
    assert [int(row["id"]) for row in rows] == [r["id"] for r in records]
    assert rows[0]["sku"] == records[0]["sku"]
    assert json.loads(rows[0]["config_attributes"]) == records[0]["config_attributes"]


async def test_csv_formula_escaping_is_on_unless_turned_off(
    workdir: Path, anyio_backend: str
) -> None:
    """A product named like a formula opens as text, unless the user opts out."""
    formula = '=HYPERLINK("http://127.0.0.1/","x")'
    async with emulator(sizes={"products": 3}) as emu:
        async with KatanaClient(
            KEY, base_url=emu.base_url, requests_per_minute=None
        ) as client:
            await client.post(
                "/products", json={"name": formula, "variants": [{"sku": "F-1"}]}
            )
        for name, extra in (("safe.csv", ()), ("raw.csv", ("--no-escape-formulas",))):
            done = await run_cli(
                "export", "products", "--out", name, "--base-url", emu.base_url,
                "--backend", anyio_backend, *extra, cwd=workdir,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr

    def names(file: str) -> list[str]:
        with (workdir / file).open(newline="") as handle:
            return [row["name"] for row in csv.DictReader(handle)]

    assert "'" + formula in names("safe.csv")
    assert formula in names("raw.csv")


async def test_since_and_an_updated_at_min_filter_are_refused_together(
    workdir: Path,
) -> None:
    """Two values for one filter would leave the choice to the server."""
    done = await run_cli(
        "export", "products", "--since", "24h", "--filter",
        "updated_at_min=2020-01-01", "--base-url", "http://127.0.0.1:9/v1",
        cwd=workdir,
    )  # fmt: skip

    assert done.returncode == 2
    assert b"not both" in done.stderr
    assert _files(workdir) == []


async def test_json_to_stdout_is_one_array(workdir: Path, anyio_backend: str) -> None:
    """`--out - --format json` prints one JSON array cut at --max-items."""
    async with emulator() as emu:
        done = await run_cli(
            "export", "materials", "--out", "-", "--format", "json",
            "--max-items", "7", "--base-url", emu.base_url,
            "--backend", anyio_backend, cwd=workdir,
        )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 7
    assert _files(workdir) == []


async def test_filters_and_since_reach_the_query(
    workdir: Path, anyio_backend: str
) -> None:
    """--filter pairs go out as given and --since as updated_at_min in UTC."""
    async with emulator() as emu:
        done = await run_cli(
            "export", "products", "--filter", "is_sellable=true",
            "--since", "2021-01-01T01:00:00+01:00", "--base-url", emu.base_url,
            "--backend", anyio_backend, cwd=workdir,
        )  # fmt: skip
        query = dict(emu.journal[0].query)

    assert done.returncode == 0, done.stderr
    assert query["is_sellable"] == "true"
    assert query["updated_at_min"] == "2021-01-01T00:00:00.000Z"
    for line in (workdir / "products.jsonl").read_text().splitlines():
        assert json.loads(line)["is_sellable"] is True


async def test_unknown_filter_is_a_usage_error(workdir: Path) -> None:
    """A filter the resource does not take exits 2 before any request."""
    async with emulator() as emu:
        done = await run_cli(
            "export", "products", "--filter", "colour=red",
            "--base-url", emu.base_url, cwd=workdir,
        )  # fmt: skip
        requests = emu.stats.requests

    assert done.returncode == 2
    assert b"does not filter on colour" in done.stderr
    assert requests == 0
    assert _files(workdir) == []


async def test_rejected_key_fails_in_one_line_and_writes_nothing(
    workdir: Path, anyio_backend: str
) -> None:
    """A 401 exits 1 with one line naming it, and no file appears."""
    async with emulator(api_keys=("another-key",)) as emu:
        done = await run_cli(
            "export", "products", "--out", "p.csv", "--base-url", emu.base_url,
            "--backend", anyio_backend, cwd=workdir,
        )  # fmt: skip

    assert done.returncode == 1
    line = one_line_error(done.stderr)
    assert "401" in line
    assert "nothing was written to p.csv" in line
    assert _files(workdir) == []


async def test_failed_export_keeps_the_previous_file(workdir: Path) -> None:
    """A failing run leaves last night's complete file untouched."""
    (workdir / "products.jsonl").write_text("last night\n")
    async with emulator(api_keys=("another-key",)) as emu:
        done = await run_cli(
            "export", "products", "--base-url", emu.base_url, cwd=workdir
        )

    assert done.returncode == 1
    assert (workdir / "products.jsonl").read_text() == "last night\n"
    assert _leftovers(workdir) == []


async def test_ctrl_c_exits_130_without_a_partial_file(
    workdir: Path, anyio_backend: str
) -> None:
    """SIGINT mid-export: exit 130, one line, no traceback, nothing under the name."""
    slow = {"latency_s": 0.25, "rate_limit": RateLimitConfig(limit=100, window_s=1)}
    async with emulator(sizes={"products": 2000}, **slow) as emu:
        with (workdir / "stderr.txt").open("wb") as stderr:
            process = await anyio.open_process(
                [
                    *KATANA, "export", "products", "--out", "out/p.csv",
                    "--concurrency", "1", "--base-url", emu.base_url,
                    "--backend", anyio_backend,
                ],
                cwd=workdir, env=cli_env(), stdout=stderr, stderr=stderr,
            )  # fmt: skip
            async with process:
                with anyio.fail_after(20):
                    # The emulator's counters offer no event to wait on.
                    while emu.stats.requests < 2:  # noqa: ASYNC110
                        await anyio.sleep(0.02)
                    assert _leftovers(workdir / "out") != []
                    process.send_signal(signal.SIGINT)
                    code = await process.wait()

    text = (workdir / "stderr.txt").read_text()
    assert code == 130, text
    assert "interrupted" in one_line_error(text)
    assert _files(workdir / "out") == []
