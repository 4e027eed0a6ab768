"""A model made from an explicit graph, for testing the explorer on hand-made examples."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modelcheck import Model, Property


class GraphModel(Model[int]):
    """States are graph nodes; action k of a node leads to its k-th listed successor.

    ``bad`` nodes violate the invariant ``safe``; ``goal`` nodes satisfy ``sometimes``
    property ``goal`` (only added when a goal set is given).
    """

    def __init__(
        self,
        edges: Mapping[int, Sequence[int]],
        init: Iterable[int] = (0,),
        bad: Iterable[int] = (),
        goal: Iterable[int] | None = None,
        deadlock: bool = False,
    ) -> None:
        super().__init__()
        self.edges = {k: tuple(v) for k, v in edges.items()}
        self.init = tuple(init)
        self.bad = frozenset(bad)
        self.goal = None if goal is None else frozenset(goal)
        self.deadlock_on = deadlock

    def init_states(self) -> list[int]:
        return list(self.init)

    def actions(self, state: int) -> list[tuple[Any, int]]:
        return [(("go", state, nxt), nxt) for nxt in self.edges.get(state, ())]

    def properties(self) -> list[Property]:
        props = [Property("safe", "always", lambda s: s not in self.bad)]
        if self.goal is not None:
            goal = self.goal
            props.append(Property("goal", "sometimes", lambda s: s in goal))
        return props
