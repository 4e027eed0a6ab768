"""The actor layer's fast path: the rules' steps from remembered handler results.

A handler is a function of what it is given (``me``, its state, the sender and message, or
the timer, and what ``out`` may read: the world's processes table), so each delivery and
timeout runs its handler once per distinct input and remembers what it did as a
:class:`_Step`, per processes table (looked up once per world), keyed by those values and
the types of the message, timer and state (equal values of two types, say two NamedTuple
messages with the same fields, stay apart). A step whose handler only sends (to a node's
name, a pid or a name registered on the sender's own node, resolved once per processes
table) and sets or cancels timers changes three parts of the world: the process states, the
channels, the timers. With a node down, a link cut or a process dead, its messages to those
are left out (lost, as the rules lose them: ``_reach``, ``_losing``); a send that brings a
connection up (after a heal) has the rules' ``_contact`` applied to the world the tables
made. What such an effect makes of a part is remembered per part (by its id), in a table
shared by the steps with that effect. Parts are shared: a new part is replaced by an equal
one made before (equal, with the same types at the top level), so the tables meet the same
few parts again and again and the worlds share them. Runtime signals (``DOWN``,
``nodedown``, ``nodeup``, from a channel or a signal queue) are steps like deliveries; memo
keys name a process state by the id of an interned equal one, so that a look-up hashes no
process state. Messages sent to a name on another node travel in ``World.byname`` and are
delivered by the rules (who gets one is read from the registry as it arrives), with the
handler's outcomes remembered; a handler that sends one, and a delivery by pid that waits
for one or changes what is ahead of one, go through the rules too. ``EXIT`` and ``kill``
signals, faults, handlers that choose, and steps with any other effect go through the rules
(:mod:`modelcheck.actors.rules`), from the remembered result (the handler is not run
again). ``tests/test_actors_fast.py`` checks, world after world, that both give the same
steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from .actor import CONNECT, NOTE, SEND, TIMER, Signal
from .rules import Outcome, Rules, signal_handler
from .world import DEAD, MASK, NO_TIMERS, SHIFT, Next, World, get, put

__all__ = ["FastPath"]

_new_world = tuple.__new__

#: What the fast path remembers (steps, parts) before it starts afresh: a bound on memory.
_MEMO_LIMIT = 1 << 19

#: The fast path's memory, by attribute.
MEMOS = (
    "_memo_deliveries",
    "_memo_timeouts",
    "_memo_deliveries_plain",
    "_memo_timeouts_plain",
    "_memo_parts",
    "_memo_ids",
    "_memo_tables",
    "_memo_live",
    "_memo_signals",
    "_memo_queued",
    "_memo_reach",
    "_memo_losing",
)

#: The handlers whose outcomes ``FastPath._outcomes`` remembers: those of runtime signals,
#: and ``on_message`` (the rules run it only for a message by name: the fast path
#: remembers the other deliveries as whole steps).
_REMEMBERED = frozenset({"on_down_ref", "on_exit", "on_nodedown", "on_nodeup", "on_message"})


class _Step(NamedTuple):
    """What a delivery or timeout does, remembered by ``FastPath.actions``.

    ``posts`` is None when the step goes through the rules: then ``outcomes`` holds what
    the handler did (one per choice), or is None when the message is a signal. Otherwise
    ``posts`` are the messages sent, per channel, and ``timers`` is, for a delivery, None
    or the (set, cancelled) timers; for a timeout, the process's timers after. The
    ``made_`` tables map the id of a shared part of a world (see ``_shared``, which keeps
    it, and so its id) to the part the step makes of it; steps with the same effect on a
    part share its table. ``to`` is the slots the step sends to, as a bitmask. The memos
    hold each step unpacked into a plain tuple, itself last (a plain tuple unpacks faster).
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


_FIRST = (0,)


def _state_types(states: tuple[Any, ...]) -> tuple[type, ...]:
    return tuple(map(type, states))


