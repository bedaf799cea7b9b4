"""A record no model can read is reported, and the rest of its page is kept."""

from __future__ import annotations

import logging

import pytest

from katana_anyio import KatanaClient
from katana_anyio.emulator import KatanaEmulator

pytestmark = pytest.mark.anyio


def _break_record(emulator: KatanaEmulator, position: int) -> int:
    """Give one stored product a name no model accepts; return its id."""
    record_id = emulator.listing("products")[position]["id"]
    emulator.store.table("products")[record_id]["name"] = {"not": "a string"}
    return int(record_id)


async def test_list_reports_a_bad_record_and_keeps_its_page(
    client: KatanaClient, emulator: KatanaEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """list() returns every other record and names the bad one on .failures."""
    bad_id = _break_record(emulator, 27)
    with caplog.at_level(logging.WARNING, logger="katana_anyio.api"):
        products = await client.api.products.list(limit=25)

    assert len(products) == 59
    assert bad_id not in [p.id for p in products]
    assert [f.index for f in products.failures] == [27]
    assert products.failures[0].raw["id"] == bad_id
    assert "api.records_skipped" in caplog.text
    assert "not a string" not in caplog.text


async def test_iter_reports_a_bad_record_and_keeps_its_page(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """iter() yields the rest of the page and indexes the failure over the walk."""
    bad_id = _break_record(emulator, 31)
    stream = client.products.iter(limit=10)
    ids = [p.id async for p in stream]

    assert len(ids) == 59
    assert bad_id not in ids
    assert [(f.index, f.raw["id"]) for f in stream.failures] == [(31, bad_id)]
