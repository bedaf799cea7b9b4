"""What a call returns: status, headers, body, and how the collection was paged."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import msgspec

from katana_core import PaginationInfo, UnexpectedResponse, snippet

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
        "_build",
        "_content",
        "_json",
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
        content: bytes | Callable[[], bytes],
        method: str,
        path: str,
        pagination: PaginationInfo | None = None,
        pages: int = 1,
        truncated_pages: int = 0,
        duplicates_dropped: int = 0,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        # A merged body is built on first use: a caller that never reads it (or
        # reads only ``json()`` of a small one) skips copying every page again.
        if callable(content):
            self._content: bytes | None = None
            self._build: Callable[[], bytes] | None = content
        else:
            self._content = content
            self._build = None
        self.method = method
        self.path = path
        self.pagination = pagination
        self.pages = pages
        self.truncated_pages = truncated_pages
        self.duplicates_dropped = duplicates_dropped
        self._json: Any = _UNREAD

    @property
    def content(self) -> bytes:
        """The body; for an auto-paginated GET, the merged body."""
        if self._content is None:
            assert self._build is not None
            self._content, self._build = self._build(), None
        return self._content

    @content.setter
    def content(self, value: bytes) -> None:
        # ``content`` was a plain attribute before the merged body became lazy.
        self._content, self._build = value, None

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The decoded body; ``None`` for an empty body (Katana's 204s).

        A body that is not JSON (cut short, or a proxy's page sent as a 200) raises
        :class:`UnexpectedResponse` with a snippet of it.
        """
        if self._json is _UNREAD:
            try:
                content = self.content
                self._json = _decode(content) if content else None
            except msgspec.DecodeError:
                raise UnexpectedResponse(
                    f"the body of {self.method} {self.path} is not valid JSON",
                    status_code=self.status_code,
                    snippet=snippet(self.content),
                ) from None
        return self._json

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}] {self.method} {self.path}>"


_UNREAD: Any = object()

# Bodies from this size up are decoded with the cyclic garbage collector paused.
_PAUSE_GC_FROM = 1 << 20


def _decode(content: bytes) -> Any:
    """``msgspec.json.decode``, with the cyclic GC paused for large bodies.

    Decoding a merged collection creates one dict per record, and every few hundred
    new containers the collector walks the young ones, and now and then the whole
    heap, which holds the records decoded so far: at 100,000 records that roughly
    doubles the decode time (about 1.1 s against 0.55 s here). Nothing the decode
    creates can be cyclic garbage, and the decode is one C call holding the GIL, so
    no other thread runs while the collector is paused. Not done where there is no
    GIL (free-threaded builds), nor when the caller already turned the GC off.
    """
    gil = getattr(sys, "_is_gil_enabled", None)
    if len(content) < _PAUSE_GC_FROM or not gc.isenabled() or (gil and not gil()):
        return msgspec.json.decode(content)
    gc.disable()
    try:
        return msgspec.json.decode(content)
    finally:
        gc.enable()
