"""Actors: a process's behaviour as handlers, and ``Out``, through which a handler acts.

A node hosts processes; each process runs a behaviour (an :class:`Actor`). Every handler
takes the process's current state and returns its next one; states must be immutable
values. Handlers act on the world only through ``out``: send messages, spawn, set and
cancel timers, monitor, link, register names, subscribe to node up/down events, connect
and disconnect nodes, stop, send exit signals, choose among options, annotate the step.
The framework applies those effects with BEAM semantics (see :mod:`modelcheck.actors.system`).

``me``, ``sender`` and ``who`` are :class:`Pid` values, except in a system declared with
:meth:`~modelcheck.actors.ActorSystem.actors` (one process per node), where a node's boot
process is named by the node's name, as it always was.

>>> class Echo(Actor[int]):
...     def init(self, me, out):
...         return 0
...     def on_message(self, me, state, sender, msg, out):
...         out.send(sender, msg)
...         return state + 1
>>> str(Pid("b", 2)), str(Pid("b", 2, 1))
('<b.2>', '<b.2@1>')
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from modelcheck.errors import ModelError
from modelcheck.values import Printed

from .terms import erlang_term

__all__ = [
    "KILLED",
    "NOCONNECTION",
    "NOPROC",
    "NORMAL",
    "Actor",
    "Boot",
    "Chose",
    "Note",
    "Out",
    "Pid",
    "Ref",
    "Signal",
    "Unregistered",
]

S = TypeVar("S")

#: Exit and DOWN reasons, as the BEAM names them (any other value is a reason too).
NORMAL = "normal"
NOPROC = "noproc"
NOCONNECTION = "noconnection"
KILLED = "killed"


class Pid(NamedTuple):
    """A process identifier: its node, a serial number from the node's counter, and the
    node's incarnation (how many times it restarted) when the process started. A pid of
    an older incarnation is dead forever. A value: store it, send it, compare it.

    >>> Pid("a", 0) == Pid("a", 0, 0), Pid("a", 0) == Pid("a", 0, 1)
    (True, False)
    """

    node: str
    serial: int
    incarnation: int = 0

    def __str__(self) -> str:
        if self.incarnation:
            return f"<{self.node}.{self.serial}@{self.incarnation}>"
        return f"<{self.node}.{self.serial}>"

    def __repr__(self) -> str:
        return str(self)

    def __modelcheck_plain__(self) -> str:
        return str(self)


class Ref(NamedTuple):
    """A monitor reference (what ``out.monitor`` returns and a ``DOWN`` carries): the
    process that made it (``owner``), the process it watches (``target``: its pid, or the
    address it was given when that named nobody) and a number, the least that no other
    monitor of the same pair has in use (see :meth:`Out.monitor`). So references are
    deterministic, a pair's one monitor is always number 0, and a process that monitors a
    peer, loses the monitor and monitors it again holds the same reference again.

    >>> str(Ref(Pid("a", 1), Pid("b", 2), 0)), str(Ref("a", "b", 1))
    ('#Ref<a.1/b.2/0>', '#Ref<a/b/1>')
    >>> str(Ref(Pid("a", 0, 1), ("horde", "b"), 0))  # a monitor of a name on a node
    '#Ref<a.0@1/{horde,b}/0>'
    """

    owner: Any
    target: Any
    number: int

    def __str__(self) -> str:
        return f"#Ref<{_bare(self.owner)}/{_bare(self.target)}/{self.number}>"

    def __repr__(self) -> str:
        return str(self)

    def __modelcheck_plain__(self) -> str:
        return Printed(str(self))  # a state shows it as a term, {name,node} and all


def _bare(address: Any) -> str:
    """An address as a reference writes it: a pid without its angle brackets, a node's
    name as it is, a ``(name, node)`` as an Erlang term.

    >>> _bare(Pid("a", 0, 1)), _bare("b"), _bare(("horde", "b"))
    ('a.0@1', 'b', '{horde,b}')
    """
    if type(address) is Pid:
        return str(address)[1:-1]
    return address if type(address) is str else erlang_term(address)


@dataclass(frozen=True, slots=True)
class Boot:
    """A process a node starts when it boots (and again, with a new incarnation, when it
    restarts): its behaviour, and the name it is registered under, if any.

    >>> Boot(Actor(), name="registry").name
    'registry'
    """

    behaviour: Actor[Any]
    name: Hashable | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """A BEAM signal delivered to a process: ``DOWN`` (a monitor fired), ``EXIT`` (from a
    link or ``exit/2``), ``nodedown`` or ``nodeup`` (to processes that monitor nodes).
    A ``DOWN`` carries its monitor's reference as ``ref`` (not shown in the text, which
    names the process and the reason as before).

    >>> str(Signal("DOWN", "n2", "noconnection"))
    'DOWN(n2, noconnection)'
    >>> str(Signal("EXIT", Pid("b", 1), ("shutdown", 1)))
    'EXIT(<b.1>, {shutdown,1})'
    >>> str(Signal("DOWN", ("horde", "b"), ("noproc", ("gen_server", "call"))))
    'DOWN({horde,b}, {noproc,{gen_server,call}})'

    Reasons and non-pid senders are written as Erlang terms (:mod:`.terms`).
    """

    kind: str
    who: Any
    reason: Any = ""
    ref: Any = None
    #: The hash, made once: signals are hashed with every world and memo key holding them.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.kind, self.who, self.reason, self.ref)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # (made again from its fields: a hash of a str differs from process to process)
        return Signal, (self.kind, self.who, self.reason, self.ref)

    def __str__(self) -> str:
        reason = "" if self.reason == "" else erlang_term(self.reason)
        return f"{self.kind}({_bare(self.who) if type(self.who) is tuple else self.who}" + (
            f", {reason})" if reason else ")"
        )

    def __modelcheck_plain__(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class Chose:
    """The values a handler's ``out.choose`` calls returned, in a step's label."""

    values: tuple[Any, ...]

    def __str__(self) -> str:
        from modelcheck.values import format_value, to_plain

        return "chose " + ", ".join(format_value(to_plain(v)) for v in self.values)

    def __modelcheck_plain__(self) -> Any:
        from modelcheck.values import to_plain

        return {"chose": [to_plain(v) for v in self.values]}


@dataclass(frozen=True, slots=True)
class Note:
    """What a handler wrote with ``out.note``, in a step's label."""

    text: str

    def __str__(self) -> str:
        return f"note: {self.text}"

    def __modelcheck_plain__(self) -> Any:
        return {"note": self.text}


