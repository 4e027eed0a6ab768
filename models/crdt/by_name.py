"""A CRDT's state with its replica axes keyed by node name, so that renaming nodes renames it.

The CRDTs of ``models/crdt/`` are written once for both worlds (concrete and z3), so their
states are positional: a G-Counter's is one count per replica *number*. Over the network a
replica is a node, and the engine's declared node symmetry (``--symmetry``) renames node
names inside states; a count at position 0 would stay at position 0 and still mean "a".
:class:`ByName` turns every tuple that has one entry per replica (found from the CRDT's
``shape``: the vectors whose length follows the number of replicas) into a frozenset of
``(node name, entry)`` pairs, and back, so a replica keeps its state by name and computes
with the CRDT's own code on the positional form.

>>> from models.crdt.g_counter import GCounter
>>> names = ByName(GCounter(), ("a", "b"))
>>> state = names.named((1, 0))
>>> sorted(state)
[('a', 1), ('b', 0)]
>>> names.positional(state)
(1, 0)
"""

from __future__ import annotations

from typing import Any

from modelcheck.errors import ModelError
from modelcheck.symbolic import CRDT
from modelcheck.symbolic.shapes import Shape, Tuple, Vector

__all__ = ["ByName"]


class ByName:
    """Converts the states of ``crdt`` on the replicas ``names`` (in replica order) between
    the positional form and the form keyed by name."""

    def __init__(self, crdt: CRDT[Any], names: tuple[str, ...]) -> None:
        self.names = names
        self._index = {name: i for i, name in enumerate(names)}
        self._shape = crdt.shape(len(names))
        # A vector is a replica axis if it grows with the number of replicas.
        self._wider = crdt.shape(len(names) + 1)

    def named(self, state: Any) -> Any:
        """``state`` with every replica axis a frozenset of (name, entry) pairs."""
        return self._walk(self._shape, self._wider, state, True)

    def positional(self, state: Any) -> Any:
        """The CRDT's own (positional) form of a state :meth:`named` made."""
        return self._walk(self._shape, self._wider, state, False)

    def _walk(self, shape: Shape, wider: Shape, value: Any, named: bool) -> Any:
        if isinstance(shape, Vector) and isinstance(wider, Vector):
            axis = shape.length != wider.length
            if axis and not named:
                value = self._by_position(value)
            items = [self._walk(shape.of, wider.of, v, named) for v in value]
            if axis and named:
                return frozenset(zip(self.names, items, strict=True))
            return tuple(items)
        if isinstance(shape, Tuple) and isinstance(wider, Tuple):
            parts = zip(shape.items, wider.items, value, strict=True)
            items = [self._walk(s, w, v, named) for s, w, v in parts]
            make = getattr(shape.cls, "_make", tuple)
            return make(items)
        return value

    def _by_position(self, pairs: frozenset[tuple[str, Any]]) -> list[Any]:
        """A replica axis's (name, entry) pairs as the entries in replica order."""
        entries: list[Any] = [None] * len(self.names)
        for name, entry in pairs:
            entries[self._index[name]] = entry
        if len(pairs) != len(self.names) or any(entry is None for entry in entries):
            raise ModelError(f"{sorted(pairs)} is not one entry for each of {self.names}")
        return entries
