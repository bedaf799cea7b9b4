"""Fixtures for the spec-driven tests: ../shared/spec and the generator's modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT.parent / "shared" / "spec"
TOOLS = ROOT / "tools"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The spec folder, or skip: the specs are reference data beside the project."""
    if not (SPEC_DIR / "katana-openapi.yaml").is_file():
        pytest.skip(f"Katana's OpenAPI files are not at {SPEC_DIR} (../shared/spec)")
    pytest.importorskip(
        "yaml", reason="PyYAML is in the 'generate' group: uv run --group generate"
    )
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    return SPEC_DIR
