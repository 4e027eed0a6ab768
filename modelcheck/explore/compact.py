"""The fingerprint store, and the breadth-first search that uses it (``--store fingerprint``).

A state is kept as its stable 64-bit fingerprint (:func:`modelcheck.fingerprint`), as TLC
does: 8 bytes in discovery order, 4 bytes of parent link and 8 bytes in a sorted array for
membership, 20 bytes a state in all, against about 150 for a state kept whole. Only the
level being expanded is held as states. Two distinct states with the same fingerprint would
be taken for one; the result reports TLC's optimistic estimate of the probability that this
happened, ``distinct * (generated - distinct) / 2**64``.

The search runs level by level. Expanding a level collects its successors in a dict (so a
successor found twice in the level is fingerprinted once), then fingerprints them and looks
them up in the sorted array all at once (numpy). The new ones are judged in the order the
exact BFS would have found them, so counts, verdicts and counterexamples are the exact
search's — including the counts at the moment a violation stops it.

Traces are rebuilt without the states: the fingerprints along the parent links are followed
from an initial state, re-running each state's actions to find the successor with the next
fingerprint.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from modelcheck.errors import ModelError
from modelcheck.fingerprint import fingerprint
from modelcheck.values import check_immutable

from ._search import Search
from .limits import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST
from .store import FingerprintStore

__all__ = ["run_compact_bfs"]

_FP = np.uint64
#: States of a level expanded before their successors are fingerprinted and judged.
_CHUNK = 1 << 16


def run_compact_bfs(search: Search) -> int:
    """Explore level by level with a :class:`FingerprintStore`; return the depth reached."""
    store = search.store
    assert isinstance(store, FingerprintStore)
    checkpoint = search.checkpoint
    if search.resuming:
        saved = search.resume()
        store = search.store
        assert isinstance(store, FingerprintStore)
        base, level, start = (int(x) for x in saved.position)
        frontier: list[Any] = saved.extra["frontier"]
        following: list[Any] = saved.extra["following"]
    else:
        if search.add_initial_states():
            return 1
        frontier = store.stored_initials(search.inits, search.canon)
        following = []  # the next level's states, found so far
        base, level, start = 0, 1, 0
    max_depth = search.limits.max_depth or 0
    max_states = search.limits.max_states or sys.maxsize
    generated = search.generated
    cut = False  # a state beyond --max-depth was found
    while search.stopped is None:
        if start >= len(frontier):  # the level is done: on to the next
            if not following:
                break
            base, level, start = base + len(frontier), level + 1, 0
            frontier, following = following, []
        if checkpoint is not None and checkpoint.due():
            search.save((base, level, start), generated, frontier=frontier, following=following)
            if checkpoint.stop_asked:
                search.stopped = "interrupted"
                break
        # Expand one chunk of the level: its successors are held as states only until they
        # are fingerprinted, so the peak is a chunk's, not a level's.
        chunk_start = generated
        found: dict[Any, int] = {}  # successor -> its place in the lists below
        parents: list[int] = []  # the number of the state it was first reached from
        at: list[int] = []  # ``generated`` when it was first reached
        dead = -1
        end = min(len(frontier), start + _CHUNK)
        number = base + start
        actions = search.actions_for(len(store))
        try:
            for k in range(start, end):
                number = base + k
                if not k & TICK_MASK:
                    search.generated = generated
                    if search.tick(level, len(frontier) - k):
                        break
                    if checkpoint is not None and checkpoint.stop_asked:
                        break
                if number < SAMPLE_FIRST or not number & SAMPLE_MASK:
                    search.recheck(number, frontier[k])
                before = generated
                for _label, nxt in actions(frontier[k]):
                    generated += 1
                    if nxt not in found:
                        found[nxt] = len(parents)
                        parents.append(number)
                        at.append(generated)
                if generated == before and search.deadlock_pos is not None and dead < 0:
                    dead = number
                    if not search.keep_going:
                        break  # nothing after a deadlock is looked at, as in the exact search
        except KeyboardInterrupt:
            search.stopped = "interrupted"
            if not search.step_stop:
                break
            # A step property broke: the successors found before it are judged and
            # stored, as the exact store does, so both stores stop with the same counts.
        except MemoryError:
            search.stopped = "out-of-memory"
            break
        except Exception as exc:
            search.generated = generated
            search.fail(exc, number)
        search.generated = generated
        chunk_saved = False  # this chunk's checkpoint is written (once, whatever stops it)
        if checkpoint is not None and (checkpoint.stop_asked or search.stopped is not None):
            # Stopped inside the chunk: save from its start, the store as it was then.
            _save_chunk(search, (base, level, start), chunk_start, frontier, following)
            chunk_saved = True
            if checkpoint.stop_asked:
                search.stopped = "interrupted"
                break
        successors = list(found)
        del found
        was_stopped = search.stopped is not None
        try:  # fingerprinting and judging run model code too (hashes, properties)
            fps = _fingerprints(search, successors, parents)
            new = np.flatnonzero(~store.seen(fps) & _first_of_each(fps)).tolist()
            last = level == max_depth
            kept = [] if last else _judge(search, successors, new, parents, at, max_states)
        except KeyboardInterrupt:  # the store is as it was at the chunk's start
            search.stopped = "interrupted"
            if checkpoint is not None and not chunk_saved:
                _save_chunk(search, (base, level, start), chunk_start, frontier, following)
            break
        start = end
        if last:
            # The last level allowed: successors are looked at only to know if the bound cut
            # (all of them, for the count of generated states).
            cut = cut or bool(new)
            if dead >= 0 and search.hit(search.deadlock_pos, dead):  # type: ignore[arg-type]
                break
            continue
        if kept:
            store.add_fingerprints([int(fps[j]) for j in kept], [parents[j] for j in kept])
            following.extend(successors[j] for j in kept)
        # Judging stopped the search at a successor of state parents[kept[-1]]: the exact
        # search saw the deadlock first only if the dead state came before that one.
        if not was_stopped and search.stopped is not None and dead > parents[kept[-1]]:
            dead = -1
        if dead >= 0 and search.hit(search.deadlock_pos, dead):  # type: ignore[arg-type]
            break
        if search.stopped is not None:
            break
    if cut and search.stopped is None:
        search.stopped = "max-depth"
    return level + (1 if following else 0)


def _save_chunk(
    search: Search,
    place: tuple[int, int, int],
    chunk_start: int,
    frontier: list[Any],
    following: list[Any],
) -> None:
    """Save the search from the start of the chunk being expanded (``place``: the level's
    first number, the level, the chunk's first index; ``chunk_start``: the states generated
    before it), the store and ``following`` being still as they were then. A chunk is saved
    once: a stop inside it and a Ctrl-C while it is judged both save this."""
    search.save(place, chunk_start, frontier=frontier, following=following)


def _judge(
    search: Search,
    successors: list[Any],
    new: list[int],
    parents: list[int],
    at: list[int],
    max_states: int,
) -> list[int]:
    """Judge the new states in discovery order; return those kept: all of them, unless a
    violation or --max-states stops the search at one, where ``generated`` is then set
    back to its value when the exact search would have stopped."""
    n = len(search.store)
    for count, j in enumerate(new):
        state = successors[j]
        stop = False
        try:
            if n + count < VALIDATE_FIRST:
                check_immutable(state, "state")
            for pos, pred, is_always in search.checks:
                if pred(state) is not is_always and search.hit(pos, n + count):
                    stop = True
        except Exception as exc:  # judged again with the trace that reached it
            search.fail(exc, parents[j])
        if not stop and n + count + 1 >= max_states:
            search.stopped = "max-states"
            stop = True
        if stop:
            search.generated = at[j]
            return new[: count + 1]
    return new


def _fingerprints(
    search: Search, successors: list[Any], parents: list[int]
) -> np.ndarray[Any, np.dtype[np.uint64]]:
    fps = np.empty(len(successors), dtype=_FP)
    for j, state in enumerate(successors):
        try:
            fps[j] = fingerprint(state)
        except Exception as exc:
            message = exc.message if isinstance(exc, ModelError) else f"{exc}"
            raise ModelError(
                f"a successor of the last state cannot be fingerprinted ({message}): "
                "states must be made of the values modelcheck.values lists",
                search.trace_to(parents[j]),
            ) from None
    return fps


def _first_of_each(fps: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, Any]:
    """True at the first occurrence of each fingerprint (distinct states that collide
    count once, as they would in any fingerprint store)."""
    first = np.zeros(len(fps), dtype=bool)
    first[np.unique(fps, return_index=True)[1]] = True
    return first
