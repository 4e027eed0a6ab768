"""Numbering a level of a sharded search by ranges of keys (``--ray``): each shard numbers
the new states whose keys fall in its range, from an offset that is a prefix sum of the
ranges' counts, so that no shard reads every key.

A new state's key is ``parent_number << 32 | position``, its number its key's rank among
the level's keys (:mod:`.shard`). The level's parents are numbered ``offset`` to
``offset + size``; range ``r`` holds the keys whose parents are in the r-th of ``shards``
equal slices of them (:func:`bounds`). Each shard cuts its sorted keys at the bounds
(:func:`split`) and sends part ``r`` to shard ``r``, which ranks the parts it receives among
themselves (:func:`rank`); a key's number is then the number of keys in the ranges before
its own (the prefix sum the driver makes of the counts) plus its rank in its range. Every
key crosses to another shard at most once, and its rank (4 bytes) comes back: about 12
bytes a state whatever the number of shards, where reading every other shard's keys costs
8 bytes a state per other shard. The numbers are the merge's, so one process's.

>>> keys = [np.array(k, dtype=np.int64) for k in ([1 << 32, 4 << 32 | 1], [2 << 32, 5 << 32])]
>>> edges = bounds(0, 6, 2)
>>> parts = [split(k, edges) for k in keys]
>>> [len(p) for p in parts[0]], [len(p) for p in parts[1]]
([1, 1], [1, 1])
>>> [r.tolist() for r in rank([parts[0][0], parts[1][0]])]
[[0], [1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["Keys", "Ranks", "bounds", "rank", "split"]

Keys = npt.NDArray[np.int64]
Ranks = npt.NDArray[np.int32]

_POS_BITS = 32  # (as in :mod:`.shard`)


def bounds(offset: int, size: int, shards: int) -> list[int]:
    """The first key of each range but the first: the level's ``size`` parents, numbered
    from ``offset``, cut into ``shards`` slices as equal as can be."""
    return [(offset + r * size // shards) << _POS_BITS for r in range(1, shards)]


def split(keys: Keys, edges: Sequence[int]) -> list[Keys]:
    """Sorted ``keys`` cut at ``edges`` (from :func:`bounds`): one part per range."""
    cuts = np.searchsorted(keys, np.array(edges, dtype=np.int64)).tolist()
    return [keys[lo:hi] for lo, hi in zip([0, *cuts], [*cuts, len(keys)], strict=True)]


def rank(parts: Sequence[Keys]) -> list[Ranks]:
    """Each part's keys' ranks among all of them (the parts are sorted, the keys distinct),
    in each part's order."""
    if not parts:
        return []
    merged = np.concatenate(parts)
    ranks = np.empty(len(merged), dtype=np.int32)
    ranks[np.argsort(merged, kind="stable")] = np.arange(len(merged), dtype=np.int32)
    ends = np.cumsum([len(p) for p in parts]).tolist()
    return [ranks[lo:hi] for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]
