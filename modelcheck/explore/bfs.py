"""Breadth-first search: exact, and its counterexamples are shortest.

The store's list of states is the queue; levels are tracked by index ranges, so a state
costs one dict entry, one list slot and four bytes of parent link. When the model has
liveness properties the same loop also records every edge (:func:`_run_bfs_recording`);
safety-only searches run the loop without it.
"""

from __future__ import annotations

import sys

from modelcheck.values import check_immutable

from ._search import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST, Search
from .graph import Graph, unhashable_label

__all__ = ["run_bfs"]


def run_bfs(search: Search) -> int:
    """Explore level by level; return the depth reached (initial level = 1)."""
    if search.graph is not None:
        return _run_bfs_recording(search, search.graph)
    start = begin(search)
    if start is None:
        return 1
    store = search.exact_store()
    seen, states, parent = store.index, store.states, store.parent
    actions = search.actions_for(len(states))
    max_depth = search.limits.max_depth or 0
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    n = len(states)
    i, level, level_end = start
    stop = False
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
                for _label, nxt in actions(state):
                    generated += 1
                    if nxt not in seen:
                        search.stopped = "max-depth"
            else:
                checks = search.checks
                for _label, nxt in actions(state):
                    generated += 1
                    if nxt not in seen:
                        seen[nxt] = n
                        states.append(nxt)
                        parent.append(i)
                        if n < VALIDATE_FIRST:
                            check_immutable(nxt, "state")
                        for pos, pred, is_always in checks:
                            if pred(nxt) is not is_always and search.hit(pos, n):
                                stop = True
                        n += 1
                        if stop:
                            break
                        if n >= max_states:
                            search.stopped = stop = "max-states"  # type: ignore[assignment]
                            break
                if stop:
                    break
            dead = search.deadlock_pos
            if generated == before and dead is not None and search.hit(dead, i):
                break
            i += 1
    except KeyboardInterrupt:
        search.stopped = "interrupted"
    except MemoryError:
        search.stopped = "out-of-memory"
    except Exception as exc:
        search.generated = generated
        search.fail(exc, i)
    search.generated = generated
    return level + (1 if n > level_end else 0)


def _run_bfs_recording(search: Search, graph: Graph) -> int:
    """:func:`run_bfs` that also records every edge in ``graph`` (for liveness).

    The same loop line for line, plus the recording: keep the two in step.
    """
    start = begin(search)
    if start is None:
        return 1
    graph = search.graph or graph  # a resumed search goes on with the saved graph
    store = search.exact_store()
    seen, states, parent = store.index, store.states, store.parent
    actions = search.actions_for(len(states))
    max_depth = search.limits.max_depth or 0
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    succ_append, off_append = graph.succ.append, graph.off.append
    lab_append, label_ids, label_id = graph.lab.append, graph.label_ids, graph.label_id
    labelled = graph.labelled
    edges = graph.off[-1]
    n = len(states)
    i, level, level_end = start
    stop = False
    label = None
    try:
        while i < n:
            if i == level_end:
                level, level_end = level + 1, n
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
                for label, nxt in actions(state):
                    generated += 1
                    j = seen.get(nxt)
                    if j is None:
                        search.stopped = "max-depth"
                        j = -1
                    succ_append(j)
                    if labelled:
                        lid = label_ids.get(label)
                        lab_append(label_id(label) if lid is None else lid)
            else:
                checks = search.checks
                for label, nxt in actions(state):
                    generated += 1
                    j = seen.get(nxt)
                    if j is None:
                        j = seen[nxt] = n
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
                    succ_append(j)
                    if labelled:
                        lid = label_ids.get(label)
                        lab_append(label_id(label) if lid is None else lid)
                    if stop:
                        break
                if stop:
                    break
            edges += generated - before
            off_append(edges)
            dead = search.deadlock_pos
            if generated == before and dead is not None and search.hit(dead, i):
                break
            i += 1
    except KeyboardInterrupt:
        search.stopped = "interrupted"
    except MemoryError:
        search.stopped = "out-of-memory"
    except TypeError as exc:
        if labelled and not _hashable(label):
            raise unhashable_label(label, search.trace_to(i)) from None
        search.generated = generated
        search.fail(exc, i)
    except Exception as exc:
        search.generated = generated
        search.fail(exc, i)
    search.generated = generated
    return level + (1 if n > level_end else 0)


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
