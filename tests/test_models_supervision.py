"""Supervision across a cluster: Horde.DynamicSupervisor (models/supervision/
horde_supervisor.py) and Highlander on :global (models/supervision/highlander.py)."""

from __future__ import annotations

from typing import Any

from modelcheck import follow
from modelcheck.actors import Pid, Ref, Signal
from modelcheck.testing import assert_violated
from models.supervision.highlander import Highlander, Instance
from models.supervision.horde_supervisor import HordeSupervisor, Member, choose, has_quorum
from tests.model_helpers import actions, counts, run, verdicts


def member(system: HordeSupervisor, world: Any, name: str) -> Member:
    st = system.state_of(world, name)
    assert isinstance(st, Member)
    return st


# -- Horde.DynamicSupervisor --------------------------------------------------------------


def test_placement_and_quorum_are_functions_of_the_members() -> None:
    assert [choose("w", m) for m in (("a", "b", "c"), ("a", "b"), ("b", "c"), ("a",))] == [
        "c",
        "b",
        "c",
        "a",
    ]
    # Of two members only the second counts: losing a keeps the quorum, losing b does not.
    assert has_quorum(("a", "b"), ("a",)) and not has_quorum(("a", "b"), ("b",))
    assert has_quorum(("a", "b", "c"), ("a",)) and not has_quorum(("a", "b", "c"), ("a", "c"))


C_DOWN_AT_B = "signal(<b.0>, DOWN(<c.0>, noconnection))"


def test_a_crashed_members_child_is_restarted_where_the_ring_now_points() -> None:
    system = HordeSupervisor(crashes=1)
    result = run(system)
    assert counts(result) == (34, 99, 7)  # 53 generated before the reconnect poll: it
    # fires (changing nothing) while c is down
    assert verdicts(result) == {
        "one_instance": "holds",
        "one_instance_once_settled": "holds",
        "duplicates_survive_heal": "unreached",
        "runs_again": "holds",
        "every_side_served": "holds",
    }
    initial = follow(system, []).final
    assert system.instances(initial) == [Pid("c", 1)]  # the child, a process linked to c's
    assert member(system, initial, "a").children == (("w", Pid("c", 1), 1),)
    world = follow(
        system, ["crash(c)", C_DOWN_AT_B, "signal(<a.0>, DOWN(<c.0>, noconnection))"]
    ).final
    assert system.instances(world) == [Pid("b", 1)]  # b spawned it
    assert member(system, world, "b").running == (Pid("b", 1),)
    assert member(system, world, "b").children == (("w", Pid("b", 1), 2),)
    assert member(system, world, "a").running == ()  # the ring over [a, b] picks b
    assert run(HordeSupervisor()).distinct == 1


def test_a_member_restarts_its_crashed_child_and_shuts_it_down_without_killing_it() -> None:
    system = HordeSupervisor(kills=1)
    world = follow(system, ["kill(<c.1>)", "deliver(<c.1>, <c.0>, EXIT(<c.1>, killed))"]).final
    assert system.instances(world) == [Pid("c", 2)]  # restarted: a new process
    assert member(system, world, "c").children == (("w", Pid("c", 2), 2),)
    # Killing the member takes its linked child with it (the child does not trap exits).
    world = follow(system, ["kill(<c.0>)", "deliver(<c.0>, <c.1>, EXIT(<c.0>, killed))"]).final
    assert system.instances(world) == []
    result = run(system)
    assert counts(result) == (26, 60, 6)  # a kill of any of four processes, then signals
    assert actions(result, "one_instance") == [
        "kill(<c.0>)",
        "deliver(<c.0>, <b.0>, DOWN(<c.0>, killed))",
    ]


def test_a_partition_runs_the_child_on_both_sides() -> None:
    system = HordeSupervisor(partitions=1)
    result = assert_violated(system, "one_instance", steps=2)
    assert counts(result) == (1027, 6380, 14)  # 3,758 generated before the reconnect poll
    assert actions(result, "one_instance") == ["partition([a, b], [c])", C_DOWN_AT_B]
    assert system.instances(follow(system, actions(result, "one_instance")).final) == [
        Pid("b", 1),
        Pid("c", 1),
    ]
    assert len(actions(result, "one_instance_once_settled")) == 9
    assert result.status("runs_again") == result.status("every_side_served") == "holds"


def test_after_the_heal_both_instances_run_on() -> None:
    system = HordeSupervisor(nodes=2, partitions=1, heals=1)
    result = run(system)
    # (57, 102, 11) with the old heal; now a's reconnect poll brings the connection back
    # after the heal, a step of its own (and a state with the timer set).
    assert counts(result) == (65, 179, 12)
    steps = actions(result, "duplicates_survive_heal")
    assert steps[:2] == ["partition([a], [b])", "signal(<a.0>, DOWN(<b.0>, noconnection))"]
    assert steps[5:7] == ["heal()", "timeout(<a.0>, reconnect)"]
    assert steps[-2:] == [
        "deliver(<a.0>, [horde, b], [sync, [[w, <a.1>, 2]]])",
        "deliver(<b.0>, [horde, a], [sync, [[w, <b.1>, 1]]])",
    ]
    world = follow(system, steps).final
    a, b = member(system, world, "a"), member(system, world, "b")
    assert a.children == b.children == (("w", Pid("a", 1), 2),)  # the replicas agree ...
    assert system.instances(world) == [Pid("a", 1), Pid("b", 1)]  # ... and b.1 runs on


