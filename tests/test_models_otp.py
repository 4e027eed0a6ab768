"""The models built on modelcheck/beam: a retried GenServer call, a supervisor restarting a
crashed child, pg across a partition."""

from __future__ import annotations

from collections.abc import Sequence

from modelcheck import Fairness
from modelcheck.testing import assert_violated
from models.groups.pg_converge import PgConverge, PgNoReconnect
from models.groups.pg_partition import PgPartition, PgReconnect
from models.messaging.gen_server_call import IdempotentCall, RetriedCall
from models.messaging.restarted_call import RestartedCall
from models.supervision.horde_handoff import HordeHandoff
from models.supervision.supervisor_restart import SupervisorRestart
from tests.model_helpers import actions, counts, run, verdicts

# The teller calls {account, bank} by name: the label names the address as sent.
CALL_1 = "deliver(<shop.0>, [account, bank], [call, <shop.0>#1, [withdraw, 1]])"
TIMEOUT_1 = "timeout(<shop.0>, call_timeout(#1))"


def test_a_retried_call_that_had_been_served_pays_twice() -> None:
    # S0: call #1 in flight, its timer set. #1 served (S1) or timed out (S2: #2 sent).
    # S1: reply in time (S3, paid) or timeout (S4: #2 in flight, reply #1 coming); S2 +
    # #1 served = S4; S2 + #2's timeout: the teller gives up (S6). S4: #2 served (S7:
    # paid twice), reply #1 arrives late (S8), or #2 times out (S9); S6 + #1 served = S9.
    # S7: late #1 (S11) or timeout (S12); S8: #2 served = S11, or timeout (S13); S9: #2
    # served = S12, or late #1 = S13. S11: reply #2 in time (S14) or timeout (S15); S12
    # and S13 reach S15; S15: the late #2 (S16). 15 states; 22 generated
    # (1 + 2 + 2 + 2 + 3 + 1 + 2 + 2 + 2 + 2 + 1 + 1 + 1), depth 7.
    result = run(RetriedCall())
    assert counts(result) == (15, 22, 7)
    assert verdicts(result) == {"withdrawn_once": "violated", "late_reply_seen": "reached"}
    assert actions(result, "withdrawn_once") == [
        CALL_1,
        TIMEOUT_1,
        "deliver(<shop.0>, [account, bank], [call, <shop.0>#2, [withdraw, 1]])",
    ]
    assert actions(result, "late_reply_seen") == [
        CALL_1,
        TIMEOUT_1,
        "deliver(<bank.0>, <shop.0>, [reply, #1, ok])",
    ]


def test_an_idempotent_account_pays_once_even_across_a_partition() -> None:
    result = run(IdempotentCall())
    assert counts(result) == (15, 22, 7)  # the same graph: a served key changes the state
    assert verdicts(result) == {"withdrawn_once": "holds", "late_reply_seen": "reached"}
    # A call monitors its server (issue 14): a partition while a call waits queues DOWN
    # noconnection, whose arrival before the timeout ends the teller, as an uncaught
    # GenServer.call does ({nodedown, bank}): two more states than the 26 of a call that
    # could only time out, the teller gone with the bank having paid or not.
    assert run(IdempotentCall(partitions=1)).distinct == 28
    assert run(RetriedCall(partitions=1, retries=2)).status("withdrawn_once") == "violated"


def test_a_supervisor_gives_up_one_crash_after_max_restarts() -> None:
    # one_for_one, max_restarts=1: db crashes (S1), its EXIT restarts it (S2), it crashes
    # again (S3), the EXIT exceeds the intensity: the supervisor exits (S4), and its EXIT
    # shutdown reaches cache through their link (S5). A line of 6 states: 6 generated,
    # depth 6.
    system = SupervisorRestart()
    result = run(system)
    assert counts(result) == (6, 6, 6)
    assert verdicts(result) == {"supervisor_up": "violated", "db_restarted": "reached"}
    assert actions(result, "supervisor_up") == [
        "timeout(<a.1>, crash)",
        "deliver(<a.1>, <a.0>, EXIT(<a.1>, crash))",
        "timeout(<a.3>, crash)",
        "deliver(<a.3>, <a.0>, EXIT(<a.3>, crash))",
    ]


