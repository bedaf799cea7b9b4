"""Reading the three OpenAPI files: loading, references, naming helpers.

Shared by the model generator and the conformance checks. A development-time tool:
nothing under ``src`` imports it, and it needs PyYAML (the ``generate`` group).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CURATED = "katana-openapi.yaml"
GATEWAY = "live-gateway.yaml"
PORTAL = "readme-portal.yaml"
METHODS = ("get", "post", "patch", "put", "delete")
SCHEMA_REF = "#/components/schemas/"

Schema = dict[str, Any]


def default_spec_dir() -> Path:
    """``../shared/spec`` relative to the project root (this file's parent's parent)."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "spec"


def _load(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as stream:
        return yaml.load(stream, Loader=loader)  # noqa: S506 -- a safe loader


@dataclass(frozen=True)
class Specs:
    curated: dict[str, Any]
    gateway: dict[str, Any]
    portal: dict[str, Any]

    @classmethod
    def load(cls, spec_dir: Path) -> Specs:
        return cls(
            curated=_load(spec_dir / CURATED),
            gateway=_load(spec_dir / GATEWAY),
            portal=_load(spec_dir / PORTAL),
        )


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(method, path, operation)`` for every operation, in document order."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def ref_name(schema: Schema) -> str | None:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
        return ref[len(SCHEMA_REF) :]
    return None


def resolve(doc: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` chains inside one document (any component kind)."""
    while isinstance(obj, dict) and "$ref" in obj:
        node: Any = doc
        for part in obj["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def snake(name: str) -> str:
    """``getAllProducts`` -> ``get_all_products``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def pascal(name: str) -> str:
    """``sales_order_rows`` or ``salesOrderRows`` -> ``SalesOrderRows``."""
    parts = re.split(r"[^0-9a-zA-Z]+", snake(name))
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def constant(value: str) -> str:
    """An enum value as a constant name: ``inTransit`` -> ``IN_TRANSIT``."""
    text = snake(value).upper() or "EMPTY"
    if text[0].isdigit():
        text = "V_" + text
    return text


# Names the generated annotations use; a field must not shadow them in a class body.
_RESERVED = frozenset(
    {"Any", "Decimal", "Timestamp", "UnsetType", "UNSET", "date", "datetime"}
    | {"int", "str", "bool", "float", "list", "dict", "None", "msgspec"}
)


def attribute(name: str) -> str:
    """A JSON key as a Python attribute name (the key itself is kept for the wire)."""
    text = re.sub(r"[^0-9a-zA-Z_]", "_", name)
    if not text or text[0].isdigit():
        text = "f_" + text
    if keyword.iskeyword(text) or text in _RESERVED or text.startswith("__"):
        text += "_"
    return text
