"""The global registries: :global (models/registry/global_registry.py) and Horde.Registry
(models/registry/horde_registry.py), their verdicts, counts and the steps that matter."""

from __future__ import annotations

from typing import Any

from modelcheck import follow
from modelcheck.testing import assert_violated
from models.registry.global_registry import (
    GlobalRegistry,
    Node,
    resolve_global,
    settled,
    show_node,
)
from models.registry.horde_registry import HordeRegistry, Replica
from tests.model_helpers import actions, counts, run, verdicts

# A partition before either process starts: each side registers n on its own.
SPLIT = [
    "partition([a], [b])",
    "signal(a, nodedown(b))",
    "signal(b, nodedown(a))",
    "timeout(a, start)",
    "timeout(b, start)",
]
# The heal, and the lower node's sync up to the clash.
HEAL = [
    "heal()",
    "signal(a, nodeup(b))",
    "deliver(a, b, [sync, a+b/1])",
    "deliver(b, a, [names, a+b/1, [[n, b.1]]])",
]


def node(system: GlobalRegistry, world: Any, name: str) -> Node:
    st = system.state_of(world, name)
    assert isinstance(st, Node)
    return st


# -- :global ------------------------------------------------------------------------------


def test_without_faults_the_boss_lock_lets_one_registration_through() -> None:
    result = run(GlobalRegistry())
    assert counts(result) == (37, 55, 10)
    assert verdicts(result) == {
        "one_holder": "holds",
        "agree_once_settled": "holds",
        "settles_on_one_holder": "holds",
        "killed_by_resolver": "unreached",
        "loser_runs_on": "unreached",
        "name_orphaned": "unreached",
    }
    # Both start at once: b, the boss, locks itself first and refuses a; a grants b.
    system = GlobalRegistry()
    world = follow(
        system,
        [
            "timeout(a, start)",
            "timeout(b, start)",
            "deliver(a, b, set_lock)",
            "deliver(b, a, set_lock)",
            "deliver(b, a, refused)",
            "deliver(a, b, granted)",
            "deliver(b, a, [register, n, b.1])",
            "deliver(b, a, del_lock)",
            "timeout(a, retry)",
            "deliver(a, b, set_lock)",
            "deliver(b, a, granted)",
            "deliver(a, b, del_lock)",
        ],
    ).final
    a, b = node(system, world, "a"), node(system, world, "b")
    assert (a.proc, b.proc) == ("refused", "registered")
    assert a.names == b.names == (("n", "b.1"),)
    assert settled(system, world) and system.holders(world) == ["b.1"]


def test_three_nodes_register_one_at_a_time() -> None:
    result = run(GlobalRegistry(nodes=3))
    assert counts(result) == (1295, 3567, 25)
    assert result.status("one_holder") == result.status("agree_once_settled") == "holds"


def test_a_partition_lets_each_side_register_and_nothing_undoes_it() -> None:
    system = GlobalRegistry(partitions=1)
    result = assert_violated(system, "one_holder", steps=5)
    assert counts(result) == (130, 280, 12)
    assert actions(result, "one_holder") == SPLIT
    world = follow(system, SPLIT).final
    assert node(system, world, "a").names == (("n", "a.1"),)
    assert node(system, world, "b").names == (("n", "b.1"),)
    assert system.holders(world) == ["a.1", "b.1"]
    # Without a heal it stays so forever: a lasso that ends where the violation is.
    lasso = result.verdict("settles_on_one_holder")
    assert lasso.status == "violated" and lasso.trace is not None
    assert actions(result, "settles_on_one_holder") == SPLIT and lasso.trace.loop == 5
    assert result.status("agree_once_settled") == "holds"


