"""A remote GenServer call with a timeout, retried: the call that timed out still happened.

What the real system does: a teller on node ``shop`` calls ``GenServer.call({:account,
:bank}, {:withdraw, key, 10}, timeout)``, catches the timeout exit and tries again. A
timeout says nothing about the request: the account may have handled it, and its reply
arrives later, as a stray ``{ref, reply}`` message the teller's ``handle_info`` sees. A
retry of a request that is not idempotent then withdraws twice. The usual fix is an
idempotency key: the account remembers the keys it has served and answers a repeated one
without withdrawing again.

The model (:mod:`modelcheck.beam.gen_server`, two nodes, one process each): the teller
asks for one withdrawal of 10 with key 1, retrying up to ``retries`` times after a
timeout; the account on ``bank`` is registered as ``account``. ``RetriedCall`` withdraws on
every request; ``IdempotentCall`` withdraws once per key.

Checked: ``withdrawn_once`` (always: the account paid out at most the one withdrawal asked
for) and ``late_reply_seen`` (sometimes: a reply came after its call timed out).

What the checker finds (``retries=1``): ``RetriedCall``, 15 states, 22 generated:
``withdrawn_once`` is violated in 3 steps (the account serves call #1, the teller times out
and calls again as #2, the account serves #2); ``IdempotentCall``, 15 states, holds (26
states with ``--partitions 1``). Both reach ``late_reply_seen`` in 3 steps.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import Param, always, sometimes
from modelcheck.actors import ActorSystem, Boot, World
from modelcheck.beam import Ctx, From, GenReply, GenServer, GenState, Reply

ACCOUNT = ("account", "bank")


class Account(NamedTuple):
    withdrawn: int  # how many withdrawals were paid out
    served: frozenset[int]  # the keys served (idempotent accounts only)


class AccountServer(GenServer[Account]):
    """Serves ``("withdraw", key)``; with ``idempotent``, a key only once."""

    def __init__(self, idempotent: bool) -> None:
        self.idempotent = idempotent

    def init_state(self, ctx: Ctx) -> Account:
        return Account(0, frozenset())

    def handle_call(self, request: Any, frm: From, state: Account, ctx: Ctx) -> Reply[Account]:
        _, key = request
        if self.idempotent and key in state.served:
            return Reply("ok", state)
        return Reply("ok", Account(state.withdrawn + 1, state.served | {key}))


class Teller(NamedTuple):
    tries: int  # calls made
    paid: bool  # a reply came in time
    late: int  # replies that came after their call timed out


class TellerServer(GenServer[Teller]):
    """Asks for withdrawal 1; on a timeout, asks again (``retries`` times at most)."""

    def __init__(self, retries: int) -> None:
        self.retries = retries

    def init_state(self, ctx: Ctx) -> Teller:
        ctx.call(ACCOUNT, ("withdraw", 1))
        return Teller(1, False, 0)

    def handle_reply(self, ref: int, value: Any, state: Teller, ctx: Ctx) -> Teller:
        return state._replace(paid=True)

    def handle_call_timeout(self, ref: int, state: Teller, ctx: Ctx) -> Teller:
        if state.tries > self.retries:
            return state  # give up
        ctx.call(ACCOUNT, ("withdraw", 1))
        return state._replace(tries=state.tries + 1)

    def handle_info(self, msg: Any, state: Teller, ctx: Ctx) -> Teller:
        if type(msg) is GenReply:
            return state._replace(late=state.late + 1)
        return state


class RetriedCall(ActorSystem):
    """A timed-out withdrawal retried against an account that is not idempotent (broken)."""

    retries = Param(1, help="retries after a timeout", min=0, max=3)
    idempotent = False

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {
            "shop": (TellerServer(self.retries),),
            "bank": (Boot(AccountServer(self.idempotent), name="account"),),
        }

    def _state(self, w: World, node: str) -> Any:
        gen: GenState[Any] | None = self.state_of(w, node)
        return None if gen is None else gen.state

    @always
    def withdrawn_once(self, w: World) -> bool:
        """The account paid out at most the one withdrawal the teller asked for."""
        account = self._state(w, "bank")
        return account is None or account.withdrawn <= 1

    @sometimes
    def late_reply_seen(self, w: World) -> bool:
        """A reply reached the teller after its call had timed out."""
        teller = self._state(w, "shop")
        return teller is not None and teller.late > 0


class IdempotentCall(RetriedCall):
    """The same retry against an account that serves each key once (fixed)."""

    idempotent = True
