"""pg (OTP 23+ process groups, as in OTP 25's ``lib/kernel/src/pg.erl``) as library code.

One scope process per node, registered under the scope's name: boot
``Boot(PgScope("pg"), name="pg")`` on every node that takes part. A process joins or
leaves a group of its scope with :func:`join` and :func:`leave` (a call to its own node's
scope, as ``pg:join/3`` is). What each scope knows is its *view*: its local members (which
it monitors) and, per remote scope it knows (a *peer*, which it monitors), that peer's
members. :func:`members` reads a view, as ``pg:get_members/2`` reads the scope's ETS table.

The protocol, as ``pg.erl`` runs it:

- ``init``: subscribe to node events and send ``("discover", me)`` to the scope on every
  other node;
- ``("discover", peer)``: cast ``("sync", me, local members)`` to the peer; if the peer is
  new, monitor it, remember it (no members yet) and send it ``("discover", me)``;
- ``sync``: the peer's members are replaced by the ones it sent (a peer unknown so far is
  monitored and remembered);
- ``join_local`` / ``leave_local`` (the calls): update the local members (monitoring a
  process as it joins its first group, demonitoring it as it leaves its last) and send
  ``("join", me, group, pid)`` / ``("leave", me, pid, groups)`` to every known peer;
- ``join`` / ``leave`` from a peer it does not know are ignored (pg.erl's race handling);
- ``DOWN`` of a local member: it leaves all its groups (a ``leave`` to every peer);
  ``DOWN`` of a peer (its scope exited, or the connection went: ``noconnection``): all
  that peer's members are dropped from the view;
- ``nodeup``: send ``("discover", me)`` to that node's scope; ``nodedown`` is ignored (the
  peer's ``DOWN`` does the work).

So across a partition each side drops the other's members when the peer's monitor fires,
and after a heal the views are merged again only once the connection comes back up
(``nodeup`` then ``discover``/``sync``): on the BEAM a heal alone reconnects nothing.

Simplified against pg.erl, on purpose:

- A process is in a group at most once (pg keeps a list: joining twice needs two
  leaves); joining a group twice is joining once.
- ``join`` and ``leave`` take one pid (not a list), of a process on the scope's node.
- The scope's sends may bring a connection up (pg.erl sends with ``noconnect``); a scope
  only sends to peers it monitors and to nodes that just came up, so this differs only
  while a ``DOWN`` about a peer is still on its way.
- No ``monitor_scope``/``monitor`` subscriptions, no ``which_groups``, and a process reads
  membership with a call (``("get_members", group)``) where ``pg:get_members`` reads ETS
  without asking the scope.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck.actors import Out, Pid, Signal
from modelcheck.beam.gen_server import Ctx, From, GenCall, GenServer, GenState, NoReply, Reply
from modelcheck.errors import ModelError

__all__ = ["PgScope", "ScopeState", "join", "leave", "local_members", "members", "peers"]

_Members = frozenset[tuple[Any, Any]]  # (group, pid) pairs


class ScopeState(NamedTuple):
    """A scope's view: ``local`` (group, pid) pairs of its own node's members, and per
    known peer scope (sorted by pid), that peer's (group, pid) pairs."""

    local: _Members = frozenset()
    remote: tuple[tuple[Any, _Members], ...] = ()