def test_random_exit_name_kills_the_process_on_the_higher_node() -> None:
    system = GlobalRegistry(partitions=1, heals=1)
    result = run(system)
    assert counts(result) == (1372, 3571, 20)
    assert verdicts(result) == {
        "one_holder": "violated",
        "agree_once_settled": "holds",
        "settles_on_one_holder": "holds",
        "killed_by_resolver": "reached",
        "loser_runs_on": "unreached",
        "name_orphaned": "unreached",
    }
    kill = "deliver(a, b, [exit, b.1, kill])"
    assert actions(result, "killed_by_resolver") == [*SPLIT, *HEAL, kill]
    # a kept its own a.1 and told b so; b's registered process died without a warning.
    world = follow(
        system,
        [
            *SPLIT,
            *HEAL,
            kill,
            "deliver(a, b, [synced, a+b/1, [[n, a.1]], [[n, a.1]]])",
            "deliver(b, a, [DOWN, b.1, killed])",
            "signal(b, nodeup(a))",
        ],
    ).final
    a, b = node(system, world, "a"), node(system, world, "b")
    assert (a.proc, b.proc) == ("registered", "killed")
    assert a.names == b.names == (("n", "a.1"),)
    assert settled(system, world) and system.actions(world) == []


def test_random_notify_name_leaves_the_loser_running_unregistered() -> None:
    system = GlobalRegistry(partitions=1, heals=1, resolve="random_notify_name")
    result = run(system)
    assert counts(result) == (1361, 3550, 20)
    assert result.status("killed_by_resolver") == "unreached"
    steps = actions(result, "loser_runs_on")
    assert steps == [
        *SPLIT,
        *HEAL[:3],
        "signal(b, nodeup(a))",
        HEAL[3],
        "deliver(a, b, [global_name_conflict, n])",
        "deliver(a, b, [synced, a+b/1, [[n, a.1]], [[n, a.1]]])",
    ]
    world = follow(system, steps).final
    assert node(system, world, "b").proc == "notified" and system.running(world, "b.1")
    assert system.holders(world) == ["a.1"]


def test_notify_all_name_unregisters_the_name_and_both_run_on() -> None:
    system = GlobalRegistry(partitions=1, heals=1, resolve="notify_all_name")
    result = run(system)
    assert counts(result) == (1361, 3550, 20)
    steps = actions(result, "name_orphaned")
    assert steps[-2:] == [
        "deliver(a, b, [global_name_conflict, n, a.1])",
        "deliver(a, b, [synced, a+b/1, [[n, a.1]], [[n, none]]])",
    ]
    world = follow(system, steps).final
    a, b = node(system, world, "a"), node(system, world, "b")
    assert (a.proc, b.proc) == ("notified", "notified")  # a.1 heard it on its own node
    assert a.names == b.names == () and system.holders(world) == []


def test_a_restarted_node_registers_before_it_has_synced() -> None:
    system = GlobalRegistry(crashes=1, restarts=1)
    result = run(system)
    assert counts(result)[0] == 1688  # the restarted a is now also told nodeup(b)
    assert result.status("one_holder") == "violated"
    # a starts and registers n on its own before it has taken nodeup(b), let alone synced.
    assert actions(result, "one_holder") == [
        "crash(a)",
        "signal(b, nodedown(a))",
        "timeout(b, start)",
        "restart(a)",
        "timeout(a, start)",
    ]
    assert result.status("agree_once_settled") == "holds"
    assert result.status("settles_on_one_holder") == "holds"


def test_the_resolve_functions_are_global_erls() -> None:
    # minmax orders by node name, whichever pid comes first.
    for pids in (("b.1", "a.1"), ("a.1", "b.1")):
        assert resolve_global("random_exit_name", "n", *pids) == (
            "a.1",
            [("b.1", ("exit", "b.1", "kill"))],
        )
        assert resolve_global("random_notify_name", "n", *pids) == (
            "a.1",
            [("b.1", ("global_name_conflict", "n"))],
        )
    assert resolve_global("notify_all_name", "n", "b.1", "a.1") == (
        None,
        [
            ("b.1", ("global_name_conflict", "n", "a.1")),
            ("a.1", ("global_name_conflict", "n", "b.1")),
        ],
    )


