"""The state stores: every distinct state once, with the index of its parent.

The exact store (:class:`StateStore`) keeps the states themselves; the fingerprint store
(:class:`FingerprintStore`) only their stable 64-bit fingerprints.

States are numbered in the order they are found. ``index`` maps a state to its number,
``states`` the number back to the state (in BFS it doubles as the queue), ``parent`` holds
the number of the state each was first reached from (-1 for initial states), packed 4 bytes
a state. Which action led there is not stored: a trace finds it again by re-running the
parent's actions, which also checks the model is deterministic.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from modelcheck.errors import NondeterminismError
from modelcheck.fingerprint import fingerprint

__all__ = ["FingerprintStore", "StateStore"]

_FP = np.uint64


class StateStore:
    """Distinct states in discovery order, with parent links for rebuilding traces.

    >>> store = StateStore()
    >>> store.add("a", -1), store.add("b", 0), store.add("c", 1)
    (0, 1, 2)
    >>> store.path_to(2)
    [0, 1, 2]
    """

    __slots__ = ("index", "parent", "states")

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.states: list[Any] = []
        self.parent: array[int] = array("i")

    def __len__(self) -> int:
        return len(self.states)

    def __getstate__(self) -> tuple[list[Any], array[int]]:
        return self.states, self.parent  # the index is rebuilt: no need to write it

    def __setstate__(self, saved: tuple[list[Any], array[int]]) -> None:
        self.states, self.parent = saved
        self.index = {state: number for number, state in enumerate(self.states)}

    def add(self, state: Any, parent: int) -> int:
        """Store a new state reached from ``parent``; return its number."""
        number = len(self.states)
        self.index[state] = number
        self.states.append(state)
        self.parent.append(parent)
        return number

    def path_to(self, number: int) -> list[int]:
        """The numbers of the states from an initial state to ``number``, in order."""
        return _path_to(self.parent, number)


class FingerprintStore:
    """Distinct states as fingerprints in discovery order, with parent links.

    >>> store = FingerprintStore()
    >>> store.add("a", -1), store.add("b", 0)
    (0, 1)
    >>> "a" in store.index, "c" in store.index
    (True, False)
    >>> store.path_to(1), len(store)
    ([0, 1], 2)

    States added one at a time (depth-first search) wait in a small dict until there are
    a quarter as many as in the sorted array, then join it at once; numbers by
    fingerprint are kept (4 bytes a state more) from the first time one is asked for.

    >>> store.add_one(fingerprint("c"), 1), store.number_of(fingerprint("b"))
    (2, 1)
    >>> store.number_of(fingerprint("c")), store.number_of(fingerprint("d")) is None
    (2, True)
    """

    __slots__ = ("_numbers", "_recent", "_sorted", "fps", "parent")

    def __init__(self) -> None:
        self.fps: array[int] = array("Q")
        self.parent: array[int] = array("i")
        self._sorted: np.ndarray[Any, np.dtype[np.uint64]] = np.empty(0, dtype=_FP)
        #: The numbers of the states in ``_sorted``, in its order (None until asked for).
        self._numbers: np.ndarray[Any, np.dtype[np.int32]] | None = None
        #: Fingerprints added one at a time, not yet in ``_sorted``: fingerprint -> number.
        self._recent: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.fps)

    @property
    def index(self) -> FingerprintStore:
        """Membership by state (``state in store.index``), as for the exact store."""
        return self

    def __contains__(self, state: object) -> bool:
        fp = fingerprint(state)
        return fp in self._recent or bool(self.seen(np.array([fp], dtype=_FP))[0])

    def number_of(self, fp: int) -> int | None:
        """The number of the state with fingerprint ``fp``, or None if none is stored."""
        number = self._recent.get(fp)
        if number is not None:
            return number
        known = self._sorted
        at = int(known.searchsorted(_FP(fp)))  # (a Python int would convert the array)
        if at == len(known) or int(known[at]) != fp:
            return None
        if self._numbers is None:
            known_fps = np.array(self.fps[: len(known)], dtype=_FP)
            self._numbers = np.argsort(known_fps, kind="stable").astype(np.int32)
        return int(self._numbers[at])

    def add_one(self, fp: int, parent: int) -> int:
        """Store a new state by fingerprint, one at a time; return its number."""
        number = len(self.fps)
        self.fps.append(fp)
        self.parent.append(parent)
        self._recent[fp] = number
        if len(self._recent) > max(1024, len(self._sorted) >> 2):
            self._flush()
        return number

    def _flush(self) -> None:
        """Move the fingerprints added one at a time into the sorted array."""
        recent = self._recent
        if not recent:
            return
        fps = np.fromiter(recent.keys(), dtype=_FP, count=len(recent))
        order = np.argsort(fps, kind="stable")
        self._merge(fps[order], np.fromiter(recent.values(), np.int64, len(recent))[order])
        recent.clear()

    def _merge(
        self, new: np.ndarray[Any, np.dtype[np.uint64]], numbers: np.ndarray[Any, Any]
    ) -> None:
        """Insert the sorted fingerprints ``new`` (numbered ``numbers``) in the array."""
        at = np.searchsorted(self._sorted, new)
        if self._numbers is not None:
            self._numbers = np.insert(self._numbers, at, numbers)
        self._sorted = np.insert(self._sorted, at, new)

    def add(self, state: Any, parent: int) -> int:
        """Store a new state reached from ``parent``; return its number."""
        return self.add_fingerprints([fingerprint(state)], [parent])

    def add_fingerprints(self, fps: Sequence[int], parents: Sequence[int]) -> int:
        """Store new states by fingerprint; return the number of the first."""
        self._flush()
        first = len(self.fps)
        self.fps.extend(fps)
        self.parent.extend(parents)
        new = np.array(fps, dtype=_FP)
        order = np.argsort(new, kind="stable")
        self._merge(new[order], np.arange(first, first + len(new), dtype=np.int64)[order])
        return first

    def reindex(self) -> None:
        """Build the membership array again from ``fps`` (filled in place by the workers)."""
        self._recent.clear()
        self._numbers = None
        self._sorted = np.sort(np.array(self.fps, dtype=_FP))

    def seen(self, fps: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, Any]:
        """A boolean array: which of ``fps`` are already stored."""
        self._flush()
        known = self._sorted
        if not len(known):
            return np.zeros(len(fps), dtype=bool)
        at = np.minimum(np.searchsorted(known, fps), len(known) - 1)
        return known[at] == fps  # type: ignore[no-any-return]

    def path_to(self, number: int) -> list[int]:
        """The numbers of the states from an initial state to ``number``, in order."""
        return _path_to(self.parent, number)

    def stored_initials(
        self, inits: Sequence[Any], canon: Callable[[Any], Any] | None
    ) -> list[Any]:
        """The stored initial states, in their numbers' order: the initial states (made
        canonical) whose fingerprints the store took, repeats skipped as it skipped them."""
        stored: list[Any] = []
        for state in inits:
            if len(stored) == len(self.fps):
                break
            state = canon(state) if canon is not None else state
            if fingerprint(state) == self.fps[len(stored)]:
                stored.append(state)
        return stored

    def path_states(
        self,
        number: int,
        inits: Sequence[Any],
        actions: Callable[[Any], Any],
        canon: Callable[[Any], Any] | None,
    ) -> list[Any]:
        """The states from an initial state to ``number``, found again by fingerprint."""
        wanted = [self.fps[i] for i in self.path_to(number)]
        starts = [canon(s) for s in inits] if canon is not None else list(inits)
        state = next((s for s in starts if fingerprint(s) == wanted[0]), None)
        states = [state]
        for fp in wanted[1:]:
            state = next((nxt for _l, nxt in actions(state) if fingerprint(nxt) == fp), None)
            if state is None:
                raise NondeterminismError(
                    f"state {number}'s trace could not be found again by its fingerprints: "
                    "the model's actions must depend only on the state"
                )
            states.append(state)
        if states[0] is None:
            raise NondeterminismError(
                "the initial state of a trace could not be found again by its fingerprint"
            )
        return states

    def nbytes(self) -> int:
        """Bytes held for the stored states (arrays as allocated)."""
        numbers = 0 if self._numbers is None else self._numbers.nbytes
        recent = sys.getsizeof(self._recent) if self._recent else 0
        held = sys.getsizeof(self.fps) + sys.getsizeof(self.parent) + self._sorted.nbytes
        return held + numbers + recent


def _path_to(parent: array[int], number: int) -> list[int]:
    """Follow parent links (-1 ends them) back from ``number``; return the path in order."""
    path = []
    while number >= 0:
        path.append(number)
        number = parent[number]
    path.reverse()
    return path
