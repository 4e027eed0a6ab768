"""The two generals: no number of acknowledgements makes an attack certain over a lossy link.

What the real system does: two armies must attack together or not at all, and can talk only
by messengers who may be captured. General ``a`` sends "attack at dawn"; ``b`` acknowledges;
``a`` acknowledges the acknowledgement, and so on. Whatever the number of rounds, the general
who sends the last messenger cannot know whether it arrived, yet must decide as if it did:
if it did not, the other general lacks it and decides differently. No protocol over a link
that may lose messages reaches certain agreement (Akkoyunlu, Ekanadham and Huber, 1975;
Gray, 1978). On the BEAM this is every ``send`` across nodes: without an answer you cannot
tell a lost message from a slow one, and an answer only moves the doubt to the answer.

The model: ``rounds`` acknowledgements, so ``rounds + 1`` messengers numbered 1, 2, ...:
``a`` sends the odd ones, ``b`` the even ones, each in answer to the one before. The network
may capture (drop) messengers, ``drops`` of them (1 by default). Each general has a ``dawn``
timer; at dawn it attacks if every messenger due to it has arrived, and retreats otherwise.
Dawn comes only when no messenger is on the road: every messenger has arrived or been
captured by then (delay is bounded, loss is not). The model states that as a guard on the
``dawn`` timers, since a timer alone may fire at any step.

Checked: ``agree`` (always: once both have decided, both attack or both retreat) and
``sometimes both_attack`` (the plan can work).

What the checker finds: with ``-p drops=0`` every messenger arrives and ``agree`` holds (6
states for one round). With one drop it is violated for every number of rounds, by capturing
the last messenger: ``rounds`` deliveries, the drop, and two dawns, so ``rounds + 3`` steps
(3 for no acknowledgement, 4 for one, 5 for two, 6 for three; 9, 14, 19 and 24 states). The
last messenger's sender has everything due to it and attacks; the other general lacks one
messenger and retreats. Capturing an earlier messenger does no harm: its sender then misses
the answer too, and both retreat. So each round only adds one step, the messenger that must
now arrive before the last one goes missing; no number of rounds removes the counterexample
(this decision rule is one of many, and the impossibility proof covers them all).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, sometimes
from modelcheck.actors import Actor, ActorSystem, Budget, Out, World

ATTACK, RETREAT = "attack", "retreat"


class General(NamedTuple):
    received: int  # the number of the last messenger that reached this general (0: none)
    decision: str  # "", "attack" or "retreat"


class Commander(Actor[General]):
    """Sends its messengers in answer to the other's; decides at dawn."""

    def __init__(self, other: str, first: bool, messengers: int) -> None:
        self.other = other
        self.first = first
        self.messengers = messengers
        # The number of the last messenger addressed to this general (0: none is).
        mine = [m for m in range(1, messengers + 1) if (m % 2 == 0) == first]
        self.last_due = mine[-1] if mine else 0

    def init(self, me: str, out: Out) -> General:
        out.set_timer("dawn")
        if self.first:
            out.send(self.other, 1)
        return General(0, "")

    def on_message(self, me: str, state: General, sender: str, msg: Any, out: Out) -> General:
        if msg < self.messengers:
            out.send(self.other, msg + 1)  # acknowledge it
        return state._replace(received=msg)

    def on_timeout(self, me: str, state: General, timer: Hashable, out: Out) -> General:
        complete = state.received == self.last_due
        return state._replace(decision=ATTACK if complete else RETREAT)


class TwoGenerals(ActorSystem):
    """Two generals agree on an attack with rounds of acknowledgement over a lossy link."""

    rounds = Param(1, help="acknowledgements after the first messenger", min=0, max=8)
    drops = Budget(1, help="messengers the enemy may capture", min=0)

    def actors(self) -> dict[str, Actor[Any]]:
        messengers = self.rounds + 1
        return {"a": Commander("b", True, messengers), "b": Commander("a", False, messengers)}

    def timer_enabled(self, w: World, node: str, timer: Hashable) -> bool:
        """Dawn comes once no messenger is on the road: each has arrived or been captured."""
        return not w.chans

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """The actor system's steps, less the timeouts ``timer_enabled`` rules out."""
        return [
            (label, nxt)
            for label, nxt in super().actions(w)
            if label[0] != "timeout" or self.timer_enabled(w, label[1], label[2])
        ]

    @always
    def agree(self, w: World) -> bool:
        """Once both generals have decided, both attack or both retreat."""
        decisions = [s.decision for s in self.live_states(w).values()]
        return len(decisions) < 2 or not all(decisions) or decisions[0] == decisions[1]

    @sometimes
    def both_attack(self, w: World) -> bool:
        """Both generals attack."""
        decisions = [s.decision for s in self.live_states(w).values()]
        return decisions == [ATTACK, ATTACK]
