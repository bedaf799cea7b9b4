"""Tolerant decoding of responses and strict, sparse encoding of requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec
import pytest

from katana_core import models
from katana_core.models import (
    Product,
    SalesOrder,
    UpdateProductRequest,
    decode_one,
    decode_records,
    encode_request,
)


def test_unknown_fields_are_ignored() -> None:
    """A field the schema does not know is dropped, not an error."""
    product = decode_one(Product, b'{"id": 1, "brand_new_field": {"x": 1}}')

    assert product.id == 1


def test_unknown_enum_values_are_kept() -> None:
    """An enum value outside the known set is kept as the string it was."""
    order = decode_one(SalesOrder, b'{"status": "PENDING_SOMETHING_NEW"}')

    assert order.status == "PENDING_SOMETHING_NEW"
    assert order.status not in models.SalesOrderStatus.VALUES
    assert models.SalesOrderStatus.NOT_SHIPPED == "NOT_SHIPPED"


def test_null_is_accepted_in_every_field() -> None:
    """Every response field of every model takes an explicit null."""
    for name in dir(models):
        model = getattr(models, name)
        if not (isinstance(model, type) and issubclass(model, models.KatanaModel)):
            continue
        if model is models.KatanaModel:
            continue
        body = msgspec.json.encode(dict.fromkeys(model.__struct_encode_fields__))

        decoded = decode_one(model, body)

        assert all(getattr(decoded, f) is None for f in model.__struct_fields__)


def test_empty_object_for_an_absent_nested_object_reads_as_none() -> None:
    """``{}`` where Katana means "no supplier" decodes as None."""
    product = decode_one(Product, b'{"id": 1, "supplier": {}}')

    assert product.supplier is None


def test_numbers_sent_as_strings_are_decoded() -> None:
    """Decimals come as numbers or strings; integers and booleans as text too."""
    body = (
        b'{"id": "7", "purchase_uom_conversion_rate": "1.2500000000",'
        b' "is_sellable": "true"}'
    )

    product = decode_one(Product, body)

    assert product.id == 7
    assert product.purchase_uom_conversion_rate == Decimal("1.2500000000")
    assert product.is_sellable is True
    number = decode_one(Product, b'{"purchase_uom_conversion_rate": 2.5}')
    assert number.purchase_uom_conversion_rate == Decimal("2.5")


@pytest.mark.parametrize("literal", ["null", "undefined", ""])
def test_null_literal_in_a_date_field_reads_as_none(literal: str) -> None:
    """The strings "null" and "undefined" in a date field mean no date."""
    body = msgspec.json.encode({"id": 1, "created_at": literal})

    assert decode_one(Product, body).created_at is None


def test_date_forms_are_accepted() -> None:
    """ISO timestamps with Z and date-only strings both decode, in UTC."""
    full = decode_one(Product, b'{"created_at": "2020-10-23T10:37:05.085Z"}')
    day = decode_one(Product, b'{"created_at": "2020-10-23"}')

    assert full.created_at == dt.datetime(2020, 10, 23, 10, 37, 5, 85000, dt.UTC)
    assert day.created_at == dt.datetime(2020, 10, 23, tzinfo=dt.UTC)


def test_bare_list_and_data_wrapper_both_decode() -> None:
    """A page is accepted as ``[...]`` and as ``{"data": [...]}``."""
    bare, bare_failures = decode_records(Product, b'[{"id": 1}, {"id": 2}]')
    wrapped, wrapped_failures = decode_records(Product, b'{"data": [{"id": 1}]}')

    assert [p.id for p in bare] == [1, 2]
    assert [p.id for p in wrapped] == [1]
    assert bare_failures == wrapped_failures == []


def test_one_bad_record_is_reported_without_aborting_its_page() -> None:
    """A record no tolerance can save is reported with its index and raw value."""
    body = b'{"data": [{"id": 1}, {"id": {"nested": true}}, {"id": 3}]}'

    records, failures = decode_records(Product, body)

    assert [p.id for p in records] == [1, 3]
    assert len(failures) == 1
    assert failures[0].index == 1
    assert failures[0].raw == {"id": {"nested": True}}
    assert "$.id" in str(failures[0])


def test_a_body_that_is_not_a_page_is_an_error() -> None:
    """Neither JSON nor a list: the whole body is refused with a clear error."""
    with pytest.raises(models.BodyDecodeError, match=r"^response body is not JSON"):
        decode_records(Product, b"<html>")
    with pytest.raises(models.BodyDecodeError, match=r"neither a list"):
        decode_records(Product, b'{"id": "x"}')


def test_request_encoding_leaves_out_unset_fields() -> None:
    """A PATCH body carries only the fields the caller set, null included."""
    request = UpdateProductRequest(name="Widget", additional_info=None)

    body = msgspec.json.decode(encode_request(request))

    assert body == {"name": "Widget", "additional_info": None}
    assert encode_request(UpdateProductRequest()) == b"{}"


def test_request_decimals_are_sent_as_numbers() -> None:
    """A Decimal in a request goes out as a JSON number with its digits."""
    request = models.UpdateSalesOrderRowRequest(quantity=Decimal("1.50"))

    assert encode_request(request) == b'{"quantity":1.50}'


def test_request_models_reject_unknown_fields() -> None:
    """Katana answers 422 to an unknown field, so the request model refuses it."""
    with pytest.raises(TypeError):
        UpdateProductRequest(bogus=1)  # type: ignore[call-arg]
    with pytest.raises(msgspec.ValidationError, match=r"unknown field `bogus`"):
        msgspec.json.decode(b'{"bogus": 1}', type=UpdateProductRequest)


def test_request_models_have_no_read_only_fields() -> None:
    """Request models carry no server-assigned fields such as ids and timestamps."""
    fields = set(UpdateProductRequest.__struct_fields__)

    assert not fields & {"id", "created_at", "updated_at", "deleted_at"}


def test_operation_table_shape() -> None:
    """The table has Katana's 223 operations, with repeatable array filters."""
    ops = models.OPERATIONS
    products = models.OPERATIONS_BY_ID["get_all_products"]

    assert len(ops) == 223
    assert len({op.operation_id for op in ops}) == 223
    assert products.paginated
    assert products.record is Product
    assert {p.name for p in products.query if p.repeat} >= {"ids"}
    assert "page" in products.query_names
    assert sum(op.paginated for op in ops) == 53
