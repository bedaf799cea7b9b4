"""The id set of a walk's dedupe answers exactly like a plain set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from katana_anyio._paging import _IdSet

IDS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=1_000_000, max_value=1_000_600),
    st.text(max_size=8),
)


@given(st.lists(IDS), st.lists(IDS))
def test_membership_matches_a_set(
    added: list[int | str], probes: list[int | str]
) -> None:
    seen = _IdSet()
    reference: set[int | str] = set()
    for key in [*added, *probes, *added]:
        assert seen.seen_before(key) == (key in reference)
        reference.add(key)


def test_neighbours_and_mask_edges_stay_apart() -> None:
    seen = _IdSet()
    edges = (0, 63, 64, -1, -64, -65, 2**64)
    assert not any(seen.seen_before(k) for k in edges)
    assert all(seen.seen_before(k) for k in edges)
    neighbours = (1, 62, 65, -2, -63, -66, 2**64 + 1, "0")
    assert not any(seen.seen_before(k) for k in neighbours)
