"""Positive-negative counter (PN-Counter): two G-Counters, one for increments and one for
decrements; the value is their difference.

    from models.crdt.pn_counter import PNCounter
    c = PNCounter()
    s = c.decrement(c.increment(c.initial(2), 0), 1)   # PN(p=(1, 0), n=(0, 1))
    c.value(s)                                         # 0
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.symbolic import CRDT, REPLICA, Int, Shape, Tuple, Vector, all_, max_, put, update


class PN(NamedTuple):
    """Increments and decrements, one count per replica each."""

    p: tuple[int, ...]
    n: tuple[int, ...]


def _join(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(max_(x, y) for x, y in zip(a, b, strict=True))


class PNCounter(CRDT[PN]):
    """Counter with increments and decrements: a pair of grow-only counters."""

    def shape(self, replicas: int) -> Shape:
        return Tuple(Vector(Int(), replicas), Vector(Int(), replicas), cls=PN)

    def initial(self, replicas: int) -> PN:
        return PN((0,) * replicas, (0,) * replicas)

    def merge(self, a: PN, b: PN) -> PN:
        return PN(_join(a.p, b.p), _join(a.n, b.n))

    def value(self, state: PN) -> int:
        return sum(state.p) - sum(state.n)

    def valid(self, state: PN) -> bool:
        return all_(*(count >= 0 for count in state.p + state.n))

    @update(replica=REPLICA, delta="increment_delta")
    def increment(self, state: PN, replica: int) -> PN:
        return state._replace(p=put(state.p, replica, state.p[replica] + 1))

    def increment_delta(self, state: PN, replica: int) -> PN:
        zeros = (0,) * len(state.p)
        return PN(put(zeros, replica, state.p[replica] + 1), zeros)

    @update(replica=REPLICA, delta="decrement_delta")
    def decrement(self, state: PN, replica: int) -> PN:
        return state._replace(n=put(state.n, replica, state.n[replica] + 1))

    def decrement_delta(self, state: PN, replica: int) -> PN:
        zeros = (0,) * len(state.n)
        return PN(zeros, put(zeros, replica, state.n[replica] + 1))