def test_a_node_shows_its_process_table_lock_and_registrar() -> None:
    system = GlobalRegistry()
    world = follow(system, ["timeout(b, start)"]).final
    assert show_node(node(system, world, "b")) == {
        "process": "b.1 registering",
        "names": {},
        "known": ["a"],
        "lock": "b",
        "registrar": "rest: holds b; waits for a",
    }


# -- Horde.Registry -----------------------------------------------------------------------

BOTH = ["timeout(a, register)", "timeout(b, register)"]


def replica(system: HordeRegistry, world: Any, name: str) -> Replica:
    st = system.state_of(world, name)
    assert isinstance(st, Replica)
    return st


def test_two_nodes_register_the_same_key_at_once_and_both_succeed() -> None:
    system = HordeRegistry()
    result = assert_violated(system, "one_holder", steps=2)
    assert counts(result) == (11, 13, 5)
    assert actions(result, "one_holder") == BOTH
    assert verdicts(result) == {
        "one_holder": "violated",
        "converged_when_quiescent": "holds",
        "settles": "holds",
        "loser_exits": "reached",
    }
    world = follow(system, BOTH).final
    assert replica(system, world, "a").keys == (("k", "a.1", 1),)
    assert replica(system, world, "b").keys == (("k", "b.1", 1),)
    assert system.holders(world) == ["a.1", "b.1"]


def test_the_merge_exits_the_loser_and_the_replicas_agree() -> None:
    system = HordeRegistry()
    result = run(system)
    assert actions(result, "loser_exits") == [*BOTH, "deliver(b, a, [add, k, b.1, 1])"]
    world = follow(
        system, [*BOTH, "deliver(b, a, [add, k, b.1, 1])", "deliver(a, b, [add, k, a.1, 1])"]
    ).final
    a, b = replica(system, world, "a"), replica(system, world, "b")
    assert (a.proc, b.proc) == ("exited", "registered")
    assert a.keys == b.keys == (("k", "b.1", 1),)
    assert system.quiescent(world) and system.holders(world) == ["b.1"]


def test_a_registration_already_seen_is_refused() -> None:
    system = HordeRegistry()
    world = follow(
        system, ["timeout(a, register)", "deliver(a, b, [add, k, a.1, 1])", "timeout(b, register)"]
    ).final
    assert replica(system, world, "b").proc == "taken"
    assert system.holders(world) == ["a.1"]


def test_without_a_heal_the_replicas_never_converge() -> None:
    result = run(HordeRegistry(partitions=1))
    assert counts(result) == (47, 120, 7)  # 84 generated before the reconnect poll
    lasso = result.verdict("settles")
    assert lasso.status == "violated" and lasso.trace is not None and lasso.trace.loop == 5
    assert actions(result, "settles") == [
        *BOTH,
        "partition([a], [b])",
        "signal(a, nodedown(b))",
        "signal(b, nodedown(a))",
        "timeout(a, reconnect)",  # forever: the poll finds b cut off
    ]


def test_the_heal_syncs_the_replicas_and_the_loser_exits() -> None:
    system = HordeRegistry(partitions=1, heals=1)
    result = run(system)
    # (294, 666, 11) with the old heal; now after the heal the connection comes back only
    # when a reconnect poll fires: a step more, and states with the poll pending.
    assert counts(result) == (321, 1169, 12)
    assert result.status("settles") == result.status("converged_when_quiescent") == "holds"
    world = follow(
        system,
        [
            "partition([a], [b])",
            *BOTH,
            "heal()",
            "signal(a, nodedown(b))",
            "timeout(a, reconnect)",
            "signal(a, nodeup(b))",
            "signal(b, nodedown(a))",
            "signal(b, nodeup(a))",
            "deliver(a, b, [sync, [[k, a.1, 1]], []])",
            "deliver(b, a, [sync, [[k, b.1, 1]], []])",
        ],
    ).final
    assert replica(system, world, "a").proc == "exited"
    assert system.quiescent(world) and system.agree(world)
    # A merge does not care about order: unordered delivery converges as well.
    unordered = run(HordeRegistry(partitions=1, heals=1, network="unordered"))
    assert unordered.distinct == 382 and unordered.status("settles") == "holds"


