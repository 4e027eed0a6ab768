"""A remote call with a timeout, and the late reply that answers the wrong question.

What the real system does: ``GenServer.call(server, request, timeout)`` sends a request and
waits; if no reply comes in time the caller gives up and moves on, but the server's reply
may still arrive later. Before OTP tagged replies with a unique reference, a caller that
took "the next reply" as its answer could take the late reply to an old call for the answer
to its next one. OTP's fix is the reference (a ``make_ref()`` carried by the request and
echoed by the reply; replies with another reference are ignored).

The model: a client makes ``calls`` calls in turn to a server that answers call ``k`` with
``10 * k``; a timer models the timeout (it may fire at any step while the client waits).
``UntaggedReply`` takes any reply as the answer to its current call; ``TaggedReply`` sends
the call number as the reference and drops replies that carry another.

Checked: ``answers_are_right`` (every answer the client accepted is the answer to the call
it accepted it for) and ``sometimes all_answered``. The checker finds, for UntaggedReply, a
3-step counterexample: the server gets call 1, the client times out and makes call 2, the
reply to call 1 arrives and the client takes 10 as the answer to call 2. TaggedReply holds.

Partial-order reduction (``--por``): both declare who talks to whom (client and server, each
way) and that the properties read the client alone, so the server's steps commute with the
client's timeout unseen: 14 states instead of 20 (382 instead of 943 with ``-p calls=6``),
the same verdicts; the counterexample then takes 4 steps.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, sometimes
from modelcheck.actors import Actor, ActorSystem, Out, World


class Client(NamedTuple):
    call: int  # the call in progress (0: none yet)
    waiting: bool
    accepted: tuple[tuple[int, int], ...]  # (call, answer) pairs taken as answers


class Caller(Actor[Client]):
    """Calls the server ``calls`` times; gives up on a call when its timer fires."""

    def __init__(self, calls: int, tagged: bool) -> None:
        self.calls = calls
        self.tagged = tagged

    def init(self, me: str, out: Out) -> Client:
        return self._call(Client(0, False, ()), out)

    def _call(self, state: Client, out: Out) -> Client:
        if state.call == self.calls:
            return state._replace(waiting=False)
        k = state.call + 1
        out.send("server", ("call", k))
        out.set_timer("timeout")
        return state._replace(call=k, waiting=True)

    def on_message(self, me: str, state: Client, sender: str, msg: Any, out: Out) -> Client:
        _, ref, answer = msg
        if not state.waiting or (self.tagged and ref != state.call):
            return state  # not waiting, or a late reply to an earlier call: dropped
        out.cancel_timer("timeout")
        accepted = state.accepted + ((state.call, answer),)
        return self._call(state._replace(accepted=accepted), out)

    def on_timeout(self, me: str, state: Client, timer: Hashable, out: Out) -> Client:
        return self._call(state, out) if state.waiting else state


class Server(Actor[int]):
    """Answers call ``k`` with ``10 * k``; the state counts the calls served."""

    def __init__(self, tagged: bool) -> None:
        self.tagged = tagged

    def init(self, me: str, out: Out) -> int:
        return 0

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        _, k = msg
        out.send(sender, ("reply", k if self.tagged else None, 10 * k))
        return state + 1


class UntaggedReply(ActorSystem):
    """A call with a timeout whose reply carries no reference (broken)."""

    calls = Param(2, help="calls the client makes", min=1, max=6)
    tagged = False

    def actors(self) -> dict[str, Actor[Any]]:
        return {"client": Caller(self.calls, self.tagged), "server": Server(self.tagged)}

    def talks_to(self) -> dict[str, tuple[str, ...]]:
        return {"client": ("server",), "server": ("client",)}

    @always(reads=("client",))
    def answers_are_right(self, w: World) -> bool:
        """Every answer the client accepted is the answer to that call (10 x call)."""
        client = self.state_of(w, "client")
        return client is None or all(answer == 10 * k for k, answer in client.accepted)

    @sometimes(reads=("client",))
    def all_answered(self, w: World) -> bool:
        """The client gets an answer to every call."""
        client = self.state_of(w, "client")
        return client is not None and len(client.accepted) == self.calls


class TaggedReply(UntaggedReply):
    """The same call whose reply echoes the request's reference, as OTP's does (fixed)."""

    tagged = True
