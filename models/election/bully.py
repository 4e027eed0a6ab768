"""The bully algorithm: the highest live node is the leader, and it says so.

What the real system does (Garcia-Molina, 1982): a node that notices the coordinator is
gone starts an election by sending ``election`` to every node with a higher id. A higher
node that gets it replies ``answer`` (it will take over) and starts an election of its own.
A node that hears no answer before its timeout concludes that no higher node is alive and
announces itself with ``coordinator`` to everyone; a node that got an answer waits for that
announcement and starts over if it does not come in time. A node that hears a coordinator
with a lower id than its own bullies it by starting an election. The algorithm assumes a
synchronous system: a timeout means the other node is dead.

The model: ``nodes`` nodes ``n1`` .. ``nN`` (a higher number is a higher id), each
starting an election when it boots (and again after a restart). The two timeouts are
timers, ``answer`` and ``coordinator``; since a timer may fire at any step, a timeout may
also come too early, before an answer that is on its way: the model does not assume
synchrony, it shows what happens without it. A follower monitors its coordinator and starts
an election on ``DOWN`` (as a BEAM process would; a partition fires it with
``noconnection``).

Checked ("settled": no message or runtime signal in flight and nobody in an election):

- ``one_leader`` (always): once settled, at most one live node believes itself leader.
- ``one_leader_per_group`` (always): once settled, each group of live nodes that can talk
  to one another has at most one leader.
- ``two_leaders_at_once`` (sometimes): two live nodes believe they lead at the same moment.
- ``elects_a_leader`` (eventually, with weak fairness on each channel's deliveries, each
  node's runtime signals and each timer): elections settle with every live node following
  a live leader it can reach.

What the checker finds (3 nodes):

- no faults: 170 states; both invariants and the liveness hold, and two leaders at once is
  reached in 3 steps: n2's ``answer`` timeout fires before n3's answer arrives (a slow node
  looks dead), n2 announces itself while n3 already leads; n3's announcement then makes
  n2 step down.
- ``--crashes 1``: 1,139 states, everything still holds: when the leader n3 crashes, n1
  and n2 get ``DOWN(n3, noconnection)``, elect again, and n2 leads.
- ``--crashes 1 --restarts 1``: 3,988 states; the restarted n3 bullies its way back; all
  hold.
- ``--partitions 1``: 2,050 states; ``one_leader`` is violated in 7 steps: n3 is elected,
  the partition ``[n1, n2] | [n3]`` fires n2's monitor, n2 elects itself on its side: two
  leaders, one per side, each settled. ``one_leader_per_group`` and the liveness hold: the
  bully gives one leader per connected group, not per cluster.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World

FOLLOWER, ELECTING, WAITING, LEADER = "follower", "electing", "waiting", "leader"


def rank(node: str) -> int:
    """A node's id: ``n3`` is 3 (names compare by id, not as strings)."""
    return int(node[1:])


class Node(NamedTuple):
    role: str  # follower, electing (waiting for answers), waiting (for a coordinator), leader
    leader: str  # the coordinator this node follows ("" while it does not know one)


