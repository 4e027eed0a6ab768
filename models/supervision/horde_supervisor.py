"""Horde.DynamicSupervisor: children placed by a hash of the live members, restarted when a
member goes DOWN, and never deduplicated.

What the real system does: every node runs a member; the children are kept in a DeltaCrdt
map ``{child id -> (member, spec, pid)}``, and a child is placed on the member a hash ring
picks among the members alive. Each member monitors the others' supervisors; when one goes
DOWN (a crash, or a partition: ``DOWN`` with ``noconnection``), it marks that member dead,
and each child of a dead member that the ring now places on it is started there. It does
not deduplicate: when two members have started the same child, both keep running (only a
Horde.Registry name conflict would remove one). The quorum strategy
(``Horde.UniformQuorumDistribution``) places nothing unless more than half of the members
are alive (of an even number of members, the first by name does not count), and a member
that loses its quorum shuts all its children down.

The model, on processes: nodes ``a``, ``b``, ``c`` (``-p nodes=2``: ``a``, ``b``) each boot
a member registered as ``horde``; the one child ``w`` is a worker process that a member
spawns and links to (``spawn_link``), placed by ``choose``: the live members, sorted, at
index 119 mod their number (``c`` among three, ``b`` among two, ``a`` alone). The member on
``c`` starts it as the model begins (``<c.1>``). Members trap exits: a child that crashes
(``--kills``) is started again; a child a member shuts down gets ``exit(pid, shutdown)``.
Each member monitors the others (``DOWN``) and follows node events for ``nodeup`` (its
``nodedown`` says what the ``DOWN`` says, and is ignored); on ``nodeup`` it marks the
member alive, monitors it again and sends it its replica (DeltaCrdt's sync). As
on the BEAM, a healed network reconnects nothing by itself: while a member marks others
dead, its ``reconnect`` timer polls them with ``Node.connect`` (libcluster's loop).
Entries ``(child, pid, clock)`` merge last-writer-wins (the larger clock, then the larger
pid), as in :mod:`models.registry.horde_registry`. Simplified:
each member marks the others dead from its own monitors (Horde also shares the marks through
the CRDT, which changes nothing when partitions split the cluster into whole groups); a
fixed modulo stands for the consistent-hash ring; a restarted member starts with an empty
replica.

Checked, the last two under weak fairness per channel, per signal queue and per timer, and
on the heal (a partition that may heal eventually does):

- ``one_instance`` (always): at most one instance of the child runs.
- ``one_instance_once_settled`` (always): once nothing is in flight and no signal waits (a
  link may stay cut), at most one instance runs.
- ``duplicates_survive_heal`` (sometimes): the network is whole, every connection up,
  nothing is in flight, and two instances run.
- ``runs_again`` (leads_to): whenever no instance runs, one runs later.
- ``every_side_served`` (eventually_always): from some point on, every group of nodes that
  can reach each other has an instance among them.

What the checker finds:

- ``--crashes 1``: 34 states, everything holds: ``crash(c)``, the ``DOWN`` reaches ``a`` and
  ``b``, the ring over ``[a, b]`` picks ``b``, which starts ``<b.1>``. (No faults: 1
  state.) ``--kills 1``: 26 states; a killed worker is restarted by its member, a killed
  member takes its linked worker with it and ``b`` takes over.
- ``--partitions 1``: 1,027 states. ``one_instance`` is violated in 2 steps:
  ``partition([a, b], [c])``, ``signal(<b.0>, DOWN(<c.0>, noconnection))``: ``b`` starts
  the child while ``<c.1>`` runs on. ``one_instance_once_settled`` is violated in 9
  (``partition([a, c], [b])`` and its signals: ``b``, alone, starts its own).
  ``runs_again`` and ``every_side_served`` hold: the uniform strategy chooses
  availability.
- ``-p nodes=2 --partitions 1 --heals 1``: 65 states. ``duplicates_survive_heal`` is
  reached in 11 steps: after the heal, a reconnect poll, both ``nodeup`` signals and the
  two syncs, every replica says ``<a.1>`` (the later write), and ``<b.1>`` runs on all
  the same.
- ``-p strategy=quorum --partitions 1``: 3,739 states. ``one_instance`` is still violated in
  2 steps (``b`` restarts the child before ``c`` has heard both ``DOWN`` signals and shut
  ``<c.1>`` down), but ``one_instance_once_settled`` holds: no lasting duplicate. The price is
  availability: ``every_side_served`` is violated (``partition([a, c], [b])``: ``b``'s side
  goes without, forever; 9 steps) and so is ``runs_again`` (``partition([a], [b], [c])``:
  nobody has a quorum, ``c`` shuts its instance down and nobody may start one; 15 steps,
  the last two the shutdown's exit signal and the child's ``EXIT`` back, then a reconnect
  poll that fails forever).
- ``-p strategy=quorum -p nodes=2 --crashes 1``: 7 states. Two members survive losing ``a``
  but not ``b``: after ``crash(b)`` and its signals, ``a`` counts 0 alive of the one member
  that counts, and ``runs_again`` is violated in 3 steps (then ``a`` polls for ``b``
  forever).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

import networkx as nx

from modelcheck import Param, always, eventually_always, leads_to, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, World
from models.registry.horde_registry import reconnected

#: The one child, by id.
CHILD = "w"
STRATEGIES = ("uniform", "quorum")
NODES = ("a", "b", "c")

Entry = tuple[str, Pid, int]  # (child id, pid, clock): the pid's node is the member


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


def wins(new: Entry, old: Entry) -> bool:
    """Last writer wins: the larger clock, ties broken by the pid (its node first).

    >>> wins(("w", Pid("a", 1), 2), ("w", Pid("c", 1), 1))
    True
    """
    return (new[2], new[1]) > (old[2], old[1])


class Worker(Actor[str]):
    """The child ``w``: a process that runs until its member shuts it down."""

    def init(self, me: Pid, out: Out) -> str:
        return CHILD


class Member(NamedTuple):
    """One node's member of the distributed supervisor."""

    dead: tuple[str, ...]  # the members it has marked dead (their supervisor went DOWN)
    running: tuple[Pid, ...]  # the children it started that still run (linked to it)
    children: tuple[Entry, ...]  # its replica of the CRDT: child id -> (pid, clock)
    clock: int  # writer timestamp of its next write


