"""Quirk mode: Katana's real payload oddities, rendered deterministically on request."""

from __future__ import annotations

from typing import Any

import pytest
from rawhttp import small_config

from katana_anyio._emulator.quirks import UNDOCUMENTED
from katana_anyio.emulator import KatanaEmulator
from katana_core.models import SalesOrderStatus


def _emulator(quirks: bool) -> KatanaEmulator:
    return KatanaEmulator(small_config(rate_limit=None, quirks=quirks))


def _values(records: list[dict[str, Any]], field: str) -> list[Any]:
    return [record[field] for record in records]


@pytest.fixture(scope="module")
def quirky() -> KatanaEmulator:
    return _emulator(True)


def test_absent_nested_objects_arrive_as_empty_objects(quirky: KatanaEmulator) -> None:
    """Some sales orders without a shipping fee carry ``{}`` instead of null."""
    fees = _values(quirky.records("sales_orders"), "shipping_fee")

    assert {} in fees
    assert None in fees
    assert all(fee in (None, {}) or fee["id"] for fee in fees)


def test_some_variants_have_null_skus(quirky: KatanaEmulator) -> None:
    """Listed and embedded variants alike sometimes have a null SKU."""
    listed = _values(quirky.records("variants"), "sku")
    embedded = [v["sku"] for p in quirky.records("products") for v in p["variants"]]

    assert None in listed
    assert sorted(map(str, listed)) == sorted(
        map(
            str,
            embedded
            + [v["sku"] for m in quirky.records("materials") for v in m["variants"]],
        )
    )


def test_decimals_switch_between_numbers_and_strings(quirky: KatanaEmulator) -> None:
    """Within one list, some totals are JSON numbers and some are strings."""
    totals = _values(quirky.records("sales_orders"), "total")

    assert any(isinstance(total, str) for total in totals)
    assert any(isinstance(total, float) for total in totals)
    for total in totals:
        float(total)


def test_undocumented_enum_values_appear(quirky: KatanaEmulator) -> None:
    """Some sales orders carry a status the documentation does not list."""
    statuses = set(_values(quirky.records("sales_orders"), "status"))

    assert UNDOCUMENTED[("sales_orders", "status")] in statuses
    assert statuses - SalesOrderStatus.VALUES <= {
        UNDOCUMENTED[("sales_orders", "status")]
    }


def test_missing_dates_sometimes_arrive_as_null_strings(quirky: KatanaEmulator) -> None:
    """A missing date is sometimes the string ``"null"``; ``deleted_at`` never is."""
    picked = _values(quirky.records("sales_orders"), "picked_date")

    assert "null" in picked
    assert "null" not in _values(quirky.records("sales_orders"), "deleted_at")


def test_quirks_are_stable_and_off_by_default(quirky: KatanaEmulator) -> None:
    """The same record renders the same quirks twice; without quirks none appear."""
    plain = _emulator(False)

    assert quirky.records("sales_orders") == quirky.records("sales_orders")
    assert None not in _values(plain.records("variants"), "sku")
    assert "null" not in _values(plain.records("sales_orders"), "picked_date")
    assert {} not in _values(plain.records("sales_orders"), "shipping_fee")
