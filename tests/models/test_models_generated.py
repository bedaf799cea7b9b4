"""The committed generated modules are what the generator writes today."""

from __future__ import annotations

from pathlib import Path


def test_generated_modules_match_a_fresh_generation(
    tmp_path: Path, spec_dir: Path, project_root: Path
) -> None:
    """Regenerating from ../shared/spec reproduces the committed files byte for byte."""
    import generate_models

    written = generate_models.generate(spec_dir, tmp_path)

    assert written
    for path in written:
        relative = path.relative_to(tmp_path)
        committed = (project_root / relative).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") == committed, (
            f"{relative} is stale: run `nox -s generate`"
        )