class HordeMember(Actor[Member]):
    """A Horde.DynamicSupervisor member: monitors the other members, starts (spawn_link)
    the children of a dead member that now belong to it, restarts a child that crashes."""

    trap_exit = True

    def __init__(self, nodes: tuple[str, ...], strategy: str) -> None:
        self.nodes = nodes
        self.quorum = strategy == "quorum"

    def init(self, me: Pid, out: Out) -> Member:
        out.monitor_nodes()  # Horde's NodeListener: learns when a node (re)joins
        for peer in self.nodes:
            if peer != me.node:
                out.monitor(("horde", peer))  # Process.monitor on the peer's member
        if out.durable is not None:  # restarted: an empty replica, filled by the others
            return Member(dead=(), running=(), children=(), clock=0)
        # The child was started before the model begins, on the member it belongs on.
        home = choose(CHILD, self.nodes)
        pid = out.spawn_link(Worker()) if home == me.node else Pid(home, 1)
        running = (pid,) if home == me.node else ()
        return Member(dead=(), running=running, children=((CHILD, pid, 1),), clock=1)

    def durable(self, state: Member) -> Hashable:
        return True  # a restarted member knows it restarted: it starts with an empty replica

    def membership_changed(self, me: Pid, st: Member, out: Out) -> Member:
        """``handle_quorum_change`` then ``handoff_processes``."""
        if self.quorum and not has_quorum(self.nodes, st.dead):
            for pid in st.running:  # shut_down_all_processes
                out.exit(pid, "shutdown")
            return st._replace(running=())
        chosen = choose(CHILD, tuple(m for m in self.nodes if m not in st.dead))
        for child, pid, _ in st.children:
            if chosen == me.node and pid.node != me.node and pid.node in st.dead:
                st = self.start_child(st, child, out)
        return st

    def start_child(self, st: Member, child: str, out: Out) -> Member:
        """``add_child``: spawn_link it here and write (member, pid) into the CRDT."""
        entry = (child, out.spawn_link(Worker()), st.clock + 1)
        out.broadcast(("child", entry))
        table = {e[0]: e for e in st.children}
        table[child] = entry
        return st._replace(
            running=(*st.running, entry[1]), children=tuple(sorted(table.values())), clock=entry[2]
        )

    def merge(self, st: Member, entries: Any) -> Member:
        """Last writer wins per child; a child running here that lost stays running."""
        table = {e[0]: e for e in st.children}
        clock = st.clock
        for entry in entries:
            clock = max(clock, entry[2])
            old = table.get(entry[0])
            if old is None or wins(entry, old):
                table[entry[0]] = entry
        return st._replace(children=tuple(sorted(table.values())), clock=clock)

    def on_down(self, me: Pid, state: Member, who: Any, reason: Any, out: Out) -> Member:
        """A peer's member went DOWN (noconnection, on a crash or a partition; ``noproc``
        names it ``("horde", node)`` when the monitor was made while it was not there)."""
        node = who.node if isinstance(who, Pid) else who[1]
        if node in state.dead:
            return state
        st = state._replace(dead=tuple(sorted((*state.dead, node))))
        out.set_timer("reconnect")  # libcluster's polling, until the dead come back
        return self.membership_changed(me, st, out)

    def on_exit(self, me: Pid, state: Member, who: Any, reason: Any, out: Out) -> Member:
        """A child exited: gone if this member shut it down, restarted if it crashed."""
        if who not in state.running:
            return state
        st = state._replace(running=tuple(p for p in state.running if p != who))
        return st if reason == "shutdown" else self.start_child(st, CHILD, out)

    def on_timeout(self, me: Pid, state: Member, timer: Hashable, out: Out) -> Member:
        """``Node.connect`` to the members marked dead, and poll again: on the BEAM a
        healed network reconnects nothing by itself."""
        for node in state.dead:
            out.connect(node)
        out.set_timer("reconnect")
        return state

    def on_nodeup(self, me: Pid, state: Member, node: str, out: Out) -> Member:
        """The peer is back: alive again, monitored again, and the replicas sync."""
        out.monitor(("horde", node))
        out.send(("horde", node), ("sync", state.children))
        st = state._replace(dead=tuple(m for m in state.dead if m != node))
        if not st.dead:
            out.cancel_timer("reconnect")
        return self.membership_changed(me, st, out)

    def on_message(self, me: Pid, state: Member, sender: Any, msg: Any, out: Out) -> Member:
        if msg[0] == "child":
            return self.merge(state, [msg[1]])
        return self.merge(state, msg[1])


