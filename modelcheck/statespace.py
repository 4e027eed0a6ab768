"""The whole state graph of a small model, as a networkx ``MultiDiGraph``, for drawing.

Breadth-first from the initial states, in the model's order: node ``i`` is the ``i``-th
distinct state found (attributes ``state``, ``level`` with the initial states at level 1,
``initial``), and every transition is an edge with its ``label`` (the action as printed) and
``choice`` (its position among the state's actions). Drawing is for small models: past
``max_states`` states the search stops and :class:`GraphTooLarge` says how deep the graph
could be drawn within the limit. ``max_depth`` keeps the first N levels (as ``check
--max-depth`` counts them).

>>> from modelcheck import Model
>>> class Ring(Model):
...     def init_states(self):
...         return [0]
...     def actions(self, n):
...         return [("next", (n + 1) % 3)]
>>> g = state_graph(Ring())
>>> sorted(g.nodes), [(a, b, d["label"]) for a, b, d in g.edges(data=True)]
([0, 1, 2], [(0, 1, 'next'), (1, 2, 'next'), (2, 0, 'next')])
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from modelcheck.errors import UsageError
from modelcheck.model import Model, format_label
from modelcheck.trace import expand, initial_states

__all__ = ["GraphTooLarge", "state_graph"]


class GraphTooLarge(UsageError):
    """More states than the limit: ``levels`` are the complete levels' cumulative counts."""

    def __init__(self, message: str, levels: list[int]) -> None:
        super().__init__(message)
        self.levels = levels


def state_graph(
    model: Model[Any], *, max_states: int = 500, max_depth: int | None = None
) -> nx.MultiDiGraph:
    """The reachable states and transitions of ``model`` (see the module's documentation).

    ``graph.graph["complete"]`` is False when ``max_depth`` left states unexplored.
    """
    graph = nx.MultiDiGraph()
    index: dict[Any, int] = {}
    cumulative: list[int] = []

    def add(state: Any, level: int, initial: bool) -> int:
        number = index.get(state)
        if number is None:
            number = len(index)
            if number >= max_states:
                raise _too_large(model, max_states, cumulative)
            index[state] = number
            graph.add_node(number, state=state, level=level, initial=initial)
        return number

    frontier = []
    for state in initial_states(model):
        number = add(state, 1, True)
        if number not in frontier:
            frontier.append(number)
    level = 1
    complete = True
    while frontier:
        cumulative.append(len(index))
        if max_depth is not None and level >= max_depth:
            complete = not any(expand(model, graph.nodes[number]["state"]) for number in frontier)
            break
        following = []
        for number in frontier:
            for choice, (label, successor) in enumerate(
                expand(model, graph.nodes[number]["state"])
            ):
                known = successor in index
                target = add(successor, level + 1, False)
                if not known:
                    following.append(target)
                graph.add_edge(number, target, label=format_label(label), choice=choice)
        frontier = following
        level += 1
    graph.graph["complete"] = complete
    return graph


def _too_large(model: Model[Any], limit: int, cumulative: list[int]) -> GraphTooLarge:
    within = [(depth, count) for depth, count in enumerate(cumulative, start=1) if count <= limit]
    if within:
        depth, count = within[-1]
        hint = (
            f"draw the first levels with --max-depth {depth} ({count} state"
            f"{'s' if count != 1 else ''}), or raise --max-states"
        )
    else:
        hint = "raise --max-states"
    return GraphTooLarge(
        f"{model.name} has more than {limit} reachable states, too many to draw readably: " + hint,
        cumulative,
    )
