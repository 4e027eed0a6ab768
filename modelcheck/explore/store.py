"""The exact state store: every distinct state once, with the index of its parent.

States are numbered in the order they are found. ``index`` maps a state to its number,
``states`` the number back to the state (in BFS it doubles as the queue), ``parent`` holds
the number of the state each was first reached from (-1 for initial states), packed 4 bytes
a state. Which action led there is not stored: a trace finds it again by re-running the
parent's actions, which also checks the model is deterministic.
"""

from __future__ import annotations

from array import array
from typing import Any

__all__ = ["StateStore"]


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

    def add(self, state: Any, parent: int) -> int:
        """Store a new state reached from ``parent``; return its number."""
        number = len(self.states)
        self.index[state] = number
        self.states.append(state)
        self.parent.append(parent)
        return number

    def path_to(self, number: int) -> list[int]:
        """The numbers of the states from an initial state to ``number``, in order."""
        path = []
        while number >= 0:
            path.append(number)
            number = self.parent[number]
        path.reverse()
        return path
