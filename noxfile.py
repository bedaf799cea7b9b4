"""Developer tasks: `nox -s lint types tests demo`, `nox -s bench` for benchmarks.

Every session installs from uv.lock (`uv sync --locked`), so what runs here is what
CI runs. Test sessions cover the Pythons that are installed; a machine with only one
Python runs that one and skips the others instead of failing.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "types", "tests"]
# CI sets CI=true, which makes nox treat a missing interpreter as an error by
# default; a fresh machine may have one Python, and that is enough.
nox.options.error_on_missing_interpreters = False

PYTHONS = ["3.11", "3.12", "3.13"]


def _sync(session: nox.Session, *groups: str) -> None:
    args = ["uv", "sync", "--locked", "--no-default-groups"]
    args += ["--extra", "trio", "--extra", "redis"]
    for group in groups:
        args += ["--group", group]
    session.run_install(
        *args, env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location}
    )


@nox.session(python=PYTHONS[0])
def lint(session: nox.Session) -> None:
    """ruff: lints and formatting."""
    _sync(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHONS[0])
def types(session: nox.Session) -> None:
    """mypy --strict over both packages."""
    _sync(session, "types")
    session.run("mypy")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on asyncio and trio, with katana_core's branch coverage."""
    _sync(session, "test")
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report")


@nox.session(python=PYTHONS[0])
def hardening(session: nox.Session) -> None:
    """Faults, bad input, cancellation and secrets, with a summary of what was tried.

    The same tests run in `tests`; this session runs them alone, verbosely.
    """
    _sync(session, "test")
    session.run("pytest", "tests/hardening", "-q", *session.posargs)


@nox.session(python=PYTHONS[0])
def bench(session: nox.Session) -> None:
    """Our client against katana-openapi-client on one emulator.

    The reference client needs Python 3.12 in a venv of its own; with pyenv, run
    `PYENV_VERSION=3.11.7:3.12.1:3.13.0 nox -s bench`. Results: benchmarks/README.md.
    """
    _sync(session)
    ref = os.path.join("benchmarks", ".bench", "ref")
    session.run(
        *("uv", "venv", "--allow-existing", "--no-python-downloads", "-p", "3.12", ref),
        external=True,
    )
    session.run(
        *("uv", "pip", "install", "-p", ref, "katana-openapi-client==0.89.0"),
        external=True,
    )
    session.run(
        "python",
        "benchmarks/run.py",
        "--ref-python",
        os.path.join(ref, "bin", "python"),
        *session.posargs,
    )
    session.run("python", "benchmarks/simulate_budget.py")


@nox.session(python=PYTHONS[0])
def generate(session: nox.Session) -> None:
    """Regenerate the models, the operation table and the conformance report."""
    _sync(session, "generate")
    session.run("python", "tools/generate_models.py")
    session.run("python", "tools/conformance.py", "--write")


@nox.session(python=PYTHONS[0])
def demo(session: nox.Session) -> None:
    """The main job: `katana demo` on both backends."""
    _sync(session)
    out = os.path.join(session.create_tmp(), "demo")
    for backend in ("asyncio", "trio"):
        session.run("katana", "demo", "--backend", backend, "--out", out)
