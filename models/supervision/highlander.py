"""Highlander: one process per cluster, on top of :global.

DOCSTRING
"""

from __future__ import annotations

from typing import Any

from modelcheck import Param, always, eventually_always, leads_to, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World
from models.registry.global_registry import (
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

    def resolve(self, name: str, pid: str, pid2: str) -> tuple[str | None, list[Effect]]:
        """``handle_conflict(_name, pid1, pid2)``: exit ``pid2`` (this node's) with
        ``:name_conflict``, keep ``pid1`` (the other node's)."""
        return pid, [(pid2, ("exit", pid2, "name_conflict"))]


class Highlander(ActorSystem):
    """A Highlander for the child ``w`` on every node: the child should run exactly once."""

    nodes = Param(2, help="number of nodes (a, b, c)", min=2, max=3)
    network = FIFO_ONLY
    fairness = (weak("deliver", "signal", "timeout", per=fair_step),)

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
