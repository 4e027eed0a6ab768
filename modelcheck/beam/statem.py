"""gen_statem in handle_event_function mode, with postpone, on top of :mod:`.gen_server`.

A :class:`GenStatem`'s state is a :class:`Machine` (the state, gen_statem's ``State``,
and the ``data``). Every event goes to one callback, ``handle_event(kind, content,
machine, ctx)``, where ``kind`` is ``("call", frm)``, ``"cast"`` or ``"info"`` (messages,
timers, signals, late replies), and it returns the next machine. Answer a call with
``ctx.reply(frm, value)`` (gen_statem's ``{reply, From, Value}`` action), at once or later.

``ctx.postpone()`` is gen_statem's ``postpone`` action: the event stays, in this
process's state, until the *state* (not the data) changes; then every postponed event is
handed back, oldest first, before any new one.

Simplified against OTP: the simplifications of :mod:`.gen_server` (postponed events are
replayed within the step that changed the state); no state enter calls, no event, state
or generic timeouts (set a timer: it arrives as an ``"info"`` event), no
``next_event`` actions, no ``state_functions`` mode.

>>> from modelcheck.actors import Out
>>> from modelcheck.beam.gen_server import GenCast
>>> class Door(GenStatem):
...     def init_machine(self, ctx):
...         return Machine("locked", ())
...     def handle_event(self, kind, content, m, ctx):
...         if content == "unlock":
...             return Machine("open", m.data)
...         if m.state == "locked":
...             ctx.postpone()  # enter only once the door is open
...             return m
...         return Machine(m.state, (*m.data, content))
>>> door, out = Door(), Out(["a"])
>>> s = door.init("a", out)
>>> s = door.on_message("a", s, "a", GenCast("enter 1"), out)
>>> s = door.on_message("a", s, "a", GenCast("enter 2"), out)
>>> s.state, len(s.postponed)
(Machine(state='locked', data=()), 2)
>>> door.on_message("a", s, "a", GenCast("unlock"), out).state
Machine(state='open', data=('enter 1', 'enter 2'))
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck.beam.gen_server import Ctx, From, GenServer, NoReply

__all__ = ["GenStatem", "Machine"]


class Machine(NamedTuple):
    """A gen_statem's state and data."""

    state: Any
    data: Any


class GenStatem(GenServer[Machine]):
    """A state machine whose events all go to :meth:`handle_event`."""

    def init_machine(self, ctx: Ctx) -> Machine:
        """The machine the process starts with (``init/1``)."""
        raise NotImplementedError(f"{type(self).__name__} must define init_machine(ctx)")

    def handle_event(self, kind: Any, content: Any, machine: Machine, ctx: Ctx) -> Machine:
        """An event: ``kind`` is ``("call", frm)``, ``"cast"`` or ``"info"``."""
        return machine

    def init_state(self, ctx: Ctx) -> Machine:
        return self.init_machine(ctx)

    def handle_call(self, request: Any, frm: From, state: Machine, ctx: Ctx) -> NoReply[Machine]:
        return NoReply(self.handle_event(("call", frm), request, state, ctx))

    def handle_cast(self, request: Any, state: Machine, ctx: Ctx) -> Machine:
        return self.handle_event("cast", request, state, ctx)

    def handle_info(self, msg: Any, state: Machine, ctx: Ctx) -> Machine:
        return self.handle_event("info", msg, state, ctx)

    def retry_when(self, old: Machine, new: Machine) -> bool:
        """Postponed events come back when the state changes (not the data)."""
        return bool(old.state != new.state)
