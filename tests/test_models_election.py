"""Leader election as actor systems: no quorum, the bully algorithm, and Raft's election.

Each test checks a configuration the model's docstring and its spec describe, and pins what
the checker finds: state counts, counterexample lengths and their key steps.
"""

from __future__ import annotations

import pytest

from modelcheck import CheckResult, Trace, check, follow, format_label, sometimes
from modelcheck.actors import World
from modelcheck.errors import UsageError
from modelcheck.explore.liveness import lasso_problem
from models.election.bully import BullyElection
from models.election.no_quorum_election import NoQuorumElection
from models.election.raft_election import RaftElection


def _verdicts(result: CheckResult) -> dict[str, str]:
    assert result.complete
    return {p.name: p.status for p in result.properties}


def _trace(result: CheckResult, name: str) -> Trace:
    (found,) = [p for p in result.properties if p.name == name]
    assert found.trace is not None
    return found.trace


def _actions(trace: Trace) -> list[str]:
    return [format_label(step.label) for step in trace.steps[1:]]


# -- no quorum: the highest node I can see leads ------------------------------------------


def test_no_quorum_has_one_leader_without_faults_and_with_crashes() -> None:
    for faults, distinct in (({}, 1), ({"crashes": 1}, 13)):
        result = check(NoQuorumElection(**faults), keep_going=True)
        assert result.distinct == distinct
        assert _verdicts(result) == {"one_leader": "holds", "settles_on_one_leader": "holds"}


def test_a_partition_gives_no_quorum_two_leaders_for_as_long_as_it_lasts() -> None:
    system = NoQuorumElection(partitions=1)
    result = check(system, keep_going=True)
    assert result.distinct == 113
    assert _verdicts(result) == {"one_leader": "violated", "settles_on_one_leader": "violated"}
    split = _trace(result, "one_leader")
    assert _actions(split) == ["partition([n1, n2], [n3])", "signal(n2, nodedown(n3))"]
    assert system.leaders(split.final) == ["n2", "n3"]
    forever = _trace(result, "settles_on_one_leader")
    # The partition and the four nodedowns, then forever n1's reconnect poll, which
    # changes nothing while the partition lasts: a loop of that one step.
    assert (len(forever), forever.loop) == (6, 5)
    assert _actions(forever)[-1] == "timeout(n1, reconnect)"
    assert _actions(forever)[0] == "partition([n1, n2], [n3])"
    assert system.leaders(forever.final) == ["n2", "n3"]


def test_a_heal_and_a_reconnect_poll_bring_nodeup_and_end_the_split_brain() -> None:
    system = NoQuorumElection(partitions=1, heals=1)
    result = check(system, keep_going=True)
    # 842 with the old heal (every connection back at once); now, after the heal, each
    # pair stays apart until one side's reconnect poll fires, and the polls are state.
    assert result.distinct == 1841
    assert _verdicts(result) == {"one_leader": "violated", "settles_on_one_leader": "holds"}
    assert len(_trace(result, "one_leader")) == 2
    steps = ["partition([n1, n2], [n3])", "signal(n2, nodedown(n3))", "heal()"]
    assert system.leaders(follow(system, steps).final) == ["n2", "n3"]
    # The heal alone reconnects nothing, as on the BEAM: no nodeup yet.
    with pytest.raises(UsageError, match="'signal\\(n2, nodeup\\(n3\\)\\)' is not enabled"):
        follow(system, [*steps, "signal(n2, nodeup(n3))"])
    healed = follow(system, [*steps, "timeout(n2, reconnect)", "signal(n2, nodeup(n3))"]).final
    assert system.leaders(healed) == ["n3"]


