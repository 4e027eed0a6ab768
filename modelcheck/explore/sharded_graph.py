"""The liveness graph of a search spread over shards (``--workers``, ``--ray``): each shard
records the edges of the states it owns, the coordinator puts them together and finds the
components after (:mod:`.liveness`).

After a complete search, every shard expands its own states once more, in parallel: a
successor it owns is numbered from its own books; the others are asked of their owners, one
batch per owner (:func:`queries`, :func:`answers`, :func:`edges`). The coordinator then
places each shard's edges at its states' numbers (:func:`assemble`): the same CSR arrays,
and the labels numbered in the same order of first appearance, as one process records, so
the components and lassos found after are one process's.

Where a shard cannot record an edge (the model raises, a label is not hashable, a successor
is nobody's: the model is nondeterministic), it says at which state, and the coordinator
records the graph itself in number order (:func:`~.graph.collect_edges`), which raises
that error with its trace exactly as one process would.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelcheck.model import Model

from .graph import Graph

__all__ = ["ShardEdges", "answers", "assemble", "edges", "queries"]

#: A state's owner: ``owner_of(state)`` is the shard that holds it.
OwnerOf = Callable[[Any], int]


@dataclass
class ShardEdges:
    """One shard's edges, while they are recorded: per own state (in number order) its
    number and how many edges it has; per edge its target (a number, or ``-1 - q`` for
    query ``q`` not answered yet) and its label's number among the shard's labels."""

    numbers: list[int]
    counts: array[int]
    targets: array[int]
    labels: list[Any]
    lab: array[int]
    asked: list[tuple[int, int]]  # per query q: (owner, its place in the batch to that owner)
    problem: int | None = None  # the first own state whose edges could not be recorded


def queries(
    model: Model[Any],
    me: int,
    shards: int,
    own: dict[Any, int],
    owner_of: OwnerOf,
    labelled: bool,
) -> tuple[ShardEdges, list[bytes | None]]:
    """Expand the own states (``own``: state -> number) once more; the edges so far, and per
    shard the batch of successors to ask it the numbers of (None for this one)."""
    numbers = sorted(own.values())
    states = sorted(own, key=own.__getitem__)
    found = ShardEdges(numbers, array("q"), array("q"), [], array("i"), [])
    batches: list[list[Any]] = [[] for _ in range(shards)]
    places: list[dict[Any, int]] = [{} for _ in range(shards)]
    label_ids: dict[Any, int] = {}
    actions, own_get = model.actions, own.get
    add_target, add_count, asked = found.targets.append, found.counts.append, found.asked
    try:
        for state in states:
            pairs = list(actions(state))
            for _label, nxt in pairs:
                target = own_get(nxt)
                if target is None:
                    w = owner_of(nxt)
                    if w == me:  # it should be here: the model is nondeterministic
                        raise LookupError(nxt)
                    place = places[w].setdefault(nxt, len(batches[w]))
                    if place == len(batches[w]):
                        batches[w].append(nxt)
                    target = -1 - len(asked)
                    asked.append((w, place))
                add_target(target)
            if labelled:
                for label, _nxt in pairs:
                    lid = label_ids.setdefault(label, len(label_ids))
                    if lid == len(found.labels):
                        found.labels.append(label)
                    found.lab.append(lid)
            add_count(len(pairs))
    except Exception:  # recorded again in one process, which raises the precise error
        found.problem = numbers[len(found.counts)]  # the states before it are done
    blobs: list[bytes | None] = [
        None if w == me else pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        for w, batch in enumerate(batches)
    ]
    return found, blobs


def answers(own: dict[Any, int], blobs: Sequence[bytes | None]) -> list[bytes | None]:
    """The numbers of the states other shards asked for (-1 for one not owned here), per
    asking shard."""
    replies: list[bytes | None] = []
    for blob in blobs:
        if blob is None:
            replies.append(None)
            continue
        asked: list[Any] = pickle.loads(blob)
        found = array("q", (own.get(state, -1) for state in asked))
        replies.append(found.tobytes())
    return replies


def edges(found: ShardEdges, replies: Sequence[bytes | None]) -> bytes:
    """The shard's edges, every target a number: (numbers, counts, targets, labels, lab)
    pickled, or the state where they could not be recorded."""
    numbers = {w: array("q", b) for w, b in enumerate(replies) if b is not None}
    targets = found.targets
    for e, target in enumerate(targets):
        if target < 0:
            w, place = found.asked[-1 - target]
            resolved = numbers[w][place]
            if resolved < 0 and found.problem is None:
                found.problem = _owning(found, e)
            targets[e] = resolved
    if found.problem is not None:
        return pickle.dumps(("problem", found.problem))
    parts = (
        np.array(found.numbers, dtype=np.int64).tobytes(),
        found.counts.tobytes(),
        targets.tobytes(),
        found.labels,
        found.lab.tobytes(),
    )
    return pickle.dumps(("edges", parts), protocol=pickle.HIGHEST_PROTOCOL)


def _owning(found: ShardEdges, edge: int) -> int:
    """The number of the own state that edge ``edge`` leaves."""
    ends = np.cumsum(np.frombuffer(found.counts, dtype=np.int64))
    return found.numbers[int(np.searchsorted(ends, edge, side="right"))]


def assemble(replies: Sequence[bytes], size: int, labelled: bool) -> Graph | int:
    """The graph of ``size`` states from every shard's :func:`edges`, or the smallest state
    number where a shard could not record its edges."""
    decoded = [pickle.loads(blob) for blob in replies]
    problems = [payload for kind, payload in decoded if kind == "problem"]
    if problems:
        return int(min(problems))
    parts = [payload for _kind, payload in decoded]
    numbers = [np.frombuffer(p[0], dtype=np.int64) for p in parts]
    counts = [np.frombuffer(p[1], dtype=np.int64) for p in parts]
    per_state = np.zeros(size, dtype=np.int64)
    for own, count in zip(numbers, counts, strict=True):
        per_state[own] = count
    off = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(per_state, out=off[1:])
    total = int(off[-1])
    succ = np.empty(total, dtype=np.int32)
    combined = np.empty(total if labelled else 0, dtype=np.int64)
    base = 0  # each shard's labels numbered after the previous shards'
    for own, count, part in zip(numbers, counts, parts, strict=True):
        # Edge k of the shard goes to the place of its state's edges in the whole graph.
        local = np.zeros(len(count) + 1, dtype=np.int64)
        np.cumsum(count, out=local[1:])
        places = np.repeat(off[own] - local[:-1], count) + np.arange(int(local[-1]))
        succ[places] = np.frombuffer(part[2], dtype=np.int64)
        if labelled:
            combined[places] = np.frombuffer(part[4], dtype=np.int32).astype(np.int64) + base
            base += len(part[3])
    graph = Graph(labelled=labelled)
    graph.succ = array("i", succ.tobytes())
    graph.off = array("i", off.astype(np.int32).tobytes())
    if labelled:
        labels = [label for part in parts for label in part[3]]
        # Numbered in order of first appearance along the edges, as one process numbers them.
        kinds, first = np.unique(combined, return_index=True)
        renumber = np.zeros(base, dtype=np.int32)
        for k in np.argsort(first, kind="stable").tolist():
            renumber[kinds[k]] = graph.label_id(labels[kinds[k]])
        graph.lab = array("i", renumber[combined].tobytes())
    return graph
