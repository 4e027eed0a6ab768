"""The model's side of the conformance suite: is what real OTP did a trace the model can
produce, and is what OTP never does one the model cannot?

An observation is a sequence of expected items: a hashable value that the next *observed*
step must show (``observe(label, successor)``; None for a step the real run could not see,
which may happen any number of times in between), or a :class:`Check` on the state reached
so far (what the real nodes showed when the controller looked). :func:`accepts` searches the
model's state space breadth-first over (state, items matched) for a path that matches all
of them, and returns its labels.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from modelcheck import Model
from modelcheck.actors import Signal

__all__ = ["Check", "accepts", "signal_in"]

Observe = Callable[[Any, Any], Hashable | None]


@dataclass(frozen=True)
class Check:
    """A condition on the state at this point of the observation (``what`` names it)."""

    what: str
    holds: Callable[[Any], bool]


def accepts(
    model: Model[Any],
    expected: Sequence[Hashable | Check],
    observe: Observe,
    *,
    limit: int = 500_000,
) -> list[Any] | None:
    """The labels of a shortest path of ``model`` that shows ``expected``, or None.

    >>> class Count(Model):
    ...     def init_states(self):
    ...         return [0]
    ...     def actions(self, n):
    ...         return [("tick", n + 1)] if n < 3 else []
    >>> seen = lambda label, n: "odd" if n % 2 else None
    >>> accepts(Count(), ["odd", "odd"], seen)
    ['tick', 'tick', 'tick']
    >>> accepts(Count(), ["odd", "odd", "odd"], seen) is None
    True
    """
    want = len(expected)
    parents: dict[tuple[Any, int], tuple[tuple[Any, int], Any] | None] = {}
    queue: deque[tuple[Any, int]] = deque()
    for state in model.init_states():
        if (state, 0) not in parents:
            parents[(state, 0)] = None
            queue.append((state, 0))
    while queue:
        node = queue.popleft()
        state, done = node
        if done == want:
            path: list[Any] = []
            back = parents[node]
            while back is not None:
                node, label = back
                if label is not None:
                    path.append(label)
                back = parents[node]
            return path[::-1]
        item = expected[done]
        moves: list[tuple[tuple[Any, int], Any]] = []
        if isinstance(item, Check) and item.holds(state):
            moves.append(((state, done + 1), None))
        for label, successor in model.actions(state):
            seen = observe(label, successor)
            if seen is None:
                moves.append(((successor, done), label))
            elif not isinstance(item, Check) and seen == item:
                moves.append(((successor, done + 1), label))
        for key, label in moves:
            if key not in parents:
                parents[key] = (node, label)
                queue.append(key)
        if len(parents) > limit:
            raise AssertionError(f"the search passed {limit} (state, position) pairs")
    return None


def signal_in(label: Any) -> Signal | None:
    """The runtime signal a step delivers, wherever its label carries it, or None."""
    for part in label if isinstance(label, tuple) else ():
        if isinstance(part, Signal):
            return part
    return None
