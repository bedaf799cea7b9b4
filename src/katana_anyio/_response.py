"""What a call returns: status, headers, body, and how the collection was paged."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgspec

from katana_core import PaginationInfo

__all__ = ["Headers", "Response"]


class Headers(Mapping[str, str]):
    """Response headers, looked up case-insensitively; repeated fields are joined."""

    __slots__ = ("_items",)

    def __init__(
        self, raw: Sequence[tuple[bytes, bytes]] | Mapping[str, str] = ()
    ) -> None:
        items: dict[str, str] = {}
        pairs = raw.items() if isinstance(raw, Mapping) else raw
        for key, value in pairs:
            name = key.decode("latin-1") if isinstance(key, bytes) else key
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            name = name.lower()
            items[name] = f"{items[name]}, {text}" if name in items else text
        self._items = items

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        # Response headers carry no credentials, but keep reprs short anyway.
        return f"<Headers {sorted(self._items)}>"


class Response:
    """A completed call.

    For an auto-paginated GET, ``content`` is the merged body (``{"data": [...]}``,
    or a bare list when Katana sent bare lists), ``pagination`` is page 1's
    ``X-Pagination``, ``pages`` the number of pages fetched and ``truncated_pages``
    the known pages that ``max_pages`` left out; ``duplicates_dropped`` counts
    records a later page repeated because the collection shifted during the walk.
    """

    __slots__ = (
        "_json",
        "content",
        "duplicates_dropped",
        "headers",
        "method",
        "pages",
        "pagination",
        "path",
        "status_code",
        "truncated_pages",
    )

    def __init__(
        self,
        *,
        status_code: int,
        headers: Headers,
        content: bytes,
        method: str,
        path: str,
        pagination: PaginationInfo | None = None,
        pages: int = 1,
        truncated_pages: int = 0,
        duplicates_dropped: int = 0,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.path = path
        self.pagination = pagination
        self.pages = pages
        self.truncated_pages = truncated_pages
        self.duplicates_dropped = duplicates_dropped
        self._json: Any = _UNREAD

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The decoded body; ``None`` for an empty body (Katana's 204s)."""
        if self._json is _UNREAD:
            self._json = msgspec.json.decode(self.content) if self.content else None
        return self._json

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}] {self.method} {self.path}>"


_UNREAD: Any = object()
