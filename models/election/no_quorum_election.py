"""Leader election without a quorum: the highest node I can see is the leader.

What the real system does: a common first attempt at "one process per cluster" on the BEAM
is ``leader = Enum.max([node() | Node.list()])``: every node subscribes to node events
(``:net_kernel.monitor_nodes(true)``), forgets a node on ``nodedown``, remembers it again on
``nodeup``, and whoever sees no higher node declares itself leader. Nobody asks anybody: there
is no vote and no majority, so each side of a partition elects its own leader.

The model: ``nodes`` nodes ``n1`` .. ``nN`` (a higher number is a higher id) start out
seeing every other node. A node's state is the set of peers it currently sees; it believes
itself leader when it sees no higher node. The runtime's ``nodedown`` and ``nodeup`` are
the only events; there are no messages at all. As on the BEAM, a healed network reconnects
nothing by itself, so after a ``nodedown`` a node polls (libcluster's loop): its
``reconnect`` timer calls ``Node.connect`` on every node it does not see, until it sees
them all again.

Checked:

- ``one_leader`` (always): at most one live node believes itself leader.
- ``settles_on_one_leader`` (eventually_always, with weak fairness on each node's runtime
  signals and timer, and on the heal: a partition that may heal eventually does): from
  some point on, exactly one live node believes itself leader.

What the checker finds (3 nodes):

- no faults: 1 state, both hold; ``--crashes 1``: 13 states, both hold (the highest live
  node takes over when it hears ``nodedown``).
- ``--partitions 1``: split brain, 113 states. ``one_leader`` is violated in 2 steps:
  ``partition([n1, n2], [n3])``, then ``signal(n2, nodedown(n3))``: n2 and n3 both lead.
  ``settles_on_one_leader`` is violated too: nothing ever ends the partition, so after 5
  steps (the partition and the four ``nodedown`` signals) the behaviour stays with two
  leaders forever, n1's reconnect poll failing again and again (a loop of one step).
- ``--partitions 1 --heals 1``: 1,841 states. ``one_leader`` is still violated (2 steps),
  but after the heal a reconnect poll brings ``nodeup`` and n2 steps down:
  ``settles_on_one_leader`` holds.
- ``--crashes 1 --restarts 1``: 121 states. A restart alone makes two leaders, no partition
  needed: ``crash(n3)``, ``signal(n2, nodedown(n3))``, ``restart(n3)``: the restarted n3
  leads at once, and n2 leads until its ``nodeup(n3)`` arrives (3 steps).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually_always, weak
from modelcheck.actors import Actor, ActorSystem, Out, World


def rank(node: str) -> int:
    """A node's id: ``n3`` is 3 (names compare by id, not as strings)."""
    return int(node[1:])


class Member(NamedTuple):
    sees: tuple[str, ...]  # the peers this node sees up, in id order
    leader: bool  # sees no higher node


def _member(me: str, sees: tuple[str, ...]) -> Member:
    return Member(sees, all(rank(peer) < rank(me) for peer in sees))


class HighestSeen(Actor[Member]):
    """Follows node events; leads while no higher node is up as far as it can see."""

    def init(self, me: str, out: Out) -> Member:
        out.monitor_nodes()
        return _member(me, tuple(n for n in out.nodes if n != me))

    def on_nodedown(self, me: str, state: Member, node: str, out: Out) -> Member:
        out.set_timer("reconnect")  # libcluster's polling: try the lost nodes again later
        return _member(me, tuple(n for n in state.sees if n != node))

    def on_nodeup(self, me: str, state: Member, node: str, out: Out) -> Member:
        sees = tuple(sorted((*state.sees, node), key=rank))
        if len(sees) == len(out.nodes) - 1:
            out.cancel_timer("reconnect")  # everyone is back: stop polling
        return _member(me, sees)

    def on_timeout(self, me: str, state: Member, timer: Hashable, out: Out) -> Member:
        """``Node.connect`` to every node it does not see, and poll again later: on the
        BEAM a healed network reconnects nothing by itself."""
        for node in out.nodes:
            if node != me and node not in state.sees:
                out.connect(node)
        out.set_timer("reconnect")
        return state


def _receiver(label: Any) -> str:
    return str(label[1])


class NoQuorumElection(ActorSystem):
    """Whoever sees no higher node leads: no votes, no majority (split brain on a partition)."""

    nodes = Param(3, help="number of nodes", min=2, max=6)
    fairness = (weak("signal", "timeout", per=_receiver), weak("heal"))

    def actors(self) -> dict[str, Actor[Any]]:
        return {f"n{i + 1}": HighestSeen() for i in range(self.nodes)}

    def leaders(self, w: World) -> list[str]:
        """The live nodes that believe they lead, in id order."""
        return [name for name, s in self.live_states(w).items() if s.leader]

    @always
    def one_leader(self, w: World) -> bool:
        """At most one live node believes itself leader."""
        return len(self.leaders(w)) <= 1

    @eventually_always
    def settles_on_one_leader(self, w: World) -> bool:
        """From some point on, exactly one live node believes itself leader."""
        return len(self.leaders(w)) == 1
