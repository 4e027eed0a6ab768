"""Depth-first search: the same states as BFS with a stack instead of a queue.

Under ``max_depth`` a state found again by a shorter path is explored again from there, so
a bounded search still visits every state within the bound. With a checkpoint the search
saves between two states: the store, the stack, each state's depth and the states seen
beyond the bound.

With the fingerprint store (``--store fingerprint``) a state is stored as its fingerprint
and held whole only while it waits on the stack; a trace is found again by fingerprint,
as after the breadth-first search over that store.
"""

from __future__ import annotations

import functools
import sys
from array import array
from collections.abc import Callable
from typing import Any

from modelcheck.fingerprint import fingerprint
from modelcheck.values import check_immutable

from ._search import Search
from .limits import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST
from .specialise import specialise
from .store import FingerprintStore

__all__ = ["run_dfs"]

#: With the fingerprint store: how many states met lately keep their fingerprints at hand.
_MET = 1 << 16


def run_dfs(search: Search) -> int:
    """Explore depth first; return the deepest level reached (initial = 1)."""
    return _loop(isinstance(search.store, FingerprintStore))(search)


def _explore(search: Search, compact: bool) -> int:
    """The depth-first loop, once: ``compact`` says the store holds fingerprints. It runs
    as the copy :func:`_loop` compiles with ``compact`` decided
    (:func:`.specialise.specialise`), so that it does not test the store per successor."""
    store = search.store
    if search.resuming:
        saved = search.resume()
        store = search.store
        deepest, expanded = (int(x) for x in saved.position)
        stack: list[int] = saved.extra["stack"]
        held: list[Any] = saved.extra["held"]
        depth_of: array[int] = saved.extra["depth_of"]
        beyond: list[Any] = saved.extra["beyond"]
    else:
        if search.add_initial_states():
            return 1
        depth_of = array("i", [1]) * len(store)
        stack = list(range(len(store) - 1, -1, -1))
        held = []
        if isinstance(store, FingerprintStore):
            held = store.stored_initials(search.inits, search.canon)[::-1]
        beyond = []
        deepest, expanded = 1, 0
    if isinstance(store, FingerprintStore):
        number_of, add_one = store.number_of, store.add_one
        seen: Any = store.index
        states: list[Any] = []
    else:
        seen, states = store.index, store.states
    parent = store.parent
    actions = search.actions_for(0)
    bounded = search.limits.max_depth is not None
    max_depth = search.limits.max_depth or sys.maxsize
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    n = len(store)
    i, fp = -1, 0
    fps_met: dict[Any, int] = {}  # the fingerprints of the states met lately
    stop = False
    try:
        while stack:
            if not expanded & TICK_MASK:
                search.generated = generated
                books = {"stack": stack, "held": held, "depth_of": depth_of, "beyond": beyond}
                if search.between_states(deepest, len(stack), (deepest, expanded), **books):
                    break
                actions = search.actions_for(n)
            i = stack.pop()
            expanded += 1
            state = held.pop() if compact else states[i]
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
                fresh_states: list[Any] = []
                for _label, nxt in actions(state):
                    generated += 1
                    if compact:
                        met = fps_met.get(nxt)  # (a dict lookup costs less than a fingerprint)
                        if met is None:
                            if len(fps_met) >= _MET:
                                fps_met.clear()
                            met = fps_met[nxt] = fingerprint(nxt)
                        fp = met
                        j = number_of(fp)
                    else:
                        j = seen.get(nxt)
                    if j is None:
                        if compact:
                            add_one(fp, i)
                            fresh_states.append(nxt)
                        else:
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
                        if compact:
                            fresh_states.append(nxt)
                if fresh and d + 1 > deepest:
                    deepest = d + 1
                if stop:
                    break
                fresh.reverse()
                stack.extend(fresh)
                if compact:
                    fresh_states.reverse()
                    held.extend(fresh_states)
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


@functools.cache
def _loop(compact: bool) -> Callable[[Search], int]:
    """:func:`_explore` compiled with ``compact`` decided, once per process, when first run."""
    return specialise(_explore, compact=compact)
