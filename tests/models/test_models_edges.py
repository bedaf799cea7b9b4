"""Edges of the model runtime: hooks, single-object decoding and the table."""

from __future__ import annotations

import datetime as dt
import decimal

import msgspec
import pytest

from katana_core import UnexpectedResponse
from katana_core.models import OPERATIONS, BodyDecodeError, Timestamp, decode_one
from katana_core.models._types import dec_hook, enc_hook


def test_timestamp_hook_accepts_datetimes_and_epoch_numbers() -> None:
    """Converted Python values become aware UTC timestamps; naive ones count as UTC."""
    naive = dec_hook(Timestamp, dt.datetime(2024, 1, 2, 3, 4, 5))
    assert naive == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert isinstance(naive, Timestamp)

    aware = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert dec_hook(Timestamp, aware) == aware

    assert dec_hook(Timestamp, 0) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_timestamp_hook_rejects_other_types() -> None:
    """A boolean or a list is not a date-time, and unknown types are not decoded."""
    with pytest.raises(TypeError, match=r"^expected an ISO 8601 date-time, got bool$"):
        dec_hook(Timestamp, True)
    with pytest.raises(NotImplementedError, match=r"^no decoder for"):
        dec_hook(decimal.Context, "x")


def test_encode_hook_writes_iso_datetimes_and_refuses_the_rest() -> None:
    """Datetimes are encoded in ISO 8601; other unknown objects are refused."""
    moment = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    assert enc_hook(moment) == "2024-01-02T00:00:00+00:00"
    with pytest.raises(NotImplementedError, match=r"^cannot encode object$"):
        enc_hook(object())


def test_decode_one_reports_a_body_it_cannot_read() -> None:
    """A body that is not the model's JSON raises BodyDecodeError naming the model."""
    model = OPERATIONS[0].success_model()
    assert model is not None
    with pytest.raises(BodyDecodeError, match=rf"^cannot decode {model.__name__}:"):
        decode_one(model, b"<html>")


def test_success_model_is_the_first_2xx_body_or_none() -> None:
    """The success model is the first documented 2xx body; None when there is none."""
    (listing,) = [op for op in OPERATIONS if op.operation_id == "get_all_products"]
    assert listing.success_model() is listing.responses[200]

    (deleting,) = [op for op in OPERATIONS if op.operation_id == "delete_product"]
    assert deleting.success_model() is None

    errors_only = msgspec.structs.replace(
        listing, responses={k: v for k, v in listing.responses.items() if k >= 400}
    )
    assert errors_only.success_model() is None


def test_unexpected_response_shows_what_came() -> None:
    """UnexpectedResponse carries the status and puts the snippet in its message."""
    error = UnexpectedResponse("page 2 is not a list", status_code=200, snippet="{}")
    assert str(error) == "page 2 is not a list: {}"
    assert error.status_code == 200
    bare = UnexpectedResponse("empty page", status_code=200, snippet=None)
    assert str(bare) == "empty page"