class PgScope(GenServer[ScopeState]):
    """The scope process of ``scope`` (boot it on each node, registered as ``scope``)."""

    def __init__(self, scope: Hashable = "pg") -> None:
        self.scope = scope

    def init_state(self, ctx: Ctx) -> ScopeState:
        ctx.monitor_nodes()
        mine = _node(ctx.me)
        for node in ctx.out.nodes:
            if node != mine:
                ctx.send((self.scope, node), ("discover", ctx.me))
        return ScopeState()

    def handle_call(
        self, request: Any, frm: From, state: ScopeState, ctx: Ctx
    ) -> Reply[ScopeState] | NoReply[ScopeState]:
        verb = request[0]
        if verb == "get_members":
            return Reply(members(state, request[1]), state)
        _, group, pid = request
        if _node(pid) != _node(ctx.me):
            raise ModelError(f"pg: {pid} is not local to scope {self.scope!r} on {ctx.me}")
        mine = frozenset(g for g, p in state.local if p == pid)
        if verb == "join_local":
            if not mine:
                ctx.monitor(pid)
            self._broadcast(state, ("join", ctx.me, group, pid), ctx)
            return Reply("ok", state._replace(local=state.local | {(group, pid)}))
        if verb == "leave_local":
            if group not in mine:
                return Reply("not_joined", state)
            if mine == {group}:
                ctx.demonitor(pid)
            self._broadcast(state, ("leave", ctx.me, pid, (group,)), ctx)
            return Reply("ok", state._replace(local=state.local - {(group, pid)}))
        raise ModelError(f"pg scope {self.scope!r} got an unknown call {request!r}")

    def handle_cast(self, request: Any, state: ScopeState, ctx: Ctx) -> ScopeState:
        _, peer, groups = request  # ("sync", peer, groups)
        if _peer(state, peer) is None:
            ctx.monitor(peer)
        return _set_peer(state, peer, groups)

    def handle_info(self, msg: Any, state: ScopeState, ctx: Ctx) -> ScopeState:
        if type(msg) is Signal:
            return self._on_signal(msg, state, ctx)
        verb = msg[0]
        if verb == "discover":
            peer = msg[1]
            ctx.cast(peer, ("sync", ctx.me, state.local))
            if _peer(state, peer) is not None:
                return state
            ctx.monitor(peer)
            ctx.send(peer, ("discover", ctx.me))
            return _set_peer(state, peer, frozenset())
        known = _peer(state, msg[1])
        if known is None:
            return state  # a join or leave from a peer we do not know (any more)
        if verb == "join":
            _, peer, group, pid = msg
            return _set_peer(state, peer, known | {(group, pid)})
        _, peer, pid, groups = msg  # ("leave", peer, pid, groups)
        return _set_peer(state, peer, known - {(g, pid) for g in groups})

    def _on_signal(self, signal: Signal, state: ScopeState, ctx: Ctx) -> ScopeState:
        if signal.kind == "nodeup":
            ctx.send((self.scope, signal.who), ("discover", ctx.me))
            return state
        if signal.kind != "DOWN":
            return state  # nodedown: the peer's DOWN follows
        who = signal.who
        if _node(who) == _node(ctx.me):
            groups = tuple(sorted(g for g, p in state.local if p == who))
            if not groups:
                return state
            self._broadcast(state, ("leave", ctx.me, who, groups), ctx)
            return state._replace(local=frozenset(m for m in state.local if m[1] != who))
        return state._replace(remote=tuple(r for r in state.remote if r[0] != who))

    @staticmethod
    def _broadcast(state: ScopeState, msg: Any, ctx: Ctx) -> None:
        for peer, _ in state.remote:
            ctx.send(peer, msg)


def join(ctx: Ctx | Out, group: Hashable, scope: Hashable = "pg", pid: Any = None) -> None:
    """``pg:join(scope, group, pid)``: ask this node's scope to add ``pid`` (default: this
    process) to ``group``. A ``GenServer`` caller gets the reply (``"ok"``) in
    ``handle_reply``; any other actor gets it as a message."""
    _ask(ctx, scope, ("join_local", group, ctx.me if pid is None else pid))


def leave(ctx: Ctx | Out, group: Hashable, scope: Hashable = "pg", pid: Any = None) -> None:
    """``pg:leave(scope, group, pid)``: the reply is ``"ok"`` or ``"not_joined"``."""
    _ask(ctx, scope, ("leave_local", group, ctx.me if pid is None else pid))


def _ask(ctx: Ctx | Out, scope: Hashable, request: Any) -> None:
    where = (scope, _node(ctx.me))
    if isinstance(ctx, Ctx):
        ctx.call(where, request, timeout=False)
    else:
        ctx.send(where, GenCall(From(ctx.me, 0), request))


def members(scope: GenState[ScopeState] | ScopeState | None, group: Hashable) -> frozenset[Any]:
    """The pids a scope's view has in ``group`` (``pg:get_members``); nobody when the scope
    is not running."""
    view = _view(scope)
    if view is None:
        return frozenset()
    found = {p for g, p in view.local if g == group}
    for _, theirs in view.remote:
        found.update(p for g, p in theirs if g == group)
    return frozenset(found)


def local_members(
    scope: GenState[ScopeState] | ScopeState | None, group: Hashable
) -> frozenset[Any]:
    """The pids of the scope's own node in ``group`` (``pg:get_local_members``)."""
    view = _view(scope)
    return frozenset() if view is None else frozenset(p for g, p in view.local if g == group)


def peers(scope: GenState[ScopeState] | ScopeState | None) -> tuple[Any, ...]:
    """The peer scopes a scope knows, in pid order."""
    view = _view(scope)
    return () if view is None else tuple(peer for peer, _ in view.remote)


def _view(scope: Any) -> ScopeState | None:
    if isinstance(scope, GenState):
        view: ScopeState = scope.state
        return view
    return scope if isinstance(scope, ScopeState) else None


def _node(pid: Any) -> str:
    if type(pid) is Pid:
        return pid.node
    if type(pid) is str:
        return pid
    raise ModelError(f"pg needs processes on nodes (a Pid or a node's name), not {pid!r}")


def _peer(state: ScopeState, peer: Any) -> _Members | None:
    for known, theirs in state.remote:
        if known == peer:
            return theirs
    return None


def _set_peer(state: ScopeState, peer: Any, theirs: _Members) -> ScopeState:
    others = [r for r in state.remote if r[0] != peer]
    return state._replace(remote=tuple(sorted([*others, (peer, theirs)], key=_order)))


def _order(entry: tuple[Any, _Members]) -> Any:
    return str(entry[0])
