"""In-memory records of every emulated resource, rendered the way Katana sends them.

Theory of operation. Each resource is a dict from id to record, kept in ascending
id order (new ids are always larger than every existing one). Katana lists newest
first; the emulator lists ascending by id instead, on purpose: a record created
during a paginated walk then lands on the last page rather than shifting every
page after it, so a walk over an unchanging store is stable and tests can assert
exact page contents.

Products and materials are stored without their variants and rendered with the
current, not deleted, variants embedded. Deletes are soft: ``deleted_at`` is set,
the record disappears from gets and default lists, and ``include_deleted=true``
brings it back, as Katana documents.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

from .query import ListQuery
from .resources import RESOURCES
from .seed import ID_BASES, Record, seed_items

__all__ = ["Page", "Store"]


class Page:
    """One page of a list: the rendered records and the ``X-Pagination`` values."""

    def __init__(self, records: list[Record], total: int, query: ListQuery) -> None:
        self.records = records
        total_pages = math.ceil(total / query.limit)
        # Katana sends every value as a string, the booleans included (KATANA_API.md
        # section 4); a client comparing them as strings must be caught here.
        self.pagination = {
            "total_records": str(total),
            "total_pages": str(total_pages),
            "offset": str((query.page - 1) * query.limit),
            "page": str(query.page),
            "first_page": "true" if query.page == 1 else "false",
            "last_page": "true" if query.page >= total_pages else "false",
        }


class Store:
    """The emulator's records; every method is synchronous and never awaits."""

    def __init__(self, seed: int, sizes: dict[str, int]) -> None:
        seeded = seed_items(seed, sizes)
        self._tables: dict[str, dict[int, Record]] = {
            name: {record["id"]: record for record in seeded.get(name, [])}
            for name in RESOURCES
        }
        self._variants_by_parent: dict[int, list[int]] = {}
        for variant in self._tables["variants"].values():
            self._link_variant(variant)

    def _link_variant(self, variant: Record) -> None:
        parent_id = variant.get("product_id") or variant.get("material_id")
        if parent_id is not None:
            self._variants_by_parent.setdefault(parent_id, []).append(variant["id"])

    def table(self, resource: str) -> dict[int, Record]:
        """The raw records of ``resource`` by id (``KeyError`` if unknown)."""
        return self._tables[resource]

    def render(self, resource: str, record: Record) -> Record:
        """A deep copy of ``record`` as it goes on the wire."""
        rendered = copy.deepcopy(record)
        if RESOURCES[resource].embeds_variants:
            variants = self._tables["variants"]
            rendered["variants"] = [
                copy.deepcopy(variants[variant_id])
                for variant_id in self._variants_by_parent.get(record["id"], [])
                if variants[variant_id]["deleted_at"] is None
            ]

        return rendered

    def records(self, resource: str, *, include_deleted: bool = False) -> list[Record]:
        """All rendered records of ``resource`` in ascending id order."""
        return [
            self.render(resource, record)
            for record in self._tables[resource].values()
            if include_deleted or record.get("deleted_at") is None
        ]

    def get(self, resource: str, record_id: int) -> Record | None:
        """The rendered record, or ``None`` if missing or deleted."""
        record = self._tables[resource].get(record_id)
        if record is None or record.get("deleted_at") is not None:
            return None

        return self.render(resource, record)

    def list(self, resource: str, query: ListQuery) -> Page:
        """The page ``query`` asks for, after filtering."""
        matching = [
            record
            for record in self._tables[resource].values()
            if query.matches(record)
        ]
        start = (query.page - 1) * query.limit
        window = matching[start : start + query.limit]

        return Page([self.render(resource, r) for r in window], len(matching), query)

    def next_id(self, resource: str) -> int:
        """An id larger than every id of ``resource``, deleted ones included."""
        table = self._tables[resource]
        return max(table, default=ID_BASES.get(resource, 1) - 1) + 1

    def insert(self, resource: str, record: Record) -> None:
        """Add a new record; its id must come from ``next_id``."""
        self._tables[resource][record["id"]] = record
        if resource == "variants":
            self._link_variant(record)

    def variants_of(self, parent_id: int) -> Iterable[Record]:
        """The stored (not rendered) variants of a product or material."""
        variants = self._tables["variants"]
        return (variants[v] for v in self._variants_by_parent.get(parent_id, []))
