"""The explored graph, as liveness needs it: its edges (:class:`Graph`, a CSR matrix of
successor and label numbers), recorded during a search or after one (:func:`collect_edges`);
the fairness groups each label takes (:class:`FairnessIndex`); and the components that
contain a loop (:func:`cyclic_components`, an iterative Tarjan). :mod:`.liveness` judges the
properties on them.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Sequence
from functools import partial
from typing import Any

from modelcheck.errors import ModelError, NondeterminismError
from modelcheck.fairness import Fairness
from modelcheck.model import Model
from modelcheck.trace import Trace, call_model, expand

__all__ = [
    "FairnessIndex",
    "Graph",
    "collect_edges",
    "cyclic_components",
    "lost_successor",
    "unhashable_label",
]

_DONE = 2**31 - 1


def unhashable_label(label: Any, trace: Trace | None) -> ModelError:
    """The error for an action label the liveness graph cannot keep (``trace`` reaches the
    state whose step has it)."""
    return ModelError(
        f"the action label {label!r} is not hashable: with fairness conditions, "
        "labels must be hashable (strings, numbers, tuples of them)",
        trace,
    )


def lost_successor(trace: Trace | None) -> NondeterminismError:
    """The error for a stored state whose successors, computed once more to build the
    liveness graph, include one the search never found (``trace`` reaches that state)."""
    return NondeterminismError(
        "the model is nondeterministic: re-running actions() on a stored state "
        "gave a successor the search never found",
        trace,
    )


class Graph:
    """The explored graph's edges: state ``i`` has edges ``off[i]`` to ``off[i + 1] - 1``;
    edge ``e`` leads to state ``succ[e]`` by action ``e - off[i]``, labelled
    ``labels[lab[e]]`` (labels are kept only when ``labelled``, i.e. when the model has
    fairness conditions).

    >>> g = Graph(labelled=True)
    >>> g.add_edge(1, "a"); g.add_edge(0, ("b", 2)); g.close_state()
    >>> g.add_edge(1, "a"); g.close_state()
    >>> list(g.succ), list(g.off), [g.labels[i] for i in g.lab]
    ([1, 0, 1], [0, 2, 3], ['a', ('b', 2), 'a'])
    """

    __slots__ = ("lab", "label_ids", "labelled", "labels", "off", "succ")

    def __init__(self, labelled: bool) -> None:
        self.labelled = labelled
        self.succ: array[int] = array("i")
        self.lab: array[int] = array("i")
        self.off: array[int] = array("i", [0])
        self.label_ids: dict[Any, int] = {}
        self.labels: list[Any] = []

    def label_id(self, label: Any) -> int:
        """The number of a label, numbered in order of first appearance."""
        number = self.label_ids.get(label)
        if number is None:
            number = self.label_ids[label] = len(self.labels)
            self.labels.append(label)
        return number

    def add_edge(self, target: int, label: Any) -> None:
        """Record the next edge of the state being expanded."""
        self.succ.append(target)
        if self.labelled:
            self.lab.append(self.label_id(label))

    def add_found_edge(
        self, target: int | None, label: Any, number: int, trace_to: Callable[[int], Trace]
    ) -> int:
        """Record the next edge of state ``number``, expanded once more after the search
        (``target``: the successor's number in the store, None if the store lacks it);
        return ``target``. A successor the search never found, or a label the graph cannot
        keep, is an error with the trace to state ``number``."""
        if target is None:
            raise lost_successor(trace_to(number))
        try:
            self.add_edge(target, label)
        except TypeError:
            raise unhashable_label(label, trace_to(number)) from None
        return target

    def close_state(self) -> None:
        """The state being expanded has no more edges; the next state's edges follow."""
        self.off.append(len(self.succ))

    def __len__(self) -> int:
        """The number of states whose edges are recorded."""
        return len(self.off) - 1


def collect_edges(
    model: Model[Any],
    states: Sequence[Any],
    index: dict[Any, int],
    trace_to: Callable[[int], Trace],
    labelled: bool,
) -> Graph:
    """The graph of a complete search that did not record it (depth-first search): every
    stored state is expanded once more (with the labels' numbers when ``labelled``: some
    fairness condition needs them)."""
    graph = Graph(labelled=labelled)
    for number, state in enumerate(states):
        for label, nxt in expand(model, state):
            graph.add_found_edge(index.get(nxt), label, number, trace_to)
        graph.close_state()
    return graph


class FairnessIndex:
    """The fairness conditions split into instances (one per ``per`` key seen), and for each
    label the bit mask of the instances it belongs to."""

    def __init__(self, conditions: Sequence[Fairness], labels: Sequence[Any]) -> None:
        self.conditions = tuple(conditions)
        self.instances: list[tuple[int, Hashable]] = []
        self.masks: list[int] = []
        self.weak = 0
        self.strong = 0
        ids: dict[tuple[int, Hashable], int] = {}
        for label in labels:
            mask = 0
            for number, cond in enumerate(self.conditions):
                member = call_model(partial(cond.includes, label), "a fairness group")
                if not member:
                    continue
                key: Hashable = None
                if cond.per is not None:
                    per = cond.per
                    key = call_model(partial(per, label), "a fairness per= key")
                    try:
                        hash(key)
                    except TypeError:
                        raise ModelError(
                            f"fairness per= gave the unhashable key {key!r} for label "
                            f"{label!r}: keys must be hashable"
                        ) from None
                inst = ids.get((number, key))
                if inst is None:
                    inst = ids[(number, key)] = len(self.instances)
                    self.instances.append((number, key))
                    if cond.kind == "weak":
                        self.weak |= 1 << inst
                    else:
                        self.strong |= 1 << inst
                mask |= 1 << inst
            self.masks.append(mask)
        self.any = self.weak | self.strong

    def enabled(self, graph: Graph, v: int) -> int:
        """The instances enabled in state ``v``: those of its edges that change the state."""
        if not self.any:
            return 0
        succ, lab, masks = graph.succ, graph.lab, self.masks
        mask = 0
        for e in range(graph.off[v], graph.off[v + 1]):
            if succ[e] != v:
                mask |= masks[lab[e]]
        return mask


def cyclic_components(
    off: Sequence[int],
    succ: Sequence[int],
    allowed: bytearray,
    roots: Iterable[int],
    index: array[int],
    low: array[int],
) -> list[list[int]]:
    """The strongly connected components, among the ``allowed`` states reachable from
    ``roots`` through allowed states, that contain a loop (two states or more, or one with
    an edge to itself). Iterative Tarjan; ``index`` and ``low`` are scratch arrays of zeros
    as long as the graph, left with ``index[v] != 0`` forevery state visited.

    >>> off, succ = [0, 1, 3, 4, 4], [1, 2, 0, 2, 3]
    >>> index, low = array("i", [0] * 4), array("i", [0] * 4)
    >>> cyclic_components(off, succ, bytearray(b"\\1" * 4), range(4), index, low)
    [[2], [1, 0]]
    """
    out: list[list[int]] = []
    stack: list[int] = []
    loops: set[int] = set()
    counter = 0
    for root in roots:
        if index[root] or not allowed[root]:
            continue
        counter += 1
        index[root] = low[root] = counter
        stack.append(root)
        frames = [root]
        ptrs = [off[root]]
        while frames:
            v = frames[-1]
            p = ptrs[-1]
            end = off[v + 1]
            while p < end:
                w = succ[p]
                p += 1
                if w == v:
                    loops.add(v)
                    continue
                if not allowed[w]:
                    continue
                iw = index[w]
                if not iw:
                    ptrs[-1] = p
                    counter += 1
                    index[w] = low[w] = counter
                    stack.append(w)
                    frames.append(w)
                    ptrs.append(off[w])
                    break
                if iw < low[v]:  # on the stack (finished states have index _DONE)
                    low[v] = iw
            else:
                frames.pop()
                ptrs.pop()
                lv = low[v]
                if lv == index[v]:
                    if stack[-1] == v:
                        stack.pop()
                        index[v] = _DONE
                        if v in loops:
                            out.append([v])
                    else:
                        comp = []
                        while True:
                            w = stack.pop()
                            index[w] = _DONE
                            comp.append(w)
                            if w == v:
                                break
                        out.append(comp)
                if frames:
                    u = frames[-1]
                    if lv < low[u]:
                        low[u] = lv
    return out
