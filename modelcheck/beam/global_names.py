""":global (OTP 25's ``lib/kernel/src/global.erl``) as library code: a name server per node.

Boot ``Boot(GlobalServer(), name=NAME_SERVER)`` on every node; processes talk to their own
node's server with :func:`register_name`, :func:`unregister_name`, :func:`whereis_name`,
:func:`send`, :func:`set_lock` and :func:`del_lock`. Each answer comes back as the message
``(REPLY, ref, result)`` (``ref`` defaults to the request's name, e.g.
``("global", "register_name", "yes")``). Properties read a server's table with
:func:`names` (or :func:`whereis`), as ``global:whereis_name`` reads the node's ETS table.

What the servers do, as ``global.erl`` does it:

- Every node holds the whole name table: ``(name, pid, method)`` entries, and it monitors
  every registered pid, so a name goes when its process exits (or is not running:
  ``noproc``) or its node's connection goes (``noconnection``, and the ``nodedown``).
- ``register_name`` and ``unregister_name`` are ``trans_all_known``: the lock
  ``{global, Registrar}`` is taken on the *boss* (the highest of this node and the nodes it
  has synced with), then on every other known node; a node where someone else holds
  ``global`` refuses, and the registrar releases what it holds and retries after a (random)
  sleep: a timer. Once every node is locked the name is checked in this node's table,
  told to every known node (each inserts it and monitors the pid) and the locks released.
  The answer is ``yes`` or ``no``.
- ``set_lock({Resource, Requester}, Nodes, Retries)`` takes a lock the same way (boss
  first) on ``Nodes`` (default: this node and the known ones) for the calling process; a
  lock is refused where ``Resource`` is held for another requester; ``Retries`` (None:
  infinity) bounds the retries, then the answer is ``False``. The lock is released by
  :func:`del_lock` or when its holder exits. ``global:trans(Id, Fun)`` is ``set_lock``, the
  work once the answer is ``True``, then ``del_lock``: the caller's handlers do the work.
- When a connection comes up (``nodeup``) the two nodes sync: the lower node queues a sync,
  takes its own ``global`` lock for it and sends ``sync``; the higher takes its lock, sends
  its table (``names``); the lower exchanges them (``exchange_names``): a name only one
  side has is taken, a name both have for different pids is *resolved* on the lower node by
  the method of its own entry, called ``(Name, TheirPid, OurPid)``:

  - ``random_exit_name`` (the default; deterministic, despite its name: ``minmax`` compares
    the pids' nodes) keeps the pid of the lower node and sends the other ``exit(Pid,
    kill)``;
  - ``random_notify_name`` keeps the same one and sends the other ``{global_name_conflict,
    Name}``;
  - ``notify_all_name`` unregisters the name and sends each ``{global_name_conflict, Name,
    OtherPid}``;
  - a user resolver (:class:`GlobalServer`'s ``resolvers``, by name): a function
    ``(name, pid, pid2, out) -> pid | None`` that may act through ``out``.

  The lower node sends the outcome (``synced``), both forget the lock, and each now knows
  the other. A node that sees ``nodeup`` from a lower node it has not synced with asks for a
  sync (``sync_me``), in case the lower node's sync was lost.
- ``prevent_overlapping_partitions`` (on by default, as in OTP 25): a server that hears
  ``nodedown`` for a node it knew tells every other node it knows (``lost_connection``); a
  receiver that knows the lost node (or, if it is the lost node, the reporter) sends it
  ``remove_connection``, forgets it and expects its ``nodedown`` without reporting it; the
  node that gets ``remove_connection`` disconnects from the sender (``out.disconnect``) and
  forgets it too. So the cluster stays in fully connected groups.

Simplified against ``global.erl``, on purpose:

- One process per node is the name server, the registrar and the locker: registrations and
  lock requests of a node's processes are served one at a time, in order; there is no
  separate locker process negotiating a sync, and a sync's lock is this node's ``global``
  lock alone (a node in a sync refuses registrars, as global's does).
- The exchange of name tables is atomic per step: the lower node resolves every clash in
  the one step that receives the higher node's table; the resolver runs on the lower node
  (global runs it on the node of the local entry's pid: the same node but with a third
  node's pid).
- Names, locks and syncs are tagged by the pair of nodes and a counter, not global's
  version-tagged ``init_connect`` messages: a late answer of an abandoned sync is dropped.
  Each node is the authority on its own processes during a sync (a name of the other
  node's process that the other no longer lists is dropped, its DOWN may still be on the
  way).
- A registrar does not wait for the nodes' answers before releasing its locks (order per
  pair of processes makes every node see the name before the release). Only nodes the
  server has synced with may lock it or register through it.
- ``whereis_name`` and ``send`` are calls to the node's server (global reads an ETS table
  in the caller); ``send`` forwards the message from the server, so its order with the
  caller's own messages to that process is not kept. No ``register_name_external``,
  ``re_register_name``, ``global_groups``, ``sync/0`` or ``info``; a pid may hold several
  names.
- ``prevent_overlapping_partitions``: a receiver does not pass a report on, there are no
  operation ids (a node forgets the lost node at once and ignores a report about a node it
  does not know), the two messages are ordinary sends (global's are ``noconnect``), and a
  node forgets the removed node's names at once.
- Nothing here reconnects a connection after a heal, as nothing in global.erl does: a model
  has some process send or ``out.connect`` (an application's traffic, a ping).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from modelcheck.actors import Actor, Out, Pid
from modelcheck.beam.global_state import (
    BUILTIN,
    GLOBAL_RID,
    METHODS,
    NAME_SERVER,
    REPLY,
    GlobalState,
    Job,
    LockId,
    Resolver,
    SyncId,
    add_lock,
    can_lock,
    delete_name,
    drop_lock,
    insert_name,
    lock_nodes,
    minmax,
    names,
    peers,
    set_table,
    sync_lock,
    syncing_with,
    trusted,
    whereis,
    with_node,
    without_node,
)
from modelcheck.errors import ModelError

__all__ = [
    "GLOBAL_RID",
    "METHODS",
    "NAME_SERVER",
    "REPLY",
    "GlobalServer",
    "GlobalState",
    "Job",
    "del_lock",
    "minmax",
    "names",
    "register_name",
    "send",
    "set_lock",
    "unregister_name",
    "whereis",
    "whereis_name",
]

# -- the calls: a process asks its own node's server --------------------------------------


def register_name(
    out: Out, name: Hashable, pid: Pid | None = None, method: Hashable = METHODS[0], ref: Any = None
) -> None:
    """``global:register_name(Name, Pid, Method)``: the answer is ``yes`` or ``no``."""
    _call(out, ("register_name", name, out.me if pid is None else pid, method), ref)


def unregister_name(out: Out, name: Hashable, ref: Any = None) -> None:
    """``global:unregister_name(Name)``: the answer is ``ok``."""
    _call(out, ("unregister_name", name), ref)


def whereis_name(out: Out, name: Hashable, ref: Any = None) -> None:
    """``global:whereis_name(Name)``: the answer is the pid or ``undefined``."""
    _call(out, ("whereis_name", name), ref)


def send(out: Out, name: Hashable, msg: Any, ref: Any = None) -> None:
    """``global:send(Name, Msg)``: the server forwards ``msg``; the answer is the pid, or
    ``badarg`` when nobody holds the name."""
    _call(out, ("send", name, msg), ref)


def set_lock(
    out: Out,
    lock: LockId,
    nodes: Sequence[str] = (),
    retries: int | None = None,
    ref: Any = None,
) -> None:
    """``global:set_lock({Resource, Requester}, Nodes, Retries)``: the answer is True or
    False (``retries`` exhausted; None: retry forever)."""
    _call(out, ("set_lock", lock, tuple(sorted(nodes)), -1 if retries is None else retries), ref)


def del_lock(out: Out, lock: LockId, nodes: Sequence[str] = (), ref: Any = None) -> None:
    """``global:del_lock({Resource, Requester}, Nodes)``: the answer is True."""
    _call(out, ("del_lock", lock, tuple(sorted(nodes))), ref)


def _call(out: Out, request: tuple[Any, ...], ref: Any) -> None:
    me = out.me
    if type(me) is not Pid:
        raise ModelError(f":global needs processes on nodes (cluster()), not {me!r}")
    out.send((NAME_SERVER, me.node), ("global_call", request[0] if ref is None else ref, request))


# -- the server ---------------------------------------------------------------------------


class GlobalServer(Actor[GlobalState]):
    """A node's :global name server (boot it registered as :data:`NAME_SERVER`).

    ``prevent_overlapping_partitions``: the kernel option, on by default as in OTP 25.
    ``resolvers``: user resolve functions by name, ``((name, function), ...)``, each
    ``(name, pid, pid2, out) -> pid | None``; register with ``method=`` that name.
    """

    def __init__(
        self,
        prevent_overlapping_partitions: bool = True,
        resolvers: tuple[tuple[Hashable, Resolver], ...] = (),
    ) -> None:
        self.prevent_overlapping_partitions = prevent_overlapping_partitions
        self.resolvers = resolvers

    def init(self, me: Pid, out: Out) -> GlobalState:
        out.monitor_nodes()
        # At first boot the cluster is up and synced; a restarted node knows nobody yet.
        others = tuple(n for n in out.nodes if n != me.node)
        return GlobalState(known=() if out.durable is not None else others)

    def durable(self, state: GlobalState) -> Hashable:
        return True  # (only that the node ran before)

    # -- messages ---------------------------------------------------------------------

    def on_message(self, me: Pid, state: GlobalState, sender: Any, msg: Any, out: Out) -> Any:
        st = state
        kind = msg[0]
        peer = sender.node if type(sender) is Pid else sender
        if kind == "global_call":
            return self._request(me, st, sender, msg[1], msg[2], out)
        if kind == "set_lock":  # ("set_lock", lock, holder) from a registrar
            _, lock, holder = msg
            ok = peer in st.known and can_lock(st, lock)
            if ok:
                st = add_lock(st, (*lock, holder))
                if lock[0] != GLOBAL_RID:
                    out.monitor(holder)
            out.send(sender, ("lock_answer", lock, holder, ok))
            return st
        if kind == "del_lock":
            _, lock, holder = msg
            return self._grant(me, drop_lock(st, (*lock, holder)), out)
        if kind == "lock_answer":
            return self._answer(me, st, peer, msg[1], msg[2], msg[3], out)
        if kind == "register":  # ("register", name, pid, method)
            if peer not in st.known:
                return st
            return insert_name(st, msg[1], msg[2], msg[3], out)
        if kind == "unregister":
            return delete_name(st, msg[1], out) if peer in st.known else st
        if kind in ("sync_me", "sync", "names", "synced"):
            return self._sync_message(me, st, peer, msg, out)
        if kind == "lost_connection":
            if not self.prevent_overlapping_partitions:
                return st
            return self._lost_connection(me, st, peer, msg[1], out)
        if kind == "remove_connection":
            if peer not in peers(me, st):
                return st
            out.disconnect(peer)
            return self._remove(me, st, peer, out)
        return st

    def _request(
        self, me: Pid, st: GlobalState, client: Pid, ref: Any, request: Any, out: Out
    ) -> GlobalState:
        """A call from a process of this node."""
        verb = request[0]
        if verb == "whereis_name":
            out.send(client, (REPLY, ref, whereis(st, request[1]) or "undefined"))
            return st
        if verb == "send":
            pid = whereis(st, request[1])
            if pid is not None:
                out.send(pid, request[2])
            out.send(client, (REPLY, ref, pid or "badarg"))
            return st
        if verb == "del_lock":
            lock, nodes = request[1], request[2] or (me.node, *st.known)
            for node in nodes:
                if node != me.node:
                    out.send((NAME_SERVER, node), ("del_lock", lock, client))
            out.send(client, (REPLY, ref, True))
            return self._grant(me, drop_lock(st, (*lock, client)), out)
        if verb == "set_lock":
            job = Job(verb, (), client, ref, request[1], request[2], request[3])
        elif verb in ("register_name", "unregister_name"):
            if verb == "register_name":
                self._resolver(request[3])  # an unknown method is the caller's mistake
            job = Job(verb, request[1:], client, ref, (GLOBAL_RID, me))
        else:
            raise ModelError(f":global on {me} got an unknown request {request!r}")
        st = st._replace(jobs=(*st.jobs, job))
        return self._start(me, st, out) if st.phase == "idle" and len(st.jobs) == 1 else st

    # -- the registrar: boss first, then the rest ---------------------------------------

    def _targets(self, me: Pid, st: GlobalState) -> list[str]:
        job = st.jobs[0]
        return sorted({me.node, *(job.nodes or st.known)})

    def _holder(self, me: Pid, job: Job) -> Pid:
        return me if job.kind != "set_lock" else job.client

    def _start(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """Lock the boss (the highest of the nodes) first."""
        job = st.jobs[0]
        st = st._replace(phase="boss", granted=(), waiting=(), failed=False)
        boss = self._targets(me, st)[-1]
        if boss == me.node:
            if not can_lock(st, job.lock):
                return self._retry(me, st, out)
            st = add_lock(st, (*job.lock, self._holder(me, job)))
            return self._lock_rest(me, st._replace(granted=(me.node,)), out)
        out.send((NAME_SERVER, boss), ("set_lock", job.lock, self._holder(me, job)))
        return st._replace(waiting=(boss,))

    def _lock_rest(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """The boss is locked: lock every other node (this one at once)."""
        job = st.jobs[0]
        nodes = self._targets(me, st)
        if nodes[-1] not in st.granted:  # the known nodes changed: start again
            return self._retry(me, st, out)
        st = st._replace(phase="rest")
        holder = self._holder(me, job)
        if me.node in nodes and me.node not in st.granted:
            if not can_lock(st, job.lock):
                return self._retry(me, st, out)
            st = add_lock(st, (*job.lock, holder))._replace(granted=(*st.granted, me.node))
        remote = tuple(n for n in nodes if n not in st.granted)
        for node in remote:
            out.send((NAME_SERVER, node), ("set_lock", job.lock, holder))
        return self._progress(me, st._replace(waiting=remote), out)

    def _answer(
        self, me: Pid, st: GlobalState, peer: str, lock: LockId, holder: Any, ok: bool, out: Out
    ) -> GlobalState:
        """A node answered a lock request."""
        job = st.jobs[0] if st.jobs else None
        if (
            job is None
            or st.phase not in ("boss", "rest")
            or peer not in st.waiting
            or job.lock != lock
            or self._holder(me, job) != holder
        ):
            if ok:  # a lock this registrar no longer waits for
                out.send((NAME_SERVER, peer), ("del_lock", lock, holder))
            return st
        st = st._replace(
            waiting=without_node(st.waiting, peer),
            granted=(*st.granted, peer) if ok else st.granted,
            failed=st.failed or not ok,
        )
        return self._progress(me, st, out)

    def _progress(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """Every answer is in: go on, or release and retry."""
        if st.waiting:
            return st
        if st.failed:
            return self._retry(me, st, out)
        if st.phase == "boss":
            return self._lock_rest(me, st, out)
        return self._acquired(me, st, out)

    def _release(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """Give back the locks the current job holds."""
        job = st.jobs[0]
        holder = self._holder(me, job)
        for node in st.granted:
            if node != me.node:
                out.send((NAME_SERVER, node), ("del_lock", job.lock, holder))
        return drop_lock(st, (*job.lock, holder))

    def _acquired(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """Locked everywhere: do the job, answer, release (a set_lock keeps its locks)."""
        job = st.jobs[0]
        remote = [n for n in st.granted if n != me.node]
        if job.kind == "register_name":
            name, pid, method = job.args
            answer: Any = "no" if whereis(st, name) is not None else "yes"
            if answer == "yes":
                st = insert_name(st, name, pid, method, out)
                for node in remote:
                    out.send((NAME_SERVER, node), ("register", name, pid, method))
        elif job.kind == "unregister_name":
            answer = "ok"
            if whereis(st, job.args[0]) is not None:
                st = delete_name(st, job.args[0], out)
                for node in remote:
                    out.send((NAME_SERVER, node), ("unregister", job.args[0]))
        else:
            answer = True
        if job.kind != "set_lock":
            st = self._release(me, st, out)
        out.send(job.client, (REPLY, job.ref, answer))
        return self._next_job(me, st, out)

    def _retry(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """Release what was locked and try again after a (random) sleep: a timer."""
        job = st.jobs[0]
        st = self._release(me, st, out)._replace(granted=(), waiting=(), failed=False)
        if job.retries == 0:
            out.send(job.client, (REPLY, job.ref, False))
            return self._next_job(me, st, out)
        if job.retries > 0:
            st = st._replace(jobs=(job._replace(retries=job.retries - 1), *st.jobs[1:]))
        out.set_timer("global_retry")
        return self._grant(me, st._replace(phase="retry"), out)

    def _next_job(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        st = st._replace(jobs=st.jobs[1:], phase="idle", granted=(), waiting=(), failed=False)
        st = self._grant(me, st, out)
        return self._start(me, st, out) if st.jobs else st

    def on_timeout(self, me: Pid, state: GlobalState, timer: Hashable, out: Out) -> Any:
        if timer == "global_retry" and state.phase == "retry":
            return self._start(me, state, out)
        return state

    # -- syncing with a node that came (back) up ----------------------------------------

    def _want_sync(self, me: Pid, st: GlobalState, peer: str) -> GlobalState:
        """The lower node of a pair drives its sync: queue one, unless one is under way."""
        if me.node > peer or syncing_with(st, peer):
            return st
        sync = (me.node, peer, st.tag + 1)
        return st._replace(syncs=(*st.syncs, sync), tag=st.tag + 1)

    def _grant(self, me: Pid, st: GlobalState, out: Out) -> GlobalState:
        """``global`` is free here and a sync waits: lock it for the sync and start it. The
        lower node asks the other to lock too (``sync``); the other sends its names."""
        if not st.syncs or any(lock[0] == GLOBAL_RID for lock in st.locks):
            return st
        sync, rest = st.syncs[0], st.syncs[1:]
        low, high, _ = sync
        if low == me.node:
            out.send((NAME_SERVER, high), ("sync", sync))
        else:
            out.send((NAME_SERVER, low), ("names", sync, st.names))
        return add_lock(st._replace(syncs=rest), (GLOBAL_RID, sync, sync))

    def _sync_message(self, me: Pid, st: GlobalState, peer: str, msg: Any, out: Out) -> GlobalState:
        kind = msg[0]
        held = sync_lock(st)
        if kind == "sync_me":  # the other lost track of any sync under way: start afresh
            if held is not None and peer in held[:2]:
                st = drop_lock(st, (GLOBAL_RID, held, held))
            return self._grant(me, self._want_sync(me, st, peer), out)
        sync = msg[1]
        if kind == "sync":  # the lower node abandoned any earlier sync of this pair
            if sync == held or sync in st.syncs:
                return st  # a copy (--duplicates): this one is under way already
            if held is not None and held[:2] == sync[:2]:
                st = drop_lock(st, (GLOBAL_RID, held, held))
            syncs = (*(s for s in st.syncs if s[:2] != sync[:2]), sync)
            return self._grant(me, st._replace(syncs=syncs), out)
        if held != sync:  # an answer to a sync this node no longer holds is dropped
            return st
        if kind == "names":
            return self._exchange(me, st, peer, sync, msg[2], out)
        return self._synced(me, st, peer, sync, msg[2], msg[3], out)

    def _exchange(
        self, me: Pid, st: GlobalState, peer: str, sync: SyncId, theirs: Any, out: Out
    ) -> GlobalState:
        """``exchange_names`` on the lower node: take new names, resolve each clash."""
        table = trusted(st, peer, theirs)
        resolved: list[tuple[Hashable, Pid | None, Hashable]] = []
        for name, pid, method in theirs:
            mine = table.get(name)
            if mine is None:
                table[name] = (pid, method)
                continue
            if mine[0] == pid:
                continue
            winner = self._resolver(mine[1])(name, pid, mine[0], out)
            if winner is None:
                del table[name]
            elif winner != mine[0]:
                table[name] = (pid, method)
            resolved.append((name, winner, table[name][1] if winner is not None else method))
        out.send((NAME_SERVER, peer), ("synced", sync, st.names, tuple(resolved)))
        st = set_table(st, table, out)._replace(known=with_node(st.known, peer))
        return self._grant(me, drop_lock(st, (GLOBAL_RID, sync, sync)), out)

    def _synced(
        self,
        me: Pid,
        st: GlobalState,
        peer: str,
        sync: SyncId,
        theirs: Any,
        resolved: Any,
        out: Out,
    ) -> GlobalState:
        """The higher node takes the names it did not have, then the resolver's outcome."""
        table = trusted(st, peer, theirs)
        for name, pid, method in theirs:
            table.setdefault(name, (pid, method))
        for name, pid, method in resolved:
            if pid is None:
                table.pop(name, None)
            else:
                table[name] = (pid, method)
        st = set_table(st, table, out)._replace(known=with_node(st.known, peer))
        return self._grant(me, drop_lock(st, (GLOBAL_RID, sync, sync)), out)

    def _resolver(self, method: Hashable) -> Resolver:
        for name, function in self.resolvers:
            if name == method:
                return function
        builtin = BUILTIN.get(method) if isinstance(method, str) else None
        if builtin is None:
            known = ", ".join([*METHODS, *(str(n) for n, _ in self.resolvers)])
            raise ModelError(f":global has no resolve method {method!r} (known: {known})")
        return builtin

    # -- node events ----------------------------------------------------------------------

    def on_down(self, me: Pid, state: GlobalState, who: Any, reason: Any, out: Out) -> Any:
        """A registered process (or a lock holder) exited: its names and locks go."""
        kept = tuple(e for e in state.names if e[1] != who)
        locks = tuple(lock for lock in state.locks if lock[2] != who)
        if kept == state.names and locks == state.locks:
            return state
        return self._grant(me, state._replace(names=kept, locks=locks), out)

    def on_nodeup(self, me: Pid, state: GlobalState, node: str, out: Out) -> Any:
        """The lower node queues a sync; the higher one, if it has not synced with the
        other since the connection went, asks it to (the sync may have started already)."""
        if me.node < node:
            return self._grant(me, self._want_sync(me, state, node), out)
        if node not in state.known and not syncing_with(state, node):
            out.send((NAME_SERVER, node), ("sync_me",))
        return state

    def on_nodedown(self, me: Pid, state: GlobalState, node: str, out: Out) -> Any:
        if node in state.removing:  # this node took that connection down itself
            state = state._replace(removing=without_node(state.removing, node))
            return self._lost(me, state, node, out)
        if self.prevent_overlapping_partitions:
            # inform_connection_loss: tell every other node this one knows.
            for other in peers(me, state):
                if other != node:
                    out.send((NAME_SERVER, other), ("lost_connection", node))
        return self._lost(me, state, node, out)

    def _lost(self, me: Pid, st: GlobalState, node: str, out: Out) -> GlobalState:
        """The connection to ``node`` is gone: its names, its locks, its syncs go too."""
        st = st._replace(
            names=tuple(e for e in st.names if e[1].node != node),
            known=without_node(st.known, node),
            locks=tuple(lock for lock in st.locks if node not in lock_nodes(lock)),
            syncs=tuple(s for s in st.syncs if node not in s[:2]),
            granted=without_node(st.granted, node),
        )
        if node in st.waiting:  # multi_call: a node that went down is a bad node
            st = st._replace(waiting=without_node(st.waiting, node), failed=True)
            st = self._progress(me, st, out)
        return self._grant(me, st, out)

    def _remove(self, me: Pid, st: GlobalState, node: str, out: Out) -> GlobalState:
        """``handle_nodedown(Node, S, remove_connection)``: forget ``node`` as if it went
        down, and expect its nodedown without reporting it."""
        return self._lost(me, st._replace(removing=with_node(st.removing, node)), node, out)

    def _lost_connection(
        self, me: Pid, st: GlobalState, reporter: str, node: str, out: Out
    ) -> GlobalState:
        """``reporter`` lost its connection to ``node``: ask ``node`` to take down its
        connection to this node, and forget it. If ``node`` is this node, the one to
        remove is ``reporter``."""
        remove = reporter if node == me.node else node
        if remove not in peers(me, st):
            return st
        out.send((NAME_SERVER, remove), ("remove_connection",))
        return self._remove(me, st, remove, out)
