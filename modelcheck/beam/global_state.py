"""The state of :global's name server (:mod:`modelcheck.beam.global_names`): its table,
locks, registrar jobs and syncs, the resolve functions, and the helpers that change a state.

>>> st = GlobalState(names=(("x", Pid("a", 1), "random_exit_name"),))
>>> names(st), whereis(st, "y"), can_lock(st, ("r", 1))
({'x': <a.1>}, None, True)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from modelcheck.actors import Out, Pid

__all__ = [
    "BUILTIN",
    "GLOBAL_RID",
    "METHODS",
    "NAME_SERVER",
    "REPLY",
    "Entry",
    "GlobalState",
    "Job",
    "Lock",
    "LockId",
    "Resolver",
    "SyncId",
    "add_lock",
    "can_lock",
    "delete_name",
    "drop_lock",
    "insert_name",
    "lock_nodes",
    "minmax",
    "names",
    "notify_all_name",
    "peers",
    "random_exit_name",
    "random_notify_name",
    "set_table",
    "sorted_by_repr",
    "sync_lock",
    "syncing_with",
    "trusted",
    "whereis",
    "with_node",
    "without_node",
]

#: The name the server is registered under on every node.
NAME_SERVER = "global_name_server"
#: The resolve methods of global.erl, by name (the default first).
METHODS = ("random_exit_name", "random_notify_name", "notify_all_name")
#: The first element of every answer a server sends to a caller.
REPLY = "global"
#: The resource of global's own lock (``?GLOBAL_RID``).
GLOBAL_RID = "global"

Entry = tuple[Hashable, Pid, Hashable]  # (name, pid, method)
LockId = tuple[Hashable, Hashable]  # (resource, requester)
Lock = tuple[Hashable, Hashable, Any]  # (resource, requester, holder: a pid or a sync id)
SyncId = tuple[str, str, int]  # (lower node, higher node, the lower node's count)
Resolver = Callable[[Hashable, Pid, Pid, Out], "Pid | None"]


class Job(NamedTuple):
    """A request the registrar serves: ``kind`` (``register_name``, ``unregister_name``,
    ``set_lock``), its arguments, who asked and the reference of the answer, the lock it
    takes, on which nodes (``()``: this node and the known ones) and the retries left
    (-1: infinity)."""

    kind: str
    args: tuple[Any, ...]
    client: Pid
    ref: Hashable
    lock: LockId
    nodes: tuple[str, ...] = ()
    retries: int = -1


class GlobalState(NamedTuple):
    """A node's name server: its table, the nodes it synced with, the locks held here, the
    registrar (its jobs, ``phase``: idle, boss, rest or retry, and the nodes locked and
    awaited), the syncs waiting for the lock, and the nodes it is removing."""

    names: tuple[Entry, ...] = ()
    known: tuple[str, ...] = ()
    locks: tuple[Lock, ...] = ()
    jobs: tuple[Job, ...] = ()
    phase: str = "idle"
    granted: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    failed: bool = False
    syncs: tuple[SyncId, ...] = ()
    tag: int = 0
    removing: tuple[str, ...] = ()


# -- reading a server's table -------------------------------------------------------------


def names(state: GlobalState | None) -> dict[Hashable, Pid]:
    """A server's table as ``{name: pid}`` (empty when the server is not running)."""
    return {} if state is None else {name: pid for name, pid, _ in state.names}


def whereis(state: GlobalState | None, name: Hashable) -> Pid | None:
    """The pid a server's table gives ``name`` (``global:whereis_name`` on that node)."""
    return names(state).get(name)


def minmax(pid: Pid, pid2: Pid) -> tuple[Pid, Pid]:
    """global.erl's ``minmax``: the two pids ordered by their nodes' names.

    >>> minmax(Pid("b", 1), Pid("a", 1))
    (<a.1>, <b.1>)
    """
    return (pid, pid2) if pid.node < pid2.node else (pid2, pid)


# -- the resolvers --------------------------------------------------------------------------


def random_exit_name(name: Hashable, pid: Pid, pid2: Pid, out: Out) -> Pid:
    low, high = minmax(pid, pid2)
    out.kill(high)
    return low


