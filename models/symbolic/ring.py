"""Leader election on a ring, any size (the classic Ivy / mypyvy ``ring``).

Nodes sit on a ring (``btw(a, b, c)``: going round from ``a`` one meets ``b`` before
``c``) and are totally ordered (``le``; a node is its own id). A node sends its id to the
next node; a node receiving an id larger than its own passes it on, a smaller one it drops,
and its own id back makes it the leader. Messages are a set and may be received many times.

The goal is ``one_leader`` (at most one leader). It is not inductive alone, nor with
``leader_max`` (a leader has the largest id): the proof needs what messages in flight
satisfy, ``self_pending_max`` and ``pending_passes_max``. Their conjunction is inductive
for rings of every size: ``modelcheck prove inductive models/symbolic/ring.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import z3

from modelcheck.symbolic import Formula, State, System, Term, action, forall, invariant, safety


class RingLeader(System):
    """Chang-Roberts leader election on a ring of any size."""

    inductive: ClassVar[tuple[str, ...]] = (
        "one_leader",
        "leader_max",
        "self_pending_max",
        "pending_passes_max",
    )

    def setup(self) -> None:
        self.node = self.sort("node")
        self.le = self.relation("le", self.node, self.node, rigid=True)
        self.btw = self.relation("btw", self.node, self.node, self.node, rigid=True)
        self.leader = self.relation("leader", self.node)
        self.pending = self.relation("pending", self.node, self.node)

    def axioms(self, s: State) -> list[Formula]:
        n3 = [self.node] * 3
        le, btw = s.le, s.btw
        return [
            forall(self.node, lambda x: le(x, x)),
            forall(n3, lambda x, y, z: z3.Implies(z3.And(le(x, y), le(y, z)), le(x, z))),
            forall(n3[:2], lambda x, y: z3.Implies(z3.And(le(x, y), le(y, x)), x == y)),
            forall(n3[:2], lambda x, y: z3.Or(le(x, y), le(y, x))),
            forall(
                [self.node] * 4,
                lambda w, x, y, z: z3.Implies(z3.And(btw(w, x, y), btw(w, y, z)), btw(w, x, z)),
            ),
            forall(n3, lambda w, x, y: z3.Implies(btw(w, x, y), z3.Not(btw(w, y, x)))),
            forall(n3, lambda w, x, y: z3.Or(btw(w, x, y), btw(w, y, x), w == x, w == y, x == y)),
            forall(n3, lambda x, y, z: z3.Implies(btw(x, y, z), btw(y, z, x))),
        ]

    def init(self, s: State) -> Formula:
        return z3.And(
            forall(self.node, lambda n: z3.Not(s.leader(n))),
            forall([self.node] * 2, lambda a, b: z3.Not(s.pending(a, b))),
        )

    def _next(self, s: State, n: Term, nxt: Term) -> Formula:
        """``nxt`` follows ``n`` on the ring: no node is between them."""
        return z3.And(
            n != nxt,
            forall(self.node, lambda z: z3.Implies(z3.And(z != n, z != nxt), s.btw(n, nxt, z))),
        )

    @action("node", "node", modifies="pending")
    def send(self, s: State, t: State, n: Term, nxt: Term) -> Formula:
        """A node sends its id to the next node."""
        return z3.And(
            self._next(s, n, nxt),
            t.pending.becomes(lambda a, b: z3.Or(s.pending(a, b), z3.And(a == n, b == nxt))),
        )

    @action("node", "node", "node", modifies=("leader", "pending"))
    def recv(self, s: State, t: State, sender: Term, n: Term, nxt: Term) -> Formula:
        """A node receives an id: its own makes it leader, a larger one goes on."""

        def pending_after(forward: bool) -> Formula:
            # The message received may stay or go: that one pair is left unconstrained.
            def after(a: Term, b: Term) -> Formula:
                sent = z3.And(a == sender, b == nxt) if forward else False
                return z3.Implies(
                    z3.Not(z3.And(a == sender, b == n)),
                    t.pending(a, b) == z3.Or(s.pending(a, b), sent),
                )

            return forall([self.node] * 2, after)

        return z3.And(
            self._next(s, n, nxt),
            s.pending(sender, n),
            z3.If(
                sender == n,
                z3.And(
                    t.leader.becomes(lambda m: z3.Or(s.leader(m), m == n)), pending_after(False)
                ),
                z3.And(
                    t.leader.same_as(s.leader),
                    z3.If(s.le(n, sender), pending_after(True), pending_after(False)),
                ),
            ),
        )

    def show(self, state: Mapping[str, Any]) -> Mapping[str, Any]:
        """The rigid ``le`` and ``btw`` as two lists: ``order``, the nodes by increasing id,
        and ``ring``, the nodes in ring order (each followed by its next; the last by the
        first)."""
        le = [tuple(pair) for pair in state["le"]]
        nodes = [a for a, b in le if a == b]
        order = sorted(nodes, key=lambda n: sum(1 for a, b in le if b == n))
        btw = {tuple(triple) for triple in state["btw"]}
        ring = nodes[:1]
        while len(ring) < len(nodes):
            last = ring[-1]
            after = [
                m
                for m in nodes
                if m != last and all((last, m, z) in btw for z in nodes if z not in (last, m))
            ]
            if len(after) != 1 or after[0] in ring:
                return state  # not a ring: show the relations as they are
            ring.append(after[0])
        rest = {k: v for k, v in state.items() if k not in ("le", "btw")}
        return {"order": order, "ring": ring, **rest}

    @safety
    def one_leader(self, s: State) -> Formula:
        """At most one node is the leader."""
        return forall(
            [self.node] * 2, lambda a, b: z3.Implies(z3.And(s.leader(a), s.leader(b)), a == b)
        )

    @invariant
    def leader_max(self, s: State) -> Formula:
        """A leader has the largest id."""
        return forall([self.node] * 2, lambda top, n: z3.Implies(s.leader(top), s.le(n, top)))

    @invariant
    def self_pending_max(self, s: State) -> Formula:
        """Only the largest id can come back to its own node."""
        return forall([self.node] * 2, lambda top, n: z3.Implies(s.pending(top, top), s.le(n, top)))

    @invariant
    def pending_passes_max(self, s: State) -> Formula:
        """An id in flight has passed only smaller nodes."""
        return forall(
            [self.node] * 3,
            lambda src, n, dst: z3.Implies(
                z3.And(s.pending(src, dst), s.btw(src, n, dst)), s.le(n, src)
            ),
        )
