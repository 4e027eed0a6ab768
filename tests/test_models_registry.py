"""The global registries: :global (models/registry/global_registry.py) and Horde.Registry
(models/registry/horde_registry.py), their verdicts, counts and the steps that matter."""

from __future__ import annotations

from typing import Any

from modelcheck import follow
from modelcheck.actors import Pid
from modelcheck.testing import assert_violated
from models.registry.global_registry import GlobalRegistry, settled, show_server
from models.registry.horde_registry import HordeRegistry, Replica
from tests.model_helpers import actions, counts, run, verdicts

A1, B1 = Pid("a", 1), Pid("b", 1)


def call(node: str, method: str = "random_exit_name") -> str:
    """The delivery of a process's register_name call to its node's name server."""
    return (
        f"deliver(<{node}.1>, <{node}.0>, [global_call, register_name, "
        f"[register_name, n, <{node}.1>, {method}]])"
    )


def reply(node: str, answer: str = "yes") -> str:
    return f"deliver(<{node}.0>, <{node}.1>, [global, register_name, {answer}])"


# Both processes start, a partition, both servers hear nodedown, both calls arrive: each
# side registers n on its own (the old node-level model's 5 steps, and the two calls).
SPLIT = [
    "timeout(<a.1>, start)",
    "timeout(<b.1>, start)",
    "partition([a], [b])",
    "signal(<a.0>, nodedown(b))",
    "signal(<b.0>, nodedown(a))",
    call("a"),
    call("b"),
]
# The heal; a's ping brings the connection back; a (the lower node) drives the sync.
HEAL = [
    "heal()",
    "timeout(<a.0>, [ping, b])",
    "signal(<a.0>, nodeup(b))",
    "deliver(<a.0>, [global_name_server, b], [sync, [a, b, 1]])",
]


def names_of(system: GlobalRegistry, world: Any, node: str) -> dict[str, Pid]:
    st = system.state_of(world, node)
    return {name: pid for name, pid, _ in st.names}


def status(system: GlobalRegistry, world: Any, node: str) -> str:
    proc = system.process(world, node)
    return "killed" if proc is None else proc.status


# -- :global ------------------------------------------------------------------------------


def test_without_faults_the_boss_lock_lets_one_registration_through() -> None:
    result = run(GlobalRegistry())
    # Each registration: the start timer, the call, the lock on b (the boss), then on a, the
    # register, del_lock and the answer; interleaved, with a's refusals and retries: 89.
    assert counts(result) == (89, 169, 14)
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
            "timeout(<a.1>, start)",
            "timeout(<b.1>, start)",
            call("a"),
            call("b"),
            "deliver(<a.0>, [global_name_server, b], [set_lock, [global, <a.0>], <a.0>])",
            "deliver(<b.0>, [global_name_server, a], [set_lock, [global, <b.0>], <b.0>])",
            "deliver(<a.0>, <b.0>, [lock_answer, [global, <b.0>], <b.0>, true])",
            "deliver(<b.0>, <a.0>, [lock_answer, [global, <a.0>], <a.0>, false])",
            "deliver(<b.0>, [global_name_server, a], [register, n, <b.1>, random_exit_name])",
            "deliver(<b.0>, [global_name_server, a], [del_lock, [global, <b.0>], <b.0>])",
            reply("b"),
            "timeout(<a.0>, global_retry)",
            "deliver(<a.0>, [global_name_server, b], [set_lock, [global, <a.0>], <a.0>])",
            "deliver(<b.0>, <a.0>, [lock_answer, [global, <a.0>], <a.0>, true])",
            reply("a", "no"),
            "deliver(<a.0>, [global_name_server, b], [del_lock, [global, <a.0>], <a.0>])",
        ],
    ).final
    assert (status(system, world, "a"), status(system, world, "b")) == ("refused", "registered")
    assert names_of(system, world, "a") == names_of(system, world, "b") == {"n": B1}
    assert settled(system, world) and system.holders(world) == [B1]


def test_three_nodes_register_one_at_a_time() -> None:
    result = run(GlobalRegistry(nodes=3))
    # Three registrars, each locking c (the boss) and then the other two: 3,814 states.
    assert counts(result) == (3814, 12540, 30)
    assert result.status("one_holder") == result.status("agree_once_settled") == "holds"


