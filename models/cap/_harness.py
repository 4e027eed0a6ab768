"""What the two registers of ``models/cap/`` share: clients that record a history, and the
properties that judge it.

Each client ``c1``, ``c2``, ... runs a short script of operations against its home replica
(``c1`` uses ``r1``, ``c2`` uses ``r2``): it sends a request, waits for the answer, and
thinks (a timer, which may fire at any later step) before the next one. It notes every
invocation and every answer in its log, like a Jepsen client.

A history also needs the real-time order *between* clients, which no node can see. The
system supplies it the way a test harness's clock does: each event a step adds to a
client's log is stamped with its position in the global history (and whether the client
was then cut off from a majority of the replicas). The stamps are the harness's; the
protocol never reads them.

Properties: ``linearizable`` and ``sequentially_consistent`` (the checkers of
:mod:`modelcheck.consistency` on the history, memoized per history), ``leads_to
answered_when_reachable`` (liveness: a client waiting while it can reach its home replica
is eventually answered, assuming every message, signal and timer is weakly fair, and no
fault is), ``sometimes answered_while_cut_off`` (availability: a client cut off from a
majority of the replicas is answered while still cut off) and ``sometimes all_done``.
"""

from __future__ import annotations

from collections.abc import Hashable
from itertools import pairwise
from typing import Any, NamedTuple

import networkx as nx

from modelcheck import Param, always, leads_to, sometimes, weak
from modelcheck.actors import DEAD, Actor, ActorSystem, Out, World
from modelcheck.consistency import Event, invoke, is_linearizable, is_sequentially_consistent, ok

#: The operations each client runs, in order (the first ``ops`` of them).
SCRIPTS: tuple[tuple[tuple[str, Any], ...], ...] = (
    (("write", 1), ("read", None)),
    (("read", None), ("write", 2)),
)
UNSTAMPED = -1


class Entry(NamedTuple):
    """One event of a client's log: its position in the global history (stamped by the
    system), whether the client was then cut off from a majority of the replicas, and the
    event itself."""

    at: int
    cut_off: bool
    event: Event

    def __modelcheck_plain__(self) -> str:
        return f"{self.at}: {self.event}" + (" (cut off)" if self.cut_off else "")


class Client(NamedTuple):
    next: int  # the position in the script of the next operation (or the one waited for)
    waiting: bool  # a request is out
    log: tuple[Entry, ...]


class Clerk(Actor[Client]):
    """Runs its script against its home replica, one operation at a time, and logs it."""

    def __init__(self, home: str, script: tuple[tuple[str, Any], ...]) -> None:
        self.home = home
        self.script = script

    def init(self, me: str, out: Out) -> Client:
        if out.durable is not None:  # restarted: the log survived, the script is over
            return Client(len(self.script), False, tuple(out.durable))  # type: ignore[arg-type]
        if self.script:
            out.set_timer("go")
        return Client(0, False, ())

    def on_timeout(self, me: str, state: Client, timer: Hashable, out: Out) -> Client:
        if state.waiting or state.next == len(self.script):
            return state
        f, arg = self.script[state.next]
        out.send(self.home, ("request", state.next, f, arg))
        return state._replace(waiting=True, log=(*state.log, _entry(invoke(me, f, arg))))

    def on_message(self, me: str, state: Client, sender: str, msg: Any, out: Out) -> Client:
        _, number, result = msg
        if not state.waiting or number != state.next:
            return state
        f = self.script[number][0]
        if number + 1 < len(self.script):
            out.set_timer("go")
        log = (*state.log, _entry(ok(me, f, result)))
        return Client(number + 1, False, log)

    def durable(self, state: Client) -> Hashable:
        return state.log


def _entry(event: Event) -> Entry:
    return Entry(UNSTAMPED, False, event)


def reply(out: Out, client: str, number: int, result: Any) -> None:
    """A replica answers a client's request number ``number``."""
    out.send(client, ("reply", number, result))


