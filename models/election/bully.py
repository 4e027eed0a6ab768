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
starting an election when it boots (and again after a restart). The two timeouts are the
timers ``answer`` and ``coordinator``. A follower monitors its coordinator and starts an
election on ``DOWN`` (as a BEAM process would; a partition fires it with ``noconnection``).
It holds the monitor's reference (``watch``) until another coordinator wins, even through
an election of its own, and then drops it with ``demonitor(ref, flush=True)``: a ``DOWN``
of the old coordinator still on its way is taken back, never mistaken for the new one's.
A timer alone may fire at any step, so the synchrony the algorithm assumes is a guard on the
timeouts: a node's timer does not fire while a message between it and a higher node is in
flight. A timeout then means the higher nodes are silent; they may still be alive behind a
partition, or their messages lost with a crash. (Without the guard, early timeouts restart
elections without end and the state space is infinite.)

Checked ("settled": no message or runtime signal in flight and nobody in an election):

- ``one_leader`` (always): once settled, at most one live node believes itself leader.
- ``one_leader_per_group`` (always): once settled, each group of live nodes that can talk
  to one another has at most one leader.
- ``elects_a_leader`` (eventually, with weak fairness on each channel's deliveries, each
  node's runtime signals and each timer): elections settle with one leader per connected
  group, which every live node in the group follows.

What the checker finds (3 nodes):

- no faults: 706 states; all three hold.
- ``--crashes 1``: 866 states; all hold. When the leader n3 crashes, its followers get
  ``DOWN(n3, noconnection)``, n2's election message to n3 goes nowhere, its ``answer``
  timeout fires and it announces itself; n1 follows it.
- ``--partitions 1``: 1,157 states; ``one_leader`` is violated in 3 steps: the partition
  ``[n1] | [n2] | [n3]`` and the ``answer`` timeouts of n1 and n2 make three leaders, one per
  side. With two sides, ``[n1, n2] | [n3]``, it takes 5 steps: n2 times out on the
  unreachable n3 and announces itself, and n1 follows n2 while n3 still leads.
  ``one_leader_per_group`` and ``elects_a_leader`` hold: the bully gives one leader per
  connected group, not per cluster.
- ``--partitions 1 --heals 1``: 10,923 states; all three are violated. The bully has no
  step for a heal: nobody holds a new election, so leaders that can talk again stay leaders
  (``one_leader_per_group``, 4 steps). ``elects_a_leader`` fails by a behaviour that stops
  after 6 steps with n2 and n3 both leading and n1 following n2. (As on the BEAM, a healed
  connection comes back with the first message across it: no poll is needed, the
  announcements reach across.)
- ``--crashes 1 --restarts 1``: 8,472 states; both invariants hold, but
  ``elects_a_leader`` fails by a behaviour that stops after 8 steps: n3 crashes, n2 announces
  itself, n3 restarts and announces itself; n1 hears n3, then n2's older announcement (there
  is no order between different senders) and follows n2, which has meanwhile stepped down
  for n3. Nothing ever tells n1.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually, weak
from modelcheck.actors import Actor, ActorSystem, Out, Ref, World

FOLLOWER, ELECTING, WAITING, LEADER = "follower", "electing", "waiting", "leader"


def rank(node: str) -> int:
    """A node's id: ``n3`` is 3 (names compare by id, not as strings)."""
    return int(node[1:])


class Node(NamedTuple):
    role: str  # follower, electing (waiting for answers), waiting (for a coordinator), leader
    leader: str  # the coordinator this node follows ("" while it does not know one)
    watch: Ref | None = None  # the monitor of the last coordinator it followed


