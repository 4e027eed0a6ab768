"""The states of a fingerprint store, regenerated in number order: liveness without the
states kept (``--store fingerprint`` with liveness properties).

A fingerprint store keeps, per state, its fingerprint and its parent's number. After a
complete search the states are found again by replay: state ``i``'s successors are computed
and matched by fingerprint to the stored numbers; a successor whose parent is ``i``, met
for the first time among ``i``'s successors, is that state itself, held only until it is
expanded in turn (breadth-first: one level at a time). The same pass records the edges
(:class:`~modelcheck.explore.graph.Graph`), so the liveness judge works on the graph as
after an exact search. Afterwards the graph alone says which successor is which, so later
passes (one per liveness property, to evaluate its predicates) fingerprint nothing.

A lasso's states are found by their traces (:meth:`FingerprintStates.__getitem__`), and the
lasso is replayed and re-judged from scratch before it is reported, as always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from modelcheck.fingerprint import fingerprint
from modelcheck.trace import Trace

from .graph import Graph
from .store import FingerprintStore

__all__ = ["FingerprintStates", "collect_edges_by_fingerprint"]

#: A model's steps from a state: (label, successor) pairs in order.
Actions = Callable[[Any], Any]


class FingerprintStates(Sequence[Any]):
    """The states of a complete search over ``store`` as a read-only sequence, regenerated
    on demand: iterating replays the whole search along ``graph``'s edges (nothing kept but
    one level); an item is rebuilt along its trace (``state_at``) and kept."""

    def __init__(
        self,
        store: FingerprintStore,
        starts: Sequence[Any],
        actions: Actions,
        graph: Graph,
        state_at: Callable[[int], Any],
    ) -> None:
        self._store = store
        self._starts = starts
        self._actions = actions
        self._graph = graph
        self._state_at = state_at
        self._known: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._store)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            raise TypeError("the regenerated states are read one at a time")
        if not 0 <= index < len(self):
            raise IndexError(index)
        state = self._known.get(index)
        if state is None:
            state = self._known[index] = self._state_at(index)
        return state

    def __iter__(self) -> Iterator[Any]:
        off, succ, parent = self._graph.off, self._graph.succ, self._store.parent
        pending = dict(enumerate(self._starts))
        for number in range(len(self)):
            state = pending.pop(number)
            yield state
            base = off[number]
            for k, (_label, nxt) in enumerate(self._actions(state)):
                target = succ[base + k]
                if target > number and parent[target] == number and target not in pending:
                    pending[target] = nxt


def collect_edges_by_fingerprint(
    store: FingerprintStore,
    starts: Sequence[Any],
    actions: Actions,
    trace_to: Callable[[int], Trace],
    labelled: bool,
) -> Graph:
    """The graph of a complete search over ``store``: every state regenerated in number
    order (from ``starts``, the stored initial states) and expanded once more, each
    successor numbered by its fingerprint (with the labels' numbers when ``labelled``)."""
    graph = Graph(labelled=labelled)
    parent, number_of = store.parent, store.number_of
    pending = dict(enumerate(starts))
    for number in range(len(store)):
        state = pending.pop(number)
        for label, nxt in actions(state):
            target = graph.add_found_edge(number_of(fingerprint(nxt)), label, number, trace_to)
            if target > number and parent[target] == number and target not in pending:
                pending[target] = nxt
        graph.close_state()
    return graph
