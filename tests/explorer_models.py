"""Models for the explorer's tests."""

from __future__ import annotations

from modelcheck import Model, always


class Raises(Model[int]):
    """Counts up, and its actions() raise at 2."""

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        if n == 2:
            raise ValueError("no step from 2")
        return [("inc", n + 1), ("stay", n)]

    @always
    def small(self, n: int) -> bool:
        """Below 2."""
        return n < 2
