"""A broken OR-Set whose remove is not an observed remove: merge ignores the causal context.

The state is the optimized OR-Set's (:mod:`models.crdt.or_set`): a version vector, and per
element and replica the live dot. ``remove`` deletes the element's dots as before, but this
merge never asks whether the other side has *seen* a dot it lacks: it keeps the newer dot of
every (element, replica), as if a missing dot were always one not yet received. A dot that
was removed and a dot that has not arrived look the same, so the next merge with a replica
that still holds the element brings it back, and a remove is undone.

Merge is still a semilattice (an entry-wise maximum), but ``remove`` is no inflation:
``modelcheck prove crdt models/crdt/or_set_no_context.py`` refutes that law, with a
countermodel replayed through this code.
"""

from __future__ import annotations

from modelcheck.symbolic import max_
from models.crdt.or_set import ORSet, ORState


class ORSetNoContext(ORSet):
    """OR-Set whose merge keeps the newer dot, seen or not (broken: removes come undone)."""

    def merge(self, a: ORState, b: ORState) -> ORState:
        seen = tuple(max_(x, y) for x, y in zip(a.seen, b.seen, strict=True))
        dots = tuple(
            tuple(max_(x, y) for x, y in zip(row_a, row_b, strict=True))
            for row_a, row_b in zip(a.dots, b.dots, strict=True)
        )
        return ORState(seen, dots)