def random_notify_name(name: Hashable, pid: Pid, pid2: Pid, out: Out) -> Pid:
    low, high = minmax(pid, pid2)
    out.send(high, ("global_name_conflict", name))
    return low


def notify_all_name(name: Hashable, pid: Pid, pid2: Pid, out: Out) -> None:
    out.send(pid, ("global_name_conflict", name, pid2))
    out.send(pid2, ("global_name_conflict", name, pid))
    return None


BUILTIN: dict[str, Resolver] = {
    "random_exit_name": random_exit_name,
    "random_notify_name": random_notify_name,
    "notify_all_name": notify_all_name,
}


# -- helpers on a server's state ------------------------------------------------------------


def with_node(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return tuple(sorted({*items, item}))


def without_node(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return tuple(x for x in items if x != item)


def sorted_by_repr(entries: Any) -> tuple[Any, ...]:
    return tuple(sorted(entries, key=repr))


def can_lock(st: GlobalState, lock: LockId) -> bool:
    """``can_set_lock``: the resource is free, or held for the same requester."""
    return all(held[0] != lock[0] or held[1] == lock[1] for held in st.locks)


def add_lock(st: GlobalState, lock: Lock) -> GlobalState:
    return st if lock in st.locks else st._replace(locks=sorted_by_repr((*st.locks, lock)))


def drop_lock(st: GlobalState, lock: Lock) -> GlobalState:
    return st._replace(locks=tuple(held for held in st.locks if held != lock))


def sync_lock(st: GlobalState) -> SyncId | None:
    """The sync that holds this node's ``global`` lock, if one does."""
    for resource, requester, holder in st.locks:
        if resource == GLOBAL_RID and requester == holder and type(holder) is tuple:
            return holder
    return None


def lock_nodes(lock: Lock) -> tuple[str, ...]:
    """The nodes a lock belongs to: its holder's, or a sync's two."""
    holder = lock[2]
    return (holder.node,) if type(holder) is Pid else tuple(holder[:2])


def syncing_with(st: GlobalState, peer: str) -> bool:
    held = sync_lock(st)
    return (held is not None and peer in held[:2]) or any(peer in s[:2] for s in st.syncs)


def peers(me: Pid, st: GlobalState) -> tuple[str, ...]:
    """The nodes global knows: synced with, or with a sync under way."""
    held = sync_lock(st)
    pending = {n for sync in (*st.syncs, *([held] if held else [])) for n in sync[:2]}
    return tuple(sorted({*st.known, *pending} - {me.node}))


def insert_name(
    st: GlobalState, name: Hashable, pid: Pid, method: Hashable, out: Out
) -> GlobalState:
    out.monitor(pid)  # (one monitor per name: a second DOWN finds nothing left to remove)
    kept = [e for e in st.names if e[0] != name]
    return st._replace(names=sorted_by_repr((*kept, (name, pid, method))))


def delete_name(st: GlobalState, name: Hashable, out: Out) -> GlobalState:
    gone = [e[1] for e in st.names if e[0] == name]
    kept = tuple(e for e in st.names if e[0] != name)
    for pid in gone:
        if all(e[1] != pid for e in kept):
            out.demonitor(pid)
    return st._replace(names=kept)


def trusted(st: GlobalState, peer: str, theirs: Any) -> dict[Hashable, tuple[Pid, Hashable]]:
    """This node's table, less the names of ``peer``'s processes that ``peer`` itself no
    longer lists: each node is the authority on its own processes."""
    listed = {(name, pid) for name, pid, _ in theirs}
    return {
        name: (pid, method)
        for name, pid, method in st.names
        if pid.node != peer or (name, pid) in listed
    }


def set_table(
    st: GlobalState, table: dict[Hashable, tuple[Pid, Hashable]], out: Out
) -> GlobalState:
    """The table after a sync; every pid in it monitored (a dead one's DOWN, ``noproc``,
    takes its name away)."""
    entries = sorted_by_repr((name, pid, method) for name, (pid, method) in table.items())
    before = {e[1] for e in st.names}
    for _, pid, _ in entries:
        if pid not in before:
            out.monitor(pid)
    return st._replace(names=entries)
