"""ActorSystem: actors + a network + fault budgets, compiled down to an ordinary Model.

The global state is a :class:`World`: every node's state, the messages in flight, the
runtime signals waiting for each node, timers, monitors, links, node subscriptions,
crashed nodes, cut links and the faults used so far. Every step is one labelled action:

- ``deliver(src, dst, msg)``: the next message from ``src`` to ``dst`` arrives (any message
  in flight on the unordered network);
- ``signal(node, DOWN(n2, noconnection))``: the runtime tells a node a monitor fired, a link
  broke, or a node went down or came up;
- ``timeout(node, timer)``: a set timer fires (at any later step; there are no clocks);
- faults, each within its budget: ``crash(node)``, ``restart(node)``,
  ``partition([n1], [n2, n3])``, ``cut(n1, n3)`` (one link: non-transitive partitions),
  ``heal()``, ``drop(src, dst, msg)``, ``duplicate(src, dst, msg)``.

BEAM semantics (see the project's reference notes): messages between one pair of nodes
arrive in the order sent (``network="fifo"``, the default) and not otherwise; a message to
a dead process is dropped; when a connection goes down the messages in flight across it are
lost, monitors fire ``DOWN`` with ``noconnection``, links deliver ``EXIT`` with
``noconnection``, and subscribers get ``nodedown`` — and ``nodeup`` when it comes back,
always after the ``nodedown``. A node that crashes loses its volatile state and keeps only
what its actor's ``durable`` returns. Monitors and links are not re-established.

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

import enum
import json
from collections.abc import Hashable, Iterator, Mapping
from typing import Any, NamedTuple

import networkx as nx

from modelcheck.errors import ModelError
from modelcheck.model import Model
from modelcheck.params import Param
from modelcheck.values import to_plain

from .actor import (
    KILL,
    KILLED,
    LINK,
    MONITOR,
    NOCONNECTION,
    NOPROC,
    NORMAL,
    SEND,
    STOP,
    SUBSCRIBE,
    TIMER,
    Actor,
    Out,
    Signal,
)

__all__ = ["BUDGETS", "DEAD", "ActorSystem", "World"]

#: The fault budgets, in the order they are kept in ``World.used``.
BUDGETS = ("crashes", "restarts", "partitions", "cuts", "heals", "drops", "duplicates")
CRASHES, RESTARTS, PARTITIONS, CUTS, HEALS, DROPS, DUPLICATES = range(len(BUDGETS))


class _Dead(enum.Enum):
    DEAD = "dead"


#: The state of a node whose process is not running.
DEAD = _Dead.DEAD


class World(NamedTuple):
    """The global state of an actor system (node-indexed tuples in declaration order)."""

    states: tuple[Any, ...]
    chans: tuple[tuple[int, tuple[Any, ...]], ...]  # (src * n + dst, messages), non-empty
    sysq: tuple[tuple[int, tuple[Signal, ...]], ...]  # (dst * n + about, signals waiting)
    timers: tuple[tuple[int, frozenset[Any]], ...]  # (node, timers set), nodes with timers
    monitors: frozenset[tuple[int, int]]  # (watcher, target)
    links: frozenset[tuple[int, int]]  # (a, b) with a < b
    subs: int  # bitmask: nodes subscribed to nodedown/nodeup
    down: int  # bitmask: crashed nodes
    cut: int  # bitmask over node pairs (a * n + b, a < b): links that are cut
    durable: tuple[tuple[int, Any], ...]  # (node, what survives a crash), when not None
    used: tuple[int, ...]  # faults used, in BUDGETS order


_new_world = tuple.__new__


def _lazy_field(index: int) -> Any:
    """A ``_Next`` property for World field ``index``: read from the old world until a
    step writes one of those fields, then from a copy."""

    def get(self: _Next) -> Any:
        rest = self._rest
        return self.w[index] if rest is None else rest[index - 2]

    def put(self: _Next, value: Any) -> None:
        if self._rest is None:
            self._rest = list(self.w[2:])
        self._rest[index - 2] = value

    return property(get, put)


class _Next:
    """A world being changed by one step (copy on write); ``log`` collects events for views.

    ``states`` starts as the old world's tuple and becomes a list on the first write;
    ``chans`` (the non-empty channels) becomes a dict; the other fields are copied only
    when a step changes one of them, so a step copies only what it touches.
    """

    __slots__ = ("_rest", "chans", "log", "n", "states", "w")

    def __init__(self, w: World, log: list[tuple[Any, ...]] | None) -> None:
        self.w = w
        self.n = len(w[0])
        self.states: Any = w[0]
        self.chans: Any = w[1]
        self.log = log
        self._rest: list[Any] | None = None

    def world(self) -> World:
        states, chans = self.states, self.chans
        head = (
            states if type(states) is tuple else tuple(states),
            chans if type(chans) is tuple else tuple(sorted(chans.items())),
        )
        rest = self.w[2:] if self._rest is None else tuple(self._rest)
        return _new_world(World, head + rest)

    sysq = _lazy_field(2)
    timers = _lazy_field(3)
    monitors = _lazy_field(4)
    links = _lazy_field(5)
    subs = _lazy_field(6)
    down = _lazy_field(7)
    cut = _lazy_field(8)
    durable = _lazy_field(9)
    used = _lazy_field(10)

    def set_state(self, i: int, state: Any) -> None:
        if type(self.states) is tuple:
            self.states = list(self.states)
        self.states[i] = state

    def chan(self, k: int) -> tuple[Any, ...]:
        if type(self.chans) is tuple:
            self.chans = dict(self.chans)
        return self.chans.get(k, ())  # type: ignore[no-any-return]

    def set_chan(self, k: int, chan: tuple[Any, ...]) -> None:
        if type(self.chans) is tuple:
            self.chans = dict(self.chans)
        if chan:
            self.chans[k] = chan
        else:
            self.chans.pop(k, None)

    def alive(self, i: int) -> bool:
        return self.states[i] is not DEAD

    def connected(self, a: int, b: int) -> bool:
        if (self.down >> a | self.down >> b) & 1:
            return False
        if a == b:
            return True
        lo, hi = (a, b) if a < b else (b, a)
        return not self.cut >> (lo * self.n + hi) & 1

    def spend(self, budget: int) -> None:
        used = list(self.used)
        used[budget] += 1
        self.used = tuple(used)

    def enqueue_signal(self, i: int, about: int, signal: Signal) -> None:
        """Queue a runtime signal about node ``about`` for node ``i``. Signals about one node
        stay in order (nodedown before nodeup); signals about different nodes do not."""
        k = i * self.n + about
        self.sysq = _put(self.sysq, k, _get(self.sysq, k, ()) + (signal,), ())

    def flush(self, k: int, fate: str) -> None:
        """Empty channel ``k``; its messages meet ``fate`` ("lost" or "dead")."""
        if self.chan(k):
            if self.log is not None:
                self.log.append(("flush", k, fate))
            self.set_chan(k, ())

    def set_timers(self, i: int, timers: frozenset[Any]) -> None:
        self.timers = _put(self.timers, i, timers, _NO_TIMERS)


class ActorSystem(Model[World]):
    """Base of every actor model: define ``actors()``; the rest is the framework's.

    Parameters every actor system has (all faults off by default): ``network`` (``fifo`` or
    ``unordered``) and the fault budgets ``crashes``, ``restarts``, ``partitions``,
    ``cuts`` (single links: non-transitive partitions), ``heals``, ``drops`` and
    ``duplicates``. A subclass may redeclare one to change its default.
    """

    network = Param("fifo", help="message order", choices=("fifo", "unordered"), quiet=True)
    crashes = Param(0, help="node crashes allowed", min=0, quiet=True)
    restarts = Param(0, help="restarts of dead nodes allowed", min=0, quiet=True)
    partitions = Param(0, help="network partitions allowed", min=0, quiet=True)
    cuts = Param(0, help="single links that may be cut", min=0, quiet=True)
    heals = Param(0, help="heals of all cut links allowed", min=0, quiet=True)
    drops = Param(0, help="messages the network may lose", min=0, quiet=True)
    duplicates = Param(0, help="messages the network may duplicate", min=0, quiet=True)

    # -- what a model defines -------------------------------------------------------------

    def actors(self) -> Mapping[str, Actor[Any]]:
        """The nodes, by name, in a fixed order, each with its behaviour."""
        raise NotImplementedError(f"{type(self).__name__} must define actors()")

    # -- Model ----------------------------------------------------------------------------

    def setup(self) -> None:
        actors = dict(self.actors())
        if not actors:
            raise ModelError(f"{self.name}.actors() defined no node")
        for name, actor in actors.items():
            if not isinstance(name, str) or not isinstance(actor, Actor):
                raise ModelError(
                    f"{self.name}.actors() must map node names (str) to Actor instances, "
                    f"not {name!r}: {actor!r}"
                )
        self.node_names: tuple[str, ...] = tuple(actors)
        self.node_index = {name: i for i, name in enumerate(self.node_names)}
        self.behaviours: tuple[Actor[Any], ...] = tuple(actors.values())
        n = len(self.node_names)
        self.n = n
        self.out = Out(self.node_names)
        self.fifo = self.network == "fifo"
        self.budget = tuple(int(self.params[b]) for b in BUDGETS)  # type: ignore[call-overload]
        self._any_faults = any(self.budget)
        self._keys: dict[Any, str] = {}
        self._orders: dict[frozenset[Any], tuple[Any, ...]] = {}
        self._handlers = {
            name: tuple(getattr(b, name) for b in self.behaviours)
            for name in (
                "on_message",
                "on_timeout",
                "on_down",
                "on_exit",
                "on_nodedown",
                "on_nodeup",
            )
        }
        self._groupings = (
            [(g, self._cross_mask(g)) for g in _set_partitions(n) if len(g) > 1]
            if self.budget[PARTITIONS]
            else []
        )

    def init_states(self) -> list[World]:
        return [self._initial(None)]

    def _initial(self, log: list[tuple[Any, ...]] | None) -> World:
        n = self.n
        empty = World(
            states=(None,) * n,
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
        )
        nxt = _Next(empty, log)
        for i in range(n):
            self._start(nxt, i, None)
        return nxt.world()

    def actions(self, w: World) -> list[tuple[Any, World]]:
        return list(self._actions(w, None))

    # -- the steps ------------------------------------------------------------------------

    def _actions(self, w: World, log: list[tuple[Any, ...]] | None) -> Iterator[tuple[Any, World]]:
        n, names = self.n, self.node_names
        for k, signals in w.sysq:
            i = k // n
            nxt = _Next(w, log)
            nxt.sysq = _put(w.sysq, k, signals[1:], ())
            self._signal(nxt, i, signals[0])
            yield ("signal", names[i], signals[0]), nxt.world()
        for k, chan in w.chans:
            if chan:
                src, dst = divmod(k, n)
                if w.sysq and self._old_connection_pending(w, dst, src):
                    continue
                for pos in self._choices(chan):
                    msg = chan[pos]
                    nxt = _Next(w, log)
                    nxt.set_chan(k, chan[:pos] + chan[pos + 1 :])
                    if log is not None:
                        log.append(("deliver", k, pos))
                    if type(msg) is Signal:
                        self._signal(nxt, dst, msg, src)
                    else:
                        self._handle(nxt, dst, "on_message", names[src], msg)
                    yield ("deliver", names[src], names[dst], msg), nxt.world()
        for i, timers in w.timers:
            order = self._orders.get(timers)
            if order is None:
                order = self._orders[timers] = tuple(sorted(timers, key=self._key))
            for timer in order:
                nxt = _Next(w, log)
                nxt.set_timers(i, timers - {timer})
                self._handle(nxt, i, "on_timeout", timer)
                yield ("timeout", names[i], timer), nxt.world()
        if self._any_faults:
            yield from self._faults(w, log)

    def _old_connection_pending(self, w: World, dst: int, src: int) -> bool:
        """True while ``dst`` has not yet been told that its old connection to ``src`` went
        down: on the BEAM that news is queued before anything the new connection brings."""
        for signal in _get(w.sysq, dst * self.n + src, ()):
            if signal.kind == "nodedown" or signal.reason == NOCONNECTION:
                return True
        return False

    def _choices(self, chan: tuple[Any, ...]) -> range | list[int]:
        if self.fifo:
            return range(1)
        return [p for p in range(len(chan)) if p == 0 or chan[p] != chan[p - 1]]

    def _faults(self, w: World, log: list[tuple[Any, ...]] | None) -> Iterator[tuple[Any, World]]:
        budget, used, names, n = self.budget, w.used, self.node_names, self.n
        if used[CRASHES] < budget[CRASHES]:
            for i in range(n):
                if not w.down >> i & 1:
                    nxt = _Next(w, log)
                    nxt.spend(CRASHES)
                    self._crash(nxt, i)
                    yield ("crash", names[i]), nxt.world()
        if used[RESTARTS] < budget[RESTARTS]:
            for i in range(n):
                if w.states[i] is DEAD:
                    nxt = _Next(w, log)
                    nxt.spend(RESTARTS)
                    self._restart(nxt, i)
                    yield ("restart", names[i]), nxt.world()
        if used[PARTITIONS] < budget[PARTITIONS]:
            for groups, mask in self._groupings:
                if w.cut | mask != w.cut:
                    nxt = _Next(w, log)
                    nxt.spend(PARTITIONS)
                    self._set_cut(nxt, w.cut | mask)
                    label = tuple(tuple(names[i] for i in g) for g in groups)
                    yield ("partition", *label), nxt.world()
        if used[CUTS] < budget[CUTS]:
            for a in range(n):
                for b in range(a + 1, n):
                    bit = 1 << (a * n + b)
                    if not w.cut & bit:
                        nxt = _Next(w, log)
                        nxt.spend(CUTS)
                        self._set_cut(nxt, w.cut | bit)
                        yield ("cut", names[a], names[b]), nxt.world()
        if used[HEALS] < budget[HEALS] and w.cut:
            nxt = _Next(w, log)
            nxt.spend(HEALS)
            self._set_cut(nxt, 0)
            yield ("heal",), nxt.world()
        for kind, spend in (("drop", DROPS), ("duplicate", DUPLICATES)):
            if used[spend] >= budget[spend]:
                continue
            for k, chan in w.chans:
                for pos in range(len(chan)):
                    if pos and chan[pos] == chan[pos - 1]:
                        continue
                    nxt = _Next(w, log)
                    nxt.spend(spend)
                    if spend == DROPS:
                        nxt.set_chan(k, chan[:pos] + chan[pos + 1 :])
                    else:
                        nxt.set_chan(k, self._enqueue(chan, chan[pos]))
                    if log is not None:
                        log.append((kind, k, pos))
                    src, dst = divmod(k, n)
                    yield (kind, names[src], names[dst], chan[pos]), nxt.world()

    # -- handlers and their effects -------------------------------------------------------

    def _start(self, nxt: _Next, i: int, durable: Hashable) -> None:
        out = self.out
        out._reset(self.node_names[i], durable)
        self._apply(nxt, i, self.behaviours[i].init(self.node_names[i], out), out)

    def _handle(self, nxt: _Next, i: int, handler: str, *args: Any) -> None:
        out = self.out
        me = self.node_names[i]
        out.me, out.durable, out.ops = me, None, []
        method = self._handlers[handler][i]
        self._apply(nxt, i, method(me, nxt.states[i], *args, out), out)

    def _apply(self, nxt: _Next, i: int, state: Any, out: Out) -> None:
        if state is DEAD or state is None:
            raise ModelError(
                f"{self.node_names[i]}'s handler returned {state!r}: a handler must "
                "return the node's new state (use out.stop() to exit)"
            )
        nxt.set_state(i, state)
        if not out.ops:
            return
        n, log = self.n, nxt.log
        for op in out.ops:
            kind = op[0]
            if kind == SEND:
                j, msg = op[1], op[2]
                if not nxt.alive(j):
                    fate = "dead"
                elif not nxt.connected(i, j):
                    fate = "lost"
                else:
                    self._post(nxt, i * n + j, msg)
                    continue
                if log is not None:
                    log.append(("send", i * n + j, msg, fate))
            elif kind == TIMER:
                current = _get(nxt.timers, i, _NO_TIMERS)
                nxt.set_timers(i, current | {op[1]} if op[2] else current - {op[1]})
            elif kind == MONITOR:
                j = op[1]
                if not op[2]:
                    nxt.monitors = nxt.monitors - {(i, j)}
                elif j != i:
                    if not nxt.alive(j) or not nxt.connected(i, j):
                        why = NOPROC if nxt.connected(i, j) else NOCONNECTION
                        nxt.enqueue_signal(i, j, Signal("DOWN", self.node_names[j], why))
                    else:
                        nxt.monitors = nxt.monitors | {(i, j)}
            elif kind == LINK:
                j = op[1]
                pair = (i, j) if i < j else (j, i)
                if not op[2]:
                    nxt.links = nxt.links - {pair}
                elif j != i:
                    if not nxt.alive(j) or not nxt.connected(i, j):
                        why = NOPROC if nxt.connected(i, j) else NOCONNECTION
                        nxt.enqueue_signal(i, j, Signal("EXIT", self.node_names[j], why))
                    else:
                        nxt.links = nxt.links | {pair}
            elif kind == SUBSCRIBE:
                nxt.subs |= 1 << i
            elif kind == KILL:
                j = op[1]
                if nxt.alive(j) and nxt.connected(i, j):
                    self._post(nxt, i * n + j, Signal("kill", self.node_names[i]))
            elif kind == STOP:
                self._exit(nxt, i, op[1])
                return

    def _signal(self, nxt: _Next, i: int, signal: Signal, src: int | None = None) -> None:
        """Deliver a runtime or in-channel signal to node ``i``."""
        kind, who, reason = signal.kind, signal.who, signal.reason
        if kind == "DOWN":
            self._handle(nxt, i, "on_down", who, reason)
        elif kind == "EXIT":
            if self.behaviours[i].trap_exit:
                self._handle(nxt, i, "on_exit", who, reason)
            elif reason != NORMAL:
                self._exit(nxt, i, reason)
        elif kind == "kill":
            self._exit(nxt, i, KILLED)
        elif kind == "nodedown":
            self._handle(nxt, i, "on_nodedown", who)
        elif kind == "nodeup":
            self._handle(nxt, i, "on_nodeup", who)

    # -- deaths, crashes, restarts and connectivity ----------------------------------------

    def _die(self, nxt: _Next, i: int) -> None:
        """What every death shares: durable state kept, the rest gone, mail to it dropped."""
        n = self.n
        if nxt.states[i] is not DEAD:
            kept = self.behaviours[i].durable(nxt.states[i])
            if kept != _get(nxt.durable, i, None):
                nxt.durable = _put(nxt.durable, i, kept, None)
        nxt.set_state(i, DEAD)
        if _get(nxt.timers, i, None):
            nxt.set_timers(i, _NO_TIMERS)
        for j in range(n):
            nxt.flush(j * n + i, "dead")
        if any(k // n == i for k, _ in nxt.sysq):
            nxt.sysq = tuple(pair for pair in nxt.sysq if pair[0] // n != i)
        nxt.subs &= ~(1 << i)

    def _exit(self, nxt: _Next, i: int, reason: str) -> None:
        """Node ``i``'s process exits with ``reason``; the node itself stays up."""
        name, n = self.node_names[i], self.n
        self._die(nxt, i)
        for watcher, target in sorted(nxt.monitors):
            if target == i and nxt.connected(i, watcher):
                self._post(nxt, i * n + watcher, Signal("DOWN", name, reason))
        for a, b in sorted(nxt.links):
            if i in (a, b):
                other = b if a == i else a
                if nxt.connected(i, other):
                    self._post(nxt, i * n + other, Signal("EXIT", name, reason))
        nxt.monitors = frozenset(m for m in nxt.monitors if i not in m)
        nxt.links = frozenset(pair for pair in nxt.links if i not in pair)

    def _crash(self, nxt: _Next, i: int) -> None:
        """Node ``i`` goes down: its process dies unannounced; peers see the connection go."""
        n = self.n
        up_peers = [j for j in range(n) if j != i and nxt.connected(i, j)]
        self._die(nxt, i)
        for j in range(n):
            nxt.flush(i * n + j, "lost")
        self._connection_lost(nxt, i, up_peers)
        nxt.down |= 1 << i

    def _restart(self, nxt: _Next, i: int) -> None:
        was_down = nxt.down >> i & 1
        nxt.down &= ~(1 << i)
        if was_down:
            for j in range(self.n):
                if j != i and nxt.connected(i, j) and nxt.subs >> j & 1:
                    nxt.enqueue_signal(j, i, Signal("nodeup", self.node_names[i]))
        self._start(nxt, i, _get(nxt.durable, i, None))
        if was_down and nxt.alive(i) and nxt.subs >> i & 1:
            # A node that comes back joins a running cluster: once subscribed (in init),
            # it hears nodeup for every peer it is connected to.
            for j in range(self.n):
                if j != i and nxt.connected(i, j):
                    nxt.enqueue_signal(i, j, Signal("nodeup", self.node_names[j]))

    def _connection_lost(self, nxt: _Next, i: int, peers: list[int]) -> None:
        """The connections between ``i`` and ``peers`` went down (a crash or a cut)."""
        names = self.node_names
        monitors, links, subs = nxt.monitors, nxt.links, nxt.subs
        for j in peers:
            for a, b in ((i, j), (j, i)):
                if not nxt.alive(a):
                    continue
                if monitors and (a, b) in monitors:
                    nxt.enqueue_signal(a, b, Signal("DOWN", names[b], NOCONNECTION))
                pair = (a, b) if a < b else (b, a)
                if links and pair in links:
                    nxt.enqueue_signal(a, b, Signal("EXIT", names[b], NOCONNECTION))
                if subs >> a & 1:
                    nxt.enqueue_signal(a, b, Signal("nodedown", names[b]))
        gone = set(peers)
        if monitors:
            nxt.monitors = frozenset(
                (a, b)
                for a, b in monitors
                if not ((a == i and b in gone) or (b == i and a in gone))
            )
        if links:
            nxt.links = frozenset(
                (a, b) for a, b in links if not ((a == i and b in gone) or (b == i and a in gone))
            )

    def _set_cut(self, nxt: _Next, cut: int) -> None:
        """Change which links are cut; notify and flush as the BEAM would.

        Only the pairs whose cut bit changes, between two up nodes, see anything happen.
        """
        n, down, old = self.n, nxt.down, nxt.cut
        nxt.cut = cut
        changed = old ^ cut
        for a in range(n):
            for b in range(a + 1, n):
                bit = a * n + b
                if not changed >> bit & 1 or (down >> a | down >> b) & 1:
                    continue
                if cut >> bit & 1:
                    nxt.flush(a * n + b, "lost")
                    nxt.flush(b * n + a, "lost")
                    self._connection_lost(nxt, a, [b])
                else:
                    for x, y in ((a, b), (b, a)):
                        if nxt.subs >> x & 1:
                            nxt.enqueue_signal(x, y, Signal("nodeup", self.node_names[y]))

    def _cross_mask(self, groups: tuple[tuple[int, ...], ...]) -> int:
        n, mask = self.n, 0
        for gi, group in enumerate(groups):
            for other in groups[gi + 1 :]:
                for a in group:
                    for b in other:
                        lo, hi = (a, b) if a < b else (b, a)
                        mask |= 1 << (lo * n + hi)
        return mask

    def _post(self, nxt: _Next, k: int, msg: Any) -> None:
        """Put ``msg`` into channel ``k`` (sender * n + receiver)."""
        nxt.set_chan(k, self._enqueue(nxt.chan(k), msg))
        if nxt.log is not None:
            nxt.log.append(("send", k, msg, "queued"))

    def _enqueue(self, chan: tuple[Any, ...], msg: Any) -> tuple[Any, ...]:
        if self.fifo:
            return chan + (msg,)
        return tuple(sorted(chan + (msg,), key=self._key))

    def _key(self, value: Any) -> str:
        """A stable sort key for messages and timers: their plain JSON text."""
        key = self._keys.get(value)
        if key is None:
            key = self._keys[value] = json.dumps(to_plain(value), sort_keys=True)
        return key

    # -- for people and for properties ----------------------------------------------------

    def state_of(self, w: World, node: str) -> Any:
        """``node``'s state, or None when its process is not running."""
        state = w.states[self.node_index[node]]
        return None if state is DEAD else state

    def live_states(self, w: World) -> dict[str, Any]:
        """The states of the running nodes, by name."""
        return {name: s for name, s in zip(self.node_names, w.states, strict=True) if s is not DEAD}

    def in_flight(self, w: World) -> list[tuple[str, str, Any]]:
        """Messages (and signals) in flight, as (sender, receiver, message), channel order."""
        names, n = self.node_names, self.n
        return [(names[k // n], names[k % n], msg) for k, chan in w.chans for msg in chan]

    def connectivity(self, w: World) -> nx.Graph:
        """Which nodes can talk now: a graph of the up nodes and the links not cut."""
        graph = nx.Graph()
        n = self.n
        up = [i for i in range(n) if not w.down >> i & 1]
        graph.add_nodes_from(self.node_names[i] for i in up)
        for a in up:
            for b in up:
                if a < b and not w.cut >> (a * n + b) & 1:
                    graph.add_edge(self.node_names[a], self.node_names[b])
        return graph

    def show(self, w: World) -> dict[str, Any]:
        names = self.node_names
        shown: dict[str, Any] = {}
        for i, name in enumerate(names):
            state = w.states[i]
            shown[name] = ("down" if w.down >> i & 1 else "dead") if state is DEAD else state
        flight = [f"{s} -> {d}: {_text(m)}" for s, d, m in self.in_flight(w)]
        if flight:
            shown["in flight"] = flight
        signals: dict[str, list[str]] = {}
        for k, queue in w.sysq:
            signals.setdefault(names[k // self.n], []).extend(str(s) for s in queue)
        if signals:
            shown["signals"] = signals
        timers = {names[i]: sorted(_text(t) for t in ts) for i, ts in w.timers}
        if timers:
            shown["timers"] = timers
        if w.monitors:
            shown["monitors"] = [f"{names[a]} watches {names[b]}" for a, b in sorted(w.monitors)]
        if w.links:
            shown["links"] = [f"{names[a]} - {names[b]}" for a, b in sorted(w.links)]
        if w.cut:
            n = self.n
            shown["cut"] = [
                f"{names[a]} -/- {names[b]}"
                for a in range(n)
                for b in range(a + 1, n)
                if w.cut >> (a * n + b) & 1
            ]
        if any(w.used):
            shown["faults"] = {b: u for b, u in zip(BUDGETS, w.used, strict=True) if u}
        return shown


_NO_TIMERS: frozenset[Any] = frozenset()


def _get(sparse: tuple[tuple[int, Any], ...], i: int, default: Any) -> Any:
    """The value for node ``i`` in a sparse (node, value) tuple."""
    for j, value in sparse:
        if j == i:
            return value
    return default


def _put(
    sparse: tuple[tuple[int, Any], ...], i: int, value: Any, empty: Any
) -> tuple[tuple[int, Any], ...]:
    """A sparse (node, value) tuple with node ``i`` set to ``value`` (dropped when ``empty``).

    >>> _put(((0, "a"), (2, "c")), 1, "b", None)
    ((0, 'a'), (1, 'b'), (2, 'c'))
    >>> _put(((0, "a"), (2, "c")), 0, None, None)
    ((2, 'c'),)
    """
    result = []
    placed = value == empty
    for pair in sparse:
        j = pair[0]
        if j == i:
            continue
        if not placed and j > i:
            result.append((i, value))
            placed = True
        result.append(pair)
    if not placed:
        result.append((i, value))
    return tuple(result)


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