def test_a_partition_lets_each_side_register_and_nothing_undoes_it() -> None:
    system = GlobalRegistry(partitions=1)
    result = assert_violated(system, "one_holder", steps=7)
    # The fault-free 89 states, and from each a partition, nodedowns, lone registrations.
    assert counts(result) == (391, 1127, 17)
    assert actions(result, "one_holder") == SPLIT
    world = follow(system, SPLIT).final
    assert names_of(system, world, "a") == {"n": A1}
    assert names_of(system, world, "b") == {"n": B1}
    assert system.holders(world) == [A1, B1]
    # Without a heal it stays so forever: a lasso whose loop is a's ping that reaches nobody.
    lasso = result.verdict("settles_on_one_holder")
    assert lasso.status == "violated" and lasso.trace is not None
    steps = actions(result, "settles_on_one_holder")
    assert steps == [*SPLIT[:6], reply("a"), call("b"), reply("b"), "timeout(<a.0>, [ping, b])"]
    assert lasso.trace.loop == 9
    assert result.status("agree_once_settled") == "holds"


def test_random_exit_name_kills_the_process_on_the_higher_node() -> None:
    system = GlobalRegistry(partitions=1, heals=1)
    result = run(system)
    # Heals (and a's pings) at every point after the partition, each followed by a sync.
    assert counts(result) == (3530, 11374, 26)
    assert verdicts(result) == {
        "one_holder": "violated",
        "agree_once_settled": "holds",
        "settles_on_one_holder": "holds",
        "killed_by_resolver": "reached",
        "loser_runs_on": "unreached",
        "name_orphaned": "unreached",
    }
    names = (
        "deliver(<b.0>, [global_name_server, a], "
        "[names, [a, b, 1], [[n, <b.1>, random_exit_name]]])"
    )
    kill = "deliver(<a.0>, <b.1>, kill(<a.0>))"
    assert actions(result, "killed_by_resolver") == [*SPLIT, *HEAL, names, kill]
    # a kept its own a.1 and told b so; b's registered process died without a warning.
    world = follow(
        system,
        [
            *SPLIT,
            *HEAL,
            names,
            kill,
            "signal(<b.0>, nodeup(a))",
            reply("a"),
            "deliver(<a.0>, [global_name_server, b], "
            "[synced, [a, b, 1], [[n, <a.1>, random_exit_name]], "
            "[[n, <a.1>, random_exit_name]]])",
            "deliver(<b.1>, <b.0>, DOWN(<b.1>, killed))",
        ],
    ).final
    assert (status(system, world, "a"), status(system, world, "b")) == ("registered", "killed")
    assert names_of(system, world, "a") == names_of(system, world, "b") == {"n": A1}
    assert settled(system, world) and system.actions(world) == []
    assert system.holders(world) == [A1]


def test_random_notify_name_leaves_the_loser_running_unregistered() -> None:
    system = GlobalRegistry(partitions=1, heals=1, resolve="random_notify_name")
    result = run(system)
    assert counts(result) == (3558, 11422, 26)  # (the notice is a message, not an exit)
    assert result.status("killed_by_resolver") == "unreached"
    steps = actions(result, "loser_runs_on")
    assert steps[-3:] == [
        "deliver(<b.0>, [global_name_server, a], "
        "[names, [a, b, 1], [[n, <b.1>, random_notify_name]]])",
        # (the notice, by pid to <b.1>, sent first, is taken before the synced by name)
        "deliver(<a.0>, <b.1>, [global_name_conflict, n])",
        "deliver(<a.0>, [global_name_server, b], "
        "[synced, [a, b, 1], [[n, <a.1>, random_notify_name]], "
        "[[n, <a.1>, random_notify_name]]])",
    ]
    assert len(steps) == 17  # (the old model's 12, and the calls, answers and the ping)
    world = follow(system, steps).final
    assert status(system, world, "b") == "notified" and system.running(world, B1)
    assert system.holders(world) == [A1]


def test_notify_all_name_unregisters_the_name_and_both_run_on() -> None:
    system = GlobalRegistry(partitions=1, heals=1, resolve="notify_all_name")
    result = run(system)
    assert counts(result) == (3628, 11633, 26)  # (both are notified: more interleavings)
    steps = actions(result, "name_orphaned")
    assert len(steps) == 18 and steps[-2:] == [
        "deliver(<a.0>, <b.1>, [global_name_conflict, n, <a.1>])",  # (by pid, sent first)
        "deliver(<a.0>, [global_name_server, b], "
        "[synced, [a, b, 1], [[n, <a.1>, notify_all_name]], "
        "[[n, none, notify_all_name]]])",
    ]
    world = follow(system, steps).final
    assert (status(system, world, "a"), status(system, world, "b")) == ("notified", "notified")
    assert names_of(system, world, "a") == names_of(system, world, "b") == {}
    assert system.holders(world) == []


