"""Partial-order reduction for actor systems: expand a persistent subset of the steps.

Steps of different processes often commute: ``a`` handles a message while ``b`` fires a
timer, and either order ends in the same world. ``check(model, por=True)`` explores, at
each state, only the steps of a set ``K`` of processes (a stubborn set over the processes;
below, "node" is a process of a one-process-per-node system, and what is said of it holds
of each process of a ``cluster()`` system, see "Processes on nodes") when that
provably loses no verdict of the model's ``always`` and ``sometimes`` properties (nor a
deadlock). The counts are those of the reduced graph; every trace is still a run of the
model, replayed, though not always a shortest one.

Applies to (otherwise refused, or falling back to every step):

- an :class:`~modelcheck.actors.ActorSystem` that does not override ``actions()``, without
  liveness properties (refused otherwise), one process per node (``actors()``) or several
  (``cluster()``);
- where no step of a process exits, links, spawns, registers, disconnects or sends by name
  to a name that no process of that node was registered under as it booted (``out.stop``,
  ``out.kill``, ``out.link``, ``out.spawn``, ``out.register``, ``out.disconnect``,
  ``out.send((name, node), ...)``: see "Messages by name"): found while searching, that
  is a model error with the trace that reached it (run without ``por``); in a
  ``cluster()`` system, whose OTP behaviours do these as a matter of course, the reduction
  stops there instead, and says so (starting the search over if it had left steps out).
  Names registered as processes boot (``Boot(name=...)``) are fine: nothing changes them.
  Faults (crashes, restarts, kills, partitions, cuts, heals, mends, drops, duplicates) and
  the runtime signals they cause are supported.

What properties read: declared (``@always(reads=...)``), or else found by tracing. While
some property has no ``reads``, the first :data:`SAMPLE` states expand every step and each
such property is judged on a view of the world that writes down what it fetches (which
node states, which world fields); from there on it is judged on a view holding only what
it was found to read (the set ``D``). A judgement that fetches more traces the property on
the world itself, adds what it read to ``D`` and starts the search over
(:class:`~modelcheck.explore.reductions.Restart`): ``D`` only grows, so this ends. Reads
taken from some states only would be unsound on their own (``a == 0 or b == 5`` reads
``a`` alone while ``a`` is 0, and leaving ``b``'s step for later loses ``(1, 4)``); held
to ``D`` by the views, they are not: see "Why it is sound".

Whenever it expands every step, the result says why in one line (a warning). And it
weighs itself, early, since the steps of the other states are computed anyway and leaving
one out saves little unless the states behind it are never reached:

- while learning (every step expanded), after :data:`WEIGH` states and at the end of the
  sample: if it would leave out fewer than :data:`PAYS` of the steps, it stops there.
  Those states expanded every step, a prefix of the full search: the search goes on
  without starting over, the properties judged plainly, nothing traced any more;
- over the first :data:`WEIGH` states it reduces: if the steps it left out whose
  successors the search has not stored by another way are fewer than :data:`SAVES` of the
  steps, it stops and the search starts over (it left states out, so the counts would not
  be the full search's otherwise): a repeat of at most :data:`WEIGH` states. Where leaving
  steps for later only reorders steps that commute (TwoPhaseActors: the coordinator's
  steps, taken a little later, reach the same states), this stops it; where the states
  behind the steps are saved (the late reply, TaggedReply), it goes on.

What a model declares, and how it is held to it:

- ``talks_to()`` (:meth:`~modelcheck.actors.ActorSystem.talks_to`): who may send to whom
  (default: everyone to everyone). Every world the search computes is checked: a message
  in flight between two nodes the declaration does not connect is a model error.
- ``reads`` of each property: the predicate is judged on a view of the world that hands
  out the declared nodes' states and the fields no fault-free step changes, and nothing
  else: getting at the state of another node, the messages in flight, signals, timers,
  monitors or node subscriptions in any way Python code has (indexing, iterating,
  unpacking, comparing, hashing, printing the world; so also before an ``is``, an
  ``isinstance`` or a ``type()`` of it) is a model error naming the property, even where
  the property catches it. What the view hands out are the world's own values, so a
  judgement that touches nothing is the property's answer on the world itself.

Why it is sound (the conditions C0-C3 of ample sets). A step of one node ``k`` (a delivery
to ``k``, a signal to ``k``, a timer of ``k``) runs ``k``'s handler on ``k``'s state and
its input (the head of one channel into ``k``, the head of one of its signal queues, a
timer) and changes only ``k``'s state, timers, monitors and subscription, pops that input
and appends to channels out of ``k``; a send to a node that is down or cut off is dropped,
one across a connection that is down brings it up (``nodeup`` to subscribers on both
sides). Steps of two nodes commute: their states, timers, monitors and subscriptions are
apart, they share at most a channel (or a signal queue) one appends to and the other pops
from the head, non-empty if the pop is possible, and two that bring one connection up do
it once whichever goes first. A handler is a function of its inputs, so a step has the
same effect wherever its node's state and input are the same.

Faults are never in a reduced set (so two faults are never commuted, and a budget, a
counter every fault of its kind spends, needs no more care: a fault that disables another
of its budget is simply never left for later). A fault is dependent on what it touches, and
a reduced set may hold no step of a node that a fault still within its budget may touch,
now or after steps of other nodes (:meth:`PartialOrder._hit`): a crash, restart or kill
of ``x`` touches ``x``, the nodes ``x`` may send to (their channels from ``x`` are
flushed, or filled by its ``init``), those that may send to ``x`` (their sends are dropped
or delivered), and the nodes that hold monitors or subscriptions or set them (signals); a
partition, a drop or a duplicate may touch every node; a cut the ends of the links not yet
cut; a heal or a mend the ends of the links cut. Deliveries and timers of the other nodes
still commute with every fault: a fault does not change their state, inputs or sends.

At a state ``s``, for a seed node, ``K`` is closed under: if a node ``m`` outside ``K``
may act before any node of ``K`` does (it has a step, or a node that may act may send to
it), and may send to a node ``k`` in ``K`` (``talks_to``), and the channel ``m -> k`` is
empty (on the unordered network: at all), then ``m`` is in ``K``. Then on every path from
``s`` made of steps of nodes outside ``K``, no step of ``K`` is enabled or disabled (only
``k`` pops its channels and sets its timers; no one can put a message at the head of an
empty channel into ``K``), and each of ``K``'s steps commutes with every step of the path:
the steps of ``K`` enabled at ``s`` form a persistent set. A connection down between ``m``
and ``k`` counts as an empty channel (``m``'s send brings it up, with ``nodeup`` into
``k``'s signal queue), and no node a fault may touch is in ``K`` (above), so no fault on
the path enables, disables or changes a step of ``K`` either. Of the seeds, the one with the
fewest steps is taken (the first in node order on a tie), if it leaves any step out.

Visibility (C2): a reduced set may hold only steps that no property can see: a step of a
node whose state no property reads, or one that leaves its node's state equal, and that
changes no world field a property reads (it does so wherever it is taken after steps of
other nodes: its inputs are the same, and whom its sends reach changes only by faults that
touch it). Properties are judged on views holding only ``D`` (declared or found), on which
a step of ``K`` changes nothing, so "this property fails here" (or "fetches more than
``D``") is the same before and after it. So the argument below shows that a judgement
outside ``D`` reachable in the full graph is reached in the reduced one too: a search that
ends without one has every judgement of the full graph a function of ``D``; one that meets
one starts over with a larger ``D``. The states expanded in full while learning are judged
on the world itself, and ``D`` holds what they read.

Processes on nodes (``cluster()``): the units are processes (boot slots; a spawn stops
the reduction), and the argument above holds of them as written. Processes of one node
share no state the handlers see: each has its own state, timers, monitors and channels
(FIFO per pair of processes), and the node's registry is fixed (only names registered as
processes boot). ``talks_to`` is per node: a process may send to the processes of the
nodes its node lists, and to the other processes of its own node only if its node lists
itself (otherwise a node's processes would always be in one closure together). What they
share is node-level: the node's being up (a crash, restart or cut touches every process
on it, and those that may send to them or receive from them), and the distribution
connection to each other node: a send from one process across a connection that is down
brings it up, with ``nodeup`` to every process on either node that subscribed, not only
to the one sent to. The closure follows the first (a connection down counts as an empty
channel between every pair of processes on its two nodes) but not the second: at a state
where a connection is down and a process on one of its nodes subscribed, a cluster
expands every step.


Messages by name (``out.send((name, node), ...)`` to another node). They wait in one FIFO
channel per (sender, node), and whoever holds the name as one arrives gets it. A name
registered as a process boots (``Boot(name=)``) is held by that boot slot for good: only an
exit or a kill drops it (an exit stops the reduction, a kill is a fault), a crash takes it
with every channel into the node, a restart gives it back to the same slot; a registration
after boot stops the reduction, and so does a send to any other name, where it is sent. So
an arrival is a step of the name's holder ``j`` (its dropping, if ``j`` was killed, too): it
pops the head of the channel ``B(m, y)``, runs ``j``'s handler. The channel is shared by
the processes of ``y``, so beyond what is said above: (1) a message by pid from ``m`` to
``k`` waits while the head of ``B(m, y)`` was sent before it (``ahead``, counting ``m``'s
messages by pid to ``k``, drops only as ``k`` takes them), and (2) taking the head lets the
next one, perhaps for ``k``, arrive. Taking a head and ``m``'s appends commute (the channel
is not empty), and so do ``k``'s taking from ``m -> k`` and ``m``'s send by name (the rules
count what is ahead either way). Hence: a non-empty ``B(m, y)`` is a full channel from ``m``
into every process ``k`` on ``y``, and a set holding a process of ``y`` holds the holder of
the head of every channel by name into ``y`` (the closure's ``heads``). Then no step
outside ``K`` takes a head of a channel by name into a node of ``K``; ``m``'s new messages
for ``k`` wait behind that head (by name), or behind it and ``m -> k`` (a message by pid
sent while ``m -> k`` is empty waits for the head, whose ``ahead`` for ``k`` is 0; one sent
after another counts it): none of ``K``'s steps is enabled or disabled. One taken head may
let another process of the node act (case 2), so a process outside that holds a head may
act, and the closure's nodes that may act count every process of its node. Faults: a
crash, restart, cut or partition flushes channels by name between the nodes it touches,
whose processes it already blocks; a drop or a duplicate blocks every process. On the
unordered network nothing waits for anything (any message by name may arrive, ``ahead`` is
not kept), so there a channel by name is like the channels by pid to its holders.


Cycles (C3): breadth-first, if a step of the reduced set leads to a state stored at a level
no deeper than this one's (the proviso is level-synchronous), every step is expanded. A
state's level is the level at which the search first stored it, so along any step of the
reduced graph the level grows by at most one; round a cycle it cannot grow at every step,
so some step ``s -> t`` of the cycle has ``level(t) <= level(s)``. When ``s`` was expanded,
``t`` was stored already (the levels up to ``level(s)`` are complete before level
``level(s)`` is expanded), so the proviso saw ``t``: ``s`` is expanded in full. Whether it
fires depends on the levels up to ``s``'s only, not on the order in which a level is
expanded, so shards that expand a level together (:mod:`modelcheck.explore.shard`: the
owner of ``t`` answers whether it is stored) make the same choices and store the same
states as one process. Depth-first: if a step of the reduced set leads to a state stored
already, every step is expanded; on a cycle of the reduced graph the state expanded last
sees its successor on the cycle stored (or is it). Either way every cycle of the reduced
graph has a fully expanded state.

Take a path of the full graph from a state ``c`` of the reduced graph to a state where a
property fails (or holds, for ``sometimes``), or ending in a step the reduction refuses
(an exit, a link, a send outside ``talks_to``), the first such (C0, C1: a reduced set is
never empty, and no path of steps outside it meets a step dependent on it). If ``c`` is
fully expanded, its first step is in the reduced graph. Otherwise, if the path has a step of
``K``, the first one was enabled at ``c`` and commutes to the front: a path one step
shorter from a successor in the reduced graph. If not, any step ``a`` of ``K`` commutes
with the whole path and its end ``e``: from ``a(c)`` the same path ends in ``a(e)``, which
``a`` cannot make good (visibility; and it is not a deadlock, ``a`` being enabled there).
That cannot go on forever without reaching a fully expanded state (cycles). So the reduced
graph reaches the failing (or refused) state too: every verdict, every ``unreached``, and
every refusal is the full graph's.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NoReturn

from modelcheck.errors import ModelError, UsageError
from modelcheck.explore.reductions import GaveUp, Restart
from modelcheck.properties import ALWAYS, SOMETIMES, Property
from modelcheck.trace import Step, Trace, call_model

from .actor import Pid
from .rules import CRASHES, CUTS, DROPS, DUPLICATES, HEALS, KILLS, MENDS, PARTITIONS, RESTARTS
from .system import DEAD, ActorSystem, World
from .world import MASK, SHIFT, Procs, get

__all__ = ["PartialOrder", "expands_everything", "fallback_reason"]

#: While some property has no ``reads``, the states it expands in full to learn what the
#: properties read (tracing them) before it reduces.
SAMPLE = 2048
#: While learning, below this share of the steps it would leave out (over the first
#: :data:`WEIGH` states, and over the sample), it stops: what it costs a state (the
#: persistent sets, the views) would outweigh the states it saves.
PAYS = 0.4
#: The states over which a reduction weighs what it saves (see ``PartialOrder._weigh``):
#: few, so that starting over when it does not pay repeats little.
WEIGH = 256
#: Below this share of the steps left out whose successors the search did not reach by
#: another way (over the first :data:`WEIGH` states it reduces), it stops reducing.
SAVES = 0.15

#: The channel parts whose facts the reduction remembers before it starts afresh.
_FACTS_LIMIT = 1 << 16

#: World fields a property with ``reads`` may read besides its nodes' states: no step of
#: one node changes them but ``procs`` (a connection coming back up), and a step that
#: changes one is visible to such a property.
_STABLE_FIELDS = frozenset({"links", "down", "cut", "durable", "used", "procs"})
_STABLE_MASK = sum(1 << i for i, field in enumerate(World._fields) if field in _STABLE_FIELDS)
# Fields read by position on the hot path.
assert World._fields[1:3] == ("chans", "sysq") and World._fields[4:7] == (
    "monitors",
    "links",
    "subs",
)
assert World._fields[10:] == ("used", "procs", "byname")

#: What a message outside ``talks_to()`` says (a model error, never a reason to stop).
_UNDECLARED = ".talks_to() does not let it ("

#: How the other fields are named in errors.
_FIELD_WORDS = {
    "chans": "the messages in flight",
    "sysq": "the runtime signals waiting",
    "timers": "the timers",
    "monitors": "the monitors",
    "subs": "the node subscriptions",
    "byname": "the messages by name in flight",
}


def _never(state: Any, succ: Any) -> bool:
    return False


def fallback_reason(model: ActorSystem) -> str | None:
    """Why ``por=True`` expands every step of ``model``, or None (none is known before the
    search: fault budgets, properties without ``reads`` and several processes per node no
    longer stop it).

    >>> from modelcheck.actors import Actor
    >>> class Two(ActorSystem):
    ...     def actors(self):
    ...         return {"a": Actor(), "b": Actor()}
    >>> fallback_reason(Two()), fallback_reason(Two(crashes=1, drops=2))
    (None, None)
    """
    return None


def expands_everything(model: ActorSystem) -> str | None:
    """Why ``por=True`` would expand every step of ``model`` whatever it finds, or None
    when it may reduce (fault budgets and properties without ``reads`` no longer stop it)."""
    return fallback_reason(model)


class _GiveUp(Exception):
    """The reduction stopped at this state (see ``PartialOrder._unsupported``): it
    expands every step of it, and of every state from here on."""


class _Touched(BaseException):
    """A property touched what its ``reads`` leaves out (a BaseException, so that the
    property's own ``except Exception`` cannot swallow it; one that swallows it anyway is
    caught too: every touch is also written down, see :class:`_Watch`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Watch:
    """The touches of one property's judgements: each written down, then raised."""

    __slots__ = ("touched",)

    def __init__(self) -> None:
        self.touched: list[str] = []

    def touch(self, message: str) -> NoReturn:
        self.touched.append(message)
        raise _Touched(message)


class _Unread:
    """Stands in for what a property does not read, in the slots of the watched tuples
    below: any use but ``is`` is a touch. Python code cannot get at one (the tuples' own
    accessors stop it first); it is there for C code that reads a tuple's slots directly."""

    __slots__ = ("_message", "_watch")

    def __init__(self, message: str, watch: _Watch) -> None:
        object.__setattr__(self, "_message", message)
        object.__setattr__(self, "_watch", watch)

    def _touch(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._watch.touch(self._message)

    def __getattr__(self, name: str) -> NoReturn:
        self._watch.touch(self._message)


#: Special methods that use a value (all of a tuple's that read its items, too).
_TOUCHING = (
    "__setattr__",
    "__delattr__",
    "__getitem__",
    "__setitem__",
    "__iter__",
    "__reversed__",
    "__len__",
    "__bool__",
    "__contains__",
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__call__",
    "__int__",
    "__float__",
    "__index__",
    "__repr__",
    "__str__",
    "__format__",
    "__bytes__",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__floordiv__",
    "__rfloordiv__",
    "__mod__",
    "__rmod__",
    "__pow__",
    "__rpow__",
    "__and__",
    "__rand__",
    "__or__",
    "__ror__",
    "__xor__",
    "__rxor__",
    "__lshift__",
    "__rlshift__",
    "__rshift__",
    "__rrshift__",
    "__neg__",
    "__pos__",
    "__abs__",
    "__invert__",
    "__round__",
    "__enter__",
    "__exit__",
    "__getstate__",
    "__reduce__",
    "__reduce_ex__",
    "__copy__",
    "__deepcopy__",
    "__getnewargs__",
    "__sizeof__",
    "__dir__",
    "__instancecheck__",
    "__subclasscheck__",
    "__mro_entries__",
)
for _name in _TOUCHING:
    setattr(_Unread, _name, _Unread._touch)

#: A tuple's methods that read every item: on a watched tuple, reading every item first.
_WHOLE = (
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__contains__",
    "__add__",
    "__mul__",
    "__rmul__",
    "__repr__",
    "__str__",
    "__format__",
    "__reduce__",
    "__reduce_ex__",
    "__getnewargs__",
    "count",
    "index",
)


class _Watched(tuple[Any, ...]):
    """A tuple that lets a property fetch only some of its items: fetching another one, in
    any way Python code has (indexing, slicing, iterating, unpacking, comparing, hashing,
    printing, copying), is a touch. Subclassed per property: ``_allowed`` is a bit mask
    of the items it may fetch, ``_messages`` what to say about each other item."""

    __slots__ = ()
    _allowed: int = 0
    _messages: tuple[str, ...] = ()
    _watch: Any  # a _Watch, or a _Log when it traces

    def _check(self, i: int) -> None:
        if not self._allowed >> i & 1:
            self._watch.touch(self._messages[i])

    def _read_all(self) -> None:
        for i in range(tuple.__len__(self)):
            self._check(i)

    def __getitem__(self, key: Any) -> Any:
        if key.__class__ is int and key >= 0 and self._allowed >> key & 1:
            return tuple.__getitem__(self, key)  # the usual case, first
        size = tuple.__len__(self)
        if isinstance(key, slice):
            for i in range(size)[key]:
                self._check(i)
        else:
            i = operator.index(key)
            if -size <= i < size:
                self._check(i % size)
        return tuple.__getitem__(self, key)

    def __iter__(self) -> Iterator[Any]:
        for i in range(tuple.__len__(self)):
            self._check(i)
            yield tuple.__getitem__(self, i)

    def __reversed__(self) -> Iterator[Any]:
        for i in reversed(range(tuple.__len__(self))):
            self._check(i)
            yield tuple.__getitem__(self, i)


def _whole(name: str) -> Callable[..., Any]:
    method = getattr(tuple, name)

    def read_all_then(self: _Watched, *args: Any, **kwargs: Any) -> Any:
        self._read_all()  # raises unless every item may be read: then they all are real
        return method(tuple(tuple.__iter__(self)), *args, **kwargs)

    return read_all_then


for _name in _WHOLE:
    setattr(_Watched, _name, _whole(_name))


class _WatchedWorld(_Watched, World):
    """A world whose fields a property may fetch only in part (subclassed per property;
    the other fields' attributes are touches too)."""

    __slots__ = ()


def _touching_field(watch: _Watch, message: str) -> property:
    def get(self: Any) -> NoReturn:
        watch.touch(message)

    return property(get)


class _Log:
    """What a traced judgement fetched: a bit per item (node state, or world field)."""

    __slots__ = ("mask",)

    def __init__(self) -> None:
        self.mask = 0

    def touch(self, i: int) -> None:
        self.mask |= 1 << i


def _recording_field(log: _Log, i: int) -> property:
    def get(self: Any) -> Any:
        log.mask |= 1 << i
        return tuple.__getitem__(self, i)

    return property(get)


def _union(masks: Iterable[int]) -> int:
    """The bitwise or of ``masks`` (0 for none).

    >>> _union([1, 4]), _union([])
    (5, 0)
    """
    found = 0
    for mask in masks:
        found |= mask
    return found


def _grew(old: Any, new: Any) -> bool:
    """Whether a step of one node changed the processes' table in a way the reduction does
    not support: spawned or registered a process, or dropped a connection (disconnect)."""
    if not new or new is old:
        return False
    base = old if old else Procs()
    return bool(
        new.spawned != base.spawned
        or new.names != base.names
        or new.serials != base.serials
        or new.apart & ~base.apart
    )


class PartialOrder:
    """The reduction for one search: :meth:`actions` replaces ``model.actions`` and
    :meth:`predicate` each safety property's predicate (the search asks again through
    ``on_switch`` whenever the way to judge them changes).

    ``closes_cycle(state, succ)`` says whether a step may close a cycle of the reduced
    graph: breadth-first, ``succ`` is stored at a level no deeper than ``state``'s;
    depth-first, it is stored (the cycle proviso). ``trace_of(state)`` gives the trace
    to a stored state, or None, for error reports.
    """

    def __init__(
        self,
        model: Any,
        properties: Sequence[Property],
        closes_cycle: Callable[[Any, Any], bool],
        trace_of: Callable[[Any], Trace | None],
    ) -> None:
        if not isinstance(model, ActorSystem):
            raise UsageError(
                "partial-order reduction applies to actor systems "
                f"(modelcheck.actors.ActorSystem), and {model.name} is not one: run without --por"
            )
        if type(model).actions is not ActorSystem.actions:
            raise UsageError(
                f"partial-order reduction needs the actor system's own steps, and {model.name} "
                "overrides actions(): run without --por"
            )
        self.model = model
        self.closes_cycle = closes_cycle
        self.trace_of = trace_of
        names = model.node_names
        #: The units whose steps it commutes are processes: the boot slots (a spawn is
        #: refused), slot ``i`` being node ``i`` in a one-process-per-node system.
        self.nodes = len(names)
        self.node_of: tuple[int, ...] = model.boot_node
        self.n = n = len(self.node_of)
        #: Per node: its processes, a bit per slot.
        self.on_node = [
            sum(1 << s for s in range(n) if self.node_of[s] == x) for x in range(self.nodes)
        ]
        #: How labels name a process (a node's name, or a pid), to its slot.
        self.index: dict[Any, int] = (
            dict(model.node_index)
            if model.named
            else {Pid(names[self.node_of[s]], model.boot_serial[s]): s for s in range(n)}
        )
        self.fifo = model.network == "fifo"
        self.why_not = fallback_reason(model)
        self.out_node, self.out, self.allowed = self._topology()
        self.into = [
            sum(1 << m for m in range(n) if m != k and self.out[m] >> k & 1) for k in range(n)
        ]
        #: Per pair of nodes ``a * nodes + b``: the bits of the channels between their
        #: processes, both ways (a connection down between them empties them all).
        self._between = [0] * (self.nodes * self.nodes)
        for m in range(n):
            for k in range(n):
                a, b = self.node_of[m], self.node_of[k]
                if a != b:
                    self._between[min(a, b) * self.nodes + max(a, b)] |= 1 << (m * n + k)
        self.budget: tuple[int, ...] = model.budget
        self.any_faults = any(self.budget)
        #: Per node: its processes, whom they may send to, who may send to them (what a
        #: crash or a restart of it touches, with the processes that watch others).
        self._around = [
            self.on_node[x]
            | _union(self.out[s] | self.into[s] for s in range(n) if self.node_of[s] == x)
            for x in range(self.nodes)
        ]
        #: The names of the processes, for messages.
        self.who = [
            f"{names[x]}'s process" if model.named else f"process {pid} on {names[x]}"
            for x, pid in zip(self.node_of, self.index, strict=True)
        ]
        #: The names registered as processes boot, by (name, node index): the slot that
        #: holds each (the receiver of every message by name to it: see "Messages by
        #: name"). A label names an arrival's receiver (name, node's name): ``index`` too.
        self.holders: dict[tuple[Any, int], int] = {}
        for s, name in enumerate(model.boot_names):
            if name is not None:
                self.holders[(name, self.node_of[s])] = s
                self.index[(name, names[self.node_of[s]])] = s
        #: Declared reads: a bit per process (those on the nodes declared).
        self.reads: dict[str, int] = {}
        #: Reads found by tracing, for properties without ``reads``: (nodes, world fields).
        self.found: dict[str, tuple[int, int]] = {}
        for prop in properties:
            if prop.kind not in (ALWAYS, SOMETIMES):
                continue
            if prop.reads is None:
                self.found[prop.name] = (0, 0)
                continue
            mask = 0
            for node in prop.reads:
                if node not in model.node_index:
                    raise ModelError(
                        f"property '{prop.name}' reads unknown node {node!r} "
                        f"(nodes: {', '.join(names)})"
                    )
                mask |= self.on_node[model.node_index[node]]
            self.reads[prop.name] = mask
        #: The properties whose reads it learns (names, for messages), or "".
        self.learns = ", ".join(self.found)
        #: Whether it may still reduce (see ``note``).
        self.active = self.why_not is None
        #: Whether it is still learning what properties read (every step expanded).
        self.learning = self.active and bool(self.found)
        #: One line on what the reduction did not do, for the result's warnings, or None.
        self.note: str | None = None
        if self.why_not is not None:
            self.note = f"--por reduced nothing ({self.why_not}): every step was expanded"
        #: Called when the way to judge the properties changes (the search sets it).
        self.on_switch: Callable[[], None] = lambda: None
        self.visible = 0
        self.visible_fields: tuple[int, ...] = ()
        self._see()
        self._closures: dict[tuple[int, int, bool, tuple[int, ...]], tuple[int, ...]] = {}
        #: ``_facts`` by the id of a channels part (the part kept, so the id stays its own).
        self._chans_facts: dict[int, tuple[Any, int, int]] = {}
        self._inits_vetted = False
        self._boot_names: Any = ()  # the names registered as processes boot
        self._boot_serials: Any = ()  # and the nodes' serials that registering them set
        #: ``_byname_facts`` by the id of a channels-by-name part (the part kept).
        self._byname_memo: dict[int, tuple[Any, int, tuple[int, ...]]] = {}
        self._reduced_any = False  # whether some state left a step out
        #: Whether it is still weighing itself (while learning, and over the first
        #: :data:`WEIGH` states it reduces).
        self._weighing = self.active
        self._expanded = 0  # states expanded, while weighing
        self._all_steps = 0  # and their steps
        self._kept_steps = 0  # and the steps kept (or that it would keep, while learning)
        self._left: dict[Any, None] = {}  # the successors it left out, while weighing
        self._restarts: list[str] = []  # the properties that read more than it had learnt
        #: A shard's copy: a property found to read more raises ``Restart(name, nodes,
        #: fields)`` and learns nothing itself (:meth:`learn` is its driver's).
        self.deferred = False

    def _see(self) -> None:
        """What some property reads: the nodes whose state changes are visible, and the
        world fields whose changes are."""
        nodes = fields = 0
        for mask in self.reads.values():
            nodes |= mask
            fields |= _STABLE_MASK
        for found_nodes, found_fields in self.found.values():
            nodes |= found_nodes
            fields |= found_fields
        self.visible = nodes
        self.visible_fields = tuple(i for i in range(1, len(World._fields)) if fields >> i & 1)

    def _topology(self) -> tuple[list[int], list[int], frozenset[int] | None]:
        """Each node's out-neighbours (nodes) and each process's (processes: those on the
        nodes its node may send to) as bitmasks, and the allowed channels (None: all)."""
        model, n, nodes, index = self.model, self.n, self.nodes, self.model.node_index
        declared = call_model(model.talks_to, "talks_to()")
        if declared is None:
            return [(1 << nodes) - 1] * nodes, [(1 << n) - 1] * n, None
        names = model.node_names
        # A process may always send to itself; in a one-process-per-node system that is
        # its node. In a cluster, a node's processes send to each other only if its entry
        # names the node itself (else they would all be in every closure together).
        out_node = [1 << i if model.named else 0 for i in range(nodes)]
        for src, dsts in declared.items():
            if src not in index:
                raise ModelError(
                    f"{model.name}.talks_to() names unknown node {src!r} "
                    f"(nodes: {', '.join(names)})"
                )
            for dst in (dsts,) if isinstance(dsts, str) else dsts:
                if dst not in index:
                    raise ModelError(
                        f"{model.name}.talks_to() lets {src} send to unknown node {dst!r} "
                        f"(nodes: {', '.join(names)})"
                    )
                out_node[index[src]] |= 1 << index[dst]
        out = [
            1 << m
            | _union(self.on_node[j] for j in range(nodes) if out_node[self.node_of[m]] >> j & 1)
            for m in range(n)
        ]
        allowed = frozenset(m << SHIFT | j for m in range(n) for j in range(n) if out[m] >> j & 1)
        return out_node, out, allowed

    # -- the properties ---------------------------------------------------------------------

    def predicate(self, prop: Property) -> Callable[[Any], Any]:
        """``prop``'s predicate as the search must judge it now: unchanged when nothing is
        (or will be) reduced; traced while the reduction learns what it reads; else on a
        view of the world holding only what it reads (declared, or found).

        The view's tuples (the world, its node states) hand out only what the property may
        read: fetching anything else (another node's state, the messages in flight...) in
        any way is noticed, even where the property would only have compared it by
        identity (``is``), asked its type or caught the error. With ``reads`` declared,
        that is a model error; with reads found, it means the property reads more than the
        reduction had found: it traces the property on the world itself, adds what it read
        and starts the search over (:class:`~modelcheck.explore.reductions.Restart`). So
        every judgement of a search that ends is a function of what the reduction took as
        the property's reads, which steps it leaves for later do not change."""
        pred = prop.predicate
        if not self.active or prop.kind not in (ALWAYS, SOMETIMES):
            return pred
        if prop.reads is None:
            if self.learning:
                return self._tracing(prop)
            nodes, fields = self.found[prop.name]
            return self._viewed(prop, nodes, fields | 1, learnt=True)
        return self._viewed(prop, self.reads[prop.name], _STABLE_MASK | 1, learnt=False)

    def _tracer(self, prop: Property) -> Callable[[World], tuple[Any, int, int]]:
        """``prop`` judged on a view of the world that writes down what it fetches: (the
        answer, a bit per node state fetched, a bit per world field fetched)."""
        pred = prop.predicate
        nodes_log, fields_log = _Log(), _Log()
        fields = World._fields
        states_type = type(
            "TracedStates",
            (_Watched,),
            {
                "__slots__": (),
                "_allowed": 0,
                "_messages": range(MASK + 1),  # a slot's number (spawned ones too)
                "_watch": nodes_log,
            },
        )
        attrs: dict[str, Any] = {
            "__slots__": (),
            "_allowed": 1,  # the states: a traced tuple of them
            "_messages": tuple(range(len(fields))),
            "_watch": fields_log,
        }
        for i in range(1, len(fields)):
            attrs[fields[i]] = _recording_field(fields_log, i)
        view_type = type("TracedWorld", (_WatchedWorld,), attrs)
        new = tuple.__new__

        def traced(w: World) -> tuple[Any, int, int]:
            nodes_log.mask = fields_log.mask = 0
            answer = pred(new(view_type, (new(states_type, w[0]), *w[1:])))
            return answer, nodes_log.mask, fields_log.mask & ~1

        return traced

    def _tracing(self, prop: Property) -> Callable[[World], Any]:
        """``prop``'s predicate, traced: what it reads is added to what it was found to."""
        traced, name, found = self._tracer(prop), prop.name, self.found

        def judged(w: World) -> Any:
            answer, nodes, fields = traced(w)
            old_nodes, old_fields = found[name]
            if nodes & ~old_nodes or fields & ~old_fields:
                found[name] = (old_nodes | nodes, old_fields | fields)
                self._see()
            return answer

        return judged

    def _learn_more(self, prop: Property, w: World, read: int, allowed: int) -> NoReturn:
        """``prop`` read, at ``w``, more than its view held (the nodes ``read``, the fields
        ``allowed``): trace it there, add what it read, and start the search over."""
        _, nodes, fields = self._tracer(prop)(w)
        if not (nodes & ~read or fields & ~allowed):
            raise ModelError(
                f"property '{prop.name}' read something on a view of a world that it does not "
                "read on the world itself: a property must be a function of the world",
                self.trace_of(w),
            )
        if self.deferred:  # a shard: its driver learns it, in the search's order
            raise Restart(prop.name, nodes, fields)
        self.learn(prop.name, nodes, fields)
        raise Restart

    def _viewed(
        self, prop: Property, read: int, allowed: int, learnt: bool
    ) -> Callable[[Any], Any]:
        """``prop``'s predicate on a view of the world holding the states of the nodes in
        ``read`` and the fields in ``allowed`` (bit 0: the states), and nothing else."""
        pred = prop.predicate
        names = [self.model.node_names[x] for x in self.node_of]  # per process: its node
        declared = f"reads={prop.reads!r}"
        watch = _Watch()
        node_words = tuple(
            f"property '{prop.name}' read the state of node '{name}', but declares "
            f"{declared}: add '{name}' to its reads"
            for name in names
        )
        fields = World._fields
        field_words = tuple(
            f"property '{prop.name}' read {_FIELD_WORDS.get(field, field)}, but declares "
            f"{declared}: a property with reads may read only those nodes' states"
            for field in fields
        )
        keep = [i for i in range(1, len(fields)) if allowed >> i & 1]
        world_attrs: dict[str, Any] = {
            "__slots__": (),
            "_allowed": allowed,
            "_messages": field_words,
            "_watch": watch,
        }
        for i, field in enumerate(fields):
            if not allowed >> i & 1:
                world_attrs[field] = _touching_field(watch, field_words[i])
        view_type = type("WorldView", (_WatchedWorld,), world_attrs)
        states_type = type(
            "States",
            (_Watched,),
            {"__slots__": (), "_allowed": read, "_messages": node_words, "_watch": watch},
        )
        unread = [i for i in range(len(names)) if not read >> i & 1]
        poison = [_Unread(words, watch) for words in node_words]
        template: list[Any] = [_Unread(words, watch) for words in field_words]
        touched = watch.touched
        trace_of = self.trace_of
        new = tuple.__new__
        # What it answered, by the identity of the parts of the world the view holds (the
        # states, and the fields it may read), which the value keeps: worlds share parts,
        # and a predicate is a function of what it is given, so the same parts give the
        # same answer, and the same reads (none outside the view: it judged them so).
        remembered: dict[tuple[int, ...], tuple[Any, Any]] = {}
        parts_of = operator.itemgetter(0, 0, *keep)  # (a tuple, even with keep empty)

        def judged(w: World) -> Any:
            parts = parts_of(w)
            key = tuple(map(id, parts))
            known = remembered.get(key)
            if known is not None:
                return known[1]
            states = list(w[0])
            for i in unread:
                states[i] = poison[i]
            view = template.copy()
            view[0] = new(states_type, states)
            for i in keep:
                view[i] = w[i]
            touched.clear()
            try:
                answer = pred(new(view_type, view))
            except (Exception, _Touched):
                if not touched:
                    raise
                answer = None
            if touched:  # raised, or caught by the property
                if learnt:
                    self._learn_more(prop, w, read, allowed)
                raise ModelError(touched[0], trace_of(w)) from None
            if len(remembered) >= _FACTS_LIMIT:
                remembered.clear()
            remembered[key] = (parts, answer)
            return answer

        return judged

    # -- the steps --------------------------------------------------------------------------

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """The steps of ``w`` to explore: a persistent, invisible subset when one exists
        and none of its successors closes a cycle, else all of them (all of them while it
        learns what the properties read)."""
        succs = self.model.actions(w)
        if not self.active:
            return succs
        if not self._weighing:
            try:
                return self._reduced(w, succs, False)
            except _GiveUp:
                return succs
        learning = self.learning
        try:
            kept = self._reduced(w, succs, learning)
        except _GiveUp:
            return succs
        self._expanded += 1
        self._all_steps += len(succs)
        self._kept_steps += len(kept)
        if learning:
            if self._expanded in (WEIGH, SAMPLE):
                self._weigh_learning()
            return succs
        if len(kept) < len(succs):
            kept_ids = {id(succ) for succ in kept}
            left = self._left
            for succ in succs:
                if id(succ) not in kept_ids:
                    left[succ[1]] = None
        if self._expanded == WEIGH:
            self._weigh()
        return kept

    def _weigh_learning(self) -> None:
        """While learning (every step expanded), after :data:`WEIGH` states and at the end
        of the sample: if it would have left out fewer than :data:`PAYS` of the steps, stop
        here (the states so far expanded every step, so the search goes on as the full
        one: nothing to start over). Else, at the end of the sample, reduce from here on
        (and weigh that, see :meth:`_weigh`)."""
        left_out = 1 - self._kept_steps / self._all_steps if self._all_steps else 0.0
        if left_out < PAYS:
            self.active = self._weighing = False
            self.note = (
                f"--por would leave out {left_out:.0%} of the steps of the first "
                f"{self._expanded:,} states, too few to pay for itself: every step was expanded"
            )
            self.on_switch()
        elif self._expanded == SAMPLE:
            self.learning = False
            self._start_weighing()
            self.on_switch()

    def _start_weighing(self) -> None:
        """Weigh the next :data:`WEIGH` states expanded (see :meth:`_weigh`)."""
        self._weighing = True
        self._expanded = self._all_steps = self._kept_steps = 0
        self._left = {}

    def _weigh(self) -> None:
        """After the first :data:`WEIGH` states it reduced: stop reducing if that saves too
        little to pay for itself, so that from there on every step is expanded and the
        properties are judged as they are (the search starts over, since it left states
        out). What it saves is the share of the steps it left out whose successors the
        search had not stored by another way (a state closes a cycle with itself exactly
        when it is stored): where the other orders reach the same states anyway (steps
        that commute but that no property sees, taken a little later), leaving the steps
        out saves a look-up each, not the states behind them."""
        self._weighing = False
        left, stored = self._left, self.closes_cycle
        self._left = {}
        left_out = 1 - self._kept_steps / self._all_steps if self._all_steps else 0.0
        reached = sum(1 for nxt in left if stored(nxt, nxt)) / len(left) if left else 0.0
        if left_out * (1 - reached) >= SAVES:
            return
        self.active = False
        self.note = (
            f"--por left out {left_out:.0%} of the steps of the first {self._expanded:,} states, "
            f"and the search reached {reached:.0%} of the states they lead to by other steps: "
            "too little to pay for itself: every step was expanded"
            if left
            else f"--por left out no step of the first {self._expanded:,} states: every step "
            "was expanded from there on"
        )
        if self._reduced_any:
            self.note += " (the search started over)"
            raise Restart
        self.on_switch()

    def _reduced(
        self, w: World, succs: list[tuple[Any, World]], learning: bool
    ) -> list[tuple[Any, World]]:
        """The persistent, invisible subset of ``succs`` (the steps of ``w``) to explore,
        or all of them."""
        if not self._inits_vetted:
            self._vet_inits()
        index, allowed, n = self.index, self.allowed, self.n
        visible, visible_fields, states = self.visible, self.visible_fields, w[0]
        chans, monitors, subs, byname = w[1], w[4], w[6], w[12]
        nodes: list[int] = []
        steps = [0] * n  # how many steps each node has
        active = 0
        seen = 0  # the nodes with a step that a property may see
        watchy = 0  # the nodes whose steps set monitors or subscribe
        faults = 0
        for choice, (label, nxt) in enumerate(succs):
            kind = label[0]
            if kind == "deliver":
                i = index.get(label[2])
                if i is None:
                    i = self._unit(label[2])
            elif kind == "signal" or kind == "timeout":
                i = index.get(label[1])
                if i is None:
                    i = self._unit(label[1])
            else:  # a fault: never in a reduced set (see the module's docstring)
                faults += 1
                nodes.append(-1)
                if kind == "restart":
                    restarted = self.on_node[self.model.node_index[label[1]]]
                    if allowed is not None:
                        self._held_to_talks_to(w, choice, label, nxt, restarted)
                    if nxt[12] is not byname:  # (its processes' init may send by name)
                        problem = self._byname_problem(nxt, restarted, byname)
                        if problem is not None:
                            self._refuse_with(w, choice, label, nxt, problem)
                continue
            if (
                (nxt[0][i] is DEAD and states[i] is not DEAD)  # (a name's dead holder: a drop)
                or nxt[5]
                or (nxt[11] is not w[11] and _grew(w[11], nxt[11]))
            ):
                self._refuse(w, choice, label, nxt, 1 << i)  # an exit, a link, a spawn...
            if allowed is not None and nxt[1] is not chans and self._facts(nxt[1])[1] >> i & 1:
                self._held_to_talks_to(w, choice, label, nxt, 1 << i)
            if nxt[12] is not byname and self._byname_problem(nxt, 1 << i, byname) is not None:
                self._refuse(w, choice, label, nxt, 1 << i)  # by name to a name not fixed
            if nxt[4] is not monitors or nxt[6] != subs:
                watchy |= 1 << i
            nodes.append(i)
            steps[i] += 1
            active |= 1 << i
            if not seen >> i & 1:
                # A step of a node some property reads is seen unless it leaves the
                # node's state equal: then it does so wherever it is taken (its inputs are
                # the same there). The same for the world's fields a property reads.
                if visible >> i & 1:
                    new, old = nxt[0][i], states[i]
                    if new is not old and new != old:
                        seen |= 1 << i
                for f in visible_fields:
                    new, old = nxt[f], w[f]
                    if new is not old and new != old:
                        seen |= 1 << i
                        break
        if not active or (not faults and not active & (active - 1)):
            return succs  # one node acts (or none), and no fault: nothing to leave out
        heads: tuple[int, ...] = ()
        if self.fifo:
            filled = self._facts(chans)[2]
            if byname:  # (see "Messages by name" in the module's docstring)
                _, by_name, heads = self._byname_facts(byname)
                filled |= by_name
            procs = w[11]
            if procs and procs.apart:  # a send across brings the connection up: signals
                nodes_n, on_node = self.nodes, self.on_node
                for a in range(nodes_n):
                    for b in range(a + 1, nodes_n):
                        if procs.apart >> (a * nodes_n + b) & 1:
                            filled &= ~self._between[a * nodes_n + b]
                            if subs & (on_node[a] | on_node[b]) and not self.model.named:
                                # nodeup to every subscriber on both nodes, not only to
                                # the process sent to: not followed, so every step
                                return succs
        else:
            filled = -1  # on the unordered network a message in flight shields nothing
        key = (active, filled, faults > 0, heads)
        closures = self._closures.get(key)
        if closures is None:
            closures = self._closures[key] = self._candidates(active, filled, faults > 0, heads)
        blocked = seen
        if self.any_faults:  # (a fault may also come within reach later: a drop, a restart)
            blocked |= self._hit(w, watchy | subs | self._watchers(monitors))
        best, size = 0, len(succs)
        for closed in closures:
            count = 0
            rest = closed
            while rest:
                count += steps[(rest & -rest).bit_length() - 1]
                rest &= rest - 1
            if count < size and not closed & blocked:
                best, size = closed, count
        if not best:
            return succs
        chosen = [succ for succ, i in zip(succs, nodes, strict=True) if i >= 0 and best >> i & 1]
        closes_cycle = self.closes_cycle
        for _, nxt in chosen:
            if closes_cycle(w, nxt):  # the cycle proviso
                return succs
        if not learning:
            self._reduced_any = True
        return chosen

    def _unit(self, address: Any) -> int:
        """The slot of the process a label names (a pid of a later incarnation: the same
        boot slot), remembered."""
        if type(address) is not Pid:  # a message by name to a name no process held at boot
            problem = _unheld(*address)
            self._unsupported(problem)
            raise ModelError(problem)
        slot = self.index[Pid(address.node, address.serial)]
        self.index[address] = slot
        return slot

    def _facts(self, chans: Any) -> tuple[Any, int, int]:
        """What the reduction needs of a world's channels, remembered per channels part
        (worlds share them): (the part, the nodes with a channel out that ``talks_to()``
        does not allow, a bit per non-empty channel ``m * n + k``)."""
        facts = self._chans_facts.get(id(chans))
        if facts is not None and facts[0] is chans:
            return facts
        if len(self._chans_facts) >= _FACTS_LIMIT:
            self._chans_facts.clear()
        allowed, n = self.allowed, self.n
        outside = filled = 0
        for k, _ in chans:
            src = k >> SHIFT
            filled |= 1 << (src * n + (k & MASK))
            if allowed is not None and k not in allowed:
                outside |= 1 << src
        facts = self._chans_facts[id(chans)] = (chans, outside, filled)
        return facts

    def _byname_facts(self, byname: Any) -> tuple[Any, int, tuple[int, ...]]:
        """What the closure needs of a world's channels by name (FIFO network), remembered
        per part: (the part, a bit ``m * n + k`` for every process ``k`` on a node that a
        channel by name from ``m`` into it is not empty, per node the processes that hold
        the name of the first message of a channel by name into it). See "Messages by
        name" in the module's docstring."""
        facts = self._byname_memo.get(id(byname))
        if facts is not None and facts[0] is byname:
            return facts
        if len(self._byname_memo) >= _FACTS_LIMIT:
            self._byname_memo.clear()
        n, on_node, holders = self.n, self.on_node, self.holders
        filled = 0
        heads = [0] * self.nodes
        for kb, entries in byname:
            if not entries:
                continue
            m, node = kb >> SHIFT, kb & MASK
            rest = on_node[node]
            while rest:
                k = (rest & -rest).bit_length() - 1
                rest &= rest - 1
                filled |= 1 << (m * n + k)
            holder = holders.get((entries[0][0], node))
            # (a name not registered at boot is refused where it is sent: every process
            # on the node, should one get here)
            heads[node] |= on_node[node] if holder is None else 1 << holder
        facts = self._byname_memo[id(byname)] = (byname, filled, tuple(heads))
        return facts

    # -- for shards (:mod:`modelcheck.explore.shard`) ---------------------------------------

    @property
    def sampled(self) -> bool:
        """Whether it is past its sample and its weighing (or not reducing): from here on,
        which steps it expands at a state depends on the state and the cycle proviso only."""
        return not self.active or not (self.learning or self._weighing)

    def persistent(self, w: World) -> tuple[list[tuple[Any, World]], list[tuple[Any, World]]]:
        """Past the sample: (every step of ``w``, the steps to expand before the cycle
        proviso, which a shard asks of the successors' owners: ``succs`` itself when
        nothing is left out)."""
        succs = self.model.actions(w)
        if not self.active:
            return succs, succs
        answer = self.closes_cycle
        self.closes_cycle = _never
        try:
            return succs, self._reduced(w, succs, True)  # (True: not counted as reduced)
        finally:
            self.closes_cycle = answer

    def learnt(self) -> tuple[Any, ...]:
        """What it has learnt, for a shard built in another process (:meth:`take`)."""
        return (self.active, self.learning, self._weighing, self.note, dict(self.found))

    def take(self, learnt: tuple[Any, ...]) -> None:
        """Go on from what another copy learnt (:meth:`learnt`)."""
        self.active, self.learning, self._weighing, self.note, found = learnt
        self.found = dict(found)
        self._see()

    def note_reduced(self) -> None:
        """A shard left a step out somewhere (for :meth:`summary`)."""
        self._reduced_any = True

    def learn(self, name: str, nodes: int, fields: int) -> None:
        """``name`` was found to read the nodes and world fields of these masks (too): the
        search starts over with the larger set (a shard's find, taken by its driver)."""
        old_nodes, old_fields = self.found[name]
        self.found[name] = (old_nodes | nodes, old_fields | fields)
        self._see()
        self._restarts.append(name)
        self._reduced_any = False
        self._start_weighing()  # the search starts over: weigh it afresh

    def _watchers(self, monitors: frozenset[tuple[int, int, int]]) -> int:
        """The nodes that hold a monitor (a world's monitors: watcher, target, reference)."""
        found = 0
        for watcher, *_ in monitors:
            found |= 1 << watcher
        return found

    def _hit(self, w: World, watchy: int) -> int:
        """The nodes that a fault still within its budget may touch, at ``w`` or after
        steps of other nodes: whose state, timers, inputs or sends it may change, or whose
        steps it may enable or disable (see the module's docstring). ``watchy``: the nodes
        that hold monitors or subscriptions, or set them in their steps at ``w``."""
        used, budget, n, nodes, on_node = w[10], self.budget, self.n, self.nodes, self.on_node
        everyone = (1 << n) - 1
        left = [u < b for u, b in zip(used, budget, strict=True)]
        if left[PARTITIONS] or left[DROPS] or left[DUPLICATES]:
            return everyone
        hit = 0
        cut = w.cut
        if left[CUTS]:
            for a in range(nodes):
                for b in range(a + 1, nodes):
                    if not cut >> (a * nodes + b) & 1:
                        hit |= on_node[a] | on_node[b]
        if (left[HEALS] or left[MENDS]) and cut:
            for a in range(nodes):
                for b in range(a + 1, nodes):
                    if cut >> (a * nodes + b) & 1:
                        hit |= on_node[a] | on_node[b]
        if left[RESTARTS]:
            for x in range(nodes):
                hit |= self._around[x]
            hit |= watchy
        if left[CRASHES]:
            crashable = self.model._crashable & ~w.down
            for x in range(nodes):
                if crashable >> x & 1:
                    hit |= self._around[x] | watchy
        if left[KILLS]:
            states = w[0]
            for x in range(n):
                if states[x] is not DEAD:
                    hit |= 1 << x | watchy
        return hit

    def summary(self) -> tuple[str, ...]:
        """The lines for the result's warnings: why it expanded every step (or from when),
        and whether it started the search over, and why; none when it simply reduced."""
        lines = []
        if self._restarts:
            names = ", ".join(dict.fromkeys(self._restarts))
            times = len(self._restarts)
            lines.append(
                f"--por started the search over {times} time{'s' if times > 1 else ''}: "
                f"{names} read more of the world than in the states it had learnt from"
            )
        if self.note is not None:
            lines.append(self.note)
        elif self.learning:
            lines.append(
                f"--por reduced nothing: the search ended within the first {SAMPLE:,} states, "
                "which it expands in full to learn what properties without reads= read "
                f"({self.learns})"
            )
        elif not self._reduced_any:
            lines.append(
                "--por reduced nothing: at no state could it leave a step out (one node acts "
                "at a time, or another may send first, or a property sees the steps, or a "
                "fault may touch them)"
            )
        return tuple(lines)

    def _candidates(
        self, active: int, filled: int, faults: bool, heads: tuple[int, ...] = ()
    ) -> tuple[int, ...]:
        """The distinct closures of the active nodes, seeded in node order (all of them
        too, when there are faults to leave out)."""
        found: list[int] = []
        rest = active
        while rest:
            seed = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            closed = self._closure(seed, active, filled, heads)
            if (closed != active or faults) and closed not in found:
                found.append(closed)
        return tuple(found)

    def _closure(self, seed: int, active: int, filled: int, heads: tuple[int, ...] = ()) -> int:
        """The smallest set of nodes holding ``seed`` that no node outside it can reach
        with a new message at the head of a channel before one of its own steps
        (``filled``: a bit per non-empty channel, by pid or by name; -1 on the unordered
        network), and that holds, with a process, the receivers of the first messages of
        the channels by name into its node (``heads``: per node; see "Messages by name")."""
        out, into, n, node_of = self.out, self.into, self.n, self.node_of
        closed = 1 << seed
        while True:
            # The nodes outside that may act before any node inside does: those with a
            # step, and those they (transitively) may send to, or let a message by name
            # (or one by pid waiting for it) through by taking the one ahead of it.
            may_act = active & ~closed
            frontier = may_act
            while frontier:
                m = (frontier & -frontier).bit_length() - 1
                frontier &= frontier - 1
                more = out[m]
                if heads and heads[node_of[m]] >> m & 1:
                    more |= self.on_node[node_of[m]]
                more &= ~closed & ~may_act
                may_act |= more
                frontier |= more
            grow = 0
            inside = closed
            while inside:
                k = (inside & -inside).bit_length() - 1
                inside &= inside - 1
                if heads:
                    grow |= heads[node_of[k]] & ~closed
                senders = into[k] & may_act
                while senders:
                    m = (senders & -senders).bit_length() - 1
                    senders &= senders - 1
                    if filled < 0 or not filled >> (m * n + k) & 1:
                        grow |= 1 << m
            if not grow:
                return closed
            closed |= grow

    def _vet_inits(self) -> None:
        """Hold the initial states to what the reduction assumes (see :meth:`_refuse`)."""
        self._inits_vetted = True
        for choice, w in enumerate(self.model.init_states()):
            if not choice and w.procs:
                self._boot_names = w.procs.names  # registered as they boot: kept
                self._boot_serials = w.procs.serials
            problem = self._problem(w)
            if problem is not None:
                self._unsupported(problem)
                raise ModelError(problem, Trace((Step(choice, None, w),)))

    def _problem(
        self,
        w: World,
        units: int = -1,
        before: Any = (),
        before_chans: Any = (),
        before_byname: Any = (),
    ) -> str | None:
        """What in ``w`` the reduction does not support (of what the processes ``units``
        did, when given, from a world whose processes' table was ``before``): a message
        ``talks_to()`` does not allow, an exited process, a link, a spawned process or a
        name registered after boot, a connection dropped, a message by name to a name not
        registered at boot; or None."""
        if self.allowed is not None:
            for k, msgs in w.chans:
                if k not in self.allowed and (
                    units == -1 or (units >> (k >> SHIFT) & 1 and msgs != get(before_chans, k, ()))
                ):
                    return self._undeclared(k >> SHIFT, k & MASK)
        for i, state in enumerate(w[0]):
            if state is DEAD and units >> i & 1:
                return (
                    "partial-order reduction does not support processes that exit, and "
                    f"{self.who[i]} exits here (out.stop, out.kill or an exit signal): "
                    "run without --por"
                )
        procs = w.procs
        if w.links:
            return "partial-order reduction does not support links (out.link): run without --por"
        names = self._boot_names if units == -1 else before.names if before else ()
        serials = self._boot_serials if units == -1 else before.serials if before else ()
        if procs and (procs.spawned or procs.serials != serials or procs.names != names):
            return (
                "partial-order reduction does not support spawned processes or names "
                "registered after boot (out.spawn, out.register): run without --por"
            )
        if procs and procs.apart & ~(before.apart if before else 0):
            return (
                "partial-order reduction does not support disconnecting nodes "
                "(out.disconnect): run without --por"
            )
        return self._byname_problem(w, units, before_byname)

    def _byname_problem(self, w: World, units: int, before: Any) -> str | None:
        """What in ``w``'s channels by name from the processes ``units`` (-1: all), where
        they differ from ``before``, the reduction does not support: a channel to a node
        ``talks_to()`` does not let the sender's node send to, a message to a name not
        registered as a process booted there (its receiver is not fixed); or None."""
        names = self.model.node_names
        for kb, entries in w[12]:
            src, node = kb >> SHIFT, kb & MASK
            if not units >> src & 1 or (units != -1 and entries == get(before, kb, ())):
                continue
            if self.allowed is not None and not self.out_node[self.node_of[src]] >> node & 1:
                return self._undeclared_node(src, node)
            for name, _, _ in entries:
                if (name, node) not in self.holders:
                    return _unheld(name, names[node])
        return None

    def _undeclared(self, src: int, dst: int) -> str:
        return self._undeclared_node(src, self.node_of[dst])

    def _undeclared_node(self, src: int, node: int) -> str:
        names, model = self.model.node_names, self.model
        a = self.node_of[src]
        may = [names[j] for j in range(self.nodes) if j != a and self.out_node[a] >> j & 1]
        return (
            f"{names[a]} sent to {names[node]}, but {model.name}{_UNDECLARED}"
            f"{names[a]} may send to: {', '.join(may) or 'nobody'})"
        )

    def _held_to_talks_to(self, w: World, choice: int, label: Any, nxt: World, units: int) -> None:
        """Refuse a step after which one of the processes ``units`` has a message in flight
        that ``talks_to()`` does not allow, and that it sent in the step (a kill's ``DOWN``
        to a monitor, sent by the fault, is not held to it)."""
        allowed = self.allowed
        assert allowed is not None
        for k, msgs in nxt[1]:
            if units >> (k >> SHIFT) & 1 and k not in allowed and msgs != get(w[1], k, ()):
                self._refuse(w, choice, label, nxt, units)

    def _refuse(self, w: World, choice: int, label: Any, nxt: World, units: int) -> NoReturn:
        """Raise what the step ``w -> nxt`` of the processes ``units`` does that the
        reduction does not support, with the trace through it (the model is held to what
        the reduction assumes: every world the search computes is looked at)."""
        problem = self._problem(nxt, units, w.procs, w.chans, w.byname)
        assert problem is not None
        self._refuse_with(w, choice, label, nxt, problem)

    def _refuse_with(self, w: World, choice: int, label: Any, nxt: World, problem: str) -> NoReturn:
        """Raise ``problem`` (found in the step ``w -> nxt``) with the trace through it; in a
        ``cluster()`` system stop reducing instead (:meth:`_unsupported`)."""
        self._unsupported(problem)
        trace = self.trace_of(w)
        raise ModelError(problem, None if trace is None else trace.extend(choice, label, nxt))

    def _unsupported(self, problem: str) -> None:
        """In a ``cluster()`` system, what the reduction does not support makes it stop
        (starting the search over if it had left steps out) rather than refuse: the OTP
        behaviours a cluster runs (gen_server calls, supervisors, pg, :global) spawn,
        link and register as a matter of course. A talks_to() the model breaks is still
        a model error."""
        if self.model.named or _UNDECLARED in problem:
            return
        if self.deferred:  # a shard: its driver stops the reduction, in the search's order
            raise GaveUp(problem)
        self.give_up(problem)
        raise _GiveUp

    def give_up(self, problem: str) -> None:
        """Stop reducing: the search met a step the reduction does not support
        (:meth:`_unsupported`; ``problem`` says which). If it had left steps out, the search
        starts over (:class:`Restart`)."""
        self.active = self._weighing = False
        self.note = f"--por expanded every step: {problem.removesuffix(': run without --por')}"
        if self._reduced_any:
            self.note += " (the search started over)"
            raise Restart
        self.on_switch()


def _unheld(name: Any, node: str) -> str:
    """Why a message by name to ``name`` on ``node``, which no process held at boot, stops
    the reduction: its receiver is not fixed."""
    return (
        "partial-order reduction does not support sends by name to a name "
        f"not registered as a process boots ({name!r} on {node}: "
        "out.send((name, node), ...)): run without --por"
    )