def _fair_step(label: Any) -> Any:
    """What weak fairness is per: a channel's next delivery, a process's next signal, a
    timer."""
    return label[:3]


class HordeSupervisor(ActorSystem):
    """One child under a Horde.DynamicSupervisor with a member on every node."""

    nodes = Param(3, help="number of nodes (a, b, c)", min=2, max=3)
    strategy = Param("uniform", help="distribution strategy", choices=STRATEGIES)
    fairness = (weak("deliver", "signal", "timeout", per=_fair_step), weak("heal"))

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        names = NODES[: self.nodes]
        return {node: (Boot(HordeMember(names, self.strategy), name="horde"),) for node in names}

    def instances(self, w: World) -> list[Pid]:
        """The pids of the running instances of the child (worker processes), sorted."""
        return sorted(pid for pid, st in self.processes(w).items() if st == CHILD)

    def settled(self, w: World) -> bool:
        """Nothing in flight and no signal waiting (a link may stay cut)."""
        return not (w.chans or w.byname or w.sysq)

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
        """The network is whole again, every connection up, nothing is in flight, and two
        instances still run."""
        if w.cut or not self.settled(w) or len(self.instances(w)) < 2:
            return False
        return reconnected(self, w)

    @leads_to
    def runs_again(self, w: World) -> tuple[bool, bool]:
        """Whenever no instance runs, one runs later."""
        running = bool(self.instances(w))
        return (not running, running)

    @eventually_always
    def every_side_served(self, w: World) -> bool:
        """From some point on, each group of running nodes that can reach each other has an
        instance among them (availability on every side of a partition)."""
        nodes = {pid.node for pid in self.instances(w)}
        return all(
            any(node in nodes for node in group)
            for group in nx.connected_components(self.connectivity(w))
        )