def test_one_for_all_waits_for_the_siblings_down_before_restarting() -> None:
    result = run(SupervisorRestart(strategy="one_for_all"))
    assert counts(result) == (8, 8, 8)
    assert actions(result, "db_restarted") == [
        "timeout(<a.1>, crash)",
        "deliver(<a.1>, <a.0>, EXIT(<a.1>, crash))",
        "deliver(<a.0>, <a.2>, EXIT(<a.0>, shutdown))",
        "deliver(<a.2>, <a.0>, DOWN(<a.2>, shutdown))",
    ]
    assert assert_violated(SupervisorRestart(strategy="one_for_all"), "supervisor_up", steps=6)
    assert counts(run(SupervisorRestart(max_restarts=2))) == (8, 8, 8)


JOINS = [
    "deliver(<a.1>, <a.0>, [call, <a.1>#0, [join_local, workers, <a.1>]])",
    "deliver(<a.0>, <a.1>, [reply, #0, ok])",
    "deliver(<b.1>, <b.0>, [call, <b.1>#0, [join_local, workers, <b.1>]])",
    "deliver(<b.0>, <b.1>, [reply, #0, ok])",
]


def test_pg_views_disagree_in_a_partition_and_after_a_heal_nothing_reconnects() -> None:
    assert verdicts(run(PgPartition())) == {
        "quiet_views_agree": "holds",
        "healed_views_agree": "holds",
    }
    result = run(PgPartition(partitions=1, heals=1))
    # (join calls monitor their scope, as OTP's gen:call does, and add no state: the scope
    # is on the caller's node, so the monitor is there exactly while the call waits, and
    # the pair's one monitor is always reference 0)
    assert counts(result) == (1709, 5329, 20)
    down = ["partition([a], [b])", "signal(<a.0>, nodedown(b))", "signal(<b.0>, nodedown(a))"]
    # Both join before the scopes discover each other; the partition loses the discovers.
    assert actions(result, "quiet_views_agree") == JOINS + down
    assert actions(result, "healed_views_agree") == [*JOINS, *down, "heal()"]


def test_pg_views_merge_again_once_something_reconnects() -> None:
    result = run(PgReconnect(partitions=1, heals=1))
    assert counts(result) == (11003, 43272, 22)  # (calls monitor their scope: see above)
    assert verdicts(result) == {"quiet_views_agree": "holds", "healed_views_agree": "holds"}


def test_a_crash_hands_the_child_over() -> None:
    # crash(a), crash(b) or crash(c); each sends DOWN noconnection to the two other
    # members, heard in either order: 4 states after each crash (neither, one, the other,
    # both). Only after crash(c) does a member start the worker (b: the ring over [a, b]).
    # 1 + 3 * 4 = 13 states; 1 + 3 + 3 * (2 + 1 + 1) = 16 generated; depth 4.
    result = run(HordeHandoff(crashes=1))
    assert counts(result) == (13, 16, 4)
    assert verdicts(result) == {"one_instance": "holds", "handed_over": "reached"}
    assert actions(result, "handed_over") == [
        "crash(c)",
        "signal(<b.0>, DOWN(<c.0>, noconnection))",
    ]


def test_a_partition_or_a_restart_runs_the_child_twice() -> None:
    result = run(HordeHandoff(partitions=1))
    assert counts(result) == (113, 293, 8)
    assert actions(result, "one_instance") == [
        "partition([a, b], [c])",
        "signal(<b.0>, DOWN(<c.0>, noconnection))",
    ]
    result = run(HordeHandoff(crashes=1, restarts=1))
    assert counts(result) == (25, 40, 5)
    assert actions(result, "one_instance") == [
        "crash(c)",
        "signal(<b.0>, DOWN(<c.0>, noconnection))",
        "restart(c)",
    ]


