"""Numbering a level by ranges of keys (:mod:`modelcheck.explore.numbering`): the numbers are
the ranks among every shard's keys, as merging all of them gives, and each key crosses to
at most one other shard, whatever the number of shards."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.explore.numbering import Keys, bounds, rank, split

POS = 32


def _by_ranges(keys: list[Keys], offset: int, size: int, following: int) -> tuple[list[Keys], int]:
    """Each shard's numbers as the shards and the driver compute them by ranges, and how
    many keys crossed to another shard."""
    shards = range(len(keys))
    edges = bounds(offset, size, len(keys))
    parts = [split(k, edges) for k in keys]  # [shard][range]
    ranks = [rank([parts[w][r] for w in shards]) for r in shards]  # [range][shard]
    totals = [sum(len(parts[w][r]) for w in shards) for r in shards]
    starts = [following + sum(totals[:r]) for r in shards]  # the driver's prefix sum
    numbers = [
        np.concatenate([starts[r] + ranks[r][w].astype(np.int64) for r in shards]) for w in shards
    ]
    moved = sum(len(parts[w][r]) for w in shards for r in shards if r != w)
    return numbers, moved


@settings(max_examples=200, deadline=None)
@given(
    offset=st.integers(0, 1000),
    size=st.integers(1, 60),
    shards=st.integers(1, 6),
    data=st.data(),
)
def test_numbers_by_ranges_are_the_merges(
    offset: int, size: int, shards: int, data: st.DataObject
) -> None:
    keys = data.draw(st.sets(st.tuples(st.integers(0, size - 1), st.integers(0, 5)), max_size=200))
    owners = data.draw(st.lists(st.integers(0, shards - 1), min_size=len(keys), max_size=len(keys)))
    own: list[list[int]] = [[] for _ in range(shards)]
    for (parent, pos), w in zip(sorted(keys), owners, strict=True):
        own[w].append((offset + parent) << POS | pos)
    per_shard = [np.array(k, dtype=np.int64) for k in own]  # each sorted
    following = offset + size
    everything = np.sort(np.concatenate(per_shard))
    numbers, moved = _by_ranges(per_shard, offset, size, following)
    for k, got in zip(per_shard, numbers, strict=True):
        assert got.tolist() == (following + np.searchsorted(everything, k)).tolist()
    assert moved <= len(keys)  # each key crosses once at most: 12 bytes with its rank
    if shards == 1:
        assert moved == 0


def test_ranges_split_the_parents_evenly() -> None:
    assert bounds(10, 7, 3) == [(10 + 2) << POS, (10 + 4) << POS]
    assert bounds(0, 5, 1) == []
    keys = np.array([10 << POS, 11 << POS | 3, 12 << POS, 16 << POS], dtype=np.int64)
    assert [p.tolist() for p in split(keys, bounds(10, 7, 3))] == [
        [10 << POS, 11 << POS | 3],
        [12 << POS],
        [16 << POS],
    ]
