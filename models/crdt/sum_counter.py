"""A broken G-Counter whose merge adds the entries instead of taking the larger.

Adding counts each increment once per merge, so merging a state with itself doubles it:
``modelcheck prove crdt models/crdt/sum_counter.py`` refutes idempotence (and inflation),
each with a countermodel replayed through this code.
"""

from __future__ import annotations

from models.crdt.g_counter import Counts, GCounter


class SumCounter(GCounter):
    """A counter whose merge adds the replicas' entries (broken: not idempotent)."""

    def merge(self, a: Counts, b: Counts) -> Counts:
        return tuple(x + y for x, y in zip(a, b, strict=True))