def test_a_restart_alone_makes_two_leaders_without_a_quorum() -> None:
    system = NoQuorumElection(crashes=1, restarts=1)
    result = check(system, keep_going=True)
    assert result.distinct == 121  # the restarted n3 now also takes nodeup(n1), nodeup(n2)
    assert _verdicts(result) == {"one_leader": "violated", "settles_on_one_leader": "holds"}
    trace = _trace(result, "one_leader")
    assert _actions(trace) == ["crash(n3)", "signal(n2, nodedown(n3))", "restart(n3)"]
    assert system.leaders(trace.final) == ["n2", "n3"]


# -- the bully algorithm --------------------------------------------------------------------


BULLY_HOLDS = {"one_leader": "holds", "one_leader_per_group": "holds", "elects_a_leader": "holds"}


class _SettledOnN3(BullyElection):
    @sometimes
    def on_n3(self, w: World) -> bool:
        return self.settled(w) and all(s.leader == "n3" for s in self.live_states(w).values())


def test_the_bully_elects_the_highest_node_and_settles() -> None:
    result = check(BullyElection(), keep_going=True)
    # (a node keeps its coordinator's monitor through an election of its own and, when
    # the same coordinator is re-announced, monitors it no second time: the counts of one
    # monitor per pair)
    assert (result.distinct, result.generated, result.depth) == (706, 1911, 16)
    assert _verdicts(result) == BULLY_HOLDS


def test_when_the_bully_leader_crashes_the_next_highest_takes_over() -> None:
    result = check(BullyElection(crashes=1), keep_going=True)
    # (894 before: following n2, n1 now drops n3's monitor with flush, and with it the
    # DOWN still on its way)
    assert result.distinct == 866
    assert _verdicts(result) == BULLY_HOLDS
    settle = _trace(check(_SettledOnN3(), keep_going=True), "on_n3")
    assert len(settle) == 12  # everyone follows n3, nothing in flight
    system = BullyElection(crashes=1)
    failover = [
        "crash(n3)",
        "signal(n2, DOWN(n3, noconnection))",  # n2's election: its message to n3 is lost
        "timeout(n2, answer)",  # silence from above: n2 announces itself
        "deliver(n2, n1, coordinator)",  # n1 follows n2: n3's DOWN is flushed
    ]
    world = follow(system, [*_actions(settle), *failover]).final
    assert system.settled(world) and system.leaders(world) == ["n2"]
    assert system.state_of(world, "n1").leader == "n2"
    assert system.elects_a_leader(world)


def test_a_partition_gives_the_bully_one_leader_per_side() -> None:
    system = BullyElection(partitions=1)
    result = check(system, keep_going=True)
    assert result.distinct == 1157  # (1,220 before stale DOWNs were flushed: see above)
    assert _verdicts(result) == {**BULLY_HOLDS, "one_leader": "violated"}
    shortest = _trace(result, "one_leader")  # three sides, three leaders
    assert _actions(shortest) == [
        "partition([n1], [n2], [n3])",
        "timeout(n1, answer)",
        "timeout(n2, answer)",
    ]
    assert system.leaders(shortest.final) == ["n1", "n2", "n3"]
    two_sides = follow(
        system,
        [
            "partition([n1, n2], [n3])",
            "deliver(n1, n2, election)",
            "timeout(n2, answer)",  # n3 is only unreachable, but n2 cannot tell
            "deliver(n2, n1, answer)",
            "deliver(n2, n1, coordinator)",
        ],
    ).final
    assert system.settled(two_sides) and system.leaders(two_sides) == ["n2", "n3"]
    assert not system.one_leader(two_sides) and system.one_leader_per_group(two_sides)


