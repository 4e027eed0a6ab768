"""Sends to ``(name, node)`` on another node are resolved when they arrive, as on the BEAM:
the receiving node's registry is read on delivery; nobody registered, the message is
dropped and the step says so. Counts worked out by hand in each test."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pytest

from modelcheck import always, check, sometimes
from modelcheck.actors import (
    Actor,
    ActorSystem,
    Boot,
    Out,
    Pid,
    Unregistered,
    World,
    message_flow,
    node_steps,
)
from modelcheck.actors.steps import describe
from modelcheck.errors import ModelError
from modelcheck.trace import follow
from tests.test_actors_symmetry import _orbits, _reachable

Log = tuple[Any, ...]


class Logger(Actor[Log]):
    """Logs every message it gets."""

    def init(self, me: Any, out: Out) -> Log:
        return ()

    def on_message(self, me: Any, state: Log, sender: Any, msg: Any, out: Out) -> Log:
        return (*state, msg)


class SendsHi(Actor[str]):
    """Sends ``hi`` to ``svc`` on node b as it starts."""

    def init(self, me: Any, out: Out) -> str:
        out.send(("svc", "b"), "hi")
        return "sent"


class LateRegistrar(Logger):
    """Registers as ``svc`` when its timer fires."""

    def init(self, me: Any, out: Out) -> Log:
        out.set_timer("reg")
        return ()

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.register("svc")
        return state


class RegisterAfterSend(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [SendsHi()], "b": [LateRegistrar()]}


HI = "deliver(<a.0>, [svc, b], hi)"
DROPPED = 'deliver(<a.0>, [svc, b], hi, {dropped: "no process registered as svc on b"})'


def test_a_name_registered_after_the_send_gets_the_message() -> None:
    # hi in flight, b's timer set. Deliver first: dropped (nobody is svc yet), then the
    # timer; or the timer first (svc registered), then hi reaches <b.0>. States: the
    # start, dropped, registered, dropped then registered, registered then got: 5.
    # (Resolved as sent, hi would be dropped at once: 2 states.)
    system = RegisterAfterSend()
    assert check(system).distinct == 5
    trace = follow(system, ["timeout(<b.0>, reg)", HI])
    assert system.processes(trace.final)[Pid("b", 0)] == ("hi",)
    assert [(f.target, f.received, f.fate) for f in message_flow(system, trace)] == [
        (Pid("b", 0), 2, "delivered")
    ]
    early = follow(system, [DROPPED])
    assert early.steps[1].label[-1] == Unregistered("svc", "b")
    assert system.processes(early.final)[Pid("b", 0)] == ()
    assert [(f.target, f.received, f.fate) for f in message_flow(system, early)] == [
        ("b", 1, "dropped")
    ]
    assert describe(early.steps[1].label) == {
        "kind": "deliver",
        "node": "b",
        "from": Pid("a", 0),
        "name": "svc",
        "dropped": "dropped, no process registered as svc on b",
        "message": "hi",
    }
    assert node_steps(system, early, "b") == (0, 1)


class Quits(Logger):
    """Registered as ``svc``; on its timer it unregisters (``how="unregister"``) or exits."""

    def __init__(self, how: str) -> None:
        self.how = how

    def init(self, me: Any, out: Out) -> Log:
        out.set_timer("quit")
        return ()

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        if self.how == "unregister":
            out.unregister("svc")
        else:
            out.stop()
        return state


class GoneBeforeArrival(ActorSystem):
    def __init__(self, how: str = "unregister", **params: Any) -> None:
        self.how = how
        super().__init__(**params)

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [SendsHi()], "b": [Boot(Quits(self.how), name="svc")]}


@pytest.mark.parametrize(("how", "states"), [("unregister", 5), ("exit", 4)])
def test_a_name_unregistered_or_exited_before_arrival_drops_the_message(
    how: str, states: int
) -> None:
    # Deliver first (<b.0> got hi), then quit; or quit first, then hi arrives to nobody:
    # the start, got, got and quit, quit with hi in flight, quit with hi dropped. With
    # unregister the two ends differ (<b.0> got hi or not): 5; with exit both are <b.0>
    # dead with nothing in flight: 4. (Resolved as sent: 4 and 3, hi reaching <b.0> after
    # it unregistered, or dropped with it at its exit.)
    system = GoneBeforeArrival(how)
    assert check(system).distinct == states
    trace = follow(system, ["timeout(<b.0>, quit)", DROPPED])
    assert [f.fate for f in message_flow(system, trace)] == ["dropped"]
    assert not trace.final.byname


class Handover(Logger):
    """Registered as ``svc``; on its timer it gives the name to a new process it spawns."""

    def init(self, me: Any, out: Out) -> Log:
        out.set_timer("handover")
        return ()

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.unregister("svc")
        out.spawn(Logger(), name="svc")
        return state


class ReRegistered(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [SendsHi()], "b": [Boot(Handover(), name="svc")]}


def test_a_name_re_registered_by_a_new_pid_sends_to_the_new_pid() -> None:
    # Deliver first (<b.0> got hi), then the handover; or the handover first (<b.1> is
    # svc), then hi reaches <b.1>: the start, two after one step, two after both: 5.
    # (Resolved as sent, hi would always reach <b.0>: 4.)
    system = ReRegistered()
    assert check(system).distinct == 5
    trace = follow(system, ["timeout(<b.0>, handover)", HI])
    assert system.processes(trace.final) == {
        Pid("a", 0): "sent",
        Pid("b", 0): (),
        Pid("b", 1): ("hi",),
    }
    assert [(f.target, f.fate) for f in message_flow(system, trace)] == [(Pid("b", 1), "delivered")]


class Served(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [SendsHi()], "b": [Boot(Logger(), name="svc")]}


def test_a_partition_loses_a_message_by_name() -> None:
    # hi delivered or not, partitioned or not: 4 states; partitioned first, hi is lost
    # with the connection (nothing to deliver across the cut, nor after a heal).
    system = Served(partitions=1, heals=1)
    result = check(system)
    # + healed after got-then-partition and after partition-with-hi-lost: 6.
    assert result.distinct == 6
    trace = follow(system, ["partition([a], [b])"])
    assert not trace.final.byname
    assert [f.fate for f in message_flow(system, trace)] == ["lost"]
    trace = follow(system, ["partition([a], [b])", "heal()"])
    assert [label for label, _ in system.actions(trace.final)] == []


def test_a_crash_of_the_receiving_node_loses_a_message_by_name() -> None:
    # The start, got, crashed (hi lost; after got, the same world: b's state is gone),
    # restarted (a new <b.0@1> registered as svc, nothing in flight): 4. Were hi kept
    # on the way, the restarted svc would get it: more states.
    system = Served(crashes=1, restarts=1, crash_nodes="b")
    assert check(system).distinct == 4
    trace = follow(system, ["crash(b)", "restart(b)"])
    assert not trace.final.byname
    assert system.processes(trace.final)[Pid("b", 0, 1)] == ()


class Sends4(Actor[str]):
    """Sends p to <b.1> by pid, 1 and 2 to ``svc`` on b by name, then 4 to <b.0> by pid."""

    def init(self, me: Any, out: Out) -> str:
        out.send(Pid("b", 1), "p")
        out.send(("svc", "b"), 1)
        out.send(("svc", "b"), 2)
        out.send(Pid("b", 0), 4)
        return "sent"


class FifoByName(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Sends4()], "b": [Boot(Logger(), name="svc"), Logger()]}

    @always
    def in_the_order_sent(self, w: World) -> bool:
        log: Log = w.states[1]
        return log in ((), (1,), (1, 2), (1, 2, 4))

    @sometimes
    def by_name_overtakes_by_pid_to_another(self, w: World) -> bool:
        got: Log = w.states[1]
        return got[:1] == (1,) and w.states[2] == ()


def test_a_message_by_pid_waits_for_one_by_name_sent_earlier_to_its_node() -> None:
    # 1 and 2 (by name) and 4 (by pid, sent after them) may all be for <b.0>: they reach
    # it in the order sent, (), (1), (1 2), (1 2 4): 4; p, by pid to <b.1>, sent before
    # them, arrives or not, at any point: 2. 4 x 2 = 8. (Were 4 free to overtake the
    # messages by name, <b.0> would see every interleaving of (1 2) with (4): 9 x 2 = 18.)
    result = check(FifoByName())
    assert result.distinct == 8
    assert result.status("in_the_order_sent") == "holds"
    assert result.status("by_name_overtakes_by_pid_to_another") == "reached"


class PidThenName(Actor[str]):
    """Sends ``first`` to <b.0> by pid, then ``second`` to ``svc`` on b (<b.0>) by name."""

    def init(self, me: Any, out: Out) -> str:
        out.send(Pid("b", 0), "first")
        out.send(("svc", "b"), "second")
        return "sent"


class PidThenNameSystem(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [PidThenName()], "b": [Boot(Logger(), name="svc")]}


def test_a_message_by_name_waits_for_one_by_pid_sent_earlier_to_its_receiver() -> None:
    # second reaches <b.0> (the holder of svc as it arrives) after first, sent earlier to
    # <b.0>: (), (first), (first second): 3. (Unordered: 5, second first being one.)
    assert check(PidThenNameSystem()).distinct == 3
    assert check(PidThenNameSystem(network="unordered")).distinct == 5


class Greeter(Logger):
    """Registered as ``log``; greets the ``log`` of every other node by name."""

    def init(self, me: Any, out: Out) -> Log:
        for node in out.nodes:
            if node != me.node:
                out.send(("log", node), "hi")
        return ()


class Gossip(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {node: [Boot(Greeter(), name="log")] for node in self.symmetric()}

    def symmetric(self) -> tuple[str, ...]:
        return ("w1", "w2", "w3")


@pytest.mark.parametrize(("params", "plain"), [({}, 64), ({"crashes": 1}, 0)])
def test_declared_symmetry_renames_the_nodes_messages_by_name_travel_to(
    params: dict[str, Any], plain: int
) -> None:
    # Each node gets hi from each of the two others or not yet (the log does not say
    # from whom, the channels do): 4 a node, 4 ** 3 = 64 worlds; one stored per orbit
    # under renaming the nodes
    # (the swap check would refuse a renaming that left the addresses as they were).
    worlds = _reachable(Gossip(**params))
    if plain:
        assert len(worlds) == plain
    reduced = check(Gossip(**params), symmetry=True)
    assert reduced.complete
    assert reduced.distinct == _orbits(Gossip(**params), worlds)
    assert reduced.distinct < len(worlds)


class Unnamed(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": SendsHi(), "b": Logger()}

    @always(reads=("a",))
    def fine(self, w: World) -> bool:
        return True


def test_partial_order_reduction_refuses_messages_to_a_name_not_held_from_boot() -> None:
    # (A name registered as a process boots is a fixed receiver: see tests/test_por.py.)
    with pytest.raises(ModelError) as info:
        check(Unnamed(), por=True)
    assert info.value.message == (
        "partial-order reduction does not support sends by name to a name not registered "
        "as a process boots ('svc' on b: out.send((name, node), ...)): run without --por"
    )