def test_the_quorum_strategy_trades_duplicates_for_availability() -> None:
    system = HordeSupervisor(strategy="quorum", partitions=1)
    result = run(system)
    # 1,387 states when a member's shutdown stopped its child at once; now the exit signal
    # is in flight to the child process and its EXIT comes back: more states, 2 more steps.
    assert counts(result) == (3739, 26244, 18)
    assert verdicts(result) == {
        "one_instance": "violated",
        "one_instance_once_settled": "holds",
        "duplicates_survive_heal": "unreached",
        "runs_again": "violated",
        "every_side_served": "violated",
    }
    # A duplicate for a while: b restarts w before c has lost its quorum ...
    split = ["partition([a, b], [c])", C_DOWN_AT_B]
    assert actions(result, "one_instance") == split
    # ... then c, alone of three, shuts its instance down: exit(<c.1>, shutdown).
    lost = [
        *split,
        "signal(<c.0>, DOWN(<a.0>, noconnection))",
        "signal(<c.0>, DOWN(<b.0>, noconnection))",
    ]
    world = follow(system, lost).final
    assert member(system, world, "c").running == ()
    assert system.instances(world) == [Pid("b", 1), Pid("c", 1)]  # the exit is on its way
    world = follow(system, [*lost, "deliver(<c.0>, <c.1>, EXIT(<c.0>, shutdown))"]).final
    assert system.instances(world) == [Pid("b", 1)]
    # Split three ways nobody has a quorum: the child runs nowhere, forever.
    assert actions(result, "runs_again")[0] == "partition([a], [b], [c])"
    lasso = result.verdict("runs_again").trace
    # 15 steps, then forever a reconnect poll that finds nobody (a loop of that one step).
    assert lasso is not None and (len(lasso), lasso.loop) == (16, 15)
    assert actions(result, "runs_again")[-1] == "timeout(<a.0>, reconnect)"
    assert actions(result, "every_side_served")[0] == "partition([a, c], [b])"


def test_two_members_with_a_quorum_survive_losing_a_but_not_b() -> None:
    system = HordeSupervisor(strategy="quorum", nodes=2, crashes=1)
    result = run(system)
    assert counts(result) == (7, 11, 4)  # 7 generated before a's reconnect poll on b
    assert actions(result, "runs_again") == [
        "crash(b)",
        "signal(<a.0>, DOWN(<b.0>, noconnection))",
        "signal(<a.0>, nodedown(b))",
        "timeout(<a.0>, reconnect)",  # forever: b stays down
    ]
    assert result.status("one_instance") == "holds"


# -- Highlander ---------------------------------------------------------------------------

A2, B2 = Pid("a", 2), Pid("b", 2)


def call(node: str) -> str:
    """The delivery of a Highlander's register_name call to its node's name server."""
    return (
        f"deliver(<{node}.2>, <{node}.0>, [global_call, register_name, [register_name, "
        f"Highlander.w, <{node}.2>, Highlander.handle_conflict]])"
    )


# a registers first (the boss b locks for it); b's call finds the name taken, b looks the
# holder up and monitors <a.2>. Name servers send to each other by name (as
# global.erl does, to {global_name_server, Node}); they answer locks by pid.
A_FIRST = [
    call("a"),
    "deliver(<a.0>, [global_name_server, b], [set_lock, [global, <a.0>], <a.0>])",
    "deliver(<b.0>, <a.0>, [lock_answer, [global, <a.0>], <a.0>, true])",
    "deliver(<a.0>, [global_name_server, b], [register, Highlander.w, <a.2>, "
    "Highlander.handle_conflict])",
    "deliver(<a.0>, [global_name_server, b], [del_lock, [global, <a.0>], <a.0>])",
    "deliver(<a.0>, <a.2>, [global, register_name, yes])",
    call("b"),
    "deliver(<b.0>, [global_name_server, a], [set_lock, [global, <b.0>], <b.0>])",
    "deliver(<a.0>, <b.0>, [lock_answer, [global, <b.0>], <b.0>, true])",
    "deliver(<b.0>, <b.2>, [global, register_name, no])",
    "deliver(<b.2>, <b.0>, [global_call, whereis_name, [whereis_name, Highlander.w]])",
    "deliver(<b.0>, <b.2>, [global, whereis_name, <a.2>])",
]
# a's node is gone (crashed or cut off): b's server drops a's names, b's monitor fires
# with noconnection, b registers and starts the child.
B_TAKES_OVER = [
    "signal(<b.0>, DOWN(<a.2>, noconnection))",
    "signal(<b.0>, nodedown(a))",
    "signal(<b.2>, DOWN(<a.2>, noconnection))",
    call("b"),
    "deliver(<b.0>, <b.2>, [global, register_name, yes])",
]


