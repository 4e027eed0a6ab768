"""Horde.DynamicSupervisor: children placed by a hash of the live members, restarted when a
member goes DOWN, never deduplicated.

DOCSTRING
"""

from __future__ import annotations

from typing import Any, NamedTuple

import networkx as nx

from modelcheck import Param, always, eventually_always, leads_to, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World
from models.registry.global_registry import NODES, fair_step, node_of, pid_of

#: The one child, by id.
CHILD = "w"
STRATEGIES = ("uniform", "quorum")

Entry = tuple[str, str, int]  # (child id, pid, clock): the pid's node is the member


def choose(child: str, members: tuple[str, ...]) -> str:
    """The member a child belongs on: a fixed hash of its id over the sorted live members
    (Horde uses a consistent-hash ring; any deterministic function shows the same thing).

    >>> choose("w", ("a", "b", "c")), choose("w", ("a", "b")), choose("w", ("a",))
    ('c', 'b', 'a')
    """
    return members[sum(map(ord, child)) % len(members)]


def has_quorum(members: tuple[str, ...], dead: tuple[str, ...]) -> bool:
    """``Horde.UniformQuorumDistribution.has_quorum?``: more than half of the members alive;
    with an even number of members the first (in name order) does not count.

    >>> has_quorum(("a", "b", "c"), ("c",)), has_quorum(("a", "b", "c"), ("b", "c"))
    (True, False)
    >>> has_quorum(("a", "b"), ("a",)), has_quorum(("a", "b"), ("b",))
    (True, False)
    """
    active = sorted(members)
    if len(active) % 2 == 0:
        active = active[1:]
    return sum(m not in dead for m in active) * 2 > len(active)


class Member(NamedTuple):
    """One node's member of the distributed supervisor."""

    dead: tuple[str, ...]  # the members it has marked dead (their supervisor went DOWN)
    running: tuple[str, ...]  # pids of the children running under this member
    children: tuple[Entry, ...]  # its replica of the CRDT: child id -> (pid, clock)
    clock: int  # writer timestamp of its next write
    started: int  # children started here so far (for fresh pids)


class HordeMember(Actor[Member]):
    """A Horde.DynamicSupervisor member: monitors the other members' supervisors, restarts
    the children of a dead member that now belong to it."""

    def __init__(self, nodes: tuple[str, ...], strategy: str) -> None:
        self.nodes = nodes
        self.quorum = strategy == "quorum"

    def init(self, me: str, out: Out) -> Member:
        out.monitor_nodes()  # Horde's NodeListener: learns when a node (re)joins
        for peer in self.nodes:
            if peer != me:
                out.monitor(peer)  # Process.monitor on the peer's supervisor
        # The child was started before the model begins, on the member it belongs on.
        home = choose(CHILD, self.nodes)
        pid = pid_of(home)
        running, started = ((pid,), 1) if home == me else ((), 0)
        return Member(dead=(), running=running, children=((CHILD, pid, 1),), clock=1,
                      started=started)  # fmt: skip

    def alive_members(self, st: Member) -> tuple[str, ...]:
        return tuple(m for m in self.nodes if m not in st.dead)

    def membership_changed(self, me: str, st: Member, out: Out) -> Member:
        """``handle_quorum_change`` then ``handoff_processes``."""
        quorum = not self.quorum or has_quorum(self.nodes, st.dead)
        if not quorum:
            return st._replace(running=())  # shut_down_all_processes
        chosen = choose(CHILD, self.alive_members(st))
        for child, pid, _ in st.children:
            owner = node_of(pid)
            if chosen == me and owner != me and owner in st.dead:
                st = self.start_child(me, st, child, out)
        return st

    def start_child(self, me: str, st: Member, child: str, out: Out) -> Member:
        """``add_child``: start it here and write (member, pid) into the CRDT."""
        pid = pid_of(me, st.started + 1)
        entry = (child, pid, st.clock + 1)
        out.broadcast(("child", *entry))
        table = {e[0]: e for e in st.children}
        table[child] = entry
        return st._replace(
            running=(*st.running, pid),
            children=tuple(sorted(table.values())),
            clock=entry[2],
            started=st.started + 1,
        )

    def merge(self, st: Member, entries: Any) -> Member:
        """Last writer wins per child; a child running here that lost stays running."""
        table = {e[0]: e for e in st.children}
        clock = st.clock
        for entry in entries:
            child, pid, stamp = entry
            clock = max(clock, stamp)
            old = table.get(child)
            if old is None or (stamp, node_of(pid)) > (old[2], node_of(old[1])):
                table[child] = entry
        return st._replace(children=tuple(sorted(table.values())), clock=clock)

    def on_down(self, me: str, state: Member, who: str, reason: str, out: Out) -> Member:
        """The peer's supervisor went DOWN (noconnection, on a crash or a partition)."""
        if who in state.dead:
            return state
        st = state._replace(dead=tuple(sorted((*state.dead, who))))
        return self.membership_changed(me, st, out)

    def on_nodeup(self, me: str, state: Member, node: str, out: Out) -> Member:
        """The peer is back: alive again, monitored again, and the replicas sync."""
        out.monitor(node)
        out.send(node, ("sync", state.children))
        st = state._replace(dead=tuple(m for m in state.dead if m != node))
        return self.membership_changed(me, st, out)

    def on_message(self, me: str, state: Member, sender: str, msg: Any, out: Out) -> Member:
        if msg[0] == "child":
            return self.merge(state, [msg[1:]])
        return self.merge(state, msg[1])


class HordeSupervisor(ActorSystem):
    """One child under a Horde.DynamicSupervisor with a member on every node."""

    nodes = Param(3, help="number of nodes (a, b, c)", min=2, max=3)
    strategy = Param("uniform", help="distribution strategy", choices=STRATEGIES)
    fairness = (weak("deliver", "signal", "timeout", per=fair_step),)

    def actors(self) -> dict[str, Actor[Any]]:
        names = NODES[: self.nodes]
        return {node: HordeMember(names, self.strategy) for node in names}

    def instances(self, w: World) -> list[str]:
        """The pids of the running instances of the child, sorted."""
        return sorted(pid for st in self.live_states(w).values() for pid in st.running)

    def settled(self, w: World) -> bool:
        """Nothing in flight and no signal waiting (a link may stay cut)."""
        return not (w.chans or w.sysq)

    @always
    def one_instance(self, w: World) -> bool:
        """At most one instance of the child runs."""
        return len(self.instances(w)) <= 1

    @always
    def one_instance_once_settled(self, w: World) -> bool:
        """Once nothing is in flight and no signal waits, at most one instance runs."""
        return not self.settled(w) or len(self.instances(w)) <= 1

    @sometimes
    def duplicates_survive_heal(self, w: World) -> bool:
        """The network is whole again, nothing is in flight, and two instances still run."""
        return not w.cut and self.settled(w) and len(self.instances(w)) > 1

    @leads_to
    def runs_again(self, w: World) -> tuple[bool, bool]:
        """Whenever no instance runs, one runs later."""
        running = bool(self.instances(w))
        return (not running, running)

    @eventually_always
    def every_side_served(self, w: World) -> bool:
        """From some point on, each group of running nodes that can reach each other has an
        instance among them (availability on every side of a partition)."""
        live = self.live_states(w)
        return all(
            any(live[node].running for node in group if node in live)
            for group in nx.connected_components(self.connectivity(w))
        )
