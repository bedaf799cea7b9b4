"""Unfiltered lists reuse their selection until stored records may change."""

from __future__ import annotations

import datetime

from katana_anyio._emulator.query import ListQuery, parse_list_query
from katana_anyio._emulator.resources import RESOURCES
from katana_anyio._emulator.store import Store, _copy


def _query(*pairs: tuple[str, str]) -> ListQuery:
    query = parse_list_query(RESOURCES["products"], [("limit", "10"), *pairs])
    assert isinstance(query, ListQuery)
    return query


def _ids(store: Store, *pairs: tuple[str, str]) -> list[int]:
    return [record["id"] for record in store.list("products", _query(*pairs)).records]


def test_a_change_through_table_shows_in_the_next_list() -> None:
    store = Store(3, {"products": 30})
    first = _ids(store)
    assert store.list("products", _query()).pagination["total_records"] == "30"

    store.table("products")[first[0]]["deleted_at"] = "2026-01-01T00:00:00.000Z"
    assert _ids(store)[0] == first[1]
    assert store.list("products", _query()).pagination["total_records"] == "29"
    assert first[0] in _ids(store, ("include_deleted", "true"))

    store.table("products")[first[1]]["name"] = "renamed"
    assert store.list("products", _query()).records[0]["name"] == "renamed"


def test_an_insert_shows_in_the_next_list() -> None:
    store = Store(3, {"products": 30})
    before = _ids(store)
    new_id = store.next_int("products")
    record = dict(store.table("products")[before[0]], id=new_id)
    store.insert("products", record)
    assert _ids(store) == [new_id, *before[:9]]


def test_children_and_variants_show_through_their_parent() -> None:
    store = Store(3, {"products": 5, "variants": 10})
    product = store.list("products", _query()).records[0]
    assert product["variants"]
    for variant in store.variants_of(product["id"]):
        variant["sku"] = "CHANGED"
    again = store.list("products", _query()).records[0]
    assert {v["sku"] for v in again["variants"]} == {"CHANGED"}


def test_filtered_lists_are_computed_every_time() -> None:
    store = Store(3, {"products": 30})
    name = store.list("products", _query()).records[0]["name"]
    assert _ids(store, ("name", name))


def test_rendered_records_are_copies() -> None:
    store = Store(3, {"products": 5, "variants": 10})
    page = store.list("products", _query()).records
    page[0]["name"] = "not stored"
    page[0]["variants"].clear()
    again = store.list("products", _query()).records[0]
    assert again["name"] != "not stored"
    assert again["variants"]


def test_copy_is_deep_and_falls_back_for_other_types() -> None:
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    value = {"a": [1, {"b": "c"}], "d": None, "e": 1.5, "f": True, "g": {1, 2}}
    value["h"] = when
    copied = _copy(value)
    assert copied == value
    assert copied["a"] is not value["a"]
    assert copied["a"][1] is not value["a"][1]
    assert copied["g"] is not value["g"]


def test_encoded_pages_match_rendered_pages_and_follow_changes() -> None:
    import msgspec

    store = Store(3, {"products": 30, "variants": 40})
    for pairs in [(), (("page", "2"),), (("extend", "supplier"),)]:
        query = _query(*pairs)
        plain = store.list("products", query)
        encoded = store.list_encoded("products", query)
        assert encoded.pagination == plain.pagination
        assert msgspec.json.encode(encoded.records) == msgspec.json.encode(
            plain.records
        )

    first = store.list_encoded("products", _query()).records[0]
    record_id = msgspec.json.decode(first)["id"]
    store.table("products")[record_id]["name"] = "renamed"
    again = store.list_encoded("products", _query()).records[0]
    assert msgspec.json.decode(again)["name"] == "renamed"

    for variant in store.variants_of(record_id):
        variant["sku"] = "CHANGED"
    again = store.list_encoded("products", _query()).records[0]
    assert {v["sku"] for v in msgspec.json.decode(again)["variants"]} <= {"CHANGED"}