def _change_types(change: tuple[frozenset[Any], frozenset[Any]]) -> tuple[frozenset[type], ...]:
    return tuple(frozenset(map(type, timers)) for timers in change)


def _message_types(chans: tuple[tuple[int, tuple[Any, ...]], ...]) -> tuple[type, ...]:
    return tuple([type(msg) for _, chan in chans for msg in chan])


def _timer_types(timers: tuple[tuple[int, frozenset[Any]], ...]) -> tuple[frozenset[type], ...]:
    return tuple(frozenset(map(type, pending)) for _, pending in timers)


class FastPath(Rules):
    """``actions``: the rules' steps, in the same order, most of them built from tables."""

    if TYPE_CHECKING:
        _memo_deliveries: dict[Any, dict[tuple[Any, ...], tuple[Any, ...]]]
        _memo_timeouts: dict[Any, dict[tuple[Any, ...], tuple[Any, ...]]]
        _memo_deliveries_plain: dict[tuple[Any, ...], tuple[Any, ...]]
        _memo_timeouts_plain: dict[tuple[Any, ...], tuple[Any, ...]]
        _memo_parts: dict[Any, Any]
        _memo_ids: set[int]
        _memo_tables: dict[tuple[Any, ...], dict[Any, Any]]
        _memo_live: dict[int, dict[str, Any]]
        _memo_signals: dict[tuple[Any, ...], list[Outcome]]
        _memo_queued: dict[Any, dict[tuple[Any, ...], tuple[Any, ...]]]
        _memo_reach: dict[tuple[Any, ...], tuple[tuple[int, int], ...]]
        _memo_losing: dict[tuple[int, int], tuple[Any, ...]]
        _memo_count: int

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """``_actions(w, None)``: the same steps, in the same order, with the same
        successors, most of them built without the rules' general machinery (see the
        module's docstring)."""
        if self._memo_count > _MEMO_LIMIT:
            self._forget()
        states, chans, sysq, timers = w[0], w[1], w[2], w[3]
        tail = w[4:]
        procs = w[11]
        ids, idc, idt = id(states), id(chans), id(timers)
        new_states: Any
        new_chans: Any
        new_timers: Any
        out: list[tuple[Any, World]] = []
        append = out.append
        fifo = self.fifo
        interned, memo_ids = self._interned, self._memo_ids
        # With a node down, a connection down or a process dead, a message may be lost (the
        # step's messages to those are left out) or a connection come up (a step that sends
        # across one goes the general way): see ``_reach``.
        hazard = w[7] | w[8] or (procs and procs.apart) or DEAD in states
        reach: Any = None
        if sysq:
            memo = self._signals_memo(procs)
            for q, signals in sysq:
                i, signal = q >> SHIFT, signals[0]
                state = states[i]
                if id(state) not in memo_ids:
                    state = interned(state)
                known = memo.get((q, signal, type(signal.who), type(signal.reason), id(state)))
                if known is None:
                    known = self._learn_signal(w, q, signal, state)
                label, new, _, posts, change, made_s, made_c, made_t, to, step = known
                rejoin = 0
                if posts is not None and hazard and to:
                    known, rejoin, reach = self._across_faults(w, reach, known, i, -1)
                    label, new, _, posts, change, made_s, made_c, made_t, to, step = known
                if posts is None:
                    out.extend(self._deliver_slowly(w, ("sysq", q), i, signal, step))
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
                if change is None:
                    new_timers = timers
                else:
                    new_timers = made_t.get(idt)
                    if new_timers is None:
                        new_timers = self._timers_after(step, timers, i)
                new_sysq = put(sysq, q, signals[1:], ())
                nxt = _new_world(World, (new_states, new_chans, new_sysq, new_timers) + tail)
                append((label, self._rejoined(nxt, i, rejoin) if rejoin else nxt))
        byname = w[12]
        if chans:
            memo = self._deliveries_memo(procs)
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
                    known = memo.get((k, msg, type(msg), id(state)))
                    if known is None:
                        known = self._learn_delivery(w, k, msg, state)
                    label, new, _, posts, change, made_s, made_c, made_t, to, step = known
                    rejoin = 0
                    if behind:  # (it changes the count of what is ahead of a message by name)
                        posts = None
                    elif posts is not None and hazard:
                        if k >> SHIFT >= boot and states[k >> SHIFT] is DEAD:
                            posts = None  # (a spawned process that sent this: its slot may go)
                        else:
                            known, rejoin, reach = self._across_faults(w, reach, known, dst, k)
                            label, new, _, posts, change, made_s, made_c, made_t, to, step = known
                    if posts is None:
                        out.extend(self._deliver_slowly(w, ("chan", k, pos), dst, msg, step))
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
                    nxt = _new_world(World, (new_states, new_chans, sysq, new_timers) + tail)
                    append((label, self._rejoined(nxt, dst, rejoin) if rejoin else nxt))
        if byname:  # messages by name: through the rules (the registry decides who gets one)
            out.extend(self._byname_steps(w, None))
        if timers:
            memo = self._timeouts_memo(procs)
            orders = self._orders
            for i, pending in timers:
                order = orders.get(pending)
                if order is None:
                    order = orders[pending] = tuple(sorted(pending, key=self._key))
                state = states[i]
                if id(state) not in memo_ids:
                    state = interned(state)
                for timer in order:
                    known = memo.get((i, pending, timer, type(timer), id(state)))
                    if known is None:
                        known = self._learn_timeout(w, i, pending, timer, state)
                    label, new, _, posts, _, made_s, made_c, made_t, to, step = known
                    rejoin = 0
                    if posts is not None and hazard and to:
                        known, rejoin, reach = self._across_faults(w, reach, known, i, -1)
                        label, new, _, posts, _, made_s, made_c, made_t, to, step = known
                    if posts is None:
                        out.extend(self._time_out_slowly(w, i, pending, timer, step))
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
                    nxt = _new_world(World, (new_states, new_chans, sysq, new_timers) + tail)
                    append((label, self._rejoined(nxt, i, rejoin) if rejoin else nxt))
        if self._any_faults:
            out.extend(self._faults(w, None))
        return out

    def _byname_from(self, w: World, k: int) -> bool:
        """Whether the sender of channel ``k`` has messages by name in flight to the
        receiver's node."""
        return bool(get(w[12], (k >> SHIFT) << SHIFT | self._node_of(w[11], k & MASK), ()))

    def _deliveries_memo(self, procs: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """The remembered deliveries for a world with processes table ``procs``."""
        if not procs:
            return self._memo_deliveries_plain
        return self._memo_deliveries.setdefault(procs, {})

    def _timeouts_memo(self, procs: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """The remembered timeouts for a world with processes table ``procs``."""
        if not procs:
            return self._memo_timeouts_plain
        return self._memo_timeouts.setdefault(procs, {})

    def _signals_memo(self, procs: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """The remembered runtime signal deliveries for a world with processes ``procs``."""
        return self._memo_queued.setdefault(procs, {})

    def _interned(self, state: Any) -> Any:
        """``state``, or an equal process state of the same type met before: the memos key
        a process state by the id of this one, so that a look-up hashes no process state
        (``_memo_parts`` keeps it, and so its id, until the memos are forgotten)."""
        if id(state) in self._memo_ids:
            return state
        return self._shared("node", state, type)

    def _deliver_slowly(
        self, w: World, how: tuple[Any, ...], slot: int, msg: Any, step: _Step
    ) -> Iterator[tuple[Any, World]]:
        """A delivery (``how``: from a channel or a signal queue) whose handler chose, or did
        more than send and set timers, or a signal without a handler: through the rules,
        from the remembered outcomes."""
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

    def _learn_signal(self, w: World, q: int, signal: Signal, state: Any) -> tuple[Any, ...]:
        """Run the handler for the runtime ``signal`` first in queue ``q`` to ``state``;
        remember (as :meth:`_learn_delivery` does)."""
        procs, i = w[11], q >> SHIFT
        label = ("signal", self._addr(procs, i), signal)
        step = self._signal_step(procs, i, label, signal, state, -1)
        key = (q, signal, type(signal.who), type(signal.reason), id(state))
        known = self._signals_memo(procs)[key] = (*step, step)
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
            return _Step(label, None, None, None, None, {}, {}, {}, 0)
        outcomes = self._outcomes(procs, i, call[0], state, call[1])
        posts, timers, reached = self._plan(procs, i, outcomes)
        if posts is None:
            return _Step(label, None, tuple(outcomes), None, None, {}, {}, {}, 0)
        return self._simple_step(
            label,
            state,
            outcomes,
            posts,
            timers,
            i,
            chan,
            timers and _change_types(timers),
            reached,
        )

    def _learn_delivery(self, w: World, k: int, msg: Any, state: Any) -> tuple[Any, ...]:
        """Run the handler for ``msg`` arriving on channel ``k`` to ``state``; remember."""
        procs = w[11]
        src, dst = k >> SHIFT, k & MASK
        label = ("deliver", self._addr(procs, src), self._addr(procs, dst), msg)
        if type(msg) is Signal:
            step = self._signal_step(procs, dst, label, msg, state, k)
        else:
            outcomes = self._outcomes(
                procs, dst, "on_message", state, (self._addr(procs, src), msg)
            )
            posts, timers, reached = self._plan(procs, dst, outcomes)
            if posts is None:
                step = _Step(label, None, tuple(outcomes), None, None, {}, {}, {}, 0)
            else:
                step = self._simple_step(
                    label,
                    state,
                    outcomes,
                    posts,
                    timers,
                    dst,
                    k,
                    timers and _change_types(timers),
                    reached,
                )
        known = self._deliveries_memo(procs)[k, msg, type(msg), id(state)] = (*step, step)
        self._memo_count += 1
        return known

    def _simple_step(
        self,
        label: tuple[Any, ...],
        state: Any,
        outcomes: Any,
        posts: Any,
        timers: Any,
        i: int,
        chan: int,
        timer_types: Any,
        reached: int,
    ) -> _Step:
        """The step of a handler that only sends, connects and sets or cancels timers (its
        one outcome), with the tables it shares with every step of the same effect: on
        process ``i``'s state, on channel ``chan``'s messages (-1: a timeout), on ``i``'s
        timers. Its ``to`` is the slots it sends to and ``reached`` (a slot of each node it
        connects to)."""
        extras, new, _ = outcomes[0]
        new = self._shared_state(state, new)
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
        )

    def _learn_timeout(
        self, w: World, i: int, pending: frozenset[Any], timer: Any, state: Any
    ) -> tuple[Any, ...]:
        """Run process ``i``'s handler for ``timer`` (of its ``pending`` timers) firing in
        ``state``; remember."""
        procs = w[11]
        label = ("timeout", self._addr(procs, i), timer)
        outcomes = self._outcomes(procs, i, "on_timeout", state, (timer,))
        posts, timers, reached = self._plan(procs, i, outcomes)
        now = pending - {timer}
        if timers is not None:
            now = (now - timers[1]) | timers[0]
        if posts is None:
            step = _Step(label, None, tuple(outcomes), None, now, {}, {}, {}, 0)
        else:
            step = self._simple_step(
                label, state, outcomes, posts, now, i, -1, _timer_types(((i, now),)), reached
            )
        known = self._timeouts_memo(procs)[i, pending, timer, type(timer), id(state)] = (
            *step,
            step,
        )
        self._memo_count += 1
        return known

    def _plan(self, procs: Any, i: int, outcomes: list[Outcome]) -> tuple[Any, Any, int]:
        """For a handler that made no choice and only sent (to a node's name, a pid, a
        name registered on its own node, resolved in ``procs``, the processes table; a
        message to nobody is lost), connected to nodes and set or cancelled timers: the
        messages per channel (sorted by channel), the timers set and cancelled in the end,
        or None for them, and the nodes connected to (a boot slot of each, as a bitmask:
        ``_reach`` knows the nodes by their slots); otherwise, or for a state or message
        that is not hashable, (None, None, 0): the rules then make the world, and the search
        reports what is wrong with it. (The memos are per processes table, so a send
        resolved here is resolved for every world the step is remembered for.)"""
        if len(outcomes) != 1:
            return None, None, 0
        _, new, ops = outcomes[0]
        first_boot, resolve = self.first_boot, self._resolve
        sent: dict[int, list[Any]] = {}
        last: dict[Any, bool] = {}
        reached = 0
        for op in ops:
            kind = op[0]
            if kind == SEND:
                to = op[1]
                if type(to) is tuple and self._address_node(to) != self._node_of(procs, i):
                    return None, None, 0  # (by name to another node: looked up on arrival)
                j = first_boot[to] if type(to) is int else resolve(procs, to)
                if j is not None and j >= 0:
                    sent.setdefault(i << SHIFT | j, []).append(op[2])
                    continue
                # Nobody there (a name not registered, an old pid): the message is lost,
                # but the send still reaches for the node, as ``out.connect`` does.
                there = self.boot_slots[self._address_node(to)]
                if not there:
                    return None, None, 0
                reached |= 1 << there[0]
            elif kind == TIMER:
                last[op[1]] = op[2]
            elif kind == CONNECT and self.boot_slots[op[1]]:
                reached |= 1 << self.boot_slots[op[1]][0]
            elif kind != NOTE:
                return None, None, 0
        posts = tuple(sorted((k, tuple(msgs)) for k, msgs in sent.items()))
        try:
            hash((new, posts))
        except Exception:
            return None, None, 0
        if not last:
            return posts, None, reached
        sets = frozenset(t for t, on in last.items() if on)
        return posts, (sets, frozenset(t for t, on in last.items() if not on)), reached

    def _targets(self, posts: tuple[tuple[int, tuple[Any, ...]], ...]) -> int:
        """The slots ``posts`` sends to, as a bitmask."""
        mask = 0
        for k, _ in posts:
            mask |= 1 << (k & MASK)
        return mask

    def _reach(self, w: World) -> tuple[tuple[int, int], ...]:
        """Per slot ``i`` of ``w``, two bitmasks over slots: where a message from ``i`` is
        lost and nothing else happens (a dead process, a node down, a link cut), and where
        sending first brings a connection up (a node apart from ``i``'s though the network
        reaches it; the rules make those steps). Remembered per processes table, down
        nodes, cut links and dead slots."""
        states, procs = w[0], w[11]
        dead = 0
        for j, state in enumerate(states):
            if state is DEAD:
                dead |= 1 << j
        key = (procs, w[7], w[8], dead, len(states))
        known = self._memo_reach.get(key)
        if known is None:
            n, down, cut = self.n, w[7], w[8]
            apart = procs.apart if procs else 0
            nodes = [self._node_of(procs, j) for j in range(len(states))]
            masks = []
            for here in nodes:
                lost, rejoin = dead, 0
                for j, there in enumerate(nodes):
                    if (down >> here | down >> there) & 1:
                        lost |= 1 << j
                    elif there != here:
                        pair = here * n + there if here < there else there * n + here
                        if cut >> pair & 1:
                            lost |= 1 << j
                        elif apart >> pair & 1:
                            rejoin |= 1 << j
                masks.append((lost, rejoin))
            known = self._memo_reach[key] = tuple(masks)
            self._memo_count += 1
        return known

    def _rejoined(self, w: World, i: int, slots: int) -> World:
        """``w`` (made from the tables) after process ``i``'s sends to ``slots`` brought
        their connections up: the rules' ``_contact``, node by node (each adds its own
        ``nodeup`` signals, so the order does not matter)."""
        nxt = Next(w, None)
        procs, here = w[11], self._node_of(w[11], i)
        for there in sorted({self._node_of(procs, j) for j in range(len(w[0])) if slots >> j & 1}):
            self._contact(nxt, here, there)
        return nxt.world()

    def _across_faults(
        self,
        w: World,
        reach: tuple[tuple[int, int], ...] | None,
        known: tuple[Any, ...],
        slot: int,
        chan: int,
    ) -> tuple[tuple[Any, ...], int, tuple[tuple[int, int], ...]]:
        """Under faults, the remembered step ``known`` of ``slot`` (taking from channel
        ``chan``, or -1) as the rules would take it at ``w``: its messages to slots out of
        reach left out (:meth:`_losing`), and the slots it sends to whose connection the
        send brings back up (``rejoin``, for :meth:`_rejoined`). ``reach`` is ``w``'s
        :meth:`_reach`, made here the first time a step of ``w`` needs it."""
        if reach is None:
            reach = self._reach(w)
        lost, rejoin = reach[slot]
        to = known[8]
        if to & lost:
            known = self._losing(known, to & lost, chan)
        return known, rejoin & to, reach

    def _losing(self, known: tuple[Any, ...], lost: int, chan: int) -> tuple[Any, ...]:
        """The remembered step ``known`` (taking from channel ``chan``, or -1) with its
        messages to the slots ``lost`` left out, as the rules lose them; remembered."""
        step: _Step = known[-1]
        key = (id(step), lost)
        made = self._memo_losing.get(key)
        if made is None:
            assert step.posts is not None
            posts = tuple(post for post in step.posts if not lost >> (post[0] & MASK) & 1)
            kept = step._replace(
                posts=posts,
                made_chans=self._table("chans", chan, posts, _message_types(posts)),
                to=step.to & ~lost,
            )
            made = self._memo_losing[key] = (*kept, kept)  # (``step`` stays in its memo)
            self._memo_count += 1
        return made

    def _table(self, *effect: Any) -> dict[Any, Any]:
        """The table of what ``effect`` (on one part of a world) makes of each shared part:
        one per effect, shared by every step that has it."""
        table = self._memo_tables.get(effect)
        if table is None:
            table = self._memo_tables[effect] = {}
            self._memo_count += 1
        return table

    def _shared_state(self, old: Any, new: Any) -> Any:
        """``new``, or an equal process state of the same type met before."""
        if new is old:
            return new
        return self._shared("node", new, type)

    def _states_after(self, step: _Step, states: tuple[Any, ...], i: int) -> tuple[Any, ...]:
        """The process states ``step`` leaves of ``states``."""
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
        """The timers ``step`` (of process ``i``) leaves of ``timers``: a delivery's (set,
        cancelled) pair applied, or a timeout's timers after put in place."""
        parent = self._shared("timers", timers, _timer_types)
        made: tuple[Any, ...] | None = step.made_timers.get(id(parent))
        if made is None:
            old = get(parent, i, NO_TIMERS)
            if type(step.timers) is tuple:
                sets, cancels = step.timers
                now = (old - cancels) | sets
            else:
                now = step.timers
            made = parent if now == old else put(parent, i, now, NO_TIMERS)
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
        """``part`` of a world (or a process state), or an equal one of the same kind and
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
            key = (procs, slot, handler, id(self._interned(state)), args, *map(type, args))
            known = self._memo_signals.get(key)
        except TypeError:  # (an unhashable state or message: the search reports it)
            return super()._outcomes(procs, slot, handler, state, args)
        if known is None:
            known = self._memo_signals[key] = super()._outcomes(procs, slot, handler, state, args)
            self._memo_count += 1
        return known

    def _forget(self) -> None:
        """Start afresh: called between two worlds, once ``_MEMO_LIMIT`` is passed."""
        for name in MEMOS:
            getattr(self, name).clear()
        self._memo_count = 0
