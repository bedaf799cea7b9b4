"""Both clients against the same emulator, side by side: ``python benchmarks/run.py``.

Each scenario starts one emulator process (``emulator_host.py``) and runs the
clients in turn against it, each in a fresh process (``our_client.py`` in this
venv, ``ref_client.py`` in the reference's), rotating which client goes first on
every repeat. Every run gets an API key of its own, so every run opens a fresh
rate-limit window. The emulator's journal gives the requests, 429s and pages served
more than once; the client process gives wall time, CPU and peak RSS.

Prints a Markdown table and writes every raw figure to ``benchmarks/results/``.
Loops are bounded: a fixed number of repeats, and a timeout on every process.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = 250
CHILD_TIMEOUT_S = 240.0


# -- processes ---------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """The environment minus anything that could point a client elsewhere."""
    drop = ("KATANA_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Emulator:
    """An ``emulator_host.py`` process; commands go over its stdin."""

    def __init__(self, **options: Any) -> None:
        args = [sys.executable, str(HERE / "emulator_host.py")]
        for name, value in options.items():
            args += [f"--{name}", str(value)]
        self.options = options
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_clean_env(),
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"emulator did not start: {self.base_url!r}")

    def _ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def summary(self) -> dict[str, Any]:
        return self._ask("summary")

    def clear(self) -> None:
        self._ask("clear")

    def close(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def emulator(**options: Any) -> Iterator[Emulator]:
    server = Emulator(**options)
    try:
        yield server
    finally:
        server.close()


@dataclass(frozen=True)
class Client:
    """How to start one kind of client run."""

    name: str
    python: str
    script: str
    extra: tuple[str, ...] = ()
    # Runs that take a minute each (the reference in a rate-bound scenario) are
    # repeated fewer times to keep the whole bench bounded.
    max_repeats: int | None = None

    def runs_in(self, repeat: int) -> bool:
        return self.max_repeats is None or repeat < self.max_repeats

    def command(self, base_url: str, key: str, options: dict[str, Any]) -> list[str]:
        args = [self.python, str(HERE / self.script), "--base-url", base_url]
        args += ["--key", key]
        for name, value in options.items():
            args += [f"--{name}", str(value)]
        # Last, so that a client's own settings win over the scenario's.
        return [*args, *self.extra]


def compile_bytecode(python: str, *extra: Path) -> None:
    """Write the ``.pyc`` files of ``python``'s site-packages (and ``extra``).

    ``pip install`` compiles bytecode; ``uv`` does not by default, and the drivers
    run with ``PYTHONDONTWRITEBYTECODE=1``, so without this every client process
    would compile from source whatever it imports, lazily imported modules (the
    event loop backend of ``anyio.run``) inside the measured time. Done for both
    clients' interpreters alike.
    """
    code = (
        "import compileall, sys, sysconfig\n"
        "dirs = [sysconfig.get_paths()['purelib'], *sys.argv[1:]]\n"
        "for d in dirs:\n"
        "    compileall.compile_dir(d, quiet=2, workers=0)\n"
    )
    # A package may ship a file that does not compile (a template, old syntax);
    # its import, if any, is the package's own business, so failures are ignored.
    subprocess.run(  # noqa: S603 - our own interpreters
        [python, "-c", code, *map(str, extra)], check=True, timeout=600
    )


def start(client: Client, base_url: str, key: str, options: dict[str, Any]) -> Any:
    return subprocess.Popen(  # noqa: S603 - our own scripts
        client.command(base_url, key, options),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )


def finish(process: Any) -> dict[str, Any]:
    """The run's figures; a run past ``CHILD_TIMEOUT_S`` is killed and reported so."""
    try:
        out, err = process.communicate(timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        now = time.time()
        return {
            "status": "killed",
            "records": 0,
            "wall_s": CHILD_TIMEOUT_S,
            "cpu_s": float("nan"),
            "max_rss_kib": 0,
            "rss_before_kib": 0,
            "started_at": now - CHILD_TIMEOUT_S,
            "ended_at": now,
        }
    lines = out.strip().splitlines()
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"client run failed ({process.returncode}): {err[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# -- running and summarising ----------------------------------------------------------


@dataclass
class Scenario:
    name: str
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, client: str, figures: dict[str, Any]) -> None:
        self.runs.setdefault(client, []).append(figures)

    def median(self, client: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in self.runs[client])

    def total(self, client: str, key: str) -> int:
        return sum(int(r[key]) for r in self.runs[client])


def rotated(clients: list[Client], repeat: int) -> list[Client]:
    shift = repeat % len(clients)
    order = clients[shift:] + clients[:shift]
    return [client for client in order if client.runs_in(repeat)]


