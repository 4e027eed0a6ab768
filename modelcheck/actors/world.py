"""The world of an actor system: nodes, the processes they host, what is in flight; and
:class:`Next`, a world being changed by one step.

A :class:`World` is one state of the search: a flat NamedTuple whose parts are kept sparse
(only non-empty channels, signal queues, timers) and shared between worlds, so that hashing
and copying one stays cheap. Processes live in *slots*: a node's boot processes first, in
the order the system declares them (slot ``i`` is node ``i`` in a one-process-per-node
system), then spawned processes, sorted by pid. A boot process that exits leaves its slot
``DEAD`` (a restart fills it again); a spawned one that exits goes once nothing it sent is
still in flight (``Next.tidy``), and the later slots move down.

Keys: a channel from slot ``s`` to slot ``d`` is ``s << SHIFT | d``; a runtime signal queue
of slot ``d`` about node ``m`` is ``d << SHIFT | m``; link and cut bits are over node pairs
``a * n + b`` with ``a < b``.

Messages sent to a registered name on another node, ``(name, node)``, are not in a channel
between two slots: they travel addressed by name (the receiver is decided when they
arrive, see :mod:`modelcheck.actors.rules`), in ``byname``: one channel per (sender slot,
node), key ``src << SHIFT | node``, of entries (name, message, ahead); ``ahead`` counts,
per receiving slot (sparse, sorted), the sender's messages by pid to that slot that were
in flight when the entry was sent and still are.

>>> channel(3, 5) >> SHIFT, channel(3, 5) & MASK
(3, 5)
"""

from __future__ import annotations

import enum
import operator
from typing import Any, NamedTuple

from modelcheck.fingerprint import Parts, combine, int_lane, made_of, register

from .actor import Actor, Pid, Signal

__all__ = [
    "DEAD",
    "MASK",
    "NO_PROCS",
    "NO_TIMERS",
    "SHIFT",
    "Next",
    "Procs",
    "World",
    "channel",
    "fingerprint_world",
    "get",
    "put",
    "refs_of",
]

#: Channel and queue keys: sender (or receiver) slot << SHIFT | receiver slot (or node).
SHIFT = 16
MASK = (1 << SHIFT) - 1


def channel(src: int, dst: int) -> int:
    """The key of the channel from slot ``src`` to slot ``dst``."""
    return src << SHIFT | dst


class _Dead(enum.Enum):
    DEAD = "dead"


#: The state of a slot whose process is not running.
DEAD = _Dead.DEAD


def refs_of(
    monitors: frozenset[tuple[int, int, int]],
) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """``Procs.refs`` of a world with ``monitors`` (watcher, target, number).

    >>> refs_of(frozenset({(0, 2, 0), (0, 1, 0), (0, 1, 1), (2, 0, 0)}))
    ((0, ((1, 0), (1, 1), (2, 0))), (2, ((0, 0),)))
    """
    known = _REFS.get(monitors)
    if known is not None:
        return known
    if len(_REFS) > _REFS_LIMIT:
        _REFS.clear()
    by: dict[int, list[tuple[int, int]]] = {}
    for watcher, target, number in monitors:
        by.setdefault(watcher, []).append((target, number))
    known = _REFS[monitors] = tuple((w, tuple(sorted(by[w]))) for w in sorted(by))
    return known


#: ``refs_of``'s answers by monitors (worlds meet the same few sets again and again).
_REFS: dict[frozenset[tuple[int, int, int]], tuple[tuple[int, tuple[tuple[int, int], ...]], ...]]
_REFS = {}
_REFS_LIMIT = 1 << 16


