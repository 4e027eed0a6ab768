"""ActorSystem: a cluster of nodes hosting processes + a network + fault budgets, compiled
down to an ordinary Model.

The global state is a :class:`World` (:mod:`modelcheck.actors.world`): every process's
state, the messages in flight per ordered pair of processes, the runtime signals waiting,
timers, monitors, links, node subscriptions, names, crashed nodes, cut links, connections
down, and the faults used so far. Every step is one labelled action (a process is named by
its pid, or, in an ``actors()`` system, by its node's name):

- ``deliver(src, dst, msg)``: the next message from ``src`` to ``dst`` arrives (any message
  in flight on the unordered network);
- ``signal(p, DOWN(q, noconnection))``: the runtime tells a process a monitor fired, a link
  broke, or a node went down or came up;
- ``timeout(p, timer)``: a set timer fires (at any later step; there are no clocks);
- faults, each within its budget: ``crash(node)``, ``restart(node)``, ``kill(p)``,
  ``partition([n1], [n2, n3])``, ``cut(n1, n3)`` (one link: non-transitive partitions),
  ``heal()``, ``heal(n1, n3)``, ``drop(src, dst, msg)``, ``duplicate(src, dst, msg)``.

A handler that calls ``out.choose`` makes one step per option, the values in its label.
The rules are :mod:`modelcheck.actors.rules`; the speed, :mod:`modelcheck.actors.fast`
(two-phase commit as actors, 162,074 states, costs about 1.3 us per generated state,
2.1x to 2.4x the hand-packed transition system TwoPhase; see ``benchmarks/actors.py``).

>>> from modelcheck import check
>>> from modelcheck.actors import Actor, ActorSystem
>>> class Pinger(Actor[int]):
...     def init(self, me, out):
...         if me == "a":
...             out.send("b", "ping")
...         return 0
...     def on_message(self, me, state, sender, msg, out):
...         return state + 1
>>> class Ping(ActorSystem):
...     def actors(self):
...         return {"a": Pinger(), "b": Pinger()}
>>> check(Ping()).distinct, check(Ping(crashes=1)).distinct
(2, 5)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from typing import Any

import networkx as nx

from modelcheck.errors import ModelError, UsageError
from modelcheck.model import Model
from modelcheck.params import Param
from modelcheck.properties import Property
from modelcheck.values import to_plain

from .actor import Actor, Boot, Out, Pid
from .fast import MEMOS, FastPath
from .rules import BUDGETS, PARTITIONS, Outcome
from .symmetry import NodeSymmetry
from .unused import FaultWatch
from .world import DEAD, MASK, NO_PROCS, SHIFT, Next, World

__all__ = ["BUDGETS", "DEAD", "FAULT_STEPS", "ActorSystem", "Budget", "World"]

_HANDLERS = (
    "on_message",
    "on_timeout",
    "on_down_ref",
    "on_exit",
    "on_nodedown",
    "on_nodeup",
)


#: The names of the fault steps: the environment's, which a budget allows and never forces.
FAULT_STEPS = ("crash", "restart", "kill", "partition", "cut", "heal", "drop", "duplicate")


class Budget(Param[Any]):
    """A parameter of the framework's (a fault budget, ``network``, a fault scope): what a
    subclass redeclares to change its default, as ``drops = Budget(1, help=..., min=0)``.
    A plain :class:`~modelcheck.Param` under one of these names is refused (see
    ``ActorSystem.setup``): the framework would read it as its own."""


class ActorSystem(FastPath, Model[World]):
    """Base of every actor model: define ``cluster()`` (or ``actors()``); the rest is the
    framework's.

    Parameters every actor system has (all faults off by default): ``network`` (``fifo`` or
    ``unordered``) and the fault budgets ``crashes``, ``restarts``, ``partitions``,
    ``cuts`` (single links: non-transitive partitions), ``heals`` (every cut link at
    once), ``mends`` (one cut link), ``drops``, ``duplicates`` and ``kills`` (one process
    exits with ``killed``). Which nodes may crash and which processes may be killed can be
    scoped: ``crash_nodes`` and ``kill_processes`` (comma-separated names; empty: as
    :meth:`crashable` and :meth:`killable` say, by default all). A subclass may redeclare
    a parameter to change its default.

    As on the BEAM, a healed link carries no connection until a process reaches across it
    (a send, monitor, link, spawn or ``out.connect``), which brings up that pair only, with
    ``nodeup``.
    """

    network = Budget("fifo", help="message order", choices=("fifo", "unordered"), quiet=True)
    crashes = Budget(0, help="node crashes allowed", min=0, quiet=True)
    restarts = Budget(0, help="restarts of dead nodes allowed", min=0, quiet=True)
    partitions = Budget(0, help="network partitions allowed", min=0, quiet=True)
    cuts = Budget(0, help="single links that may be cut", min=0, quiet=True)
    heals = Budget(0, help="heals of all cut links allowed", min=0, quiet=True)
    drops = Budget(0, help="messages the network may lose", min=0, quiet=True)
    duplicates = Budget(0, help="messages the network may duplicate", min=0, quiet=True)
    kills = Budget(0, help="processes a fault may kill (reason killed)", min=0, quiet=True)
    mends = Budget(0, help="heals of one cut link allowed", min=0, quiet=True)
    crash_nodes = Budget("", help="nodes that may crash, comma-separated (empty: all)", quiet=True)
    kill_processes = Budget(
        "", help="processes the kills fault may hit: names, comma-separated", quiet=True
    )

    # -- what a model defines -------------------------------------------------------------

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        """The nodes, by name, in a fixed order, each with the processes it boots (and
        boots again, with a new incarnation, when it restarts), in order: an
        :class:`Actor`, or a :class:`Boot` to register it under a name as it starts. The
        first boot process of a node is the one a node's name addresses.

        Handlers of a system declared with ``cluster()`` get :class:`Pid` values as ``me``,
        ``sender`` and ``who``. By default, the nodes of :meth:`actors`.
        """
        return {name: (actor,) for name, actor in self.actors().items()}

    def actors(self) -> Mapping[str, Actor[Any]]:
        """The nodes, by name, in a fixed order, each with its one process's behaviour: the
        simplest system (one process per node), whose handlers see node names as ``me``,
        ``sender`` and ``who``. Define this or :meth:`cluster`."""
        raise NotImplementedError(f"{type(self).__name__} must define actors() or cluster()")

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        """Who may send to whom: each node's name mapped to the nodes it may send messages
        to or kill (a node may always send to itself; a node left out sends to nobody).

        None, the default, lets every node send to every node. Partial-order reduction
        (``check(model, por=True)``, see :mod:`modelcheck.actors.por`) relies on it and
        checks it: there, a message from a node to one it does not list is a model error.
        """
        return None

    def crashable(self) -> Collection[str] | None:
        """The nodes the ``crashes`` fault may hit (None, the default: every node). The
        parameter ``crash_nodes`` overrides it."""
        return None

    def killable(self) -> Collection[str] | None:
        """The processes the ``kills`` fault may hit, by name: a node's name for its first
        boot process, a registered name for the process holding it (None, the default:
        every process). The parameter ``kill_processes`` overrides it."""
        return None

    def symmetric(self) -> Collection[str] | Sequence[Collection[str]]:
        """The interchangeable nodes, by name: one group (``("rm1", "rm2", "rm3")``) or
        several (``[("a1", "a2"), ("b1", "b2")]``); empty, the default: none.

        With ``check(model, symmetry=True)`` (``--symmetry``) the engine then stores one
        world per class of worlds that differ only by renaming nodes within a group
        (:mod:`modelcheck.actors.symmetry`). Sound only if the handlers are symmetric: a
        node behaves the same whatever its name, and reads names only to compare them or
        send to them (no ``me == "rm1"``, no position in a list of names; a ``str`` equal
        to a node's name anywhere in the world is that node's name). The first worlds are
        checked: a swap of two nodes of a group must commute with the steps. Members of a
        group must boot the same processes, and faults scoped to nodes
        (``crash_nodes``, ``kill_processes``) must take all of a group or none of it.
        Liveness properties are not checked with symmetry (the search refuses them).
        """
        return ()

    symmetry_hint = "name the interchangeable nodes in symmetric() (or define canonical(world))"

    @classmethod
    def has_symmetry(cls) -> bool:
        """True if the system declares interchangeable nodes (or its own ``canonical``)."""
        return (
            cls.symmetric is not ActorSystem.symmetric or cls.canonical is not ActorSystem.canonical
        )

    def canonical(self, w: World) -> World:
        """The representative of ``w``'s class under the declared node symmetry."""
        if self._symmetry is None:
            raise UsageError(
                f"{self.name} declares no two interchangeable nodes here "
                "(symmetric() names fewer than two): --symmetry would reduce nothing"
            )
        return self._symmetry.canonical(w)

    def _declared_symmetry(self) -> NodeSymmetry | None:
        """The node symmetry ``symmetric()`` declares, checked; None if it declares none."""
        declared = self.symmetric()
        if not declared:
            return None
        groups_given: list[Collection[str]] = (
            [declared] if all(isinstance(d, str) for d in declared) else list(declared)  # type: ignore[list-item]
        )
        groups: list[tuple[int, ...]] = []
        seen: set[str] = set()
        what = f"{self.name}.symmetric()"
        for given in groups_given:
            if isinstance(given, str):
                raise ModelError(f"{what} must give node names or groups of them, not {given!r}")
            group = []
            for name in given:
                if name not in self.node_index:
                    raise ModelError(
                        f"{what} names unknown node {name!r} (nodes: {', '.join(self.node_names)})"
                    )
                if name in seen:
                    raise ModelError(f"{what} names node {name!r} twice")
                seen.add(name)
                group.append(self.node_index[name])
            if len(group) < 2:
                continue
            group.sort()
            first = group[0]
            for node in group[1:]:
                mine = [
                    (type(self.behaviours[s]), self.boot_names[s]) for s in self.boot_slots[node]
                ]
                theirs = [
                    (type(self.behaviours[s]), self.boot_names[s]) for s in self.boot_slots[first]
                ]
                if mine != theirs:
                    raise ModelError(
                        f"{what}: nodes {self.node_names[first]} and {self.node_names[node]} "
                        "are not interchangeable: they boot different processes"
                    )
            crash = {self._crashable >> node & 1 for node in group}
            kill = (
                {True}
                if self._killable is None
                else {self.node_names[node] in self._killable for node in group}
            )
            if len(crash) > 1 or len(kill) > 1:
                raise ModelError(
                    f"{what}: the fault scope (crash_nodes, kill_processes) takes some of "
                    f"{', '.join(self.node_names[node] for node in group)} and not the others"
                )
            groups.append(tuple(group))
        return NodeSymmetry(self, tuple(groups)) if groups else None

    # -- Model ----------------------------------------------------------------------------

    def setup(self) -> None:
        if hasattr(self, "reconnect_on_heal"):
            raise ModelError(
                f"{self.name} sets reconnect_on_heal, which is gone: as on the BEAM a heal "
                "reconnects nothing, so have a process send, monitor or out.connect() to the "
                "other node after its nodedown (docs/actors.md)"
            )
        _check_budget_names(type(self))
        self.named = type(self).cluster is ActorSystem.cluster
        declared = dict(self.cluster())
        what = f"{self.name}.actors()" if self.named else f"{self.name}.cluster()"
        if not declared:
            raise ModelError(f"{what} defined no node")
        boot_node: list[int] = []
        boot_serial: list[int] = []
        behaviours: list[Actor[Any]] = []
        boot_names: list[Hashable | None] = []
        slots: list[tuple[int, ...]] = []
        boots: Any
        for node, (name, boots) in enumerate(declared.items()):
            if self.named and not isinstance(boots, tuple):
                boots = (boots,)
            if not isinstance(name, str) or isinstance(boots, Actor | Boot | str):
                raise ModelError(
                    f"{what} must map node names (str) to "
                    + ("Actor instances" if self.named else "sequences of Actor or Boot")
                    + f", not {name!r}: {_wrong_boot(boots)}"
                )
            mine = []
            for serial, boot in enumerate(boots):
                if isinstance(boot, Actor):
                    boot = Boot(boot)
                if not isinstance(boot, Boot) or not isinstance(boot.behaviour, Actor):
                    raise ModelError(
                        f"{what} must map node names (str) to "
                        + ("Actor instances" if self.named else "sequences of Actor or Boot")
                        + f", not {name!r}: {_wrong_boot(boot)}"
                    )
                mine.append(len(boot_node))
                boot_node.append(node)
                boot_serial.append(serial)
                behaviours.append(boot.behaviour)
                boot_names.append(boot.name)
            slots.append(tuple(mine))
        self.node_names: tuple[str, ...] = tuple(declared)
        self.node_index = {name: i for i, name in enumerate(self.node_names)}
        self.behaviours: tuple[Actor[Any], ...] = tuple(behaviours)
        self.boot_node = tuple(boot_node)
        self.boot_serial = tuple(boot_serial)
        self.boot_names = tuple(boot_names)
        self.boot_slots = tuple(slots)
        self.first_boot = tuple(s[0] if s else -1 for s in slots)
        n = len(self.node_names)
        self.n = n
        self.out = Out(self.node_names)
        self.fifo = self.network == "fifo"
        self.budget = tuple(int(self.params[b]) for b in BUDGETS)  # type: ignore[call-overload]
        self._any_faults = any(self.budget)
        self._crashable = self._scope_nodes()
        self._killable = self._scope_processes()
        self._keys: dict[Any, str] = {}
        self._orders: dict[frozenset[Any], tuple[frozenset[Any], tuple[Any, ...]]] = {}
        self._handlers = {
            name: tuple(getattr(b, name) for b in self.behaviours) for name in _HANDLERS
        }
        self._groupings = (
            [(g, self._cross_mask(g)) for g in _set_partitions(n) if len(g) > 1]
            if self.budget[PARTITIONS]
            else []
        )
        # What each handler did, by everything it can observe (see actions).
        # What each handler did, by everything it can observe, per processes table (see
        # actions), and the table last met with its memos.
        self._memo_procs: dict[Any, list[dict[Any, Any]]] = {}
        self._memo_last: list[Any] = []
        self._memo_parts: dict[Any, Any] = {}
        self._memo_ids: set[int] = set()
        self._memo_tables: dict[tuple[Any, ...], tuple[tuple[Any, ...], dict[Any, Any]]] = {}
        self._memo_live: dict[int, dict[str, Any]] = {}
        self._memo_signals: dict[tuple[Any, ...], list[Outcome]] = {}
        self._memo_losing: dict[tuple[int, int, int], tuple[Any, ...]] = {}
        self._memo_orders: dict[int, tuple[Any, ...]] = {}
        self._memo_alias: dict[int, tuple[Any, Any]] = {}
        self._memo_sysq: dict[tuple[int, int], tuple[Any, Any]] = {}
        self._memo_count = 0
        self._memo_mixed = False  # (see FastPath._shared_items)
        self._symmetry = self._declared_symmetry()
        self._fault_watch: FaultWatch | None = None

    def properties(self) -> Sequence[Property]:
        """The model's properties, each ``reads=`` held to the nodes there are: a name that
        is not a node is a mistake whether or not ``--por`` would use it."""
        properties = super().properties()
        for prop in properties:
            for node in prop.reads or ():
                if node not in self.node_index:
                    raise ModelError(
                        f"property '{prop.name}' reads unknown node {node!r} "
                        f"(nodes: {', '.join(self.node_names)})"
                    )
        return properties

    def environment_steps(self) -> tuple[str, ...]:
        """The fault steps (when a budget allows one): a liveness check never forces one,
        so a behaviour may stop where only faults are left to take."""
        return (FAULT_STEPS if self._any_faults else ()) + tuple(self.environment)

    def watch_search(self) -> Callable[[bool], tuple[str, ...]] | None:
        """Watch this search's fault steps: at its end, say which budgets it never spent
        (:mod:`.unused`)."""
        watch = FaultWatch(self)
        self._fault_watch = None if watch.done else watch
        return watch.notes

    def _faults(self, w: World, log: list[tuple[Any, ...]] | None) -> Iterator[tuple[Any, World]]:
        watch = self._fault_watch
        if watch is None:
            return super()._faults(w, log)
        if watch.done:
            self._fault_watch = None
        return watch.faults(w, super()._faults(w, log))

    def _scope_nodes(self) -> int:
        """The nodes ``crashes`` may hit, as a bitmask (``crash_nodes``, or ``crashable``)."""
        given = str(self.params["crash_nodes"])
        names = _split(given) if given else self.crashable()
        if names is None:
            return (1 << self.n) - 1
        mask = 0
        for name in names:
            if name not in self.node_index:
                source = "crash_nodes" if given else f"{self.name}.crashable()"
                raise ModelError(
                    f"{source} names unknown node {name!r} (nodes: {', '.join(self.node_names)})"
                )
            mask |= 1 << self.node_index[name]
        return mask

    def _scope_processes(self) -> frozenset[Any] | None:
        """The names of the processes ``kills`` may hit (``kill_processes``, or
        ``killable``); None: every process."""
        given = str(self.params["kill_processes"])
        names = _split(given) if given else self.killable()
        return None if names is None else frozenset(names)

    def __getstate__(self) -> dict[str, Any]:
        """A copy (``copy``, ``pickle``) starts the fast path's memory afresh: it is keyed
        by the ids of objects that a deep copy would not share."""
        state = dict(self.__dict__)
        for name in MEMOS:
            state[name] = type(state[name])()
        state["_memo_count"] = 0
        state["_fault_watch"] = None
        return state

    def init_states(self) -> list[World]:
        return [self._initial(None)]

    def _initial(self, log: list[tuple[Any, ...]] | None) -> World:
        empty = World(
            states=(None,) * len(self.boot_node),
            chans=(),
            sysq=(),
            timers=(),
            monitors=frozenset(),
            links=frozenset(),
            subs=0,
            down=0,
            cut=0,
            durable=(),
            used=(0,) * len(BUDGETS),
            procs=NO_PROCS,
        )
        nxt = Next(empty, log)
        for slot, name in enumerate(self.boot_names):
            if name is not None:
                self._register(nxt, slot, self.boot_node[slot], name, True)
        watches: list[tuple[int, int, int, Any, Any]] = []
        self._boot_watches = watches
        try:
            for slot in range(len(self.boot_node)):
                self._start(nxt, slot, None)
        finally:
            self._boot_watches = None
        for watch in watches:  # monitors of a remote name, looked up after the boot
            self._watch(nxt, *watch)
        return nxt.world()

    def _cross_mask(self, groups: tuple[tuple[int, ...], ...]) -> int:
        n, mask = self.n, 0
        for gi, group in enumerate(groups):
            for other in groups[gi + 1 :]:
                for a in group:
                    for b in other:
                        lo, hi = (a, b) if a < b else (b, a)
                        mask |= 1 << (lo * n + hi)
        return mask

    def _key(self, value: Any) -> str:
        """A stable sort key for messages, timers and names: their plain JSON text."""
        key = self._keys.get(value)
        if key is None:
            key = self._keys[value] = json.dumps(to_plain(value), sort_keys=True)
        return key

    # -- for people and for properties ----------------------------------------------------

    def state_of(self, w: World, node: str) -> Any:
        """The state of ``node``'s first boot process, or None when it is not running (any
        process's, by pid: ``processes(w).get(pid)``)."""
        slot = self.first_boot[self._node_number(node, "state_of")]
        state = w.states[slot] if slot >= 0 else DEAD
        return None if state is DEAD else state

    def live_states(self, w: World) -> dict[str, Any]:
        """The states of the nodes' first boot processes that are running, by node name."""
        states = w.states
        known = self._memo_live.get(id(states))
        if known is not None:  # (a shared part: ``_memo_parts`` keeps it, so its id)
            return known.copy()
        live = {
            name: states[slot]
            for name, slot in zip(self.node_names, self.first_boot, strict=True)
            if slot >= 0 and states[slot] is not DEAD
        }
        if id(states) in self._memo_ids:
            self._memo_live[id(states)] = live.copy()
            self._memo_count += 1
        return live

    def processes(self, w: World) -> dict[Any, Any]:
        """The states of the running processes, by pid (or node name: see ``named``)."""
        procs = w.procs
        return {
            self._addr(procs, slot): state
            for slot, state in enumerate(w.states)
            if state is not DEAD
        }

    def pid_of(self, w: World, node: str, name: Hashable | None = None) -> Any:
        """The pid of ``node``'s first boot process (or of the process registered there
        as ``name``) in ``w``, whether or not it runs; None for a name nobody holds."""
        index = self._node_number(node, "pid_of")
        slot = self.first_boot[index] if name is None else self._registered(w.procs, index, name)
        return None if slot is None or slot < 0 else self._pid(w.procs, slot)

    def _node_number(self, node: Any, use: str) -> int:
        try:
            return self.node_index[node]
        except (KeyError, TypeError):
            hint = "; a process by pid: processes(w).get(pid)" if isinstance(node, Pid) else ""
            raise ModelError(
                f"{use} takes a node name ({', '.join(self.node_names)}), not {node!r}{hint}"
            ) from None

    def node_status(self, w: World, node: int) -> str:
        """``up``, ``down`` (crashed) or ``dead`` (up, its first boot process not running)."""
        if w.down >> node & 1:
            return "down"
        slot = self.first_boot[node]
        return "up" if slot >= 0 and w.states[slot] is not DEAD else "dead"

    def in_flight(self, w: World) -> list[tuple[Any, Any, Any]]:
        """Messages (and signals) in flight, as (sender, receiver, message), channel order;
        then those sent to a name on another node, whose receiver is ``(name, node)``."""
        procs = w.procs
        return [
            (self._addr(procs, k >> SHIFT), self._addr(procs, k & 0xFFFF), msg)
            for k, chan in w.chans
            for msg in chan
        ] + [
            (self._addr(procs, k >> SHIFT), (name, self.node_names[k & MASK]), msg)
            for k, entries in w.byname
            for name, msg, _ in entries
        ]

    def connectivity(self, w: World) -> nx.Graph:
        """Which nodes can talk now: a graph of the up nodes and the links not cut (the
        network's reach; a connection may still have to come up, see ``connections``)."""
        graph = nx.Graph()
        n = self.n
        up = [i for i in range(n) if not w.down >> i & 1]
        graph.add_nodes_from(self.node_names[i] for i in up)
        for a in up:
            for b in up:
                if a < b and not w.cut >> (a * n + b) & 1:
                    graph.add_edge(self.node_names[a], self.node_names[b])
        return graph

    def connections(self, w: World) -> nx.Graph:
        """Which nodes have a connection up: ``connectivity`` less the pairs whose
        connection went down and has not come back yet."""
        graph = self.connectivity(w)
        n = self.n
        for a in range(n):
            for b in range(a + 1, n):
                if _apart(w) >> (a * n + b) & 1 and graph.has_edge(
                    self.node_names[a], self.node_names[b]
                ):
                    graph.remove_edge(self.node_names[a], self.node_names[b])
        return graph

    def show(self, w: World) -> dict[str, Any]:
        names = self.node_names
        procs = w.procs
        shown: dict[str, Any] = {}
        spawned = len(self.boot_node)
        for slot, state in enumerate(w.states):
            node = self._node_of(procs, slot)
            if state is DEAD:  # (a spawned one, until what it sent has arrived)
                state = "down" if w.down >> node & 1 and slot < spawned else "dead"
            shown[str(self._addr(procs, slot))] = state
        flight = [
            f"{s} -> {_text(d[0]) + ' on ' + d[1] if type(d) is tuple else d}: {_text(m)}"
            for s, d, m in self.in_flight(w)
        ]
        if flight:
            shown["in flight"] = flight
        signals: dict[str, list[str]] = {}
        for k, queue in w.sysq:
            signals.setdefault(str(self._addr(procs, k >> SHIFT)), []).extend(str(s) for s in queue)
        if signals:
            shown["signals"] = signals
        timers = {str(self._addr(procs, i)): sorted(_text(t) for t in ts) for i, ts in w.timers}
        if timers:
            shown["timers"] = timers

        def who(slot: int) -> str:
            return str(self._addr(procs, slot))

        if w.monitors:
            shown["monitors"] = [f"{who(a)} watches {who(b)}" for a, b, _ in sorted(w.monitors)]
        if w.links:
            shown["links"] = [f"{who(a)} - {who(b)}" for a, b in sorted(w.links)]
        if procs and procs.names:
            shown["names"] = {
                f"{_text(name)} on {names[node]}": who(slot) for (node, name), slot in procs.names
            }
        n = self.n
        if w.cut:
            shown["cut"] = [
                f"{names[a]} -/- {names[b]}"
                for a in range(n)
                for b in range(a + 1, n)
                if w.cut >> (a * n + b) & 1
            ]
        disconnected = _apart(w) & ~w.cut
        if disconnected:
            shown["disconnected"] = [
                f"{names[a]} -x- {names[b]}"
                for a in range(n)
                for b in range(a + 1, n)
                if disconnected >> (a * n + b) & 1
            ]
        if any(w.used):
            shown["faults"] = {b: u for b, u in zip(BUDGETS, w.used, strict=True) if u}
        return shown


