"""The README's GenServer model: a key-value server on one node, a client on another.

Node ``client`` runs the caller, node ``server`` the store, registered as ``store``. The
client calls ``{:put, "x", 1}`` with a timeout, then ``{:get, "x"}`` (no timeout); if
the put times out it catches the exit and reads anyway. ``timed_out_put_not_written``
claims that a put that timed out did not happen, and the checker refutes it in 5 steps: the
put is served, its timeout fires, the get is served, the put's late reply reaches
``handle_info`` as a stray message, and the get answers 1. A timeout says nothing about the
request. 11 states, 13 generated (``tests/test_readme.py`` works them out by hand).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import always
from modelcheck.actors import ActorSystem, Boot, World
from modelcheck.beam import Ctx, From, GenServer, Reply

STORE = ("store", "server")  # the name "store" registered on node "server"


class Store(GenServer[tuple[tuple[str, int], ...]]):
    """A GenServer holding (key, value) pairs: ("put", k, v) and ("get", k) calls."""

    def init_state(self, ctx: Ctx) -> tuple[tuple[str, int], ...]:
        return ()

    def handle_call(self, request: Any, frm: From, state: Any, ctx: Ctx) -> Reply[Any]:
        if request[0] == "put":
            _, key, value = request
            return Reply("ok", (*[kv for kv in state if kv[0] != key], (key, value)))
        return Reply(dict(state).get(request[1]), state)


class Client(NamedTuple):
    put: str  # "pending", "ok" or "timeout"
    got: int | None  # what the get answered


class Caller(GenServer[Client]):
    """Puts x = 1 (with a timeout), then gets x."""

    def init_state(self, ctx: Ctx) -> Client:
        ctx.call(STORE, ("put", "x", 1))  # sets a timer: it may fire at any later step
        return Client("pending", None)

    def handle_reply(self, ref: int, value: Any, state: Client, ctx: Ctx) -> Client:
        if state.put == "pending":  # the put's reply, in time
            ctx.call(STORE, ("get", "x"), timeout=False)
            return state._replace(put="ok")
        return state._replace(got=value)

    def handle_call_timeout(self, ref: int, state: Client, ctx: Ctx) -> Client:
        ctx.call(STORE, ("get", "x"), timeout=False)  # catch the exit, read anyway
        return state._replace(put="timeout")

    def handle_info(self, msg: Any, state: Client, ctx: Ctx) -> Client:
        return state  # the put's late reply, {ref, :ok}: ignored


class KvCall(ActorSystem):
    def cluster(self) -> dict[str, Any]:
        return {"client": (Caller(),), "server": (Boot(Store(), name="store"),)}

    @always
    def timed_out_put_not_written(self, w: World) -> bool:
        """A put that timed out did not happen (it did)."""
        client = self.state_of(w, "client")
        return client is None or not (client.state.put == "timeout" and client.state.got == 1)
