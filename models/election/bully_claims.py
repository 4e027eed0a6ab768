"""A bully election on two nodes whose timeouts fire at any step, and whose claims race.

Written from the README alone, as a new user would (``actors()``: one process per node,
handlers see node names). Each node subscribes to node events, then calls an election:
it sends ``election`` to every higher node and sets a ``no_ok`` timer, or, if none is
higher, announces ``coordinator`` to the others. A node that gets ``election`` answers
``ok`` and calls its own; ``ok`` cancels the timer; a ``no_ok`` timeout makes the node
announce itself; a ``nodedown`` of the leader starts a new election. Timers fire at any
later step (no clocks), so the lower node may claim before the higher node's ``ok``.

- ``BullyLatestClaim`` believes the latest ``coordinator`` it hears.
- ``BullyHighestClaim`` ignores a claim below itself (it bullies back with an election) or
  below the leader it follows, and calls an election after a ``nodedown`` while it follows
  nobody (an ``ok`` came, then the higher node went).

Checked, with weak fairness on deliveries, signals and timeouts:

- ``one_self_leader`` (always, traced): at most one live node believes it leads. Violated
  by both in 1 step: ``n1``'s timer fires before any ``ok``.
- ``both_lead`` (always, ``reads=("n1", "n2")``): ``n1`` and ``n2`` do not both lead (the
  same, judged on a view of the two nodes).
- ``agree_on_highest`` (eventually_always): from some point on every live node follows the
  highest live node. ``BullyLatestClaim`` violates it in 6 steps (``n2`` hears ``n1``'s
  early claim after its own and follows ``n1`` for ever), also with ``--crashes 1`` (a
  spare crash is never forced); ``BullyHighestClaim`` holds, also with ``--crashes 1``
  and ``--restarts 1``.
- ``n2_leads`` (sometimes): every live node follows ``n2``.

What the checker finds: 21 and 20 states; with ``--crashes 1 --restarts 1``, 166 and 152;
with ``--crashes 1`` alone, 30 for ``BullyLatestClaim``, whose lasso stops where only a
crash is left to take (see "Where a behaviour may stop" in the liveness docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelcheck import always, eventually_always, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World

__all__ = ["Bully", "BullyHighestClaim", "BullyLatestClaim", "Voter"]

NODES = ("n1", "n2")


@dataclass(frozen=True)
class Voter:
    """Whom a node follows (None: nobody yet), and whether it waits for an ``ok``."""

    leader: str | None
    waiting: bool


class Bully(Actor[Voter]):
    """A bully node; ``highest``: claims below itself or its leader are ignored."""

    def __init__(self, highest: bool) -> None:
        self.highest = highest

    def _claim(self, me: str, out: Out) -> Voter:
        for n in NODES:
            if n != me:
                out.send(n, ("coordinator", me))
        return Voter(leader=me, waiting=False)

    def _elect(self, me: str, out: Out) -> Voter:
        higher = [n for n in NODES if n > me]
        if not higher:
            return self._claim(me, out)
        for n in higher:
            out.send(n, ("election", me))
        out.set_timer("no_ok")
        return Voter(leader=None, waiting=True)

    def init(self, me: Any, out: Out) -> Voter:
        out.monitor_nodes()
        return self._elect(me, out)

    def on_message(self, me: Any, state: Voter, sender: Any, msg: Any, out: Out) -> Voter:
        kind, who = msg
        if kind == "election":
            out.send(who, ("ok", me))
            return state if state.waiting else self._elect(me, out)
        if kind == "ok":
            out.cancel_timer("no_ok")
            return Voter(leader=state.leader, waiting=False)
        if self.highest and who < me:  # a lower node claims: bully it
            return state if state.waiting else self._elect(me, out)
        if self.highest and state.leader is not None and who < state.leader:
            return state
        return Voter(leader=who, waiting=False)

    def on_timeout(self, me: Any, state: Voter, timer: Any, out: Out) -> Voter:
        return self._claim(me, out)

    def on_nodedown(self, me: Any, state: Voter, node: str, out: Out) -> Voter:
        if node == state.leader or (self.highest and state.leader is None):
            return self._elect(me, out)
        return state


class BullyLatestClaim(ActorSystem):
    """Two nodes elect the higher; a node believes the latest claim it hears."""

    fairness = (weak("deliver", "signal", "timeout"),)
    highest = False

    def actors(self) -> dict[str, Actor[Any]]:
        return {n: Bully(self.highest) for n in NODES}

    @always
    def one_self_leader(self, w: World) -> bool:
        """At most one live node believes it leads."""
        return sum(1 for n, s in self.live_states(w).items() if s.leader == n) <= 1

    @always(reads=("n1", "n2"))
    def both_lead(self, w: World) -> bool:
        """n1 and n2 do not both lead."""
        a, b = self.state_of(w, "n1"), self.state_of(w, "n2")
        return not (a and b and a.leader == "n1" and b.leader == "n2")

    @eventually_always
    def agree_on_highest(self, w: World) -> bool:
        """From some point on, every live node follows the highest live node."""
        live = self.live_states(w)
        return bool(live) and all(s.leader == max(live) for s in live.values())

    @sometimes
    def n2_leads(self, w: World) -> bool:
        """Every live node follows n2."""
        live = self.live_states(w)
        return bool(live) and all(s.leader == "n2" for s in live.values())


class BullyHighestClaim(BullyLatestClaim):
    """The fix: claims below a node or its leader are ignored, and a lost leader re-elected."""

    highest = True
