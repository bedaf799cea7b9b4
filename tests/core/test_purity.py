"""The core stays sans-IO: no module of katana_core imports I/O, clocks or chance."""

from __future__ import annotations

import ast
from pathlib import Path

import katana_core

FORBIDDEN = {
    "anyio",
    "httpcore",
    "httpx",
    "asyncio",
    "trio",
    "time",
    "random",
    "socket",
}
CORE = Path(katana_core.__file__).parent


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
        ):
            roots.add("__import__")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
        ):
            roots.add("importlib.import_module")
    return roots


def test_core_modules_are_found() -> None:
    """The scan sees every module of the package, so an empty result means clean."""
    names = {p.name for p in CORE.glob("*.py")}

    assert {"__init__.py", "_budget.py", "_headers.py", "_retry.py"} <= names


def test_no_forbidden_imports_anywhere_in_the_core() -> None:
    """No module imports I/O, time or randomness, at top level or inside a function."""
    found = {
        path.name: sorted(_imported_roots(ast.parse(path.read_text())) & FORBIDDEN)
        for path in sorted(CORE.glob("*.py"))
    }

    assert {name: mods for name, mods in found.items() if mods} == {}


def test_no_dynamic_imports_in_the_core() -> None:
    """No module hides an import behind __import__ or importlib."""
    dynamic = {"__import__", "importlib.import_module"}
    found = {
        path.name: sorted(_imported_roots(ast.parse(path.read_text())) & dynamic)
        for path in sorted(CORE.glob("*.py"))
    }

    assert {name: mods for name, mods in found.items() if mods} == {}


def test_scan_catches_an_import_inside_a_function() -> None:
    """The scanner finds nested and dotted imports, so it cannot pass vacuously."""
    source = "def f():\n    import time\n    from asyncio.tasks import sleep\n"

    assert _imported_roots(ast.parse(source)) == {"time", "asyncio"}
