"""Horde.Registry: register on the local replica of a CRDT, learn of clashes on merge.

What the real system does: Horde.Registry keeps ``{key -> (member, pid, value)}`` in a
DeltaCrdt add-wins last-writer-wins map, a replica on every node. ``register`` looks only in
the local replica (``{:error, {:already_registered, pid}}`` if the key is there), then writes
locally; DeltaCrdt ships the change to the neighbours. So two nodes can register the same
key at the same time, and both succeed. When a merge brings a different pid for a key, the
entry with the larger writer timestamp wins, on every replica alike, and the registry whose
entry was replaced sends the losing pid the exit signal ``{:name_conflict, {key, value},
registry, winner}``: a process that does not trap exits dies of it. When a registered
process exits, its registry removes the entries it gave it (only those: a concurrent add
wins).

The model: nodes ``a`` and ``b`` (``-p nodes=3`` adds ``c``), each with a process (``a.1``,
...) that registers the key ``k`` when its ``register`` timer fires. A replica keeps the
winning entry per key, ``(key, pid, clock)``, with a Lamport clock as the writer timestamp,
ties broken by the writer's node name, then by the pid; and the pids whose entries were
removed (the CRDT's causal context, in short). A write goes to every other node at once
(``add``); a node that comes back up is sent the whole replica (``sync``, DeltaCrdt's
periodic sync). As on the BEAM, a healed network reconnects nothing by itself: after a
``nodedown`` each node polls with ``Node.connect`` on a ``reconnect`` timer (libcluster's
loop). Simplified: one key; the real map keeps concurrent entries side by side, the
model only the winner (they differ only once a winner dies, and here only losers die);
Horde's membership CRDT is left out (the members are fixed).

Checked:

- ``one_holder`` (always): at most one running process holds the key in any running node's
  replica.
- ``converged_when_quiescent`` (always): once nothing is in flight, no signal waits, no
  link is cut and every connection is up, the replicas agree and at most one running
  process holds the key.
- ``settles`` (eventually_always, weak fairness per channel, per signal queue, per timer
  and on the heal):
  from some point on, the replicas agree and at most one process holds the key.
- ``loser_exits`` (sometimes): a registered process gets ``{:name_conflict, ...}`` from a
  merge and exits.

What the checker finds:

- No faults: 11 states. ``one_holder`` is violated in 2 steps, ``timeout(a, register)``,
  ``timeout(b, register)``: two holders, each in its own replica, until the merge.
  ``loser_exits`` in 3: ``deliver(b, a, [add, k, b.1, 1])``: b's entry wins (the same clock;
  ``b`` sorts last), so ``a.1`` gets the exit. ``converged_when_quiescent`` and ``settles``
  hold. With 3 nodes: 312 states, the same.
- ``--partitions 1``: 47 states. The writes sent across the cut are lost and nothing sends
  them again: ``settles`` is violated (both register, the partition, both nodedowns: 5
  steps, then a reconnect poll that fails forever).
- ``--partitions 1 --heals 1``: 321 states. After the heal a reconnect poll brings the
  connection back; the full sync merges the replicas, the loser exits: ``settles`` holds.
  Order does not matter to a merge: with ``-p network=unordered`` it holds too (382
  states).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually_always, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World

from .global_registry import NODES, fair_step

#: The key every node's process registers.
KEY = "k"

Entry = tuple[str, str, int]  # (key, pid, clock): the pid's node is the writer


def pid_of(node: str, incarnation: int = 1) -> str:
    """The pid of a node's process, as a string: ``b.1`` is the first process on ``b``.

    >>> pid_of("b"), node_of("b.2")
    ('b.1', 'b')
    """
    return f"{node}.{incarnation}"


def node_of(pid: str) -> str:
    """The node a pid lives on (``node(Pid)``)."""
    return pid.split(".", 1)[0]


def wins(new: Entry, old: Entry) -> bool:
    """Last writer wins: the larger clock, ties broken by the writer's node name, then by
    the pid (a restarted node's replica is a new writer: DeltaCrdt gives it a new id).

    >>> wins(("k", "b.1", 1), ("k", "a.1", 1)), wins(("k", "a.1", 2), ("k", "b.1", 1))
    (True, True)
    >>> wins(("k", "a.2", 1), ("k", "a.1", 1))
    True
    """
    return stamp(new) > stamp(old)


def stamp(entry: Entry) -> tuple[int, str, str]:
    """An entry's writer timestamp: (clock, writer node, pid), a total order."""
    return (entry[2], node_of(entry[1]), entry[1])


def reconnected(system: ActorSystem, w: World) -> bool:
    """Every connection the network allows is up: after a heal a connection comes back
    only when a process reaches across (a send, a monitor, ``Node.connect``)."""
    up: int = system.connections(w).number_of_edges()
    reach: int = system.connectivity(w).number_of_edges()
    return up == reach


class Replica(NamedTuple):
    """One node: its registry's replica of the keys CRDT and its one process."""

    pid: str  # the node's process
    proc: str  # idle (not registered yet), registered, taken, exited
    keys: tuple[Entry, ...]  # the winning entry per key, sorted
    clock: int  # a Lamport clock: the writer timestamp of the next local write
    removed: tuple[str, ...]  # pids whose entries were removed (the causal context, in short)


class HordeNode(Actor[Replica]):
    """A node running Horde.Registry, with a process that registers ``KEY`` (a timer: it
    may do so at any time)."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key

    def init(self, me: str, out: Out) -> Replica:
        out.monitor_nodes()
        out.set_timer("register")
        incarnation = 1 if out.durable is None else int(str(out.durable)) + 1
        return Replica(pid=pid_of(me, incarnation), proc="idle", keys=(), clock=0, removed=())

    def durable(self, state: Replica) -> Hashable:
        return int(state.pid.split(".")[1])  # a restarted node's process gets a new pid

    def on_timeout(self, me: str, state: Replica, timer: Hashable, out: Out) -> Replica:
        """``Horde.Registry.register``: look in the local replica only, then write. (Or
        the ``reconnect`` poll: ``Node.connect`` to every node, as libcluster does.)"""
        if timer == "reconnect":
            for node in out.nodes:
                if node != me:
                    out.connect(node)
            out.set_timer("reconnect")
            return state
        if state.proc != "idle":
            return state
        if any(e[0] == self.key for e in state.keys):
            return state._replace(proc="taken")  # {:error, {:already_registered, pid}}
        entry = (self.key, state.pid, state.clock + 1)
        out.broadcast(("add", *entry))
        return state._replace(
            proc="registered", keys=tuple(sorted((*state.keys, entry))), clock=entry[2]
        )

    def merge(self, me: str, st: Replica, entries: Any, out: Out) -> Replica:
        """Join incoming entries; a key whose winner changes sends the old pid an exit."""
        table = {e[0]: e for e in st.keys}
        clock = st.clock
        losers: list[str] = []
        for entry in entries:
            key, pid, stamp = entry
            clock = max(clock, stamp)
            if pid in st.removed:
                continue
            old = table.get(key)
            if old is None or (old[1] != pid and wins(entry, old)):
                table[key] = entry
                if old is not None:
                    losers.append(old[1])
        st = st._replace(keys=tuple(sorted(table.values())), clock=clock)
        for loser in losers:
            msg = ("exit", loser, ("name_conflict", self.key))
            if node_of(loser) == me:
                st = self.to_process(me, st, msg, out)
            else:
                out.send(node_of(loser), msg)
        return st

    def to_process(self, me: str, st: Replica, msg: Any, out: Out) -> Replica:
        """An exit signal ``{:name_conflict, ...}``: the process does not trap exits, so it
        dies; the registry (linked to it) removes what the local replica still gives it."""
        if msg[1] != st.pid or st.proc in ("exited",):
            return st
        mine = [e for e in st.keys if e[1] == st.pid]
        for key, pid, _ in mine:
            out.broadcast(("remove", key, pid))
        return st._replace(
            proc="exited",
            keys=tuple(e for e in st.keys if e[1] != st.pid),
            removed=tuple(sorted({*st.removed, st.pid})) if mine else st.removed,
        )

    def on_message(self, me: str, state: Replica, sender: str, msg: Any, out: Out) -> Replica:
        kind = msg[0]
        if kind == "add":
            return self.merge(me, state, [msg[1:]], out)
        if kind == "sync":
            _, entries, removed = msg
            gone = set(removed) | set(state.removed)
            state = state._replace(
                keys=tuple(e for e in state.keys if e[1] not in gone),
                removed=tuple(sorted(gone)),
            )
            return self.merge(me, state, entries, out)
        if kind == "remove":
            _, key, pid = msg
            return state._replace(
                keys=tuple(e for e in state.keys if e[:2] != (key, pid)),
                removed=tuple(sorted({*state.removed, pid})),
            )
        return self.to_process(me, state, msg, out)

    def on_nodedown(self, me: str, state: Replica, node: str, out: Out) -> Replica:
        """A neighbour is gone: poll to reconnect (on the BEAM a healed network reconnects
        nothing by itself; a connection comes back when a process reaches across)."""
        out.set_timer("reconnect")
        return state

    def on_nodeup(self, me: str, state: Replica, node: str, out: Out) -> Replica:
        """A neighbour is back: send it the whole replica (DeltaCrdt's periodic sync)."""
        out.send(node, ("sync", state.keys, state.removed))
        return state


class HordeRegistry(ActorSystem):
    """Every node's process registers the same key in Horde.Registry, at a time of its own."""

    nodes = Param(2, help="number of nodes (a, b, c)", min=2, max=3)
    fairness = (weak("deliver", "signal", "timeout", per=fair_step), weak("heal"))

    def actors(self) -> dict[str, Actor[Any]]:
        return {node: HordeNode() for node in NODES[: self.nodes]}

    def running(self, w: World, pid: str) -> bool:
        st = self.state_of(w, node_of(pid))
        return isinstance(st, Replica) and st.pid == pid and st.proc != "exited"

    def holders(self, w: World, key: str = KEY) -> list[str]:
        """The running processes some running node's replica gives ``key`` to, sorted."""
        pids = {e[1] for st in self.live_states(w).values() for e in st.keys if e[0] == key}
        return sorted(pid for pid in pids if self.running(w, pid))

    def quiescent(self, w: World) -> bool:
        """Every message delivered, every signal handled, no link cut, every connection up
        (after a heal a connection comes back only when a process reaches across)."""
        return not (w.chans or w.sysq or w.cut) and reconnected(self, w)

    def agree(self, w: World) -> bool:
        """Every running node's replica holds the same entries."""
        return len({st.keys for st in self.live_states(w).values()}) <= 1

    @always
    def one_holder(self, w: World) -> bool:
        """At most one running process holds the key in any running node's replica."""
        return len(self.holders(w)) <= 1

    @always
    def converged_when_quiescent(self, w: World) -> bool:
        """Once nothing is in flight and no link is cut, the replicas agree and at most one
        running process holds the key."""
        return not self.quiescent(w) or (self.agree(w) and len(self.holders(w)) <= 1)

    @eventually_always
    def settles(self, w: World) -> bool:
        """From some point on, the replicas agree and at most one process holds the key."""
        return self.agree(w) and len(self.holders(w)) <= 1

    @sometimes
    def loser_exits(self, w: World) -> bool:
        """A registered process is sent {:name_conflict, ...} by a merge, and exits."""
        return any(st.proc == "exited" for st in self.live_states(w).values())
