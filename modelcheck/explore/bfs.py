"""Breadth-first search: exact, and its counterexamples are shortest.

The store's list of states is the queue; levels are tracked by index ranges, so a state
costs one dict entry, one list slot and four bytes of parent link.
"""

from __future__ import annotations

import sys

from modelcheck.values import check_immutable

from ._search import TICK_MASK, VALIDATE_FIRST, Search

__all__ = ["run_bfs"]


def run_bfs(search: Search) -> int:
    """Explore level by level; return the depth reached (initial level = 1)."""
    try:
        if search.add_initial_states():
            return 1
    except Exception as exc:
        search.fail(exc, -1)
    store = search.store
    seen, states, parent = store.index, store.states, store.parent
    actions = search.model.actions
    max_depth = search.limits.max_depth or 0
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    n = len(states)
    i = 0
    level, level_end = 1, n
    stop = False
    try:
        while i < n:
            if i == level_end:
                level, level_end = level + 1, n
            if not i & TICK_MASK:
                search.generated = generated
                if search.tick(level, n - i):
                    break
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
                            if (not pred(nxt)) == is_always and search.hit(pos, n):
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
    except Exception as exc:
        search.generated = generated
        search.fail(exc, i)
    search.generated = generated
    return level + (1 if n > level_end else 0)
