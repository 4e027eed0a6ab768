""":global as one actor per node: the node-level protocol Highlander builds on.

``models/supervision/highlander.py`` subclasses :class:`GlobalNode` (a node's global server,
registrar and its one process in one actor, pids as strings like ``a.1``), and Horde's models
take its helpers. :global's own model is ``global_registry.py``, on real processes and
:mod:`modelcheck.beam.global_names`; this module stays until those models move onto it.
What follows is the protocol as this node-level version runs it.

What the real system does (OTP's ``global.erl``): every node holds a full replica of the
name table; lookups are local. ``global:register_name(Name, Pid, Resolve)`` runs in the
node's registrar: it takes the lock on ``global`` first on the "boss" (the highest known
node), then on every other known node (a node whose lock someone else holds refuses; the
registrar then releases what it holds and retries after a random sleep), checks that the
name is free in its own table, tells every known node and releases the locks. Every node
monitors the registered processes: a name goes when its process dies, and the names of a
node go when the node goes down, so during a partition each side can register the same
name. When a connection comes back, the two nodes lock themselves against registrations and
exchange their tables; for each name registered to two processes, the node whose name sorts
first calls the registration's resolve function, its own pid second:

- ``random_exit_name``, the default (not random: ``minmax`` compares node names), keeps the
  process on the lower node and kills the other with ``exit(Pid, kill)``: no trap, no
  ``terminate``, no warning;
- ``random_notify_name`` keeps the same one and sends the other
  ``{global_name_conflict, Name}``: it runs on, no longer registered, unless it handles that;
- ``notify_all_name`` unregisters the name and sends both ``{global_name_conflict, Name,
  OtherPid}``.

The model: nodes ``a`` and ``b`` (``-p nodes=3`` adds ``c``), each with one process
(``a.1``, ``b.1``) that registers the name ``n`` when its ``start`` timer fires. One actor is
one node: its global server, its registrar and its process. A node's lock on ``global`` is
held by a registrar (its node's name) or by a sync (``a+b/1``: the first sync ``a`` drove
with ``b``). A refused registrar retries on a ``retry`` timer; a node it waits for going down
counts as a refusal (a bad node of ``multi_call``). On ``nodeup`` the lower node drives the
sync (``sync``, answered by ``names``, closed by ``synced``); the higher one asks for one
(``sync_me``) if it has not synced since the connection went. ``-p resolve=`` picks the
resolve function. Simplified: the resolver runs on the lower node itself (global runs it on
the node of that node's pid: the same node, with two nodes); the registrar unlocks without
waiting for the answers to ``register`` (order per pair makes every node see the name before
the unlock), so the network is FIFO only.

On the BEAM a node hears that a connection went down before anything that comes over the
new connection; the actor layer lets the two race, much as global's own processes race, and
global copes with per-connection tags. So does the model: a sync has an id and a late answer
is dropped, a node lets only nodes it has synced with lock it or register through it, and
during a sync each node is the authority on its own processes.

``-p prevent_overlapping_partitions=`` (true by default, as in OTP 25's kernel): global
keeps the cluster in fully connected groups. In ``global.erl``, a node whose global server
sees ``nodedown`` for a node it knew sends ``{lost_connection, Me, ..., Node}`` to every
other node it knows (``inform_connection_loss``); a receiver that knows the lost node (or,
if it is the lost node, the reporter) sends it ``{remove_connection, Me}`` and forgets it
(``handle_nodedown(..., remove_connection)``); the node that gets ``remove_connection``
calls ``net_kernel:async_disconnect`` and forgets the sender too. Neither side reports the
nodedown that follows. So cutting ``a``-``b`` alone can end with ``c`` cut off from both:
all three apart (what real OTP 25 nodes do), or ``c`` still with one of them, when that
node's ``remove_connection`` came first and the disconnect lost its own report. Simplified:
a receiver does not pass the report on to the nodes it knows (global does, so that a node
the reporter lost on the way still hears it; with three nodes it changes nothing), and
there are no operation ids to drop a report seen already (a node forgets the lost node at
once, and ignores a report about a node it does not know); global's sends of these two
messages are ``noconnect``, the model's are ordinary sends (they go over a connection that
is up, or bring it up); a node forgets the removed node's names at once rather than when
their monitors fire. Off, a cut stays a cut: ``c`` keeps talking to both sides.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, NamedTuple

from modelcheck.actors import Actor, ActorSystem, Budget, Out, World

#: The name every node's process wants to register.
NAME = "n"
#: The resolve functions of global.erl, by name (the default first).
METHODS = ("random_exit_name", "random_notify_name", "notify_all_name")
#: Node names, in order: a sorts first.
NODES = ("a", "b", "c")

Names = tuple[tuple[str, str], ...]  # (name, pid), sorted by name
Effect = tuple[str, Any]  # (pid, what it is sent)


def pid_of(node: str, incarnation: int = 1) -> str:
    """The pid of a node's process: ``b.1`` is the first process on node ``b``.

    >>> pid_of("b"), node_of("b.2")
    ('b.1', 'b')
    """
    return f"{node}.{incarnation}"


def node_of(pid: str) -> str:
    """The node a pid lives on (``node(Pid)``)."""
    return pid.split(".", 1)[0]


def pair_of(sync: str) -> tuple[str, ...]:
    """The two nodes of a sync id (or of a lock held for one); () for anything else.

    >>> pair_of("a+b/2"), pair_of("b"), pair_of("")
    (('a', 'b'), (), ())
    """
    return tuple(sync.split("/")[0].split("+")) if "+" in sync else ()


def syncing_with(st: Node, peer: str) -> bool:
    """Whether a sync with ``peer`` holds the node's lock or waits for it."""
    return any(peer in pair_of(sync) for sync in (st.lock, *st.syncs))