class Procs(NamedTuple):
    """What a world knows of processes beyond the boot slots, all sparse and sorted.

    ``spawned``: (pid, behaviour) of slot ``boot count + j``; ``serials``: (node, the next
    serial number), for nodes that spawned in their current incarnation; ``names``:
    ((node, name), slot) of registered processes; ``incarnations``: (node, incarnation),
    for nodes that restarted. Everything a handler may read of the world is here (see
    ``Out.whereis`` and ``Out.spawn``), so it is part of every remembered handler input.
    And ``apart``: the node pairs (bits ``a * n + b``, ``a < b``) whose connection is down
    though the network may reach (a cut drops a connection; after a heal it stays down
    until a process reaches across). It lives here, not in a field of its own, so that a
    world of a system that never partitions stays as small (and as quick to build and
    hash) as before processes. ``traps``: the slots (bits) whose trap_exit flag is not
    their behaviour's ``trap_exit`` (``out.trap_exit`` flipped it); ``refs``: (slot, the
    (target slot, reference number) of each monitor it has), the monitors again, but where
    a handler reads them: the number ``out.monitor`` gives is the least its pair does not
    use (see ``Ref``). Kept by ``Next.world`` from the world's monitors.
    """

    spawned: tuple[tuple[Pid, Actor[Any]], ...] = ()
    serials: tuple[tuple[int, int], ...] = ()
    names: tuple[tuple[tuple[int, Any], int], ...] = ()
    incarnations: tuple[tuple[int, int], ...] = ()
    apart: int = 0
    traps: int = 0
    refs: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = ()  # see refs_of


#: The ``procs`` of a world where nothing has been spawned, registered or restarted.
NO_PROCS: Any = ()


class World(NamedTuple):
    """The global state of an actor system (see the module's docstring for the keys)."""

    states: tuple[Any, ...]  # per slot; DEAD when its process is not running
    chans: tuple[tuple[int, tuple[Any, ...]], ...]  # (src << SHIFT | dst, messages)
    sysq: tuple[tuple[int, tuple[Signal, ...]], ...]  # (dst << SHIFT | node, signals)
    timers: tuple[tuple[int, frozenset[Any]], ...]  # (slot, timers set)
    monitors: frozenset[tuple[int, int, int]]  # (watcher, target) slots, reference number
    links: frozenset[tuple[int, int]]  # (a, b) slots, a < b
    subs: int  # bitmask over slots: subscribed to nodedown/nodeup
    down: int  # bitmask over nodes: crashed
    cut: int  # bitmask over node pairs: the network does not reach across
    durable: tuple[tuple[int, Any], ...]  # (boot slot, what survives a crash)
    used: tuple[int, ...]  # faults used, in BUDGETS order
    procs: Procs | tuple[()]  # spawned processes, names, serials, incarnations, connections
    byname: tuple[tuple[int, tuple[Any, ...]], ...] = ()  # (src << SHIFT | node, entries)


def get(sparse: tuple[tuple[Any, Any], ...], key: Any, default: Any) -> Any:
    """The value for ``key`` in a sparse (key, value) tuple."""
    for k, value in sparse:
        if k == key:
            return value
    return default


def put(
    sparse: tuple[tuple[Any, Any], ...], key: Any, value: Any, empty: Any
) -> tuple[tuple[Any, Any], ...]:
    """A sparse (key, value) tuple, sorted by key, with ``key`` set to ``value`` (dropped
    when ``empty``).

    >>> put(((0, "a"), (2, "c")), 1, "b", None)
    ((0, 'a'), (1, 'b'), (2, 'c'))
    >>> put(((0, "a"), (2, "c")), 0, None, None)
    ((2, 'c'),)
    """
    result = []
    placed = value == empty
    for pair in sparse:
        k = pair[0]
        if k == key:
            continue
        if not placed and k > key:
            result.append((key, value))
            placed = True
        result.append(pair)
    if not placed:
        result.append((key, value))
    return tuple(result)


#: A process with no timer set.
NO_TIMERS: frozenset[Any] = frozenset()

_new_world = tuple.__new__


def _lazy_field(index: int) -> Any:
    """A ``_Next`` property for World field ``index``: read from the old world until a
    step writes one of those fields, then from a copy."""

    def get_(self: Next) -> Any:
        rest = self._rest
        return self.w[index] if rest is None else rest[index - 2]

    def put_(self: Next, value: Any) -> None:
        if self._rest is None:
            self._rest = list(self.w[2:])
        self._rest[index - 2] = value

    return property(get_, put_)


