"""Simulation: reproducible random walks, counterexamples shrunk with hypothesis and replayed,
honest verdicts."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import hypothesis
import hypothesis.database
import pytest
from hypothesis.errors import NoSuchExample

from modelcheck import Model, check, replay
from modelcheck.explore.simulate import shrink
from modelcheck.trace import Trace, parse_path
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase
from models.intro.lossy_ping import FairLossyPing, LossyPing
from models.intro.lost_update import LostUpdate
from models.registry.global_registry import GlobalRegistry
from tests.cli_helpers import run_cli
from tests.model_helpers import actions

# The module, not the function ``modelcheck.explore.simulate`` that shadows it.
simulate_module = importlib.import_module("modelcheck.explore.simulate")


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[int]]]:
    """The walks ``simulate`` hands to ``shrink``, as paths (initial state, then choices)."""
    found: list[list[int]] = []

    def spy(model: Model[Any], path: Sequence[int], hits: Callable[[Any], bool]) -> Trace:
        found.append(list(path))
        return shrink(model, path, hits)

    monkeypatch.setattr(simulate_module, "shrink", spy)
    yield found


def test_a_violation_is_found_shrunk_to_the_shortest_and_replayed(walks: list[list[int]]) -> None:
    result = check(HastyTwoPhase(), strategy="simulate", seed=1, runs=200, depth=50)
    verdict = result.verdict("TCConsistent")
    assert verdict.status == "violated" and verdict.trace is not None
    # The walk took 7 steps too, in another order: the shrunk trace takes the labels that
    # sort first (RMChooseToAbort before RMPrepare, r2 before r3), one canonical interleaving.
    assert walks == [[0, 3, 4, 0, 1, 5, 1, 2]]
    assert verdict.trace.path == "0.2.1.2.0.1.3.2"
    assert actions(result, "TCConsistent") == [
        "RMChooseToAbort(r1)",
        "RMPrepare(r2)",
        "RMPrepare(r3)",
        "TMRcvPrepared(r2)",
        "TMRcvPrepared(r3)",
        "TMCommit",
        "RMRcvCommitMsg(r3)",
    ]
    # BFS's shortest counterexample has 7 steps as well.
    assert len(check(HastyTwoPhase()).verdict("TCConsistent").trace or ()) == 7
    again = replay(HastyTwoPhase(), verdict.trace.path)
    assert [s.state for s in again.steps] == [s.state for s in verdict.trace.steps]
    assert result.strategy == "simulate" and not result.complete and result.exit_code == 1


def test_hypothesis_shrinks_a_long_walk_to_the_shortest_counterexample(
    walks: list[list[int]],
) -> None:
    result = check(HastyTwoPhase(rms=6), strategy="simulate", seed=4, runs=200, depth=100)
    assert [len(path) - 1 for path in walks] == [23]  # the walk that found the violation
    trace = result.verdict("TCConsistent").trace
    assert trace is not None and len(trace) == 11
    assert len(check(HastyTwoPhase(rms=6)).verdict("TCConsistent").trace or ()) == 11  # BFS's
    assert trace.path == "0.8.1.4.5.6.0.1.2.3.7.6"
    assert actions(result, "TCConsistent") == [
        "RMChooseToAbort(r4)",
        *(f"RMPrepare(r{n})" for n in (1, 3, 5, 6)),
        *(f"TMRcvPrepared(r{n})" for n in (1, 3, 5, 6)),
        "TMCommit",
        "RMRcvCommitMsg(r5)",
    ]


def test_shrinking_finds_shorter_traces_than_dropping_steps_did() -> None:
    # A 9-step walk; hypothesis shrinks it to BFS's length, 7 steps: partition first, then
    # each side's process starts and its server registers n (BFS starts both first).
    model = GlobalRegistry(partitions=1)
    one_holder = next(p for p in model.properties() if p.name == "one_holder").predicate
    walk = parse_path("0.0.2.1.1.1.0.2.0.1")
    assert not one_holder(replay(model, walk).final)
    trace = shrink(model, walk, lambda state: not one_holder(state))
    bfs = check(model).verdict("one_holder").trace
    assert bfs is not None and len(trace.steps) == len(bfs.steps) == 8
    assert trace.path == "0.2.0.2.1.0.2.1"
    call = "[global_call, register_name, [register_name, n, <{0}.1>, random_exit_name]]"
    assert [s.action for s in trace.steps[1:]] == [
        "partition([a], [b])",
        "signal(<a.0>, nodedown(b))",
        "timeout(<a.1>, start)",
        f"deliver(<a.1>, <a.0>, {call.format('a')})",
        "signal(<b.0>, nodedown(a))",
        "timeout(<b.1>, start)",
        f"deliver(<b.1>, <b.0>, {call.format('b')})",
    ]


def test_the_walk_is_seeded_into_hypothesis_and_replayed_first() -> None:
    model = HastyTwoPhase(rms=6)
    walk = [0, 8, 3, 0, 8, 3, 4, 2, 5, 2, 0, 0, 0, 0, 0, 2, 4, 4, 0, 1, 2, 3, 6, 4]
    states = [step.state for step in replay(model, walk).steps]
    distinct = list(dict.fromkeys(states))  # the walk comes back to some states
    judged: list[Any] = []

    def hits(state: Any) -> bool:
        judged.append(state)
        return not model.TCConsistent(state)

    trace = shrink(model, walk, hits)
    assert len(trace) == 11
    # First the walk is cut at its first hit (its last state) and that state judged again;
    # then the first candidate hypothesis runs is the walk itself, state by state (each
    # state is judged once).
    assert judged[: len(states)] == states and judged[len(states)] == states[-1]
    assert judged[len(states) + 1 : len(states) + 1 + len(distinct)] == distinct


def test_without_the_seed_hypothesis_finds_nothing_and_the_walk_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = LostUpdate()
    walk = [0, 0, 0, 0, 0]  # read(0), write(0), read(1), write(1): the counter is 2
    raised: list[type[BaseException]] = []
    real_find = hypothesis.find

    def find(*args: Any, **kwargs: Any) -> Any:
        try:
            return real_find(*args, **kwargs)
        except BaseException as exc:
            raised.append(type(exc))
            raise

    monkeypatch.setattr(hypothesis, "find", find)

    def done(state: Any) -> bool:
        return bool(state.pc == ("done", "done"))

    assert shrink(model, walk, done).path == "0.0.1.0.0"  # shrunk: reads first
    assert raised == []
    # The seed replaced by choices that never finish: hypothesis replays them, they do not
    # hit, and nothing else is tried.
    real_bytes = hypothesis.database.choices_to_bytes
    monkeypatch.setattr(
        hypothesis.database, "choices_to_bytes", lambda choices: real_bytes([0] * len(choices))
    )
    assert shrink(model, walk, done).path == "0.0.0.0.0"
    assert raised == [NoSuchExample]
    # No seed at all: hypothesis runs nothing (and says so with a SkipTest).
    monkeypatch.setattr(hypothesis.database.InMemoryExampleDatabase, "save", lambda *a: None)
    assert shrink(model, walk, done).path == "0.0.0.0.0"
    assert [e.__name__ for e in raised] == ["NoSuchExample", "SkipTest"]


def test_the_same_seed_gives_the_same_walks() -> None:
    first = check(LostUpdate(procs=3), strategy="simulate", seed=5, runs=30, depth=10)
    again = check(LostUpdate(procs=3), strategy="simulate", seed=5, runs=30, depth=10)
    assert (first.distinct, first.generated, first.depth) == (again.distinct, again.generated,
                                                             again.depth)  # fmt: skip
    paths = [p.trace.path if p.trace else None for p in first.properties]
    assert paths == [p.trace.path if p.trace else None for p in again.properties]


def test_what_a_simulation_does_not_refute_stays_unknown() -> None:
    result = check(TwoPhase(), strategy="simulate", seed=0, runs=20, depth=30)
    # 20 walks of 30 actions from one initial state: 20 * 31 states visited.
    assert result.generated == 20 * 31 and result.depth == 31
    assert {p.status for p in result.properties} == {"unknown"}
    assert result.stopped == "simulation" and result.exit_code == 3


def test_sometimes_is_reached_with_an_example(walks: list[list[int]]) -> None:
    result = check(LostUpdate(), strategy="simulate", seed=2, runs=50, depth=10, keep_going=True)
    assert result.status("all_done") == "reached"
    assert result.status("no_lost_update") == "violated"
    # Both read, both write: the shortest, and the same interleaving for both properties,
    # though the walk that reached all_done wrote 0 before reading 1.
    assert walks == [[0, 1, 0, 0, 0], [0, 0, 0, 0, 0]]
    for name in ("no_lost_update", "all_done"):
        assert actions(result, name) == ["read(0)", "read(1)", "write(0)", "write(1)"]


def test_liveness_is_judged_on_the_lassos_the_walks_close() -> None:
    # Weakly fair delivery: a walk that sends, drops and is back where it began is a fair
    # behaviour in which the client never hears back.
    result = check(LossyPing(), strategy="simulate", runs=200, depth=50, seed=1)
    verdict = result.verdict("answered")
    assert (verdict.status, result.stopped) == ("violated", "violation")
    assert verdict.trace is not None and verdict.trace.loop == 0
    assert [(s.label, tuple(s.state)) for s in verdict.trace.steps] == [
        (None, ("waiting", False, False)),
        (("send", "ping"), ("waiting", True, False)),
        (("drop", "ping"), ("waiting", False, False)),
    ]
    assert verdict.note == (
        "answered is false in every state, and steps 1..2 repeat forever; the loop is fair: "
        "it takes send(ping) at step 1, deliver(ping) is disabled at step 0"
    )
    # Strongly fair delivery: the property holds, and no walk's lasso says otherwise.
    fair = check(FairLossyPing(), strategy="simulate", runs=300, depth=50, seed=1)
    assert (fair.status("answered"), fair.stopped) == ("unknown", "simulation")


def test_from_the_command_line_output_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "models/classic/two_phase_hasty.py", "--strategy", "simulate", "--seed",
            "1", "--runs", "200", "--depth", "50", "--no-timing"]  # fmt: skip
    first, again = run_cli(capsys, *args), run_cli(capsys, *args)
    assert first.code == 1 and first.out == again.out and first.err == again.err == ""
    assert first.out.splitlines()[0] == (
        "HastyTwoPhase (rms=3): 21 distinct states, 161 generated, depth 51, simulate, "
        "stopped at the first violation (--continue explores on)"
    )
    assert "  path 0.2.1.2.0.1.3.2" in first.out.splitlines()
