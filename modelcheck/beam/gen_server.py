"""gen_server as library code: call (a request reference, a reply, a timeout), cast, info.

Subclass :class:`GenServer` and write the callbacks as in Elixir's ``GenServer``, on your
own immutable state ``S``:

- ``init_state(ctx) -> S``;
- ``handle_call(request, frm, state, ctx)`` returns ``Reply(value, state)`` or
  ``NoReply(state)`` (then answer later, from any handler, with ``ctx.reply(frm, value)``);
- ``handle_cast(request, state, ctx) -> S``;
- ``handle_info(msg, state, ctx) -> S``: any other message, a timer set with
  ``ctx.set_timer(t)`` (as ``Process.send_after(self(), t, ms)`` would deliver it), a
  :class:`~modelcheck.actors.Signal` (``DOWN``, ``EXIT`` when trapping exits, ``nodeup``,
  ``nodedown``), and a late reply to a call that already timed out (a :class:`GenReply`);
- ``handle_reply(ref, value, state, ctx) -> S``: the reply to a call this process made;
- ``handle_call_timeout(ref, state, ctx) -> S``: a call this process made timed out. By
  default the process exits with reason ``"timeout"``, as an uncaught ``GenServer.call``
  timeout makes it; override it to catch the exit.
- ``handle_call_failed(ref, reason, state, ctx) -> S``: the server of a call this process
  made went down before it replied (or was not there, or not reachable). ``reason`` is
  what OTP's ``gen:call`` exits with: the server's exit reason (``noproc``, ``killed``,
  any term), or ``("nodedown", node)`` when the connection to its node went (DOWN
  ``noconnection``). By default the process exits with ``(reason, ("gen_server",
  "call"))``, as an uncaught ``GenServer.call`` makes it; override it to catch the exit.

``ctx`` (a :class:`Ctx`) is what a handler acts through: ``ctx.call(to, request)`` sends
the request and returns its reference at once, ``ctx.cast``, ``ctx.reply``,
``ctx.postpone()`` (see below), and every method of :class:`~modelcheck.actors.Out`
(``ctx.send``, ``ctx.monitor``, ``ctx.spawn_link``, ...). ``ctx.me`` is this process.

How a call works, in messages a trace shows: the caller takes the next number from its own
counter as the reference (``#1``, ``#2``, ... per process), monitors the server (as OTP's
``gen:call`` does), sends ``GenCall(from, request)`` (``from`` = ``(caller, ref)``) and
sets the timer ``CallTimeout(ref)``, which may fire at any later step. The server's
``Reply`` sends ``GenReply(ref, value)`` back to the caller. A reply whose reference the
caller still waits for goes to ``handle_reply`` (and cancels the timer and the monitor,
flushing its DOWN); once the timer fired (which removes the monitor too), the reference is
forgotten and a reply that comes after is a stray message, given to ``handle_info``: the
late reply that real callers find in their mailbox. A DOWN of the monitor before the reply
goes to ``handle_call_failed`` (and cancels the timer).

Postpone (gen_statem's ``postpone``, or a selective receive): a handler that calls
``ctx.postpone()`` leaves the message it was given (call, cast or info) for later. The
postponed messages are kept in this process's state, in order, and are handed to the
handlers again, oldest first and before any new message, as soon as a handler changes the
state so that ``retry_when(old, new)`` holds (by default: the state changed at all;
:class:`~modelcheck.beam.statem.GenStatem` retries only when its state name changes). A
handler that postpones its message and changes the state gets it again at once, in the new
state, as gen_statem does.

Simplified against OTP, on purpose:

- A call does not block the caller: it is ``gen_server:send_request/2`` with the reply
  handled in a callback (``receive_response`` in a later handler). A caller that must not
  handle anything else while it waits postpones other messages while a call is pending.
- The call's reference is the caller's own counter, not the monitor's reference (OTP uses
  the monitor reference as the tag); the monitor's reference is kept beside it.
- A late reply is delivered, as before OTP 24; OTP 24's aliases (``gen_server:call`` drops
  replies that come after the timeout) are ``GenServer.late_replies = False``.
- References count per process. In a system of ``cluster()`` a restarted caller is a new
  pid, so replies to its old calls are dropped; in one of ``actors()`` (node names, no
  pids) the restarted process could take a reply to its old call ``#1`` for the answer to
  its new ``#1``.
- Postponed messages replayed after a state change run within the step that changed the
  state (in OTP they are handled one by one, and other processes may act in between).
- No ``{:continue, ...}``, hibernation, ``terminate/2``, ``code_change`` or ``format_status``;
  a handler stops the process with ``ctx.stop(reason)``.

>>> from modelcheck.actors import Out
>>> class Counter(GenServer[int]):
...     def init_state(self, ctx):
...         return 0
...     def handle_call(self, request, frm, state, ctx):
...         return Reply(state, state)
...     def handle_cast(self, request, state, ctx):
...         return state + 1
>>> out = Out(["a", "b"])
>>> s = Counter().init("a", out)
>>> s = Counter().on_message("a", s, "b", GenCast("inc"), out)
>>> s = Counter().on_message("a", s, "b", GenCall(From("b", 1), "get"), out)
>>> s.state, out.ops[-1][-1]  # the reply it sent
(1, GenReply(#1, 1))
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from modelcheck.actors import NOCONNECTION, Actor, Out, Pid, Ref, Signal
from modelcheck.errors import ModelError
from modelcheck.values import format_value, to_plain

__all__ = [
    "CallTimeout",
    "Ctx",
    "From",
    "GenCall",
    "GenCast",
    "GenReply",
    "GenServer",
    "GenState",
    "NoReply",
    "Reply",
    "call_failure",
]

S = TypeVar("S")

#: How many postponed messages one step may replay before it is taken for a loop.
_REPLAY_LIMIT = 1000


class From(NamedTuple):
    """Who made a call, and its reference: what ``handle_call`` gets as ``frm`` and what
    ``ctx.reply`` needs."""

    pid: Any
    ref: int

    def __str__(self) -> str:
        return f"{self.pid}#{self.ref}"

    def __modelcheck_plain__(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class GenCall:
    """A call on the wire: ``{'$gen_call', From, Request}``."""

    frm: From
    request: Any

    def __str__(self) -> str:
        return f"call({self.frm}, {_text(self.request)})"

    def __modelcheck_plain__(self) -> list[Any]:
        return ["call", to_plain(self.frm), to_plain(self.request)]


@dataclass(frozen=True, slots=True)
class GenCast:
    """A cast on the wire: ``{'$gen_cast', Request}``."""

    request: Any

    def __str__(self) -> str:
        return f"cast({_text(self.request)})"

    def __modelcheck_plain__(self) -> list[Any]:
        return ["cast", to_plain(self.request)]


@dataclass(frozen=True, slots=True)
class GenReply:
    """A reply on the wire: ``{Ref, Reply}``. A caller that no longer waits for ``ref``
    gets it in ``handle_info``."""

    ref: int
    value: Any

    def __str__(self) -> str:
        return f"reply(#{self.ref}, {_text(self.value)})"

    def __repr__(self) -> str:
        return f"GenReply(#{self.ref}, {self.value!r})"

    def __modelcheck_plain__(self) -> list[Any]:
        return ["reply", f"#{self.ref}", to_plain(self.value)]


@dataclass(frozen=True, slots=True)
class CallTimeout:
    """The timer a call sets: it may fire at any later step until the reply comes."""

    ref: int

    def __str__(self) -> str:
        return f"call_timeout(#{self.ref})"

    def __modelcheck_plain__(self) -> str:
        return str(self)


class Reply(NamedTuple, Generic[S]):
    """``{:reply, value, state}``: what ``handle_call`` returns to answer at once."""

    value: Any
    state: S


class NoReply(NamedTuple, Generic[S]):
    """``{:noreply, state}``: ``handle_call`` answers later with ``ctx.reply(frm, value)``
    (or never)."""

    state: S


class GenState(NamedTuple, Generic[S]):
    """A gen_server process's state: the behaviour's own ``state``, the next call
    reference, the references of its calls still waiting for a reply, the messages it
    postponed (oldest first), and the monitors of its calls' servers (call reference,
    monitor reference)."""

    state: S
    next_ref: int = 1
    pending: tuple[int, ...] = ()
    postponed: tuple[Any, ...] = ()
    monitors: tuple[tuple[int, Ref], ...] = ()


class Ctx:
    """What a GenServer handler acts through: :class:`~modelcheck.actors.Out`'s methods
    (``send``, ``set_timer``, ``monitor``, ``spawn_link``, ``stop``, ``choose``, ...) plus
    ``call``, ``cast``, ``reply`` and ``postpone``. Made fresh for every handler call; do
    not keep it."""

    __slots__ = ("_postponed", "me", "monitors", "next_ref", "out", "pending")

    def __init__(
        self,
        out: Out,
        me: Any,
        next_ref: int,
        pending: tuple[int, ...],
        monitors: tuple[tuple[int, Ref], ...] = (),
    ) -> None:
        self.out = out
        self.me = me
        self.next_ref = next_ref
        self.pending = pending
        self.monitors = monitors
        self._postponed: bool | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)

    def call(self, to: Any, request: Any, *, timeout: bool = True) -> int:
        """``GenServer.call(to, request, timeout)`` without blocking: monitor the server,
        send the request and return its reference at once; the reply comes to
        ``handle_reply(ref, value, ...)``, the server's death before it to
        ``handle_call_failed``. ``timeout=False`` is ``:infinity`` (no timer)."""
        ref = self.next_ref
        self.next_ref = ref + 1
        self.pending = (*self.pending, ref)
        self.monitors = (*self.monitors, (ref, self.out.monitor(to)))
        self.out.send(to, GenCall(From(self.me, ref), request))
        if timeout:
            self.out.set_timer(CallTimeout(ref))
        return ref

    def cast(self, to: Any, request: Any) -> None:
        """``GenServer.cast(to, request)``: send and forget."""
        self.out.send(to, GenCast(request))

    def reply(self, frm: From, value: Any) -> None:
        """``GenServer.reply(from, value)``: answer a call from any later handler."""
        if type(frm) is not From:
            raise ModelError(
                f"{self.me} called ctx.reply({frm!r}, ...): the first argument "
                "is the From that handle_call was given"
            )
        self.out.send(frm.pid, GenReply(frm.ref, value))

    def _settled(self, ref: int, *, fired: bool = False) -> None:
        """Call ``ref`` is over (replied, timed out: ``fired``, or failed): forget it,
        cancel its timer, remove its monitor and any DOWN of it on the way."""
        self.pending = tuple(r for r in self.pending if r != ref)
        if not fired:
            self.out.cancel_timer(CallTimeout(ref))
        for call, mref in self.monitors:
            if call == ref:
                self.out.demonitor(mref, flush=True)
        self.monitors = tuple(m for m in self.monitors if m[0] != ref)

    def postpone(self) -> None:
        """Leave the message this handler was given for later: it is handed to the handlers
        again after the next state change (see the module's docstring)."""
        if self._postponed is None:
            raise ModelError(
                f"{self.me} called ctx.postpone() outside handle_call, handle_cast or "
                "handle_info: only a message can be postponed"
            )
        self._postponed = True


class GenServer(Actor[GenState[S]], Generic[S]):
    """A process that runs gen_server callbacks (see the module's docstring). Class
    attributes: ``trap_exit`` (as for any actor); ``late_replies`` (default True): a reply
    that comes after its call timed out reaches ``handle_info``; False drops it, as OTP 24's
    aliases do."""

    late_replies: bool = True

    # -- the callbacks a behaviour writes -----------------------------------------------------

    def init_state(self, ctx: Ctx) -> S:
        """The state the process starts with (``init/1``)."""
        raise NotImplementedError(f"{type(self).__name__} must define init_state(ctx)")

    def handle_call(self, request: Any, frm: From, state: S, ctx: Ctx) -> Reply[S] | NoReply[S]:
        """A call: answer with ``Reply(value, state)``, or ``NoReply(state)`` and
        ``ctx.reply(frm, value)`` later. By default a model error (OTP would crash)."""
        raise ModelError(f"{type(self).__name__} got a call it has no handle_call for: {request!r}")

    def handle_cast(self, request: Any, state: S, ctx: Ctx) -> S:
        """A cast. By default a model error (OTP would crash)."""
        raise ModelError(f"{type(self).__name__} got a cast it has no handle_cast for: {request!r}")

    def handle_info(self, msg: Any, state: S, ctx: Ctx) -> S:
        """Any other message, timer, signal or late reply. By default ignored (Elixir logs
        it)."""
        return state

    def handle_reply(self, ref: int, value: Any, state: S, ctx: Ctx) -> S:
        """The reply to this process's call ``ref``. By default ignored."""
        return state

    def handle_call_timeout(self, ref: int, state: S, ctx: Ctx) -> S:
        """This process's call ``ref`` timed out. By default the process exits with reason
        ``"timeout"``, as an uncaught ``GenServer.call`` timeout makes it."""
        ctx.stop("timeout")
        return state

    def handle_call_failed(self, ref: int, reason: Any, state: S, ctx: Ctx) -> S:
        """The server of this process's call ``ref`` went down before it replied (see the
        module's docstring for ``reason``). By default the process exits with
        ``(reason, ("gen_server", "call"))``, as an uncaught ``GenServer.call`` makes it."""
        ctx.stop((reason, ("gen_server", "call")))
        return state

    def retry_when(self, old: S, new: S) -> bool:
        """Whether a step from ``old`` to ``new`` hands postponed messages back."""
        return old != new

    # -- the Actor's handlers -------------------------------------------------------------------

    def init(self, me: Any, out: Out) -> GenState[S]:
        ctx = Ctx(out, me, 1, ())
        return GenState(self.init_state(ctx), ctx.next_ref, ctx.pending, (), ctx.monitors)

    def on_message(
        self, me: Any, state: GenState[S], sender: Any, msg: Any, out: Out
    ) -> GenState[S]:
        ctx = _ctx(out, me, state)
        if type(msg) is GenReply and msg.ref in ctx.pending:
            ctx._settled(msg.ref)
            new = self.handle_reply(msg.ref, msg.value, state.state, ctx)
            return self._gen_after(state, new, state.postponed, ctx)
        if type(msg) is GenReply and not self.late_replies:
            return state
        return self._gen_handle(state, msg, ctx)

    def on_timeout(self, me: Any, state: GenState[S], timer: Hashable, out: Out) -> GenState[S]:
        ctx = _ctx(out, me, state)
        if type(timer) is CallTimeout:
            if timer.ref not in ctx.pending:
                return state
            ctx._settled(timer.ref, fired=True)
            new = self.handle_call_timeout(timer.ref, state.state, ctx)
            return self._gen_after(state, new, state.postponed, ctx)
        return self._gen_handle(state, timer, ctx)

    def on_down(self, me: Any, state: GenState[S], who: Any, reason: Any, out: Out) -> GenState[S]:
        return self._gen_signal(me, state, Signal("DOWN", who, reason), out)

    def on_down_ref(
        self, me: Any, state: GenState[S], ref: Ref, who: Any, reason: Any, out: Out
    ) -> GenState[S]:
        for call, mref in state.monitors:
            if mref == ref:
                ctx = _ctx(out, me, state)
                ctx._settled(call)
                new = self.handle_call_failed(call, call_failure(who, reason), state.state, ctx)
                return self._gen_after(state, new, state.postponed, ctx)
        if type(self).on_down is not GenServer.on_down:
            return self.on_down(me, state, who, reason, out)
        return self._gen_signal(me, state, Signal("DOWN", who, reason, ref), out)

    def on_exit(self, me: Any, state: GenState[S], who: Any, reason: Any, out: Out) -> GenState[S]:
        return self._gen_signal(me, state, Signal("EXIT", who, reason), out)

    def on_nodeup(self, me: Any, state: GenState[S], node: str, out: Out) -> GenState[S]:
        return self._gen_signal(me, state, Signal("nodeup", node), out)

    def on_nodedown(self, me: Any, state: GenState[S], node: str, out: Out) -> GenState[S]:
        return self._gen_signal(me, state, Signal("nodedown", node), out)

    # -- dispatch, postpone and replay --------------------------------------------------------

    def _gen_signal(self, me: Any, state: GenState[S], signal: Signal, out: Out) -> GenState[S]:
        return self._gen_handle(state, signal, _ctx(out, me, state))

    def _gen_handle(self, state: GenState[S], msg: Any, ctx: Ctx) -> GenState[S]:
        """Hand ``msg`` to its callback; keep it if postponed; replay after a change."""
        new, postponed = self._gen_dispatch(state.state, msg, ctx)
        kept = (*state.postponed, msg) if postponed else state.postponed
        return self._gen_after(state, new, kept, ctx)

    def _gen_dispatch(self, state: S, msg: Any, ctx: Ctx) -> tuple[S, bool]:
        ctx._postponed = False
        try:
            if type(msg) is GenCall:
                answer = self.handle_call(msg.request, msg.frm, state, ctx)
                if type(answer) is Reply:
                    ctx.reply(msg.frm, answer.value)
                elif type(answer) is not NoReply:
                    raise ModelError(
                        f"{type(self).__name__}.handle_call returned {answer!r}: return "
                        "Reply(value, state) or NoReply(state)"
                    )
                new: S = answer.state
            elif type(msg) is GenCast:
                new = self.handle_cast(msg.request, state, ctx)
            else:
                new = self.handle_info(msg, state, ctx)
            return new, ctx._postponed
        finally:
            ctx._postponed = None

    def _gen_after(
        self,
        before: GenState[S],
        new: S,
        postponed: tuple[Any, ...],
        ctx: Ctx,
    ) -> GenState[S]:
        """The state after a handler: postponed messages handed back while the state
        changes (a message postponed by the handler that changed the state first)."""
        old = before.state
        replays = 0
        queue: tuple[Any, ...] = ()
        while True:
            if postponed and self.retry_when(old, new):
                queue, postponed = (*postponed, *queue), ()
            if not queue:
                break
            replays += 1
            if replays > _REPLAY_LIMIT:
                raise ModelError(
                    f"{type(self).__name__} replayed postponed messages {_REPLAY_LIMIT} times "
                    "in one step: its state keeps changing as it handles them"
                )
            msg, queue = queue[0], queue[1:]
            old = new
            new, again = self._gen_dispatch(new, msg, ctx)
            if again:
                postponed = (*postponed, msg)
        return GenState(new, ctx.next_ref, ctx.pending, postponed, ctx.monitors)


def call_failure(who: Any, reason: Any) -> Any:
    """What a call whose server's monitor fired with ``reason`` fails with, as OTP's
    ``gen:call`` exits: ``("nodedown", node)`` for ``noconnection``, else the reason.

    >>> call_failure(Pid("b", 0), "noconnection"), call_failure("b", "killed")
    (('nodedown', 'b'), 'killed')
    """
    if reason != NOCONNECTION:
        return reason
    if type(who) is Pid:
        return ("nodedown", who.node)
    if type(who) is tuple and len(who) == 2:
        return ("nodedown", who[1])
    return ("nodedown", who)


def _ctx(out: Out, me: Any, state: GenState[Any]) -> Ctx:
    return Ctx(out, me, state.next_ref, state.pending, state.monitors)


def _text(value: Any) -> str:
    return format_value(to_plain(value))