def solo_runs(
    scenario: Scenario,
    server: Emulator,
    clients: list[Client],
    repeats: int,
    per_client: dict[str, dict[str, Any]],
) -> None:
    """Each client alone, one at a time, alternating; the journal per run."""
    for repeat in range(repeats):
        for client in rotated(clients, repeat):
            server.clear()
            key = f"bench-{scenario.name}-{client.name}-{repeat}"
            figures = finish(
                start(client, server.base_url, key, per_client[client.name])
            )
            figures["server"] = server.summary()
            if figures["server"]["requests"] == 0:
                raise RuntimeError(f"{client.name} never reached the emulator")
            scenario.add(client.name, figures)
            print(
                f"  {scenario.name} {client.name:<12} wall {figures['wall_s']:7.3f} s"
                f"  cpu {figures['cpu_s']:6.2f} s  rss "
                f"{figures['max_rss_kib'] / 1024:6.1f} MiB  records "
                f"{figures['records']}  429s {figures['server']['responses_429']}",
                flush=True,
            )


def pair_runs(
    scenario: Scenario,
    server: Emulator,
    clients: list[Client],
    repeats: int,
    per_client: dict[str, dict[str, Any]],
) -> None:
    """Two processes of the same client at once, on one key."""
    for repeat in range(repeats):
        for client in rotated(clients, repeat):
            server.clear()
            key = f"bench-{scenario.name}-{client.name}-{repeat}"
            options = per_client[client.name]
            processes = [start(client, server.base_url, key, options) for _ in "ab"]
            both = [finish(p) for p in processes]
            summary = server.summary()
            if summary["requests"] == 0:
                raise RuntimeError(f"{client.name} never reached the emulator")
            figures = {
                "wall_s": max(r["ended_at"] for r in both)
                - min(r["started_at"] for r in both),
                "records": sum(r["records"] for r in both),
                "statuses": [r["status"] for r in both],
                "each": both,
                "server": summary,
            }
            scenario.add(client.name, figures)
            print(
                f"  {scenario.name} {client.name:<12} total {figures['wall_s']:7.3f} s"
                f"  records {figures['records']}  429s {summary['responses_429']}"
                f"  requests {summary['requests']}",
                flush=True,
            )


# -- the scenarios ----------------------------------------------------------------


def latency_bound(clients: list[Client], args: argparse.Namespace) -> Scenario:
    pages, latency, concurrency = 50, 0.1, args.concurrency
    scenario = Scenario("a")
    scenario.notes = {
        "pages": pages,
        "latency_s": latency,
        "concurrency": concurrency,
        "bound_s": (1 + math.ceil((pages - 1) / concurrency)) * latency,
    }
    options = _per_client(
        clients,
        ours={"budget-limit": 1000, "budget-window": 60, "concurrency": concurrency},
        ref={"rpm": 1000},
    )
    with emulator(products=pages * PAGE, latency=latency, limit=1000, window=60) as s:
        solo_runs(scenario, s, clients, args.repeats, options)
    return scenario


def rate_bound(
    clients: list[Client],
    args: argparse.Namespace,
    *,
    name: str = "b",
    latency: float | None = None,
) -> Scenario:
    pages, limit, window = 50, 20, 2.0
    latency = args.rate_latency if latency is None else latency
    scenario = Scenario(name)
    scenario.notes = {
        "pages": pages,
        "limit": limit,
        "window_s": window,
        "latency_s": latency,
        "bound_s": (math.ceil(pages / limit) - 1) * window + latency,
    }
    options = _per_client(
        clients,
        ours={"budget-limit": limit, "budget-window": window},
        # A user of the reference states the same quota per minute.
        ref={"rpm": round(limit * 60 / window)},
    )
    with emulator(
        products=pages * PAGE, latency=latency, limit=limit, window=window
    ) as server:
        solo_runs(scenario, server, clients, args.repeats, options)
    return scenario


def shared_key(clients: list[Client], args: argparse.Namespace) -> Scenario:
    pages, limit, window, latency = 50, 20, 2.0, args.rate_latency
    scenario = Scenario("e")
    scenario.notes = {
        "pages_each": pages,
        "limit": limit,
        "window_s": window,
        "latency_s": latency,
        "bound_s": (math.ceil(2 * pages / limit) - 1) * window + latency,
    }
    options = _per_client(
        clients,
        ours={"budget-limit": limit, "budget-window": window},
        ref={"rpm": round(limit * 60 / window)},
    )
    with emulator(
        products=pages * PAGE, latency=latency, limit=limit, window=window
    ) as server:
        pair_runs(scenario, server, clients, args.repeats, options)
    return scenario


