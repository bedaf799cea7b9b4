"""Which resources exist, what operations they have and which filters they take.

The table comes from the generated operation table (``katana_core.models``) when
the installed package has it. Without it, the command line falls back to the
emulator's resources and the filters the emulator understands, and says so; filters
are then not checked for resources outside that table.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PAGING_PARAMS", "ResourceInfo", "ResourceTable", "load_resources"]

# Set by the export itself; never filters.
PAGING_PARAMS = frozenset({"page", "limit"})

# What every emulated list accepts beyond its own field filters.
_EMULATOR_COMMON = (
    "ids",
    "include_deleted",
    "include_archived",
    "created_at_min",
    "created_at_max",
    "updated_at_min",
    "updated_at_max",
)


@dataclass(frozen=True)
class ResourceInfo:
    """One top-level resource: its operations and its list filters."""

    name: str
    # "GET /products", "PATCH /products/{id}", ... in table order.
    operations: tuple[str, ...]
    # The list endpoint, if the resource has a paginated one.
    list_path: str | None
    # The list endpoint's query filters (paging left out).
    filters: tuple[str, ...]


@dataclass(frozen=True)
class ResourceTable:
    """All known resources, and where the table came from."""

    resources: Mapping[str, ResourceInfo]
    # "operation table" or "emulator" (the fallback).
    source: str

    def get(self, name: str) -> ResourceInfo | None:
        return self.resources.get(name.strip("/"))


def _from_operations(operations: Iterable[Any]) -> dict[str, ResourceInfo]:
    grouped: dict[str, list[Any]] = {}
    for operation in operations:
        grouped.setdefault(str(operation.resource), []).append(operation)

    table = {}
    for name, ops in sorted(grouped.items()):
        listing = next(
            (
                op
                for op in ops
                if op.method == "GET" and op.path == f"/{name}" and op.paginated
            ),
            None,
        )
        filters: tuple[str, ...] = ()
        if listing is not None:
            names = (str(param.name) for param in listing.query)
            filters = tuple(n for n in names if n not in PAGING_PARAMS)
        table[name] = ResourceInfo(
            name=name,
            operations=tuple(f"{op.method} {op.path}" for op in ops),
            list_path=None if listing is None else f"/{name}",
            filters=filters,
        )

    return table


def _from_emulator() -> dict[str, ResourceInfo]:
    from .._emulator.resources import RESOURCES

    table = {}
    for name, spec in sorted(RESOURCES.items()):
        table[name] = ResourceInfo(
            name=name,
            operations=(
                f"GET /{name}",
                f"GET /{name}/{{id}}",
                f"POST /{name}",
                f"PATCH /{name}/{{id}}",
                f"DELETE /{name}/{{id}}",
            ),
            list_path=f"/{name}",
            filters=(*spec.filters, *_EMULATOR_COMMON),
        )

    return table


def load_resources() -> ResourceTable:
    """The operation table if this installation has it, else the emulator's."""
    try:
        models = importlib.import_module("katana_core.models")
    except ImportError:
        return ResourceTable(_from_emulator(), "emulator")

    return ResourceTable(_from_operations(models.OPERATIONS), "operation table")
