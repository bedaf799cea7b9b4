"""Response models from the curated spec's component schemas.

Every schema becomes a tolerant struct (see ``katana_core.models._types``): all
fields optional, composed schemas (``allOf``, and ``oneOf``/``anyOf`` over objects)
flattened into one struct holding the union of their fields, enums kept as ``str``
with their known values emitted as constants. Schemas used only as request bodies
are left to ``gen_requests``, which builds them from the gateway's description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gen_config import is_decimal_text
from gen_spec import Schema, attribute, operations, pascal, ref_name, resolve

STRING_LIKE = ("str", "Timestamp", "Decimal", "datetime", "date")


@dataclass
class Field:
    key: str
    attr: str
    type: str
    required: bool = False
    nullable: bool = True


@dataclass
class Struct:
    name: str
    fields: dict[str, Field] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)


@dataclass
class Enum:
    name: str
    values: list[str]


def combine(types: list[str], structs: set[str]) -> str:
    """One annotation for a union, within msgspec's rules (one string-like type,
    one array-like, one object-like); anything ambiguous becomes ``Any``."""
    unique = list(dict.fromkeys(types))
    if not unique or "Any" in unique:
        return "Any"
    if len(unique) == 1:
        return unique[0]

    stringy = [t for t in unique if t in STRING_LIKE]
    if len(stringy) > 1:
        keep = "str" if "str" in stringy else stringy[0]
        unique = [t for t in unique if t not in STRING_LIKE or t == keep]
    objects = [t for t in unique if t in structs or t.startswith("dict[")]
    arrays = [t for t in unique if t.startswith("list[")]
    if len(objects) > 1 or len(arrays) > 1:
        return "Any"
    if "Decimal" in unique and "int" in unique:
        unique.remove("int")

    return " | ".join(unique)


def _non_null(variants: list[Schema]) -> list[Schema]:
    return [v for v in variants if v.get("type") != "null"]


class ResponseModels:
    """Builds the response structs and enum constants of the curated spec."""

    def __init__(self, curated: dict[str, Any], skip: set[str]) -> None:
        self.doc = curated
        self.schemas: dict[str, Schema] = curated["components"]["schemas"]
        self.skip = skip
        self.structs: dict[str, Struct] = {}
        self.enums: dict[str, Enum] = {}
        self._building: set[str] = set()
        self._inline: dict[int, str] = {}

    # -- classification -------------------------------------------------------

    def is_struct(self, schema: Schema) -> bool:
        schema = resolve(self.doc, schema)
        if "properties" in schema or "allOf" in schema:
            return True
        variants = _non_null(schema.get("oneOf", []) + schema.get("anyOf", []))
        return bool(variants) and all(self.is_struct(v) for v in variants)

    def collect(self, schema: Schema) -> dict[str, Schema]:
        """The properties of a (possibly composed) object schema, merged in order."""
        schema = resolve(self.doc, schema)
        props: dict[str, Schema] = {}
        for part in schema.get("allOf", []):
            props.update(self.collect(part))
        for part in _non_null(schema.get("oneOf", []) + schema.get("anyOf", [])):
            if self.is_struct(part):
                for key, value in self.collect(part).items():
                    props.setdefault(key, value)
        props.update(schema.get("properties", {}))
        return props

    # -- building ---------------------------------------------------------------

    def build(self) -> None:
        for name, schema in self.schemas.items():
            if "enum" in schema and schema.get("type") in (
                "string",
                ["string", "null"],
            ):
                values = [v for v in schema["enum"] if isinstance(v, str)]
                self.enums[name] = Enum(name, values)
            elif name not in self.skip and self.is_struct(schema):
                self.struct(name, schema)

    def struct(self, name: str, schema: Schema) -> str:
        if name in self.structs or name in self._building:
            return name

        self._building.add(name)
        out = Struct(name)
        types: dict[str, list[str]] = {}
        for ctx, part in self._parts(name, schema):
            for key, prop in part.items():
                found = self.type_of(prop, ctx, key)
                if found == "str" and is_decimal_text(ctx, key):
                    found = "Decimal"
                types.setdefault(key, []).append(found)
        for key, found in types.items():
            annotation = combine(found, set(self.structs) | self._building)
            attr = attribute(key)
            out.fields[key] = Field(key, attr, annotation)
            if annotation == "Timestamp":
                out.dates.append(attr)
            elif annotation in self.structs or annotation in self._building:
                out.nested.append(attr)
        self.structs[name] = out
        self._building.discard(name)

        return name

    def _parts(self, name: str, schema: Schema) -> list[tuple[str, dict[str, Schema]]]:
        # Each variant separately, so a property typed differently across the
        # variants of a oneOf gets a union rather than the last variant's type.
        # A named variant names the inline objects it holds.
        schema = resolve(self.doc, schema)
        variants = _non_null(schema.get("oneOf", []) + schema.get("anyOf", []))
        if variants and all(self.is_struct(v) for v in variants):
            parts = [(ref_name(v) or name, self.collect(v)) for v in variants]
            return [*parts, (name, dict(schema.get("properties", {})))]
        return [(name, self.collect(schema))]

    def type_of(self, schema: Schema, ctx: str, key: str) -> str:
        name = ref_name(schema)
        if name is not None:
            target = self.schemas[name]
            if name in self.enums or "enum" in target:
                return "str"
            if self.is_struct(target):
                return self.struct(name, target)
            return self.type_of(target, ctx, key)

        own = "properties" in schema
        if "allOf" in schema and len(schema["allOf"]) == 1 and not own:
            return self.type_of(schema["allOf"][0], ctx, key)
        variants = _non_null(schema.get("oneOf", []) + schema.get("anyOf", []))
        if len(variants) == 1 and not own and "allOf" not in schema:
            return self.type_of(variants[0], ctx, key)
        if self.is_struct(schema):
            # The same inline object reached twice (through a oneOf that merges
            # named variants) is one struct.
            if id(schema) not in self._inline:
                self._inline[id(schema)] = self._inline_name(ctx, key)
            return self.struct(self._inline[id(schema)], schema)
        if variants:
            found = [self.type_of(v, ctx, key) for v in variants]
            return combine(found, set(self.structs) | self._building)

        kinds = schema.get("type", [])
        kinds = [
            k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null"
        ]
        found = [self._scalar(schema, kind, ctx, key) for kind in kinds]

        return combine(found, set(self.structs)) if found else "Any"

    def _scalar(self, schema: Schema, kind: str, ctx: str, key: str) -> str:
        if kind == "string":
            fmt = schema.get("format")
            return "Timestamp" if fmt in ("date-time", "date") else "str"
        if kind == "array":
            items = schema.get("items")
            return f"list[{self.type_of(items, ctx, key) if items else 'Any'}]"
        if kind == "object":
            return "dict[str, Any]"
        return {"integer": "int", "number": "Decimal", "boolean": "bool"}.get(
            kind, "Any"
        )

    def _inline_name(self, ctx: str, key: str) -> str:
        base = ctx + pascal(key)
        name, n = base, 2
        while name in self.schemas or name in self.structs or name in self._building:
            name, n = f"{base}{n}", n + 1
        return name


def request_only_schemas(curated: dict[str, Any]) -> set[str]:
    """Component schemas reachable from request bodies and from nothing else."""
    schemas = curated["components"]["schemas"]

    def reach(node: Any, seen: set[str]) -> None:
        if isinstance(node, dict):
            name = ref_name(node)
            if name is not None and name not in seen:
                seen.add(name)
                reach(schemas[name], seen)
            elif "$ref" in node:
                reach(resolve(curated, node), seen)
            for value in node.values():
                reach(value, seen)
        elif isinstance(node, list):
            for value in node:
                reach(value, seen)

    in_requests: set[str] = set()
    elsewhere: set[str] = set()
    for _method, _path, op in operations(curated):
        reach(op.get("requestBody", {}), in_requests)
        reach(op.get("responses", {}), elsewhere)
        reach(op.get("parameters", []), elsewhere)
    reach(curated.get("webhooks", {}), elsewhere)

    return in_requests - elsewhere