def test_a_restarted_node_registers_before_it_has_synced() -> None:
    system = GlobalRegistry(crashes=1, restarts=1)
    result = run(system)
    assert counts(result)[0] == 4369  # (a restarted node's pids are a new incarnation)
    assert result.status("one_holder") == "violated"
    # b restarts and registers n on its own before it has synced with a.
    assert actions(result, "one_holder") == [
        "timeout(<a.1>, start)",
        "crash(b)",
        "signal(<a.0>, nodedown(b))",
        call("a"),
        "restart(b)",
        "timeout(<b.1@1>, start)",
        "deliver(<b.1@1>, <b.0@1>, [global_call, register_name, "
        "[register_name, n, <b.1@1>, random_exit_name]])",
    ]
    assert result.status("agree_once_settled") == "holds"
    assert result.status("settles_on_one_holder") == "holds"


def test_a_lost_register_message_lets_a_second_holder_in() -> None:
    system = GlobalRegistry(drops=1)
    result = assert_violated(system, "one_holder", steps=10)
    assert counts(result) == (289, 632, 15)
    assert (
        "drop(<a.0>, [global_name_server, b], [register, n, <a.1>, random_exit_name])"
        in actions(result, "one_holder")
    )


def test_a_server_shows_its_table_lock_and_registrar() -> None:
    system = GlobalRegistry()
    world = follow(system, ["timeout(<b.1>, start)", call("b")]).final
    assert show_server(system.state_of(world, "b")) == {
        "names": {},
        "known": ["a"],
        "lock": [["global", Pid("b", 0)]],
        "registrar": "rest: holds b; waits for a",
    }
    assert system.show(world)["<b.1>"] == "registering"


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
CUT = ["cut(a, b)", "signal(<a.0>, nodedown(b))", "signal(<b.0>, nodedown(a))"]
REPORTS = [
    "deliver(<a.0>, [global_name_server, c], [lost_connection, b])",
    "deliver(<b.0>, [global_name_server, c], [lost_connection, a])",
]


def _connected(system: GlobalRegistry, world: Any) -> dict[str, list[str]]:
    graph = system.connections(world)
    return {n: sorted(graph.neighbors(n)) for n in sorted(graph.nodes)}


def test_prevent_overlapping_partitions_can_turn_one_cut_into_three_nodes_apart() -> None:
    system = GlobalRegistry(nodes=3, cuts=1)
    reported = follow(system, CUT)
    assert system.show(reported.final)["in flight"] == [
        "<a.0> -> global_name_server on c: [lost_connection, b]",
        "<b.0> -> global_name_server on c: [lost_connection, a]",
    ]
    # c takes both reports before either node acts on c's remove_connection: it asks both
    # to drop it, and forgets both; each drops its connection to c.
    removes = [
        "deliver(<c.0>, [global_name_server, b], [remove_connection])",
        "deliver(<c.0>, [global_name_server, a], [remove_connection])",
    ]
    apart = follow(system, [*CUT, *REPORTS, *removes])
    assert _connected(system, apart.final) == {"a": [], "b": [], "c": []}
    c = system.state_of(apart.final, "c")
    assert c.known == () and c.removing == ("a", "b")
    # The nodedowns that follow are expected: nobody reports them, and nobody pings c (the
    # model's pings leave alone what global took down); a still pings b across the cut.
    downs = [
        "signal(<a.0>, nodedown(c))",
        "signal(<b.0>, nodedown(c))",
        "signal(<c.0>, nodedown(b))",
        "signal(<c.0>, nodedown(a))",
    ]
    settled_down = follow(system, [*CUT, *REPORTS, *removes, *downs]).final
    assert "in flight" not in system.show(settled_down)
    assert all(system.state_of(settled_down, n).removing == () for n in "abc")
    timers = system.show(settled_down)["timers"]
    assert (timers["<a.0>"], "<b.0>" in timers, "<c.0>" in timers) == (["[ping, b]"], False, False)


def test_a_remove_connection_first_loses_the_other_report_and_keeps_a_with_c() -> None:
    # b drops c before c takes b's report: the report goes with the connection, and a and
    # c stay together (the other outcome real nodes show).
    system = GlobalRegistry(nodes=3, cuts=1)
    world = follow(
        system, [*CUT, REPORTS[0], "deliver(<c.0>, [global_name_server, b], [remove_connection])"]
    ).final
    assert _connected(system, world) == {"a": ["c"], "b": [], "c": ["a"]}
    assert "in flight" not in system.show(world)  # b's report went with b -x- c
    assert system.show(world)["disconnected"] == ["b -x- c"]


def test_without_prevent_overlapping_partitions_a_cut_stays_a_cut() -> None:
    system = GlobalRegistry(nodes=3, cuts=1, prevent_overlapping_partitions=False)
    world = follow(system, CUT).final
    assert "in flight" not in system.show(world)
    assert _connected(system, world) == {"a": ["c"], "b": ["c"], "c": ["a", "b"]}
