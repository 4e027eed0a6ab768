"""Highlander: one process per cluster, on top of :global.

What the real system does: ``{Highlander, child_spec}`` registers ``{Highlander, id}`` with
``:global.register_name(name, self(), &handle_conflict/3)``. On ``:yes`` it starts the child
(under a supervisor linked to it); on ``:no`` it looks up the holder (``whereis_name``, a
local lookup), monitors it, and registers again when the monitor fires, ``noconnection``
included. So during a partition there is one instance per side. On heal, :global's sync
calls ``handle_conflict(name, pid1, pid2)`` on the lower node, that node's own pid second: it
sends ``pid2`` an exit with reason ``:name_conflict`` and keeps ``pid1``. Highlander traps
exits: it stops the child with ``:shutdown`` and stops; its supervisor starts it again, it
registers, finds the name taken and monitors the winner.

The model: :mod:`models.registry.global_registry` (imported, not copied), with each node's
process a Highlander: ``running`` once registered (the child runs), ``waiting`` while it
monitors the holder, started again at once with a new pid (``a.2``) after a name conflict.
Simplified: the child starts and stops with its Highlander; a monitor on a remote pid is
:global's own, the ``DOWN`` every node gets when a registered process dies, or the
``nodedown`` of its node. As on the BEAM, a healed network reconnects nothing by itself:
after a ``nodedown`` a node polls with ``Node.connect`` (libcluster's loop) until :global
has synced with every node again.

Checked:

- ``one_instance`` (always): at most one instance of the child runs.
- ``one_instance_once_settled`` (always): once settled (as in the registry model), exactly
  one runs.
- ``runs_again`` (leads_to) and ``settles_on_one_instance`` (eventually_always), with weak
  fairness per channel, per signal queue and per timer, and on the heal: whenever none
  runs, one runs later; from some point on, exactly one runs.
- ``shut_down_by_resolver`` (sometimes): a Highlander was stopped by the resolver and started
  again (its pid is a second incarnation).

What the checker finds, with 2 nodes:

- No faults: 37 states; ``--crashes 1``: 69 states; everything holds (the holder's node
  crashes, the waiter hears ``nodedown``, registers and starts the child). With 3 nodes:
  1,295 and 3,615 states, the same.
- ``--partitions 1``: 124 states. ``one_instance`` is violated in 5 steps (a partition
  before either starts: both register, both run the child), and ``settles_on_one_instance``
  (nothing heals it). A Highlander that was waiting takes over the same way: its monitor
  fires with ``noconnection`` (the tests replay it).
- ``--partitions 1 --heals 1``: 2,453 states. ``one_instance`` is still violated, and
  everything else holds: ``shut_down_by_resolver`` is reached in 10 steps (the heal, then
  a reconnect poll), the last
  ``deliver(b, a, [names, a+b/1, [[Highlander.w, b.1]]])``: ``a`` resolves the clash by
  stopping its own ``a.1`` (Highlander's resolver keeps the other node's pid, the opposite of
  ``random_exit_name``), and ``a.2`` starts, finds the name taken by ``b.1``, and waits. Even
  when ``a.1`` held the name first and ``b.1`` took over in the partition, it is ``a.1``
  that goes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import Param, always, eventually_always, leads_to, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World
from models.registry.global_node import (
    FIFO_ONLY,
    NODES,
    Effect,
    GlobalNode,
    Node,
    fair_step,
    node_of,
    pid_of,
    settled,
    show_node,
)

#: The name Highlander registers: {Highlander, child_spec.id}.
NAME = "Highlander.w"


class HighlanderNode(GlobalNode):
    """A node running :global and a Highlander process for the child ``w``.

    The Highlander process registers the name; if that succeeds it starts the child (under
    a supervisor linked to it), otherwise it looks up the holder, monitors it and registers
    again when the monitor fires. It traps exits: the resolver's ``exit(Pid, name_conflict)``
    makes it stop the child and stop itself; its own supervisor then starts it again, with
    a new pid.
    """

    def __init__(self) -> None:
        super().__init__(method="Highlander.handle_conflict", name=NAME)

    def registered(self, me: str, st: Node, yes: bool, out: Out) -> Node:
        if yes:
            return st._replace(proc="running")  # the child is started
        holder = dict(st.names).get(self.name)  # :global.whereis_name: a local lookup
        if holder is None:
            return self.register(me, st._replace(proc="registering"), out)
        return st._replace(proc="waiting", watch=holder)  # Process.monitor(holder)

    def holder_down(self, me: str, st: Node, pid: str, reason: str, out: Out) -> Node:
        return self.register(me, st._replace(proc="registering", watch=""), out)

    def to_process(self, me: str, st: Node, msg: Any, out: Out) -> Node:
        if msg[0] != "exit" or msg[1] != st.pid:
            return st
        if msg[2] == "kill":
            st = self.die(me, st, "killed", out)
        else:  # trapped: stop the child, then stop with {:shutdown, :name_conflict}
            st = self.die(me, st, "shutdown", out)
        incarnation = int(st.pid.split(".")[1]) + 1  # its supervisor starts it again
        return self.start_process(me, st._replace(pid=pid_of(me, incarnation)), out)

    def on_nodedown(self, me: str, state: Node, node: str, out: Out) -> Node:
        """:global forgets ``node``; a poll (libcluster's) will try to connect again."""
        out.set_timer("reconnect")
        return super().on_nodedown(me, state, node, out)

    def on_timeout(self, me: str, state: Node, timer: Hashable, out: Out) -> Node:
        """The ``reconnect`` poll: ``Node.connect`` to every node :global has not synced
        with, again later while there is one (on the BEAM a healed network reconnects
        nothing by itself); :global's own timers otherwise."""
        if timer != "reconnect":
            return super().on_timeout(me, state, timer, out)
        missing = [node for node in out.nodes if node != me and node not in state.known]
        for node in missing:
            out.connect(node)
        if missing:
            out.set_timer("reconnect")
        return state

    def resolve(self, name: str, pid: str, pid2: str) -> tuple[str | None, list[Effect]]:
        """``handle_conflict(_name, pid1, pid2)``: exit ``pid2`` (this node's) with
        ``:name_conflict``, keep ``pid1`` (the other node's)."""
        return pid, [(pid2, ("exit", pid2, "name_conflict"))]


class Highlander(ActorSystem):
    """A Highlander for the child ``w`` on every node: the child should run exactly once."""

    nodes = Param(2, help="number of nodes (a, b, c)", min=2, max=3)
    network = FIFO_ONLY
    fairness = (weak("deliver", "signal", "timeout", per=fair_step), weak("heal"))

    def actors(self) -> dict[str, Actor[Any]]:
        return {node: HighlanderNode() for node in NODES[: self.nodes]}

    def show(self, w: World) -> dict[str, Any]:
        shown = super().show(w)
        shown.update((name, show_node(st)) for name, st in self.live_states(w).items())
        return shown

    def instances(self, w: World) -> list[str]:
        """The Highlander processes running the child, by pid."""
        return sorted(st.pid for st in self.live_states(w).values() if st.proc == "running")

    @always
    def one_instance(self, w: World) -> bool:
        """At most one instance of the child runs."""
        return len(self.instances(w)) <= 1

    @always
    def one_instance_once_settled(self, w: World) -> bool:
        """Once the network is whole and nothing is left to happen, exactly one runs."""
        return not settled(self, w) or len(self.instances(w)) == 1

    @leads_to
    def runs_again(self, w: World) -> tuple[bool, bool]:
        """Whenever no instance runs, one runs later."""
        running = bool(self.instances(w))
        return (not running, running)

    @eventually_always
    def settles_on_one_instance(self, w: World) -> bool:
        """From some point on, exactly one instance of the child runs."""
        return len(self.instances(w)) == 1

    @sometimes
    def shut_down_by_resolver(self, w: World) -> bool:
        """A Highlander got exit(name_conflict) from :global's resolver, stopped its child
        and was started again (its pid is a second incarnation)."""
        return any(
            not st.pid.endswith(".1") and node_of(st.pid) == node
            for node, st in self.live_states(w).items()
        )
