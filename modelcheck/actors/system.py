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

Handlers are functions of what they are given (see :class:`~modelcheck.actors.Actor`), and
the framework relies on it for speed: each delivery and timeout runs its handler once per
distinct input (node, state, sender and message, or timer) and remembers the result, and a
step that only sends and sets or cancels timers is then applied by a few table look-ups
over parts of the world (node states, channels, timers) that worlds share
(``ActorSystem.actions``). Two-phase commit as actors, 162,074 states, costs about
1.3 us per generated state, 2.1x to 2.4x the hand-packed transition system TwoPhase, where
it took 3.9 us (6.5x) through the general machinery alone (``benchmarks/actors.py``).

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
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import networkx as nx

from modelcheck.errors import ModelError
from modelcheck.model import Model
from modelcheck.params import Param
from modelcheck.values import to_plain

from .actor import (
    EXIT,
    KILL_REASON,
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
    Boot,
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

    def nodes(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        """The nodes, by name, in a fixed order, each with the processes it boots (and
        boots again, with a new incarnation, when it restarts), in order: an
        :class:`Actor`, or a :class:`Boot` to register it under a name as it starts. The
        first boot process of a node is the one a node's name addresses.

        Handlers of a system declared this way get :class:`Pid` values as ``me``,
        ``sender`` and ``who``. By default, the nodes of :meth:`actors`.
        """
        return {name: (actor,) for name, actor in self.actors().items()}

    def actors(self) -> Mapping[str, Actor[Any]]:
        """The nodes, by name, in a fixed order, each with its one process's behaviour: the
        simplest system (one process per node), whose handlers see node names as ``me``,
        ``sender`` and ``who``. Define this or :meth:`nodes`."""
        raise NotImplementedError(f"{type(self).__name__} must define actors() or nodes()")

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        """Who may send to whom: each node's name mapped to the nodes it may send messages
        to or kill (a node may always send to itself; a node left out sends to nobody).

        None, the default, lets every node send to every node. Partial-order reduction
        (``check(model, por=True)``, see :mod:`modelcheck.actors.por`) relies on it and
        checks it: there, a message from a node to one it does not list is a model error.
        """
        return None

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
        # What each handler did, by everything it can observe (see actions).
        self._memo_deliveries: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._memo_timeouts: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._memo_parts: dict[Any, Any] = {}
        self._memo_ids: set[int] = set()
        self._memo_tables: dict[tuple[Any, ...], dict[Any, Any]] = {}
        self._memo_live: dict[int, dict[str, Any]] = {}
        self._memo_count = 0

    def __getstate__(self) -> dict[str, Any]:
        """A copy (``copy``, ``pickle``) starts the fast path's memory afresh: it is keyed
        by the ids of objects that a deep copy would not share."""
        state = dict(self.__dict__)
        for name in _MEMOS:
            state[name] = type(state[name])()
        state["_memo_count"] = 0
        return state

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

    # -- the fast path --------------------------------------------------------------------

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """``_actions(w, None)``: the same steps, in the same order, with the same
        successors, most of them built without the general effect machinery.

        A handler is a function of what it is given (``me``, its state, the sender and
        message, or the timer), so each delivery and timeout runs its handler once per
        distinct input and remembers what it did as a :class:`_Step`, keyed by those values
        and the types of the message, timer and state (equal values of two types, say two
        NamedTuple messages with the same fields, stay apart). A step whose handler only
        sends and sets or cancels timers, none of it to a node it cannot reach, changes
        three parts of the world: the node states, the channels, the timers. What such an
        effect makes of a part is remembered per part (by its id), in a table shared by
        the steps with that effect. Parts are shared: a new part is replaced by an equal
        one made before (equal, with the same types at the top level), so the tables meet
        the same few parts again and again and the worlds share them. Signals, faults and
        steps with any other effect go through the general machinery, the last from the
        remembered result (the handler is not run again).
        """
        if self._memo_count > _MEMO_LIMIT:
            self._forget()
        states, chans, sysq, timers = w[0], w[1], w[2], w[3]
        tail = w[4:]
        ids, idc, idt = id(states), id(chans), id(timers)
        new_states: Any
        new_chans: Any
        new_timers: Any
        out = list(self._signal_steps(w, None)) if sysq else []
        append = out.append
        fifo, n = self.fifo, self.n
        # With a node down, a link cut or a process dead, a message may be lost: a step
        # that sends to one of those goes the general way.
        hazard = w[7] | w[8] or DEAD in states
        if chans:
            memo = self._memo_deliveries
            for k, chan in chans:
                dst = k % n
                if not chan or (sysq and self._old_connection_pending(w, dst, k // n)):
                    continue
                state = states[dst]
                for pos in _FIRST if fifo else self._choices(chan):
                    msg = chan[pos]
                    known = memo.get((k, msg, type(msg), state, type(state)))
                    if known is None:
                        known = self._learn_delivery(k, msg, state)
                    label, new, _, posts, change, made_s, made_c, made_t, to, step = known
                    if posts is None or (hazard and to & self._cut_off(w, dst)):
                        append((label, self._deliver_slowly(w, k, chan, pos, step)))
                        continue
                    if new is state:
                        new_states = states
                    else:
                        new_states = made_s.get(ids)
                        if new_states is None:
                            new_states = self._states_after(step, states, dst)
                    new_chans = made_c.get(idc if fifo else (idc, pos))
                    if new_chans is None:
                        new_chans = self._chans_after(step, chans, k, pos)
                    if change is None:
                        new_timers = timers
                    else:
                        new_timers = made_t.get(idt)
                        if new_timers is None:
                            new_timers = self._timers_after(step, timers, dst)
                    append(
                        (label, _new_world(World, (new_states, new_chans, sysq, new_timers) + tail))
                    )
        if timers:
            memo = self._memo_timeouts
            orders = self._orders
            for i, pending in timers:
                order = orders.get(pending)
                if order is None:
                    order = orders[pending] = tuple(sorted(pending, key=self._key))
                state = states[i]
                for timer in order:
                    known = memo.get((i, pending, timer, type(timer), state, type(state)))
                    if known is None:
                        known = self._learn_timeout(i, pending, timer, state)
                    label, new, ops, posts, _, made_s, made_c, made_t, to, step = known
                    if posts is None or (hazard and to & self._cut_off(w, i)):
                        nxt = _Next(w, None)
                        nxt.set_timers(i, pending - {timer})
                        self._effects(nxt, i, new, ops or ())
                        append((label, nxt.world()))
                        continue
                    if new is state:
                        new_states = states
                    else:
                        new_states = made_s.get(ids)
                        if new_states is None:
                            new_states = self._states_after(step, states, i)
                    if posts:
                        new_chans = made_c.get(idc)
                        if new_chans is None:
                            new_chans = self._chans_after(step, chans, -1, 0)
                    else:
                        new_chans = chans
                    new_timers = made_t.get(idt)
                    if new_timers is None:
                        new_timers = self._timers_after(step, timers, i)
                    append(
                        (label, _new_world(World, (new_states, new_chans, sysq, new_timers) + tail))
                    )
        if self._any_faults:
            out.extend(self._faults(w, None))
        return out

    def _deliver_slowly(
        self, w: World, k: int, chan: tuple[Any, ...], pos: int, step: _Step
    ) -> World:
        """A delivery whose handler did more than send and set timers, or a signal."""
        src, dst = divmod(k, self.n)
        nxt = _Next(w, None)
        nxt.set_chan(k, chan[:pos] + chan[pos + 1 :])
        if step.ops is None:
            self._signal(nxt, dst, chan[pos], src)
        else:
            self._effects(nxt, dst, step.state, step.ops)
        return nxt.world()

    def _learn_delivery(self, k: int, msg: Any, state: Any) -> tuple[Any, ...]:
        """Run the handler for ``msg`` arriving on channel ``k`` to ``state``; remember."""
        src, dst = divmod(k, self.n)
        names = self.node_names
        label = ("deliver", names[src], names[dst], msg)
        if type(msg) is Signal:
            step = _Step(label, None, None, None, None, {}, {}, {}, 0)
        else:
            new, ops = self._call(dst, "on_message", state, names[src], msg)
            posts, timers = self._plan(dst, new, ops)
            if posts is None:
                step = _Step(label, new, ops, None, None, {}, {}, {}, 0)
            else:
                new = self._shared_state(state, new)
                step = _Step(
                    label,
                    new,
                    ops,
                    posts,
                    timers,
                    self._table("states", dst, new, type(new)),
                    self._table("chans", k, posts, _message_types(posts)),
                    self._table("timers", dst, timers, timers and _change_types(timers)),
                    self._targets(posts),
                )
        known = self._memo_deliveries[k, msg, type(msg), state, type(state)] = (*step, step)
        self._memo_count += 1
        return known

    def _learn_timeout(
        self, i: int, pending: frozenset[Any], timer: Any, state: Any
    ) -> tuple[Any, ...]:
        """Run node ``i``'s handler for ``timer`` (of its ``pending`` timers) firing in
        ``state``; remember."""
        label = ("timeout", self.node_names[i], timer)
        new, ops = self._call(i, "on_timeout", state, timer)
        posts, timers = self._plan(i, new, ops)
        now = pending - {timer}
        if timers is not None:
            now = (now - timers[1]) | timers[0]
        if posts is None:
            step = _Step(label, new, ops, None, now, {}, {}, {}, 0)
        else:
            new = self._shared_state(state, new)
            step = _Step(
                label,
                new,
                ops,
                posts,
                now,
                self._table("states", i, new, type(new)),
                self._table("chans", -1, posts, _message_types(posts)),
                self._table("timers", i, now, _timer_types(((i, now),))),
                self._targets(posts),
            )
        known = self._memo_timeouts[i, pending, timer, type(timer), state, type(state)] = (
            *step,
            step,
        )
        self._memo_count += 1
        return known

    def _call(self, i: int, handler: str, state: Any, *args: Any) -> tuple[Any, tuple[Any, ...]]:
        """Run node ``i``'s ``handler``: its new state (checked) and its effects."""
        out = self.out
        me = self.node_names[i]
        out.me, out.durable, out.ops = me, None, []
        new = self._handlers[handler][i](me, state, *args, out)
        self._check_returned(i, new)
        return new, tuple(out.ops)

    def _plan(self, i: int, new: Any, ops: tuple[Any, ...]) -> tuple[Any, Any]:
        """For effects that only send and set or cancel timers: the messages per channel
        (sorted by channel) and the timers set and cancelled in the end, or None for them;
        for any other effect, or a state or message that is not hashable, (None, None): the
        general path then makes the world, and the search reports what is wrong with it."""
        n = self.n
        sent: dict[int, list[Any]] = {}
        last: dict[Any, bool] = {}
        for op in ops:
            if op[0] == SEND:
                sent.setdefault(i * n + op[1], []).append(op[2])
            elif op[0] == TIMER:
                last[op[1]] = op[2]
            else:
                return None, None
        posts = tuple(sorted((k, tuple(msgs)) for k, msgs in sent.items()))
        try:
            hash((new, posts))
        except Exception:
            return None, None
        if not last:
            return posts, None
        sets = frozenset(t for t, on in last.items() if on)
        return posts, (sets, frozenset(t for t, on in last.items() if not on))

    def _targets(self, posts: tuple[tuple[int, tuple[Any, ...]], ...]) -> int:
        """The nodes ``posts`` sends to, as a bitmask."""
        mask = 0
        for k, _ in posts:
            mask |= 1 << k % self.n
        return mask

    def _cut_off(self, w: World, i: int) -> int:
        """The nodes a message from ``i`` does not reach in ``w``, as a bitmask: those whose
        process is dead, or that are down, or across a cut link (as ``_effects`` sees it)."""
        n, states, down, cut = self.n, w[0], w[7], w[8]
        mask = 0
        for j in range(n):
            if (down >> i | down >> j) & 1:
                mask |= 1 << j
            elif j != i:
                pair = i * n + j if i < j else j * n + i
                if states[j] is DEAD or cut >> pair & 1:
                    mask |= 1 << j
        return mask

    def _table(self, *effect: Any) -> dict[Any, Any]:
        """The table of what ``effect`` (on one part of a world) makes of each shared part:
        one per effect, shared by every step that has it."""
        table = self._memo_tables.get(effect)
        if table is None:
            table = self._memo_tables[effect] = {}
            self._memo_count += 1
        return table

    def _shared_state(self, old: Any, new: Any) -> Any:
        """``new``, or an equal node state of the same type met before."""
        if new is old:
            return new
        return self._shared("node", new, type)

    def _states_after(self, step: _Step, states: tuple[Any, ...], i: int) -> tuple[Any, ...]:
        """The node states ``step`` leaves of ``states``."""
        parent = self._shared("states", states, _state_types)
        made: tuple[Any, ...] | None = step.made_states.get(id(parent))
        if made is None:
            listed = list(parent)
            listed[i] = step.state
            made = self._shared("states", tuple(listed), _state_types)
            step.made_states[id(parent)] = made  # (``_memo_parts`` keeps ``parent``: its id)
            self._memo_count += 1
        return made

    def _chans_after(
        self, step: _Step, chans: tuple[Any, ...], k: int, pos: int
    ) -> tuple[Any, ...]:
        """The channels ``step`` leaves of ``chans``: message ``pos`` of channel ``k`` taken
        (none when ``k`` < 0), the step's messages sent."""
        parent = self._shared("chans", chans, _message_types)
        key = id(parent) if k < 0 or self.fifo else (id(parent), pos)
        made: tuple[Any, ...] | None = step.made_chans.get(key)
        if made is None:
            table = dict(parent)
            if k >= 0:
                chan = table[k]
                rest = chan[:pos] + chan[pos + 1 :]
                if rest:
                    table[k] = rest
                else:
                    del table[k]
            assert step.posts is not None
            made = self._posted(table, step.posts)
            made = self._shared("chans", made, _message_types)
            step.made_chans[key] = made
            self._memo_count += 1
        return made

    def _timers_after(self, step: _Step, timers: tuple[Any, ...], i: int) -> tuple[Any, ...]:
        """The timers ``step`` (of node ``i``) leaves of ``timers``: a delivery's (set,
        cancelled) pair applied, or a timeout's timers after put in place."""
        parent = self._shared("timers", timers, _timer_types)
        made: tuple[Any, ...] | None = step.made_timers.get(id(parent))
        if made is None:
            old = _get(parent, i, _NO_TIMERS)
            if type(step.timers) is tuple:
                sets, cancels = step.timers
                now = (old - cancels) | sets
            else:
                now = step.timers
            made = parent if now == old else _put(parent, i, now, _NO_TIMERS)
            made = self._shared("timers", made, _timer_types)
            step.made_timers[id(parent)] = made
            self._memo_count += 1
        return made

    def _posted(
        self, table: dict[int, tuple[Any, ...]], posts: tuple[tuple[int, tuple[Any, ...]], ...]
    ) -> tuple[tuple[int, tuple[Any, ...]], ...]:
        """The channels ``table`` with each channel's messages of ``posts`` sent into it."""
        for k, msgs in posts:
            chan = table.get(k)
            if self.fifo:
                table[k] = chan + msgs if chan else msgs
            else:
                table[k] = tuple(sorted(chan + msgs if chan else msgs, key=self._key))
        return tuple(sorted(table.items()))

    def _shared(self, kind: str, part: Any, types: Callable[[Any], Any]) -> Any:
        """``part`` of a world (or a node state), or an equal one of the same kind and
        ``types(part)`` met before: the one every step and world then shares."""
        if id(part) in self._memo_ids:  # (``_memo_parts`` keeps it, so its id is its own)
            return part
        key = (kind, part, types(part))
        shared = self._memo_parts.get(key)
        if shared is None:
            shared = self._memo_parts[key] = part
            self._memo_ids.add(id(part))
            self._memo_count += 1
        return shared

    def _forget(self) -> None:
        """Start afresh: called between two worlds, once ``_MEMO_LIMIT`` is passed."""
        for name in _MEMOS:
            getattr(self, name).clear()
        self._memo_count = 0

    # -- the steps ------------------------------------------------------------------------

    def _actions(self, w: World, log: list[tuple[Any, ...]] | None) -> Iterator[tuple[Any, World]]:
        n, names = self.n, self.node_names
        yield from self._signal_steps(w, log)
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

    def _signal_steps(
        self, w: World, log: list[tuple[Any, ...]] | None
    ) -> Iterator[tuple[Any, World]]:
        """The runtime signals waiting (each queue's first), delivered."""
        n, names = self.n, self.node_names
        for k, signals in w.sysq:
            i = k // n
            nxt = _Next(w, log)
            nxt.sysq = _put(w.sysq, k, signals[1:], ())
            self._signal(nxt, i, signals[0])
            yield ("signal", names[i], signals[0]), nxt.world()

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
        self._check_returned(i, state)
        self._effects(nxt, i, state, out.ops)

    def _check_returned(self, i: int, state: Any) -> None:
        if state is DEAD or state is None:
            raise ModelError(
                f"{self.node_names[i]}'s handler returned {state!r}: a handler must "
                "return the node's new state (use out.stop() to exit)"
            )

    def _effects(self, nxt: _Next, i: int, state: Any, ops: Sequence[tuple[Any, ...]]) -> None:
        """Node ``i``'s handler returned ``state`` and did ``ops``: apply them, in order."""
        nxt.set_state(i, state)
        if not ops:
            return
        n, log = self.n, nxt.log
        for op in ops:
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
            elif kind == EXIT and op[2] == KILL_REASON:
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
        states = w.states
        known = self._memo_live.get(id(states))
        if known is not None:  # (a shared part: ``_memo_parts`` keeps it, so its id)
            return known.copy()
        live = {name: s for name, s in zip(self.node_names, states, strict=True) if s is not DEAD}
        if id(states) in self._memo_ids:
            self._memo_live[id(states)] = live.copy()
            self._memo_count += 1
        return live

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

#: What the fast path remembers (steps, parts) before it starts afresh: a bound on memory.
_MEMO_LIMIT = 1 << 19

#: The fast path's memory (see ``ActorSystem.actions``), by attribute.
_MEMOS = (
    "_memo_deliveries",
    "_memo_timeouts",
    "_memo_parts",
    "_memo_ids",
    "_memo_tables",
    "_memo_live",
)


class _Step(NamedTuple):
    """What a delivery or timeout does, remembered by ``ActorSystem.actions``.

    ``posts`` is None when the handler did more than send and set or cancel timers (then
    ``ops`` are applied by ``_effects``) or, with ``ops`` None too, when the message is a
    signal. Otherwise ``posts`` are the messages sent, per channel, and ``timers`` is, for a
    delivery, None or the (set, cancelled) timers; for a timeout, the node's timers after.
    The ``made_`` tables map the id of a shared part of a world (see ``_shared``, which
    keeps it, and so its id) to the part the step makes of it; steps with the same effect
    on a part share its table. ``to`` is the nodes the step sends to, as a bitmask. The
    memos hold each step unpacked into a plain tuple, itself last (a plain tuple unpacks
    faster).
    """

    label: tuple[Any, ...]
    state: Any
    ops: tuple[tuple[Any, ...], ...] | None
    posts: tuple[tuple[int, tuple[Any, ...]], ...] | None
    timers: Any
    made_states: dict[Any, Any]
    made_chans: dict[Any, Any]
    made_timers: dict[Any, Any]
    to: int


_FIRST = (0,)


def _state_types(states: tuple[Any, ...]) -> tuple[type, ...]:
    return tuple(map(type, states))


def _change_types(change: tuple[frozenset[Any], frozenset[Any]]) -> tuple[frozenset[type], ...]:
    return tuple(frozenset(map(type, timers)) for timers in change)


def _message_types(chans: tuple[tuple[int, tuple[Any, ...]], ...]) -> tuple[type, ...]:
    return tuple([type(msg) for _, chan in chans for msg in chan])


def _timer_types(timers: tuple[tuple[int, frozenset[Any]], ...]) -> tuple[frozenset[type], ...]:
    return tuple(frozenset(map(type, pending)) for _, pending in timers)


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
