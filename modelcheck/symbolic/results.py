"""What the symbolic checks return: verdicts, countermodels, counterexamples to induction.

Statuses of a proof obligation: ``proved`` (z3 showed there is no counterexample),
``refuted`` (with a concrete counterexample) and ``unknown`` (z3 gave up: a time limit, or
a formula outside what it decides). ``unknown`` is never counted as proved. Exit codes
follow :mod:`modelcheck.result`: 0 everything proved, 1 something refuted, 3 nothing
refuted but something unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from modelcheck.result import EXIT_HOLDS, EXIT_UNKNOWN, EXIT_VIOLATED
from modelcheck.trace import Trace

__all__ = [
    "BmcReport",
    "BmcResult",
    "Countermodel",
    "CrdtReport",
    "InductionReport",
    "LawResult",
    "Obligation",
    "ProofStatus",
    "exit_code",
]

ProofStatus = Literal["proved", "refuted", "unknown"]


def exit_code(statuses: Iterable[str]) -> int:
    """1 if any status is a failure (refuted or violated), else 3 if any is unknown, else 0."""
    seen = set(statuses)
    if seen & {"refuted", "violated"}:
        return EXIT_VIOLATED
    if "unknown" in seen:
        return EXIT_UNKNOWN
    return EXIT_HOLDS


@dataclass(frozen=True)
class Countermodel:
    """Concrete values that break a law, and both sides of its equation on them.

    ``inputs`` are ``(name, value)`` pairs (states and update arguments); ``lhs``/``rhs``
    are ``(expression, value)`` pairs, computed by the concrete implementation (and equal
    to what z3 computed for them: a countermodel is only reported once they agree).
    """

    inputs: tuple[tuple[str, Any], ...]
    lhs: tuple[str, Any]
    rhs: tuple[str, Any]


@dataclass(frozen=True)
class LawResult:
    """The verdict on one CRDT law (over every combination of its enumerated arguments)."""

    name: str
    statement: str
    status: ProofStatus
    queries: int
    seconds: float
    countermodel: Countermodel | None = None
    reason: str = ""


@dataclass(frozen=True)
class CrdtReport:
    """Every law checked for one CRDT at a fixed number of replicas."""

    crdt: str
    replicas: int
    shape: str
    assumption: str
    laws: tuple[LawResult, ...]

    @property
    def exit_code(self) -> int:
        """0 all proved, 1 one refuted, 3 none refuted but one unknown."""
        return exit_code(law.status for law in self.laws)

    def status(self, name: str) -> ProofStatus:
        """The status of the law called ``name`` (KeyError if there is none)."""
        for law in self.laws:
            if law.name == name:
                return law.status
        raise KeyError(name)


@dataclass(frozen=True)
class Obligation:
    """One induction obligation: initiation, or consecution for one action.

    ``cti`` is the counterexample: for initiation an initial state that breaks the
    invariant (one step), for an action a state satisfying the invariant and its successor
    that does not (two steps). ``broken`` names the conjuncts false in its last state.
    """

    name: str
    statement: str
    status: ProofStatus
    seconds: float
    cti: Trace | None = None
    broken: tuple[str, ...] = ()
    sizes: tuple[tuple[str, int], ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class InductionReport:
    """Whether the conjunction of ``invariants`` is inductive for a symbolic system."""

    system: str
    params: str
    invariants: tuple[str, ...]
    unbounded_sorts: tuple[str, ...]
    obligations: tuple[Obligation, ...]

    @property
    def exit_code(self) -> int:
        """0 inductive, 1 a counterexample to induction, 3 none found but one unknown."""
        return exit_code(o.status for o in self.obligations)


@dataclass(frozen=True)
class BmcResult:
    """Bounded model checking of one invariant.

    ``status`` is ``violated`` (``trace`` is a shortest counterexample, ``sizes`` the
    fewest elements of uninterpreted sorts found for it), ``holds`` (no
    violation, and no loop-free path is longer than the depth searched, so every reachable
    state was covered) or ``unknown``: no violation up to ``depth`` (``note`` says why that
    is no proof), or z3 gave up at ``depth`` (``reason`` says why).
    """

    name: str
    description: str
    status: Literal["violated", "holds", "unknown"]
    depth: int
    trace: Trace | None = None
    reason: str = ""
    sizes: tuple[tuple[str, int], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class BmcReport:
    """Bounded model checking of a symbolic system up to ``depth`` steps."""

    system: str
    params: str
    depth: int
    unbounded_sorts: tuple[str, ...]
    results: tuple[BmcResult, ...]
    seconds: float
    complete: bool = False

    @property
    def exit_code(self) -> int:
        """0 every invariant holds, 1 one is violated, 3 none violated but one is unknown."""
        return exit_code(r.status for r in self.results)
