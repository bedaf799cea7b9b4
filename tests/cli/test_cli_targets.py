"""Where an export may write: regular files and symlinks, never devices or FIFOs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from katana_anyio import ConfigurationError, KatanaClient, export_jsonl
from katana_anyio.emulator import EmulatorConfig, KatanaEmulator

pytestmark = pytest.mark.anyio

CONFIG = EmulatorConfig(
    seed=4, sizes={"products": 30}, api_keys=("k",), rate_limit=None
)


async def test_a_fifo_is_refused_and_left_in_place(tmp_path: Path) -> None:
    """Exporting onto a FIFO raises and leaves the FIFO as it was."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    async with (
        KatanaEmulator(CONFIG) as emulator,
        KatanaClient("k", base_url=emulator.base_url) as client,
    ):
        with pytest.raises(ConfigurationError, match=r"is not a regular file"):
            await export_jsonl(client, "/products", fifo)

    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


async def test_a_symlink_is_written_through_and_modes_are_kept(tmp_path: Path) -> None:
    """The file a symlink names is replaced; the link stays; the old mode is kept."""
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    fresh = tmp_path / "fresh.jsonl"
    async with (
        KatanaEmulator(CONFIG) as emulator,
        KatanaClient("k", base_url=emulator.base_url) as client,
    ):
        await export_jsonl(client, "/products", link)
        await export_jsonl(client, "/products", fresh)

    assert link.is_symlink()
    assert len(real.read_text().splitlines()) == 30
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
