"""Add-wins last-writer-wins map (DeltaCrdt's AWLWWMap, the state under Horde.Registry).

What DeltaCrdt does: each key maps values-with-timestamps to sets of *dots* (replica, n),
and the causal context is a version vector (replica -> highest n seen). ``put`` removes every
dot of the key the replica has observed and adds one new dot carrying the value; ``remove``
removes only the observed dots, so a put the remover has not seen survives it (add wins).
Join, per key: keep the dots both sides have, and the dots one side has that the other has
not seen, ``(s1 & s2) | (s1 - c2) | (s2 - c1)``; a key left without dots is gone. When
concurrent puts leave several values for a key, a read takes the one with the largest
timestamp.

The representation: since a put removes every observed dot of its key, including the
replica's own earlier ones, a key holds at most one live dot per replica, the latest. So the
state is the optimized OR-Set's (:mod:`models.crdt.or_set`: a version vector, and per key
and replica the number of the live dot, 0 for none), and the join of dots *is*
``ORSet.merge``, reused here, with the value each dot carries beside it. The timestamp is
the writer's own dot counter (DeltaCrdt uses the node's clock: per node increasing, across
nodes arbitrary but the same on every replica); equal timestamps go to the larger replica.

    from models.crdt.aw_lww_map import AWLWWMap
    m = AWLWWMap()
    a = m.put(m.initial(2), "k", 1, 0)   # replica 0 maps k to 1
    b = m.put(m.initial(2), "k", 2, 1)   # concurrently, replica 1 maps k to 2
    m.value(m.merge(a, b))               # (('k', 2),): both puts survive, the later wins
    m.value(m.merge(m.remove(a, "k"), b))  # (('k', 2),): the remove did not see b's put

``modelcheck prove crdt models/crdt/aw_lww_map.py`` proves the semilattice laws and that
put and remove are inflations, for every valid state of 3 replicas (valid: no dot newer than
the version vector, and no value without a dot).
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
    implies,
    ite,
    max_,
    put,
    update,
)
from models.crdt.or_set import ORSet, ORState

KEYS = ("k", "j")


class AWState(NamedTuple):
    """The causal context, per key and replica the live dot, and the value it carries."""

    seen: tuple[int, ...]
    dots: tuple[tuple[int, ...], ...]
    values: tuple[tuple[int, ...], ...]


def _carried(merged: int, dot_a: int, dot_b: int, value_a: int, value_b: int) -> int:
    """The value beside a merged dot: the value of the side that holds that dot (0 if no dot
    is left; the larger if both hold it, which a run never produces with two values)."""
    held = ite(dot_a == dot_b, max_(value_a, value_b), ite(merged == dot_a, value_a, value_b))
    return ite(merged == 0, 0, held)


class AWLWWMap(CRDT[AWState]):
    """Add-wins LWW map from the keys k and j to integers (DeltaCrdt's AWLWWMap)."""

    def shape(self, replicas: int) -> Shape:
        table = Vector(Vector(Int(), replicas), len(KEYS))
        return Tuple(Vector(Int(), replicas), table, table, cls=AWState)

    def initial(self, replicas: int) -> AWState:
        zeros = (0,) * replicas
        return AWState(zeros, (zeros,) * len(KEYS), (zeros,) * len(KEYS))

    def merge(self, a: AWState, b: AWState) -> AWState:
        joined = ORSet().merge(ORState(a.seen, a.dots), ORState(b.seen, b.dots))
        values = tuple(
            tuple(
                _carried(m, da, db, va, vb)
                for m, da, db, va, vb in zip(mrow, arow, brow, varow, vbrow, strict=True)
            )
            for mrow, arow, brow, varow, vbrow in zip(
                joined.dots, a.dots, b.dots, a.values, b.values, strict=True
            )
        )
        return AWState(joined.seen, joined.dots, values)

    def value(self, state: AWState) -> tuple[tuple[str, int], ...]:
        """The keys that have a live dot, each with the value of its latest (dot, replica)."""
        out = []
        for key, dots, values in zip(KEYS, state.dots, state.values, strict=True):
            live = [(dot, r, v) for r, (dot, v) in enumerate(zip(dots, values, strict=True))]
            live = [entry for entry in live if entry[0] > 0]
            if live:
                out.append((key, max(live)[2]))
        return tuple(out)

    def valid(self, state: AWState) -> bool:
        return all_(
            ORSet().valid(ORState(state.seen, state.dots)),
            *(
                implies(d == 0, v == 0)
                for drow, vrow in zip(state.dots, state.values, strict=True)
                for d, v in zip(drow, vrow, strict=True)
            ),
        )

    @update(key=OneOf(KEYS), value=Int(), replica=REPLICA)
    def put(self, state: AWState, key: str, value: int, replica: int) -> AWState:
        """Map ``key`` to ``value``: every observed dot of the key goes, one new dot comes."""
        dot = state.seen[replica] + 1
        zeros = (0,) * len(state.seen)
        i = KEYS.index(key)
        return AWState(
            put(state.seen, replica, dot),
            put(state.dots, i, put(zeros, replica, dot)),
            put(state.values, i, put(zeros, replica, value)),
        )

    @update(key=OneOf(KEYS))
    def remove(self, state: AWState, key: str) -> AWState:
        """Remove ``key``: only the dots observed here go (the context keeps them seen)."""
        zeros = (0,) * len(state.seen)
        i = KEYS.index(key)
        return state._replace(dots=put(state.dots, i, zeros), values=put(state.values, i, zeros))
