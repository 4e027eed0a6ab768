"""The BEAM's rules for processes on nodes: what every step of an actor system does.

This is the semantics, written to be checked against the Erlang reference manual
("Processes", "Distributed Erlang") and the project's notes on real OTP behaviour; the
fast path (:mod:`modelcheck.actors.fast`) computes the same steps from remembered handler
results and is tested step for step against this module.

Processes and pids. A node hosts processes; each has a :class:`~modelcheck.actors.Pid`
(node, serial from the node's counter, the node's incarnation). A pid of an older
incarnation, or of a process that exited, addresses nobody: messages and signals to it
are dropped, a monitor on it fires ``DOWN noproc``, a link to it ``EXIT noproc``.

Order. Messages and the signals a process sends (exit signals, and the ``DOWN`` and
``EXIT`` its death sends) travel on one FIFO channel per ordered pair of *processes*
(``network="fifo"``), so a ``DOWN`` comes after the dying process's earlier messages;
between different senders there is no order, even on one node. Runtime signals (a
connection lost, ``nodeup``, ``noproc``) queue per (receiving process, node they are
about): those about one node keep their order, and a receiver hears nothing more from a
node until it has heard that its old connection to it went down.

Exits. A process exits with a reason (``out.stop``, a crash, an exit signal it does not
trap): its links get ``EXIT`` with the reason, then its monitors ``DOWN`` with it (the
order erts uses: links, then monitors); ``normal`` does not kill a linked process; an
exit signal ``kill`` cannot be trapped and makes the reason ``killed``.

Nodes and connections. Reachability (the network: ``cut``) and connections (``apart``:
what distribution has down) are separate. A cut drops the connection: messages in flight
across it are lost, and each process on either side that links to, monitors, or subscribed
to the other side gets, in this order, ``EXIT noconnection`` (links), ``DOWN noconnection``
(monitors), then ``nodedown`` (as measured on real OTP 25 nodes: 50 of 50 runs). After a
heal nothing reconnects by itself: the first send, monitor, link, spawn or ``connect``
from one node to the other brings up that pair's connection, with ``nodeup`` to the
subscribers on both sides. ``out.disconnect`` (``erlang:disconnect_node``) drops a
connection as a cut does (in flight lost, the same signals) but leaves the network
reaching: the next contact brings it back, as above. A node crash kills
every process on it (volatile state lost; what a boot process's ``durable`` returns is
kept) and drops its connections; a restart boots its boot processes again, in a new
incarnation, connected to every node the network reaches (a restart is also enabled for a
node that is up but runs no process: as if it rebooted unnoticed).

Names. A send to ``(name, node)`` on another node travels there addressed by name and
the name is looked up when it arrives, as on the BEAM (the distribution protocol's
``REG_SEND`` carries the name, and the receiving node looks it up): whoever holds the name
then runs ``on_message`` (the new process, if the name was re-registered on the way); if
nobody does, the message is dropped silently (no error for remote sends), and the step's
label ends with :class:`~modelcheck.actors.Unregistered`.
Order: OTP promises that signals from one process to another arrive in the order sent,
and a message by name has its receiver only once it arrives. So a message by name does
not arrive before a message by pid that its sender sent earlier to the process that
holds the name as it arrives; a message by pid does not arrive before a message by name
that its sender sent earlier to that node (whom the name reaches is not decided yet: it
may be the same process); and one sender's messages by name to one node arrive in the
order sent (for the same reason). They travel in ``World.byname``: one FIFO channel per
(sender process, node), each entry counting the sender's messages by pid to each process
there that are ahead of it. This shows only orders the guarantee allows (and real
distribution, one ordered connection per pair of nodes, shows); it leaves out the
reorderings the guarantee would allow only because a name kept its holder (a message by
pid to another process overtaking one by name), the price of deciding nothing about a
name before it arrives. On the unordered network messages have no order at all. A
channel by name is lost with its connection (a cut, ``out.disconnect``, either node
crashing), like any message between the two nodes; a process's exit does not touch it. A
send by name to the sender's own node is resolved at once, as erts resolves a local name
when it sends (the message then waits in the channel to that process).

Simplifications, said once: a monitor reference names its pair of processes and a
number, the least that the pair's monitors in place do not use (OTP's never repeat: here a
pair's number is given again once its monitor is gone, so a model sees the difference only
if it keeps a reference after that, when a ``DOWN`` still on its way may carry the
reference of the pair's new monitor); ``spawn`` runs the child's ``init`` within the
parent's step; a restarted node connects to every node it reaches as it boots.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from modelcheck.errors import ModelError

from .actor import (
    CONNECT,
    DEMONITOR,
    DISCONNECT,
    EXIT,
    KILL_REASON,
    KILLED,
    LINK,
    MONITOR,
    NOCONNECTION,
    NOPROC,
    NORMAL,
    NOTE,
    REGISTER,
    SEND,
    SPAWN,
    STOP,
    SUBSCRIBE,
    TIMER,
    TRAP,
    Actor,
    Chose,
    Note,
    Out,
    Pid,
    Ref,
    Signal,
    Unregistered,
)
from .alike import recall
from .world import DEAD, MASK, NO_TIMERS, SHIFT, Next, Procs, World, get, put

if TYPE_CHECKING:
    pass

__all__ = ["BUDGETS", "Rules"]

#: The fault budgets, in the order they are kept in ``World.used``.
BUDGETS = (
    "crashes",
    "restarts",
    "partitions",
    "cuts",
    "heals",
    "drops",
    "duplicates",
    "kills",
    "mends",
)
CRASHES, RESTARTS, PARTITIONS, CUTS, HEALS, DROPS, DUPLICATES, KILLS, MENDS = range(len(BUDGETS))

#: A handler's outcome: what its label gains (choices, notes), its new state, its effects.
Outcome = tuple[tuple[Any, ...], Any, tuple[tuple[Any, ...], ...]]


def signal_handler(signal: Signal) -> tuple[str, tuple[Any, ...]] | None:
    """The handler a runtime signal always runs, and its arguments: ``DOWN``, ``nodedown``
    and ``nodeup``. None for ``EXIT`` and ``kill``, whose effect depends on trapping. The
    rules and the fast path both ask here, so that they cannot call different handlers."""
    kind = signal.kind
    if kind == "DOWN":
        return "on_down_ref", (signal.ref, signal.who, signal.reason)
    if kind == "nodedown" or kind == "nodeup":
        return "on_" + kind, (signal.who,)
    return None


class _Reader:
    """What a handler may read of the world (``Out.spawn``'s pid, ``Out.whereis``): only
    the processes' table, which is part of every remembered handler input."""

    __slots__ = ("node", "procs", "reserved", "slot", "system")

    def __init__(self, system: Rules, procs: Any, node: int, slot: int) -> None:
        self.system = system
        self.procs = procs
        self.node = node
        self.slot = slot
        self.reserved: dict[int, int] = {}

    def refs_in_use(self, out: Out, target: int) -> set[int]:
        """The reference numbers of the process's monitors on slot ``target`` as the
        handler started."""
        procs = self.procs
        mine: tuple[tuple[int, int], ...] = get(procs.refs, self.slot, ()) if procs else ()
        return {number for slot, number in mine if slot == target}

    def who(self, out: Out, address: Any, slot: int | None) -> Any:
        """What a DOWN about ``address`` (slot ``slot``, or None) names."""
        return self.system._who(self.procs, address, slot)

    def slot_of(self, out: Out, address: Any) -> int | None:
        """The slot ``address`` names, as the handler started."""
        return self.system._resolve(self.procs, address)

    def traps(self, out: Out) -> bool:
        """Whether the process traps exits, as the handler started."""
        return self.system._traps(self.procs, self.slot)

    def next_pid(self, out: Out, node: int | None) -> Pid:
        where = self.node if node is None else node
        system = self.system
        taken = self.reserved.get(where, 0)
        self.reserved[where] = taken + 1
        serial = system._next_serial(self.procs, where) + taken
        return Pid(system.node_names[where], serial, system._incarnation(self.procs, where))

    def whereis(self, out: Out, name: Hashable, node: int | None) -> Pid | None:
        where = self.node if node is None else node
        slot = self.system._registered(self.procs, where, name)
        return None if slot is None else self.system._pid(self.procs, slot)


class Rules:
    """The BEAM rules as methods of :class:`~modelcheck.actors.ActorSystem` (a mixin).

    Set up by ``ActorSystem.setup``: ``n`` nodes ``node_names``; ``boot`` slots (``B``),
    each with its node (``boot_node``), serial (``boot_serial``), behaviour
    (``behaviours``) and registered name (``boot_names``); ``first_boot[node]`` (the slot
    a node's name addresses, or -1); ``named``: handlers see node names (``actors()``).
    """

    #: During the boot, the monitors of a name on another node that nobody holds yet: a
    #: monitor travels to that node as a send by name does, so it is looked up once every
    #: boot process has started (see ``ActorSystem._initial``); None after the boot.
    _boot_watches: list[tuple[int, int, int, Any, Any]] | None = None

    if TYPE_CHECKING:
        n: int
        node_names: tuple[str, ...]
        node_index: dict[str, int]
        behaviours: tuple[Actor[Any], ...]
        boot_node: tuple[int, ...]
        boot_serial: tuple[int, ...]
        boot_names: tuple[Hashable | None, ...]
        boot_slots: tuple[tuple[int, ...], ...]
        first_boot: tuple[int, ...]
        named: bool
        fifo: bool
        budget: tuple[int, ...]
        out: Out
        name: str
        _any_faults: bool
        _handlers: dict[str, tuple[Callable[..., Any], ...]]
        _groupings: list[tuple[tuple[tuple[int, ...], ...], int]]
        _orders: dict[frozenset[Any], tuple[frozenset[Any], tuple[Any, ...]]]
        _crashable: int
        _killable: frozenset[Any] | None

        def _key(self, value: Any) -> str: ...

    # -- who is who -----------------------------------------------------------------------

    def _incarnation(self, procs: Any, node: int) -> int:
        return get(procs.incarnations, node, 0) if procs else 0

    def _next_serial(self, procs: Any, node: int) -> int:
        start = len(self.boot_slots[node])
        return get(procs.serials, node, start) if procs else start

    def _node_of(self, procs: Any, slot: int) -> int:
        """The node process ``slot`` runs on."""
        if slot < len(self.boot_node):
            return self.boot_node[slot]
        return self.node_index[procs.spawned[slot - len(self.boot_node)][0].node]

    def _pid(self, procs: Any, slot: int) -> Pid:
        if slot < len(self.boot_node):
            node = self.boot_node[slot]
            return Pid(
                self.node_names[node], self.boot_serial[slot], self._incarnation(procs, node)
            )
        pid: Pid = procs.spawned[slot - len(self.boot_node)][0]
        return pid

    def _addr(self, procs: Any, slot: int) -> Any:
        """Process ``slot`` as its handlers and labels name it: the node's name for a boot
        process of an ``actors()`` system, else its pid."""
        if self.named and slot < len(self.boot_node):
            return self.node_names[self.boot_node[slot]]
        return self._pid(procs, slot)

    def _behaviour(self, procs: Any, slot: int) -> Actor[Any]:
        if slot < len(self.boot_node):
            return self.behaviours[slot]
        actor: Actor[Any] = procs.spawned[slot - len(self.boot_node)][1]
        return actor

    def _traps(self, procs: Any, slot: int) -> bool:
        """Whether process ``slot`` traps exits: its behaviour's ``trap_exit``, unless
        ``out.trap_exit`` flipped it (``Procs.traps``)."""
        flipped = bool(procs and procs.traps >> slot & 1)
        return self._behaviour(procs, slot).trap_exit is not flipped

    def _ref(self, procs: Any, watcher: int, target: int, number: int) -> Ref:
        """The reference of process ``watcher``'s monitor ``number`` on ``target``."""
        return Ref(self._addr(procs, watcher), self._addr(procs, target), number)

    def _registered(self, procs: Any, node: int, name: Hashable) -> int | None:
        if procs:
            for (where, held), slot in procs.names:
                if where == node and held == name:
                    found: int = slot
                    return found
        return None

    def _resolve(self, procs: Any, address: Any) -> int | None:
        """The slot an address names (a node index, a Pid, or (name, node)), or None."""
        if type(address) is int:
            slot = self.first_boot[address]
            return None if slot < 0 else slot
        if type(address) is Pid:
            node = self.node_index[address.node]
            if address.incarnation != self._incarnation(procs, node):
                return None
            slots = self.boot_slots[node]
            if address.serial < len(slots):
                return slots[address.serial]
            if procs:
                for j, (pid, _) in enumerate(procs.spawned):
                    if pid == address:
                        return len(self.boot_node) + j
            return None
        return self._registered(procs, self.node_index[address[1]], address[0])

    def _address_node(self, address: Any) -> int:
        if type(address) is int:
            return address
        if type(address) is Pid:
            return self.node_index[address.node]
        return self.node_index[address[1]]

    def _who(self, procs: Any, address: Any, slot: int | None) -> Any:
        """What a DOWN or EXIT about ``address`` names: the process, or the address."""
        if slot is not None:
            return self._addr(procs, slot)
        return self.node_names[address] if type(address) is int else address

    def _address_of(self, who: Any) -> Any:
        """The address a reference's target names (a node's name as its index)."""
        return self.node_index[who] if type(who) is str else who

    def _slots_on(self, nxt: Next, node: int) -> list[int]:
        """The slots of the processes on ``node`` that are running."""
        procs = nxt.procs
        return [
            s for s in range(len(nxt.states)) if nxt.alive(s) and self._node_of(procs, s) == node
        ]

    # -- connectivity ---------------------------------------------------------------------

    def _pair(self, a: int, b: int) -> int:
        return a * self.n + b if a < b else b * self.n + a

    def _connected(self, nxt: Next, a: int, b: int) -> bool:
        """Whether nodes ``a`` and ``b`` have a connection up (a node to itself: if up)."""
        if (nxt.down >> a | nxt.down >> b) & 1:
            return False
        if a == b:
            return True
        return not (nxt.cut | nxt.apart) >> self._pair(a, b) & 1

    def _contact(self, nxt: Next, a: int, b: int) -> None:
        """A process on ``a`` reaches for ``b``: a connection that is down though the network
        reaches brings itself up, with nodeup to the subscribers on both sides."""
        if a == b or not nxt.apart:
            return
        bit = self._pair(a, b)
        if not nxt.apart >> bit & 1 or nxt.cut >> bit & 1 or (nxt.down >> a | nxt.down >> b) & 1:
            return
        nxt.apart &= ~(1 << bit)
        self._nodeup(nxt, a, b)
        self._nodeup(nxt, b, a)

    def _nodeup(self, nxt: Next, at: int, about: int) -> None:
        """``nodeup`` about node ``about`` to the subscribed processes on node ``at``."""
        subs = nxt.subs
        if subs:
            for slot in self._slots_on(nxt, at):
                if subs >> slot & 1:
                    nxt.enqueue_signal(slot, about, Signal("nodeup", self.node_names[about]))

    # -- handlers ------------------------------------------------------------------------

    def _outcomes(
        self, procs: Any, slot: int, handler: str, state: Any, args: tuple[Any, ...]
    ) -> list[Outcome]:
        """Run process ``slot``'s ``handler`` once per sequence of choices it makes (each
        ``out.choose`` option in turn, depth first): per run, what the step's label gains
        (the values chosen, the notes), the new state (checked) and the effects."""
        if slot < len(self.boot_node):
            method = self._handlers[handler][slot]
        else:
            method = getattr(self._behaviour(procs, slot), handler)
        me = self._addr(procs, slot)
        out = self.out
        script: list[int] = []
        found: list[Outcome] = []
        while True:
            out.me, out.durable, out.ops = me, None, []
            out._script, out._choices = script, []
            out._reader = _Reader(self, procs, self._node_of(procs, slot), slot)
            new = method(me, state, *args, out)
            self._check_returned(procs, slot, new)
            made, ops = out._choices, tuple(out.ops)
            extras: tuple[Any, ...] = ()
            if made:
                extras = (Chose(tuple(value for _, _, value in made)),)
            for op in ops:
                if op[0] == NOTE:
                    extras += (Note(op[1]),)
            found.append((extras, new, ops))
            p = len(made) - 1
            while p >= 0 and made[p][0] + 1 >= made[p][1]:
                p -= 1
            if p < 0:
                return found
            script = [index for index, _, _ in made[:p]] + [made[p][0] + 1]

    def _check_returned(self, procs: Any, slot: int, state: Any) -> None:
        if state is DEAD or state is None:
            raise ModelError(
                f"{self._addr(procs, slot)}'s handler returned {state!r}: a handler must "
                "return the process's new state (use out.stop() to exit)"
            )

    def _start(self, nxt: Next, slot: int, durable: Hashable) -> None:
        """Process ``slot`` starts: its behaviour's ``init`` runs, its effects apply."""
        procs = nxt.procs
        out = Out(self.node_names)
        me = self._addr(procs, slot)
        out._reset(me, durable)
        out._reader = _Reader(self, procs, self._node_of(procs, slot), slot)
        nxt.set_state(slot, None)
        state = self._behaviour(procs, slot).init(me, out)
        if out._choices:
            raise ModelError(f"{me}'s init called out.choose(): choose in a handler instead")
        self._check_returned(procs, slot, state)
        self._effects(nxt, slot, state, out.ops)

    # -- the steps ------------------------------------------------------------------------

    def _actions(self, w: World, log: list[tuple[Any, ...]] | None) -> Iterator[tuple[Any, World]]:
        """Every step of ``w``, in a fixed order: runtime signals, deliveries (by channel),
        timers (by process, then timer), faults."""
        procs = w.procs
        yield from self._signal_steps(w, log)
        for k, chan in w.chans:
            src, dst = k >> SHIFT, k & MASK
            if w.sysq and self._old_connection_pending(w, dst, self._node_of(procs, src)):
                continue
            if w.byname and self._behind_byname(w, k):
                continue
            for pos in self._choices(chan):
                msg = chan[pos]
                label: tuple[Any, ...] = (
                    "deliver",
                    self._addr(procs, src),
                    self._addr(procs, dst),
                    msg,
                )
                yield from self._receive(w, log, label, ("chan", k, pos), dst, msg, src)
        if w.byname:
            yield from self._byname_steps(w, log)
        for i, timers in w.timers:
            order = recall(self._orders, timers, timers)  # ({(1,)} is not {(True,)})
            if order is None:
                order = tuple(sorted(timers, key=self._key))
                self._orders.setdefault(timers, (timers, order))
            for timer in order:
                fired = ("timeout", self._addr(procs, i), timer)
                yield from self._run(w, log, fired, ("timer", i, timer), i, "on_timeout", (timer,))
        if self._any_faults:
            yield from self._faults(w, log)

    def _byname_steps(
        self, w: World, log: list[tuple[Any, ...]] | None
    ) -> Iterator[tuple[Any, World]]:
        """The messages by name arriving (each channel's first; on the unordered network,
        any one): the name looked up now, on the node they reached."""
        procs, names, fifo = w.procs, self.node_names, self.fifo
        for k, entries in w.byname:
            src, node = k >> SHIFT, k & MASK
            for pos in self._choices(entries):
                name, msg, ahead = entries[pos]
                j = self._registered(procs, node, name)
                if j is not None:
                    if fifo and get(ahead, j, 0):
                        continue  # its sender's earlier messages by pid to j come first
                    if w.sysq and self._old_connection_pending(w, j, self._node_of(procs, src)):
                        continue
                to = (name, names[node])
                label: tuple[Any, ...] = ("deliver", self._addr(procs, src), to, msg)
                how = ("byname", k, pos, j)
                if j is None:
                    nxt = Next(w, log)
                    self._prepare(nxt, how)
                    yield label + (Unregistered(*to),), nxt.world()
                else:
                    yield from self._receive(w, log, label, how, j, msg, src)

    def _behind_byname(self, w: World, k: int) -> bool:
        """Whether the first message of channel ``k`` (by pid) waits for a message by name
        its sender sent earlier to the receiver's node (FIFO network only)."""
        if not self.fifo:
            return False
        dst = k & MASK
        entries = get(w.byname, (k >> SHIFT) << SHIFT | self._node_of(w.procs, dst), ())
        return bool(entries) and not get(entries[0][2], dst, 0)

    def _passed(self, nxt: Next, k: int, pos: int) -> None:
        """Message ``pos`` of channel ``k`` (by pid) left it: the entries by name its
        sender sent later to that node have one fewer message ahead of them."""
        src, dst = k >> SHIFT, k & MASK
        key = src << SHIFT | self._node_of(nxt.procs, dst)
        entries = get(nxt.byname, key, ())
        if entries:
            nxt.byname = put(
                nxt.byname,
                key,
                tuple((name, msg, _less(ahead, dst, pos)) for name, msg, ahead in entries),
                (),
            )

    def _signal_steps(
        self, w: World, log: list[tuple[Any, ...]] | None
    ) -> Iterator[tuple[Any, World]]:
        """The runtime signals waiting (each queue's first), delivered."""
        procs = w.procs
        for k, signals in w.sysq:
            i = k >> SHIFT
            label = ("signal", self._addr(procs, i), signals[0])
            yield from self._receive(w, log, label, ("sysq", k), i, signals[0], None)

    def _prepare(self, nxt: Next, how: tuple[Any, ...]) -> None:
        """Take a step's input out of the world: a message from its channel, a signal from
        its queue, a timer from the set ones."""
        if how[0] == "chan":
            k, pos = how[1], how[2]
            chan = nxt.chan(k)
            nxt.set_chan(k, chan[:pos] + chan[pos + 1 :])
            if nxt.byname:
                self._passed(nxt, k, pos)
            if nxt.log is not None:
                nxt.log.append(("deliver", k, pos))
        elif how[0] == "byname":
            k, pos = how[1], how[2]
            entries = get(nxt.byname, k, ())
            nxt.byname = put(nxt.byname, k, entries[:pos] + entries[pos + 1 :], ())
            if nxt.log is not None:
                nxt.log.append(("deliver", ("byname", k), pos, how[3]))
        elif how[0] == "sysq":
            k = how[1]
            nxt.sysq = put(nxt.sysq, k, get(nxt.sysq, k, ())[1:], ())
        else:
            i, timer = how[1], how[2]
            nxt.set_timers(i, get(nxt.timers, i, NO_TIMERS) - {timer})

    def _receive(
        self,
        w: World,
        log: list[tuple[Any, ...]] | None,
        label: tuple[Any, ...],
        how: tuple[Any, ...],
        slot: int,
        msg: Any,
        src: int | None,
    ) -> Iterator[tuple[Any, World]]:
        """Process ``slot`` receives ``msg`` (a message from ``src``, or a signal)."""
        if type(msg) is not Signal:
            args = (self._addr(w.procs, src), msg) if src is not None else (msg,)
            yield from self._run(w, log, label, how, slot, "on_message", args)
            return
        kind, who, reason = msg.kind, msg.who, msg.reason
        call = signal_handler(msg)
        if call is not None:
            yield from self._run(w, log, label, how, slot, *call)
        elif kind == "EXIT" and self._traps(w.procs, slot):
            yield from self._run(w, log, label, how, slot, "on_exit", (who, reason))
        else:
            nxt = Next(w, log)
            self._prepare(nxt, how)
            if kind == "kill":
                self._exit(nxt, slot, KILLED)
            elif reason != NORMAL:
                self._exit(nxt, slot, reason)
            yield label, nxt.world()

    def _run(
        self,
        w: World,
        log: list[tuple[Any, ...]] | None,
        label: tuple[Any, ...],
        how: tuple[Any, ...],
        slot: int,
        handler: str,
        args: tuple[Any, ...],
    ) -> Iterator[tuple[Any, World]]:
        """One step per outcome of ``slot``'s ``handler`` on its input ``how``."""
        for extras, new, ops in self._outcomes(w.procs, slot, handler, w.states[slot], args):
            nxt = Next(w, log)
            self._prepare(nxt, how)
            self._effects(nxt, slot, new, ops)
            yield label + extras, nxt.world()

    def _old_connection_pending(self, w: World, dst: int, src_node: int) -> bool:
        """True while process ``dst`` has not yet been told that its old connection to
        ``src_node`` went down: on the BEAM that news comes before anything the new
        connection brings."""
        for signal in get(w.sysq, dst << SHIFT | src_node, ()):
            if signal.kind == "nodedown" or signal.reason == NOCONNECTION:
                return True
        return False

    def _choices(self, chan: tuple[Any, ...]) -> range | list[int]:
        if self.fifo:
            return range(1)
        return [p for p in range(len(chan)) if p == 0 or chan[p] != chan[p - 1]]

    # -- effects --------------------------------------------------------------------------

    def _effects(self, nxt: Next, i: int, state: Any, ops: Sequence[tuple[Any, ...]]) -> None:
        """Process ``i``'s handler returned ``state`` and did ``ops``: apply them, in order."""
        nxt.set_state(i, state)
        if not ops:
            return
        log = nxt.log
        here = self._node_of(nxt.procs, i)
        for op in ops:
            kind = op[0]
            if kind == SEND:
                to = op[1]
                there = self._address_node(to)
                self._contact(nxt, here, there)
                if type(to) is tuple and there != here:  # by name: looked up on arrival
                    if self._connected(nxt, here, there):
                        self._post_byname(nxt, i, here, there, to[0], op[2])
                        continue
                    fate = "lost"
                elif (j := self._resolve(nxt.procs, to)) is None or not nxt.alive(j):
                    fate = "dead"
                elif not self._connected(nxt, here, there):
                    fate = "lost"
                else:
                    self._post(nxt, i, j, op[2])
                    continue
                if log is not None:  # (the process it was for, when there was one)
                    target = None if j is None else self._addr(nxt.procs, j)
                    log.append(("send", -1, op[2], fate, here, there, target))
            elif kind == TIMER:
                current = get(nxt.timers, i, NO_TIMERS)
                nxt.set_timers(i, current | {op[1]} if op[2] else current - {op[1]})
            elif kind in (MONITOR, LINK):
                self._watch(nxt, i, here, kind, op[1], op[2])
            elif kind == DEMONITOR:
                self._demonitor(nxt, i, op[1], op[2])
            elif kind == TRAP:
                procs = nxt.procs
                flip = op[1] is not self._behaviour(procs, i).trap_exit
                traps = procs.traps if procs else 0
                traps = traps | 1 << i if flip else traps & ~(1 << i)
                if traps != (procs.traps if procs else 0):
                    nxt.set_procs(traps=traps)
            elif kind == SUBSCRIBE:
                nxt.subs |= 1 << i
            elif kind == EXIT:
                there = self._address_node(op[1])
                self._contact(nxt, here, there)
                j = self._resolve(nxt.procs, op[1])
                if j is not None and nxt.alive(j) and self._connected(nxt, here, there):
                    me = self._addr(nxt.procs, i)
                    reason = op[2]
                    signal = (
                        Signal("kill", me) if reason == KILL_REASON else Signal("EXIT", me, reason)
                    )
                    self._post(nxt, i, j, signal)
            elif kind == SPAWN:
                self._spawn(nxt, i, here, *op[1:])
            elif kind == REGISTER:
                self._register(nxt, i, here, op[1], op[2])
            elif kind == CONNECT:
                self._contact(nxt, here, op[1])
            elif kind == DISCONNECT:
                if op[1] != here and self._connected(nxt, here, op[1]):
                    self._drop_connection(nxt, here, op[1])
            elif kind == STOP:
                self._exit(nxt, i, op[1])
                return

    def _demonitor(self, nxt: Next, i: int, target: Any, flush: bool) -> None:
        """Process ``i`` removes its monitor ``target`` (a Ref), or all it has on an
        address; ``flush``: a DOWN with that reference on its way to ``i`` is taken out."""
        procs = nxt.procs
        if type(target) is Ref:
            j = self._resolve(procs, self._address_of(target.target))
            gone = {m for m in nxt.monitors if m == (i, j, target.number)}
        else:
            if flush:
                raise ModelError(
                    f"{self._addr(procs, i)} called out.demonitor({target!r}, flush=True): "
                    "flush takes the reference that out.monitor returned"
                )
            j = self._resolve(procs, target)
            gone = {m for m in nxt.monitors if m[0] == i and m[1] == j}
        if gone:
            nxt.monitors = nxt.monitors - gone
        if not flush:
            return

        def stale(msg: Any) -> bool:
            return type(msg) is Signal and msg.kind == "DOWN" and msg.ref == target

        chans = nxt.chans
        for k in [k for k in (chans if type(chans) is dict else dict(chans)) if k & MASK == i]:
            chan = nxt.chan(k)
            for pos in reversed(range(len(chan))):
                if stale(chan[pos]):
                    if nxt.log is not None:
                        nxt.log.append(("flushed", k, pos))
                    chan = chan[:pos] + chan[pos + 1 :]
            nxt.set_chan(k, chan)
        for k, queue in nxt.sysq:
            if k >> SHIFT == i and any(stale(signal) for signal in queue):
                kept = tuple(signal for signal in queue if not stale(signal))
                nxt.sysq = put(nxt.sysq, k, kept, ())

    def _watch(self, nxt: Next, i: int, here: int, kind: int, address: Any, on: Any) -> None:
        """A monitor (``on``: its Ref) or link (``on``: True to set, False to remove) from
        process ``i`` (on node ``here``)."""
        j = self._resolve(nxt.procs, address)
        if on is False:
            if j is not None:
                nxt.links = nxt.links - {(i, j) if i < j else (j, i)}
            return
        if j == i:
            return
        there = self._address_node(address)
        deferred = self._boot_watches
        if deferred is not None and j is None and there != here and type(address) is tuple:
            deferred.append((i, here, kind, address, on))  # looked up after the boot
            return
        self._contact(nxt, here, there)
        if j is None or not nxt.alive(j) or not self._connected(nxt, here, there):
            why = NOPROC if self._connected(nxt, here, there) else NOCONNECTION
            who = self._who(nxt.procs, address, j)
            if kind == MONITOR:
                nxt.enqueue_signal(i, there, Signal("DOWN", who, why, on))
            else:
                nxt.enqueue_signal(i, there, Signal("EXIT", who, why))
        elif kind == MONITOR:
            nxt.monitors = nxt.monitors | {(i, j, on.number)}
        else:
            nxt.links = nxt.links | {(i, j) if i < j else (j, i)}

    def _spawn(
        self,
        nxt: Next,
        i: int,
        here: int,
        pid: Pid,
        behaviour: Actor[Any],
        link: bool,
        monitor: Ref | None,
        name: Hashable | None,
    ) -> None:
        """Process ``i`` spawned ``behaviour`` as ``pid``: a new slot, started at once
        (``monitor``: the reference of the monitor spawn_monitor sets)."""
        there = self.node_index[pid.node]
        self._contact(nxt, here, there)
        if not self._connected(nxt, here, there):
            if link:
                nxt.enqueue_signal(i, there, Signal("EXIT", pid, NOCONNECTION))
            if monitor is not None:
                nxt.enqueue_signal(i, there, Signal("DOWN", pid, NOCONNECTION, monitor))
            return
        procs = nxt.procs
        serial = self._next_serial(procs, there)
        if pid != Pid(pid.node, serial, self._incarnation(procs, there)):
            raise ModelError(
                f"{self._addr(procs, i)} spawned {pid}, but {pid.node}'s next serial "
                f"number is {serial}"
            )
        slot = len(nxt.states)
        if slot > MASK:
            raise ModelError(f"more than {MASK} processes in one world")
        base = procs if procs else Procs()
        nxt.set_procs(
            spawned=base.spawned + ((pid, behaviour),),
            serials=put(base.serials, there, serial + 1, None),
        )
        nxt.set_state(slot, None)
        if name is not None:
            self._register(nxt, slot, there, name, True)
        if link:
            nxt.links = nxt.links | {(i, slot)}
        if monitor is not None:
            nxt.monitors = nxt.monitors | {(i, slot, monitor.number)}
        self._start(nxt, slot, None)

    def _register(self, nxt: Next, i: int, node: int, name: Hashable, on: bool) -> None:
        procs = nxt.procs
        base = procs if procs else Procs()
        held = self._registered(procs, node, name)
        who = self._addr(procs, i)
        if on:
            if held is not None:
                raise ModelError(
                    f"{who} tried to register {name!r} on {self.node_names[node]}, "
                    f"which {self._addr(procs, held)} holds"
                )
            if any(slot == i for _, slot in base.names):
                raise ModelError(f"{who} tried to register {name!r}, but it is registered already")
            names = sorted(
                (*base.names, ((node, name), i)), key=lambda e: (e[0][0], self._key(e[0][1]))
            )
            # A registered pid can be read (whereis): the node's serials mark that it has
            # handed out pids (see _restart).
            serial = self._next_serial(procs, node)
            nxt.set_procs(names=tuple(names), serials=put(base.serials, node, serial, None))
        else:
            if held is None:
                raise ModelError(
                    f"{who} tried to unregister {name!r}, which is not registered on "
                    f"{self.node_names[node]}"
                )
            nxt.set_procs(names=tuple(e for e in base.names if e[0] != (node, name)))

    def _post(self, nxt: Next, i: int, j: int, msg: Any) -> None:
        """Put ``msg`` into the channel from process ``i`` to process ``j``."""
        k = i << SHIFT | j
        nxt.set_chan(k, self._enqueue(nxt.chan(k), msg))
        if nxt.log is not None:
            procs = nxt.procs
            nxt.log.append(
                ("send", k, msg, "queued", self._node_of(procs, i), self._node_of(procs, j))
            )

    def _post_byname(
        self, nxt: Next, i: int, here: int, there: int, name: Hashable, msg: Any
    ) -> None:
        """Put ``msg`` into the channel from process ``i`` to node ``there``, for ``name``."""
        k = i << SHIFT | there
        entry = (name, msg, self._ahead(nxt, i, there))
        nxt.byname = put(nxt.byname, k, self._enqueue(get(nxt.byname, k, ()), entry), ())
        if nxt.log is not None:
            nxt.log.append(("send", ("byname", k), msg, "queued", here, there))

    def _ahead(self, nxt: Next, i: int, there: int) -> tuple[tuple[int, int], ...]:
        """How many messages process ``i`` has in flight by pid to each process on node
        ``there`` (none on the unordered network, where nothing waits for anything), by
        slot (``nxt.chans`` may be a dict in the order the channels were made)."""
        if not self.fifo:
            return ()
        procs, chans = nxt.procs, nxt.chans
        return tuple(
            sorted(
                (k & MASK, len(chan))
                for k, chan in (chans.items() if type(chans) is dict else chans)
                if k >> SHIFT == i and chan and self._node_of(procs, k & MASK) == there
            )
        )

    def _enqueue(self, chan: tuple[Any, ...], msg: Any) -> tuple[Any, ...]:
        if self.fifo:
            return chan + (msg,)
        return tuple(sorted(chan + (msg,), key=self._key))

    # -- deaths, crashes, restarts and connections ----------------------------------------

    def _die(self, nxt: Next, i: int) -> None:
        """What every death shares: a boot process's durable state kept, the rest gone, mail
        to it dropped, its name free."""
        procs = nxt.procs
        if nxt.states[i] is not DEAD and i < len(self.boot_node):
            kept = self.behaviours[i].durable(nxt.states[i])
            if kept != get(nxt.durable, i, None):
                nxt.durable = put(nxt.durable, i, kept, None)
        nxt.set_state(i, DEAD)
        if get(nxt.timers, i, None):
            nxt.set_timers(i, NO_TIMERS)
        chans = nxt.chans
        for k in [k for k in (chans if type(chans) is dict else dict(chans)) if k & MASK == i]:
            nxt.flush(k, "dead")
        if nxt.byname:  # (nothing by pid to i is ahead of anything any more)
            nxt.byname = tuple(
                (k, tuple((name, msg, _less(ahead, i, -1)) for name, msg, ahead in entries))
                for k, entries in nxt.byname
            )
        if any(k >> SHIFT == i for k, _ in nxt.sysq):
            nxt.sysq = tuple(pair for pair in nxt.sysq if pair[0] >> SHIFT != i)
        nxt.subs &= ~(1 << i)
        if procs and any(slot == i for _, slot in procs.names):
            nxt.set_procs(names=tuple(e for e in procs.names if e[1] != i))
        procs = nxt.procs
        if procs and procs.traps >> i & 1:
            nxt.set_procs(traps=procs.traps & ~(1 << i))

    def _exit(self, nxt: Next, i: int, reason: Any) -> None:
        """Process ``i`` exits with ``reason``; its node stays up. Its links get ``EXIT``,
        then its monitors ``DOWN``, each after what it sent before."""
        procs = nxt.procs
        name, here = self._addr(procs, i), self._node_of(procs, i)
        self._die(nxt, i)
        for a, b in sorted(nxt.links):
            if i in (a, b):
                other = b if a == i else a
                if self._connected(nxt, here, self._node_of(procs, other)):
                    self._post(nxt, i, other, Signal("EXIT", name, reason))
        for watcher, target, number in sorted(nxt.monitors):
            if target == i and self._connected(nxt, here, self._node_of(procs, watcher)):
                ref = self._ref(procs, watcher, i, number)
                self._post(nxt, i, watcher, Signal("DOWN", name, reason, ref))
        nxt.monitors = frozenset(m for m in nxt.monitors if i not in m)
        nxt.links = frozenset(pair for pair in nxt.links if i not in pair)

    def _crash(self, nxt: Next, node: int) -> None:
        """``node`` goes down: every process on it dies unannounced; peers see the
        connection go."""
        peers = [j for j in range(self.n) if j != node and self._connected(nxt, node, j)]
        procs = nxt.procs
        dying = self._slots_on(nxt, node)
        for slot in dying:
            self._die(nxt, slot)
        chans = nxt.chans
        for k in list(chans if type(chans) is dict else dict(chans)):
            if self._node_of(procs, k >> SHIFT) == node:
                nxt.flush(k, "lost")
        for k, _ in nxt.byname:  # (to it, or from it: the connection is gone)
            if k & MASK == node or self._node_of(procs, k >> SHIFT) == node:
                nxt.flush_byname(k, "lost")
        for j in peers:
            self._connection_lost(nxt, node, j)
        if dying:
            gone = set(dying)
            nxt.monitors = frozenset(m for m in nxt.monitors if not (m[0] in gone or m[1] in gone))
            nxt.links = frozenset(p for p in nxt.links if not (p[0] in gone or p[1] in gone))
        nxt.down |= 1 << node

    def _restart(self, nxt: Next, node: int) -> None:
        """``node`` boots again in a new incarnation: its boot processes start (registered
        under their names), connected to every node the network reaches."""
        was_down = nxt.down >> node & 1
        nxt.down &= ~(1 << node)
        procs = nxt.procs
        base = procs if procs else Procs()
        incarnation = self._incarnation(procs, node)
        if not self.named or incarnation or get(base.serials, node, None) is not None:
            # (A one-process-per-node system whose node never handed out a pid, by spawn
            # or register, cannot tell incarnations apart: it keeps the smaller world.)
            incarnation += 1
        nxt.set_procs(
            incarnations=put(base.incarnations, node, incarnation, 0),
            serials=put(base.serials, node, None, None),
        )
        if nxt.apart:
            for j in range(self.n):
                bit = self._pair(node, j)
                if j != node and not nxt.cut >> bit & 1 and nxt.apart >> bit & 1:
                    nxt.apart &= ~(1 << bit)
                    if not was_down and not nxt.down >> j & 1:
                        # An up node that rebooted unnoticed connects to a peer it was
                        # apart from (after a heal): that peer hears nodeup.
                        self._nodeup(nxt, j, node)
        if was_down:
            for j in range(self.n):
                if j != node and self._connected(nxt, node, j):
                    self._nodeup(nxt, j, node)
        for slot in self.boot_slots[node]:
            nxt.set_state(slot, None)
            if self.boot_names[slot] is not None:
                self._register(nxt, slot, node, self.boot_names[slot], True)
        for slot in self.boot_slots[node]:
            self._start(nxt, slot, get(nxt.durable, slot, None))
            if was_down and nxt.alive(slot) and nxt.subs >> slot & 1:
                # A node that comes back joins a running cluster: once subscribed (in
                # init), it hears nodeup for every peer it is connected to.
                for j in range(self.n):
                    if j != node and self._connected(nxt, node, j):
                        nxt.enqueue_signal(slot, j, Signal("nodeup", self.node_names[j]))

    def _connection_lost(self, nxt: Next, a: int, b: int) -> None:
        """The connection between nodes ``a`` and ``b`` went down. Each running process on
        either side gets, about the other side: ``EXIT noconnection`` per link, then
        ``DOWN noconnection`` per monitor, then ``nodedown`` if it subscribed."""
        procs = nxt.procs
        monitors, links, subs = nxt.monitors, nxt.links, nxt.subs
        if not (monitors or links or subs):
            return
        node_of = self._node_of
        for x, y in ((a, b), (b, a)):
            for p in range(len(nxt.states)):
                if not nxt.alive(p) or node_of(procs, p) != x:
                    continue
                if links:
                    for l1, l2 in sorted(links):
                        if p in (l1, l2):
                            q = l2 if l1 == p else l1
                            if node_of(procs, q) == y:
                                nxt.enqueue_signal(
                                    p, y, Signal("EXIT", self._addr(procs, q), NOCONNECTION)
                                )
                if monitors:
                    for watcher, q, number in sorted(monitors):
                        if watcher == p and node_of(procs, q) == y:
                            ref = self._ref(procs, p, q, number)
                            nxt.enqueue_signal(
                                p, y, Signal("DOWN", self._addr(procs, q), NOCONNECTION, ref)
                            )
                if subs >> p & 1:
                    nxt.enqueue_signal(p, y, Signal("nodedown", self.node_names[y]))
        sides = {a, b}

        def across(s: int, t: int) -> bool:
            return {node_of(procs, s), node_of(procs, t)} == sides

        if monitors:
            nxt.monitors = frozenset(m for m in monitors if not across(m[0], m[1]))
        if links:
            nxt.links = frozenset(p for p in links if not across(*p))

    def _drop_connection(self, nxt: Next, a: int, b: int) -> None:
        """The connection between nodes ``a`` and ``b`` goes down (a cut, or
        ``out.disconnect``): between two up nodes, the messages in flight across it are
        lost and, if it was up, both sides hear that it went (``_connection_lost``)."""
        bit = self._pair(a, b)
        was_apart = nxt.apart >> bit & 1
        nxt.apart |= 1 << bit
        if (nxt.down >> a | nxt.down >> b) & 1:
            return
        procs = nxt.procs
        chans = nxt.chans
        for k in list(chans if type(chans) is dict else dict(chans)):
            ends = {self._node_of(procs, k >> SHIFT), self._node_of(procs, k & MASK)}
            if ends == {a, b}:
                nxt.flush(k, "lost")
        for k, _ in nxt.byname:
            if {self._node_of(procs, k >> SHIFT), k & MASK} == {a, b}:
                nxt.flush_byname(k, "lost")
        if not was_apart:
            self._connection_lost(nxt, a, b)

    def _set_cut(self, nxt: Next, cut: int) -> None:
        """Change which links the network cuts; notify and flush as the BEAM would.

        Only the pairs whose cut bit changes, between two up nodes, see anything happen:
        a cut drops the connection (in flight lost, signals); a heal restores only the
        reachability."""
        n, old = self.n, nxt.cut
        nxt.cut = cut
        changed = old ^ cut
        for a in range(n):
            for b in range(a + 1, n):
                bit = a * n + b
                if not changed >> bit & 1:
                    continue
                if cut >> bit & 1:
                    self._drop_connection(nxt, a, b)

    # -- faults ---------------------------------------------------------------------------

    def _faults(self, w: World, log: list[tuple[Any, ...]] | None) -> Iterator[tuple[Any, World]]:
        budget, used, names, n = self.budget, w.used, self.node_names, self.n
        if used[CRASHES] < budget[CRASHES]:
            for i in range(n):
                if not w.down >> i & 1 and self._crashable >> i & 1:
                    nxt = Next(w, log)
                    nxt.spend(CRASHES)
                    self._crash(nxt, i)
                    yield ("crash", names[i]), nxt.world()
        if used[RESTARTS] < budget[RESTARTS]:
            for i in range(n):
                if w.down >> i & 1 or not any(
                    w.states[s] is not DEAD for s in self._all_slots_on(w, i)
                ):
                    nxt = Next(w, log)
                    nxt.spend(RESTARTS)
                    self._restart(nxt, i)
                    yield ("restart", names[i]), nxt.world()
        if used[KILLS] < budget[KILLS]:
            for s, state in enumerate(w.states):
                if state is not DEAD and self._killable_slot(w, s):
                    nxt = Next(w, log)
                    nxt.spend(KILLS)
                    self._exit(nxt, s, KILLED)
                    yield ("kill", self._addr(w.procs, s)), nxt.world()
        if used[PARTITIONS] < budget[PARTITIONS]:
            for groups, mask in self._groupings:
                if w.cut | mask != w.cut:
                    nxt = Next(w, log)
                    nxt.spend(PARTITIONS)
                    self._set_cut(nxt, w.cut | mask)
                    label = tuple(tuple(names[i] for i in g) for g in groups)
                    yield ("partition", *label), nxt.world()
        if used[CUTS] < budget[CUTS]:
            for a in range(n):
                for b in range(a + 1, n):
                    bit = 1 << (a * n + b)
                    if not w.cut & bit:
                        nxt = Next(w, log)
                        nxt.spend(CUTS)
                        self._set_cut(nxt, w.cut | bit)
                        yield ("cut", names[a], names[b]), nxt.world()
        if used[HEALS] < budget[HEALS] and w.cut:
            nxt = Next(w, log)
            nxt.spend(HEALS)
            self._set_cut(nxt, 0)
            yield ("heal",), nxt.world()
        if used[MENDS] < budget[MENDS] and w.cut:
            for a in range(n):
                for b in range(a + 1, n):
                    bit = 1 << (a * n + b)
                    if w.cut & bit:
                        nxt = Next(w, log)
                        nxt.spend(MENDS)
                        self._set_cut(nxt, w.cut & ~bit)
                        yield ("heal", names[a], names[b]), nxt.world()
        for kind, spend in (("drop", DROPS), ("duplicate", DUPLICATES)):
            if used[spend] >= budget[spend]:
                continue
            yield from self._network_faults(w, log, kind, spend)

    def _network_faults(
        self, w: World, log: list[tuple[Any, ...]] | None, kind: str, spend: int
    ) -> Iterator[tuple[Any, World]]:
        """The network drops, or duplicates, one message in flight: each in turn (the
        channels between processes, then those by name)."""
        procs = w.procs
        for k, chan in w.chans:
            src, dst = k >> SHIFT, k & MASK
            to = self._addr(procs, dst)
            for pos in range(len(chan)):
                if pos and chan[pos] == chan[pos - 1]:
                    continue
                nxt = Next(w, log)
                nxt.spend(spend)
                if spend == DROPS:
                    nxt.set_chan(k, chan[:pos] + chan[pos + 1 :])
                    if nxt.byname:
                        self._passed(nxt, k, pos)
                else:
                    nxt.set_chan(k, self._enqueue(chan, chan[pos]))
                if log is not None:
                    log.append((kind, k, pos))
                yield (kind, self._addr(procs, src), to, chan[pos]), nxt.world()
        for k, entries in w.byname:
            src, node = k >> SHIFT, k & MASK
            for pos in range(len(entries)):
                if pos and entries[pos] == entries[pos - 1]:
                    continue
                name, msg, _ = entries[pos]
                nxt = Next(w, log)
                nxt.spend(spend)
                if spend == DROPS:
                    rest = entries[:pos] + entries[pos + 1 :]
                else:  # the copy is sent now: behind what is in flight now
                    rest = self._enqueue(entries, (name, msg, self._ahead(nxt, src, node)))
                nxt.byname = put(w.byname, k, rest, ())
                if log is not None:
                    log.append((kind, ("byname", k), pos))
                to = (name, self.node_names[node])
                yield (kind, self._addr(procs, src), to, msg), nxt.world()

    def _all_slots_on(self, w: World, node: int) -> list[int]:
        procs = w.procs
        return [s for s in range(len(w.states)) if self._node_of(procs, s) == node]

    def _killable_slot(self, w: World, slot: int) -> bool:
        """Whether the ``kills`` fault may hit process ``slot`` (see ``kill_processes``)."""
        allowed = self._killable
        if allowed is None:
            return True
        procs = w.procs
        if slot in self.first_boot and self.node_names[self._node_of(procs, slot)] in allowed:
            return True
        if procs:
            for (_, name), held in procs.names:
                if held == slot and name in allowed:
                    return True
        return False


def _less(ahead: tuple[tuple[int, int], ...], slot: int, pos: int) -> tuple[tuple[int, int], ...]:
    """``ahead`` once message ``pos`` of the channel to ``slot`` left it (-1: every one)."""
    out = []
    for j, count in ahead:
        if j == slot:
            count = 0 if pos < 0 else count - 1 if pos < count else count
        if count:
            out.append((j, count))
    return tuple(out)
