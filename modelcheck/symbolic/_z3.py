"""The boundary with z3: contexts, solvers with time limits, and the types of z3 terms.

z3's Python API has no type information, so its terms are ``Any`` to mypy. The aliases here
name what a value is meant to be (:data:`Formula` for a Boolean term, :data:`Term` for any
term) so signatures elsewhere still say something. Every query runs in its own
:class:`z3.Context` with fixed random seeds, so the same question gets the same answer (and
the same countermodel) whatever was asked before it in the process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import z3

from modelcheck.errors import UsageError

__all__ = [
    "Answer",
    "Formula",
    "Term",
    "Verdict",
    "ask",
    "is_term",
    "new_context",
    "solver",
]

Term: TypeAlias = Any
"""A z3 expression (``z3.ExprRef``)."""

Formula: TypeAlias = Any
"""A z3 Boolean expression (``z3.BoolRef``)."""

Verdict = Literal["sat", "unsat", "unknown"]

z3.set_param("smt.random_seed", 0)
z3.set_param("sat.random_seed", 0)


def new_context() -> Any:
    """A fresh z3 context: terms made in it never meet terms of another query."""
    return z3.Context()


def solver(ctx: Any, timeout: float | None) -> Any:
    """A solver in ``ctx`` that gives up with ``unknown`` after ``timeout`` seconds."""
    s = z3.Solver(ctx=ctx)
    s.set("random_seed", 0)
    if timeout is not None:
        if timeout <= 0:
            raise UsageError(f"the time limit must be positive, not {timeout}")
        s.set("timeout", max(1, round(timeout * 1000)))
    return s


@dataclass(frozen=True)
class Answer:
    """What a solver said, why it said ``unknown`` (if it did) and how long it took."""

    verdict: Verdict
    reason: str
    seconds: float
    model: Any = None


def ask(s: Any) -> Answer:
    """Check ``s``; ``model`` is set when the answer is ``sat``."""
    start = time.perf_counter()
    result = s.check()
    seconds = time.perf_counter() - start
    if result == z3.sat:
        return Answer("sat", "", seconds, s.model())
    if result == z3.unsat:
        return Answer("unsat", "", seconds)
    reason = str(s.reason_unknown()) or "unknown"
    # z3 says "canceled" when a time limit stops an incremental solver, "timeout" otherwise
    return Answer("unknown", "timeout" if reason == "canceled" else reason, seconds)


def is_term(value: object) -> bool:
    """True for a z3 expression."""
    return isinstance(value, z3.ExprRef)
