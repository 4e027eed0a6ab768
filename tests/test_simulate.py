"""Simulation: reproducible random walks, shrunk and replayed counterexamples, honest verdicts."""

from __future__ import annotations

import pytest

from modelcheck import UsageError, check, replay
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase
from models.intro.lossy_ping import FairLossyPing
from models.intro.lost_update import LostUpdate
from tests.cli_helpers import run_cli


def test_a_violation_is_found_shrunk_to_the_shortest_and_replayed() -> None:
    result = check(HastyTwoPhase(), strategy="simulate", seed=1, runs=200, depth=50)
    verdict = result.verdict("TCConsistent")
    assert verdict.status == "violated" and verdict.trace is not None
    # BFS's shortest counterexample has 7 steps; the walk that found it was longer.
    assert len(verdict.trace) == len(check(HastyTwoPhase()).verdict("TCConsistent").trace or ())
    assert len(verdict.trace) == 7
    again = replay(HastyTwoPhase(), verdict.trace.path)
    assert [s.state for s in again.steps] == [s.state for s in verdict.trace.steps]
    assert result.strategy == "simulate" and not result.complete and result.exit_code == 1


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


def test_sometimes_is_reached_with_an_example() -> None:
    result = check(LostUpdate(), strategy="simulate", seed=2, runs=50, depth=10, keep_going=True)
    assert result.status("all_done") == "reached"
    assert result.status("no_lost_update") == "violated"
    trace = result.verdict("no_lost_update").trace
    assert trace is not None and len(trace) == 4  # both read, both write: the shortest


def test_liveness_cannot_be_simulated() -> None:
    with pytest.raises(UsageError, match="simulation cannot judge liveness properties"):
        check(FairLossyPing(), strategy="simulate")


def test_from_the_command_line_output_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "models/classic/two_phase_hasty.py", "--strategy", "simulate", "--seed",
            "1", "--runs", "200", "--depth", "50", "--no-timing"]  # fmt: skip
    first, again = run_cli(capsys, *args), run_cli(capsys, *args)
    assert first.code == 1 and first.out == again.out
    assert first.out.splitlines()[0] == (
        "HastyTwoPhase (rms=3): 21 distinct states, 161 generated, depth 51, simulate, "
        "stopped at the first violation (--continue explores on)"
    )
