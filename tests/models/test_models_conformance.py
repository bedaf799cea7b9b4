"""Every published example decodes with the model of its operation and status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def checked(spec_dir: Path) -> tuple[Any, list[Any]]:
    import conformance
    from gen_spec import Specs

    specs = Specs.load(spec_dir)
    examples = conformance.collect(specs)
    conformance.check(specs, examples)
    return conformance, examples


def test_every_example_decodes(checked: tuple[Any, list[Any]]) -> None:
    """No example of either file fails to decode."""
    _module, examples = checked

    failed = [f"{e.source} {e.where}: {e.error}" for e in examples if e.error]

    assert failed == []


def test_portal_figures(checked: tuple[Any, list[Any]]) -> None:
    """All 984 portal responses are checked: 172 success bodies over 170 operations."""
    _module, examples = checked
    portal = [e for e in examples if e.source == "portal"]
    success = [e for e in portal if 200 <= e.status < 300]

    assert len(portal) == 984
    assert len(success) == 172
    assert len({e.where.rsplit(" ", 2)[0] for e in success}) == 170
    assert all(e.op is not None for e in portal)


def test_stray_outer_keys_are_unwrapped_and_reported(
    checked: tuple[Any, list[Any]],
) -> None:
    """The portal examples wrapped in an extra key are unwrapped and say so."""
    _module, examples = checked

    unwrapped = [e.where for e in examples if any("stray" in t for t in e.tolerances)]

    assert len(unwrapped) == 3


def test_committed_report_is_current(checked: tuple[Any, list[Any]]) -> None:
    """tests/models/CONFORMANCE.md is what the check produces today."""
    module, examples = checked

    assert module.REPORT.read_text(encoding="utf-8") == module.render(examples), (
        "run `uv run --group generate python tools/conformance.py --write`"
    )
