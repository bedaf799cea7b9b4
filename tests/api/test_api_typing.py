"""The typed API as a type checker sees it: this file is checked by mypy --strict."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any, assert_type

import pytest

from katana_anyio import KatanaClient
from katana_anyio._api import RecordList, RecordStream, Resource
from katana_core.models import (
    BinTransfer,
    Material,
    Product,
    RecordDecodeError,
    SalesOrder,
    Service,
    UpdateProductRequest,
    Variant,
    VariantResponse,
)


async def _typing_only(client: KatanaClient) -> None:
    # Never run: mypy checks that these calls and types hold.
    products = await client.products.list(is_sellable=True)
    assert_type(products, RecordList[Product])
    assert_type(products.failures, list[RecordDecodeError])
    assert_type(await client.products.get(1), Product)
    assert_type(await client.products.search("oak", limit=5), list[Product])
    assert_type(await client.materials.list(), RecordList[Material])
    assert_type(await client.services.get(1), Service)
    assert_type(await client.variants.search("SKU-1"), list[VariantResponse])
    assert_type(await client.variants.update(1, {"sku": "X"}), Variant)
    assert_type(
        await client.products.update(1, UpdateProductRequest(name="x")), Product
    )
    assert_type(await client.products.delete(1), None)

    stream = client.api.sales_orders.iter(status="NOT_SHIPPED")
    assert_type(stream, RecordStream[SalesOrder])
    async for order in stream:
        assert_type(order, SalesOrder)

    found = await client.api.sales_orders.search_sales_orders({})
    assert_type(found, RecordList[SalesOrder])
    moved = await client.api.bin_transfers.update_bin_transfer_status(1, {})
    assert_type(moved, BinTransfer)
    assert_type(client.api.resource("products"), Resource[Any, Any])
    assert_type(await client.api.locations.call("get_location", 1), Any)


_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is in the 'types' group"
)
def test_public_api_type_checks() -> None:
    """mypy --strict accepts this file's uses of the typed API, unknowns included."""
    result = subprocess.run(  # noqa: S603 -- our own interpreter on our own file
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            str(_ROOT / "pyproject.toml"),
            str(Path(__file__)),
        ],
        cwd=_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