def _check_budget_names(cls: type) -> None:
    """Refuse a plain ``Param`` named like one of the framework's parameters: the framework
    would silently take it for its own (a model's ``kills`` would become a fault budget)."""
    for name, value in vars(ActorSystem).items():
        if not isinstance(value, Budget):
            continue
        declared = getattr(cls, name)
        if not isinstance(declared, Budget):
            raise ModelError(
                f"{cls.__name__}.{name} is named like the framework's parameter {name!r} "
                f"({value.help}): rename it, or declare it as Budget(...) to change that "
                "parameter's default"
            )


def _apart(w: World) -> int:
    """The node pairs whose connection is down, as bits."""
    procs = w.procs
    return procs.apart if procs else 0


def _wrong_boot(value: Any) -> str:
    """A wrong entry of ``cluster()`` as an error shows it: a class or a lone actor said
    as what to write instead, never a repr with a memory address.

    >>> _wrong_boot(Boot(Actor, name="x"))
    'the class Actor (an instance is wanted: Actor())'
    >>> _wrong_boot("W"), _wrong_boot(object())
    ("'W'", 'an instance of object')
    """
    inner = value.behaviour if isinstance(value, Boot) else value
    if isinstance(inner, type):
        return f"the class {inner.__name__} (an instance is wanted: {inner.__name__}())"
    if isinstance(value, Actor):
        kind = type(value).__name__
        return f"one {kind} (a node's processes are a tuple: ({kind}(),))"
    if " at 0x" in repr(value):  # object's default repr: an address, different every run
        return f"an instance of {type(value).__name__}"
    return repr(value)


def _split(names: str) -> list[str]:
    """``"a, b"`` as ``["a", "b"]``."""
    return [name.strip() for name in names.split(",") if name.strip()]


def _text(value: Any) -> str:
    from modelcheck.values import format_value

    return format_value(to_plain(value))


def _set_partitions(n: int) -> list[tuple[tuple[int, ...], ...]]:
    """Every way to split nodes 0..n-1 into groups, each once (restricted growth strings).

    >>> _set_partitions(3)
    [((0, 1, 2),), ((0, 1), (2,)), ((0, 2), (1,)), ((0,), (1, 2)), ((0,), (1,), (2,))]
    """
    result: list[tuple[tuple[int, ...], ...]] = []

    def grow(assign: list[int], blocks: int) -> None:
        if len(assign) == n:
            groups = tuple(tuple(i for i, b in enumerate(assign) if b == g) for g in range(blocks))
            result.append(groups)
            return
        for b in range(blocks + 1):
            grow([*assign, b], max(blocks, b + 1))

    grow([], 0)
    return result
