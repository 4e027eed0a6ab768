"""Observed-remove set (add-wins) over a small universe of elements.

The optimized OR-Set of Bieniusa et al. (2012): every add is tagged with a *dot*, a pair
(replica, n) where n counts that replica's adds; a remove deletes the dots it has seen, so
an add concurrent with a remove survives it (add wins). The state keeps, per element and
replica, only the latest live dot's number (0 for none), and a version vector of the dots
seen. Merge keeps a dot that both sides have, or that one side has and the other has not
yet seen.

    from models.crdt.or_set import ORSet
    s = ORSet()
    a = s.add(s.initial(2), "x", 0)      # replica 0 adds x
    b = s.remove(a, "x")                 # a replica that saw it removes it
    a2 = s.add(a, "x", 0)                # meanwhile replica 0 adds x again
    s.value(s.merge(a2, b))              # frozenset({'x'}): the concurrent add wins

The universe is fixed (``ELEMENTS``) so a state is a tuple of tuples; dot numbers are
unbounded integers. States are *valid* when no dot is newer than the version vector says
has been seen; the laws assume it, and it is proved that merge and updates keep it.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.symbolic import (
    CRDT,
    REPLICA,
    Int,
    OneOf,
    Shape,
    Tuple,
    Vector,
    all_,
    any_,
    insert,
    ite,
    max_,
    put,
    update,
)

ELEMENTS = ("x", "y")


class ORState(NamedTuple):
    """Version vector (dots seen per replica) and, per element and replica, the live dot."""

    seen: tuple[int, ...]
    dots: tuple[tuple[int, ...], ...]


def _merge_dot(a: int, b: int, seen_a: int, seen_b: int) -> int:
    """The live dot of one (element, replica) after a merge: kept if both sides have it,
    or if the side without it has not seen it yet."""
    newer = max_(a, b)
    unseen = ite(a > b, a > seen_b, b > seen_a)
    return ite(a == b, a, ite(unseen, newer, 0))


class ORSet(CRDT[ORState]):
    """Add-wins observed-remove set over the elements x and y (optimized OR-Set)."""

    def shape(self, replicas: int) -> Shape:
        vector = Vector(Int(), replicas)
        return Tuple(vector, Vector(vector, len(ELEMENTS)), cls=ORState)

    def initial(self, replicas: int) -> ORState:
        zeros = (0,) * replicas
        return ORState(zeros, (zeros,) * len(ELEMENTS))

    def merge(self, a: ORState, b: ORState) -> ORState:
        seen = tuple(max_(x, y) for x, y in zip(a.seen, b.seen, strict=True))
        dots = tuple(
            tuple(
                _merge_dot(x, y, sx, sy)
                for x, y, sx, sy in zip(row_a, row_b, a.seen, b.seen, strict=True)
            )
            for row_a, row_b in zip(a.dots, b.dots, strict=True)
        )
        return ORState(seen, dots)

    def value(self, state: ORState) -> frozenset[str]:
        members: frozenset[str] = frozenset()
        for element, row in zip(ELEMENTS, state.dots, strict=True):
            members = ite(any_(*(d > 0 for d in row)), insert(members, element), members)
        return members

    def valid(self, state: ORState) -> bool:
        return all_(
            *(n >= 0 for n in state.seen),
            *(
                all_(d >= 0, d <= n)
                for row in state.dots
                for d, n in zip(row, state.seen, strict=True)
            ),
        )

    @update(element=OneOf(ELEMENTS), replica=REPLICA)
    def add(self, state: ORState, element: str, replica: int) -> ORState:
        dot = state.seen[replica] + 1
        i = ELEMENTS.index(element)
        return ORState(
            put(state.seen, replica, dot), put(state.dots, i, put(state.dots[i], replica, dot))
        )

    @update(element=OneOf(ELEMENTS))
    def remove(self, state: ORState, element: str) -> ORState:
        i = ELEMENTS.index(element)
        return state._replace(dots=put(state.dots, i, (0,) * len(state.seen)))