class Bully(Actor[Node]):
    """One node of the bully algorithm."""

    def init(self, me: str, out: Out) -> Node:
        return self._elect(me, None, out)

    def _elect(self, me: str, watch: Ref | None, out: Out) -> Node:
        """Start an election: ask every higher node, or announce at once if there is none."""
        higher = [n for n in out.nodes if rank(n) > rank(me)]
        if not higher:
            return self._announce(me, watch, out)
        for node in higher:
            out.send(node, "election")
        out.cancel_timer("coordinator")
        out.set_timer("answer")
        return Node(ELECTING, "", watch)

    def _announce(self, me: str, watch: Ref | None, out: Out) -> Node:
        out.cancel_timer("answer")
        out.cancel_timer("coordinator")
        out.broadcast("coordinator")
        if watch is not None:  # (it leads now: the old coordinator is no concern of it)
            out.demonitor(watch, flush=True)
        return Node(LEADER, me)

    def on_message(self, me: str, state: Node, sender: str, msg: Any, out: Out) -> Node:
        if msg == "election":  # from a lower node: I take over
            out.send(sender, "answer")
            if state.role in (FOLLOWER, LEADER):
                return self._elect(me, state.watch, out)
            return state
        if msg == "answer":  # a higher node is alive: wait for its announcement
            if state.role != ELECTING:
                return state
            out.cancel_timer("answer")
            out.set_timer("coordinator")
            return state._replace(role=WAITING)
        # "coordinator"
        if rank(sender) < rank(me):  # a lower node claims to lead: bully it
            if state.role in (FOLLOWER, LEADER):
                return self._elect(me, state.watch, out)
            return state
        out.cancel_timer("answer")
        out.cancel_timer("coordinator")
        watch = state.watch
        if watch is not None and watch.target != sender:  # a new coordinator
            out.demonitor(watch, flush=True)
            watch = None
        return Node(FOLLOWER, sender, watch or out.monitor(sender))

    def on_timeout(self, me: str, state: Node, timer: Hashable, out: Out) -> Node:
        if timer == "answer" and state.role == ELECTING:  # nobody higher answered
            return self._announce(me, state.watch, out)
        if timer == "coordinator" and state.role == WAITING:  # the announcement never came
            return self._elect(me, state.watch, out)
        return state

    def on_down_ref(self, me: str, state: Node, ref: Ref, who: Any, reason: Any, out: Out) -> Node:
        if ref != state.watch:
            return state
        if state.role == FOLLOWER:  # the coordinator is gone
            return self._elect(me, None, out)
        return state._replace(watch=None)


def _pair(label: Any) -> Hashable:
    """A delivery's channel (sender, receiver), a timeout's (node, timer)."""
    return (label[1], label[2])


def _receiver(label: Any) -> str:
    return str(label[1])


class BullyElection(ActorSystem):
    """The bully algorithm: elections go to higher ids; the highest that answers leads."""

    nodes = Param(3, help="number of nodes", min=2, max=5)
    fairness = (
        weak("deliver", per=_pair),
        weak("signal", per=_receiver),
        weak("timeout", per=_pair),
    )

    def actors(self) -> dict[str, Actor[Any]]:
        return {f"n{i + 1}": Bully() for i in range(self.nodes)}

    def timer_enabled(self, w: World, node: str, timer: Hashable) -> bool:
        """The bully's synchrony assumption: a timeout means the higher nodes are silent, not
        slow. Both timers wait on higher nodes, so neither fires while a message between the
        node and a higher node is in flight."""
        return not any(
            node in (src, dst) and max(src, dst, key=rank) != node
            for src, dst, _ in self.in_flight(w)
        )

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """The actor system's steps, less the timeouts ``timer_enabled`` rules out."""
        return [
            (label, nxt)
            for label, nxt in super().actions(w)
            if label[0] != "timeout" or self.timer_enabled(w, label[1], label[2])
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

    @eventually
    def elects_a_leader(self, w: World) -> bool:
        """Elections settle with one leader per connected group, followed by all in it."""
        if not self.one_leader_per_group(w) or not self.settled(w):
            return False
        graph = self.connectivity(w)
        live = self.live_states(w)
        return all(
            s.leader in live
            and live[s.leader].role == LEADER
            and (s.leader == name or graph.has_edge(name, s.leader))
            for name, s in live.items()
        )
