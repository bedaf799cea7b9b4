"""Decoding response bodies into models, one bad record at a time.

A page is decoded in one msgspec call on the fast path. When that fails, the body
is parsed untyped and each record is converted on its own, so one record that no
tolerance can save is reported (with its index and raw value) while the rest of
its page is kept. List bodies come bare (``[...]``) or wrapped (``{"data": [...]}``)
depending on the endpoint and on which source one believes; both are accepted.
"""

from __future__ import annotations

import functools
from typing import Any, Generic, TypeVar

import msgspec

from .._errors import KatanaError
from .._pagination import extract_records
from ._types import KatanaModel, KatanaRequest, dec_hook, enc_hook

__all__ = [
    "BodyDecodeError",
    "RecordDecodeError",
    "decode_one",
    "decode_records",
    "encode_request",
]

M = TypeVar("M", bound=KatanaModel)


class BodyDecodeError(KatanaError, ValueError):
    """The body is not JSON, or not the shape the operation documents."""


class RecordDecodeError(KatanaError, ValueError):
    """One record of a page that could not be decoded; the page itself was kept."""

    def __init__(self, index: int, raw: object, reason: str) -> None:
        super().__init__(f"record {index}: {reason}")
        self.index = index
        self.raw = raw
        self.reason = reason


class _Page(msgspec.Struct, Generic[M]):
    # Required: an object without ``data`` is not a page, whatever else it holds.
    data: list[M]


@functools.cache
def _page_decoder(model: type[Any]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(
        list[model] | _Page[model],  # type: ignore[valid-type]
        dec_hook=dec_hook,
        strict=False,
    )


@functools.cache
def _one_decoder(model: type[Any]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(model, dec_hook=dec_hook, strict=False)


def decode_records(
    model: type[M], body: bytes
) -> tuple[list[M], list[RecordDecodeError]]:
    """Decode a list body into ``model`` records, reporting the ones that fail.

    Raises :class:`BodyDecodeError` when the body is not JSON or holds no list.
    """
    try:
        page = _page_decoder(model).decode(body)
    except msgspec.ValidationError:
        pass  # Some record needs a closer look: decode them one by one below.
    except msgspec.DecodeError as exc:
        raise BodyDecodeError(f"response body is not JSON: {exc}") from None
    else:
        return (page if isinstance(page, list) else page.data), []

    raw_records = extract_records(msgspec.json.decode(body))
    if raw_records is None:
        raise BodyDecodeError("response body is neither a list nor {'data': [...]}")

    records: list[M] = []
    failures: list[RecordDecodeError] = []
    for index, raw in enumerate(raw_records):
        try:
            records.append(msgspec.convert(raw, model, strict=False, dec_hook=dec_hook))
        except msgspec.ValidationError as exc:
            failures.append(RecordDecodeError(index, raw, str(exc)))

    return records, failures


def decode_one(model: type[M], body: bytes) -> M:
    """Decode a single-object body; :class:`BodyDecodeError` when impossible."""
    try:
        result: M = _one_decoder(model).decode(body)
    except msgspec.DecodeError as exc:
        raise BodyDecodeError(f"cannot decode {model.__name__}: {exc}") from None

    return result


_ENCODER = msgspec.json.Encoder(enc_hook=enc_hook, decimal_format="number")


def encode_request(request: KatanaRequest | list[KatanaRequest]) -> bytes:
    """The JSON body of a request: unset fields left out, decimals as numbers."""
    return _ENCODER.encode(request)