def test_an_exit_from_a_third_node_removes_the_losers_entry() -> None:
    system = HordeRegistry(nodes=3)
    result = run(system)
    assert counts(result) == (312, 762, 13)
    world = follow(
        system,
        [
            *BOTH,
            "deliver(a, c, [add, k, a.1, 1])",
            "deliver(b, c, [add, k, b.1, 1])",  # c: b.1 wins, a.1 is sent the exit
            "deliver(c, a, [exit, a.1, [name_conflict, k]])",  # a still gives k to a.1
        ],
    ).final
    a = replica(system, world, "a")
    assert a.proc == "exited" and a.keys == () and a.removed == ("a.1",)
    assert [(dst, msg) for src, dst, msg in system.in_flight(world) if src == "a"][-2:] == [
        ("b", ("remove", "k", "a.1")),
        ("c", ("remove", "k", "a.1")),
    ]


# -- prevent_overlapping_partitions -------------------------------------------------------

# A cut a-b among three nodes, both nodedowns heard: each reports the lost connection to c.
CUT = ["cut(a, b)", "signal(a, nodedown(b))", "signal(b, nodedown(a))"]


def _connected(system: GlobalRegistry, world: Any) -> dict[str, list[str]]:
    graph = system.connections(world)
    return {n: sorted(graph.neighbors(n)) for n in sorted(graph.nodes)}


def test_prevent_overlapping_partitions_can_turn_one_cut_into_three_nodes_apart() -> None:
    system = GlobalRegistry(nodes=3, cuts=1)
    reported = follow(system, CUT)
    assert system.show(reported.final)["in flight"] == [
        "a -> c: [lost_connection, b]",
        "b -> c: [lost_connection, a]",
    ]
    # c takes both reports before either node acts on c's remove_connection: it asks both
    # to drop it, and forgets both; each drops its connection to c.
    apart = follow(
        system,
        [
            *CUT,
            "deliver(a, c, [lost_connection, b])",
            "deliver(b, c, [lost_connection, a])",
            "deliver(c, b, [remove_connection])",
            "deliver(c, a, [remove_connection])",
        ],
    )
    assert _connected(system, apart.final) == {"a": [], "b": [], "c": []}
    assert node(system, apart.final, "c").known == ()
    assert node(system, apart.final, "c").removing == ("a", "b")
    # The nodedowns that follow are expected: nobody reports them.
    settled_down = follow(
        system,
        [
            *CUT,
            "deliver(a, c, [lost_connection, b])",
            "deliver(b, c, [lost_connection, a])",
            "deliver(c, b, [remove_connection])",
            "deliver(c, a, [remove_connection])",
            "signal(a, nodedown(c))",
            "signal(b, nodedown(c))",
            "signal(c, nodedown(b))",
            "signal(c, nodedown(a))",
        ],
    )
    assert "in flight" not in system.show(settled_down.final)
    assert all(node(system, settled_down.final, n).removing == () for n in "abc")


def test_a_remove_connection_first_loses_the_other_report_and_keeps_a_with_c() -> None:
    # b drops c before c takes b's report: the report goes with the connection, and a and
    # c stay together (the other outcome real nodes show).
    system = GlobalRegistry(nodes=3, cuts=1)
    world = follow(
        system,
        [*CUT, "deliver(a, c, [lost_connection, b])", "deliver(c, b, [remove_connection])"],
    )
    assert _connected(system, world.final) == {"a": ["c"], "b": [], "c": ["a"]}
    assert "in flight" not in system.show(world.final)  # b's report went with b -x- c
    assert system.show(world.final)["disconnected"] == ["b -x- c"]


def test_without_prevent_overlapping_partitions_a_cut_stays_a_cut() -> None:
    system = GlobalRegistry(nodes=3, cuts=1, prevent_overlapping_partitions=False)
    world = follow(system, CUT)
    assert "in flight" not in system.show(world.final)
    assert _connected(system, world.final) == {"a": ["c"], "b": ["c"], "c": ["a", "b"]}
