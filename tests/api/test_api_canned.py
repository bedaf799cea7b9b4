"""Operations the emulator does not serve, against a canned loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from api_canned import KEY, Canned, CannedServer, canned_server

from katana_anyio import KatanaClient, PreconditionFailed, ValidationError
from katana_core.models import (
    DemandForecastResponse,
    SalesOrder,
    SalesOrderSearchRequest,
    StockTransfer,
    UserInfo,
)

pytestmark = pytest.mark.anyio

_PRECONDITION = {
    "error": {
        "statusCode": 412,
        "name": "PreconditionFailedError",
        "message": "Sales order has linked records",
    }
}


def _answer(method: str, target: str, body: bytes) -> Canned:
    path = target.split("?")[0]
    if method == "DELETE" and path == "/v1/sales_orders/7":
        return Canned(412, _PRECONDITION)
    if method == "PATCH" and path == "/v1/stock_transfers/5/status":
        return Canned(200, {"id": 5, "status": "received"})
    if method == "POST" and path == "/v1/sales_orders/search":
        return Canned(200, {"data": [{"id": 1}, {"id": "x-not-an-id"}, {"id": 3}]})
    if path == "/v1/user_info":
        return Canned(200, {"name": "Ada", "email": "ada@example.invalid"})
    if path == "/v1/demand_forecasts" and method == "GET":
        return Canned(200, {"variant_id": 9, "location_id": 2, "periods": []})
    if method == "DELETE" and path == "/v1/demand_forecasts":
        return Canned(204)
    if path == "/v1/custom_fields_collections":
        return Canned(200, {"data": [{"id": 1}, {"id": 2}]})
    return Canned(422, {"name": "UnprocessableEntityError", "message": "no"})


@pytest.fixture
async def server(anyio_backend: object) -> AsyncIterator[CannedServer]:
    async with canned_server(_answer) as running:
        yield running


@pytest.fixture
async def client(server: CannedServer) -> AsyncIterator[KatanaClient]:
    async with KatanaClient(
        KEY, base_url=server.base_url, requests_per_minute=None, max_retries=0
    ) as running:
        yield running


async def test_delete_raises_on_412(client: KatanaClient, server: CannedServer) -> None:
    """delete() raises PreconditionFailed when Katana refuses the delete."""
    with pytest.raises(PreconditionFailed, match="linked records"):
        await client.api.sales_orders.delete(7)

    assert [(s.method, s.target) for s in server.seen] == [
        ("DELETE", "/v1/sales_orders/7")
    ]


async def test_delete_raises_on_other_errors(client: KatanaClient) -> None:
    """delete() raises the typed error of any non-2xx answer."""
    with pytest.raises(ValidationError):
        await client.api.customers.delete(1)


async def test_status_change_patches_its_path(
    client: KatanaClient, server: CannedServer
) -> None:
    """A status change is a typed method named after its operation id."""
    transfer = await client.api.stock_transfers.update_stock_transfer_status(
        5, {"status": "received"}
    )

    assert isinstance(transfer, StockTransfer)
    assert transfer.status == "received"
    assert server.seen[0].method == "PATCH"
    assert server.seen[0].json() == {"status": "received"}


async def test_search_posts_and_reports_bad_records(
    client: KatanaClient, server: CannedServer
) -> None:
    """search_sales_orders returns typed records and reports the one it cannot read."""
    found = await client.api.sales_orders.search_sales_orders(SalesOrderSearchRequest())

    assert [order.id for order in found] == [1, 3]
    assert all(isinstance(order, SalesOrder) for order in found)
    assert [(f.index, f.raw) for f in found.failures] == [(1, {"id": "x-not-an-id"})]
    assert (server.seen[0].method, server.seen[0].body) == ("POST", b"{}")


async def test_single_object_gets(client: KatanaClient, server: CannedServer) -> None:
    """Operations answering one object decode it with their model."""
    user = await client.api.user_info.get_user_info()
    forecast = await client.api.demand_forecasts.get_demand_forecasts(
        variant_id=9, location_id=2
    )

    assert isinstance(user, UserInfo)
    assert isinstance(forecast, DemandForecastResponse)
    assert forecast.variant_id == 9
    assert server.seen[1].target == "/v1/demand_forecasts?variant_id=9&location_id=2"


async def test_required_filters_are_checked(
    client: KatanaClient, server: CannedServer
) -> None:
    """A required query parameter left out raises before sending."""
    from katana_anyio import InvalidRequest

    with pytest.raises(InvalidRequest, match=r"requires the filter\(s\) location_id$"):
        await client.api.demand_forecasts.call("get_demand_forecasts", variant_id=9)

    assert server.seen == []


async def test_delete_with_a_body(client: KatanaClient, server: CannedServer) -> None:
    """clear_demand_forecast sends its request body with DELETE."""
    body = {"variant_id": 9, "location_id": 2, "periods": []}
    result = await client.api.demand_forecasts.clear_demand_forecast(body)

    assert result is None
    assert server.seen[0].method == "DELETE"
    assert server.seen[0].json() == body


async def test_unpaginated_list_sends_no_page_parameters(
    client: KatanaClient, server: CannedServer
) -> None:
    """A list Katana does not paginate is fetched once, without page or limit."""
    collections = await client.api.custom_fields_collections.list()

    assert [c.id for c in collections] == [1, 2]
    assert [s.target for s in server.seen] == ["/v1/custom_fields_collections"]
