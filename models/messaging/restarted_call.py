"""A call to a supervised GenServer that is killed and restarted: the late reply of the
dead server and the answer of its successor say the same thing.

What the real system does: a client on node ``a`` calls ``GenServer.call({:counter, :b},
:incr, timeout)`` and, on a timeout, calls once more. The counter on ``b`` runs under a
``Supervisor`` (``one_for_one``), registered as ``counter`` as it starts; its count lives
in its process state. If the counter is killed after it answered, the supervisor starts a
fresh one (count 0) under the same name, and the reply the dead process sent is still
delivered: messages already sent outlive their sender. The client then sees ``1`` as a
late reply to its first call (a stray ``{ref, 1}`` in its mailbox) and ``1`` again as the
answer to its retry: the increment it made twice counted once, and the counter went back.

The model (:mod:`modelcheck.beam.gen_server`, :mod:`modelcheck.beam.supervisor`): node
``b`` boots the supervisor, whose one child is the counter; node ``a`` boots the client,
which calls at start and retries once after a timeout. A call to ``{counter, b}`` is
looked up on ``b`` when it arrives (the counter registers its name as the supervisor
starts it), so it reaches whoever holds the name then. ``--kills`` hits only the counter
(``killable()``).

Checked: ``answers_differ`` (always: every answer the client saw, in time or late, is a
different count, as they would be from one counter that only goes up) and
``late_reply_seen`` (sometimes: a reply came after its call timed out).

What the checker finds: without faults, 15 states (the shape of
``gen_server_call.RetriedCall``), ``answers_differ`` holds; a late reply is seen in 3
steps. ``--kills 1``: 119 states, ``answers_differ`` is violated in 7
steps (the counter answers 1, the client times out and calls again, the late reply
arrives, the counter is killed and restarted, the retry reaches the new counter, which
answers 1). ``--crashes 1 --restarts 1``: 87
states, it holds: a node crash loses the reply in flight with the node's connection, a
process kill does not.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import always, sometimes
from modelcheck.actors import ActorSystem, Boot, World
from modelcheck.beam import Ctx, From, GenReply, GenServer, GenState, Reply
from modelcheck.beam.supervisor import Child, Supervisor

COUNTER = ("counter", "b")


class Counter(GenServer[int]):
    """Answers ``incr`` with its count, one higher each time."""

    def init_state(self, ctx: Ctx) -> int:
        return 0

    def handle_call(self, request: Any, frm: From, state: int, ctx: Ctx) -> Reply[int]:
        return Reply(state + 1, state + 1)


class Seen(NamedTuple):
    tries: int  # calls made
    answers: tuple[int, ...]  # replies that came in time
    late: tuple[int, ...]  # replies that came after their call timed out


class Client(GenServer[Seen]):
    """Calls ``incr``; after a timeout or the counter's death, calls once more."""

    def init_state(self, ctx: Ctx) -> Seen:
        ctx.call(COUNTER, "incr")
        return Seen(1, (), ())

    def handle_reply(self, ref: int, value: Any, state: Seen, ctx: Ctx) -> Seen:
        return state._replace(answers=(*state.answers, value))

    def handle_call_timeout(self, ref: int, state: Seen, ctx: Ctx) -> Seen:
        if state.tries > 1:
            return state  # give up
        ctx.call(COUNTER, "incr")
        return state._replace(tries=state.tries + 1)

    def handle_call_failed(self, ref: int, reason: Any, state: Seen, ctx: Ctx) -> Seen:
        return self.handle_call_timeout(ref, state, ctx)  # caught as the timeout's exit is

    def handle_info(self, msg: Any, state: Seen, ctx: Ctx) -> Seen:
        if type(msg) is GenReply:
            return state._replace(late=(*state.late, msg.value))
        return state


class RestartedCall(ActorSystem):
    """A client calling a counter that its supervisor restarts (the counter forgets)."""

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {
            "b": (Supervisor((Child("counter", Counter(), name="counter"),), max_restarts=1),),
            "a": (Boot(Client(), name="client"),),
        }

    def killable(self) -> tuple[str, ...]:
        return ("counter",)

    def _seen(self, w: World) -> Seen | None:
        gen: GenState[Seen] | None = self.state_of(w, "a")
        return None if gen is None else gen.state

    @always
    def answers_differ(self, w: World) -> bool:
        """Every count the client was told, in time or late, is a different one."""
        seen = self._seen(w)
        told = () if seen is None else seen.answers + seen.late
        return len(set(told)) == len(told)

    @sometimes
    def late_reply_seen(self, w: World) -> bool:
        """A reply reached the client after its call had timed out."""
        seen = self._seen(w)
        return seen is not None and len(seen.late) > 0
