"""supervisor and pg as library code (modelcheck/beam): handlers called directly, with the
effects they leave in ``Out`` (spawned pids come from a stand-in for the world)."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import Param, check
from modelcheck.actors import Actor, ActorSystem, Out, Pid, Ref, Signal
from modelcheck.actors.actor import (
    DEMONITOR,
    EXIT,
    LINK,
    MONITOR,
    SEND,
    SPAWN,
    STOP,
    SUBSCRIBE,
)
from modelcheck.beam import From, GenCall, GenCast, GenReply, GenState
from modelcheck.beam.pg import PgScope, ScopeState, local_members, members, peers
from modelcheck.beam.supervisor import RESTARTS, Child, Supervisor, SupState
from modelcheck.errors import ModelError


class _Pids:
    """What the world answers ``Out.spawn`` (the next serial on node ``a``) and
    ``Out.monitor`` (no monitor in place)."""

    def __init__(self, serial: int) -> None:
        self.serial = serial

    def next_pid(self, out: Out, node: int | None) -> Pid:
        self.serial += 1
        return Pid("a", self.serial)

    def slot_of(self, out: Out, address: Any) -> int | None:
        return None  # (no world: every monitor is its pair's first)

    def who(self, out: Out, address: Any, slot: int | None) -> Any:
        return address


class W(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        return 0


SUP = Pid("a", 0)


def _sup(strategy: str, restarts: tuple[str, ...], max_restarts: int = 3) -> Any:
    children = tuple(Child(f"c{i}", W(), r) for i, r in enumerate(restarts))
    sup = Supervisor(children, strategy=strategy, max_restarts=max_restarts)
    out = Out(["a"])
    out._reader = _Pids(0)
    return sup, sup.init(SUP, out), out


def _kinds(out: Out) -> list[tuple[Any, ...]]:
    ops, out.ops = out.ops, []
    return ops


def test_children_start_linked_in_order() -> None:
    sup, state, out = _sup("one_for_one", ("permanent", "permanent"))
    assert state == SupState((Pid("a", 1), Pid("a", 2)))
    assert [op[0] for op in _kinds(out)] == [SPAWN, SPAWN]
    assert sup.which_children(state) == {"c0": Pid("a", 1), "c1": Pid("a", 2)}
    assert sup.which_children(None) == {}


@pytest.mark.parametrize(
    ("restart", "reason", "restarted"),
    [
        ("permanent", "normal", True),
        ("transient", "normal", False),
        ("transient", "shutdown", False),
        ("transient", ("shutdown", "bye"), False),
        ("transient", "crash", True),
        ("temporary", "crash", False),
    ],
)
def test_restart_types(restart: str, reason: Any, restarted: bool) -> None:
    sup, state, out = _sup("one_for_one", (restart,))
    _kinds(out)
    state = sup.on_exit(SUP, state, Pid("a", 1), reason, out)
    if restarted:
        assert state == SupState((Pid("a", 2),), restarts=1)
        assert [op[0] for op in _kinds(out)] == [SPAWN]
    else:
        assert state == SupState((None,)) and _kinds(out) == []


def test_exceeding_the_intensity_makes_the_supervisor_exit() -> None:
    sup, state, out = _sup("one_for_one", ("permanent",), max_restarts=1)
    state = sup.on_exit(SUP, state, Pid("a", 1), "crash", out)
    _kinds(out)
    state = sup.on_exit(SUP, state, Pid("a", 2), "crash", out)
    assert _kinds(out) == [(STOP, "shutdown")] and state.restarts == 1


def test_one_for_all_shuts_the_others_down_and_waits_for_their_down() -> None:
    sup, state, out = _sup("one_for_all", ("permanent", "permanent", "temporary"))
    _kinds(out)
    state = sup.on_exit(SUP, state, Pid("a", 1), "crash", out)
    # c1 and the temporary c2: unlinked, monitored, told to shut down; c2 is not restarted.
    assert _kinds(out) == [
        (LINK, Pid("a", 2), False),
        (MONITOR, Pid("a", 2), Ref("", Pid("a", 2), 0)),
        (EXIT, Pid("a", 2), "shutdown"),
        (LINK, Pid("a", 3), False),
        (MONITOR, Pid("a", 3), Ref("", Pid("a", 3), 0)),
        (EXIT, Pid("a", 3), "shutdown"),
    ]
    assert state == SupState((None, None, None), 1, (Pid("a", 2), Pid("a", 3)), (0, 1))
    # An EXIT sent before the unlink is ignored; nothing starts before both are down.
    assert sup.on_exit(SUP, state, Pid("a", 2), "crash", out) == state
    state = sup.on_down(SUP, state, Pid("a", 3), "shutdown", out)
    assert _kinds(out) == []
    state = sup.on_down(SUP, state, Pid("a", 2), "shutdown", out)
    assert [op[0] for op in _kinds(out)] == [SPAWN, SPAWN]
    assert state == SupState((Pid("a", 4), Pid("a", 5), None), 1)


def test_rest_for_one_restarts_the_children_started_after() -> None:
    sup, state, out = _sup("rest_for_one", ("permanent", "permanent", "permanent"))
    _kinds(out)
    state = sup.on_exit(SUP, state, Pid("a", 2), "crash", out)
    assert [op for op in _kinds(out) if op[0] == EXIT] == [(EXIT, Pid("a", 3), "shutdown")]
    state = sup.on_down(SUP, state, Pid("a", 3), "shutdown", out)
    assert state == SupState((Pid("a", 1), Pid("a", 4), Pid("a", 5)), 1)


def test_an_exit_from_the_parent_stops_the_supervisor() -> None:
    sup, state, out = _sup("one_for_one", ("permanent",))
    _kinds(out)
    sup.on_exit(SUP, state, Pid("b", 0), "killed", out)
    assert _kinds(out) == [(STOP, "killed")]


def test_a_bad_strategy_or_restart_type_is_a_model_error() -> None:
    with pytest.raises(ModelError, match=r"^supervisor strategy 'one_for_some' is not one of"):
        Supervisor((), strategy="one_for_some")
    with pytest.raises(ModelError, match=r"^child 'x' has restart 'sometimes', not one of"):
        Supervisor((Child("x", W(), "sometimes"),))


# -- pg -----------------------------------------------------------------------------------------

A, B = Pid("a", 0), Pid("b", 0)  # the scopes
W1, W2 = Pid("a", 1), Pid("b", 1)  # a member on each node


def _scope() -> tuple[PgScope, Out]:
    return PgScope("pg"), Out(["a", "b"])


def test_a_scope_discovers_the_other_nodes_as_it_starts() -> None:
    scope, out = _scope()
    state = scope.init(A, out)
    assert out.ops == [(SUBSCRIBE,), (SEND, ("pg", "b"), ("discover", A))]
    assert state.state == ScopeState()


def test_discover_sync_join_leave_and_down() -> None:
    scope, out = _scope()
    s: GenState[ScopeState] = scope.init(A, out)
    s = scope.on_message(A, s, W1, GenCall(From(W1, 1), ("join_local", "g", W1)), out)
    out.ops = []
    # A new peer: sync it our members, monitor it and discover it back.
    s = scope.on_message(A, s, B, ("discover", B), out)
    assert out.ops == [
        (SEND, B, GenCast(("sync", A, frozenset({("g", W1)})))),
        (MONITOR, B, Ref("", B, 0)),
        (SEND, B, ("discover", A)),
    ]
    assert peers(s) == (B,)
    s = scope.on_message(A, s, B, GenCast(("sync", B, frozenset({("g", W2)}))), out)
    assert members(s, "g") == {W1, W2} and local_members(s, "g") == {W1}
    out.ops = []
    # A local leave is told to every peer; a second leave is not_joined.
    s = scope.on_message(A, s, W1, GenCall(From(W1, 2), ("leave_local", "g", W1)), out)
    assert out.ops == [
        (DEMONITOR, W1, False),
        (SEND, B, ("leave", A, W1, ("g",))),
        (SEND, W1, GenReply(2, "ok")),
    ]
    out.ops = []
    s = scope.on_message(A, s, W1, GenCall(From(W1, 3), ("leave_local", "g", W1)), out)
    assert out.ops == [(SEND, W1, GenReply(3, "not_joined"))]
    # The peer's scope is gone (its connection lost): its members go with it.
    s = scope.on_down(A, s, B, "noconnection", out)
    assert members(s, "g") == frozenset() and peers(s) == ()
    # A join from a peer we no longer know is ignored, as pg.erl does.
    assert scope.on_message(A, s, B, ("join", B, "g", W2), out) == s


def test_a_local_member_that_exits_leaves_all_its_groups() -> None:
    scope, out = _scope()
    s = scope.init(A, out)
    s = scope.on_message(A, s, B, ("discover", B), out)
    for ref, group in ((1, "g"), (2, "h")):
        s = scope.on_message(A, s, W1, GenCall(From(W1, ref), ("join_local", group, W1)), out)
    out.ops = []
    s = scope.on_down(A, s, W1, "crash", out)
    assert out.ops == [(SEND, B, ("leave", A, W1, ("g", "h")))]
    assert members(s, "g") == members(s, "h") == frozenset()


def test_nodeup_discovers_and_a_remote_join_needs_a_local_pid() -> None:
    scope, out = _scope()
    s = scope.init(A, out)
    out.ops = []
    assert scope.on_nodeup(A, s, "b", out) == s
    assert out.ops == [(SEND, ("pg", "b"), ("discover", A))]
    with pytest.raises(ModelError, match=r"^pg: <b.1> is not local to scope 'pg' on <a.0>$"):
        scope.on_message(A, s, W2, GenCall(From(W2, 1), ("join_local", "g", W2)), out)
    assert scope.on_message(A, s, B, Signal("nodedown", "b"), out) == s


class Done(Actor[str]):
    """Exits normal at any step after it starts."""

    def init(self, me: Any, out: Out) -> str:
        out.set_timer("done")
        return "up"

    def on_timeout(self, me: Any, state: str, timer: Any, out: Out) -> str:
        out.stop()
        return state


class OneChild(ActorSystem):
    restart = Param("permanent", help="the child's restart type", choices=RESTARTS)

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        child = Child("d", Done(), self.restart)
        return {"a": (Supervisor((child,), max_restarts=1),)}


def test_a_normal_exit_restarts_a_permanent_child_but_not_a_transient_one() -> None:
    # permanent: the child exits normal (EXIT normal in flight), the supervisor gets it and
    # restarts it, it exits again, the supervisor gives up: a line of 5 states.
    # transient: exit, EXIT delivered, nothing restarted: 3 states.
    assert check(OneChild(restart="permanent")).distinct == 5
    assert check(OneChild(restart="transient")).distinct == 3
    assert check(OneChild(restart="temporary")).distinct == 3


class _Named(ActorSystem):
    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {"a": (Supervisor((Child("w", W()), Child("x", W(), name="x"))),)}


def test_a_child_is_registered_under_its_name_not_its_id() -> None:
    # Child(id, behaviour, restart, name): README's table says so, after a call to the
    # id "w" was lost without a word.
    system = _Named()
    w = system.init_states()[0]
    assert system.pid_of(w, "a", "w") is None
    assert system.pid_of(w, "a", "x") == Pid("a", 2, 0)
