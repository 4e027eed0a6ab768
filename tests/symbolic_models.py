"""CRDTs and symbolic systems for the tests of modelcheck.symbolic: ones z3 cannot decide,
ones whose two meanings disagree, mutated two-phase commits for the BMC cross-check."""

from __future__ import annotations

from typing import Any

import z3

from modelcheck import always
from modelcheck.symbolic import (
    CRDT,
    Formula,
    Int,
    Shape,
    State,
    System,
    Term,
    Vector,
    action,
    all_,
    exists,
    forall,
    invariant,
    ite,
    max_,
    put,
)
from models.classic.two_phase import ABORTED, COMMITTED, PREPARED, TM_DONE
from models.classic.two_phase import TwoPhase as ExplicitTwoPhase
from models.symbolic.lock_server import LockServer
from models.symbolic.two_phase import TwoPhase as SymbolicTwoPhase

Counts = tuple[int, ...]


class _Counts(CRDT[Counts]):
    def shape(self, replicas: int) -> Shape:
        return Vector(Int(), replicas)

    def initial(self, replicas: int) -> Counts:
        return (0,) * replicas

    def value(self, state: Counts) -> int:
        return sum(state)


class FermatCounter(_Counts):
    """A max-counter that misbehaves only on positive a, b, c with a^3 + b^3 = c^3 (none)."""

    def merge(self, a: Counts, b: Counts) -> Counts:
        joined = tuple(max_(x, y) for x, y in zip(a, b, strict=True))
        cube = all_(
            a[0] > 0, a[1] > 0, a[0] * a[0] * a[0] + a[1] * a[1] * a[1] == a[2] * a[2] * a[2]
        )
        return ite(cube, put(joined, 0, joined[0] + 1), joined)


class TwoFacedCounter(_Counts):
    """Its concrete merge is max; on z3 terms it adds entries above 50 (a definition bug
    that sample states never reach, but a countermodel does)."""

    def merge(self, a: Counts, b: Counts) -> Counts:
        joined = tuple(max_(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a[0], int):
            return joined
        return tuple(ite(x > 50, x + y, j) for x, y, j in zip(a, b, joined, strict=True))


class PythonMaxCounter(_Counts):
    """Uses Python's max(): fine on numbers, meaningless on z3 terms."""

    def merge(self, a: Counts, b: Counts) -> Counts:
        return tuple(max(x, y) for x, y in zip(a, b, strict=True))


class ModuloCounter(_Counts):
    """Python's % and z3's mod differ on negative numbers: the sample check catches it."""

    def merge(self, a: Counts, b: Counts) -> Counts:
        return tuple(max_(x, y) % -3 for x, y in zip(a, b, strict=True))


class Cubes(System):
    """Three positive integers that never form a^3 + b^3 = c^3: z3 cannot tell."""

    def setup(self) -> None:
        self.a = self.constant("a", self.INT)
        self.b = self.constant("b", self.INT)
        self.c = self.constant("c", self.INT)

    def init(self, s: State) -> Formula:
        return z3.And(s.a == 1, s.b == 1, s.c == 1)

    @action(modifies=("a", "b", "c"))
    def jump(self, s: State, t: State) -> Formula:
        return z3.And(t.a > 0, t.b > 0, t.c > 0)

    @invariant
    def no_cubes(self, s: State) -> Formula:
        """No counterexample to Fermat's last theorem for cubes."""
        return s.a * s.a * s.a + s.b * s.b * s.b != s.c * s.c * s.c


class GreedyLockServer(LockServer):
    """The server grants the lock without holding it (broken)."""

    @action("node", modifies=("lock_msg", "server_holds_lock", "grant_msg"))
    def recv_lock(self, s: State, t: State, n: Term) -> Formula:
        return z3.And(
            s.lock_msg(n),
            z3.Not(t.server_holds_lock),
            t.lock_msg.becomes(lambda m: z3.And(s.lock_msg(m), m != n)),
            t.grant_msg.becomes(lambda m: z3.Or(s.grant_msg(m), m == n)),
        )


# -- two-phase commit with extra (false) invariants, explicit and symbolic --------------------


class ExplicitMutated(ExplicitTwoPhase):
    """TwoPhase with invariants that do not hold, to compare shortest counterexamples."""

    @always
    def NoCommit(self, state: Any) -> bool:
        return COMMITTED not in state[0]

    @always
    def TMNotDone(self, state: Any) -> bool:
        return bool(state[1] != TM_DONE)

    @always
    def PreparedNotAborted(self, state: Any) -> bool:
        return not (PREPARED in state[0] and ABORTED in state[0])

    @always
    def NotAllPrepared(self, state: Any) -> bool:
        return bool(state[2] != self.all_prepared)


class SymbolicMutated(SymbolicTwoPhase):
    """The same false invariants, symbolically."""

    @invariant
    def NoCommit(self, s: State) -> Formula:
        return forall(self.rm, lambda r: s.rmState(r) != self.committed)

    @invariant
    def TMNotDone(self, s: State) -> Formula:
        return s.tmState != self.tm_done

    @invariant
    def PreparedNotAborted(self, s: State) -> Formula:
        return z3.Not(
            z3.And(
                exists(self.rm, lambda r: s.rmState(r) == self.prepared),
                exists(self.rm, lambda r: s.rmState(r) == self.aborted),
            )
        )

    @invariant
    def NotAllPrepared(self, s: State) -> Formula:
        return z3.Not(forall(self.rm, lambda r: s.tmPrepared(r)))
