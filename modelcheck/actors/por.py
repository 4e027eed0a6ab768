"""Partial-order reduction for actor systems: expand a persistent subset of the steps.

Steps of different nodes often commute: ``a`` handles a message while ``b`` fires a timer,
and either order ends in the same world. ``check(model, por=True)`` explores, at each
state, only the steps of a set ``K`` of nodes (a stubborn set over the nodes) when that
provably loses no verdict of the model's ``always`` and ``sometimes`` properties (nor a
deadlock). The counts are those of the reduced graph; every trace is still a run of the
model, replayed, though not always a shortest one.

Applies to (otherwise refused, or falling back to every step):

- an :class:`~modelcheck.actors.ActorSystem` that does not override ``actions()``, without
  liveness properties (refused otherwise), with one process per node (``actors()``; a
  ``cluster()`` system falls back to every step: the argument below is about nodes, and
  treating a node's processes together is left for later);
- without fault budgets (crashes, restarts, partitions, cuts, heals, drops, duplicates):
  with any, every step is expanded (:func:`fallback_reason` says why), since a fault
  touches every node and spends a budget the other faults share;
- where no process exits, nobody links, spawns or registers (``out.stop``, ``out.kill``,
  ``out.link``, ``out.spawn``, ``out.register``), and nobody sends to a name on another
  node (a message by name may open a new channel into a node behind a full one, which
  the closure below does not follow): found while searching, that is a model error with
  the trace that reached it (run without ``por``);
- when every safety property declares the nodes it reads (``@always(reads=...)``,
  :attr:`~modelcheck.Property.reads`); while one does not, every step is expanded.

Whenever it expands every step, the result says why in one line (a warning). And it
weighs itself: over the first :data:`SAMPLE` states, if it left out fewer than
:data:`PAYS` of the steps, the cost of choosing the sets would outweigh what they save,
so it expands every step from there on and says so (sound: any state may expand every
step; the properties are still judged on their views, since earlier states were reduced).

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

Why it is sound. Fault-free and with no exits or links, a step belongs to one node ``k``
(a delivery to ``k``, a signal to ``k``, a timer of ``k``): it runs ``k``'s handler on
``k``'s state and its input (the head of one channel into ``k``, a signal, a timer) and
changes only ``k``'s state, timers, monitors and subscription, pops that input and appends
to channels out of ``k`` (every node is up: a send always lands in its channel). Steps of
two nodes commute: their states, timers, monitors and subscriptions are apart, and they
share at most a channel one appends to and the other pops from the head, which is
non-empty if the pop is possible. A handler is a function of its inputs, so a step has the
same effect wherever its node's state and input are the same.

At a state ``s``, for a seed node, ``K`` is closed under: if a node ``m`` outside ``K``
may act before any node of ``K`` does (it has a step, or a node that may act may send to
it), and may send to a node ``k`` in ``K`` (``talks_to``), and the channel ``m -> k`` is
empty (on the unordered network: at all), then ``m`` is in ``K``. Then on every path from
``s`` made of steps of nodes outside ``K``, no step of ``K`` is enabled or disabled (only
``k`` pops its channels and sets its timers; no one can put a message at the head of an
empty channel into ``K``), and each of ``K``'s steps commutes with every step of the path:
the steps of ``K`` enabled at ``s`` form a persistent set. Of the seeds, the one with the
fewest steps is taken (the first in node order on a tie), if it leaves any step out.

Visibility: a reduced set may hold only steps that no property can see: a step of a node
that no property reads, or one that leaves its node's state equal (it does so wherever it
is taken, its inputs being the same). Properties are judged on the view above, on which a
step of ``K`` changes nothing, so "this property fails here" (or "touches what it may not
read") is the same before and after it. Cycles: if a step of the reduced set leads to a
state expanded already (breadth-first: one numbered no later than this one; depth-first
and the fingerprint store: one stored), every step is expanded. On a cycle of the reduced
graph, the state expanded last sees its successor on the cycle expanded already (or is
it), so every cycle has a fully expanded state.

Take a path of the full graph from a state ``c`` of the reduced graph to a state where a
property fails (or holds, for ``sometimes``), or ending in a step the reduction refuses
(an exit, a link, a send outside ``talks_to``), the first such. If ``c`` is fully
expanded, its first step is in the reduced graph. Otherwise, if the path has a step of
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
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from modelcheck.errors import ModelError, UsageError
from modelcheck.properties import ALWAYS, SOMETIMES, Property
from modelcheck.trace import Step, Trace, call_model

from .system import BUDGETS, DEAD, ActorSystem, World
from .world import MASK, SHIFT

__all__ = ["PartialOrder", "expands_everything", "fallback_reason"]

#: The states after which the reduction weighs what it left out (see ``PartialOrder.note``).
SAMPLE = 2048
#: Below this share of the steps left out over the sample, it stops reducing: what it
#: costs a state (the persistent sets, the views) would outweigh the states it saves.
PAYS = 0.4

#: World fields a property with ``reads`` may read besides its nodes' states: in a
#: fault-free run where no process exits and nobody links, no step changes them.
_STABLE_FIELDS = frozenset({"links", "down", "cut", "durable", "used", "procs"})
# Fields read by position on the hot path.
assert World._fields[1:3] == ("chans", "sysq") and World._fields[5] == "links"

#: How the other fields are named in errors.
_FIELD_WORDS = {
    "chans": "the messages in flight",
    "sysq": "the runtime signals waiting",
    "timers": "the timers",
    "monitors": "the monitors",
    "subs": "the node subscriptions",
}


def fallback_reason(model: ActorSystem) -> str | None:
    """Why ``por=True`` expands every step of ``model`` (its fault budgets), or None.

    >>> from modelcheck.actors import Actor
    >>> class Two(ActorSystem):
    ...     def actors(self):
    ...         return {"a": Actor(), "b": Actor()}
    >>> fallback_reason(Two()), fallback_reason(Two(crashes=1, drops=2))
    (None, 'faults: crashes=1, drops=2')
    """
    budgets = [f"{b}={model.params[b]}" for b in BUDGETS if model.params[b]]
    if budgets:
        return f"faults: {', '.join(budgets)}"
    if not model.named:
        return "processes on nodes (cluster()): the reduction treats one process per node"
    return None


def expands_everything(model: ActorSystem) -> str | None:
    """Why ``por=True`` would expand every step of ``model`` (its fault budgets, or safety
    properties that do not declare ``reads``), or None when it may reduce."""
    why = fallback_reason(model)
    if why is None:
        undeclared = [
            p.name for p in model.properties() if p.kind in (ALWAYS, SOMETIMES) and p.reads is None
        ]
        why = _no_reads(undeclared) if undeclared else None
    return why


def _no_reads(names: list[str]) -> str:
    return f"properties without reads: {', '.join(names)}"


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
    _watch: _Watch

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


class PartialOrder:
    """The reduction for one search: :meth:`actions` replaces ``model.actions`` and
    :meth:`predicate` each safety property's predicate.

    ``closes_cycle(state, succ)`` says whether a step may close a cycle of the reduced
    graph: ``succ`` was expanded before ``state`` (or is ``state``), or, where the search
    cannot tell, is stored at all (the cycle proviso). ``trace_of(state)`` gives the trace
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
        self.n = n = len(names)
        self.index: dict[str, int] = dict(model.node_index)
        self.fifo = model.network == "fifo"
        self.why_not = fallback_reason(model)
        self.out, self.allowed = self._topology()
        self.into = [
            sum(1 << m for m in range(n) if m != k and self.out[m] >> k & 1) for k in range(n)
        ]
        self.reads: dict[str, int] = {}
        visible = 0
        undeclared = []
        for prop in properties:
            if prop.kind not in (ALWAYS, SOMETIMES):
                continue
            if prop.reads is None:
                undeclared.append(prop.name)
                continue
            mask = 0
            for node in prop.reads:
                if node not in self.index:
                    raise ModelError(
                        f"property '{prop.name}' reads unknown node {node!r} "
                        f"(nodes: {', '.join(names)})"
                    )
                mask |= 1 << self.index[node]
            self.reads[prop.name] = mask
            visible |= mask
        #: Nodes some property reads: their steps are visible unless they leave the state.
        self.visible = visible
        if self.why_not is None and undeclared:
            self.why_not = _no_reads(undeclared)
        #: Whether this search reduces (at all, or still: see ``note``).
        self.reduce = self.why_not is None
        #: One line on what the reduction did not do, for the result's warnings, or None.
        self.note: str | None = None
        if self.why_not is not None:
            self.note = f"--por reduced nothing ({self.why_not}): every step was expanded"
        self._closures: dict[tuple[int, int], tuple[int, ...]] = {}
        self._inits_vetted = False
        self._reduced_any = False  # whether some state left a step out
        self._expanded = 0  # states expanded, while sampling
        self._all_steps = 0  # and their steps
        self._kept_steps = 0  # and the steps kept

    def _topology(self) -> tuple[list[int], frozenset[int] | None]:
        """Each node's out-neighbours as a bitmask, and the allowed channels (None: all)."""
        model, n = self.model, self.n
        declared = call_model(model.talks_to, "talks_to()")
        if declared is None:
            return [(1 << n) - 1] * n, None
        names = model.node_names
        out = [1 << i for i in range(n)]  # a node may always send to itself
        for src, dsts in declared.items():
            if src not in self.index:
                raise ModelError(
                    f"{model.name}.talks_to() names unknown node {src!r} "
                    f"(nodes: {', '.join(names)})"
                )
            for dst in (dsts,) if isinstance(dsts, str) else dsts:
                if dst not in self.index:
                    raise ModelError(
                        f"{model.name}.talks_to() lets {src} send to unknown node {dst!r} "
                        f"(nodes: {', '.join(names)})"
                    )
                out[self.index[src]] |= 1 << self.index[dst]
        allowed = frozenset(m << SHIFT | j for m in range(n) for j in range(n) if out[m] >> j & 1)
        return out, allowed

    # -- the properties ---------------------------------------------------------------------

    def predicate(self, prop: Property) -> Callable[[Any], Any]:
        """``prop``'s predicate as the reduced search must judge it: on a view of the world
        holding only what its ``reads`` declares (unchanged when nothing is reduced).

        The view's tuples (the world, its node states) hand out only what the property may
        read: fetching anything else (another node's state, the messages in flight...) in
        any way is a model error, even where the property would only have compared it by
        identity (``is``), asked its type or caught the error. So the answer is a function
        of the declared nodes' states and the stable fields alone, which steps of other
        nodes do not change: the reduction keeps every verdict of it, and it is the
        property's own answer on the real world."""
        pred = prop.predicate
        if not self.reduce or prop.reads is None:
            return pred
        names, read = self.model.node_names, self.reads[prop.name]
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
        keep = [i for i, field in enumerate(fields) if field in _STABLE_FIELDS]
        allowed = sum(1 << i for i in [0, *keep])  # the states (watched), the stable fields
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

        def judged(w: World) -> Any:
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
            if touched:  # raised, or caught by the property: a model error either way
                raise ModelError(touched[0], trace_of(w)) from None
            return answer

        return judged

    # -- the steps --------------------------------------------------------------------------

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """The steps of ``w`` to explore: a persistent, invisible subset when one exists
        and none of its successors closes a cycle, else all of them."""
        succs = self.model.actions(w)
        if not self.reduce:
            return succs
        if self._expanded < SAMPLE:
            kept = self._reduced(w, succs)
            self._expanded += 1
            self._all_steps += len(succs)
            self._kept_steps += len(kept)
            if self._expanded == SAMPLE:
                self._weigh()
            return kept
        return self._reduced(w, succs)

    def _weigh(self) -> None:
        """At the end of the sample: stop reducing if it left out too few steps to pay
        for itself (sound: a state may always expand every step; the properties are still
        held to their reads)."""
        left_out = 1 - self._kept_steps / self._all_steps if self._all_steps else 0.0
        if left_out < PAYS:
            self.reduce = False
            self.note = (
                f"--por left out {left_out:.0%} of the steps of the first {SAMPLE:,} states, "
                "too few to pay for itself: every step was expanded from there on"
            )

    def _reduced(self, w: World, succs: list[tuple[Any, World]]) -> list[tuple[Any, World]]:
        """The persistent, invisible subset of ``succs`` (the steps of ``w``) to explore,
        or all of them."""
        if not self._inits_vetted:
            self._vet_inits()
        index, allowed, n = self.index, self.allowed, self.n
        visible, states = self.visible, w[0]
        nodes: list[int] = []
        steps = [0] * n  # how many steps each node has
        active = 0
        seen = 0  # the nodes with a step that a property may see
        for choice, (label, nxt) in enumerate(succs):
            kind = label[0]
            if kind == "deliver":
                i = index[label[2]]
            elif kind == "signal" or kind == "timeout":
                i = index[label[1]]
            else:  # not one node's step (a fault): never here, since faults fall back
                return succs
            # Only the node that acts can exit, link or send (fault-free).
            # exit, links, signals, spawn, messages by name
            if nxt[0][i] is DEAD or nxt[5] or nxt[2] or nxt[11] or nxt[12]:
                self._refuse(w, choice, label, nxt)
            if allowed is not None:
                for k, _ in nxt[1]:
                    if k not in allowed:
                        self._refuse(w, choice, label, nxt)
            nodes.append(i)
            steps[i] += 1
            active |= 1 << i
            if visible >> i & 1 and not seen >> i & 1:
                # A step of a node some property reads is seen unless it leaves the
                # node's state equal: then it does so wherever it is taken (its inputs are
                # the same there), and properties see nothing else of the world.
                new, old = nxt[0][i], states[i]
                if new is not old and new != old:
                    seen |= 1 << i
        if not active & (active - 1):  # one node acts (or none): nothing to leave out
            return succs
        if self.fifo:
            filled = 0
            for k, _ in w.chans:
                filled |= 1 << ((k >> SHIFT) * n + (k & MASK))
        else:
            filled = -1  # on the unordered network a message in flight shields nothing
        key = (active, filled)
        closures = self._closures.get(key)
        if closures is None:
            closures = self._closures[key] = self._candidates(active, filled)
        best, size = 0, len(succs)
        for closed in closures:
            count = 0
            rest = closed
            while rest:
                count += steps[(rest & -rest).bit_length() - 1]
                rest &= rest - 1
            if count < size and not closed & seen:
                best, size = closed, count
        if not best:
            return succs
        chosen = [succ for succ, i in zip(succs, nodes, strict=True) if best >> i & 1]
        closes_cycle = self.closes_cycle
        for _, nxt in chosen:
            if closes_cycle(w, nxt):  # the cycle proviso
                return succs
        self._reduced_any = True
        return chosen

    def summary(self) -> str | None:
        """The one line for the result's warnings: why it expanded every step (faults,
        properties without reads; or at no state could some nodes' steps safely go first;
        or from the end of the sample on), or None when it reduced."""
        if self.note is None and not self._reduced_any:
            return (
                "--por reduced nothing: at no state could it leave a step out (one node acts "
                "at a time, or another may send first, or a property sees the steps)"
            )
        return self.note

    def _candidates(self, active: int, filled: int) -> tuple[int, ...]:
        """The distinct closures of the active nodes, seeded in node order."""
        found: list[int] = []
        rest = active
        while rest:
            seed = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            closed = self._closure(seed, active, filled)
            if closed != active and closed not in found:
                found.append(closed)
        return tuple(found)

    def _closure(self, seed: int, active: int, filled: int) -> int:
        """The smallest set of nodes holding ``seed`` that no node outside it can reach
        with a new message at the head of a channel before one of its own steps
        (``filled``: a bit per non-empty channel; -1 on the unordered network)."""
        out, into, n = self.out, self.into, self.n
        closed = 1 << seed
        while True:
            # The nodes outside that may act before any node inside does: those with a
            # step, and those they (transitively) may send to.
            may_act = active & ~closed
            frontier = may_act
            while frontier:
                m = (frontier & -frontier).bit_length() - 1
                frontier &= frontier - 1
                more = out[m] & ~closed & ~may_act
                may_act |= more
                frontier |= more
            grow = 0
            inside = closed
            while inside:
                k = (inside & -inside).bit_length() - 1
                inside &= inside - 1
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
            problem = self._problem(w)
            if problem is not None:
                raise ModelError(problem, Trace((Step(choice, None, w),)))

    def _problem(self, w: World, node: int | None = None) -> str | None:
        """What in ``w`` the reduction does not support: a message ``talks_to()`` does
        not allow, an exited process, a link, a runtime signal; or None."""
        if self.allowed is not None:
            for k, _ in w.chans:
                if k not in self.allowed:
                    return self._undeclared(k >> SHIFT, k & MASK)
        names = self.model.node_names
        for i, state in enumerate(w[0]):
            if state is DEAD:
                return (
                    "partial-order reduction does not support processes that exit, and "
                    f"{names[i]}'s process exits here (out.stop, out.kill or an exit signal): "
                    "run without --por"
                )
        if w.procs and w.procs.apart:
            return (
                "partial-order reduction does not support disconnecting nodes "
                "(out.disconnect): run without --por"
            )
        if w.links:
            return "partial-order reduction does not support links (out.link): run without --por"
        if w.sysq:
            return "partial-order reduction does not support runtime signals: run without --por"
        if w.procs:
            return (
                "partial-order reduction does not support spawned or registered processes "
                "(out.spawn, out.register): run without --por"
            )
        if w.byname:
            return (
                "partial-order reduction does not support sends to a name on another node "
                "(out.send((name, node), ...)): run without --por"
            )
        return None

    def _undeclared(self, src: int, dst: int) -> str:
        names, model = self.model.node_names, self.model
        may = [names[j] for j in range(self.n) if j != src and self.out[src] >> j & 1]
        return (
            f"{names[src]} sent to {names[dst]}, but {model.name}.talks_to() does not let it "
            f"({names[src]} may send to: {', '.join(may) or 'nobody'})"
        )

    def _refuse(self, w: World, choice: int, label: Any, nxt: World) -> NoReturn:
        """Raise what the step ``w -> nxt`` does that the reduction does not support, with
        the trace through it (the model is held to what the reduction assumes: every world
        the search computes is looked at)."""
        problem = self._problem(nxt)
        assert problem is not None
        trace = self.trace_of(w)
        raise ModelError(problem, None if trace is None else trace.extend(choice, label, nxt))
