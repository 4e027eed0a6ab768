"""Models whose every hook goes wrong, one way each."""

from typing import Any

from modelcheck import Model, Param, always


class Base(Model[int]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < 3 else []


class InitRaises(Base):
    def init_states(self) -> Any:
        raise ValueError("no start")


class ActionRaises(Base):
    def actions(self, n: int) -> Any:
        if n == 2:
            raise KeyError(n)
        return [("inc", n + 1)]


class PropertyRaises(Base):
    @always
    def positive(self, n: int) -> bool:
        return 1 / (2 - n) > 0


class PropertiesRaises(Base):
    def properties(self) -> Any:
        raise RuntimeError("no properties today")


class SetupRaises(Base):
    size = Param(3)

    def setup(self) -> None:
        raise ValueError("bad setup")


class NoInit(Base):
    def init_states(self) -> Any:
        return []


class NotAPair(Base):
    def actions(self, n: int) -> Any:
        return [n + 1] if n < 3 else []


class ListState(Base):
    def init_states(self) -> Any:
        return [(0, [1])]

    def actions(self, s: Any) -> Any:
        return []


class Unhashable(Base):
    def init_states(self) -> Any:
        return [{"n": 0}]

    def actions(self, s: Any) -> Any:
        return []


class DeepState(Base):
    def init_states(self) -> Any:
        state: Any = ()
        for _ in range(3000):
            state = (state,)
        return [state]

    def actions(self, s: Any) -> Any:
        return []


class ShowRaises(Base):
    def show(self, n: int) -> Any:
        raise RuntimeError("cannot show")

    @always
    def small(self, n: int) -> bool:
        return n < 2


class CanonicalRaises(Base):
    def canonical(self, n: int) -> int:
        raise TypeError("no canon")
