"""The actor layer's fast path: the rules' steps from remembered handler results.

A handler is a function of what it is given (``me``, its state, the sender and message, or
the timer, and what ``out`` may read: the world's processes table), so each delivery and
timeout runs its handler once per distinct input and remembers what it did as a
:class:`_Step`, per processes table (the memos of the last table met are found by
identity, others by value: ``_memos``), keyed by those values and the types of the
message, timer and state (equal values of two types, say two NamedTuple messages with the
same fields, stay apart). A step whose handler only sends (to a node's name, a pid or a
name registered on the sender's own node, resolved once per processes table; or to a name
on another node) and sets or cancels timers changes four parts of the world: the process
states, the channels, the timers and the channels by name (``World.byname``). A message
by name counts the sender's messages by pid ahead of it: those the step sent before it
and those in flight, read from the few channels to that node (``_Step.watch``), which
with the channels by name key its table. With a node down, a link cut or a process dead,
its messages to those are left out (lost, as the rules lose them: ``_reach``,
``_losing``); a send that brings a connection up (after a heal) has the rules'
``_contact`` applied to the world the tables made (what it adds is remembered:
``_rejoined``). What such an effect makes of a part is remembered per part (by its id),
in a table shared by the steps with that effect; ``_made`` builds a step's world from
them. Parts are shared: a new part is replaced by an equal one made before (equal, with
the same types at the top level), so the tables meet the same few parts again and again
and the worlds share them. Runtime signals (``DOWN``, ``nodedown``, ``nodeup``, from a
channel or a signal queue) are steps like deliveries, and so are messages by name
arriving (``_arrivals``: who gets one is read from the processes table as it arrives, and
the memo is per table); memo keys name a process state by the id of an interned equal
one, so that a look-up hashes no process state. A delivery by pid that waits for a
message by name, or changes what is ahead of one, goes through the rules. ``EXIT`` and ``kill``
signals, faults, handlers that choose, and steps with any other effect go through the rules
(:mod:`modelcheck.actors.rules`), from the remembered result (the handler is not run
again). ``tests/test_actors_fast.py`` checks, world after world, that both give the same
steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from .actor import CONNECT, NOTE, SEND, TIMER, Signal, Unregistered
from .alike import alike, alike_items, shape
from .rules import Outcome, Rules, signal_handler
from .world import DEAD, MASK, NO_TIMERS, SHIFT, Next, World, get, put

__all__ = ["FastPath"]

_new_world = tuple.__new__

#: What the fast path remembers (steps, parts) before it starts afresh: a bound on memory.
_MEMO_LIMIT = 1 << 19

#: The fast path's memory, by attribute.
MEMOS = (
    "_memo_procs",
    "_memo_last",
    "_memo_parts",
    "_memo_ids",
    "_memo_tables",
    "_memo_live",
    "_memo_signals",
    "_memo_losing",
    "_memo_orders",
    "_memo_alias",
    "_memo_sysq",
)

#: The memos kept per processes table (``FastPath._memos``), by index: the remembered
#: signal deliveries, deliveries, arrivals by name and timeouts (steps), ``_reach``'s and
#: ``_rejoined``'s answers.
_SIGNALS, _DELIVERIES, _ARRIVALS, _TIMEOUTS, _REACH, _REJOIN = range(6)

#: The handlers whose outcomes ``FastPath._outcomes`` remembers: those of runtime signals,
#: and ``on_message`` (the rules run it only for a message by name: the fast path
#: remembers the other deliveries as whole steps).
_REMEMBERED = frozenset({"on_down_ref", "on_exit", "on_nodedown", "on_nodeup", "on_message"})


class _Step(NamedTuple):
    """What a delivery, arrival by name, signal or timeout does, remembered by
    ``FastPath.actions``.

    ``posts`` is None when the step goes through the rules: then ``outcomes`` holds what
    the handler did (one per choice), or is None when the message is a signal. Otherwise
    ``posts`` are the messages sent, per channel, and ``timers`` is, for a delivery, None
    or the (set, cancelled) timers; for a timeout, the process's timers after. The
    ``made_`` tables map the id of a shared part of a world (see ``_shared``, which keeps
    it, and so its id) to the part the step makes of it; steps with the same effect on a
    part share its table. ``to`` is the slots the step sends to, as a bitmask; ``byname``
    its messages by name to other nodes (see ``_plan``), ``nodes`` the nodes they go to
    (a bitmask), ``take`` the channel by name it takes its message from (or -1), ``watch``
    the slots whose channels from the process its messages by name count as ahead of them
    (a bitmask; 0 on the unordered network). The memos
    hold each step unpacked into a plain tuple, itself last (a plain tuple unpacks and
    indexes faster).
    """

    label: tuple[Any, ...]
    state: Any
    outcomes: tuple[Outcome, ...] | None
    posts: tuple[tuple[int, tuple[Any, ...]], ...] | None
    timers: Any
    made_states: dict[Any, Any]
    made_chans: dict[Any, Any]
    made_timers: dict[Any, Any]
    to: int
    byname: tuple[tuple[int, Any, Any, int, tuple[tuple[int, int], ...]], ...]
    made_byname: dict[Any, Any]
    nodes: int
    take: int
    watch: int


#: What ``FastPath._plan`` makes of a handler's one outcome: posts, timers, the nodes it
#: connects to, its messages by name to other nodes, and those nodes.
_Plan = tuple[
    tuple[tuple[int, tuple[Any, ...]], ...],
    Any,
    int,
    tuple[tuple[int, Any, Any, int, tuple[tuple[int, int], ...]], ...],
    int,
]


def _taken(sparse: tuple[tuple[int, tuple[Any, ...]], ...], k: int, pos: int) -> dict[int, Any]:
    """The channels ``sparse`` as a dict, item ``pos`` of channel ``k`` taken (none when
    ``k`` < 0; a channel left empty goes).

    >>> _taken(((1, ("x", "y")), (2, ("z",))), 2, 0)
    {1: ('x', 'y')}
    """
    table = dict(sparse)
    if k >= 0:
        chan = table[k]
        rest = chan[:pos] + chan[pos + 1 :]
        if rest:
            table[k] = rest
        else:
            del table[k]
    return table


def _slow(label: tuple[Any, ...], outcomes: tuple[Outcome, ...] | None, timers: Any) -> _Step:
    """A step the rules take (from ``outcomes``, or from the signal when None)."""
    return _Step(label, None, outcomes, None, timers, {}, {}, {}, 0, (), {}, 0, -1, 0)


_FIRST = (0,)


def _state_types(states: tuple[Any, ...]) -> tuple[type, ...]:
    return tuple(map(type, states))


def _change_types(change: tuple[frozenset[Any], frozenset[Any]]) -> tuple[frozenset[type], ...]:
    return tuple(frozenset(map(type, timers)) for timers in change)


def _message_types(chans: tuple[tuple[int, tuple[Any, ...]], ...]) -> tuple[type, ...]:
    return tuple([type(msg) for _, chan in chans for msg in chan])


def _byname_types(byname: tuple[tuple[int, tuple[Any, ...]], ...]) -> tuple[type, ...]:
    return tuple([type(part) for _, entries in byname for e in entries for part in e[:2]])


def _post_types(byname: tuple[tuple[Any, ...], ...]) -> tuple[type, ...]:
    return tuple([type(part) for post in byname for part in post[1:3]])


def _timer_types(timers: tuple[tuple[int, frozenset[Any]], ...]) -> tuple[frozenset[type], ...]:
    return tuple(frozenset(map(type, pending)) for _, pending in timers)


#: A world's part (by kind) with its values interned by the function given.
_INTERN: dict[str, Callable[[Callable[[Any], Any], Any], tuple[Any, ...]]] = {
    "states": lambda interned, part: tuple(map(interned, part)),
    "timers": lambda interned, part: tuple([(i, interned(timers)) for i, timers in part]),
    "chans": lambda interned, part: tuple([(k, tuple(map(interned, c))) for k, c in part]),
    "byname": lambda interned, part: tuple(
        [(k, tuple([(interned(n), interned(m), a) for n, m, a in c])) for k, c in part]
    ),
}

#: A world's part (by kind) as a key of its keys, lengths and the ids of its values: equal
#: keys are parts of the same values (the very objects), so a look-up by key hashes none.
_ITEMS: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "states": lambda part: ("states", *map(id, part)),
    "timers": lambda part: ("timers", *[x for i, timers in part for x in (i, id(timers))]),
    "chans": lambda part: ("chans", *[x for k, c in part for x in (k, len(c), *map(id, c))]),
    "byname": lambda part: (
        "byname",
        *[
            x
            for k, c in part
            for x in (k, len(c), *[y for e in c for y in (id(e[0]), id(e[1]), e[2])])
        ],
    ),
}


class FastPath(Rules):
    """``actions``: the rules' steps, in the same order, most of them built from tables."""

    if TYPE_CHECKING:
        _memo_procs: dict[Any, list[dict[Any, Any]]]
        _memo_last: list[Any]
        _memo_parts: dict[Any, Any]
        _memo_ids: set[int]
        _memo_tables: dict[tuple[Any, ...], tuple[tuple[Any, ...], dict[Any, Any]]]
        _memo_live: dict[int, dict[str, Any]]
        _memo_signals: dict[tuple[Any, ...], list[Outcome]]
        _memo_losing: dict[tuple[int, int, int], tuple[Any, ...]]
        _memo_orders: dict[int, tuple[Any, ...]]
        _memo_alias: dict[int, tuple[Any, Any]]
        _memo_sysq: dict[tuple[int, int], tuple[Any, Any]]
        _memo_count: int
        _memo_mixed: bool

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """``_actions(w, None)``: the same steps, in the same order, with the same
        successors, most of them built without the rules' general machinery (see the
        module's docstring)."""
        if self._memo_count > _MEMO_LIMIT:
            self._forget()
        states, chans, sysq, timers = w[0], w[1], w[2], w[3]
        procs = w[11]
        out: list[tuple[Any, World]] = []
        append = out.append
        fifo = self.fifo
        made = self._made
        memos = self._memos(procs)
        interned, memo_ids = self._interned, self._memo_ids
        # With a node down, a connection down or a process dead, a message may be lost (the
        # step's messages to those are left out) or a connection come up (a step that sends
        # across one goes the general way): see ``_reach``.
        hazard = w[7] | w[8] or (procs and procs.apart) or DEAD in states
        reach: Any = None
        if sysq:
            memo, rest = memos[_SIGNALS], self._memo_sysq
            for q, signals in sysq:
                i, signal = q >> SHIFT, signals[0]
                state = states[i]
                if id(state) not in memo_ids:
                    state = interned(state)
                if id(signal) not in memo_ids:
                    signal = interned(signal)
                known = memo.get((q, id(signal), id(state)))
                if known is None:
                    known = self._learn_signal(w, q, signal, state)
                rejoin = 0
                if hazard and known[3] is not None and (known[8] or known[11]):
                    known, rejoin, reach = self._across_faults(w, reach, known, i, -1)
                if known[3] is None:
                    out.extend(self._deliver_slowly(w, ("sysq", q), i, signal, known[-1]))
                    continue
                # (the queues after: one object per queues and queue, shared by the worlds)
                after = rest.get((id(sysq), q))
                if after is None or after[0] is not sysq:
                    after = rest[id(sysq), q] = (sysq, put(sysq, q, signals[1:], ()))
                    self._memo_count += 1
                nxt = made(w, known, state, i, -1, 0, after[1], -1)
                append((known[0], self._rejoined(nxt, i, rejoin) if rejoin else nxt))
        byname = w[12]
        if chans:
            memo = memos[_DELIVERIES]
            boot = len(self.boot_node)
            for k, chan in chans:
                dst = k & MASK
                if not chan or (
                    sysq and self._old_connection_pending(w, dst, self._node_of(procs, k >> SHIFT))
                ):
                    continue
                # Behind a message by name (it waits), or ahead of one (it changes the count
                # of what is ahead of that one: the rules take the step).
                behind = byname and self._byname_from(w, k)
                if behind and self._behind_byname(w, k):
                    continue
                state = states[dst]
                if id(state) not in memo_ids:
                    state = interned(state)
                for pos in _FIRST if fifo else self._choices(chan):
                    msg = chan[pos]
                    if id(msg) not in memo_ids:
                        msg = interned(msg)
                    known = memo.get((k, id(msg), id(state)))
                    if known is None:
                        known = self._learn_delivery(w, k, msg, state)
                    rejoin = 0
                    slow = known[3] is None or behind
                    if not slow and hazard:
                        if k >> SHIFT >= boot and states[k >> SHIFT] is DEAD:
                            slow = True  # (a spawned process that sent this: its slot may go)
                        else:
                            known, rejoin, reach = self._across_faults(w, reach, known, dst, k)
                    if slow:
                        out.extend(self._deliver_slowly(w, ("chan", k, pos), dst, msg, known[-1]))
                        continue
                    nxt = made(w, known, state, dst, k, pos, sysq, -1)
                    append((known[0], self._rejoined(nxt, dst, rejoin) if rejoin else nxt))
        if byname:  # messages by name arriving: who gets one is read from the registry now
            self._arrivals(w, byname, reach, hazard, out)
        if timers:
            memo = memos[_TIMEOUTS]
            orders = self._memo_orders
            for i, pending in timers:
                if id(pending) not in memo_ids:
                    pending = interned(pending)
                order = orders.get(id(pending))
                if order is None:
                    order = orders[id(pending)] = tuple(sorted(pending, key=self._key))
                state = states[i]
                if id(state) not in memo_ids:
                    state = interned(state)
                for timer in order:
                    known = memo.get((i, id(pending), id(timer), id(state)))
                    if known is None:
                        known = self._learn_timeout(w, i, pending, timer, state)
                    rejoin = 0
                    if hazard and known[3] is not None and (known[8] or known[11]):
                        known, rejoin, reach = self._across_faults(w, reach, known, i, -1)
                    if known[3] is None:
                        out.extend(self._time_out_slowly(w, i, pending, timer, known[-1]))
                        continue
                    nxt = made(w, known, state, i, -1, 0, sysq, -1)
                    append((known[0], self._rejoined(nxt, i, rejoin) if rejoin else nxt))
        if self._any_faults:
            out.extend(self._faults(w, None))
        return out

    def _arrivals(
        self, w: World, byname: Any, reach: Any, hazard: Any, out: list[tuple[Any, World]]
    ) -> None:
        """The messages by name arriving (each channel's first; on the unordered network,
        any one), as the rules' ``_byname_steps`` take them: the name looked up in ``w``'s
        processes table on the node each reached (the memo is per processes table, so the
        receiver is part of what a remembered step stands for)."""
        states, sysq, procs = w[0], w[2], w[11]
        fifo, boot = self.fifo, len(self.boot_node)
        interned, memo_ids = self._interned, self._memo_ids
        memo = self._memos(procs)[_ARRIVALS]
        for kb, entries in byname:
            src, node = kb >> SHIFT, kb & MASK
            for pos in _FIRST if fifo else self._choices(entries):
                name, msg, ahead = entries[pos]
                j = self._registered(procs, node, name)
                if j is None:  # nobody holds the name: the rules drop it
                    out.append(self._unregistered(w, kb, pos))
                    continue
                if fifo and get(ahead, j, 0):
                    continue  # its sender's earlier messages by pid to j come first
                if sysq and self._old_connection_pending(w, j, self._node_of(procs, src)):
                    continue
                state = states[j]
                if id(state) not in memo_ids:
                    state = interned(state)
                if id(msg) not in memo_ids:
                    msg = interned(msg)
                if id(name) not in memo_ids:
                    name = interned(name)
                known = memo.get((kb, id(name), id(msg), id(state)))
                if known is None:
                    known = self._learn_arrival(w, kb, name, msg, j, state)
                rejoin = 0
                slow = known[3] is None
                if not slow and hazard:
                    if src >= boot and states[src] is DEAD:
                        slow = True  # (a spawned process that sent this: its slot may go)
                    else:
                        known, rejoin, reach = self._across_faults(w, reach, known, j, -1)
                if slow:
                    how = ("byname", kb, pos, j)
                    out.extend(self._deliver_slowly(w, how, j, msg, known[-1]))
                    continue
                nxt = self._made(w, known, state, j, -1, 0, sysq, kb, pos)
                out.append((known[0], self._rejoined(nxt, j, rejoin) if rejoin else nxt))

    def _made(
        self,
        w: World,
        known: tuple[Any, ...],
        state: Any,
        i: int,
        k: int,
        pos: int,
        sysq: Any,
        take: int,
        taken: int = 0,
    ) -> World:
        """The world the remembered step ``known`` of process ``i`` (in ``state``, its
        interned state) makes of ``w``, part by part from the step's tables (each part
        computed once per parent part, then looked up): the message ``pos`` of channel
        ``k`` taken (none when ``k`` < 0), ``sysq`` the signal queues after, and the entry
        ``taken`` of the channel by name ``take`` taken (none when ``take`` < 0)."""
        states, chans, timers = w[0], w[1], w[3]
        step: _Step = known[-1]
        if known[1] is state:
            new_states = states
        else:
            new_states = known[5].get(id(states))
            if new_states is None:
                new_states = self._states_after(step, states, i)
        if k >= 0 or known[3]:  # (a message taken, or some sent)
            new_chans = known[6].get(id(chans) if k < 0 or self.fifo else (id(chans), pos))
            if new_chans is None:
                new_chans = self._chans_after(step, chans, k, pos)
        else:
            new_chans = chans
        if known[4] is None:
            new_timers = timers
        else:
            new_timers = known[7].get(id(timers))
            if new_timers is None:
                new_timers = self._timers_after(step, timers, i)
        if not known[9] and take < 0:
            return _new_world(World, (new_states, new_chans, sysq, new_timers) + w[4:])
        byname, watch = w[12], known[13]
        ahead: tuple[tuple[int, int], ...] = ()
        if watch:  # (the messages by pid in flight to the slots the step's messages by name
            # count: few channels, so a look-up by them rather than by all the channels)
            ahead = tuple(
                [(k, len(c)) for k, c in chans if k >> SHIFT == i and watch >> (k & MASK) & 1]
            )
        new_byname = known[10].get((id(byname), ahead, taken))
        if new_byname is None:
            new_byname = self._byname_after(step, byname, ahead, take, taken)
        return _new_world(World, (new_states, new_chans, sysq, new_timers, *w[4:12], new_byname))

    def _byname_from(self, w: World, k: int) -> bool:
        """Whether the sender of channel ``k`` has messages by name in flight to the
        receiver's node."""
        return bool(get(w[12], (k >> SHIFT) << SHIFT | self._node_of(w[11], k & MASK), ()))

    def _memos(self, procs: Any) -> list[dict[Any, Any]]:
        """The memos for worlds with processes table ``procs`` (see ``_SIGNALS``): the last
        table's are found by identity (worlds made one from another share their table), the
        others by value."""
        last = self._memo_last
        if last and last[0] is procs:  # (``last`` keeps it, so its id is its own)
            memos: list[dict[Any, Any]] = last[1]
            return memos
        memos = self._memo_procs.get(id(self._interned(procs)))  # type: ignore[assignment]
        if memos is None:
            memos = self._memo_procs[id(self._interned(procs))] = [{}, {}, {}, {}, {}, {}]
            self._memo_count += 1
        last[:] = (procs, memos)  # (``last`` keeps ``procs``: ``is`` above is sound)
        return memos

    def _interned(self, value: Any) -> Any:
        """``value`` (a process state, a message, a signal, a timer set, a name), or one
        met before, equal and alike (see :meth:`_shared`): the memos key such values by
        the id of this one, so that a look-up hashes none of them (``_memo_parts`` keeps
        it, and so its id, until the memos are forgotten). An equal value met again by
        its id (``_memo_alias`` keeps it) costs one look-up."""
        if id(value) in self._memo_ids:
            return value
        alias = self._memo_alias.get(id(value))
        if alias is not None and alias[0] is value:
            return alias[1]
        shared = self._shared("node", value, type)
        if shared is not value:  # (met again by its id: the rules' signals, timer sets)
            self._memo_alias[id(value)] = (value, shared)
            self._memo_count += 1
        return shared

    def _deliver_slowly(
        self, w: World, how: tuple[Any, ...], slot: int, msg: Any, step: _Step
    ) -> Iterator[tuple[Any, World]]:
        """A delivery (``how``: from a channel, a signal queue or a channel by name) whose
        handler chose, or did more than send and set timers, or a signal without a handler:
        through the rules, from the remembered outcomes."""
        if step.outcomes is None:
            yield from self._receive(w, None, step.label, how, slot, msg, None)
            return
        for extras, new, ops in step.outcomes:
            nxt = Next(w, None)
            self._prepare(nxt, how)
            self._effects(nxt, slot, new, ops)
            yield step.label + extras, nxt.world()

    def _time_out_slowly(
        self, w: World, i: int, pending: frozenset[Any], timer: Any, step: _Step
    ) -> Iterator[tuple[Any, World]]:
        """A timeout whose handler chose, or did more than send and set timers: through
        the rules, from the remembered outcomes."""
        assert step.outcomes is not None
        for extras, new, ops in step.outcomes:
            nxt = Next(w, None)
            nxt.set_timers(i, pending - {timer})
            self._effects(nxt, i, new, ops)
            yield step.label + extras, nxt.world()

    def _unregistered(self, w: World, kb: int, pos: int) -> tuple[Any, World]:
        """Entry ``pos`` of the channel by name ``kb`` arrives where nobody holds its name:
        dropped, as the rules drop it."""
        name, msg, _ = get(w[12], kb, ())[pos]
        to = (name, self.node_names[kb & MASK])
        nxt = Next(w, None)
        self._prepare(nxt, ("byname", kb, pos, None))
        label = ("deliver", self._addr(w[11], kb >> SHIFT), to, msg, Unregistered(*to))
        return label, nxt.world()

    def _learn_signal(self, w: World, q: int, signal: Signal, state: Any) -> tuple[Any, ...]:
        """Run the handler for the runtime ``signal`` first in queue ``q`` to ``state``;
        remember (as :meth:`_learn_delivery` does)."""
        procs, i = w[11], q >> SHIFT
        label = ("signal", self._addr(procs, i), signal)
        step = self._signal_step(procs, i, label, signal, state, -1)
        known = self._memos(procs)[_SIGNALS][q, id(signal), id(state)] = (*step, step)
        self._memo_count += 1
        return known

    def _signal_step(
        self, procs: Any, i: int, label: tuple[Any, ...], signal: Signal, state: Any, chan: int
    ) -> _Step:
        """The step of process ``i`` receiving ``signal`` (from channel ``chan``, or -1: its
        queue): ``DOWN``, ``nodedown`` and ``nodeup`` run their handler (remembered); an
        ``EXIT`` or ``kill`` goes through the rules, which decide whether it is trapped.
        (The channels table is the channel's: what a step makes of the channels depends on
        the channel it takes from.)"""
        call = signal_handler(signal)
        if call is None:
            return _slow(label, None, None)
        outcomes = self._outcomes(procs, i, call[0], state, call[1])
        return self._step(procs, i, label, state, outcomes, chan, -1, None)

    def _step(
        self,
        procs: Any,
        i: int,
        label: tuple[Any, ...],
        state: Any,
        outcomes: list[Outcome],
        chan: int,
        take: int,
        pending: frozenset[Any] | None,
    ) -> _Step:
        """The step of process ``i`` whose handler, run on ``state`` (taking from channel
        ``chan`` or by name ``take``, or -1), had ``outcomes``: made from tables if
        :meth:`_plan` can, else through the rules. ``pending``: for a timeout, the process's
        timers but the one that fired (the step keeps the timers after)."""
        plan = self._plan(procs, i, outcomes)
        if plan is None:
            return _slow(label, tuple(self._interned_outcomes(outcomes)), pending)
        timers = plan[1]
        if pending is not None:
            now = pending if timers is None else (pending - timers[1]) | timers[0]
            return self._simple_step(
                label, state, outcomes, plan, now, i, chan, take, _timer_types(((i, now),))
            )
        types = timers and _change_types(timers)
        return self._simple_step(label, state, outcomes, plan, timers, i, chan, take, types)

    def _learn_delivery(self, w: World, k: int, msg: Any, state: Any) -> tuple[Any, ...]:
        """Run the handler for ``msg`` arriving on channel ``k`` to ``state``; remember."""
        procs = w[11]
        src, dst = k >> SHIFT, k & MASK
        label = ("deliver", self._addr(procs, src), self._addr(procs, dst), msg)
        if type(msg) is Signal:
            step = self._signal_step(procs, dst, label, msg, state, k)
        else:
            args = (self._addr(procs, src), msg)
            outcomes = self._outcomes(procs, dst, "on_message", state, args)
            step = self._step(procs, dst, label, state, outcomes, k, -1, None)
        known = self._memos(procs)[_DELIVERIES][k, id(msg), id(state)] = (*step, step)
        self._memo_count += 1
        return known

    def _learn_arrival(
        self, w: World, kb: int, name: Any, msg: Any, j: int, state: Any
    ) -> tuple[Any, ...]:
        """Run the handler of process ``j``, which holds ``name`` in ``w``'s processes table,
        for ``msg`` arriving by name on the channel by name ``kb``, to ``state``;
        remember."""
        procs = w[11]
        src = self._addr(procs, kb >> SHIFT)
        label = ("deliver", src, (name, self.node_names[kb & MASK]), msg)
        if type(msg) is Signal:
            step = _slow(label, None, None)
        else:
            outcomes = self._outcomes(procs, j, "on_message", state, (src, msg))
            step = self._step(procs, j, label, state, outcomes, -1, kb, None)
        known = self._memos(procs)[_ARRIVALS][kb, id(name), id(msg), id(state)] = (*step, step)
        self._memo_count += 1
        return known

    def _simple_step(
        self,
        label: tuple[Any, ...],
        state: Any,
        outcomes: Any,
        plan: _Plan,
        timers: Any,
        i: int,
        chan: int,
        take: int,
        timer_types: Any,
    ) -> _Step:
        """The step of a handler that only sends, connects and sets or cancels timers (its
        one outcome, and :meth:`_plan`'s ``plan`` of it), with the tables it shares with
        every step of the same effect: on process ``i``'s state, on channel ``chan``'s
        messages (-1: none taken), on ``i``'s timers, on the channels by name (taking from
        ``take``, or -1). Its ``to`` is the slots it sends to and ``reached`` (a slot of
        each node it connects to)."""
        extras, new, _ = outcomes[0]
        new = self._shared_state(state, new)
        posts, _, reached, byname, nodes = plan
        return _Step(
            label + extras,
            new,
            (((), *outcomes[0][1:]),),
            posts,
            timers,
            self._table("states", i, new, type(new)),
            self._table("chans", chan, posts, _message_types(posts)),
            self._table("timers", i, timers, timer_types),
            self._targets(posts) | reached,
            byname,
            self._byname_table(take, byname),
            nodes,
            take,
            self._watched(byname),
        )

    def _watched(self, byname: tuple[tuple[Any, ...], ...]) -> int:
        """The slots whose channels the messages by name ``byname`` count as ahead of them
        (``_Step.watch``)."""
        watch = 0
        if self.fifo:
            for post in byname:
                watch |= post[3]
        return watch

    def _byname_table(self, take: int, byname: tuple[Any, ...]) -> dict[Any, Any]:
        """The table of a step that takes from the channel by name ``take`` (or -1) and
        sends ``byname`` (see :meth:`_byname_after`)."""
        if take < 0 and not byname:
            return {}
        return self._table("byname", take, byname, _post_types(byname))

    def _learn_timeout(
        self, w: World, i: int, pending: frozenset[Any], timer: Any, state: Any
    ) -> tuple[Any, ...]:
        """Run process ``i``'s handler for ``timer`` (of its ``pending`` timers) firing in
        ``state``; remember."""
        procs = w[11]
        label = ("timeout", self._addr(procs, i), timer)
        outcomes = self._outcomes(procs, i, "on_timeout", state, (timer,))
        step = self._step(procs, i, label, state, outcomes, -1, -1, pending - {timer})
        known = self._memos(procs)[_TIMEOUTS][i, id(pending), id(timer), id(state)] = (
            *step,
            step,
        )
        self._memo_count += 1
        return known

    def _plan(self, procs: Any, i: int, outcomes: list[Outcome]) -> _Plan | None:
        """For a handler that made no choice and only sent (to a node's name, a pid, a
        name registered on its own node, resolved in ``procs``, the processes table; a
        message to nobody is lost; or to a name on another node), connected to nodes and
        set or cancelled timers: the messages per channel (sorted by channel), the timers
        set and cancelled in the end, or None for them, the nodes connected to (a boot slot
        of each, as a bitmask: ``_reach`` knows the nodes by their slots), the messages by
        name to other nodes (in the order sent: the channel by name, the name, the
        message, the slots on that node as a bitmask and how many of the handler's
        messages by pid to each had been sent before it) and the nodes they go to (a
        bitmask); otherwise, or for a state or message that is not hashable, None: the
        rules then make the world, and the search reports what is wrong with it. (The
        memos are per processes table, so a send resolved here is resolved for every world
        the step is remembered for.)"""
        if len(outcomes) != 1:
            return None
        _, new, ops = outcomes[0]
        first_boot, resolve = self.first_boot, self._resolve
        here = self._node_of(procs, i)
        sent: dict[int, list[Any]] = {}
        last: dict[Any, bool] = {}
        reached = nodes = 0
        byname: list[tuple[Any, ...]] = []
        for op in ops:
            kind = op[0]
            if kind == SEND:
                to = op[1]
                if type(to) is tuple and (there := self._address_node(to)) != here:
                    # By name to another node: looked up as it arrives (``_arrivals``).
                    mask = self._slots_mask(procs, there)
                    earlier = tuple(
                        sorted(
                            (k & MASK, len(msgs))
                            for k, msgs in sent.items()
                            if mask >> (k & MASK) & 1
                        )
                    )
                    byname.append((i << SHIFT | there, to[0], op[2], mask, earlier))
                    nodes |= 1 << there
                    continue
                j = first_boot[to] if type(to) is int else resolve(procs, to)
                if j is not None and j >= 0:
                    sent.setdefault(i << SHIFT | j, []).append(op[2])
                    continue
                # Nobody there (a name not registered, an old pid): the message is lost,
                # but the send still reaches for the node, as ``out.connect`` does.
                slots = self.boot_slots[self._address_node(to)]
                if not slots:
                    return None
                reached |= 1 << slots[0]
            elif kind == TIMER:
                last[op[1]] = op[2]
            elif kind == CONNECT and self.boot_slots[op[1]]:
                reached |= 1 << self.boot_slots[op[1]][0]
            elif kind != NOTE:
                return None
        posts = tuple(sorted((k, tuple(msgs)) for k, msgs in sent.items()))
        posted = tuple(byname)
        try:
            hash((new, posts, posted))
        except Exception:
            return None
        # (messages and names interned: the memos meet them again by their ids)
        interned = self._interned
        posts = tuple((k, tuple(map(interned, msgs))) for k, msgs in posts)
        posted = tuple(
            (kb, interned(name), interned(msg), *rest) for kb, name, msg, *rest in posted
        )
        if not last:
            return posts, None, reached, posted, nodes
        sets = frozenset(t for t, on in last.items() if on)
        cancels = frozenset(t for t, on in last.items() if not on)
        return posts, (sets, cancels), reached, posted, nodes

    def _slots_mask(self, procs: Any, node: int) -> int:
        """The slots of the processes on ``node`` (in ``procs``), as a bitmask."""
        mask = 0
        for s in range(len(self.boot_node) + (len(procs.spawned) if procs else 0)):
            if self._node_of(procs, s) == node:
                mask |= 1 << s
        return mask

    def _targets(self, posts: tuple[tuple[int, tuple[Any, ...]], ...]) -> int:
        """The slots ``posts`` sends to, as a bitmask."""
        mask = 0
        for k, _ in posts:
            mask |= 1 << (k & MASK)
        return mask

    def _reach(self, w: World) -> tuple[tuple[int, int, int, int], ...]:
        """Per slot ``i`` of ``w``, two bitmasks over slots and two over nodes: where a
        message from ``i`` is lost and nothing else happens (a dead process, a node down,
        a link cut), and where sending first brings a connection up (a node apart from
        ``i``'s though the network reaches it; the rules make those steps); then the same
        for messages by name, which a dead process does not lose. Remembered per processes
        table, down nodes, cut links and dead slots."""
        states, procs = w[0], w[11]
        dead = 0
        for j, state in enumerate(states):
            if state is DEAD:
                dead |= 1 << j
        key = (w[7], w[8], dead, len(states))
        memo = self._memos(procs)[_REACH]
        known = memo.get(key)
        if known is None:
            n, down, cut = self.n, w[7], w[8]
            apart = procs.apart if procs else 0
            nodes = [self._node_of(procs, j) for j in range(len(states))]
            by_node = []
            for here in range(n):
                lost_nodes = rejoin_nodes = 0
                for there in range(n):
                    if there == here:
                        continue
                    pair = here * n + there if here < there else there * n + here
                    if (down >> here | down >> there) & 1 or cut >> pair & 1:
                        lost_nodes |= 1 << there
                    elif apart >> pair & 1:
                        rejoin_nodes |= 1 << there
                by_node.append((lost_nodes, rejoin_nodes))
            masks = []
            for here in nodes:
                lost, rejoin = dead, 0
                for j, there in enumerate(nodes):
                    if there == here:
                        if down >> here & 1:
                            lost |= 1 << j
                    elif by_node[here][0] >> there & 1:
                        lost |= 1 << j
                    elif by_node[here][1] >> there & 1:
                        rejoin |= 1 << j
                masks.append((lost, rejoin, *by_node[here]))
            known = memo[key] = tuple(masks)
            self._memo_count += 1
        return known

    def _rejoined(self, w: World, i: int, nodes: int) -> World:
        """``w`` (made from the tables) after process ``i``'s sends to ``nodes`` (a bitmask)
        brought their connections up: the rules' ``_contact``, node by node (each adds its
        own ``nodeup`` signals, so the order does not matter). What that does (the
        processes table after, the signals added to each queue) depends only on the table,
        the subscriptions, the nodes down, the cut, the dead slots and the nodes: remembered
        by those, then applied."""
        procs, states, sysq = w[11], w[0], w[2]
        here = self._node_of(procs, i)
        dead = 0
        for j, state in enumerate(states):
            if state is DEAD:
                dead |= 1 << j
        memo = self._memos(procs)[_REJOIN]
        key = (w[6], w[7], w[8], dead, len(states), here, nodes)
        known = memo.get(key)
        if known is None:
            nxt = Next(w, None)
            for there in range(self.n):
                if nodes >> there & 1:
                    self._contact(nxt, here, there)
            made = nxt.world()
            added = tuple(
                (k, queue[len(get(sysq, k, ())) :])
                for k, queue in made[2]
                if len(queue) != len(get(sysq, k, ()))
            )
            memo[key] = (made[11], added)
            self._memo_count += 1
            return made
        for k, signals in known[1]:
            sysq = put(sysq, k, get(sysq, k, ()) + signals, ())
        return _new_world(World, (states, w[1], sysq, *w[3:11], known[0], w[12]))

    def _across_faults(
        self,
        w: World,
        reach: tuple[tuple[int, int, int, int], ...] | None,
        known: tuple[Any, ...],
        slot: int,
        chan: int,
    ) -> tuple[tuple[Any, ...], int, tuple[tuple[int, int, int, int], ...]]:
        """Under faults, the remembered step ``known`` of ``slot`` (taking from channel
        ``chan``, or -1) as the rules would take it at ``w``: its messages to slots and
        nodes out of reach left out (:meth:`_losing`), and the nodes it sends to whose
        connection the send brings back up (a bitmask, for :meth:`_rejoined`). ``reach`` is
        ``w``'s :meth:`_reach`, made here the first time a step of ``w`` needs it."""
        if reach is None:
            reach = self._reach(w)
        lost, rejoin, lost_nodes, rejoin_nodes = reach[slot]
        to, nodes = known[8], known[11]
        up = rejoin_nodes & nodes
        back = rejoin & to
        if back:
            procs = w[11]
            for j in range(len(w[0])):
                if back >> j & 1:
                    up |= 1 << self._node_of(procs, j)
        if to & lost or nodes & lost_nodes:
            known = self._losing(known, to & lost, nodes & lost_nodes, chan)
        return known, up, reach

    def _losing(
        self, known: tuple[Any, ...], lost: int, lost_nodes: int, chan: int
    ) -> tuple[Any, ...]:
        """The remembered step ``known`` (taking from channel ``chan``, or -1) with its
        messages to the slots ``lost`` and by name to the nodes ``lost_nodes`` left out, as
        the rules lose them; remembered. (A message by name counts the messages by pid
        ahead of it that were sent, which leaves out the lost ones; the channels to a slot
        out of reach are empty: a death, a crash or a cut empties them.)"""
        step: _Step = known[-1]
        key = (id(step), lost, lost_nodes)
        made = self._memo_losing.get(key)
        if made is None:
            assert step.posts is not None
            posts = tuple(post for post in step.posts if not lost >> (post[0] & MASK) & 1)
            byname = tuple(
                (kb, name, msg, mask, tuple((j, c) for j, c in earlier if not lost >> j & 1))
                for kb, name, msg, mask, earlier in step.byname
                if not lost_nodes >> (kb & MASK) & 1
            )
            kept = step._replace(
                posts=posts,
                made_chans=self._table("chans", chan, posts, _message_types(posts)),
                to=step.to & ~lost,
                byname=byname,
                made_byname=self._byname_table(step.take, byname),
                nodes=step.nodes & ~lost_nodes,
                watch=self._watched(byname),
            )
            made = self._memo_losing[key] = (*kept, kept)  # (``step`` stays in its memo)
            self._memo_count += 1
        return made

    def _table(self, *effect: Any) -> dict[Any, Any]:
        """The table of what ``effect`` (on one part of a world) makes of each shared part:
        one per effect, shared by every step that has it (an equal effect with other types
        inside, say a message ``(True,)`` for ``(1,)``, has its own)."""
        key: tuple[Any, ...] = effect
        known = self._memo_tables.get(key)
        if known is not None and not alike(known[0], effect):  # (see ``_shared``)
            key = (effect, shape(effect))
            known = self._memo_tables.get(key)
        if known is None:
            known = self._memo_tables[key] = (effect, {})
            self._memo_count += 1
        return known[1]

    def _shared_state(self, old: Any, new: Any) -> Any:
        """``new``, or an equal process state of the same type met before."""
        if new is old:
            return new
        return self._shared("node", new, type)

    def _states_after(self, step: _Step, states: tuple[Any, ...], i: int) -> tuple[Any, ...]:
        """The process states ``step`` leaves of ``states``."""
        parent = self._shared_items("states", states, False)
        made: tuple[Any, ...] | None = step.made_states.get(id(parent))
        if made is None:
            listed = list(parent)
            listed[i] = step.state
            made = self._shared_items("states", tuple(listed), True)
            step.made_states[id(parent)] = made  # (``_memo_parts`` keeps ``parent``: its id)
            self._memo_count += 1
        return made

    def _chans_after(
        self, step: _Step, chans: tuple[Any, ...], k: int, pos: int
    ) -> tuple[Any, ...]:
        """The channels ``step`` leaves of ``chans``: message ``pos`` of channel ``k`` taken
        (none when ``k`` < 0), the step's messages sent."""
        parent = self._shared_items("chans", chans, False)
        key = id(parent) if k < 0 or self.fifo else (id(parent), pos)
        made: tuple[Any, ...] | None = step.made_chans.get(key)
        if made is None:
            assert step.posts is not None
            made = self._posted(_taken(parent, k, pos), step.posts)
            made = self._shared_items("chans", made, True)
            step.made_chans[key] = made
            self._memo_count += 1
        return made

    def _timers_after(self, step: _Step, timers: tuple[Any, ...], i: int) -> tuple[Any, ...]:
        """The timers ``step`` (of process ``i``) leaves of ``timers``: a delivery's (set,
        cancelled) pair applied, or a timeout's timers after put in place."""
        parent = self._shared_items("timers", timers, False)
        made: tuple[Any, ...] | None = step.made_timers.get(id(parent))
        if made is None:
            old = get(parent, i, NO_TIMERS)
            if type(step.timers) is tuple:
                sets, cancels = step.timers
                now = (old - cancels) | sets
            else:
                now = step.timers
            if now != old and now:
                now = self._interned(now)  # (``actions`` meets it again by its id)
            made = parent if now == old else put(parent, i, now, NO_TIMERS)
            made = self._shared_items("timers", made, True)
            step.made_timers[id(parent)] = made
            self._memo_count += 1
        return made

    def _byname_after(
        self,
        step: _Step,
        byname: tuple[Any, ...],
        ahead: tuple[tuple[int, int], ...],
        take: int,
        pos: int,
    ) -> tuple[Any, ...]:
        """The channels by name ``step`` leaves of ``byname``: entry ``pos`` of channel
        ``take`` taken (none when ``take`` < 0), the step's messages by name sent, each
        counting, per slot on its node, the sender's messages by pid ahead of it: those in
        flight as the step starts (``ahead``: the lengths of the sender's channels to the
        slots ``step.watch``) and those the step sent before it (the rules' ``_ahead``)."""
        parent = self._shared_items("byname", byname, False)
        key = (id(parent), ahead, pos)
        made: tuple[Any, ...] | None = step.made_byname.get(key)
        if made is None:
            table = _taken(parent, take, pos)
            for kb, name, msg, mask, earlier in step.byname:
                counts: tuple[tuple[int, int], ...] = ()
                if self.fifo:
                    sent = dict(earlier)
                    for k, length in ahead:
                        j = k & MASK
                        if mask >> j & 1:
                            sent[j] = sent.get(j, 0) + length
                    counts = tuple(sorted(sent.items()))
                table[kb] = self._enqueue(table.get(kb, ()), (name, msg, counts))
            made = self._shared_items("byname", tuple(sorted(table.items())), True)
            step.made_byname[key] = made
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

    def _shared_items(self, kind: str, part: tuple[Any, ...], interned: bool) -> Any:
        """``part`` of a world (``kind``: "states", "timers", "chans" or "byname"), or the
        equal one met before made of the same values (process states, timer sets,
        messages, names), so that equal values of other types (see :func:`.alike`) stay
        apart: found by value while no two interned values are equal but not alike, then
        by their ids (``_ITEMS``). Its values are interned first (:meth:`_interned`),
        unless ``interned`` says they are: the same values are then the same objects."""
        memo_ids = self._memo_ids
        if id(part) in memo_ids:
            return part
        if not interned:
            part = _INTERN[kind](self._interned, part)
        # Until two interned values are equal but not alike (``_memo_mixed``), equal parts
        # of interned values hold the very same values: a key by value is sound, and
        # quicker to make than the key by ids.
        key = _ITEMS[kind](part) if self._memo_mixed else (kind, part)
        shared = self._memo_parts.get(key)
        if shared is None:
            shared = self._memo_parts[key] = part
            memo_ids.add(id(part))
            self._memo_count += 1
        return shared

    def _shared(self, kind: str, part: Any, types: Callable[[Any], Any]) -> Any:
        """``part`` of a world (or a process state, a message, a timer set), or one met
        before of the same kind, equal and :func:`.alike` (the same types at every depth):
        the one every step and world then shares. (``types`` keys the usual case at once:
        the types at the top.)"""
        if id(part) in self._memo_ids:  # (``_memo_parts`` keeps it, so its id is its own)
            return part
        key = (kind, part, types(part))
        shared = self._memo_parts.get(key)
        if (
            shared is not None
            and shared is not part
            and not (alike_items(shared, part) if type(part) is tuple else alike(shared, part))
        ):
            # Equal, but with other types deep inside (``(True,)`` for ``(1,)``): a
            # handler could tell them apart, so they are kept apart.
            key = (kind, part, shape(part))
            self._memo_mixed = True
            shared = self._memo_parts.get(key)
        if shared is None:
            shared = self._memo_parts[key] = part
            self._memo_ids.add(id(part))
            self._memo_count += 1
        return shared

    def _outcomes(
        self, procs: Any, slot: int, handler: str, state: Any, args: tuple[Any, ...]
    ) -> list[Outcome]:
        """The rules' ``_outcomes``, remembered for the runtime signals' handlers (DOWN,
        EXIT, nodedown, nodeup) and for messages by name: a handler is a function of the
        processes table, its slot, state and arguments (and their types), so it runs once
        per distinct input; the rules then apply the remembered effects."""
        if handler not in _REMEMBERED:
            return super()._outcomes(procs, slot, handler, state, args)
        try:
            args = self._interned(args)
            key = (id(self._interned(procs)), slot, handler, id(self._interned(state)), id(args))
            known = self._memo_signals.get(key)
        except TypeError:  # (an unhashable state or message: the search reports it)
            return super()._outcomes(procs, slot, handler, state, args)
        if known is None:
            known = super()._outcomes(procs, slot, handler, state, args)
            known = self._memo_signals[key] = self._interned_outcomes(known)
            self._memo_count += 1
        return known

    def _interned_outcomes(self, outcomes: list[Outcome]) -> list[Outcome]:
        """``outcomes`` with their new states and the messages they send interned (when
        hashable: else the search reports them), so that the worlds the rules make of
        them hold values the memos meet by their ids."""
        interned = self._interned
        try:
            return [
                (
                    extras,
                    interned(new),
                    tuple((SEND, op[1], interned(op[2])) if op[0] == SEND else op for op in ops),
                )
                for extras, new, ops in outcomes
            ]
        except TypeError:
            return outcomes

    def _forget(self) -> None:
        """Start afresh: called between two worlds, once ``_MEMO_LIMIT`` is passed."""
        for name in MEMOS:
            getattr(self, name).clear()
        self._memo_count = 0
        self._memo_mixed = False