@dataclass(frozen=True, slots=True)
class Unregistered:
    """In a step's label: a message sent to ``(name, node)`` arrived at ``node`` and no
    process was registered there as ``name``, so it was dropped (no error, as on the BEAM).

    >>> str(Unregistered("db", "b"))
    'dropped, no process registered as db on b'
    """

    name: Any
    node: str

    def __str__(self) -> str:
        return "dropped, " + self._why()

    def _why(self) -> str:
        from modelcheck.values import format_value, to_plain

        return f"no process registered as {format_value(to_plain(self.name))} on {self.node}"

    def __modelcheck_plain__(self) -> Any:
        return {"dropped": self._why()}


class Actor(Generic[S]):
    """The behaviour of a process. Override the handlers you need; each returns the new
    state.

    A handler must be a function of its arguments (``me``, the state, the sender and
    message, the timer, ...) and of nothing else that changes: the framework runs it once
    per distinct input and remembers what it returned and did. Equal inputs of the same
    type are one input (as equal worlds are one state).

    ``trap_exit`` (default False): whether the process starts trapping exits, as
    ``process_flag(trap_exit, true)`` in its init would make it; ``out.trap_exit(flag)``
    turns it on or off while it runs. Without it, an exit signal with a reason other than
    ``normal`` kills this process (``normal`` is ignored); with it, every exit signal but
    ``kill`` arrives at :meth:`on_exit`.

    Actors are values: two of the same type with equal attributes are equal (a spawned
    process's behaviour is part of the world).
    """

    trap_exit: ClassVar[bool] = False

    #: An actor is a value (see :func:`modelcheck.values.check_immutable`).
    __modelcheck_value__: ClassVar[bool] = True

    def __modelcheck_plain__(self) -> Any:
        from modelcheck.values import to_plain

        fields = {name: to_plain(value) for name, value in sorted(vars(self).items())}
        return {type(self).__name__: fields} if fields else type(self).__name__

    def __eq__(self, other: object) -> bool:
        return self is other or (type(other) is type(self) and vars(self) == vars(other))

    def __hash__(self) -> int:
        try:
            return hash((type(self), tuple(sorted(vars(self).items()))))
        except TypeError:
            raise ModelError(
                f"{type(self).__name__} has attributes that are not hashable: a behaviour "
                "kept in the world (a spawned process's) must be an immutable value"
            ) from None

    def init(self, me: Any, out: Out) -> S:
        """The state a process starts with (and a boot process restarts with:
        ``out.durable`` is then set)."""
        raise NotImplementedError(f"{type(self).__name__} must define init(me, out)")

    def on_message(self, me: Any, state: S, sender: Any, msg: Any, out: Out) -> S:
        """A message from ``sender`` arrived. By default it is ignored."""
        return state

    def on_timeout(self, me: Any, state: S, timer: Hashable, out: Out) -> S:
        """A timer set with ``out.set_timer(timer)`` fired. By default nothing happens."""
        return state

    def on_down(self, me: Any, state: S, who: Any, reason: Any, out: Out) -> S:
        """A monitor on ``who`` fired (reason: its exit reason, noproc or noconnection)."""
        return state

    def on_down_ref(self, me: Any, state: S, ref: Ref, who: Any, reason: Any, out: Out) -> S:
        """The monitor ``ref`` (what ``out.monitor`` returned) on ``who`` fired: OTP's
        ``{'DOWN', Ref, process, Who, Reason}``. By default :meth:`on_down`, which does not
        see the reference."""
        return self.on_down(me, state, who, reason, out)

    def on_exit(self, me: Any, state: S, who: Any, reason: Any, out: Out) -> S:
        """An exit signal from ``who`` (a link, or ``exit/2``), only when ``trap_exit``."""
        return state

    def on_nodedown(self, me: Any, state: S, node: str, out: Out) -> S:
        """The connection to ``node`` went down (after ``out.monitor_nodes()``)."""
        return state

    def on_nodeup(self, me: Any, state: S, node: str, out: Out) -> S:
        """The connection to ``node`` came (back) up (after ``out.monitor_nodes()``)."""
        return state

    def durable(self, state: S) -> Hashable:
        """What survives a crash (say, what is on disk); ``init`` gets it as ``out.durable``
        when a boot process starts again."""
        return None