def _with(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return tuple(sorted({*items, item}))


def _without(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return tuple(x for x in items if x != item)


def _names(table: dict[str, str]) -> Names:
    return tuple(sorted(table.items()))


def _drop_pids(names: Names, gone: Iterable[str]) -> Names:
    dead = set(gone)
    return tuple((n, p) for n, p in names if p not in dead)


class Node(NamedTuple):
    """One Erlang node: its process, its global_name_server and its registrar."""

    pid: str  # the pid of the node's process (the one that registers the name)
    proc: str  # what that process is doing, e.g. registering, registered, killed
    watch: str  # the pid it monitors ("" if none; Highlander monitors the holder)
    names: Names  # this node's replica of the name table
    known: tuple[str, ...]  # the nodes global has synced with (sorted)
    lock: str  # who holds `global` here: "" (free), a registrar's node, or a sync ("a+b/1")
    phase: str  # the registrar: idle, boss (locking the boss), rest (the others) or retry
    granted: tuple[str, ...]  # nodes whose lock the registrar holds
    waiting: tuple[str, ...]  # nodes whose answer to set_lock it awaits
    failed: bool  # some node refused (or went down) in this round
    syncs: tuple[str, ...]  # syncs waiting for the lock, by id: "a+b/1" (a drives, b's 1st)
    tag: int  # syncs this node has started (each gets a fresh id)
    # Nodes this node is removing to prevent overlapping partitions: their nodedown is
    # expected and is not reported as a lost connection (global's {removing, Node}).
    removing: tuple[str, ...] = ()


def resolve_global(method: str, name: str, pid: str, pid2: str) -> tuple[str | None, list[Effect]]:
    """global.erl's resolve functions: ``pid`` is the other node's, ``pid2`` this node's.

    Returns the pid that keeps the name (None: nobody) and what is sent to whom.
    ``minmax`` orders the pids by the name of their node: the lower node's pid wins.

    >>> resolve_global("random_exit_name", "n", "b.1", "a.1")
    ('a.1', [('b.1', ('exit', 'b.1', 'kill'))])
    >>> resolve_global("notify_all_name", "n", "b.1", "a.1")[0] is None
    True
    """
    low, high = (pid, pid2) if node_of(pid) < node_of(pid2) else (pid2, pid)
    if method == "random_exit_name":
        return low, [(high, ("exit", high, "kill"))]
    if method == "random_notify_name":
        return low, [(high, ("global_name_conflict", name))]
    if method == "notify_all_name":
        return None, [
            (pid, ("global_name_conflict", name, pid2)),
            (pid2, ("global_name_conflict", name, pid)),
        ]
    raise ValueError(f"unknown resolve method {method!r}")


class GlobalNode(Actor[Node]):
    """A node running :global, with one process that registers ``name`` when it starts.

    Subclasses change what the process does (:meth:`start_process`, :meth:`registered`,
    :meth:`to_process`, :meth:`holder_down`) and how conflicts resolve (:meth:`resolve`).
    """

    def __init__(self, method: str = METHODS[0], name: str = NAME, overlap: bool = False) -> None:
        self.method = method
        self.name = name
        #: ``prevent_overlapping_partitions``: on by default in :class:`GlobalRegistry`.
        self.prevent_overlap = overlap

    # -- the node's process: what subclasses change ---------------------------------------

    def start_process(self, me: str, st: Node, out: Out) -> Node:
        """The process starts: it calls ``global:register_name(Name, self(), Method)``."""
        return self.register(me, st._replace(proc="registering"), out)

    def registered(self, me: str, st: Node, yes: bool, out: Out) -> Node:
        """``register_name`` returned ``yes`` or ``no``."""
        return st._replace(proc="registered" if yes else "refused")

    def to_process(self, me: str, st: Node, msg: Any, out: Out) -> Node:
        """A message or exit signal for the process: ``kill`` kills it, a conflict notice
        is a plain message (it runs on, no longer registered)."""
        if not self.alive(st):
            return st
        if msg[0] == "exit":
            return self.die(me, st, "killed", out) if msg[1] == st.pid else st
        return st._replace(proc="notified")

    def holder_down(self, me: str, st: Node, pid: str, reason: str, out: Out) -> Node:
        """A monitor on ``pid`` (``st.watch``) fired."""
        return st._replace(watch="")

    def alive(self, st: Node) -> bool:
        """Whether the node's process is running."""
        return st.proc != "killed"

    def resolve(self, name: str, pid: str, pid2: str) -> tuple[str | None, list[Effect]]:
        """The resolve function the registration used (``pid2`` is the local table's)."""
        return resolve_global(self.method, name, pid, pid2)

    # -- start, restart, death ------------------------------------------------------------

    def init(self, me: str, out: Out) -> Node:
        out.monitor_nodes()
        others = tuple(n for n in out.nodes if n != me)
        incarnation = 1 if out.durable is None else int(str(out.durable)) + 1
        st = Node(
            pid=pid_of(me, incarnation),
            proc="idle",
            watch="",
            names=(),
            # A restarted node knows nobody: the others see it come up and sync with it.
            known=() if out.durable is not None else others,
            lock="",
            phase="idle",
            granted=(),
            waiting=(),
            failed=False,
            syncs=(),
            tag=0,
        )
        out.set_timer("start")  # the process starts at a time of its own
        return st

    def durable(self, state: Node) -> Hashable:
        return int(state.pid.split(".")[1])  # only the incarnation: a restart gets a new pid

    def die(self, me: str, st: Node, reason: str, out: Out) -> Node:
        """The process exits: its names go, and every node's monitor on it fires."""
        out.broadcast(("DOWN", st.pid, reason))
        return st._replace(proc=reason, watch="", names=_drop_pids(st.names, [st.pid]))

    # -- register_name: the registrar and the lock ----------------------------------------

    def register(self, me: str, st: Node, out: Out) -> Node:
        """``trans_all_known``: lock the boss (the highest known node), then the rest."""
        st = st._replace(phase="boss", granted=(), waiting=(), failed=False)
        boss = max((me, *st.known))
        if boss == me:
            if st.lock not in ("", me):
                return self.retry(me, st, out)
            return self.lock_rest(me, st._replace(lock=me, granted=(me,)), out)
        out.send(boss, "set_lock")
        return st._replace(waiting=(boss,))

    def lock_rest(self, me: str, st: Node, out: Out) -> Node:
        """The boss is locked: lock every other known node (this one at once)."""
        nodes = sorted((me, *st.known))
        if nodes[-1] not in st.granted:  # the known nodes changed: start again
            return self.retry(me, st, out)
        st = st._replace(phase="rest")
        if me not in st.granted:
            if st.lock not in ("", me):
                return self.retry(me, st, out)
            st = st._replace(lock=me, granted=(*st.granted, me))
        remote = tuple(n for n in nodes if n not in st.granted)
        for node in remote:
            out.send(node, "set_lock")
        return self.progress(me, st._replace(waiting=remote), out)

    def progress(self, me: str, st: Node, out: Out) -> Node:
        """Every answer is in: go on, or release and retry."""
        if st.waiting:
            return st
        if st.failed:
            return self.retry(me, st, out)
        if st.phase == "boss":
            return self.lock_rest(me, st, out)
        return self.acquired(me, st, out)

    def acquired(self, me: str, st: Node, out: Out) -> Node:
        """Locked everywhere: register if the name is free here, tell the others, unlock."""
        table = dict(st.names)
        yes = self.name not in table
        remote = [n for n in st.granted if n != me]
        if yes:
            table[self.name] = st.pid
            for node in remote:
                out.send(node, ("register", self.name, st.pid))
        for node in remote:
            out.send(node, "del_lock")
        st = st._replace(
            names=_names(table),
            lock="" if st.lock == me else st.lock,
            phase="idle",
            granted=(),
            waiting=(),
            failed=False,
        )
        return self.registered(me, self.grant(me, st, out), yes, out)

    def retry(self, me: str, st: Node, out: Out) -> Node:
        """Release what was locked and try again after a (random) sleep: a timer."""
        for node in st.granted:
            if node != me:
                out.send(node, "del_lock")
        st = st._replace(
            lock="" if st.lock == me else st.lock,
            phase="retry",
            granted=(),
            waiting=(),
            failed=False,
        )
        out.set_timer("retry")
        return self.grant(me, st, out)

    def on_timeout(self, me: str, state: Node, timer: Hashable, out: Out) -> Node:
        if timer == "start":
            return self.start_process(me, state, out)
        if state.phase == "retry":
            return self.register(me, state, out)
        return state

    # -- syncing with a node that came (back) up ------------------------------------------

    def want_sync(self, me: str, st: Node, peer: str) -> Node:
        """The lower node of a pair drives its sync: queue one, unless one is under way."""
        if me > peer or syncing_with(st, peer):
            return st
        return st._replace(syncs=(*st.syncs, f"{me}+{peer}/{st.tag + 1}"), tag=st.tag + 1)

    def grant(self, me: str, st: Node, out: Out) -> Node:
        """The lock is free and a sync waits: take the lock for it and start it. The lower
        node asks the other to lock too ("sync"); the other answers with its names."""
        if st.lock or not st.syncs:
            return st
        sync, rest = st.syncs[0], st.syncs[1:]
        low, high = pair_of(sync)
        if low == me:
            out.send(high, ("sync", sync))
        else:
            out.send(low, ("names", sync, st.names))
        return st._replace(lock=sync, syncs=rest)

    def exchange(self, me: str, st: Node, peer: str, sync: str, theirs: Names, out: Out) -> Node:
        """``exchange_names`` on the lower node: take new names, resolve each clash."""
        table = self.trusted(st, peer, theirs)
        resolved: list[tuple[str, str | None]] = []
        local: list[Any] = []
        for name, pid in theirs:
            mine = table.get(name)
            if mine == pid or self.gone(me, st, pid):
                continue
            if mine is None:
                table[name] = pid
                continue
            winner, effects = self.resolve(name, pid, mine)
            for target, msg in effects:
                if node_of(target) == me:
                    local.append(msg)
                else:
                    out.send(node_of(target), msg)
            if winner == pid:
                table[name] = pid
            elif winner == mine:
                resolved.append((name, mine))
            else:
                del table[name]
                resolved.append((name, None))
        out.send(peer, ("synced", sync, st.names, tuple(resolved)))
        st = st._replace(names=_names(table), known=_with(st.known, peer), lock="")
        st = self.grant(me, st, out)
        for msg in local:
            st = self.to_process(me, st, msg, out)
        return st

    def trusted(self, st: Node, peer: str, theirs: Names) -> dict[str, str]:
        """This node's table, less the names of ``peer``'s processes that ``peer`` itself no
        longer lists: each node is the authority on its own processes (their DOWN may still
        be on the way here)."""
        return {n: p for n, p in st.names if node_of(p) != peer or (n, p) in theirs}

    def gone(self, me: str, st: Node, pid: str) -> bool:
        """A pid of this node that is not its running process: global's monitor on it would
        fire at once (noproc), so its name is not taken."""
        return node_of(pid) == me and (pid != st.pid or not self.alive(st))

    def synced(self, me: str, st: Node, peer: str, theirs: Names, resolved: Any) -> Node:
        """The higher node takes the names it did not have, then the resolver's outcome."""
        table = self.trusted(st, peer, theirs)
        for name, pid in theirs:
            if not self.gone(me, st, pid):
                table.setdefault(name, pid)
        for name, pid in resolved:
            if pid is None or self.gone(me, st, pid):
                table.pop(name, None)
            else:
                table[name] = pid
        return st._replace(names=_names(table), known=_with(st.known, peer), lock="")

    # -- messages and node events ---------------------------------------------------------

    def on_message(self, me: str, state: Node, sender: str, msg: Any, out: Out) -> Node:
        st = state
        if msg == "set_lock":
            # Only a node this one has synced with may lock it: a node acting on a stale
            # view of the cluster (see the module's notes) is refused, and retries.
            if st.lock in ("", sender) and sender in st.known:
                out.send(sender, "granted")
                return st._replace(lock=sender)
            out.send(sender, "refused")
            return st
        if msg == "del_lock":
            return self.grant(me, st._replace(lock=""), out) if st.lock == sender else st
        if msg in ("granted", "refused"):
            if st.phase not in ("boss", "rest") or sender not in st.waiting:
                if msg == "granted":  # a lock this registrar no longer waits for
                    out.send(sender, "del_lock")
                return st
            ok = msg == "granted"
            st = st._replace(
                waiting=_without(st.waiting, sender),
                granted=(*st.granted, sender) if ok else st.granted,
                failed=st.failed or not ok,
            )
            return self.progress(me, st, out)
        if msg == "sync_me":  # the other lost track of any sync under way: start afresh
            if sender in pair_of(st.lock):
                st = st._replace(lock="")
            return self.grant(me, self.want_sync(me, st, sender), out)
        kind = msg[0]
        if kind == "sync":  # the lower node abandoned any earlier sync of this pair
            if msg[1] == st.lock or msg[1] in st.syncs:
                return st  # a copy (--duplicates): this one is under way already
            pair = pair_of(msg[1])
            st = st._replace(
                lock="" if pair_of(st.lock) == pair else st.lock,
                syncs=(*(s for s in st.syncs if pair_of(s) != pair), msg[1]),
            )
            return self.grant(me, st, out)
        if kind == "register":
            if sender not in st.known:
                return st
            table = dict(st.names)
            table[msg[1]] = msg[2]
            return st._replace(names=_names(table))
        if kind == "names":  # an answer to a sync this node no longer holds is dropped
            if st.lock != msg[1]:
                return st
            return self.exchange(me, st, sender, msg[1], msg[2], out)
        if kind == "synced":
            if st.lock != msg[1]:
                return st
            return self.grant(me, self.synced(me, st, sender, msg[2], msg[3]), out)
        if kind == "lost_connection":
            if not self.prevent_overlap:
                return st
            return self.lost_connection(me, st, sender, msg[1], out)
        if kind == "remove_connection":
            if sender not in self.peers(me, st):
                return st
            out.disconnect(sender)
            return self.remove(me, st, sender, out)
        if kind == "DOWN":
            pid, reason = msg[1], msg[2]
            st = st._replace(names=_drop_pids(st.names, [pid]))
            return self.holder_down(me, st, pid, reason, out) if st.watch == pid else st
        return self.to_process(me, st, msg, out)

    def lost(self, me: str, st: Node, node: str, out: Out) -> Node:
        """The connection to ``node`` is gone: its names, its locks, its sync, go too."""
        lock = st.lock
        if lock == node or node in pair_of(lock):
            lock = ""
        st = st._replace(
            names=tuple((n, p) for n, p in st.names if node_of(p) != node),
            known=_without(st.known, node),
            lock=lock,
            syncs=tuple(s for s in st.syncs if node not in pair_of(s)),
            granted=_without(st.granted, node),
        )
        if node in st.waiting:  # multi_call: a node that went down is a bad node
            st = st._replace(waiting=_without(st.waiting, node), failed=True)
            st = self.progress(me, st, out)
        st = self.grant(me, st, out)
        if st.watch and node_of(st.watch) == node:
            st = self.holder_down(me, st, st.watch, "noconnection", out)
        return st

    def on_nodedown(self, me: str, state: Node, node: str, out: Out) -> Node:
        if node in state.removing:  # this node took that connection down itself
            st = state._replace(removing=_without(state.removing, node))
            return self.lost(me, st, node, out)
        if self.prevent_overlap:
            # inform_connection_loss: tell every other node this one knows.
            for other in self.peers(me, state):
                if other != node:
                    out.send(other, ("lost_connection", node))
        return self.lost(me, state, node, out)

    # -- prevent_overlapping_partitions ---------------------------------------------------

    def peers(self, me: str, st: Node) -> tuple[str, ...]:
        """The nodes global knows: synced with, or with a sync under way (``known``)."""
        pending = {n for sync in (st.lock, *st.syncs) for n in pair_of(sync)}
        return tuple(sorted({*st.known, *pending} - {me}))

    def remove(self, me: str, st: Node, node: str, out: Out) -> Node:
        """``handle_nodedown(Node, S, remove_connection)``: forget ``node`` as if it went
        down, and expect its nodedown without reporting it."""
        st = st._replace(removing=_with(st.removing, node))
        return self.lost(me, st, node, out)

    def lost_connection(self, me: str, st: Node, reporter: str, node: str, out: Out) -> Node:
        """``reporter`` lost its connection to ``node``: ask ``node`` to take down its
        connection to this node (``remove_connection``), and forget it. If ``node`` is this
        node, the one to remove is ``reporter``."""
        remove = reporter if node == me else node
        if remove not in self.peers(me, st):
            return st
        out.send(remove, ("remove_connection",))
        return self.remove(me, st, remove, out)

    def on_nodeup(self, me: str, state: Node, node: str, out: Out) -> Node:
        """The lower node queues a sync; the higher one, if it has not synced with the
        other since the connection went, asks it to (the sync may have started already)."""
        if me < node:
            return self.grant(me, self.want_sync(me, state, node), out)
        if node not in state.known and not syncing_with(state, node):
            out.send(node, "sync_me")
        return state


def show_node(st: Node) -> dict[str, Any]:
    """A node's state for traces: its process, its table, and the lock and registrar only
    as far as they matter.

    >>> show_node(Node("a.1", "registered", "", (("n", "a.1"),), ("b",), "", "idle", (), (),
    ...                False, (), 0))
    {'process': 'a.1 registered', 'names': {'n': 'a.1'}, 'known': ['b'], 'lock': 'free', \
'registrar': 'idle'}
    """
    process = f"{st.pid} {st.proc}" + (f", monitors {st.watch}" if st.watch else "")
    if st.phase in ("boss", "rest"):
        held = f"holds {' '.join(st.granted)}; " if st.granted else ""
        registrar = f"{st.phase}: {held}waits for {' '.join(st.waiting) or 'none'}"
    else:
        registrar = st.phase
    shown: dict[str, Any] = {
        "process": process,
        "names": dict(st.names),
        "known": list(st.known),
        "lock": st.lock or "free",
        "registrar": registrar,
    }
    if st.syncs:
        shown["syncs"] = list(st.syncs)
    if st.removing:
        shown["removing"] = list(st.removing)
    return shown


#: :global's lock protocol relies on the BEAM's one guarantee, order per pair of processes
#: (a del_lock overtaking its set_lock would leave a lock held forever): only FIFO.
FIFO_ONLY = Budget("fifo", help="message order (:global needs FIFO)", choices=("fifo",), quiet=True)


def fair_step(label: Any) -> Any:
    """What weak fairness is per: a channel's next delivery, a node's next signal, a timer.

    >>> fair_step(("deliver", "a", "b", "sync")), fair_step(("timeout", "a", "retry"))
    (('deliver', 'a', 'b'), ('timeout', 'a', 'retry'))
    """
    return label[:3]


def settled(system: ActorSystem, w: World) -> bool:
    """Nothing left to happen: no link cut, nothing in flight, no signal or timer pending,
    and on every running node no lock held, no registration under way, no sync waiting."""
    if w.cut or w.chans or w.sysq or w.timers:
        return False
    return all(
        st.lock == "" and st.phase == "idle" and not st.syncs
        for st in system.live_states(w).values()
    )
