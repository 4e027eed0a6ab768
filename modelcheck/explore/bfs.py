"""Breadth-first search: exact, and its counterexamples are shortest.

The store's list of states is the queue; levels are tracked by index ranges, so a state
costs one dict entry, one list slot and four bytes of parent link. When the model has
liveness properties the same loop also records every edge; it is written once
(:func:`_explore`) and compiled twice, with the recording and without it, so safety-only
searches run a loop with no trace of it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

from modelcheck.values import check_immutable

from ._search import Search
from .graph import unhashable_label
from .limits import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST
from .specialise import specialise

__all__ = ["run_bfs"]


def run_bfs(search: Search) -> int:
    """Explore level by level; return the depth reached (initial level = 1)."""
    return _loop(search.graph is not None)(search)


def _explore(search: Search, edges: bool) -> int:
    """The breadth-first loop, once: with ``edges`` it also records every edge in the
    search's graph (for liveness). It runs as the copy :func:`_loop` compiles with
    ``edges`` decided (:func:`.specialise.specialise`), so that a safety-only search pays
    nothing per successor for the recording it does not do."""
    start = begin(search)
    if start is None:
        return 1
    graph = search.graph  # (after begin: a resumed search goes on with the saved graph)
    if edges:
        assert graph is not None, "a recording search has a graph"
        succ_append, off_append = graph.succ.append, graph.off.append
        lab_append, label_ids, label_id = graph.lab.append, graph.label_ids, graph.label_id
        labelled = graph.labelled
        recorded = graph.off[-1]
    store = search.exact_store()
    seen, states, parent = store.index, store.states, store.parent
    actions = search.actions_for(len(states))
    max_depth = search.limits.max_depth or 0
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    n = len(states)
    i, level, level_end = start
    stop = False
    label = None
    hand_over = search.hand_over
    try:
        while i < n:
            if i == level_end:
                level, level_end = level + 1, n
                if hand_over is not None and hand_over():  # shards take it from here
                    search.handed = (i, level, level_end)
                    break
            if not i & TICK_MASK:
                search.generated = generated
                if search.between_states(level, n - i, (i, level, level_end)):
                    break
                search.recheck(i, states[i])
                actions = search.actions_for(n)
            elif i < SAMPLE_FIRST or not i & SAMPLE_MASK:
                search.recheck(i, states[i])
            state = states[i]
            before = generated
            if level == max_depth:
                # The last level allowed: look at successors only to know if the bound cut.
                for label, nxt in actions(state):
                    generated += 1
                    if edges:
                        j = seen.get(nxt)
                        if j is None:
                            search.stopped = "max-depth"
                            j = -1
                        succ_append(j)
                        if labelled:
                            lid = label_ids.get(label)
                            lab_append(label_id(label) if lid is None else lid)
                    elif nxt not in seen:
                        search.stopped = "max-depth"
            else:
                checks = search.checks
                for label, nxt in actions(state):
                    generated += 1
                    # (decided when compiled: a lookup that keeps the number, or only asks)
                    if ((j := seen.get(nxt)) is None) if edges else (nxt not in seen):
                        seen[nxt] = n
                        if edges:
                            j = n
                        states.append(nxt)
                        parent.append(i)
                        if n < VALIDATE_FIRST:
                            check_immutable(nxt, "state")
                        for pos, pred, is_always in checks:
                            if pred(nxt) is not is_always and search.hit(pos, n):
                                stop = True
                        n += 1
                        if n >= max_states and not stop:
                            search.stopped = stop = "max-states"  # type: ignore[assignment]
                        if not edges and stop:
                            break
                    if edges:
                        succ_append(j)  # type: ignore[arg-type]  # (a number: found, or n)
                        if labelled:
                            lid = label_ids.get(label)
                            lab_append(label_id(label) if lid is None else lid)
                        if stop:
                            break
                if stop:
                    break
            if edges:
                recorded += generated - before
                off_append(recorded)
            dead = search.deadlock_pos
            if generated == before and dead is not None and search.hit(dead, i):
                break
            i += 1
    except KeyboardInterrupt:
        search.stopped = "interrupted"
    except MemoryError:
        search.stopped = "out-of-memory"
    except Exception as exc:
        if edges and isinstance(exc, TypeError) and labelled and not _hashable(label):
            raise unhashable_label(label, search.trace_to(i)) from None
        search.generated = generated
        search.fail(exc, i)
    search.generated = generated
    return level + (1 if n > level_end else 0)


@functools.cache
def _loop(edges: bool) -> Callable[[Search], int]:
    """:func:`_explore` compiled with ``edges`` decided, once per process, when first run."""
    return specialise(_explore, edges=edges)


def begin(search: Search) -> tuple[int, int, int] | None:
    """Store the initial states, or take up a checkpoint; return where the loop starts
    (the next state to expand, its level, the end of that level), or None to stop."""
    if search.resuming:
        i, level, level_end = search.resume().position
        return i, level, level_end
    if search.add_initial_states():
        return None
    return 0, 1, len(search.store)


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
