"""Monitors, links, node events, crashes, restarts and partitions with BEAM semantics."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck import check, follow
from modelcheck.actors import DEAD, message_flow, node_steps
from tests.actor_systems import ReconnectingWatch, Watch


def _log(system: Watch, actions: list[str]) -> Any:
    return system.state_of(follow(system, actions).final, "w")


def test_a_monitored_exit_arrives_after_the_messages_sent_before_it() -> None:
    system = Watch()
    trace = follow(system, ["timeout(t, quit)"])
    assert system.show(trace.final)["in flight"] == ["t -> w: hello", "t -> w: DOWN(t, shutdown)"]
    assert _log(system, ["timeout(t, quit)", "deliver(t, w, hello)",
                         "deliver(t, w, DOWN(t, shutdown))"]) == (
        ("msg", "t", "hello"), ("DOWN", "t", "shutdown"),
    )  # fmt: skip
    # Without restarts the target's exit is final, so a later hello would break FIFO.
    result = check(Watch(crashes=1, partitions=1, heals=1))
    assert result.complete and result.status("no_hello_after_down") == "holds"


def test_a_crash_fires_noconnection_and_nodedown_and_loses_what_was_in_flight() -> None:
    system = Watch(crashes=1)
    trace = follow(system, ["crash(t)"])
    shown = system.show(trace.final)
    assert shown["t"] == "down"
    assert shown["signals"] == {"w": ["DOWN(t, noconnection)", "nodedown(t)"]}
    assert "in flight" not in shown
    flows = message_flow(system, trace)
    assert [(f.message, f.fate) for f in flows] == [("hello", "lost")]


def test_a_partition_fires_noconnection_and_heal_brings_nodeup_after_nodedown() -> None:
    # The watcher connects to t again after its nodedown (a heal reconnects nothing by
    # itself: tests/test_actors_processes.py); its connect after the heal brings nodeup.
    system = ReconnectingWatch(partitions=1, heals=1)
    log = _log(
        system,
        [
            "partition([w, x], [t])",
            "heal()",
            "signal(w, DOWN(t, noconnection))",
            "signal(w, nodedown(t))",
            "timeout(w, [connect, t])",
            "signal(w, nodeup(t))",
        ],
    )
    assert log == (("DOWN", "t", "noconnection"), ("nodedown", "t"), ("nodeup", "t"))
    result = check(ReconnectingWatch(partitions=1, heals=1, crashes=1, restarts=1), keep_going=True)
    assert result.complete and result.status("node_events_alternate") == "holds"


def test_every_grouping_is_a_partition_once() -> None:
    system = Watch(partitions=1)
    labels = [label for label, _ in system.actions(system.init_states()[0])]
    partitions = [lab for lab in labels if lab[0] == "partition"]
    assert partitions == [
        ("partition", ("w", "t"), ("x",)),
        ("partition", ("w", "x"), ("t",)),
        ("partition", ("w",), ("t", "x")),
        ("partition", ("w",), ("t",), ("x",)),
    ]


def test_a_single_cut_makes_connectivity_non_transitive() -> None:
    system = Watch(cuts=1)
    world = follow(system, ["cut(w, t)"]).final
    graph = system.connectivity(world)
    assert sorted(map(sorted, graph.edges)) == [["t", "x"], ["w", "x"]]
    assert system.show(world)["cut"] == ["w -/- t"]


def test_monitoring_a_dead_node_gets_noproc() -> None:
    # Declared t first: t quits before w starts monitoring it.
    system = Watch(order="twx")
    trace = follow(system, ["timeout(t, quit)"])
    assert system.state_of(trace.final, "t") is None
    # w monitored at start, while t was alive; now a restart of the system with t dead:
    system = Watch(order="twx", restarts=1)
    log = _log(
        system, ["timeout(t, quit)", "deliver(t, w, hello)", "deliver(t, w, DOWN(t, shutdown))"]
    )
    assert log[-1] == ("DOWN", "t", "shutdown")


def test_a_link_kills_an_untrapping_partner_unless_the_reason_is_normal() -> None:
    system = Watch(link=True)
    world = follow(
        system, ["timeout(t, quit)", "deliver(t, w, hello)", "deliver(t, w, EXIT(t, shutdown))"]
    ).final
    assert world.states[0] is DEAD
    normal = Watch(link=True, reason="normal")
    world = follow(
        normal, ["timeout(t, quit)", "deliver(t, w, hello)", "deliver(t, w, EXIT(t, normal))"]
    ).final
    assert normal.state_of(world, "w") == (("msg", "t", "hello"),)


def test_a_trapping_partner_gets_the_exit_as_a_call() -> None:
    system = Watch(link=True, trap=True)
    log = _log(
        system, ["timeout(t, quit)", "deliver(t, w, hello)", "deliver(t, w, EXIT(t, shutdown))"]
    )
    assert log == (("msg", "t", "hello"), ("EXIT", "t", "shutdown"))


def test_kill_cannot_be_trapped_and_monitors_see_killed() -> None:
    system = Watch(bystander_kills=True)
    trace = follow(system, ["timeout(x, kill)", "deliver(x, t, kill(x))"])
    assert system.state_of(trace.final, "t") is None
    assert system.show(trace.final)["in flight"] == ["t -> w: hello", "t -> w: DOWN(t, killed)"]


def test_restart_runs_init_with_the_durable_state_and_announces_nodeup() -> None:
    system = Watch(crashes=1, restarts=1)
    trace = follow(system, ["crash(t)", "restart(t)"])
    assert system.state_of(trace.final, "t") == 100  # durable: count + 100, count was 0
    assert system.show(trace.final)["signals"] == {
        "w": ["DOWN(t, noconnection)", "nodedown(t)", "nodeup(t)"]
    }
    assert node_steps(system, trace, "t") == (0, 1, 2)
    assert node_steps(system, trace, "x") == (0,)


def test_messages_to_a_dead_process_are_dropped() -> None:
    system = Watch(order="twx")
    trace = follow(
        system, ["timeout(t, quit)", "deliver(t, w, hello)", "deliver(t, w, DOWN(t, shutdown))"]
    )
    assert [(f.sender, str(f.message), f.fate) for f in message_flow(system, trace)] == [
        ("t", "hello", "delivered"),
        ("t", "DOWN(t, shutdown)", "delivered"),
    ]


def test_budgets_bound_the_faults() -> None:
    def counts(**budgets: int) -> tuple[int, int, int]:
        result = check(Watch(**budgets))
        return result.distinct, result.generated, result.depth

    assert counts() == counts(heals=3)  # nothing to heal without a partition
    assert counts(crashes=1) < counts(crashes=2)
    assert counts(partitions=1) < counts(partitions=1, heals=1)


@settings(max_examples=6, deadline=None)
@given(st.permutations("wtx"))
def test_counts_do_not_depend_on_declaration_order(order: list[str]) -> None:
    def counts(order: str) -> tuple[int, int, int]:
        result = check(Watch(order=order, crashes=1, partitions=1, heals=1, bystander_kills=True))
        return result.distinct, result.generated, result.depth

    assert counts("".join(order)) == counts("wtx")


def test_the_new_connection_waits_for_the_old_ones_nodedown() -> None:
    # t crashes and restarts; the new t says hello at once. w has not yet taken the
    # DOWN(noconnection) and nodedown(t) of the old connection, which the BEAM queues first:
    # until it has, the hello cannot arrive.
    system = Watch(crashes=1, restarts=1)
    world = follow(system, ["crash(t)", "restart(t)"]).final
    assert system.show(world)["in flight"] == ["t -> w: hello"]
    labels = [label for label, _ in system.actions(world)]
    assert ("deliver", "t", "w", "hello") not in labels
    taken = follow(
        system,
        ["crash(t)", "restart(t)", "signal(w, DOWN(t, noconnection))", "signal(w, nodedown(t))"],
    ).final
    assert ("deliver", "t", "w", "hello") in [label for label, _ in system.actions(taken)]


def test_a_restarted_subscriber_hears_nodeup_for_its_connected_peers() -> None:
    system = Watch(crashes=1, restarts=1)
    world = follow(system, ["crash(w)", "restart(w)"]).final
    assert system.show(world)["signals"] == {"w": ["nodeup(t)", "nodeup(x)"]}
