"""A small model every bad-input case leans on: a counter with typed parameters."""

from typing import Any

from modelcheck import Model, Param, always


class Good(Model[int]):
    size = Param(3, help="how far to count", min=1, max=1000)
    rate = Param(0.5, help="a float parameter")
    fast = Param(False, help="a bool parameter")
    mode = Param("up", help="a choice", choices=("up", "down"))

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < self.size else []

    @always
    def small(self, n: int) -> bool:
        return n < 2
