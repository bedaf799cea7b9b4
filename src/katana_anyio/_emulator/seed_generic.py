"""Seed values for any record, guessed from its model's field names and types.

Theory of operation. ``Filler.record`` walks the fields of a response model and
gives each a value of its kind: ids from a per-resource base, ``*_id`` fields an id
of the resource they name (``ingredient_variant_id`` names ``variants``: leading
words are dropped until a seeded resource matches), enum-like strings one of their
documented values, money two decimals, dates after the record's ``created_at``.
Nested objects stay ``None`` and nested lists empty: the hand-written seeders of
``seed_main`` fill the ones that matter. Every draw comes from the caller's
``random.Random``, so the result is a function of the seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import msgspec

from .schema import Field, enum_values, fields_of
from .seed import EPOCH, Record, format_time

__all__ = ["Filler", "id_base"]

_WORDS = ("North", "Harbor", "Summit", "Cedar", "Pioneer", "Atlas", "Meadow", "Delta")
_CURRENCIES = ("USD", "EUR", "GBP")
_MONEY = ("price", "cost", "total", "amount", "value", "discount")
_NEVER_SET = frozenset({"deleted_at", "archived_at"})


def id_base(resource: str, index: int) -> int:
    """The first id of a resource seeded generically (its position in the table)."""
    return (20 + index) * 1_000_000 + 1


def _stamp(rng: random.Random, index: int) -> tuple[str, str]:
    created = EPOCH + timedelta(minutes=11 * index, milliseconds=rng.randrange(60_000))
    updated = created + timedelta(seconds=rng.randrange(0, 60 * 86_400))

    return format_time(created), format_time(updated)


class Filler:
    """Draws field values; ``ids`` maps every seeded resource to its ids so far."""

    def __init__(self, ids: Mapping[str, list[Any]]) -> None:
        self.ids = ids

    def reference(self, rng: random.Random, name: str) -> int | None:
        """An id of the resource ``name`` (a ``*_id`` field) refers to, if seeded."""
        words = name.removesuffix("_id").split("_")
        for start in range(len(words)):
            candidates = self.ids.get("_".join(words[start:]) + "s")
            if candidates:
                value = rng.choice(candidates)
                return value if isinstance(value, int) else None

        return None

    def value(
        self, rng: random.Random, model_name: str, field: Field, index: int
    ) -> Any:
        """A plausible value of one field of record number ``index``."""
        name = field.name
        if field.kind == "int":
            if name.endswith("_id"):
                found = self.reference(rng, name)
                return found if found is not None else rng.randrange(1, 50)

            return rng.randrange(1, 20) if "quantity" in name else rng.randrange(0, 100)

        if field.kind in ("decimal", "float"):
            if any(word in name for word in _MONEY):
                return round(rng.uniform(1, 500), 2)

            return float(rng.randrange(1, 40))

        if field.kind == "bool":
            return rng.random() < 0.5

        if field.kind == "time":
            if name in _NEVER_SET or rng.random() < 0.3:
                return None

            return _stamp(rng, index + rng.randrange(0, 200))[0]

        if field.kind == "str":
            return self._text(rng, model_name, name, index)

        return {"list": [], "dict": {}}.get(field.kind)

    def _text(self, rng: random.Random, model_name: str, name: str, index: int) -> str:
        values = enum_values(model_name, name)
        if values:
            return rng.choice(values)

        if name == "id":
            return f"{rng.getrandbits(128):032x}"

        if "currency" in name:
            return rng.choice(_CURRENCIES)

        if name.endswith("url"):
            return f"https://hooks.example.com/katana/{index + 1}"

        if name == "token":
            return f"{rng.getrandbits(64):016x}"

        if "email" in name:
            return f"{rng.choice(_WORDS).lower()}{index + 1}@example.com"

        if "phone" in name or name == "zip":
            return f"{rng.randrange(10**7, 10**8)}"

        if name.endswith(("_no", "_number")):
            return f"{name[:2].upper()}-{index + 1:04d}"

        if "quantity" in name or "cost" in name or "value" in name:
            return f"{rng.randrange(0, 500)}.00000"

        return f"{rng.choice(_WORDS)} {name.replace('_', ' ')} {index + 1}"

    def record(
        self,
        rng: random.Random,
        model: type[msgspec.Struct],
        index: int,
        record_id: int | None,
        given: Mapping[str, Any] | None = None,
    ) -> Record:
        """A complete record of ``model``: ``given`` values, the rest drawn."""
        given = given or {}
        created_at, updated_at = _stamp(rng, index)
        record: Record = {}
        for name, field in fields_of(model).items():
            if name in given:
                record[name] = given[name]
            elif name == "id" and record_id is not None and field.kind == "int":
                record[name] = record_id
            elif name == "created_at":
                record[name] = created_at
            elif name == "updated_at":
                record[name] = updated_at
            else:
                record[name] = self.value(rng, model.__name__, field, index)

        record.update(given)
        return record
