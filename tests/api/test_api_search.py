"""Ranked client-side search: the tiers, deterministic ties, and the helpers."""

from __future__ import annotations

import pytest

from katana_anyio import InvalidRequest, KatanaClient
from katana_anyio._items import variant_display_name
from katana_anyio._search import Tier, match, rank
from katana_anyio.emulator import KatanaEmulator
from katana_core.models import (
    Product,
    Variant,
    VariantResponse,
    VariantResponseConfigAttributes,
    VariantResponseProductOrMaterial,
)


def _product(ident: int, name: str, *skus: str) -> Product:
    return Product(id=ident, name=name, variants=[Variant(sku=s) for s in skus])


def _names(products: list[Product]) -> list[str | None]:
    return [p.name for p in products]


def _rank(products: list[Product], query: str, limit: int = 50) -> list[Product]:
    return rank(
        products,
        query,
        lambda p: [p.name, *(v.sku for v in p.variants or ())],
        lambda p: p.id,
        limit=limit,
    )


@pytest.mark.parametrize(
    ("query", "text", "tier"),
    [
        ("oak table", "Oak  Table", Tier.EXACT),
        ("oak", "Oak table", Tier.PREFIX),
        ("table oak", "Oak side table", Tier.TOKENS),
        ("widgit", "Blue widget", Tier.FUZZY),
        ("chair", "Oak table", None),
        ("", "Oak table", None),
        ("oak", None, None),
    ],
)
def test_match_tiers(query: str, text: str | None, tier: Tier | None) -> None:
    """Each text lands in the documented tier, case and spacing ignored."""
    found = match(query, text)

    assert (found[0] if found else None) == tier


def test_rank_orders_exact_prefix_tokens_fuzzy() -> None:
    """Exact beats prefix beats all-tokens beats fuzzy; non-matches are dropped."""
    products = [
        _product(1, "Widgit stand"),
        _product(2, "Blue widget"),
        _product(3, "Widget large"),
        _product(4, "Widget"),
        _product(5, "Chair"),
    ]

    assert _names(_rank(products, "widget")) == [
        "Widget",
        "Widget large",
        "Blue widget",
        "Widgit stand",
    ]


def test_rank_breaks_ties_deterministically() -> None:
    """Equal matches order by field priority, shorter text, then id, then position."""
    products = [
        _product(9, "Oak table extra"),
        _product(7, "Oak table"),
        _product(8, "Oak tables"),
        _product(2, "Pine", "OAK-1"),
        _product(3, "Oak tablet"),
        _product(1, "Oak tablet"),
    ]

    ranked = _rank(products, "oak")
    assert [p.id for p in ranked] == [7, 1, 3, 8, 9, 2]
    assert [p.id for p in _rank(list(reversed(products)), "oak")] == [7, 1, 3, 8, 9, 2]


def test_rank_finds_by_sku_and_limits() -> None:
    """A SKU matches too, below an equally good name; limit cuts the list."""
    products = [_product(1, "Lamp", "LMP-9"), _product(2, "lmp-9 holder")]

    assert [p.id for p in _rank(products, "LMP-9")] == [1, 2]
    assert [p.id for p in _rank(products, "lmp-9", limit=1)] == [1]
    assert _rank(products, "lmp", limit=0) == []


def test_rank_blank_query_and_bad_limit() -> None:
    """A blank query finds nothing; a negative limit is refused."""
    products = [_product(1, "Lamp")]

    assert _rank(products, "   ") == []
    with pytest.raises(InvalidRequest, match=r"^limit must be >= 0, got -1$"):
        _rank(products, "lamp", limit=-1)


def test_variant_display_name() -> None:
    """A variant reads "Parent / value / value", else its SKU, else empty."""
    parent = VariantResponseProductOrMaterial(name="Chair")
    blue = VariantResponseConfigAttributes(config_name="Color", config_value="Blue")
    variant = VariantResponse(sku="CH-B", product_or_material=parent)

    assert variant_display_name(variant) == "Chair"
    variant.config_attributes = [blue]
    assert variant_display_name(variant) == "Chair / Blue"
    assert variant_display_name(VariantResponse(sku="CH-B")) == "CH-B"
    assert variant_display_name(VariantResponse()) == ""


@pytest.mark.anyio
async def test_products_search_on_the_emulator(client: KatanaClient) -> None:
    """products.search ranks the whole collection on the client."""
    for name, sku in [
        ("Garden bench", "GB-1"),
        ("Bench", "B-1"),
        ("Bench press", "BP-1"),
    ]:
        await client.products.create({"name": name, "variants": [{"sku": sku}]})

    found = await client.products.search("bench")

    assert _names(found) == ["Bench", "Bench press", "Garden bench"]
    assert _names(await client.products.search("bench", limit=1)) == ["Bench"]


@pytest.mark.anyio
async def test_blank_search_sends_nothing(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """An empty or blank query returns [] without a request."""
    assert await client.products.search("") == []
    assert await client.services.search("  \t") == []
    assert emulator.journal == []


@pytest.mark.anyio
async def test_variants_search_finds_by_sku(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """variants.search puts the exact SKU first and asks for the parent names."""
    sku = emulator.records("variants")[4]["sku"]
    found = await client.variants.search(sku)

    assert found[0].sku == sku
    assert ("extend", "product_or_material") in emulator.journal[0].query


@pytest.mark.anyio
async def test_materials_and_services_search(
    client: KatanaClient, emulator: KatanaEmulator
) -> None:
    """materials.search and services.search match names and variant SKUs."""
    material = emulator.records("materials")[3]
    service = emulator.records("services")[1]

    assert (await client.materials.search(material["name"]))[0].id == material["id"]
    found = await client.services.search(service["variants"][0]["sku"])
    assert found[0].id == service["id"]


def test_a_query_that_is_not_text_is_refused() -> None:
    """search(None) raises InvalidRequest rather than an AttributeError."""
    with pytest.raises(InvalidRequest, match=r"^a search query is text, got NoneType$"):
        rank([], None, lambda r: [], lambda r: None)  # type: ignore[arg-type]