class Out:
    """What a handler does to the world, applied in order after the handler returns.

    Do not keep it: the framework reuses one ``Out`` for every handler call.

    Addresses (``to``, ``target``): a :class:`Pid`; a registered name on a node as the tuple
    ``(name, node)``; or a node's name, meaning that node's first boot process (so the
    one-process-per-node models of :meth:`ActorSystem.actors` address nodes by name). An
    address is resolved when the effect is applied, against the world after the handler:
    a pid of a process that is gone (or of an older incarnation of its node) and a name
    that nobody holds address nobody (a message is dropped, a monitor fires ``noproc``).
    Except a message sent to a name on another node: as on the BEAM, it travels to that
    node addressed by name and the name is looked up when it arrives (whoever holds it
    then gets it; if nobody does, it is dropped, and the step's label says so).

    Reads (:meth:`whereis`, the pid :meth:`spawn` returns) come from the part of the world
    that the framework counts among the handler's inputs (the processes' table: pids,
    registered names, serial counters, incarnations), so remembered handler results stay
    exact.
    """

    __slots__ = (
        "_choices",
        "_index",
        "_reader",
        "_script",
        "durable",
        "me",
        "nodes",
        "ops",
    )

    def __init__(self, nodes: Sequence[str]) -> None:
        self.nodes: tuple[str, ...] = tuple(nodes)
        self._index = {name: i for i, name in enumerate(self.nodes)}
        self.me: Any = ""
        self.durable: Hashable = None
        self.ops: list[tuple[Any, ...]] = []
        self._reader: Any = None
        self._script: list[int] = []
        self._choices: list[tuple[int, int, Any]] = []

    def _reset(self, me: Any, durable: Hashable = None) -> None:
        self.me = me
        self.durable = durable
        self.ops = []
        self._script = []
        self._choices = []

    def _node(self, name: str, what: str) -> int:
        index = self._index.get(name)
        if index is None:
            known = ", ".join(self.nodes)
            raise ModelError(f"{self.me} tried to {what} unknown node {name!r} (nodes: {known})")
        return index

    def _address(self, to: Any, what: str) -> Any:
        """``to`` checked: a node's name (as its index), a Pid, or ``(name, node)``."""
        if type(to) is str:
            return self._node(to, what)
        if type(to) is Pid:
            self._node(to.node, what)
            return to
        if type(to) is tuple and len(to) == 2 and type(to[1]) is str:
            self._node(to[1], what)
            return to
        raise ModelError(
            f"{self.me} tried to {what} {to!r}: an address is a Pid, a node's name, "
            "or a registered name as (name, node)"
        )

    # -- messages -----------------------------------------------------------------------

    def send(self, to: Any, msg: Any) -> None:
        """Send ``msg`` to ``to`` (a Pid, ``(name, node)``, or a node's name: its first boot
        process). A message to a process that is not running, or across a link that is
        cut, is lost; one to ``(name, other_node)`` is resolved when it arrives there; to
        a node whose connection is down but reachable, the send first brings the
        connection up (``nodeup``), as on the BEAM."""
        self.ops.append((SEND, self._address(to, "send to"), msg))

    def broadcast(self, msg: Any, *, include_me: bool = False) -> None:
        """Send ``msg`` to every node's first boot process (but this node's, unless
        ``include_me``), in node order."""
        mine = self.me.node if type(self.me) is Pid else self.me
        for name in self.nodes:
            if include_me or name != mine:
                self.send(name, msg)

    # -- timers -------------------------------------------------------------------------

    def set_timer(self, timer: Hashable) -> None:
        """Set a timer; it may fire at any later step, unless cancelled."""
        self.ops.append((TIMER, timer, True))

    def cancel_timer(self, timer: Hashable) -> None:
        """Cancel a timer (nothing happens if it is not set)."""
        self.ops.append((TIMER, timer, False))

    # -- processes ----------------------------------------------------------------------

    def spawn(
        self,
        behaviour: Actor[Any],
        node: str | None = None,
        *,
        link: bool = False,
        monitor: bool = False,
        name: Hashable | None = None,
    ) -> Pid:
        """Start a process running ``behaviour`` on ``node`` (default: this node) and return
        its pid at once (``spawn/4``; ``link``: ``spawn_link``, ``monitor``:
        ``spawn_monitor``; ``name``: registered there as it starts). Its ``init`` runs as
        part of this step, with ``me`` its pid. The pid is the node's next serial number
        in its current incarnation: deterministic. On a node that is down or unreachable
        the pid is dead from the start (a link gives ``EXIT noconnection``, a monitor
        ``DOWN noconnection``); a remote spawn, like a send, brings a connection up.

        ``behaviour`` is kept in the world, so it must be an immutable value: an
        :class:`Actor` whose attributes are hashable (actors compare by type and
        attributes).
        """
        if not isinstance(behaviour, Actor):
            raise ModelError(f"{self.me} tried to spawn {behaviour!r}, which is not an Actor")
        where = self._node(node, "spawn on") if node is not None else None
        pid: Pid = self._reader.next_pid(self, where)
        ref = self._next_ref(pid) if monitor else None
        self.ops.append((SPAWN, pid, behaviour, link, ref, name))
        return pid

    def spawn_link(
        self, behaviour: Actor[Any], node: str | None = None, *, name: Hashable | None = None
    ) -> Pid:
        """``spawn(behaviour, node, link=True)``."""
        return self.spawn(behaviour, node, link=True, name=name)

    def spawn_monitor(
        self, behaviour: Actor[Any], node: str | None = None, *, name: Hashable | None = None
    ) -> Pid:
        """``spawn(behaviour, node, monitor=True)``."""
        return self.spawn(behaviour, node, monitor=True, name=name)

    def monitor(self, target: Any) -> Ref:
        """``erlang:monitor(process, target)``: return a new reference; one DOWN carrying
        it arrives when ``target`` exits (its reason), is not running (``noproc``, at
        once) or its node's connection goes (``noconnection``). Each call is a monitor of
        its own, as in OTP: monitoring twice gives two references and two DOWNs.

        Unlike OTP's, references are numbered per pair of processes (see :class:`Ref`):
        the least number no monitor of this process on ``target`` has in use. So a
        monitor dropped (by its DOWN or a demonitor) and made again is given the same
        reference, and a process that monitors again and again reaches the same states
        again. A ``DOWN`` still on its way when the pair makes a new monitor may carry
        the new monitor's reference: compare a DOWN's reference only with monitors you
        hold, and drop a reference once its DOWN came or you demonitored it."""
        address = self._address(target, "monitor")
        ref = self._next_ref(address)
        self.ops.append((MONITOR, address, ref))
        return ref

    def demonitor(self, target: Any, *, flush: bool = False) -> None:
        """``erlang:demonitor(Ref)``: remove the monitor ``target`` (a :class:`Ref`), or
        every monitor this process has on ``target`` (an address). A DOWN already on its
        way still arrives, unless ``flush`` (``[flush]``: it is taken out of the way)."""
        if type(target) is Ref:
            if target.owner != self.me:
                raise ModelError(
                    f"{self.me} tried to demonitor {target}, which {target.owner} made"
                )
            self.ops.append((DEMONITOR, target, flush))
        else:
            self.ops.append((DEMONITOR, self._address(target, "demonitor"), flush))

    def _next_ref(self, address: Any) -> Ref:
        """A new reference for a monitor of ``address``: the least number that no monitor
        of this pair has in use as the handler started (``Procs.refs``), less those this
        handler demonitored, plus those it made before."""
        reader = self._reader
        if reader is None:  # (an Out made by hand, without a world to read)
            slot, target = None, self.nodes[address] if type(address) is int else address
            used: set[int] = set()
        else:
            slot = reader.slot_of(self, address)
            target = reader.who(self, address, slot)
            used = set() if slot is None else reader.refs_in_use(self, slot)
        for op in self.ops:
            kind = op[0]
            made = op[2] if kind == MONITOR else op[4] if kind == SPAWN else None
            if made is not None and made.target == target:
                used.add(made.number)
            elif kind == DEMONITOR:
                gone = op[1]
                if type(gone) is Ref:
                    if gone.target == target:
                        used.discard(gone.number)
                elif gone == address or (
                    slot is not None and reader is not None and reader.slot_of(self, gone) == slot
                ):
                    used.clear()
        number = 0
        while number in used:
            number += 1
        return Ref(self.me, target, number)

    def link(self, target: Any) -> None:
        """Link to ``target``: when either exits with a reason other than ``normal``, the
        other gets an exit signal (and exits too, unless it traps exits). Linking to a
        process that is not running gives ``EXIT noproc``."""
        self.ops.append((LINK, self._address(target, "link to"), True))

    def unlink(self, target: Any) -> None:
        """Remove the link to ``target``."""
        self.ops.append((LINK, self._address(target, "unlink from"), False))

    def exit(self, target: Any, reason: Any) -> None:
        """``exit(Pid, Reason)``: send ``target`` an exit signal. ``kill`` cannot be trapped
        (the target exits with ``killed``); ``normal`` is ignored unless the target traps
        exits; any other reason kills a target that does not trap exits and reaches
        :meth:`Actor.on_exit` of one that does."""
        self.ops.append((EXIT, self._address(target, "send an exit signal to"), reason))

    def kill(self, target: Any) -> None:
        """``exit(target, kill)``: an untrappable exit signal; the target dies, state lost."""
        self.ops.append((EXIT, self._address(target, "kill"), KILL_REASON))

    def trap_exit(self, flag: bool) -> bool:
        """``process_flag(trap_exit, flag)``: from now on this process traps exits (exit
        signals other than ``kill`` reach :meth:`Actor.on_exit`) or does not (they kill
        it, but ``normal``). Returns the flag as it was. Starts as the behaviour's class
        attribute ``trap_exit``."""
        was = False if self._reader is None else self._reader.traps(self)
        for op in self.ops:
            if op[0] == TRAP:
                was = op[1]
        self.ops.append((TRAP, bool(flag)))
        return bool(was)

    def stop(self, reason: Any = NORMAL) -> None:
        """Exit with ``reason`` once this handler returns: monitors and links fire with it."""
        self.ops.append((STOP, reason))

    # -- names --------------------------------------------------------------------------

    def register(self, name: Hashable) -> None:
        """Register this process under ``name`` on its node (``register/2``). A name that
        is taken, or a second name for a process that has one, is a model error."""
        self.ops.append((REGISTER, name, True))

    def unregister(self, name: Hashable) -> None:
        """Remove the registration of ``name`` on this process's node (a model error if
        the name is not registered)."""
        self.ops.append((REGISTER, name, False))

    def whereis(self, name: Hashable, node: str | None = None) -> Pid | None:
        """The pid registered as ``name`` on ``node`` (default: this node), or None, as the
        world was when this handler started (``whereis/1``, or ``rpc`` to another node's
        ``whereis`` without the round trip)."""
        where = self._node(node, "look up a name on") if node is not None else None
        pid: Pid | None = self._reader.whereis(self, name, where)
        return pid

    # -- nodes --------------------------------------------------------------------------

    def monitor_nodes(self) -> None:
        """Subscribe to nodedown/nodeup for every other node (``net_kernel:monitor_nodes``)."""
        self.ops.append((SUBSCRIBE,))

    def connect(self, node: str) -> None:
        """``net_kernel:connect_node``: bring up the connection to ``node`` if the network
        reaches it (nodeup to subscribers on both sides); nothing if it is up already."""
        self.ops.append((CONNECT, self._node(node, "connect to")))

    def disconnect(self, node: str) -> None:
        """``erlang:disconnect_node``: drop the connection to ``node`` without cutting the
        network. As when a link is cut, messages in flight across it are lost and both
        sides hear of it (``EXIT`` and ``DOWN`` ``noconnection``, then ``nodedown``); but it
        is not a partition: the next send, monitor, link, spawn or :meth:`connect` across
        brings it back (``nodeup``). Nothing if the connection is down already."""
        self.ops.append((DISCONNECT, self._node(node, "disconnect from")))

    # -- choices and notes ----------------------------------------------------------------

    def choose(self, options: Sequence[Any]) -> Any:
        """One of ``options``: the framework runs the handler once per option, in order,
        and each run is a step of its own whose label records the value chosen (so a
        trace replays without asking again). Choose from a non-empty sequence in a fixed
        order (sort sets first)."""
        options = tuple(options)
        if not options:
            raise ModelError(f"{self.me} called out.choose() with no options")
        position = len(self._choices)
        index = self._script[position] if position < len(self._script) else 0
        self._choices.append((index, len(options), options[index]))
        return options[index]

    def note(self, text: str) -> None:
        """Annotate this step with the fact that matters (say ``"holds the lock"``): it is
        written in the step's label, so traces and charts show it."""
        self.ops.append((NOTE, str(text)))


SEND, TIMER, MONITOR, LINK, SUBSCRIBE, STOP, EXIT, SPAWN, REGISTER, CONNECT, NOTE = range(11)
DISCONNECT = 11
TRAP, DEMONITOR = 12, 13

#: The exit reason that cannot be trapped.
KILL_REASON = "kill"
