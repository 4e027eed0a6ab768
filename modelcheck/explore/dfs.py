"""Depth-first search: the same states as BFS with a stack instead of a queue.

Under ``max_depth`` a state found again by a shorter path is explored again from there, so
a bounded search still visits every state within the bound. With a checkpoint the search
saves between two states: the store, the stack, each state's depth and the states seen
beyond the bound.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any

from modelcheck.values import check_immutable

from ._search import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST, Search

__all__ = ["run_dfs"]


def run_dfs(search: Search) -> int:
    """Explore depth first; return the deepest level reached (initial = 1)."""
    if search.resuming:
        saved = search.resume()
        deepest, expanded = saved.position
        stack: list[int] = saved.extra["stack"]
        depth_of: array[int] = saved.extra["depth_of"]
        beyond: list[Any] = saved.extra["beyond"]
    else:
        try:
            if search.add_initial_states():
                return 1
        except Exception as exc:
            search.fail(exc, -1)
        depth_of = array("i", [1]) * len(search.store)
        stack = list(range(len(search.store) - 1, -1, -1))
        beyond = []
        deepest, expanded = 1, 0
    store = search.exact_store()
    seen, states, parent = store.index, store.states, store.parent
    actions = search.actions_for(0)
    bounded = search.limits.max_depth is not None
    max_depth = search.limits.max_depth or sys.maxsize
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    n = len(states)
    i = -1
    stop = False
    try:
        while stack:
            if not expanded & TICK_MASK:
                search.generated = generated
                books = {"stack": stack, "depth_of": depth_of, "beyond": beyond}
                if search.between_states(deepest, len(stack), (deepest, expanded), **books):
                    break
                actions = search.actions_for(n)
            i = stack.pop()
            expanded += 1
            state = states[i]
            if i < SAMPLE_FIRST or not i & SAMPLE_MASK:
                search.recheck(i, state)
            d = depth_of[i]
            before = generated
            if d >= max_depth:
                for _label, nxt in actions(state):
                    generated += 1
                    if nxt not in seen:
                        beyond.append(nxt)
            else:
                checks = search.checks
                fresh: list[int] = []
                for _label, nxt in actions(state):
                    generated += 1
                    j = seen.get(nxt)
                    if j is None:
                        seen[nxt] = n
                        states.append(nxt)
                        parent.append(i)
                        depth_of.append(d + 1)
                        if n < VALIDATE_FIRST:
                            check_immutable(nxt, "state")
                        for pos, pred, is_always in checks:
                            if pred(nxt) is not is_always and search.hit(pos, n):
                                stop = True
                        fresh.append(n)
                        n += 1
                        if stop:
                            break
                        if n >= max_states:
                            search.stopped = "max-states"
                            stop = True
                            break
                    elif bounded and depth_of[j] > d + 1:
                        depth_of[j] = d + 1
                        parent[j] = i
                        fresh.append(j)
                if fresh and d + 1 > deepest:
                    deepest = d + 1
                if stop:
                    break
                fresh.reverse()
                stack.extend(fresh)
            dead = search.deadlock_pos
            if generated == before and dead is not None and search.hit(dead, i):
                break
    except KeyboardInterrupt:
        search.stopped = "interrupted"
    except MemoryError:
        search.stopped = "out-of-memory"
    except Exception as exc:
        search.generated = generated
        search.fail(exc, i)
    search.generated = generated
    if search.stopped is None and any(s not in seen for s in beyond):
        search.stopped = "max-depth"
    return deepest
