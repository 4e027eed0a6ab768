"""The explorer on small hand-made graphs whose counts are worked out in the comments."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import Model, UsageError, always, check
from tests.graph_model import GraphModel

# 0 -> 1, 2;  1 -> 3;  2 -> 3, 2 (self-loop);  3 -> 0 (back edge)
DIAMOND = {0: [1, 2], 1: [3], 2: [3, 2], 3: [0]}


@pytest.mark.parametrize("strategy", ["bfs", "dfs"])
def test_counts_follow_tlc_conventions(strategy: str) -> None:
    result = check(GraphModel(DIAMOND), strategy=strategy)
    # distinct: 0,1,2,3. generated: 1 initial + 2 + 1 + 2 + 1 successors = 7, the self-loop
    # 2->2 and the duplicates 3 (twice) and 0 included.
    assert (result.distinct, result.generated) == (4, 7)
    assert result.complete and result.stopped is None
    assert result.status("safe") == "holds"
    assert result.exit_code == 0


def test_bfs_depth_counts_levels_from_one() -> None:
    # levels: {0}, {1, 2}, {3}
    assert check(GraphModel(DIAMOND)).depth == 3
    assert check(GraphModel({})).depth == 1


def test_dfs_depth_is_deepest_discovery() -> None:
    # DFS takes action 0 first: 0 -> 1 -> 3 (depth 3), then 2 from 0 (depth 2).
    assert check(GraphModel(DIAMOND), strategy="dfs").depth == 3


def test_violation_gives_shortest_trace_and_stops() -> None:
    # 0 -> 1 -> 2 -> 3 -> 4 (bad), and a shortcut 0 -> 5 -> 4.
    edges = {0: [1, 5], 1: [2], 2: [3], 3: [4], 5: [4]}
    result = check(GraphModel(edges, bad=[4]))
    safe = result.verdict("safe")
    assert safe.status == "violated"
    assert safe.trace is not None
    assert [s.state for s in safe.trace.steps] == [0, 5, 4]
    assert safe.trace.path == "0.1.0"
    assert [s.action for s in safe.trace.steps] == [None, "go(0, 5)", "go(5, 4)"]
    assert result.stopped == "violation" and not result.complete
    assert result.exit_code == 1


def test_violating_initial_state() -> None:
    result = check(GraphModel({0: [1]}, init=[0], bad=[0]))
    trace = result.verdict("safe").trace
    assert trace is not None and len(trace) == 0 and trace.path == "0"
    assert (result.distinct, result.generated, result.depth) == (1, 1, 1)


def test_sometimes_reached_and_unreached() -> None:
    reached = check(GraphModel(DIAMOND, goal=[3]))
    assert reached.status("goal") == "reached"
    assert reached.verdict("goal").trace is not None
    assert [s.state for s in reached.verdict("goal").trace.steps] == [0, 1, 3]  # type: ignore[union-attr]
    assert reached.exit_code == 0
    unreached = check(GraphModel(DIAMOND, goal=[9]))
    assert unreached.status("goal") == "unreached"
    assert unreached.verdict("goal").trace is None
    assert unreached.exit_code == 1


def test_keep_going_judges_every_property() -> None:
    edges = {0: [1], 1: [2], 2: []}
    stopped = check(GraphModel(edges, bad=[1], goal=[2]))
    assert stopped.status("safe") == "violated" and stopped.status("goal") == "unknown"
    assert stopped.exit_code == 1
    full = check(GraphModel(edges, bad=[1], goal=[2]), keep_going=True)
    assert full.status("safe") == "violated" and full.status("goal") == "reached"
    assert full.complete and full.distinct == 3


def test_deadlock_detection_is_opt_in() -> None:
    edges = {0: [1, 2], 1: [1], 2: []}
    assert [p.name for p in check(GraphModel(edges)).properties] == ["safe"]
    result = check(GraphModel(edges), deadlock=True)
    dead = result.verdict("deadlock")
    assert dead.status == "violated" and dead.kind == "deadlock"
    assert dead.trace is not None and [s.state for s in dead.trace.steps] == [0, 2]
    assert check(GraphModel({0: [0]}), deadlock=True).status("deadlock") == "holds"


class _Chain(Model[int]):
    """An endless chain 0 -> 1 -> 2 -> ..."""

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[Any, int]]:
        return [("inc", n + 1)]

    @always
    def nonnegative(self, n: int) -> bool:
        return n >= 0


@pytest.mark.parametrize("strategy", ["bfs", "dfs"])
def test_max_depth_bounds_levels_and_leaves_verdicts_unknown(strategy: str) -> None:
    result = check(_Chain(), strategy=strategy, max_depth=4)
    # levels 1..4 hold states 0..3; the successors of 3 are looked at, not stored.
    assert (result.distinct, result.depth) == (4, 4)
    assert result.stopped == "max-depth" and not result.complete
    assert result.status("nonnegative") == "unknown"
    assert result.exit_code == 3


def test_max_depth_that_cuts_nothing_is_complete() -> None:
    result = check(GraphModel(DIAMOND), max_depth=3)
    assert result.complete and result.status("safe") == "holds"


def test_bounded_dfs_revisits_a_state_found_again_by_a_shorter_path() -> None:
    # DFS goes 0 -> 1 -> 2 -> 3 first, so 3 is found at depth 4 and 4 lies beyond the bound;
    # 0 -> 3 then reaches 3 at depth 2, and 4 at depth 3 must still be found (and it is bad).
    edges = {0: [1, 3], 1: [2], 2: [3], 3: [4], 4: []}
    result = check(GraphModel(edges, bad=[4]), strategy="dfs", max_depth=4)
    assert result.status("safe") == "violated"


@pytest.mark.parametrize("strategy", ["bfs", "dfs"])
def test_max_states_stops_exactly_there(strategy: str) -> None:
    result = check(_Chain(), strategy=strategy, max_states=10)
    assert result.distinct == 10 and result.stopped == "max-states"


def test_time_limit_stops_an_endless_search() -> None:
    result = check(_Chain(), time_limit=0.2)
    assert result.stopped == "time-limit" and result.distinct > 0


def test_unknown_strategy_and_bad_bounds_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown strategy 'wide': choose bfs, dfs, simulate"):
        check(_Chain(), strategy="wide")
    with pytest.raises(UsageError, match="max-depth must be at least 1, not 0"):
        check(_Chain(), max_depth=0)


def test_progress_callback_sees_growing_counts() -> None:
    seen: list[int] = []
    check(_Chain(), time_limit=1.2, progress=lambda p: seen.append(p.distinct))
    assert len(seen) >= 1 and seen == sorted(seen)
