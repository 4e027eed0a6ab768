"""The ring of :mod:`models.symbolic.ring` with one conjunct of its inductive invariant
missing: ``pending_passes_max`` (an id in flight has passed only smaller nodes).

Without it the invariant is not inductive: ``modelcheck prove inductive
models/symbolic/ring_missing_conjunct.py`` shows a counterexample to induction, a state
that satisfies the other conjuncts (but is not reachable) whose successor by ``recv`` does
not.
"""

from __future__ import annotations

from typing import ClassVar

from models.symbolic.ring import RingLeader


class RingMissingConjunct(RingLeader):
    """Ring leader election with the invariant about ids in flight left out (not inductive)."""

    inductive: ClassVar[tuple[str, ...]] = ("one_leader", "leader_max", "self_pending_max")