class RegisterSystem(ActorSystem):
    """Clients running scripts against replicas of one register; the history they record is
    judged linearizable and sequentially consistent in every state."""

    #: Liveness assumes every message, runtime signal and timer is eventually taken once it
    #: stays possible (one condition per channel, signal and timer); faults are not fair.
    fairness = (weak("deliver", "signal", "timeout", per=lambda label: label[:3]),)

    replicas = Param(2, help="replicas of the register (r1, r2, ...)", min=1, max=5)
    clients = Param(
        2, help="clients (c1 writes 1 then reads; c2 reads then writes 2)", min=1, max=2
    )
    ops = Param(1, help="operations per client (1 or 2)", min=1, max=2)

    def replica(self) -> Actor[Any]:
        """The behaviour of every replica."""
        raise NotImplementedError

    def actors(self) -> dict[str, Actor[Any]]:
        nodes: dict[str, Actor[Any]] = {}
        for c in range(self.clients):
            home = f"r{c % self.replicas + 1}"
            nodes[f"c{c + 1}"] = Clerk(home, SCRIPTS[c][: self.ops])
        for r in range(self.replicas):
            nodes[f"r{r + 1}"] = self.replica()
        return nodes

    def setup(self) -> None:
        super().setup()
        self.replica_names = tuple(f"r{r + 1}" for r in range(self.replicas))
        self.majority = self.replicas // 2 + 1
        self._clients = tuple(range(self.clients))  # clients come first in node order
        self._homes = tuple(self.node_index[f"r{c % self.replicas + 1}"] for c in self._clients)
        self._verdicts: dict[tuple[tuple[Entry, ...], ...], tuple[bool, bool]] = {}

    # -- the harness's clock ----------------------------------------------------------------

    def init_states(self) -> list[World]:
        return [self._stamp(None, w) for w in super().init_states()]

    def actions(self, w: World) -> list[tuple[Any, World]]:
        return [(label, self._stamp(w, nxt)) for label, nxt in super().actions(w)]

    def _stamp(self, before: World | None, after: World) -> World:
        """Stamp the events this step added to client logs with their global positions."""
        states: list[Any] | None = None
        count = 0 if before is None else sum(len(log) for log in self.logs(before))
        for i in self._clients:
            state = after.states[i]
            if state is DEAD or (before is not None and state is before.states[i]):
                continue
            log = state.log
            if not log or log[-1].at != UNSTAMPED:
                continue
            first = next(k for k, e in enumerate(log) if e.at == UNSTAMPED)
            cut_off = self.cut_off(after, self.node_names[i])
            stamped = tuple(Entry(count + k, cut_off, e.event) for k, e in enumerate(log[first:]))
            count += len(stamped)
            states = states or list(after.states)
            states[i] = state._replace(log=log[:first] + stamped)
        return after if states is None else after._replace(states=tuple(states))

    def cut_off(self, w: World, client: str) -> bool:
        """Whether ``client`` cannot reach a majority of the replicas (through replicas)."""
        graph = self.connectivity(w).subgraph([client, *self.replica_names])
        if client not in graph:
            return True
        reach = nx.node_connected_component(graph, client)
        return sum(1 for r in self.replica_names if r in reach) < self.majority

    # -- the history ------------------------------------------------------------------------

    def logs(self, w: World) -> tuple[tuple[Entry, ...], ...]:
        """Every client's log (a crashed client's survives it)."""
        durable = dict(w.durable)
        logs = []
        for i in self._clients:
            state = w.states[i]
            logs.append(state.log if state is not DEAD else durable.get(i, ()))
        return tuple(logs)

    def history(self, w: World) -> list[Event]:
        """The events of every client, in the order they happened."""
        return [e.event for e in sorted(e for log in self.logs(w) for e in log)]

    def _judge(self, w: World) -> tuple[bool, bool]:
        logs = self.logs(w)
        verdicts = self._verdicts.get(logs)
        if verdicts is None:
            history = self.history(w)
            verdicts = (is_linearizable(history), is_sequentially_consistent(history))
            self._verdicts[logs] = verdicts
        return verdicts

    @always
    def linearizable(self, w: World) -> bool:
        """The clients' history is linearizable (one real-time order explains every result)."""
        return self._judge(w)[0]

    @always
    def sequentially_consistent(self, w: World) -> bool:
        """The clients' history is sequentially consistent (real time aside)."""
        return self._judge(w)[1]

    @leads_to
    def answered_when_reachable(self, w: World) -> tuple[bool, bool]:
        """A client waiting while it can reach its home replica is answered (under fairness)."""
        waiting = any(
            state is not DEAD and state.waiting and self._linked(w, i, self._homes[i])
            for i, state in zip(self._clients, w.states, strict=False)
        )
        return waiting, not waiting

    def _linked(self, w: World, a: int, b: int) -> bool:
        """Whether nodes ``a`` and ``b`` are both up and the link between them is not cut."""
        lo, hi = min(a, b), max(a, b)
        return not ((w.down >> a | w.down >> b) & 1 or w.cut >> (lo * self.n + hi) & 1)

    @sometimes
    def answered_while_cut_off(self, w: World) -> bool:
        """A client cut off from a majority of the replicas is answered while cut off."""
        for log in self.logs(w):
            for a, b in pairwise(log):
                if a.event.type == "invoke" and b.event.type == "ok" and a.cut_off and b.cut_off:
                    return True
        return False

    @sometimes
    def all_done(self, w: World) -> bool:
        """Every client gets an answer to every operation of its script."""
        return all(sum(1 for e in log if e.event.type == "ok") == self.ops for log in self.logs(w))
