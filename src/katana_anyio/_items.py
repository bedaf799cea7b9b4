"""The item helpers: ``client.products``, ``.materials``, ``.services``, ``.variants``.

Each is the resource of ``client.api`` with the same name (list, iter, get, create,
update and delete, where ``delete`` raises on 404 and 412 like every call) plus
``search``, a ranked search on the client (see ``_search``): Katana's ``name``
filter only matches whole names exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from katana_core.models import (
    Material,
    Product,
    Service,
    Variant,
    VariantResponse,
)

from ._api import Resource
from ._search import checked_query, rank

__all__ = [
    "Materials",
    "Products",
    "Services",
    "Variants",
    "variant_display_name",
]

R = TypeVar("R")
W = TypeVar("W")


def _item_texts(record: Product | Material | Service) -> list[str | None]:
    # The name first, then every variant's SKU.
    skus = [variant.sku for variant in record.variants or ()]

    return [record.name, *skus]


def _record_id(record: Any) -> int | None:
    ident = getattr(record, "id", None)

    return ident if isinstance(ident, int) else None


class _Searchable(Resource[R, W]):
    """A resource whose records have names or SKUs to search."""

    async def search(self, query: str, *, limit: int = 50, **filters: Any) -> list[R]:
        """Records whose name or SKU matches ``query``, best first.

        Every record matching ``filters`` is fetched (all pages) and ranked
        here: exact, then prefix, then all words contained, then close
        spellings. A blank query returns an empty list without a request.
        """
        if not checked_query(query).strip() or limit == 0:
            return rank([], query, self._texts, _record_id, limit=limit)

        # TODO: every search fetches the whole collection again (one request per
        # 250 records); callers searching many times should list once and rank
        # with katana_anyio._search.rank until a cache with a freshness bound
        # exists.
        records = await self.list(**filters)

        return rank(records, query, self._texts, _record_id, limit=limit)

    def _texts(self, record: R) -> Sequence[str | None]:
        assert isinstance(record, Product | Material | Service)
        return _item_texts(record)


class Products(_Searchable[Product, Product]):
    """``client.products``: the products resource plus :meth:`search`."""


class Materials(_Searchable[Material, Material]):
    """``client.materials``: the materials resource plus :meth:`search`."""


class Services(_Searchable[Service, Service]):
    """``client.services``: the services resource plus :meth:`search`."""


def variant_display_name(variant: VariantResponse) -> str:
    """ "Parent / value 1 / value 2"; the SKU (or "") when the parent is unknown."""
    parent = variant.product_or_material
    if parent is None or not parent.name:
        return variant.sku or ""

    values = [
        attribute.config_value
        for attribute in variant.config_attributes or ()
        if attribute is not None and attribute.config_value
    ]

    return " / ".join([parent.name, *values])


class Variants(_Searchable[VariantResponse, Variant]):
    """``client.variants``: the variants resource plus :meth:`search` by SKU."""

    async def search(
        self, query: str, *, limit: int = 50, **filters: Any
    ) -> list[VariantResponse]:
        """Variants whose SKU (first) or display name matches ``query``.

        The parent product or material is asked for (``extend``) so that the
        display name "Parent / value 1 / ..." can match too.
        """
        filters.setdefault("extend", ["product_or_material"])

        return await super().search(query, limit=limit, **filters)

    def _texts(self, record: VariantResponse) -> Sequence[str | None]:
        return [record.sku, variant_display_name(record)]
