"""What the generated models say about a record's fields, reduced to a few kinds.

Theory of operation. The seeders, the filters and the quirks all need the same
facts about a field: is it an integer, a decimal, a date, a nested object, a list
of nested objects? ``fields_of`` reads them once per model from msgspec's type
information and caches them. ``enum_values`` finds the documented values of a
string field from the generated enum classes (``SalesOrderStatus`` for the
``status`` of a ``SalesOrder``), falling back to the values a list's query
parameter of the same name lists.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import msgspec
import msgspec.inspect as mi

from katana_core import models
from katana_core.models import Timestamp

__all__ = ["Field", "enum_values", "fields_of", "required_of"]


@dataclass(frozen=True)
class Field:
    """One field of a model: a name, a kind and, for nested objects, their model.

    ``kind`` is one of ``int``, ``decimal``, ``float``, ``bool``, ``str``, ``time``,
    ``struct``, ``list`` (of ``item``: a kind), ``dict`` and ``any``.
    """

    name: str
    kind: str
    model: type[msgspec.Struct] | None = None
    item: str = "any"


def _kind(info: mi.Type) -> tuple[str, type[msgspec.Struct] | None]:
    if isinstance(info, mi.UnionType):
        for member in info.types:
            if not isinstance(member, mi.NoneType):
                return _kind(member)

        return "any", None

    simple: dict[type[mi.Type], str] = {
        mi.IntType: "int",
        mi.DecimalType: "decimal",
        mi.FloatType: "float",
        mi.BoolType: "bool",
        mi.StrType: "str",
        mi.DictType: "dict",
        mi.DateType: "time",
        mi.DateTimeType: "time",
    }
    for info_type, kind in simple.items():
        if isinstance(info, info_type):
            return kind, None

    if isinstance(info, mi.CustomType) and issubclass(info.cls, Timestamp):
        return "time", None

    if isinstance(info, mi.StructType):
        return "struct", info.cls

    return "any", None


@functools.cache
def fields_of(model: type[msgspec.Struct]) -> dict[str, Field]:
    """The fields of ``model`` by name, in declaration order."""
    info = mi.type_info(model)
    assert isinstance(info, mi.StructType)
    result: dict[str, Field] = {}
    for field in info.fields:
        field_type = field.type
        if isinstance(field_type, mi.UnionType):
            members = [t for t in field_type.types if not isinstance(t, mi.NoneType)]
            field_type = members[0] if members else field_type

        if isinstance(field_type, mi.ListType):
            item_kind, item_model = _kind(field_type.item_type)
            result[field.name] = Field(field.name, "list", item_model, item_kind)
        else:
            kind, nested = _kind(field_type)
            result[field.name] = Field(field.name, kind, nested)

    return result


def required_of(model: type[msgspec.Struct]) -> frozenset[str]:
    """The fields a request model requires."""
    info = mi.type_info(model)
    assert isinstance(info, mi.StructType)
    return frozenset(f.name for f in info.fields if f.required)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@functools.cache
def enum_values(model_name: str, field: str) -> tuple[str, ...]:
    """The documented values of ``field`` of the model ``model_name``, if known."""
    words: list[str] = []
    for char in model_name:
        if char.isupper():
            words.append(char)
        elif words:
            words[-1] += char

    # SalesOrderRow + product_availability: try "SalesOrderRowProductAvailability",
    # "OrderRowProductAvailability", ... down to "ProductAvailability".
    for start in range(len(words) + 1):
        candidate: Any = getattr(models, "".join(words[start:]) + _camel(field), None)
        values = getattr(candidate, "VALUES", None)
        if isinstance(values, frozenset) and values:
            return tuple(sorted(values))

    return ()
