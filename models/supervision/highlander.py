"""Highlander: one process per cluster, on top of :global.

What the real system does: ``{Highlander, child_spec}`` is a process (under the
application's supervisor) that traps exits and, as it starts, calls
``:global.register_name({Highlander, id}, self(), &handle_conflict/3)``. On ``:yes`` it
starts the child (under a supervisor linked to it); on ``:no`` it looks up the holder
(``:global.whereis_name``), monitors it, and registers again when the monitor fires,
``noconnection`` included. So during a partition there is one instance per side. On heal,
:global's sync calls ``handle_conflict(name, pid1, pid2)`` on the lower node, that node's
own pid second: it sends ``pid2`` the exit signal ``:name_conflict`` and keeps ``pid1``.
The Highlander traps it, stops its child and stops with ``{:shutdown, :name_conflict}``;
its supervisor starts it again, it registers, finds the name taken and monitors the winner.

The model: nodes ``a`` and ``b`` (``-p nodes=3`` adds ``c``), each running :global's name
server (:mod:`modelcheck.beam.global_names`, as in
:mod:`models.registry.global_registry`, whose pinging server it reuses) with
``handle_conflict`` as a user resolver, and a :class:`~modelcheck.beam.supervisor.Supervisor`
(``<a.1>``) whose one permanent child is the Highlander (``<a.2>``; after a name conflict
``<a.3>``). A Highlander calls ``register_name`` from its ``init``, as Highlander does; its
status is ``registering``, ``running`` (registered: the child runs), ``looking`` (its
``whereis_name`` is under way) or ``waiting`` (it monitors the holder). Simplified: the
child starts and stops with its Highlander (no process of its own). As on the BEAM, a
healed network reconnects nothing by itself: after a ``nodedown`` the lower node's server
pings the other node until ``nodeup`` (an application's traffic, or libcluster's loop).

Checked:

- ``one_instance`` (always): at most one instance of the child runs.
- ``one_instance_once_settled`` (always): once settled (no link cut, nothing in flight, no
  signal or timer pending, no lock held, no registration or sync under way), exactly one
  runs.
- ``runs_again`` (leads_to) and ``settles_on_one_instance`` (eventually_always), with weak
  fairness per channel, per signal queue, per timer and on the heal: whenever none runs,
  one runs later; from some point on, exactly one runs.
- ``shut_down_by_resolver`` (sometimes): a Highlander was stopped by the resolver and its
  supervisor started it again.

What the checker finds, with 2 nodes (the counts are pinned in ``specs/highlander*.toml``):

- No faults: 86 states; ``--crashes 1``: 152 states; everything holds (the holder's node
  crashes, the waiter's monitor fires with ``noconnection``, it registers and starts the
  child).
- ``--partitions 1``: 432 states. ``one_instance`` is violated in 7 steps (a partition
  before the registrations reach the other node, both servers' ``nodedown``: each side
  registers, both run the child), and ``settles_on_one_instance`` (nothing heals it). A
  Highlander that was waiting takes over the same way: its monitor fires with
  ``noconnection`` (the tests replay it).
- ``--partitions 1 --heals 1``: 4,074 states. ``one_instance`` is still violated, and
  everything else holds: ``shut_down_by_resolver`` is reached in 13 steps, after the heal,
  a ping, the sync, and the supervisor's ``EXIT``: ``a`` resolves the clash by stopping its
  own Highlander (``handle_conflict`` keeps the other node's pid, the opposite of
  ``random_exit_name``), and the new one finds the name taken and waits. Even when ``a``'s
  held the name first and ``b``'s took over in the partition, it is ``a``'s that goes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually_always, leads_to, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, World
from modelcheck.beam.global_names import (
    NAME_SERVER,
    REPLY,
    GlobalState,
    register_name,
    whereis_name,
)
from modelcheck.beam.supervisor import Child, Supervisor, SupState
from models.registry.global_registry import (
    FIFO_ONLY,
    NODES,
    PingingServer,
    fair_step,
    show_server,
)

#: The name Highlander registers: {Highlander, child_spec.id}.
NAME = "Highlander.w"
#: The resolve method the registration names: Highlander's own ``handle_conflict/3``.
HANDLE_CONFLICT = "Highlander.handle_conflict"


def handle_conflict(name: Hashable, pid1: Pid, pid2: Pid, out: Out) -> Pid:
    """``handle_conflict(_name, pid1, pid2)``: exit ``pid2`` (the resolving node's own)
    with ``:name_conflict``, keep ``pid1`` (the other node's)."""
    out.exit(pid2, "name_conflict")
    return pid1


class Instance(NamedTuple):
    """A Highlander process: registering, running (the child runs), looking (asking
    :global where the holder is) or waiting (monitoring ``holder``)."""

    status: str
    holder: Pid | None = None


class HighlanderProcess(Actor[Instance]):
    """The Highlander process for the child ``w``: it traps exits."""

    trap_exit = True

    def init(self, me: Pid, out: Out) -> Instance:
        register_name(out, NAME, me, HANDLE_CONFLICT)
        return Instance("registering")

    def on_message(self, me: Pid, state: Instance, sender: Any, msg: Any, out: Out) -> Instance:
        if msg[0] != REPLY:
            return state
        verb, answer = msg[1], msg[2]
        if verb == "register_name":
            if answer == "yes":
                return Instance("running")  # the child is started
            whereis_name(out, NAME)
            return Instance("looking")
        if answer == "undefined":  # the holder went in between: register again
            register_name(out, NAME, me, HANDLE_CONFLICT)
            return Instance("registering")
        out.monitor(answer)
        return Instance("waiting", answer)

    def on_down(self, me: Pid, state: Instance, who: Any, reason: Any, out: Out) -> Instance:
        if who != state.holder:
            return state
        register_name(out, NAME, me, HANDLE_CONFLICT)
        return Instance("registering")

    def on_exit(self, me: Pid, state: Instance, who: Any, reason: Any, out: Out) -> Instance:
        """``{:EXIT, _, :name_conflict}``: stop the child, then stop; the supervisor's
        ``EXIT`` (it gave up) stops it as well."""
        out.stop(("shutdown", reason) if reason == "name_conflict" else reason)
        return state


class Highlander(ActorSystem):
    """A Highlander for the child ``w`` on every node: the child should run exactly once."""

    nodes = Param(2, help="number of nodes (a, b, c)", min=2, max=3)
    network = FIFO_ONLY
    fairness = (weak("deliver", "signal", "timeout", "heal", per=fair_step),)

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        server = PingingServer(resolvers=((HANDLE_CONFLICT, handle_conflict),))
        supervisor = Supervisor((Child("highlander", HighlanderProcess()),))
        return {node: (Boot(server, name=NAME_SERVER), supervisor) for node in NODES[: self.nodes]}

    def show(self, w: World) -> dict[str, Any]:
        shown = super().show(w)
        for pid, state in self.processes(w).items():
            if type(state) is GlobalState:
                shown[str(pid)] = show_server(state)
            elif type(state) is Instance:
                holder = f", monitors {state.holder}" if state.holder else ""
                shown[str(pid)] = state.status + holder
        return shown

    def instances(self, w: World) -> list[Pid]:
        """The Highlander processes running the child, by pid."""
        return sorted(
            pid
            for pid, st in self.processes(w).items()
            if type(st) is Instance and st.status == "running"
        )

    def settled(self, w: World) -> bool:
        """Nothing left to happen: no link cut, nothing in flight, no signal or timer
        pending, and on every running server no lock held, no registration or sync under
        way."""
        if w.cut or w.chans or w.sysq or w.timers:
            return False
        return all(
            not st.locks and st.phase == "idle" and not st.syncs and not st.jobs
            for st in self.processes(w).values()
            if type(st) is GlobalState
        )

    @always
    def one_instance(self, w: World) -> bool:
        """At most one instance of the child runs."""
        return len(self.instances(w)) <= 1

    @always
    def one_instance_once_settled(self, w: World) -> bool:
        """Once the network is whole and nothing is left to happen, exactly one runs."""
        return not self.settled(w) or len(self.instances(w)) == 1

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
        and was started again by its supervisor."""
        return any(type(st) is SupState and st.restarts > 0 for st in self.processes(w).values())