def test_a_restarted_counter_tells_the_client_the_same_count_twice() -> None:
    # Without faults the client and the counter have RetriedCall's shape (a call, one
    # retry, the replies in time or late): 15 states, 22 generated, depth 7; each count
    # told is new. A kill after the first answer restarts the counter at 0.
    result = run(RestartedCall())
    assert counts(result) == (15, 22, 7)
    assert verdicts(result) == {"answers_differ": "holds", "late_reply_seen": "reached"}
    # The call monitors its server, so a kill can also reach the client as a DOWN, which it
    # catches and retries as it does a timeout (63 states before calls monitored). A call
    # to {counter, b} is looked up when it arrives: a retry sent before the kill reaches the
    # restarted counter (69 states, 127 generated, when calls were resolved as sent).
    result = run(RestartedCall(kills=1))
    assert counts(result) == (119, 266, 9)
    assert verdicts(result) == {"answers_differ": "violated", "late_reply_seen": "reached"}
    assert actions(result, "answers_differ") == [
        "deliver(<a.0>, [counter, b], [call, <a.0>#1, incr])",
        "timeout(<a.0>, call_timeout(#1))",  # the retry leaves, by name
        "deliver(<b.1>, <a.0>, [reply, #1, 1])",  # the first reply, late
        "kill(<b.1>)",
        "deliver(<b.1>, <b.0>, EXIT(<b.1>, killed))",  # the supervisor starts <b.2>
        "deliver(<a.0>, [counter, b], [call, <a.0>#2, incr])",  # <b.2> holds the name now
        "deliver(<b.2>, <a.0>, [reply, #2, 1])",
    ]
    # A node crash takes the reply in flight with b's connection: never told twice.
    result = run(RestartedCall(crashes=1, restarts=1))
    assert counts(result) == (87, 149, 12)  # (85 before calls monitored their server)
    assert verdicts(result) == {"answers_differ": "holds", "late_reply_seen": "reached"}


def test_pg_views_converge_only_if_something_reconnects() -> None:
    # Without faults the connector never acts: pg_partition's 423 states, and it holds.
    assert counts(run(PgConverge())) == (423, 1163, 13)
    result = run(PgConverge(partitions=1, heals=1))
    assert counts(result) == (5191, 20426, 20)
    assert verdicts(result) == {"views_converge": "holds"}
    result = run(PgNoReconnect(partitions=1, heals=1))
    assert counts(result) == (1709, 5329, 20)
    trace = result.verdict("views_converge").trace
    assert trace is not None and trace.loop == len(trace) == 8  # stays in its last state
    down = ["partition([a], [b])", "signal(<a.0>, nodedown(b))", "signal(<b.0>, nodedown(a))"]
    assert actions(result, "views_converge") == [*JOINS_G, *down, "heal()"]
    # Without fairness the connector may retry forever while the partition never heals.
    trace = run(_Unfair(partitions=1, heals=1)).verdict("views_converge").trace
    assert trace is not None and trace.loop is not None
    assert [str(s.action) for s in trace.steps[trace.loop + 1 :]] == ["timeout(<a.2>, reconnect)"]


class _Unfair(PgConverge):
    def fairness_conditions(self) -> Sequence[Fairness]:
        return ()


JOINS_G = [
    "deliver(<a.1>, <a.0>, [call, <a.1>#0, [join_local, g, <a.1>]])",
    "deliver(<a.0>, <a.1>, [reply, #0, ok])",
    "deliver(<b.1>, <b.0>, [call, <b.1>#0, [join_local, g, <b.1>]])",
    "deliver(<b.0>, <b.1>, [reply, #0, ok])",
]
