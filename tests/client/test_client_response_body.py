"""The merged body is built on first use; large bodies decode with the GC paused."""

from __future__ import annotations

import gc

import msgspec
import pytest

from katana_anyio._paging import _merged_body
from katana_anyio._response import _PAUSE_GC_FROM, Headers, Response


def _response(content: object) -> Response:
    return Response(
        status_code=200,
        headers=Headers(),
        content=content,  # type: ignore[arg-type]
        method="GET",
        path="/products",
    )


def test_a_callable_body_is_built_once_on_first_use() -> None:
    calls: list[int] = []

    def build() -> bytes:
        calls.append(1)
        return b'{"data":[]}'

    response = _response(build)
    assert calls == []
    assert response.content == b'{"data":[]}'
    assert response.content == b'{"data":[]}'
    assert response.json() == {"data": []}
    assert calls == [1]

    replaced = _response(build)
    replaced.content = b"[]"
    assert replaced.content == b"[]"
    assert calls == [1]


@pytest.mark.parametrize("bare", [False, True])
def test_merged_body_matches_a_plain_join(bare: bool) -> None:
    records = [msgspec.Raw(b'{"id":1}'), msgspec.Raw(b'{"id":2}'), msgspec.Raw(b"3")]
    joined = b",".join(records)
    expected = b"[" + joined + b"]" if bare else b'{"data":[' + joined + b"]}"
    assert _merged_body(records, bare) == expected
    assert _merged_body(records[:1], bare) == (
        b'[{"id":1}]' if bare else b'{"data":[{"id":1}]}'
    )
    assert _merged_body([], bare) == (b"[]" if bare else b'{"data":[]}')


def test_a_large_body_decodes_the_same_and_leaves_the_gc_as_it_was() -> None:
    record = {"id": 1, "name": "x" * 100, "variants": [{"sku": "A"}]}
    count = _PAUSE_GC_FROM // 100 + 1
    body = msgspec.json.encode({"data": [record] * count})
    assert len(body) >= _PAUSE_GC_FROM

    assert gc.isenabled()
    assert _response(body).json() == {"data": [record] * count}
    assert gc.isenabled()

    gc.disable()
    try:
        assert _response(body).json()["data"][0] == record
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_large_body_that_is_not_json_still_raises_and_restores_the_gc() -> None:
    from katana_core import UnexpectedResponse

    body = b"[" + b"1," * _PAUSE_GC_FROM
    with pytest.raises(UnexpectedResponse):
        _response(body).json()
    assert gc.isenabled()