def test_after_a_heal_the_bully_keeps_two_leaders_that_can_talk() -> None:
    system = BullyElection(partitions=1, heals=1)
    result = check(system, keep_going=True)
    # 11,583 with the old heal; now a pair stays apart after the heal until a send
    # across it, so the same runs differ in which connections are up (11,728), less the
    # worlds with a DOWN of an old coordinator on its way (flushed): 10,923.
    assert result.distinct == 10923
    assert set(_verdicts(result).values()) == {"violated"}
    group = _trace(result, "one_leader_per_group")
    assert len(group) == 4 and _actions(group)[-1] == "heal()"
    stuck = _trace(result, "elects_a_leader")
    assert (len(stuck), stuck.loop) == (6, 6)
    assert _actions(stuck)[2:] == [
        "partition([n1, n2], [n3])",
        "timeout(n2, answer)",
        "heal()",
        "deliver(n2, n1, coordinator)",
    ]
    assert system.settled(stuck.final) and system.leaders(stuck.final) == ["n2", "n3"]
    assert system.connectivity(stuck.final).has_edge("n2", "n3")


def test_a_stale_announcement_leaves_a_bully_node_following_an_ex_leader() -> None:
    system = BullyElection(crashes=1, restarts=1)
    result = check(system, keep_going=True)
    assert result.distinct == 8472  # (8,695 before stale DOWNs were flushed: see above)
    assert _verdicts(result) == {**BULLY_HOLDS, "elects_a_leader": "violated"}
    stuck = _trace(result, "elects_a_leader")
    assert (len(stuck), stuck.loop) == (8, 8)
    assert _actions(stuck)[2:] == [
        "crash(n3)",
        "timeout(n2, answer)",
        "restart(n3)",
        "deliver(n3, n1, coordinator)",
        "deliver(n2, n1, coordinator)",  # older news, from another sender: no order between
        "deliver(n3, n2, coordinator)",
    ]
    n1, n2 = system.state_of(stuck.final, "n1"), system.state_of(stuck.final, "n2")
    assert (n1.leader, n2.role, n2.leader) == ("n2", "follower", "n3")


# -- Raft-style election --------------------------------------------------------------------


NODES = ("n1", "n2", "n3")
# The plainest split vote: all stand, every request is refused, every refusal arrives.
SPLIT_ROUND = (
    [f"timeout({n}, election)" for n in NODES]
    + [f"deliver({a}, {b}, [request_vote, 0])" for a in NODES for b in NODES if a != b]
    + [f"deliver({b}, {a}, [vote, 0, false])" for a in NODES for b in NODES if a != b]
)


