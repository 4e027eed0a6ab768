"""Erlang's :global: a name table on every node, a cluster-wide lock, a resolver on heal.

What the real system does (OTP's ``global.erl``): every node holds a full replica of the
name table; lookups are local. ``global:register_name(Name, Pid, Resolve)`` takes the lock
on ``global`` first on the "boss" (the highest known node), then on every other known node
(a node whose lock someone else holds refuses; the registrar releases what it holds and
retries after a random sleep), checks that the name is free, tells every known node and
releases the locks. Every node monitors the registered processes: a name goes when its
process dies, and the names of a node go when the node goes down, so during a partition
each side can register the same name. When a connection comes back, the two nodes lock
themselves against registrations and exchange their tables; for each name registered to
two processes, the node whose name sorts first calls the registration's resolve function:
``random_exit_name`` (the default, not random: it keeps the process on the lower node and
kills the other with ``exit(Pid, kill)``: no trap, no warning), ``random_notify_name``
(keeps the same one and sends the other ``{global_name_conflict, Name}``: it runs on, no
longer registered) or ``notify_all_name`` (unregisters the name and notifies both).

The model: nodes ``a`` and ``b`` (``-p nodes=3`` adds ``c``), each running :global's name
server (:mod:`modelcheck.beam.global_names`, registered as ``global_name_server``) and one
process (``<a.1>``, ``<b.1>``) that calls ``global:register_name(n, self(), Resolve)`` when
its ``start`` timer fires. ``-p resolve=`` picks the resolve function;
``-p prevent_overlapping_partitions=`` (true by default, as in OTP 25's kernel) makes a
server that hears ``nodedown`` ask the others to disconnect that node too. On the BEAM a
healed network carries no connection until some process reaches across: here, after a
``nodedown`` the lower node's server pings the other node on a timer (``ping``) until
``nodeup`` (what an application's traffic or libcluster does; global.erl does not), unless
global took that connection down itself.

Checked, over the tables of the running name servers:

- ``one_holder`` (always): at most one running process is registered under the name.
- ``agree_once_settled`` (always): once settled (no link cut, nothing in flight, no signal or
  timer pending, no lock held, no registration or sync under way), every running server
  has the same table, and the pids in it are running.
- ``settles_on_one_holder`` (eventually_always, weak fairness per channel, per signal queue
  and per timer): from some point on, the tables agree and at most one process holds the
  name.
- ``killed_by_resolver``, ``loser_runs_on``, ``name_orphaned`` (sometimes): a registering
  process is killed (its node up); settled, a process that got a conflict notice runs on;
  settled, nobody holds the name though a process that registered it runs.

What the checker finds (the counts are pinned in ``specs/global_registry*.toml``):

- No faults: the three invariants hold (the boss's lock serializes the registrations: one
  gets ``no``) and no ``sometimes`` is reached.
- ``--partitions 1``: ``one_holder`` is violated in 5 steps: ``partition([a], [b])``, both
  servers' ``nodedown``, both ``start`` timers: each side registers ``n`` on its own. Nothing
  heals it: ``settles_on_one_holder`` is violated too.
- ``--partitions 1 --heals 1``: ``one_holder`` is still violated, but ``agree_once_settled``
  and ``settles_on_one_holder`` hold: the heal restores one holder, at a price each
  resolver shows: ``killed_by_resolver`` (``random_exit_name``: b's process is killed
  without a word), ``loser_runs_on`` (``random_notify_name``) or ``name_orphaned``
  (``notify_all_name``: both run, the name is registered nowhere).
- ``-p nodes=3 --cuts 1``: ``one_holder`` is violated either way; with the option on,
  cutting ``a``-``b`` can end with all three nodes apart, each free to register ``n``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually_always, sometimes, weak
from modelcheck.actors import DEAD, Actor, ActorSystem, Boot, Budget, Out, Pid, World
from modelcheck.beam.global_names import (
    METHODS,
    NAME_SERVER,
    REPLY,
    GlobalServer,
    GlobalState,
    names,
    register_name,
)

__all__ = [
    "FIFO_ONLY",
    "METHODS",
    "NAME",
    "NODES",
    "GlobalRegistry",
    "PingingServer",
    "Proc",
    "Registrant",
    "fair_step",
    "settled",
    "show_server",
]

#: The name every node's process wants to register.
NAME = "n"
#: Node names, in order: a sorts first.
NODES = ("a", "b", "c")


class Proc(NamedTuple):
    """The registering process: its pid and what it is doing (idle, registering,
    registered, refused, notified)."""

    pid: Pid
    status: str


class Registrant(Actor[Proc]):
    """Registers ``NAME`` with :global when its ``start`` timer fires."""

    def __init__(self, method: str = METHODS[0]) -> None:
        self.method = method

    def init(self, me: Pid, out: Out) -> Proc:
        out.set_timer("start")  # the process starts at a time of its own
        return Proc(me, "idle")

    def on_timeout(self, me: Pid, state: Proc, timer: Hashable, out: Out) -> Proc:
        register_name(out, NAME, me, self.method)
        return state._replace(status="registering")

    def on_message(self, me: Pid, state: Proc, sender: Any, msg: Any, out: Out) -> Proc:
        if msg[0] == REPLY:
            return state._replace(status="registered" if msg[2] == "yes" else "refused")
        return state._replace(status="notified")  # {global_name_conflict, ...}


class PingingServer(GlobalServer):
    """:global's server, and after a ``nodedown`` of a higher node a ping of that node on a
    timer until ``nodeup``: what reconnects a healed network on the BEAM is somebody's
    traffic (one side of a pair is enough: a connection is the pair's). A connection that
    global took down itself (prevent_overlapping_partitions) is left down."""

    def on_nodedown(self, me: Pid, state: GlobalState, node: str, out: Out) -> Any:
        if me.node < node and node not in state.removing:
            out.set_timer(("ping", node))
        return super().on_nodedown(me, state, node, out)

    def on_nodeup(self, me: Pid, state: GlobalState, node: str, out: Out) -> Any:
        if me.node < node:
            out.cancel_timer(("ping", node))
        return super().on_nodeup(me, state, node, out)

    def on_timeout(self, me: Pid, state: GlobalState, timer: Hashable, out: Out) -> Any:
        if type(timer) is tuple:
            out.connect(timer[1])  # nothing while the network does not reach
            out.set_timer(timer)
            return state
        return super().on_timeout(me, state, timer, out)


def show_server(st: GlobalState) -> dict[str, Any]:
    """A server's state for traces: its table, whom it synced with, and its lock and
    registrar only as far as they matter.

    >>> show_server(GlobalState(names=(("n", Pid("a", 1), "random_exit_name"),), known=("b",)))
    {'names': {'n': <a.1>}, 'known': ['b'], 'lock': 'free', 'registrar': 'idle'}
    """
    registrar = st.phase
    if st.phase in ("boss", "rest"):
        held = f"holds {' '.join(st.granted)}; " if st.granted else ""
        registrar = f"{st.phase}: {held}waits for {' '.join(st.waiting) or 'none'}"
    shown: dict[str, Any] = {
        "names": names(st),
        "known": list(st.known),
        "lock": [list(lock[:2]) for lock in st.locks] or "free",
        "registrar": registrar,
    }
    if st.syncs:
        shown["syncs"] = [list(s) for s in st.syncs]
    if st.removing:
        shown["removing"] = list(st.removing)
    return shown


#: :global's lock protocol relies on the BEAM's one guarantee, order per pair of processes
#: (a del_lock overtaking its set_lock would leave a lock held forever): only FIFO.
FIFO_ONLY = Budget("fifo", help="message order (:global needs FIFO)", choices=("fifo",), quiet=True)


def fair_step(label: Any) -> Any:
    """What weak fairness is per: a channel's next delivery, a process's next signal, a
    timer.

    >>> fair_step(("deliver", "a", "b", "sync")), fair_step(("timeout", "a", "retry"))
    (('deliver', 'a', 'b'), ('timeout', 'a', 'retry'))
    """
    return label[:3]


def settled(system: GlobalRegistry, w: World) -> bool:
    """Nothing left to happen: no link cut, nothing in flight, no signal or timer pending,
    and on every running server no lock held, no registration or sync under way."""
    if w.cut or w.chans or w.byname or w.sysq or w.timers:
        return False
    return all(
        not st.locks and st.phase == "idle" and not st.syncs and not st.jobs
        for st in system.servers(w).values()
    )


class GlobalRegistry(ActorSystem):
    """Every node's process registers the same name with :global when it starts."""

    nodes = Param(2, help="number of nodes (a, b, c)", min=2, max=3)
    resolve = Param("random_exit_name", help="the resolve function on a clash", choices=METHODS)
    prevent_overlapping_partitions = Param(
        True, help="kernel's prevent_overlapping_partitions (on by default since OTP 25)"
    )
    network = FIFO_ONLY
    fairness = (weak("deliver", "signal", "timeout", "heal", per=fair_step),)
    #: ``modelcheck otp-replay`` runs this model's traces on real nodes running :global.
    otp_counterpart = "global"

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        server = PingingServer(bool(self.prevent_overlapping_partitions))
        return {
            node: (Boot(server, name=NAME_SERVER), Registrant(str(self.resolve)))
            for node in NODES[: self.nodes]
        }

    def show(self, w: World) -> dict[str, Any]:
        shown = super().show(w)
        for node, st in self.servers(w).items():
            shown[str(self.pid_of(w, node))] = show_server(st)
        for state in w.states:
            if isinstance(state, Proc):
                shown[str(state.pid)] = state.status
        return shown

    # -- what the properties look at ------------------------------------------------------

    def servers(self, w: World) -> dict[str, GlobalState]:
        """The running name servers' states, by node."""
        return self.live_states(w)

    def process(self, w: World, node: str) -> Proc | None:
        """The state of ``node``'s registering process, or None if it is not running."""
        state = w.states[self.boot_slots[self.node_index[node]][1]]
        return None if state is DEAD or w.down >> self.node_index[node] & 1 else state

    def running(self, w: World, pid: Pid) -> bool:
        """Whether process ``pid`` is running (its node is up and it has not died)."""
        proc = self.process(w, pid.node)
        return proc is not None and proc.pid == pid

    def holders(self, w: World, name: str = NAME) -> list[Pid]:
        """The running processes some running server's table registers ``name`` to."""
        pids = {pid for st in self.servers(w).values() for n, pid, _ in st.names if n == name}
        return sorted(pid for pid in pids if self.running(w, pid))

    def killed(self, w: World) -> bool:
        """A node is up and its registering process is not running."""
        return any(
            self.process(w, node) is None
            for node in self.node_names
            if not w.down >> self.node_index[node] & 1
        )

    def notified(self, w: World) -> bool:
        """Some running process got a name-conflict notice."""
        return any(
            proc is not None and proc.status == "notified"
            for proc in (self.process(w, node) for node in self.node_names)
        )

    def otp_view(self, w: World, node: str) -> tuple[str, str]:
        """What ``modelcheck otp-replay`` asks a real node: its process's status (``idle``
        while its call has not reached the server: the real call is forced as one step) and
        the node of the pid ``n`` is registered to (``none``)."""
        proc = self.process(w, node)
        holder = names(self.servers(w).get(node)).get(NAME)
        status = "killed" if proc is None else proc.status
        if proc is not None and status == "registering":
            calling = any(src == proc.pid for src, _, _ in self.in_flight(w))
            status = "idle" if calling else status
        return status, "none" if holder is None else holder.node

    # -- properties -----------------------------------------------------------------------

    @always
    def one_holder(self, w: World) -> bool:
        """At most one running process is registered under the name, across the tables of
        all running nodes."""
        return len(self.holders(w)) <= 1

    @always
    def agree_once_settled(self, w: World) -> bool:
        """Once settled, every running node has the same table, naming running processes."""
        if not settled(self, w):
            return True
        tables = {st.names for st in self.servers(w).values()}
        return len(tables) == 1 and all(self.running(w, p) for _, p, _ in next(iter(tables)))

    @eventually_always
    def settles_on_one_holder(self, w: World) -> bool:
        """From some point on, every running node has the same table and at most one
        running process holds the name."""
        tables = {st.names for st in self.servers(w).values()}
        return len(tables) <= 1 and len(self.holders(w)) <= 1

    @sometimes
    def killed_by_resolver(self, w: World) -> bool:
        """A registered process is killed by :global (exit(Pid, kill): no warning)."""
        return self.killed(w)

    @sometimes
    def loser_runs_on(self, w: World) -> bool:
        """Settled, and a process that got a name-conflict notice runs on, unregistered."""
        return settled(self, w) and self.notified(w)

    @sometimes
    def name_orphaned(self, w: World) -> bool:
        """Settled, and nobody holds the name, though a process that registered it runs."""
        return settled(self, w) and not self.holders(w) and self.notified(w)
