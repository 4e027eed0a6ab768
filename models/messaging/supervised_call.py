"""A supervised counter on one node, called by its registered name from another.

Written from the README's GenServer and Supervisor tables alone, as a new user would: node
``srv`` boots a ``Supervisor`` whose one child, a counter ``GenServer``, registers as
``counter`` as it starts; node ``cli`` (listed first, so it boots first) calls
``{counter, srv}`` twice, the second call after the first's answer, timeout or failure.
``--kills 1`` (``killable()``: the counter) kills the counter; the supervisor restarts it,
at 0.

- ``answers_increase`` (always, ``reads=("cli",)``): each answer is above the one before.
  Holds without faults; with ``--kills 1`` violated in 6 steps (the first call answered 1,
  the counter killed and restarted at 0 by its supervisor, the second call answered 1
  again).
- ``never_noproc`` (always, ``reads=("cli",)``): no call fails with ``noproc``. Holds
  without faults: the client's first call monitors ``{counter, srv}`` before the child
  registers, and that monitor, like the call's message, is looked up after the boot.
  With ``--kills 1`` violated in 3 steps: the counter killed, the first call timed out,
  and the second call's monitor finds no ``counter`` before the supervisor restarts it.
- ``two_answers`` (sometimes): the client got both answers.

What the checker finds: 20 states without faults, 257 with ``--kills 1``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import always, sometimes
from modelcheck.actors import ActorSystem, World
from modelcheck.beam import Ctx, From, GenServer, Reply
from modelcheck.beam.supervisor import Child, Supervisor

__all__ = ["Client", "Counter", "Seen", "SupervisedCall"]

COUNTER = ("counter", "srv")  # the name "counter" on node "srv"


class Counter(GenServer[int]):
    """Answers "incr" with the count after it."""

    def init_state(self, ctx: Ctx) -> int:
        return 0

    def handle_call(self, request: Any, frm: From, state: int, ctx: Ctx) -> Reply[Any]:
        return Reply(state + 1, state + 1)


class Seen(NamedTuple):
    """What the client heard: the answers in order, the ways its calls failed."""

    answers: tuple[int, ...]
    failures: frozenset[str]
    calls_left: int


class Client(GenServer[Seen]):
    """Calls incr twice, the second once the first is answered, timed out or failed."""

    def init_state(self, ctx: Ctx) -> Seen:
        ctx.call(COUNTER, "incr")
        return Seen((), frozenset(), 1)

    def _next(self, state: Seen, ctx: Ctx) -> Seen:
        if state.calls_left:
            ctx.call(COUNTER, "incr")
        return state._replace(calls_left=0)

    def handle_reply(self, ref: int, value: Any, state: Seen, ctx: Ctx) -> Seen:
        return self._next(state._replace(answers=(*state.answers, value)), ctx)

    def handle_call_timeout(self, ref: int, state: Seen, ctx: Ctx) -> Seen:
        return self._next(state._replace(failures=state.failures | {"timeout"}), ctx)

    def handle_call_failed(self, ref: int, reason: Any, state: Seen, ctx: Ctx) -> Seen:
        return self._next(state._replace(failures=state.failures | {str(reason)}), ctx)

    def handle_info(self, msg: Any, state: Seen, ctx: Ctx) -> Seen:
        return state  # a reply that came after its timeout


class SupervisedCall(ActorSystem):
    """A client calls a supervised counter by name on another node."""

    def cluster(self) -> dict[str, Any]:
        sup = Supervisor((Child("counter", Counter(), name="counter"),), max_restarts=1)
        return {"cli": (Client(),), "srv": (sup,)}

    def killable(self) -> tuple[str, ...]:
        return ("counter",)

    def _seen(self, w: World) -> Seen | None:
        client = self.state_of(w, "cli")
        return None if client is None else client.state

    @always(reads=("cli",))
    def answers_increase(self, w: World) -> bool:
        """Each answer is above the one before (false once a restart resets the count)."""
        seen = self._seen(w)
        return seen is None or all(
            x < y for x, y in zip(seen.answers, seen.answers[1:], strict=False)
        )

    @always(reads=("cli",))
    def never_noproc(self, w: World) -> bool:
        """No call fails with noproc."""
        seen = self._seen(w)
        return seen is None or "noproc" not in seen.failures

    @sometimes(reads=("cli",))
    def two_answers(self, w: World) -> bool:
        """The client got both answers."""
        seen = self._seen(w)
        return seen is not None and len(seen.answers) == 2
