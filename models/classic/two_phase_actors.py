"""Two-phase commit as actors: a coordinator and ``rms`` participants over the network.

The same protocol as :mod:`models.classic.two_phase`, written the way a BEAM programmer
would: processes exchanging messages instead of a shared message set. Each participant,
while working, either prepares (and tells the coordinator) or aborts on its own — two timers
race to make that choice, since a timer may fire at any step. The coordinator collects
``prepared`` messages and broadcasts ``commit`` once it has them all; its own timer lets it
give up and broadcast ``abort`` at any time before that. Messages travel FIFO per pair.

Checked: ``consistent`` (no participant commits while another aborts), which holds, also
with crashes of participants (``--crashes 1``: a crashed participant simply stops). With 3
participants: 1,394 distinct states. ``benchmarks/actors.py`` times it beside TwoPhase.
After a heal, as on the BEAM, a connection comes back only with the next message across
it: with ``--crashes 1 --partitions 1 --heals 1``, 73,122 states (which connections are
still down after the heal is part of the state), and ``consistent`` holds.

Partial-order reduction (``--por``): it declares who talks to whom (the coordinator and each
participant) and that ``consistent`` reads the participants alone. That saves little (1,374
states at 3 participants, 151,522 instead of 162,074 at 5): a participant's choice changes
what ``consistent`` reads, and while one may still choose it may send to the coordinator,
so the coordinator's steps cannot be taken first.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import Param, always
from modelcheck.actors import Actor, ActorSystem, Out, World

WORKING, PREPARED, COMMITTED, ABORTED = "working", "prepared", "committed", "aborted"


class Participant(Actor[str]):
    """A resource manager: prepares or aborts on its own, then obeys the coordinator."""

    def init(self, me: str, out: Out) -> str:
        out.set_timer("prepare")
        out.set_timer("abort")
        return WORKING

    def on_timeout(self, me: str, state: str, timer: Hashable, out: Out) -> str:
        if state != WORKING:
            return state
        if timer == "prepare":
            out.cancel_timer("abort")
            out.send("tm", "prepared")
            return PREPARED
        out.cancel_timer("prepare")
        return ABORTED

    def on_message(self, me: str, state: str, sender: str, msg: Any, out: Out) -> str:
        return COMMITTED if msg == "commit" else ABORTED


class Coordinator(Actor[tuple[str, frozenset[str]]]):
    """The transaction manager: commits once every participant is prepared."""

    def __init__(self, participants: tuple[str, ...]) -> None:
        self.participants = frozenset(participants)

    def init(self, me: str, out: Out) -> tuple[str, frozenset[str]]:
        out.set_timer("give up")
        return ("init", frozenset())

    def on_message(
        self, me: str, state: tuple[str, frozenset[str]], sender: str, msg: Any, out: Out
    ) -> tuple[str, frozenset[str]]:
        phase, prepared = state
        if phase != "init":
            return state
        prepared = prepared | {sender}
        if prepared == self.participants:
            out.cancel_timer("give up")
            out.broadcast("commit")
            return ("committed", prepared)
        return (phase, prepared)

    def on_timeout(
        self, me: str, state: tuple[str, frozenset[str]], timer: Hashable, out: Out
    ) -> tuple[str, frozenset[str]]:
        if state[0] != "init":
            return state
        out.broadcast("abort")
        return ("aborted", state[1])


class TwoPhaseActors(ActorSystem):
    """Two-phase commit as a coordinator and participants exchanging messages."""

    rms = Param(3, help="number of participants (resource managers)", min=1, max=8)

    def participants(self) -> tuple[str, ...]:
        return tuple(f"rm{r + 1}" for r in range(self.rms))

    def setup(self) -> None:
        super().setup()
        self._rm_index = tuple(self.node_index[rm] for rm in self.participants())

    def actors(self) -> dict[str, Actor[Any]]:
        names = self.participants()
        nodes: dict[str, Actor[Any]] = {"tm": Coordinator(names)}
        nodes.update((name, Participant()) for name in names)
        return nodes

    def symmetric(self) -> tuple[str, ...]:
        """The participants are interchangeable (``--symmetry``)."""
        return self.participants()

    def talks_to(self) -> dict[str, tuple[str, ...]]:
        """The coordinator talks to every participant, each participant to the coordinator."""
        return {"tm": self.participants(), **{rm: ("tm",) for rm in self.participants()}}

    @always(reads=participants)
    def consistent(self, w: World) -> bool:
        """No participant commits while another aborts."""
        states = {w.states[i] for i in self._rm_index}
        return not (COMMITTED in states and ABORTED in states)
