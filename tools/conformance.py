"""Conformance: every published example decodes with the model of its operation.

Collects the response examples of the portal (``readme-portal.yaml``) and every
example of the curated spec (operation responses, shared error responses and
component schemas), decodes each with the generated model for its operation and
status, and notes which tolerance of the models each example relied on (an unknown
field, a number sent as text, ...). ``tests/models/test_conformance.py`` runs the
check; ``python tools/conformance.py --write`` rewrites the committed report,
``tests/models/CONFORMANCE.md``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from gen_spec import Schema, Specs, default_spec_dir, operations, resolve

from katana_core import models
from katana_core.models import Operation

REPORT = Path(__file__).resolve().parent.parent / "tests/models/CONFORMANCE.md"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Example:
    source: str  # "portal" or "curated"
    where: str  # "GET /products 200 (example)" or "schema Product"
    status: int | None
    value: Any
    op: Operation | None = None
    model: type[models.KatanaModel] | None = None
    schema: Schema | None = None
    tolerances: list[str] = field(default_factory=list)
    error: str | None = None


def _path_key(path: str) -> str:
    # The portal writes /product_operation_rows/ and /batch_stocks/{batch_id}.
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/") or "/")


_OPS = {(op.method, _path_key(op.path)): op for op in models.OPERATIONS}


def _media_examples(media: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    if "example" in media:
        yield "example", media["example"]
    for name, example in media.get("examples", {}).items():
        if isinstance(example, dict) and "value" in example:
            yield name, example["value"]


def _response_examples(specs: Specs, source: str) -> Iterator[Example]:
    doc = specs.portal if source == "portal" else specs.curated
    for method, path, raw_op in operations(doc):
        op = _OPS.get((method.upper(), _path_key(path)))
        for status, response in raw_op.get("responses", {}).items():
            if source == "curated" and "$ref" in response:
                continue  # shared responses are checked once, below
            media = response.get("content", {}).get("application/json", {})
            for name, value in _media_examples(media):
                where = f"{method.upper()} {path} {status} ({name})"
                yield Example(
                    source, where, int(status), value, op, schema=media.get("schema")
                )


def _curated_component_examples(specs: Specs) -> Iterator[Example]:
    components = specs.curated["components"]
    for name, response in components.get("responses", {}).items():
        media = response.get("content", {}).get("application/json", {})
        model = getattr(models, _schema_name(media.get("schema", {})) or "", None)
        for label, value in _media_examples(media):
            where = f"response {name} ({label})"
            yield Example(
                "curated", where, None, value, model=model, schema=media.get("schema")
            )
    for name, schema in components["schemas"].items():
        model = getattr(models, name, None)
        for label, value in _media_examples(schema):
            if isinstance(model, type) and issubclass(model, models.KatanaModel):
                yield Example(
                    "curated",
                    f"schema {name} ({label})",
                    None,
                    value,
                    model=model,
                    schema=schema,
                )


def _schema_name(schema: Schema) -> str | None:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def collect(specs: Specs) -> list[Example]:
    examples = [
        *_response_examples(specs, "portal"),
        *_response_examples(specs, "curated"),
        *_curated_component_examples(specs),
    ]
    return examples


def check(specs: Specs, examples: list[Example]) -> None:
    """Decode every example; fill in ``tolerances`` and ``error``."""
    for example in examples:
        _unwrap_stray_key(example)
        try:
            _decode(example)
        except (msgspec.ValidationError, models.BodyDecodeError) as exc:
            example.error = str(exc)
        schema = _schema_for(specs, example)
        if schema is not None:
            example.tolerances += _tolerances(specs.curated, schema, example.value, "$")


def _unwrap_stray_key(example: Example) -> None:
    value, model = example.value, _model_for(example)
    if not (isinstance(value, dict) and len(value) == 1 and model is not None):
        return
    ((key, inner),) = value.items()
    if key in model.__struct_fields__ or not isinstance(inner, dict):
        return
    example.value = inner
    if key == "error" and model.__name__.endswith("ErrorResponse"):
        # Katana's documented wrapper; katana_core.parse_error_body unwraps it.
        example.tolerances.append('error body wrapped in an "error" key at `$`')
    else:
        example.tolerances.append(f"stray outer key unwrapped by the test at `{key}`")


def _model_for(example: Example) -> type[models.KatanaModel] | None:
    if example.model is not None:
        return example.model
    op = example.op
    if op is None or example.status is None:
        return None
    model = op.responses.get(example.status)
    if model is None and 200 <= example.status < 300:
        model = op.success_model()
    if model is None and example.status >= 400:
        model = models.ErrorResponse
    return model


def _decode(example: Example) -> None:
    body = msgspec.json.encode(example.value)
    op = example.op
    is_success = example.status is not None and 200 <= example.status < 300
    if (
        op is not None
        and is_success
        and op.record is not None
        and _is_list_body(example.value)
    ):
        _records, failures = models.decode_records(op.record, body)
        if failures:
            raise models.BodyDecodeError("; ".join(str(f) for f in failures))
        return
    model = _model_for(example)
    if model is None:
        raise models.BodyDecodeError("no model for this operation and status")
    models.decode_one(model, body)


def _is_list_body(value: Any) -> bool:
    return isinstance(value, list) or (
        isinstance(value, dict) and isinstance(value.get("data"), list)
    )


def _schema_for(specs: Specs, example: Example) -> Schema | None:
    if example.schema:
        return example.schema
    model = _model_for(example)
    if model is None:
        return None
    return specs.curated["components"]["schemas"].get(model.__name__)


# -- which tolerance did an example need? --------------------------------------


def _props(doc: dict[str, Any], schema: Schema) -> dict[str, Schema] | None:
    schema = resolve(doc, schema)
    parts = [
        schema,
        *schema.get("allOf", []),
        *schema.get("oneOf", []),
        *schema.get("anyOf", []),
    ]
    props: dict[str, Schema] = {}
    found = False
    for part in parts:
        part = resolve(doc, part)
        if part is not schema:
            sub = _props(doc, part)
            if sub is not None:
                found = True
                props.update(sub)
        if "properties" in part:
            found = True
            props.update(part["properties"])
    return props if found else None


def _types(doc: dict[str, Any], schema: Schema) -> set[str]:
    schema = resolve(doc, schema)
    kinds = schema.get("type", [])
    out = {kinds} if isinstance(kinds, str) else set(kinds)
    for part in (
        schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", [])
    ):
        out |= _types(doc, part)
    if schema.get("nullable"):
        out.add("null")
    return out


def _enum(doc: dict[str, Any], schema: Schema) -> list[Any] | None:
    schema = resolve(doc, schema)
    if "enum" in schema:
        return list(schema["enum"])
    for part in (
        schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", [])
    ):
        found = _enum(doc, part)
        if found is not None:
            return found
    return None


def _tolerances(
    doc: dict[str, Any], schema: Schema, value: Any, path: str
) -> list[str]:
    kinds = _types(doc, schema)
    props = _props(doc, schema)
    if value is None:
        return (
            []
            if "null" in kinds or not kinds
            else [f"null in a non-nullable field at `{path}`"]
        )
    if isinstance(value, dict) and props is not None:
        if not value:
            return [f"empty object for an absent object at `{path}`"]
        found = []
        for key, item in value.items():
            if key not in props:
                found.append(f"unknown field at `{path}.{key}`")
            else:
                found += _tolerances(doc, props[key], item, f"{path}.{key}")
        return found
    if isinstance(value, list) and "array" in kinds:
        items = resolve(doc, schema).get("items")
        if items is None:
            return []
        return [
            t
            for i, item in enumerate(value)
            for t in _tolerances(doc, items, item, f"{path}[{i}]")
        ]
    if isinstance(value, list) and props is not None and "data" in props:
        return [f"bare list where the spec has a data wrapper at `{path}`"]
    if isinstance(value, dict) and "data" in value and "array" in kinds:
        return [f"data wrapper where the spec has a bare list at `{path}`"]
    return _scalar_tolerances(doc, schema, kinds, value, path)


def _scalar_tolerances(
    doc: dict[str, Any], schema: Schema, kinds: set[str], value: Any, path: str
) -> list[str]:
    resolved = resolve(doc, schema)
    enum = _enum(doc, schema)
    if isinstance(value, str):
        if kinds & {"number", "integer"} and "string" not in kinds:
            return [f"number sent as a string at `{path}`"]
        if resolved.get("format") in ("date-time", "date"):
            if value in ("null", "undefined", ""):
                return [f"{value!r} literal in a date field at `{path}`"]
            if _DATE_ONLY.match(value) and resolved.get("format") == "date-time":
                return [f"date-only value in a date-time field at `{path}`"]
        if enum is not None and value not in enum:
            return [f"unknown enum value at `{path}`: {value!r}"]
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and kinds == {"string"}:
        return [f"number where the spec has decimal text at `{path}`"]
    if isinstance(value, bool) and kinds and "boolean" not in kinds:
        return [f"boolean where the spec has {sorted(kinds)} at `{path}`"]
    if isinstance(value, float) and not value.is_integer() and kinds == {"integer"}:
        return [f"fraction in an integer field at `{path}`"]
    return []


# -- the report ------------------------------------------------------------------


def render(examples: list[Example]) -> str:
    portal = [e for e in examples if e.source == "portal"]
    curated = [e for e in examples if e.source == "curated"]
    portal_ok = [e for e in portal if e.status is not None and 200 <= e.status < 300]
    covered = {e.where.rsplit(" ", 2)[0] for e in portal_ok}
    lines = [
        "# Conformance of the models with Katana's published examples",
        "",
        "Generated by `uv run --group generate python tools/conformance.py --write`",
        "from the files in ../shared/spec; checked by",
        "`tests/models/test_conformance.py`.",
        "",
        "## Figures",
        "",
        "| Source | Examples | Success bodies | Error bodies | Decoded without error |",
        "|---|---|---|---|---|",
        _figures("readme-portal.yaml responses", portal),
        _figures("katana-openapi.yaml (responses, shared responses, schemas)", curated),
        "",
        f"Portal success examples cover {len(covered)} operations.",
        "",
        "## Tolerances used",
        "",
        "| Tolerance | Examples |",
        "|---|---|",
        *_kinds(examples),
        "",
        "## Examples that needed a tolerance",
        "",
        "| Source | Example | Tolerances |",
        "|---|---|---|",
    ]
    for example in examples:
        if example.tolerances:
            cell = "<br>".join(sorted(set(example.tolerances)))
            lines.append(f"| {example.source} | {example.where} | {cell} |")
    failed = [e for e in examples if e.error]
    lines += ["", "## Examples that failed to decode", ""]
    lines += [f"- {e.source} {e.where}: {e.error}" for e in failed] or ["None."]
    return "\n".join(lines) + "\n"


def _kinds(examples: list[Example]) -> list[str]:
    counts: dict[str, int] = {}
    for example in examples:
        for kind in {re.sub(r" at `.*$", "", t) for t in example.tolerances}:
            counts[kind] = counts.get(kind, 0) + 1
    return [f"| {kind} | {n} |" for kind, n in sorted(counts.items())]


def _figures(label: str, examples: list[Example]) -> str:
    success = sum(1 for e in examples if e.status is not None and 200 <= e.status < 300)
    errors = sum(1 for e in examples if e.status is not None and e.status >= 400)
    ok = sum(1 for e in examples if not e.error)
    return f"| {label} | {len(examples)} | {success} | {errors} | {ok} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=default_spec_dir())
    parser.add_argument("--write", action="store_true", help=f"rewrite {REPORT.name}")
    args = parser.parse_args()
    specs = Specs.load(args.spec)
    examples = collect(specs)
    check(specs, examples)
    report = render(examples)
    if args.write:
        REPORT.write_text(report, encoding="utf-8")
    else:
        print(report)  # noqa: T201 -- a command-line tool


if __name__ == "__main__":
    main()
