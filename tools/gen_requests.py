"""Request models from the gateway's request schemas.

The gateway is what validates requests (every schema there sets
``additionalProperties: false``), so its schemas decide which fields a request
model has and which are required; read-only fields never appear in them. Names come
from the curated spec where it names the same body (``CreateProductRequest``),
otherwise from the operation (``CreateBatchRequest``) or from the gateway's own
schema name or title with ``Dto`` turned into ``Request``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gen_responses import Field, Struct, combine
from gen_spec import Schema, attribute, operations, pascal, ref_name, resolve


@dataclass
class RequestBody:
    model: str
    # "object", "list" (a JSON array of the model) or "object_or_list".
    kind: str


class RequestModels:
    """Builds request structs for every gateway operation that takes a body."""

    def __init__(
        self,
        gateway: dict[str, Any],
        curated: dict[str, Any],
        claimable: set[str],
        taken: set[str],
    ) -> None:
        self.doc = gateway
        self.curated = curated
        self.claimable = claimable
        self.taken = taken
        self.structs: dict[str, Struct] = {}
        self._dto_names: dict[str, str] = {}
        self._signatures: dict[str, str] = {}
        self._pending: set[str] = set()
        self._top_names: set[str] = set()
        self._depth = 0

    def build(self) -> dict[tuple[str, str], RequestBody]:
        curated_ops = {(m, p): op for m, p, op in operations(self.curated)}
        bodies: dict[tuple[str, str], RequestBody] = {}
        self._top_names = {
            name
            for method, path, op in operations(self.curated)
            if "requestBody" in op
            and (name := ref_name(self._body_schema(op))) is not None
        }
        for method, path, op in operations(self.doc):
            if "requestBody" not in op:
                continue
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            mirror = curated_ops.get((method, path), {})
            mirror_schema = (
                mirror.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            fallback = pascal(mirror.get("operationId", method + path)) + "Request"
            bodies[(method, path)] = self._body(schema, mirror_schema, fallback)
        return bodies

    def _body(self, schema: Schema, mirror: Schema, fallback: str) -> RequestBody:
        mirror = self._curated_resolve_items(mirror) if mirror else {}
        variants = schema.get("anyOf") or schema.get("oneOf")
        if variants:
            objects = [v for v in variants if v.get("type") != "array"]
            name = self._struct(objects[0], mirror, fallback)
            return RequestBody(name, "object_or_list")
        if schema.get("type") == "array":
            return RequestBody(self._struct(schema["items"], mirror, fallback), "list")
        return RequestBody(self._struct(schema, mirror, fallback), "object")

    @staticmethod
    def _body_schema(op: dict[str, Any]) -> Schema:
        content = op["requestBody"].get("content", {})
        schema: Schema = content.get("application/json", {}).get("schema", {})
        return schema

    def _curated_resolve_items(self, schema: Schema) -> Schema:
        # The curated body may be an array, or an anyOf of object and array.
        target = resolve(self.curated, schema)
        if target.get("type") == "array":
            return target.get("items", {})
        for variant in schema.get("anyOf", []) + schema.get("oneOf", []):
            if variant.get("type") != "array":
                return variant
        if schema.get("type") == "array":
            return schema.get("items", {})
        return schema

    def _name_for(self, schema: Schema, mirror: Schema, fallback: str) -> str:
        curated = ref_name(mirror) if mirror else None
        if self._claims(curated, top=self._depth == 0):
            return curated  # type: ignore[return-value]
        dto = ref_name(schema) or schema.get("title")
        if fallback:
            return fallback
        if dto:
            return re.sub(r"Dto$", "", dto) + "Request"
        return "Request"

    def _struct(
        self, schema: Schema, mirror: Schema, fallback: str, inline: str = ""
    ) -> str:
        dto = ref_name(schema)
        if dto is not None and dto in self._dto_names:
            return self._dto_names[dto]

        name = self._name_for(schema, mirror, fallback)
        if name in self._pending and inline:
            name = inline  # a body nested in its namesake
        # Reserve the name while the nested bodies are named: they come first.
        reserved = name not in self._pending
        self._pending.add(name)
        resolved = resolve(self.doc, schema)
        mirror_props = self._curated_props(mirror)
        out = Struct(name)
        required = set(resolved.get("required", []))
        self._depth += 1
        for key, prop in resolved.get("properties", {}).items():
            sub_mirror = mirror_props.get(key, {})
            annotation = self.type_of(prop, sub_mirror, name + pascal(key))
            nullable = bool(prop.get("nullable")) or _admits_null(prop)
            out.fields[key] = Field(
                key, attribute(key), annotation, key in required, nullable
            )

        self._depth -= 1
        if reserved:
            self._pending.discard(name)
        name = self._register(out, inline)
        if dto is not None:
            self._dto_names[dto] = name
        return name

    def _register(self, struct: Struct, alternative: str = "") -> str:
        signature = repr(
            sorted(
                (f.key, f.type, f.required, f.nullable) for f in struct.fields.values()
            )
        )
        taken = struct.name in self.structs or struct.name in self.taken
        taken = taken or struct.name in self._pending
        if taken and self._signatures.get(struct.name) != signature and alternative:
            # A nested body that differs from the top-level one of the same name
            # (the variants inside CreateProductRequest): name it by its place.
            struct.name = alternative
        base, n = struct.name, 2
        while (
            struct.name in self.structs
            or struct.name in self.taken
            or struct.name in self._pending
        ):
            if self._signatures.get(struct.name) == signature:
                return struct.name
            struct.name, n = f"{base}{n}", n + 1
        self.structs[struct.name] = struct
        self._signatures[struct.name] = signature
        return struct.name

    def _curated_props(self, mirror: Schema) -> dict[str, Schema]:
        if not mirror:
            return {}
        mirror = resolve(self.curated, mirror)
        props: dict[str, Schema] = {}
        for part in mirror.get("allOf", []):
            props.update(self._curated_props(part))
        props.update(mirror.get("properties", {}))
        return props

    def type_of(self, schema: Schema, mirror: Schema, inline: str) -> str:
        if ref_name(schema) is not None or "properties" in schema:
            return self._struct(
                schema,
                self._curated_resolve_items(mirror),
                ""
                if ref_name(schema)
                else self._inline_fallback(schema, mirror, inline),
                inline,
            )

        variants = [
            v
            for v in schema.get("anyOf", []) + schema.get("oneOf", [])
            if v.get("type") != "null"
        ]
        if variants:
            if any(v.get("type") == "number" for v in variants):
                # A number or its digits in a string: accept Decimal too, which
                # the encoder writes as a JSON number.
                variants = [v for v in variants if not _is_numeric_text(v)]
                found = [self.type_of(v, mirror, inline) for v in variants]
                return combine([*found, "Decimal"], set(self.structs))
            return combine(
                [self.type_of(v, mirror, inline) for v in variants], set(self.structs)
            )
        if schema.get("allOf"):
            return self.type_of(schema["allOf"][0], mirror, inline)

        kind = schema.get("type")
        if kind == "string":
            return self._string(schema)
        if kind == "array":
            items_mirror = (
                resolve(self.curated, mirror).get("items", {}) if mirror else {}
            )
            return (
                f"list[{self.type_of(schema.get('items', {}), items_mirror, inline)}]"
            )
        if kind == "object":
            return "dict[str, Any]"
        return {"integer": "int", "number": "float", "boolean": "bool"}.get(kind, "Any")

    def _claims(self, curated: str | None, *, top: bool) -> bool:
        # A curated name goes to the top-level body it names, before any nested
        # body that the curated spec happens to describe with the same schema.
        if curated is None or curated not in self.claimable:
            return False
        return top or curated not in self._top_names

    def _inline_fallback(self, schema: Schema, mirror: Schema, inline: str) -> str:
        curated = ref_name(self._curated_resolve_items(mirror)) if mirror else None
        if self._claims(curated, top=False):
            return curated  # type: ignore[return-value]
        title = schema.get("title")
        if title:
            return re.sub(r"Dto$", "", title) + "Request"
        return inline

    def _string(self, schema: Schema) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return "datetime"
        if fmt == "date":
            return "date"
        return "str"


def _is_numeric_text(schema: Schema) -> bool:
    # Beside a number variant, a plain string variant carries the same number as
    # text (the gateway pins it with a digits pattern or a "not zero" pattern).
    return schema.get("type") == "string" and not (
        schema.get("enum") or schema.get("format")
    )


def _admits_null(schema: Schema) -> bool:
    variants = schema.get("anyOf", []) + schema.get("oneOf", [])
    return any(v.get("type") == "null" or v.get("nullable") for v in variants)
