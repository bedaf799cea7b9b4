"""In-memory records of every emulated resource, rendered the way Katana sends them.

Theory of operation. Each resource is a dict from key to record in creation order:
the key is the record's ``id`` (an integer, or a UUID string for BOM rows and
custom field definitions), or a private counter for the few resources whose
records have no id (inventory, batch stocks). Lists come newest first, as Katana
serves them, except the resources ``RESOURCES`` gives an ``order_by`` (inventory by
location, batch stocks, serial numbers alphabetically). ``records`` keeps creation
order, which for seeded data is ascending id, for tests that want a stable view;
``listing`` gives the order a list walks.

Parents are stored without their children; ``render`` embeds the current, not
deleted, children (a product's variants, a sales order's rows, addresses and
shipping fee, ...), so a change to a child shows through its parent, as it does in
Katana. ``extend`` values embed the referenced record (a product's supplier).
Deletes are soft: ``deleted_at`` is set, the record disappears from gets and
default lists, and ``include_deleted=true`` brings it back, as Katana documents.

A list without filters serves its page from the table's records already selected
and ordered (kept per resource and per ``include_deleted``/``include_archived``),
so a page costs its own records, not the whole table. That selection is dropped
whenever stored records may change: every call that hands out stored records
(``table``, ``children``, ``variants_of``, ``matching``) or adds one (``insert``).
Change stored records right after asking for them (``store.table(r)[key][f] =
...``), as the write handlers do; a record held from before a later list and
changed afterwards is not seen by unfiltered lists until the next such call.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from . import quirks
from .query import ListQuery
from .resources import RESOURCES
from .schema import fields_of
from .seed import Record
from .seed_main import BASES, seed_all

__all__ = ["Key", "Page", "Store"]

Key = int | str
# ``Store.list`` shadows the builtin inside the class body.
Records = list[Record]
T = TypeVar("T")


class Page(Generic[T]):
    """One page of a list: the rendered records and the ``X-Pagination`` values.

    ``Store.list`` gives the records as dicts; ``Store.list_encoded`` gives each one
    already encoded (``msgspec.Raw``), for the HTTP handler to send as is.
    """

    def __init__(self, records: list[T], total: int, query: ListQuery) -> None:
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


_ATOMIC = frozenset({str, int, float, bool, type(None)})


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars); about four times
    faster than ``copy.deepcopy``, which handles anything else found inside."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in _ATOMIC:
        return value
    return copy.deepcopy(value)


def _sort_key(field: str) -> Any:
    return lambda record: (record.get(field) is None, record.get(field) or 0)


class Store:
    """The emulator's records; every method is synchronous and never awaits."""

    def __init__(
        self, seed: int, sizes: Mapping[str, int], *, quirks: bool = False
    ) -> None:
        self.seed = seed
        self.quirks = quirks
        self._tables: dict[str, dict[Key, Record]] = {name: {} for name in RESOURCES}
        self._keys: dict[str, int] = {}
        # (child resource, link field) -> parent id -> child keys.
        self._links: dict[tuple[str, str], dict[Key, list[Key]]] = {
            (embed.child, embed.link): {}
            for spec in RESOURCES.values()
            for embed in spec.embeds
        }
        # Unfiltered lists: (resource, include_deleted, include_archived) -> the
        # stored records selected, in list order; cleared by ``_touch``.
        self._selected: dict[tuple[str, bool, bool], list[Record]] = {}
        # (resource, id() of the stored record, extend) -> the record as sent;
        # cleared with the selections (the stored records stay alive meanwhile).
        self._encoded: dict[tuple[str, int, tuple[str, ...]], msgspec.Raw] = {}
        for name, records in seed_all(seed, sizes).items():
            for record in records:
                self.insert(name, record)

    def _touch(self) -> None:
        """Stored records may change from here on: forget every selection."""
        self._selected.clear()
        self._encoded.clear()

    def table(self, resource: str) -> dict[Key, Record]:
        """The raw records of ``resource`` by key (``KeyError`` if unknown)."""
        table = self._tables[resource]
        self._touch()
        return table

    def key_of(self, resource: str, raw: str) -> Key | None:
        """The key a path segment names, or ``None`` if no record has it."""
        table = self._tables[resource]
        key: Key = int(raw) if raw.isdigit() else raw
        return key if key in table else None

    def _children(self, resource: str, record: Record) -> dict[str, Any]:
        embedded: dict[str, Any] = {}
        for embed in RESOURCES[resource].embeds:
            table = self._tables[embed.child]
            keys = self._links[(embed.child, embed.link)].get(record.get("id", ""), [])
            children = [
                self.render(embed.child, table[key])
                for key in keys
                if table[key].get("deleted_at") is None
            ]
            if embed.single:
                embedded[embed.key] = children[0] if children else None
            else:
                embedded[embed.key] = children

        return embedded

    def render(
        self, resource: str, record: Record, extend: Sequence[str] = ()
    ) -> Record:
        """A deep copy of ``record`` as it goes on the wire."""
        rendered: Record = _copy(record)
        rendered.update(self._children(resource, record))
        extends = RESOURCES[resource].extends
        for name in extend:
            for field, target in extends.get(name, ()):
                found = self.get(target, record.get(field) or 0)
                rendered[name] = found
                if found is not None:
                    break

        if self.quirks:
            quirks.apply(self.seed, resource, rendered)

        return rendered

    def _ordered(self, resource: str, records: Iterable[Record]) -> list[Record]:
        order_by = RESOURCES[resource].order_by
        if not order_by:
            return list(reversed(list(records)))

        ordered = list(records)
        for field in reversed(order_by):
            name = field.removeprefix("-")
            ordered.sort(key=_sort_key(name), reverse=field.startswith("-"))

        return ordered

    def records(self, resource: str, *, include_deleted: bool = False) -> list[Record]:
        """All rendered records of ``resource`` in creation (ascending id) order."""
        return [
            self.render(resource, record)
            for record in self._tables[resource].values()
            if include_deleted or record.get("deleted_at") is None
        ]

    def listing(self, resource: str, *, include_deleted: bool = False) -> list[Record]:
        """All rendered records of ``resource`` in the order its list serves them."""
        return self._ordered(
            resource, self.records(resource, include_deleted=include_deleted)
        )

    def get(self, resource: str, key: Key, extend: Sequence[str] = ()) -> Record | None:
        """The rendered record, or ``None`` if missing or deleted."""
        record = self._tables[resource].get(key)
        if record is None or record.get("deleted_at") is not None:
            return None

        return self.render(resource, record, extend)

    def matching(self, resource: str, query: ListQuery) -> list[Record]:
        """The stored records ``query`` selects, in list order."""
        self._touch()
        return self._select(resource, query)

    def _select(self, resource: str, query: ListQuery) -> list[Record]:
        table = self._tables[resource].values()
        return [r for r in self._ordered(resource, table) if query.matches(r)]

    def _matching_for_list(self, resource: str, query: ListQuery) -> list[Record]:
        if query.predicates:
            return self._select(resource, query)
        key = (resource, query.include_deleted, query.include_archived)
        selected = self._selected.get(key)
        if selected is None:
            selected = self._selected[key] = self._select(resource, query)
        return selected

    def list(self, resource: str, query: ListQuery) -> Page[Record]:
        """The page ``query`` asks for, after filtering."""
        matching = self._matching_for_list(resource, query)
        start = (query.page - 1) * query.limit
        window = matching[start : start + query.limit]
        rendered = [self.render(resource, r, query.extend) for r in window]

        return Page(rendered, len(matching), query)

    def list_encoded(self, resource: str, query: ListQuery) -> Page[msgspec.Raw]:
        """Like :meth:`list`, each record JSON-encoded, and kept so until the next
        change (see the module's docstring): serving a page again costs no render."""
        matching = self._matching_for_list(resource, query)
        start = (query.page - 1) * query.limit
        window = matching[start : start + query.limit]
        encoded = []
        for record in window:
            key = (resource, id(record), query.extend)
            raw = self._encoded.get(key)
            if raw is None:
                rendered = self.render(resource, record, query.extend)
                raw = self._encoded[key] = msgspec.Raw(msgspec.json.encode(rendered))
            encoded.append(raw)

        return Page(encoded, len(matching), query)

    def next_id(self, resource: str) -> Key:
        """A new id for ``resource``: above every integer id, or a fresh UUID."""
        model = RESOURCES[resource].model
        id_field = fields_of(model).get("id") if model is not None else None
        if id_field is not None and id_field.kind == "str":
            return str(uuid.uuid4())

        return self.next_int(resource)

    def next_int(self, resource: str) -> int:
        """An integer id larger than every id of ``resource``, deleted ones included."""
        ids = [key for key in self._tables[resource] if isinstance(key, int)]
        return max(ids, default=BASES.get(resource, 1) - 1) + 1

    def insert(self, resource: str, record: Record) -> Key:
        """Add a new record (its id, if any, from ``next_id``); returns its key."""
        key: Key
        if "id" in record and record["id"] is not None:
            key = record["id"]
        else:
            key = self._keys[resource] = self._keys.get(resource, 0) + 1

        self._touch()
        self._tables[resource][key] = record
        for (child, link), by_parent in self._links.items():
            if child == resource and record.get(link) is not None:
                by_parent.setdefault(record[link], []).append(key)

        return key

    def children(self, resource: str, link: str, parent_id: Key) -> Records:
        """The stored, not deleted, records of ``resource`` whose ``link`` is the id."""
        self._touch()
        return [
            record
            for record in self._tables[resource].values()
            if record.get(link) == parent_id and record.get("deleted_at") is None
        ]

    def variants_of(self, parent_id: Key) -> Iterable[Record]:
        """The stored (not rendered) variants of a product or material."""
        self._touch()
        variants = self._tables["variants"]
        for link in ("product_id", "material_id"):
            for key in self._links[("variants", link)].get(parent_id, []):
                yield variants[key]
