"""Ranked search over names and SKUs, done on the client.

Katana's ``name`` filter matches a whole name exactly and there is no search
endpoint for items, so the helpers fetch the collection and rank it here.

Theory of operation
-------------------
Each record offers its searchable texts in priority order (a product's name, then
its variants' SKUs; a variant's SKU, then its display name). Text and query are
compared case-folded with runs of whitespace collapsed. A text matches the query
in one of four tiers, best first:

``EXACT``   the text equals the query;
``PREFIX``  the text starts with the query;
``TOKENS``  every whitespace-separated query token occurs inside the text;
``FUZZY``   every word of the query is close to some word of the text
            (``difflib`` ratio of at least :data:`FUZZY_CUTOFF`), so "widgit"
            finds "Widget".

A record's best text decides its place: tier first, then the text's priority,
then (fuzzy only) the mean similarity, then the shorter text (a tighter match),
then the smaller id, then the order the records came in. Ties are therefore
broken the same way on every run. Records matching no text are left out; an empty
or blank query matches nothing.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final, TypeVar

from katana_core import InvalidRequest

__all__ = ["FUZZY_CUTOFF", "Tier", "match", "normalize", "rank"]

T = TypeVar("T")

# High enough that unrelated short words do not match ("bolt" vs "belt" is 0.75,
# one letter in four), low enough for one typo in a six-letter word (0.83).
FUZZY_CUTOFF: Final = 0.75

_WORDS = re.compile(r"[^\W_]+")


class Tier(enum.IntEnum):
    """How well a text matches a query; larger is better."""

    FUZZY = 1
    TOKENS = 2
    PREFIX = 3
    EXACT = 4


def normalize(text: str) -> str:
    """Case-folded, with runs of whitespace collapsed to one space."""
    return " ".join(text.casefold().split())


def _similarity(query_words: list[str], text: str) -> float | None:
    words = _WORDS.findall(text)
    if not query_words or not words:
        return None

    best = [
        max(difflib.SequenceMatcher(None, q, w).ratio() for w in words)
        for q in query_words
    ]
    if min(best) < FUZZY_CUTOFF:
        return None

    return sum(best) / len(best)


def match(query: str, text: str | None) -> tuple[Tier, float] | None:
    """The tier and similarity (1.0 unless fuzzy) of ``text`` for ``query``."""
    q, t = normalize(query), normalize(text or "")
    if not q or not t:
        return None
    if t == q:
        return Tier.EXACT, 1.0
    if t.startswith(q):
        return Tier.PREFIX, 1.0
    if all(token in t for token in q.split(" ")):
        return Tier.TOKENS, 1.0

    similarity = _similarity(_WORDS.findall(q), t)
    if similarity is None:
        return None

    return Tier.FUZZY, similarity


def _best(
    query: str, texts: Sequence[str | None]
) -> tuple[int, int, float, int] | None:
    best: tuple[int, int, float, int] | None = None
    for priority, text in enumerate(texts):
        found = match(query, text)
        if found is None:
            continue
        tier, similarity = found
        # Sorted ascending: negate what should come first when larger.
        key = (-tier, priority, -similarity, len(text or ""))
        if best is None or key < best:
            best = key

    return best


def checked_query(query: object) -> str:
    """The search text, or :class:`InvalidRequest` when it is not text."""
    if not isinstance(query, str):
        raise InvalidRequest(f"a search query is text, got {type(query).__name__}")
    return query


def rank(
    records: Iterable[T],
    query: str,
    texts: Callable[[T], Sequence[str | None]],
    record_id: Callable[[T], int | None],
    *,
    limit: int = 50,
) -> list[T]:
    """The records matching ``query``, best first, at most ``limit`` of them."""
    query = checked_query(query)
    if limit < 0:
        raise InvalidRequest(f"limit must be >= 0, got {limit}")
    if not normalize(query) or limit == 0:
        return []

    scored = []
    for position, record in enumerate(records):
        key = _best(query, texts(record))
        if key is not None:
            ident = record_id(record)
            missing_id = ident is None
            scored.append((*key, missing_id, ident or 0, position, record))

    scored.sort(key=lambda row: row[:7])

    return [row[7] for row in scored[:limit]]
