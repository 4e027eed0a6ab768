"""Small models for the refinement tests: an hour hand, a clock that refines it, and a
clock whose mapping breaks it at an initial state."""

from __future__ import annotations

from modelcheck import Model, Param, always_step, refines


class Hour(Model[int]):
    """An hour hand that goes round ``hours`` positions."""

    hours = Param(3, min=2)

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, h: int) -> list[tuple[str, int]]:
        return [("tick", (h + 1) % self.hours)]


class Clock(Model[tuple[int, int]]):
    """Hours and minutes: the minute ticks, the hour follows every ``minutes`` minutes."""

    hours = Param(3, min=2)
    minutes = Param(2, min=1)

    def init_states(self) -> list[tuple[int, int]]:
        return [(0, 0)]

    def actions(self, s: tuple[int, int]) -> list[tuple[str, tuple[int, int]]]:
        h, m = s
        if m + 1 == self.minutes:
            return [("tick", ((h + 1) % self.hours, 0))]
        return [("tick", (h, m + 1))]

    @refines(Hour)
    def hour_hand(self, s: tuple[int, int]) -> int:
        """The hour hand moves as an Hour does."""
        return s[0]


class SkippingClock(Clock):
    """A clock that may skip the last hour of the day: an hour hand jumping two hours is
    not an Hour's step."""

    def actions(self, s: tuple[int, int]) -> list[tuple[str, tuple[int, int]]]:
        h, m = s
        steps = super().actions(s)
        if m + 1 == self.minutes and h + 2 == self.hours:
            steps.append(("skip", (0, 0)))
        return steps


class LateClock(Clock):
    """A clock that may also start at one o'clock, which no Hour does."""

    def init_states(self) -> list[tuple[int, int]]:
        return [(0, 0), (1, 0)]


class BrokenMapping(Clock):
    """A clock whose mapping fails on its second minute."""

    hour_hand = None  # type: ignore[assignment]

    @refines(Hour)
    def divides(self, s: tuple[int, int]) -> int:
        return 1 // (s[1] - 1) if s[1] else 0


class Lanes(Model[tuple[int, int]]):
    """Two counters up to 3, either may step. ``a_below_two`` first breaks on the step
    (1, 0) -> (2, 0) and would raise on a step into (3, 3), where it is decided already;
    ``raises_on_one_one`` raises on the first step into (1, 1)."""

    def init_states(self) -> list[tuple[int, int]]:
        return [(0, 0)]

    def actions(self, s: tuple[int, int]) -> list[tuple[str, tuple[int, int]]]:
        a, b = s
        steps = [("a", (a + 1, b))] if a < 3 else []
        return steps + ([("b", (a, b + 1))] if b < 3 else [])

    @always_step
    def a_below_two(self, old: tuple[int, int], label: str, new: tuple[int, int]) -> bool:
        """The first counter stays below 2."""
        if new == (3, 3):
            raise ValueError("judged after it was decided")
        return new[0] < 2


class RaisingLanes(Lanes):
    """Lanes with a step property whose predicate raises."""

    @always_step
    def raises_on_one_one(self, old: tuple[int, int], label: str, new: tuple[int, int]) -> bool:
        """No step into (1, 1) raises."""
        if new == (1, 1):
            raise ValueError("into (1, 1)")
        return True
