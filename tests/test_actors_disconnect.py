"""``out.disconnect`` (``erlang:disconnect_node/1``): a connection dropped without a
partition. Counts are worked by hand in each test."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pytest

from modelcheck import check, follow
from modelcheck.actors import Actor, ActorSystem, Out, Signal
from modelcheck.errors import ModelError
from tests.test_actors_fast import _agree
from tests.test_actors_processes import Log, Logger


class DropLogger(Logger):
    """A :class:`Logger` that disconnects from ``t`` when its ``drop`` timer fires."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def init(self, me: Any, out: Out) -> Log:
        out.set_timer("drop")
        return super().init(me, out)

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.disconnect("t")
        return state


class Drop(ActorSystem):
    """``w`` links to and monitors ``t``, watches the nodes, and disconnects from ``t``."""

    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"w": DropLogger(link="t", monitor="t", subscribe=True), "t": Logger()}


def test_a_disconnect_signals_as_a_cut_does_and_nothing_reconnects_by_itself() -> None:
    # The initial world (timer set); after the disconnect, w's queue about t holds EXIT,
    # DOWN, nodedown and t's about w holds EXIT (as after a partition): w's progress 0..3
    # times t's 0..1 = 8 worlds. 9 in all; no step brings the connection back.
    system = Drop()
    result = check(system)
    assert result.complete and result.distinct == 9
    trace = follow(system, ["timeout(w, drop)"])
    assert system.show(trace.final)["signals"] == {
        "w": ["EXIT(t, noconnection)", "DOWN(t, noconnection)", "nodedown(t)"],
        "t": ["EXIT(w, noconnection)"],
    }
    assert system.show(trace.final)["disconnected"] == ["w -x- t"]
    assert trace.final.cut == 0 and not trace.final.links and not trace.final.monitors
    heard = follow(
        system,
        [
            "timeout(w, drop)",
            "signal(w, EXIT(t, noconnection))",
            "signal(w, DOWN(t, noconnection))",
            "signal(w, nodedown(t))",
            "signal(t, EXIT(w, noconnection))",
        ],
    )
    assert list(system.actions(heard.final)) == []


class Redialer(Logger):
    """Watches the nodes and says ``hello`` to ``b``; on ``drop`` disconnects from ``b`` and
    sets ``again``, on which it sends ``again`` to ``b``."""

    def init(self, me: Any, out: Out) -> Log:
        out.monitor_nodes()
        out.send("b", "hello")
        out.set_timer("drop")
        return ()

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        if timer == "drop":
            out.disconnect("b")
            out.set_timer("again")
        else:
            out.send("b", "again")
        return state


class Redial(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Redialer(), "b": Logger(subscribe=True)}


def test_a_message_in_flight_is_lost_and_the_next_send_reconnects() -> None:
    # S0 (hello in flight) and S1 (delivered); from each, the drop (hello lost if still in
    # flight), so two branches that b's log tells apart. In a branch, before `again` fires:
    # a has heard nodedown or not, b too: 4. After: a has heard 0, 1 or 2 of nodedown,
    # nodeup (3); b nothing, nodedown, then nodeup and the message `again` in either order
    # or one of them (nodedown; +nodeup; +again; both, two orders: 6 in all): 18. So
    # 2 + 2 * (4 + 18) = 46.
    system = Redial()
    result = check(system)
    assert result.complete and result.distinct == 46
    lost = follow(system, ["timeout(a, drop)"])
    assert "channels" not in system.show(lost.final)  # hello went with the connection
    again = follow(system, ["timeout(a, drop)", "timeout(a, again)"])
    assert system.show(again.final)["signals"] == {
        "a": ["nodedown(b)", "nodeup(b)"],
        "b": ["nodedown(a)", "nodeup(a)"],
    }
    assert "disconnected" not in system.show(again.final)
    # b hears that the old connection went before anything the new one brings.
    assert [label for label, _ in system.actions(again.final)] == [
        ("signal", "a", Signal("nodedown", "b")),
        ("signal", "b", Signal("nodedown", "a")),
    ]
    done = follow(
        system,
        [
            "timeout(a, drop)",
            "timeout(a, again)",
            "signal(b, nodedown(a))",
            "deliver(a, b, again)",
            "signal(b, nodeup(a))",
        ],
    )
    assert system.state_of(done.final, "b") == (("nodedown", "a"), "again", ("nodeup", "a"))


class Cutter(Actor[int]):
    """Disconnects from ``b`` when its timer fires (and from itself, which does nothing)."""

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("drop")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.disconnect(me)
        out.disconnect("b")
        out.disconnect("b")
        return state + 1


class Twice(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Cutter(), "b": Logger(subscribe=True)}


def test_disconnecting_twice_or_from_itself_does_nothing_more() -> None:
    # S0; the drop: one nodedown for b (not two); b hears it: 3 worlds.
    system = Twice()
    assert check(system).distinct == 3
    trace = follow(system, ["timeout(a, drop)"])
    assert system.show(trace.final)["signals"] == {"b": ["nodedown(a)"]}


def test_disconnect_names_a_known_node() -> None:
    class Typo(Cutter):
        def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
            out.disconnect("z")
            return state

    class System(ActorSystem):
        def actors(self) -> Mapping[str, Actor[Any]]:
            return {"a": Typo(), "b": Logger()}

    with pytest.raises(ModelError, match=r"a tried to disconnect from unknown node 'z'"):
        check(System())


@pytest.mark.parametrize("system", [Drop(), Redial(), Twice()], ids=lambda s: type(s).__name__)
def test_the_fast_path_falls_back_to_the_rules_for_a_disconnect(system: ActorSystem) -> None:
    assert _agree(system, 500) > 2


def test_partial_order_reduction_refuses_a_disconnect() -> None:
    with pytest.raises(ModelError, match=r"does not support disconnecting nodes \(out\.disc"):
        check(Redial(), por=True)