class Next:
    """A world being changed by one step (copy on write); ``log`` collects events for views.

    ``states`` starts as the old world's tuple and becomes a list on the first write;
    ``chans`` (the non-empty channels) becomes a dict; the other fields are copied only
    when a step changes one of them, so a step copies only what it touches.
    """

    __slots__ = ("_rest", "chans", "log", "states", "w")

    def __init__(self, w: World, log: list[tuple[Any, ...]] | None) -> None:
        self.w = w
        self.states: Any = w[0]
        self.chans: Any = w[1]
        self.log = log
        self._rest: list[Any] | None = None

    def world(self) -> World:
        procs = self.procs
        if procs and procs.spawned:
            self.tidy(procs)
        written = self._rest
        if written is not None and written[2] is not self.w[4]:  # (the monitors changed)
            refs = refs_of(written[2])
            procs = self.procs
            if refs != (procs.refs if procs else ()):
                self.set_procs(refs=refs)
        states, chans = self.states, self.chans
        head = (
            states if type(states) is tuple else tuple(states),
            chans if type(chans) is tuple else tuple(sorted(chans.items())),
        )
        rest = self.w[2:] if self._rest is None else tuple(self._rest)
        return _new_world(World, head + rest)

    def tidy(self, procs: Procs) -> None:
        """Put the spawned processes' slots in a canonical order (by node name,
        incarnation, serial) and drop the dead ones nothing refers to any more (no
        message from them in flight), so that equal worlds are one state whatever order
        processes were spawned in and however many have come and gone."""
        spawned = procs.spawned
        boot = len(self.states) - len(spawned)
        states = self.states
        chans = self.chans if type(self.chans) is dict else dict(self.chans)
        senders = {k >> SHIFT for k in chans}
        senders.update(k >> SHIFT for k, _ in self.byname)
        keep = [
            j for j in range(len(spawned)) if states[boot + j] is not DEAD or boot + j in senders
        ]
        keep.sort(
            key=lambda j: (spawned[j][0].node, spawned[j][0].incarnation, spawned[j][0].serial)
        )
        if keep == list(range(len(spawned))):
            return
        new = {boot + j: boot + place for place, j in enumerate(keep)}

        def slot(s: int) -> int:
            return new.get(s, s) if s >= boot else s

        def key(k: int) -> int:
            return slot(k >> SHIFT) << SHIFT | slot(k & MASK)

        byname = self.byname

        def by(k: int) -> int:
            return slot(k >> SHIFT) << SHIFT | (k & MASK)

        if self.log is not None:
            moved: dict[Any, Any] = {k: key(k) for k in chans}
            moved.update({("byname", k): ("byname", by(k)) for k, _ in byname})
            self.log.append(("renumber", moved))
        self.states = list(states[:boot]) + [states[boot + j] for j in keep]
        self.chans = {key(k): msgs for k, msgs in chans.items()}
        if byname:
            self.byname = tuple(
                sorted(
                    (
                        by(k),
                        tuple(
                            (name, msg, tuple(sorted((slot(j), c) for j, c in ahead)))
                            for name, msg, ahead in entries
                        ),
                    )
                    for k, entries in byname
                )
            )
        self.sysq = tuple(sorted((slot(k >> SHIFT) << SHIFT | (k & MASK), q) for k, q in self.sysq))
        self.timers = tuple(sorted((slot(i), t) for i, t in self.timers))
        self.monitors = frozenset((slot(a), slot(b), r) for a, b, r in self.monitors)
        self.links = frozenset(
            (slot(a), slot(b)) if slot(a) < slot(b) else (slot(b), slot(a)) for a, b in self.links
        )
        subs = 0
        rest = self.subs
        while rest:
            low = rest & -rest
            subs |= 1 << slot(low.bit_length() - 1)
            rest ^= low
        self.subs = subs
        traps = 0
        for s in range(len(states)):
            if procs.traps >> s & 1 and (s < boot or s - boot in keep):
                traps |= 1 << slot(s)
        self.set_procs(
            spawned=tuple(spawned[j] for j in keep),
            names=tuple((where, slot(held)) for where, held in procs.names),
            traps=traps,
        )

    sysq = _lazy_field(2)
    timers = _lazy_field(3)
    monitors = _lazy_field(4)
    links = _lazy_field(5)
    subs = _lazy_field(6)
    down = _lazy_field(7)
    cut = _lazy_field(8)
    durable = _lazy_field(9)
    used = _lazy_field(10)
    procs = _lazy_field(11)
    byname = _lazy_field(12)

    @property
    def apart(self) -> int:
        """The node pairs whose connection is down (``Procs.apart``)."""
        procs = self.procs
        return procs.apart if procs else 0

    @apart.setter
    def apart(self, value: int) -> None:
        if value != self.apart:
            self.set_procs(apart=value)

    def set_state(self, i: int, state: Any) -> None:
        if type(self.states) is tuple:
            self.states = list(self.states)
        if i == len(self.states):
            self.states.append(state)
        else:
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

    def spend(self, budget: int) -> None:
        used = list(self.used)
        used[budget] += 1
        self.used = tuple(used)

    def enqueue_signal(self, i: int, about: int, signal: Signal) -> None:
        """Queue a runtime signal about node ``about`` for process ``i``. Signals about one
        node stay in order (nodedown before nodeup); signals about different nodes do not."""
        k = i << SHIFT | about
        self.sysq = put(self.sysq, k, get(self.sysq, k, ()) + (signal,), ())

    def flush(self, k: int, fate: str) -> None:
        """Empty channel ``k``; its messages meet ``fate`` ("lost" or "dead")."""
        if self.chan(k):
            if self.log is not None:
                self.log.append(("flush", k, fate))
            self.set_chan(k, ())

    def flush_byname(self, k: int, fate: str) -> None:
        """Empty the channel by name ``k``; its messages meet ``fate`` (as :meth:`flush`)."""
        if self.log is not None:
            self.log.append(("flush", ("byname", k), fate))
        self.byname = put(self.byname, k, (), ())

    def set_timers(self, i: int, timers: frozenset[Any]) -> None:
        self.timers = put(self.timers, i, timers, NO_TIMERS)

    def set_procs(self, **changes: Any) -> None:
        procs = self.procs
        base = procs if procs else Procs()
        new = base._replace(**changes)
        self.procs = new if any(new) else NO_PROCS


