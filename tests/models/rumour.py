"""A rumour passed from hand to hand: states hold frozensets of strings, and fairness keys
are strings, so an order taken from string hashing would show in the lasso."""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import Model, eventually, weak

PEOPLE = ("ann", "bob", "cy")


class State(NamedTuple):
    holder: str
    heard: frozenset[str]


class Rumour(Model[State]):
    """Whoever holds the rumour passes it to someone else; everyone should hear it."""

    fairness = (weak("pass"),)  # one group: passing at all, to anyone

    def init_states(self) -> list[State]:
        return [State("ann", frozenset({"ann"}))]

    def actions(self, s: State) -> list[tuple[Any, State]]:
        return [
            (("pass", s.holder, to), State(to, s.heard | {to})) for to in PEOPLE if to != s.holder
        ]

    @eventually
    def everyone_heard(self, s: State) -> bool:
        """Everyone hears the rumour."""
        return len(s.heard) == len(PEOPLE)


def receiver(label: Any) -> Any:
    return label[2]


class FairRumour(Rumour):
    """Passing to each person is fair on its own: nobody is left out forever."""

    fairness = (weak("pass", per=receiver),)
