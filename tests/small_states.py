"""Small models in the style of TLA+ specs, their states small records: NamedTuples of one,
two and three fields, a frozen dataclass, a bare frozenset. ``--workers`` chooses how to
split such states among processes; these keep that choice honest on few fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from modelcheck import Model, Param, always, sometimes


class Clock(NamedTuple):
    minute: int


class HourClock(Model[Clock]):
    """One field: the minute hand goes round."""

    minutes = Param(60, help="minutes on the dial", min=1)

    def init_states(self) -> list[Clock]:
        return [Clock(0)]

    def actions(self, s: Clock) -> Iterator[tuple[Any, Clock]]:
        yield ("tick", Clock((s.minute + 1) % self.minutes))

    @always
    def on_the_dial(self, s: Clock) -> bool:
        return 0 <= s.minute < self.minutes


class Counts(NamedTuple):
    sent: tuple[int, int]
    received: tuple[int, int]


class Exchange(Model[Counts]):
    """Two fields, each a function of the process: two processes send each other numbered
    messages over an ordered channel and count what they received."""

    count = Param(6, help="messages each process sends", min=1)

    def init_states(self) -> list[Counts]:
        return [Counts((0, 0), (0, 0))]

    def actions(self, s: Counts) -> Iterator[tuple[Any, Counts]]:
        for p in (0, 1):
            if s.sent[p] < self.count:
                yield (("send", p), Counts(_bump(s.sent, p), s.received))
            if s.received[p] < s.sent[1 - p]:
                yield (("receive", p), Counts(s.sent, _bump(s.received, p)))

    @always
    def received_what_was_sent(self, s: Counts) -> bool:
        return all(s.received[p] <= s.sent[1 - p] for p in (0, 1))

    @always
    def not_all_done(self, s: Counts) -> bool:
        return min(s.received) < self.count


class Acked(NamedTuple):
    sent: tuple[int, int]
    received: tuple[int, int]
    acked: tuple[int, int]


class AckedExchange(Model[Acked]):
    """Three fields: :class:`Exchange`, and each receipt acknowledged to the sender."""

    count = Param(4, help="messages each process sends", min=1)

    def init_states(self) -> list[Acked]:
        return [Acked((0, 0), (0, 0), (0, 0))]

    def actions(self, s: Acked) -> Iterator[tuple[Any, Acked]]:
        for p in (0, 1):
            if s.sent[p] < self.count:
                yield (("send", p), s._replace(sent=_bump(s.sent, p)))
            if s.received[p] < s.sent[1 - p]:
                yield (("receive", p), s._replace(received=_bump(s.received, p)))
            if s.acked[p] < s.received[1 - p]:
                yield (("ack", p), s._replace(acked=_bump(s.acked, p)))

    @always
    def acked_what_was_received(self, s: Acked) -> bool:
        return all(s.acked[p] <= s.received[1 - p] <= s.sent[p] for p in (0, 1))

    @sometimes
    def all_acked(self, s: Acked) -> bool:
        return min(s.acked) == self.count


def _bump(counts: tuple[int, int], p: int) -> tuple[int, int]:
    return (counts[0] + 1, counts[1]) if p == 0 else (counts[0], counts[1] + 1)


@dataclass(frozen=True)
class Pair:
    left: int
    right: int


class Walk(Model[Pair]):
    """A frozen dataclass of two fields: a walk on a grid, which never reaches a corner."""

    size = Param(36, help="the grid's side", min=2)

    def init_states(self) -> list[Pair]:
        return [Pair(0, 1)]

    def actions(self, s: Pair) -> Iterator[tuple[Any, Pair]]:
        last = self.size - 1
        if s.left < last and (s.left + 1, s.right) != (last, last):
            yield ("right", Pair(s.left + 1, s.right))
        if s.right < last and (s.left, s.right + 1) != (last, last):
            yield ("up", Pair(s.left, s.right + 1))

    @always
    def off_the_corner(self, s: Pair) -> bool:
        return (s.left, s.right) != (self.size - 1, self.size - 1)


class Tokens(Model[frozenset[int]]):
    """A bare frozenset: tokens taken one at a time, put back smallest first."""

    tokens = Param(8, help="how many tokens", min=1)

    def init_states(self) -> list[frozenset[int]]:
        return [frozenset()]

    def actions(self, s: frozenset[int]) -> Iterator[tuple[Any, frozenset[int]]]:
        for t in range(self.tokens):
            if t not in s:
                yield (("take", t), s | {t})
        if s:
            yield ("put back", s - {min(s)})

    @always
    def some_left(self, s: frozenset[int]) -> bool:
        return len(s) < self.tokens