def test_randomized_raft_elects_one_leader_per_term() -> None:
    result = check(RaftElection(), keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (73, 118, 8)
    assert _verdicts(result) == {"one_leader_per_term": "holds", "elects_a_leader": "holds"}
    # The first member to stand is heard before anyone else's timer fires.
    with pytest.raises(UsageError, match="'timeout\\(n2, election\\)' is not enabled"):
        follow(RaftElection(), SPLIT_ROUND[:2])


def test_identical_timeouts_let_split_votes_repeat_forever() -> None:
    system = RaftElection(timeouts="identical")
    result = check(system, keep_going=True)
    assert result.distinct == 4526
    verdicts = _verdicts(result)
    assert verdicts == {"one_leader_per_term": "holds", "elects_a_leader": "violated"}
    lasso = _trace(result, "elects_a_leader")
    assert (lasso.loop, len(lasso)) == (3, 33)
    assert lasso.final == lasso.steps[3].state
    assert _actions(lasso).count("timeout(n1, election)") == 3
    # The plainest round of split votes comes back to the state it started from.
    two_rounds = follow(system, SPLIT_ROUND * 2)
    after_one = two_rounds.steps[15].state
    assert two_rounds.final == after_one
    assert [s.votes for s in system.live_states(after_one).values()] == [{"n1"}, {"n2"}, {"n3"}]
    (prop,) = [p for p in system.properties() if p.name == "elects_a_leader"]
    loop = Trace(two_rounds.steps, loop=15)
    assert lasso_problem(system, prop, loop, system.fairness_conditions()) is None


def test_raft_keeps_one_leader_per_term_under_a_partition_and_a_crash() -> None:
    system = RaftElection(partitions=1, heals=1, crashes=1)
    result = check(system, keep_going=True)
    assert result.distinct == 7712  # 5,825 with the old heal: connections back one by one
    verdicts = _verdicts(result)
    assert verdicts == {"one_leader_per_term": "holds", "elects_a_leader": "violated"}
    lasso = _trace(result, "elects_a_leader")
    assert (lasso.loop, len(lasso)) == (4, 6)
    assert _actions(lasso)[1:3] == ["crash(n2)", "partition([n1, n2], [n3])"]
    assert _actions(lasso)[4:] == ["timeout(n1, election)", "timeout(n3, election)"]


def test_raft_members_are_interchangeable_under_symmetry() -> None:
    system = RaftElection(partitions=1, heals=1, crashes=1)
    assert system.symmetric() == ("n1", "n2", "n3")
    reduced = check(system, symmetry=True, safety_only=True)
    # 7,712 states without symmetry (above); a world per orbit of renamings of n1..n3
    # leaves 1,320, and the verdict is the same.
    assert (reduced.distinct, reduced.status("one_leader_per_term")) == (1320, "holds")
    forgetful = RaftElection(durable_vote=False, crashes=1, restarts=1, partitions=1)
    found = check(forgetful, symmetry=True, safety_only=True, keep_going=True)
    assert found.distinct == 1711  # of 10,044
    assert len(_trace(found, "one_leader_per_term")) == 9  # as long as without symmetry


LOST_VOTE = [
    "timeout(n1, election)",
    "deliver(n1, n2, [request_vote, 1])",
    "deliver(n2, n1, [vote, 1, true])",  # n1 leads term 1
    "crash(n2)",
    "restart(n2)",
    "partition([n1], [n2, n3])",
    "timeout(n3, election)",  # n3 stands in term 1 too: all terms shift down by one
    "deliver(n3, n2, [request_vote, 0])",
]


def test_a_vote_that_is_not_on_disk_makes_two_leaders_in_one_term() -> None:
    forgetful = RaftElection(durable_vote=False, crashes=1, restarts=1, partitions=1)
    result = check(forgetful)
    assert not result.complete and result.status("one_leader_per_term") == "violated"
    trace = _trace(result, "one_leader_per_term")
    assert _actions(trace) == [*LOST_VOTE, "deliver(n2, n3, [vote, 0, true])"]
    leaders = [s for s in forgetful.live_states(trace.final).values() if s.role == "leader"]
    assert [s.term for s in leaders] == [0, 0]
    # The same steps with the vote on disk: the restarted n2 refuses n3.
    durable = RaftElection(crashes=1, restarts=1, partitions=1)
    world = follow(durable, [*LOST_VOTE, "deliver(n2, n3, [vote, 0, false])"]).final
    assert durable.one_leader_per_term(world)
    assert durable.state_of(world, "n3").role == "candidate"


def test_terms_are_relative_to_the_lowest_term_that_matters() -> None:
    system = RaftElection(crashes=1, restarts=1)
    world = follow(system, ["timeout(n1, election)", "crash(n2)"]).final
    # n2's disk still says term 0 and it may restart: n1 stays one term ahead.
    assert system.state_of(world, "n1").term == 1
    assert system.state_of(world, "n3").term == 0
    world = follow(system, ["timeout(n1, election)", "deliver(n1, n3, [request_vote, 1])"]).final
    assert [s.term for s in system.live_states(world).values()] == [1, 0, 1]
    both = follow(
        system,
        [
            "timeout(n1, election)",
            "deliver(n1, n3, [request_vote, 1])",
            "deliver(n1, n2, [request_vote, 1])",
        ],
    ).final
    assert [s.term for s in system.live_states(both).values()] == [0, 0, 0]
    assert system.show(both)["in flight"] == [
        "n2 -> n1: [vote, 0, true]",
        "n3 -> n1: [vote, 0, true]",
    ]
