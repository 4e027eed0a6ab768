"""gen_server and gen_statem as library code (modelcheck/beam): handlers called directly,
with the effects they leave in ``Out``, and one small system checked end to end."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

import pytest

from modelcheck import check
from modelcheck.actors import ActorSystem, Out, Ref, Signal
from modelcheck.actors.actor import DEMONITOR, MONITOR, SEND, STOP, TIMER
from modelcheck.beam import (
    CallTimeout,
    Ctx,
    From,
    GenCall,
    GenCast,
    GenReply,
    GenServer,
    GenState,
    NoReply,
    Reply,
)
from modelcheck.beam.statem import GenStatem, Machine
from modelcheck.errors import ModelError


class Log(NamedTuple):
    events: tuple[Any, ...] = ()
    waiting: Any = None  # a From answered later


class Recorder(GenServer[Log]):
    """Records what reaches each callback; ``("later", x)`` calls are answered later."""

    def init_state(self, ctx: Ctx) -> Log:
        return Log()

    def handle_call(self, request: Any, frm: From, state: Log, ctx: Ctx) -> Any:
        if request == "later":
            return NoReply(state._replace(waiting=frm))
        if request == "answer":
            ctx.reply(state.waiting, "done")
            return Reply("answered", state._replace(waiting=None))
        return Reply(("echo", request), state)

    def handle_cast(self, request: Any, state: Log, ctx: Ctx) -> Log:
        if request == "ask":
            ctx.call("server", "q")
        return state._replace(events=(*state.events, ("cast", request)))

    def handle_info(self, msg: Any, state: Log, ctx: Ctx) -> Log:
        return state._replace(events=(*state.events, ("info", msg)))

    def handle_reply(self, ref: int, value: Any, state: Log, ctx: Ctx) -> Log:
        return state._replace(events=(*state.events, ("reply", ref, value)))


def _out() -> Out:
    return Out(["me", "client", "server"])


def _ops(out: Out) -> list[tuple[Any, ...]]:
    ops, out.ops = out.ops, []
    return ops


def test_a_call_takes_the_next_reference_sends_the_request_and_sets_its_timer() -> None:
    r, out = Recorder(), _out()
    s = r.init("me", out)
    s = r.on_message("me", s, "x", GenCast("ask"), out)
    s = r.on_message("me", s, "x", GenCast("ask"), out)
    # "server" is node index 2; two calls: references 1 and 2, each monitoring the server
    # first (monitor references 0 and 1 of the pair: this Out, never reset, still holds the
    # first call's monitor among its effects), each with a timer.
    call = GenCall(From("me", 1), "q")
    assert _ops(out) == [
        (MONITOR, 2, Ref("", "server", 0)),
        (SEND, 2, call),
        (TIMER, CallTimeout(1), True),
        (MONITOR, 2, Ref("", "server", 1)),
        (SEND, 2, GenCall(From("me", 2), "q")),
        (TIMER, CallTimeout(2), True),
    ]
    assert (s.next_ref, s.pending) == (3, (1, 2))
    assert s.monitors == ((1, Ref("", "server", 0)), (2, Ref("", "server", 1)))
    assert str(call) == "call(me#1, q)"


def test_a_reply_in_time_goes_to_handle_reply_and_cancels_the_timer() -> None:
    r, out = Recorder(), _out()
    s = r.on_message("me", r.init("me", out), "x", GenCast("ask"), out)
    _ops(out)
    s = r.on_message("me", s, "server", GenReply(1, 42), out)
    # The monitor goes with the timer, and a DOWN of it on the way with it (flush).
    assert _ops(out) == [(TIMER, CallTimeout(1), False), (DEMONITOR, Ref("", "server", 0), True)]
    assert s.state.events == (("cast", "ask"), ("reply", 1, 42))
    assert s.pending == () and s.monitors == ()


def test_a_reply_after_the_timeout_is_a_stray_message_for_handle_info() -> None:
    r, out = Recorder(), _out()
    s = r.on_message("me", r.init("me", out), "x", GenCast("ask"), out)
    _ops(out)
    # The default handle_call_timeout exits the caller, as an uncaught timeout does.
    timed_out = r.on_timeout("me", s, CallTimeout(1), out)
    assert _ops(out) == [(DEMONITOR, Ref("", "server", 0), True), (STOP, "timeout")]
    assert timed_out.pending == () and timed_out.monitors == ()

    class Catching(Recorder):
        def handle_call_timeout(self, ref: int, state: Log, ctx: Ctx) -> Log:
            return state._replace(events=(*state.events, ("timeout", ref)))

    c = Catching()
    s = c.on_timeout("me", s, CallTimeout(1), out)
    _ops(out)
    s = c.on_message("me", s, "server", GenReply(1, 42), out)
    assert s.state.events == (("cast", "ask"), ("timeout", 1), ("info", GenReply(1, 42)))
    assert _ops(out) == []  # no timer to cancel: it fired

    class Aliased(Catching):
        late_replies = False  # OTP 24's aliases drop the late reply

    assert Aliased().on_message("me", s, "server", GenReply(1, 43), out) == s


def test_a_call_answered_later_with_reply() -> None:
    r, out = Recorder(), _out()
    s = r.init("me", out)
    s = r.on_message("me", s, "client", GenCall(From("client", 7), "later"), out)
    assert _ops(out) == [] and s.state.waiting == From("client", 7)
    s = r.on_message("me", s, "server", GenCall(From("server", 1), "answer"), out)
    # The later reply goes first (sent by the handler), then the answer to this call.
    assert _ops(out) == [(SEND, 1, GenReply(7, "done")), (SEND, 2, GenReply(1, "answered"))]


def test_signals_and_timers_reach_handle_info() -> None:
    r, out = Recorder(), _out()
    s = r.init("me", out)
    s = r.on_down("me", s, "server", "noconnection", out)
    s = r.on_timeout("me", s, "tick", out)
    s = r.on_nodeup("me", s, "server", out)
    assert s.state.events == (
        ("info", Signal("DOWN", "server", "noconnection")),
        ("info", "tick"),
        ("info", Signal("nodeup", "server")),
    )


def test_a_timer_of_a_call_already_answered_is_ignored() -> None:
    r, out = Recorder(), _out()
    s = r.init("me", out)
    assert r.on_timeout("me", s, CallTimeout(5), out) is s


def test_handle_call_must_return_reply_or_noreply() -> None:
    class Bad(Recorder):
        def handle_call(self, request: Any, frm: From, state: Log, ctx: Ctx) -> Any:
            return state

    with pytest.raises(ModelError, match=r"^Bad.handle_call returned Log\(events=\(\), "):
        Bad().on_message("me", Bad().init("me", _out()), "x", GenCall(From("x", 1), 1), _out())


def test_postpone_outside_a_message_handler_is_refused() -> None:
    class Early(Recorder):
        def init_state(self, ctx: Ctx) -> Log:
            ctx.postpone()
            return Log()

    with pytest.raises(ModelError, match=r"^me called ctx.postpone\(\) outside handle_call"):
        Early().init("me", _out())


class Gate(GenServer[tuple[bool, tuple[Any, ...]]]):
    """Postpones every cast while closed; ``open``/``close`` change the state."""

    def init_state(self, ctx: Ctx) -> tuple[bool, tuple[Any, ...]]:
        return (False, ())

    def handle_cast(self, request: Any, state: Any, ctx: Ctx) -> Any:
        is_open, seen = state
        if request in ("open", "close"):
            return (request == "open", seen)
        if not is_open:
            ctx.postpone()
            return state
        if request == "x2":
            return (False, (*seen, request))  # closes again: later ones wait
        return (is_open, (*seen, request))


def test_postponed_messages_come_back_in_order_after_a_state_change() -> None:
    g, out = Gate(), _out()
    s = g.init("me", out)
    for msg in ("x1", "x2", "x3"):
        s = g.on_message("me", s, "c", GenCast(msg), out)
    assert s.state == (False, ()) and s.postponed == (GenCast("x1"), GenCast("x2"), GenCast("x3"))
    s = g.on_message("me", s, "c", GenCast("open"), out)
    # x1 and x2 are handled; x2 closes the gate, so x3 waits again.
    assert s.state == (False, ("x1", "x2")) and s.postponed == (GenCast("x3"),)
    s = g.on_message("me", s, "c", GenCast("open"), out)
    assert s.state == (True, ("x1", "x2", "x3")) and s.postponed == ()


def test_a_state_that_keeps_changing_while_replaying_is_a_model_error() -> None:
    class Flip(Gate):
        def handle_cast(self, request: Any, state: Any, ctx: Ctx) -> Any:
            ctx.postpone()
            return (not state[0], state[1])

    f, out = Flip(), _out()
    with pytest.raises(ModelError, match=r"^Flip replayed postponed messages 1000 times"):
        f.on_message("me", f.init("me", out), "c", GenCast("x"), out)


def test_gen_statem_retries_postponed_events_only_when_the_state_name_changes() -> None:
    class Door(GenStatem):
        def init_machine(self, ctx: Ctx) -> Machine:
            return Machine("locked", 0)

        def handle_event(self, kind: Any, content: Any, m: Machine, ctx: Ctx) -> Machine:
            if kind == "cast" and content == "unlock":
                return Machine("open", m.data)
            if kind == "cast" and content == "tick":
                return Machine(m.state, m.data + 1)  # data only
            if m.state == "locked":
                ctx.postpone()
                return m
            ctx.reply(kind[1], m.data)
            return m

    d, out = Door(), _out()
    s = d.on_message("me", d.init("me", out), "c", GenCall(From("client", 1), "read"), out)
    s = d.on_message("me", s, "c", GenCast("tick"), out)
    assert len(s.postponed) == 1 and _ops(out) == []  # the data changed, not the state
    s = d.on_message("me", s, "c", GenCast("unlock"), out)
    assert s.postponed == () and _ops(out) == [(SEND, 1, GenReply(1, 1))]


# -- end to end -------------------------------------------------------------------------------


class Counter(GenServer[int]):
    def init_state(self, ctx: Ctx) -> int:
        return 0

    def handle_call(self, request: Any, frm: From, state: int, ctx: Ctx) -> Reply[int]:
        return Reply(state, state)

    def handle_cast(self, request: Any, state: int, ctx: Ctx) -> int:
        return state + 1


class Client(GenServer[tuple[Any, ...]]):
    def init_state(self, ctx: Ctx) -> tuple[Any, ...]:
        ctx.cast("server", "inc")
        ctx.call("server", "get")
        return ()

    def handle_reply(self, ref: int, value: Any, state: tuple[Any, ...], ctx: Ctx) -> Any:
        return (*state, value)

    def handle_call_timeout(self, ref: int, state: tuple[Any, ...], ctx: Ctx) -> Any:
        return (*state, "timeout")

    def handle_info(self, msg: Hashable, state: tuple[Any, ...], ctx: Ctx) -> Any:
        return (*state, ("late", msg))


class CastThenCall(ActorSystem):
    def actors(self) -> dict[str, Any]:
        return {"client": Client(), "server": Counter()}


def test_a_cast_then_a_call_with_a_timeout_on_two_nodes() -> None:
    # The client casts inc and calls get (#1, timer set). States: S0; inc delivered (S1);
    # timeout first (S2); from S1, get delivered: reply 1 in flight (S3), or the timeout
    # (S4 = S2 then inc delivered); S3: reply delivered in time (S5: (1,)), or the timeout
    # (S6: reply in flight, client ("timeout",)) = S4 then get delivered; S6: the late
    # reply arrives (S7). 8 states; 10 generated (1 + 2 + 2 + 1 + 2 + 1 + 1), depth 5.
    result = check(CastThenCall())
    assert (result.distinct, result.generated, result.depth) == (8, 10, 5)
    finals = {
        w.states[0].state
        for w in _reachable(CastThenCall())
        if not w.chans and not w.timers and isinstance(w.states[0], GenState)
    }
    assert finals == {(1,), ("timeout", ("late", GenReply(1, 1)))}


def _reachable(model: ActorSystem) -> list[Any]:
    seen: dict[Any, None] = {}
    frontier = list(model.init_states())
    while frontier:
        w = frontier.pop()
        if w in seen:
            continue
        seen[w] = None
        frontier.extend(nxt for _, nxt in model.actions(w))
    return list(seen)