def highlander(system: Highlander, world: Any, pid: Pid) -> Instance:
    st = system.processes(world)[pid]
    assert isinstance(st, Instance)
    return st


def test_one_highlander_runs_the_child_and_the_other_takes_over_on_a_crash() -> None:
    # (37, 55, 10) and (69, 179, 10) on the node-level :global; the library's has a name
    # server, a supervisor and a Highlander per node, and real calls, locks and monitors.
    for faults, expected in (({}, (86, 161, 14)), ({"crashes": 1}, (152, 444, 15))):
        result = run(Highlander(**faults))
        assert counts(result) == expected
        assert verdicts(result) == {
            "one_instance": "holds",
            "one_instance_once_settled": "holds",
            "runs_again": "holds",
            "settles_on_one_instance": "holds",
            "shut_down_by_resolver": "unreached",
        }
    system = Highlander(crashes=1)
    world = follow(system, A_FIRST).final
    assert highlander(system, world, B2) == Instance("waiting", A2)
    assert system.instances(world) == [A2]
    world = follow(system, [*A_FIRST, "crash(a)", *B_TAKES_OVER]).final
    assert system.instances(world) == [B2]


def test_in_a_partition_the_waiting_highlander_takes_over() -> None:
    system = Highlander(partitions=1)
    # 5 steps on the node-level :global; now both calls and replies are steps, and each
    # server must hear its nodedown before it may lock alone.
    result = assert_violated(system, "one_instance", steps=7)
    assert counts(result) == (432, 1289, 17)
    assert actions(result, "one_instance")[:3] == [
        "partition([a], [b])",
        "signal(<a.0>, nodedown(b))",
        "signal(<b.0>, nodedown(a))",
    ]
    world = follow(system, [*A_FIRST, "partition([a], [b])", *B_TAKES_OVER]).final
    assert system.instances(world) == [A2, B2]
    assert result.status("settles_on_one_instance") == "violated"


def test_on_heal_highlanders_resolver_stops_the_lower_nodes_instance() -> None:
    system = Highlander(partitions=1, heals=1)
    result = run(system)
    # (2,453, 8,686, 25) on the node-level :global, with a string per node.
    assert counts(result) == (4074, 12899, 28)
    assert verdicts(result) == {
        "one_instance": "violated",
        "one_instance_once_settled": "holds",
        "runs_again": "holds",
        "settles_on_one_instance": "holds",
        "shut_down_by_resolver": "reached",
    }
    resolved = actions(result, "shut_down_by_resolver")
    assert len(resolved) == 13 and resolved[-3:] == [
        "deliver(<b.0>, [global_name_server, a], [names, [a, b, 1], [[Highlander.w, <b.2>, "
        "Highlander.handle_conflict]]])",
        "deliver(<a.0>, <a.2>, EXIT(<a.0>, name_conflict))",
        "deliver(<a.2>, <a.1>, EXIT(<a.2>, {shutdown,name_conflict}))",
    ]
    # <a.2> held the name first and <b.2> took over in the partition; still <a.2> goes.
    world = follow(
        system,
        [
            *A_FIRST,
            "partition([a], [b])",
            *B_TAKES_OVER,
            "signal(<a.0>, nodedown(b))",
            "heal()",
            "timeout(<a.0>, [ping, b])",
            "signal(<a.0>, nodeup(b))",
            "deliver(<a.0>, [global_name_server, b], [sync, [a, b, 1]])",
            *resolved[-3:],
        ],
    ).final
    assert highlander(system, world, Pid("a", 3)) == Instance("registering")
    assert system.instances(world) == [B2]
    # The name server monitors what it registers: the DOWN carries that monitor's reference.
    down = Signal("DOWN", A2, ("shutdown", "name_conflict"), Ref(Pid("a", 0), A2, 0))
    assert (A2, Pid("a", 0), down) in system.in_flight(world)


def test_a_member_monitoring_a_peer_that_is_not_there_marks_its_node_dead() -> None:
    # a restarts after b's member was killed: its nodeup monitors ("horde", "b"), which
    # names nobody, so the DOWN is noproc and names the address, not a pid. The member
    # marks b dead as for any DOWN (this raised AttributeError on who.node before).
    system = HordeSupervisor(kills=1, crashes=1, restarts=1)
    steps = ["crash(a)", "kill(<b.0>)", "restart(a)"]
    world = follow(system, [*steps, "signal(<a.0@1>, DOWN({horde,b}, noproc))"]).final
    assert system.state_of(world, "a") == Member(("b",), (), (), 0)
