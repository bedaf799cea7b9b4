"""Which resources exist, what operations they have and which filters they take.

Read from the generated operation table (:data:`katana_core.models.OPERATIONS`):
a resource is the first path segment, as in ``client.api.<resource>``; its list is
the paginated ``GET /<resource>``, whose query parameters (paging left out) are
what ``katana export --filter`` accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from katana_core.models import OPERATIONS, Operation

__all__ = ["PAGING_PARAMS", "ResourceInfo", "ResourceTable", "load_resources"]

# Set by the export itself; never filters.
PAGING_PARAMS = frozenset({"page", "limit"})


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

    def get(self, name: str) -> ResourceInfo | None:
        return self.resources.get(name.strip("/"))


def _from_operations(operations: Iterable[Operation]) -> dict[str, ResourceInfo]:
    grouped: dict[str, list[Operation]] = {}
    for operation in operations:
        grouped.setdefault(operation.resource, []).append(operation)

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
            names = (param.name for param in listing.query)
            filters = tuple(n for n in names if n not in PAGING_PARAMS)
        table[name] = ResourceInfo(
            name=name,
            operations=tuple(f"{op.method} {op.path}" for op in ops),
            list_path=None if listing is None else f"/{name}",
            filters=filters,
        )

    return table


def load_resources() -> ResourceTable:
    """Every resource of the operation table."""
    return ResourceTable(_from_operations(OPERATIONS))
