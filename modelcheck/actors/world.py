"""The world of an actor system: nodes, the processes they host, what is in flight.

A :class:`World` is one state of the search: a flat NamedTuple whose parts are kept sparse
(only non-empty channels, signal queues, timers) and shared between worlds, so that hashing
and copying one stays cheap. Processes live in *slots*: a node's boot processes first, in
the order the system declares them (slot ``i`` is node ``i`` in a one-process-per-node
system), then spawned processes, sorted by pid. A boot process that exits leaves its slot
``DEAD`` (a restart fills it again); a spawned one that exits goes once nothing it sent is
still in flight (``rules.Next.tidy``), and the later slots move down.

Keys: a channel from slot ``s`` to slot ``d`` is ``s << SHIFT | d``; a runtime signal queue
of slot ``d`` about node ``m`` is ``d << SHIFT | m``; link and cut bits are over node pairs
``a * n + b`` with ``a < b``.

>>> channel(3, 5) >> SHIFT, channel(3, 5) & MASK
(3, 5)
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

from .actor import Actor, Pid, Signal

__all__ = [
    "DEAD",
    "MASK",
    "NO_PROCS",
    "SHIFT",
    "Procs",
    "World",
    "channel",
    "get",
    "put",
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
    hash) as before processes.
    """

    spawned: tuple[tuple[Pid, Actor[Any]], ...] = ()
    serials: tuple[tuple[int, int], ...] = ()
    names: tuple[tuple[tuple[int, Any], int], ...] = ()
    incarnations: tuple[tuple[int, int], ...] = ()
    apart: int = 0


#: The ``procs`` of a world where nothing has been spawned, registered or restarted.
NO_PROCS: Any = ()


class World(NamedTuple):
    """The global state of an actor system (see the module's docstring for the keys)."""

    states: tuple[Any, ...]  # per slot; DEAD when its process is not running
    chans: tuple[tuple[int, tuple[Any, ...]], ...]  # (src << SHIFT | dst, messages)
    sysq: tuple[tuple[int, tuple[Signal, ...]], ...]  # (dst << SHIFT | node, signals)
    timers: tuple[tuple[int, frozenset[Any]], ...]  # (slot, timers set)
    monitors: frozenset[tuple[int, int]]  # (watcher, target) slots
    links: frozenset[tuple[int, int]]  # (a, b) slots, a < b
    subs: int  # bitmask over slots: subscribed to nodedown/nodeup
    down: int  # bitmask over nodes: crashed
    cut: int  # bitmask over node pairs: the network does not reach across
    durable: tuple[tuple[int, Any], ...]  # (boot slot, what survives a crash)
    used: tuple[int, ...]  # faults used, in BUDGETS order
    procs: Procs | tuple[()]  # spawned processes, names, serials, incarnations, connections


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