_PARTS = Parts()
_SMALL = 1 << 60


def fingerprint_world(w: World) -> int:
    """``w``'s stable fingerprint from its parts' digests (:class:`Parts`): the process
    states one by one, the channels and signal queues message by message, then each other
    field; parts the world shares with others (as the fast path makes them share) are
    encoded once. Registered for :class:`World`, so
    :func:`modelcheck.fingerprint.fingerprint` takes this way for every world.

    Each look-up is written out here (a remembered part costs a dict look-up, no call):
    this runs once per world the fingerprint store meets."""
    states, chans, sysq, timers, monitors, links, subs, down, cut, durable, used, procs, byname = w
    parts = _PARTS
    get = parts.known.get
    tables = parts.tables.get
    # (each field in a role of its own, its index: see Parts)
    k = parts.tuples.get(id(states))
    d0 = k[1] if k is not None and k[0] is states else parts.of_each(states)
    k = tables(id(chans))  # (channels and signal queues entry by entry: a step changes
    d1 = k[1] if k is not None and k[0] is chans else parts.of_table(chans, 1)  # one or two)
    k = tables(id(sysq))
    d2 = k[1] if k is not None and k[0] is sysq else parts.of_table(sysq, 2)
    k = get(id(timers))
    d3 = k[1] if k is not None and k[0] is timers else parts.of(timers, 3)
    k = get(id(monitors))
    d4 = k[1] if k is not None and k[0] is monitors else parts.of(monitors, 4)
    k = get(id(links))
    d5 = k[1] if k is not None and k[0] is links else parts.of(links, 5)
    k = get(id(durable))
    d9 = k[1] if k is not None and k[0] is durable else parts.of(durable, 9)
    k = get(id(used))
    d10 = k[1] if k is not None and k[0] is used else parts.of(used, 10)
    k = get(id(procs))
    d11 = k[1] if k is not None and k[0] is procs else parts.of(procs, 11)
    k = tables(id(byname))  # (entry by entry too: the same messages, new counts)
    d12 = k[1] if k is not None and k[0] is byname else parts.of_table(byname, 12)
    if subs < _SMALL and down < _SMALL and cut < _SMALL:  # (ints hash() keeps whole)
        lanes = (d0, d1, d2, d3, d4, d5, subs, down, cut, d9, d10, d11, d12)
    else:
        ints = int_lane(subs), int_lane(down), int_lane(cut)
        lanes = (d0, d1, d2, d3, d4, d5, *ints, d9, d10, d11, d12)
    return combine(lanes)


register(World, fingerprint_world)
# (a signal pickles as its four fields, not its remembered hash: see Signal.__reduce__)
made_of(Signal, operator.attrgetter("kind", "who", "reason", "ref"))