class Bully(Actor[Node]):
    """One node of the bully algorithm."""

    def init(self, me: str, out: Out) -> Node:
        return self._elect(me, Node(FOLLOWER, ""), out)

    def _elect(self, me: str, state: Node, out: Out) -> Node:
        """Start an election: ask every higher node, or announce at once if there is none."""
        higher = [n for n in out.nodes if rank(n) > rank(me)]
        if not higher:
            return self._announce(me, state, out)
        for node in higher:
            out.send(node, "election")
        out.cancel_timer("coordinator")
        out.set_timer("answer")
        return Node(ELECTING, "")

    def _announce(self, me: str, state: Node, out: Out) -> Node:
        out.cancel_timer("answer")
        out.cancel_timer("coordinator")
        out.broadcast("coordinator")
        return Node(LEADER, me)

    def on_message(self, me: str, state: Node, sender: str, msg: Any, out: Out) -> Node:
        if msg == "election":  # from a lower node: I take over
            out.send(sender, "answer")
            return self._elect(me, state, out) if state.role in (FOLLOWER, LEADER) else state
        if msg == "answer":  # a higher node is alive: wait for its announcement
            if state.role != ELECTING:
                return state
            out.cancel_timer("answer")
            out.set_timer("coordinator")
            return state._replace(role=WAITING)
        # "coordinator"
        if rank(sender) < rank(me):  # a lower node claims to lead: bully it
            return self._elect(me, state, out) if state.role in (FOLLOWER, LEADER) else state
        out.cancel_timer("answer")
        out.cancel_timer("coordinator")
        if state.leader and state.leader not in (me, sender):
            out.demonitor(state.leader)
        out.monitor(sender)
        return Node(FOLLOWER, sender)

    def on_timeout(self, me: str, state: Node, timer: Hashable, out: Out) -> Node:
        if timer == "answer" and state.role == ELECTING:  # nobody higher answered
            return self._announce(me, state, out)
        if timer == "coordinator" and state.role == WAITING:  # the announcement never came
            return self._elect(me, state, out)
        return state

    def on_down(self, me: str, state: Node, who: str, reason: str, out: Out) -> Node:
        if state.role == FOLLOWER and who == state.leader:  # the coordinator is gone
            return self._elect(me, state, out)
        return state


def _channel(label: Any) -> Hashable:
    return (label[1], label[2])


def _receiver(label: Any) -> Hashable:
    return label[1]


def _timer(label: Any) -> Hashable:
    return (label[1], label[2])


class BullyElection(ActorSystem):
    """The bully algorithm: elections go to higher ids; the highest that answers leads."""

    nodes = Param(3, help="number of nodes", min=2, max=5)
    fairness = (
        weak("deliver", per=_channel),
        weak("signal", per=_receiver),
        weak("timeout", per=_timer),
    )

    def actors(self) -> dict[str, Actor[Any]]:
        return {f"n{i + 1}": Bully() for i in range(self.nodes)}

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """The actor system's steps, but a node's timeout (it waits on higher nodes) does not
        fire while a message between it and a higher node is in flight: a timeout means the
        higher nodes are silent, not slow (the bully's synchrony assumption)."""
        waiting = {low for a, b, _ in self.in_flight(w) for low in (a, b) if low != max(a, b, key=rank)}
        return [
            (label, nxt)
            for label, nxt in super().actions(w)
            if label[0] != "timeout" or label[1] not in waiting
        ]

    def settled(self, w: World) -> bool:
        """No message or signal in flight, and no live node in the middle of an election."""
        if w.chans or w.sysq:
            return False
        return all(s.role in (FOLLOWER, LEADER) for s in self.live_states(w).values())

    def leaders(self, w: World) -> list[str]:
        """The live nodes that believe they lead, in id order."""
        return [name for name, s in self.live_states(w).items() if s.role == LEADER]

    @always
    def one_leader(self, w: World) -> bool:
        """Once elections settle, at most one live node believes itself leader."""
        return not self.settled(w) or len(self.leaders(w)) <= 1

    @always
    def one_leader_per_group(self, w: World) -> bool:
        """Once elections settle, each connected group of live nodes has at most one leader."""
        if not self.settled(w):
            return True
        graph = self.connectivity(w)
        leaders = self.leaders(w)
        return all(
            not graph.has_edge(a, b) for i, a in enumerate(leaders) for b in leaders[i + 1 :]
        )

    @sometimes
    def two_leaders_at_once(self, w: World) -> bool:
        """Two live nodes believe they lead at the same moment (before elections settle)."""
        return len(self.leaders(w)) >= 2

    @eventually
    def elects_a_leader(self, w: World) -> bool:
        """Elections settle, every live node following a live leader it can reach."""
        if not self.settled(w):
            return False
        graph = self.connectivity(w)
        live = self.live_states(w)
        return all(
            s.leader in live
            and live[s.leader].role == LEADER
            and (s.leader == name or graph.has_edge(name, s.leader))
            for name, s in live.items()
        )
