"""Last-writer-wins register: the write with the larger (stamp, writer) wins.

A write stamps itself one past the stamp of the state it overwrites (a Lamport clock), so a
replica's own write always wins over what it has seen. Two replicas can write concurrently
with the same stamp; the writer's replica number breaks the tie. The value itself is the
last tie-break: no two writes a run can make share a (stamp, writer), but comparing the
value too makes merge a maximum in a total order, so the laws hold for *every* state, not
only reachable ones.

    from models.crdt.lww_register import LWWRegister
    r = LWWRegister()
    a = r.assign(r.initial(2), 0, 7)   # Register(stamp=1, writer=0, value=7)
    b = r.assign(r.initial(2), 1, 9)   # Register(stamp=1, writer=1, value=9)
    r.value(r.merge(a, b))             # 9: same stamp, the larger writer wins
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.symbolic import CRDT, REPLICA, Int, Shape, Tuple, ite, lex_lt, update


class Register(NamedTuple):
    """The last write: its Lamport stamp, the replica that wrote it, the value."""

    stamp: int
    writer: int
    value: int


class LWWRegister(CRDT[Register]):
    """Last-writer-wins register of integers, ties broken by the writer's replica."""

    def shape(self, replicas: int) -> Shape:
        return Tuple(Int(), Int(), Int(), cls=Register)

    def initial(self, replicas: int) -> Register:
        return Register(0, -1, 0)

    def merge(self, a: Register, b: Register) -> Register:
        return ite(lex_lt(a, b), b, a)

    def value(self, state: Register) -> int:
        return state.value

    @update(replica=REPLICA, value=Int())
    def assign(self, state: Register, replica: int, value: int) -> Register:
        return Register(state.stamp + 1, replica, value)
