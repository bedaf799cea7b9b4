"""`katana get`, `resources`, `emulator` and `demo` in a subprocess."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import pytest
from clirun import KATANA, cli_env, emulator, one_line_error, run_cli, run_sync


@pytest.mark.anyio
async def test_get_prints_the_json_body(workdir: Path, anyio_backend: str) -> None:
    """`katana get /products/ID` prints that product as indented JSON."""
    async with emulator() as emu:
        product = emu.listing("products")[3]
        done = await run_cli(
            "get", f"/products/{product['id']}", "--base-url", emu.base_url,
            "--backend", anyio_backend, cwd=workdir,
        )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == product
    assert done.stdout.startswith(b"{\n  ")


@pytest.mark.anyio
async def test_get_with_params_and_a_missing_record(workdir: Path) -> None:
    """--param shapes the query; a 404 is one line and exit 1."""
    async with emulator() as emu:
        listed = await run_cli(
            "get", "variants", "--param", "limit=3", "--param", "page=2",
            "--base-url", emu.base_url, cwd=workdir,
        )  # fmt: skip
        missing = await run_cli(
            "get", "/products/999", "--base-url", emu.base_url, cwd=workdir
        )
        expected = [r["id"] for r in emu.listing("variants")[3:6]]

    assert [r["id"] for r in json.loads(listed.stdout)["data"]] == expected
    assert missing.returncode == 1
    assert "404" in one_line_error(missing.stderr)


@pytest.mark.anyio
async def test_get_with_a_limit_alone_prints_that_many_records(workdir: Path) -> None:
    """--param limit=N means N records in one request, not every page of N."""
    async with emulator() as emu:
        done = await run_cli(
            "get", "variants", "--param", "limit=4", "--base-url", emu.base_url,
            cwd=workdir,
        )  # fmt: skip
        requests = len(emu.journal)
        expected = [r["id"] for r in emu.listing("variants")[:4]]

    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)["data"]] == expected
    assert requests == 1


@pytest.mark.anyio
async def test_get_says_when_it_stopped_short(workdir: Path) -> None:
    """A list cut at 100 pages prints what it has and a note on stderr."""
    async with emulator() as emu:
        done = await run_cli(
            "get", "variants", "--param", "limit=5", "--max-items", "700",
            "--rate-limit", "1000/1", "--base-url", emu.base_url, cwd=workdir,
        )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["data"]) == 500
    assert b"stopped after 100 pages" in done.stderr


def test_resources_lists_operations_and_filters(workdir: Path) -> None:
    """`katana resources --json` names the list and its filters per resource."""
    done = run_sync("resources", "--json", "products", cwd=workdir)

    assert done.returncode == 0, done.stderr
    (products,) = json.loads(done.stdout)
    assert products["resource"] == "products"
    assert products["list"] == "/products"
    assert "GET /products" in products["operations"]
    assert "updated_at_min" in products["filters"]
    assert "page" not in products["filters"]


def test_resources_table_and_unknown_name(workdir: Path) -> None:
    """The table names every resource; an unknown name is a usage error."""
    table = run_sync("resources", cwd=workdir)
    unknown = run_sync("resources", "nonsense", cwd=workdir)

    assert table.returncode == 0, table.stderr
    assert "variants" in table.stdout
    assert unknown.returncode == 2


def test_emulator_command_serves_until_ctrl_c(workdir: Path) -> None:
    """`katana emulator` prints its URL, serves the CLI, and stops on SIGINT."""
    server = subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        [*KATANA, "emulator", "--size", "services=3", "--key", "cli-test-key"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        found = re.search(r"http://127\.0\.0\.1:\d+/v1", server.stdout.readline())
        assert found, "no URL printed"
        done = run_sync("export", "services", "--base-url", found[0], cwd=workdir)
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=10)

    assert done.returncode == 0, done.stderr
    assert len((workdir / "services.jsonl").read_text().splitlines()) == 3
    assert server.returncode == 0
    assert "Traceback" not in err
    assert "cli-test-key" not in err


@pytest.mark.slow
def test_demo_writes_exports_and_summary(workdir: Path) -> None:
    """`katana demo` still writes each seeded resource and summary.json."""
    done = run_sync("demo", "--out", "d", cwd=workdir, timeout=60)

    assert done.returncode == 0, done.stderr
    summary = json.loads((workdir / "d" / "summary.json").read_text())
    assert set(summary) == {"products", "variants", "materials", "services"}
    for name, row in summary.items():
        assert row["records"] == row["expected_records"]
        assert row["responses_429"] == 0
        lines = (workdir / "d" / f"{name}.jsonl").read_text().splitlines()
        assert len(lines) == row["records"]
    assert "Wrote 4 exports and summary.json to d/" in done.stdout


def test_usage_errors_exit_2(workdir: Path) -> None:
    """A malformed --filter or --since is refused before anything runs."""
    bad_pair = run_sync("export", "products", "--filter", "novalue", cwd=workdir)
    bad_since = run_sync("export", "products", "--since", "soon", cwd=workdir)

    assert bad_pair.returncode == 2
    assert "expected KEY=VALUE" in bad_pair.stderr
    assert bad_since.returncode == 2
    assert "neither an ISO 8601" in bad_since.stderr


def test_environment_has_no_base_url() -> None:
    """The helper never lets a stray KATANA_BASE_URL point a test elsewhere."""
    assert not any(name == "KATANA_BASE_URL" for name in cli_env())
