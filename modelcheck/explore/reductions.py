"""Reductions: what the search's successor function goes through to store fewer states.

Each is a pure function of the state (and, for partial-order reduction, of what the store
holds), wrapped around ``actions`` before the loop runs, so that every store and frontier
takes it as it is:

- :func:`symmetric`: successors replaced by their class's representative
  (:meth:`~modelcheck.Model.canonical`);
- :func:`partial_order`: a persistent, invisible subset of each state's steps
  (:mod:`modelcheck.actors.por`), the properties judged on what they declare they read.

Each refuses, in one line, what it cannot serve. A reduction that learns, while searching,
that the states it has reduced so far were reduced on too small a premise (what a property
reads, found by tracing it) raises :class:`Restart`: the frontier starts the search over
with the same reduction, which keeps what it learnt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.properties import STEP, Property
from modelcheck.trace import Trace

if TYPE_CHECKING:
    from modelcheck.actors.por import PartialOrder

__all__ = ["GaveUp", "Restart", "partial_order", "symmetric"]


class GaveUp(Exception):
    """A shard's reduction met a step it does not support: its driver, meeting this in the
    search's order as one process meets the step, stops the reduction and starts the
    search over (an Exception, so that a shard reports it, in order, as it reports the
    model's errors)."""


class Restart(BaseException):
    """Start the search over: a reduction learnt something that the states reduced so far
    did not respect (a BaseException, so that the loops' ``except Exception``, which
    diagnoses model errors, lets it through)."""


#: A successor function: a state's (label, successor) pairs in order.
Actions = Callable[[Any], Any]


def symmetric(
    model: Model[Any], actions: Actions, liveness: Sequence[Property]
) -> tuple[Callable[[Any], Any], Actions]:
    """Symmetry reduction: (the representative of a state, ``actions`` with every successor
    made the representative of its class)."""
    if not model.has_symmetry():
        raise UsageError(
            f"{model.name} declares no symmetry: {model.symmetry_hint} to use --symmetry"
        )
    if liveness:
        names = ", ".join(p.name for p in liveness)
        raise UsageError(
            f"symmetry reduction cannot judge liveness properties ({names}): a cycle of "
            "representatives need not be a cycle of states, nor fair per node (TLC's "
            "is unsound here): run without --symmetry (or with --safety-only)"
        )
    canon = model.canonical

    def canonical_actions(state: Any) -> list[tuple[Any, Any]]:
        return [(label, canon(nxt)) for label, nxt in actions(state)]

    return canon, canonical_actions


def partial_order(
    model: Model[Any],
    strategy: str,
    properties: Sequence[Property],
    liveness: Sequence[Property],
    symmetry: bool,
    closes_cycle: Callable[[Any, Any], bool],
    trace_of: Callable[[Any], Trace | None],
) -> PartialOrder:
    """Partial-order reduction (actor systems): its ``actions`` expand a persistent subset
    of each state's steps; ``predicate(prop)`` judges a property on what it reads.
    ``closes_cycle(state, succ)`` asks the store for the cycle proviso."""
    from modelcheck.actors.por import PartialOrder

    if strategy not in ("bfs", "dfs"):
        raise UsageError(
            f"partial-order reduction applies to bfs and dfs, not {strategy}: it "
            "prunes the steps a search stores, and a walk stores none"
        )
    por = PartialOrder(model, properties, closes_cycle, trace_of)
    if liveness:
        names = ", ".join(p.name for p in liveness)
        raise UsageError(
            f"partial-order reduction is not supported with liveness properties ({names}): "
            "run without --por (or with --safety-only)"
        )
    if symmetry:
        raise UsageError("symmetry and partial-order reduction do not combine: use one")
    steps = [p.name for p in properties if p.kind == STEP]
    if steps:
        raise UsageError(
            f"partial-order reduction does not judge step properties ({', '.join(steps)}): "
            "run without --por (or leave them out with --property)"
        )
    return por