def cpu_and_memory(
    clients: list[Client], args: argparse.Namespace, workdir: Path
) -> tuple[Scenario, Scenario]:
    """(c) CPU of a 400-page fetch and (d) peak RSS of JSONL exports."""
    cpu, memory = Scenario("c"), Scenario("d")
    cpu.notes = {"pages": 400, "records": 400 * PAGE}
    memory.notes = {"sizes": [20_000, 100_000]}
    fetch = _per_client(clients, ours={"mode": "fetch"}, ref={"mode": "fetch"})
    for size in (100_000, 20_000):
        out = workdir / f"export-{size}.jsonl"
        export = _per_client(
            clients,
            ours={"mode": "export", "out": out},
            ref={"mode": "export", "out": out},
        )
        with emulator(products=size) as server:
            if size == 100_000:
                solo_runs(cpu, server, clients, args.repeats, fetch)
            sized = Scenario(f"d{size // 1000}k")
            solo_runs(sized, server, clients, args.repeats, export)
        memory.runs.update({f"{k}@{size}": v for k, v in sized.runs.items()})
    return cpu, memory


def _per_client(
    clients: list[Client], *, ours: dict[str, Any], ref: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    return {c.name: ours if c.name.startswith("ours") else ref for c in clients}


# -- report -----------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": str(os.cpu_count()), "cpu": model, "os": platform.platform()}


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def _ratios(value: float, references: dict[str, float]) -> str:
    return ", ".join(f"{_fmt(value / v, 3)}x of {k}" for k, v in references.items())


def _rate_rows(scenario: Scenario, label: str, expected: int) -> list[str]:
    bound = scenario.notes["bound_s"]
    ref_wall = scenario.median("ref-api", "wall_s") if "ref-api" in scenario.runs else 0
    rows = []
    for client, runs in scenario.runs.items():
        wall = scenario.median(client, "wall_s")
        s429 = [r["server"]["responses_429"] for r in runs]
        twice = [
            r["server"].get("serve_counts", r["server"]["pages_served_twice"])
            for r in runs
        ]
        requests = [r["server"]["requests"] for r in runs]
        complete = sum(r["records"] == expected for r in runs)
        speed = f"{_fmt(ref_wall / wall)}x faster than ref-api" if ref_wall else ""
        rows.append(
            f"| {label} | {client} | {_fmt(wall, 3)} s | "
            f"{_fmt(wall / bound)}x of {_fmt(bound, 3)} s | {speed} | "
            f"runs {len(runs)}; complete {complete}/{len(runs)}; 429s {s429}; "
            f"times served: pages {twice}; requests {requests} |"
        )
    return rows


def table(results: dict[str, Scenario]) -> str:
    rows = ["| scenario | client | median | vs bound | vs reference | per run |"]
    rows.append("| --- | --- | --- | --- | --- | --- |")
    a, b, c, d, e = (results[k] for k in "abcde")
    rows += _rate_rows(a, "a latency", 50 * PAGE)
    rows += _rate_rows(b, "b rate", 50 * PAGE)

    refs = {k: c.median(k, "cpu_s") for k in ("ref-api", "ref-raw")}
    for client in c.runs:
        cpu = c.median(client, "cpu_s")
        rows.append(
            f"| c CPU, fetch+decode | {client} | {_fmt(cpu)} s CPU; "
            f"{_fmt(cpu / 400 * 1000)} ms/page, {_fmt(cpu / 100_000 * 1e6, 1)} "
            f"us/record | | {_ratios(cpu, refs)} | wall "
            f"{_fmt(c.median(client, 'wall_s'))} s; CPU {_runs(c, client, 'cpu_s')} |"
        )

    big = {k.split("@")[0]: k for k in d.runs if k.endswith("@100000")}
    refs = {k: d.median(big[k], "max_rss_kib") for k in ("ref-api", "ref-raw")}
    cpu_refs = {k: d.median(big[k], "cpu_s") for k in ("ref-api", "ref-raw")}
    for client, key in big.items():
        peak = d.median(key, "max_rss_kib")
        small = d.median(f"{client}@20000", "max_rss_kib")
        before = d.median(key, "rss_before_kib")
        cpu = d.median(key, "cpu_s")
        rows.append(
            f"| d export, peak RSS | {client} | {_fmt(peak / 1024, 1)} MiB at 100k, "
            f"{_fmt(small / 1024, 1)} MiB at 20k | 100k/20k {_fmt(peak / small, 3)} | "
            f"{_ratios(peak, refs)} | RSS before the export "
            f"{_fmt(before / 1024, 1)} MiB; wall {_fmt(d.median(key, 'wall_s'))} s |"
        )
        rows.append(
            f"| d export, CPU | {client} | {_fmt(cpu)} s CPU at 100k | | "
            f"{_ratios(cpu, cpu_refs)} | CPU {_runs(d, key, 'cpu_s')} |"
        )

    rows += _rate_rows(e, "e shared key, 2 processes", 2 * 50 * PAGE)
    if "f" in results:
        rows += _rate_rows(results["f"], "f rate, 5 ms latency", 50 * PAGE)
    return "\n".join(rows)


def _runs(scenario: Scenario, client: str, key: str) -> str:
    return "[" + ", ".join(_fmt(r[key]) for r in scenario.runs[client]) + "]"


def load(path: Path) -> dict[str, Scenario]:
    raw = json.loads(path.read_text())
    return {
        name: Scenario(name, runs=data["runs"], notes=data["notes"])
        for name, data in raw["scenarios"].items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--ref-python",
        default=str(HERE / ".bench" / "ref" / "bin" / "python"),
        help="the interpreter of the venv holding katana-openapi-client",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--slow-repeats",
        type=int,
        default=1,
        help="repeats of the reference in the rate-bound scenarios (b, e)",
    )
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument(
        "--rate-latency", type=float, default=0.05, help="server latency in (b), (e)"
    )
    parser.add_argument("--only", default="abcdef", help="scenarios to run, e.g. 'ab'")
    parser.add_argument(
        "--table-from", type=Path, help="only print the table of a saved last.json"
    )
    args = parser.parse_args()
    if args.table_from:
        print(table(load(args.table_from)))
        return

    ours = [
        Client(
            "ours-asyncio", sys.executable, "our_client.py", ("--backend", "asyncio")
        ),
        Client("ours-trio", sys.executable, "our_client.py", ("--backend", "trio")),
    ]
    ref_api = Client("ref-api", args.ref_python, "ref_client.py", ("--variant", "api"))
    ref_raw = Client("ref-raw", args.ref_python, "ref_client.py", ("--variant", "raw"))
    # Rate-bound: the per-minute limiter set to the server's quota stalls for a
    # minute (see README), so it runs fewer times; and the same client with its
    # limiter off, left to its retries.
    ref_paced = replace(ref_api, max_repeats=args.slow_repeats)
    ref_unpaced = Client(
        "ref-api-rpm-off",
        args.ref_python,
        "ref_client.py",
        ("--variant", "api", "--rpm", "0"),
        max_repeats=args.slow_repeats,
    )

    compile_bytecode(sys.executable, HERE.parent / "src")
    compile_bytecode(args.ref_python)

    started = time.perf_counter()
    results: dict[str, Scenario] = {}
    with tempfile.TemporaryDirectory(prefix="katana-bench-") as tmp:
        if "a" in args.only:
            results["a"] = latency_bound([*ours, ref_api], args)
        if "b" in args.only:
            results["b"] = rate_bound([*ours, ref_paced, ref_unpaced], args)
        if "c" in args.only or "d" in args.only:
            results["c"], results["d"] = cpu_and_memory(
                [*ours, ref_api, ref_raw], args, Path(tmp)
            )
        if "e" in args.only:
            results["e"] = shared_key([*ours, ref_paced, ref_unpaced], args)
        if "f" in args.only:
            # (b) with the round trip as small a part of the window as Katana's:
            # 2 x 5 ms of 2 s, about what 150-300 ms is of 60 s. Ours only.
            results["f"] = rate_bound(ours, args, name="f", latency=0.005)
    elapsed = time.perf_counter() - started

    info = {
        **machine(),
        "python_ours": platform.python_version(),
        "python_ref": subprocess.run(  # noqa: S603
            [
                args.ref_python,
                "-c",
                "import platform; print(platform.python_version())",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip(),
        "command": " ".join(sys.argv),
        "repeats": str(args.repeats),
        "elapsed_s": f"{elapsed:.0f}",
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    raw = {
        "machine": info,
        "scenarios": {
            k: {"notes": v.notes, "runs": v.runs} for k, v in results.items()
        },
    }
    (out_dir / "last.json").write_text(json.dumps(raw, indent=1, default=str))
    print()
    print(json.dumps(info, indent=1))
    if set("abcde") <= set(results):
        text = table(results)
        (out_dir / "last.md").write_text(text + "\n")
        print(text)


if __name__ == "__main__":
    main()
