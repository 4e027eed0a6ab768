"""Grow-only counter (G-Counter): one count per replica; merge takes the larger of each.

The concrete implementation is the class itself, on plain tuples::

    from models.crdt.g_counter import GCounter
    c = GCounter()
    a = c.increment(c.initial(3), 0)   # (1, 0, 0)
    b = c.increment(c.initial(3), 2)   # (0, 0, 1)
    c.value(c.merge(a, b))             # 2

``modelcheck prove crdt models/crdt/g_counter.py`` proves the semilattice laws, that
``increment`` is an inflation and that its delta (only the replica's own entry) is sound,
for every state of 3 replicas. Counts are never negative (``valid``): the delta law needs
it, since a delta's other entries are 0.
"""

from __future__ import annotations

from modelcheck.symbolic import CRDT, REPLICA, Int, Shape, Vector, all_, max_, put, update

Counts = tuple[int, ...]


class GCounter(CRDT[Counts]):
    """Grow-only counter: one count per replica, merged by taking the larger of each."""

    def shape(self, replicas: int) -> Shape:
        return Vector(Int(), replicas)

    def initial(self, replicas: int) -> Counts:
        return (0,) * replicas

    def merge(self, a: Counts, b: Counts) -> Counts:
        return tuple(max_(x, y) for x, y in zip(a, b, strict=True))

    def value(self, state: Counts) -> int:
        return sum(state)

    def valid(self, state: Counts) -> bool:
        return all_(*(count >= 0 for count in state))

    @update(replica=REPLICA, delta="increment_delta")
    def increment(self, state: Counts, replica: int) -> Counts:
        return put(state, replica, state[replica] + 1)

    def increment_delta(self, state: Counts, replica: int) -> Counts:
        """Only the replica's own, new entry."""
        return put((0,) * len(state), replica, state[replica] + 1)
