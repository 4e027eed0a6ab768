"""What TLA+ users missed (issue 17): state constraints with TLC's counting, step (action)
properties, choosing the properties to check, per-property fairness."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from modelcheck import Model, always, always_step, check, eventually, strong, weak
from modelcheck.errors import UsageError
from modelcheck.explore.simulate import shrink_step
from modelcheck.render.text import format_result
from modelcheck.trace import Trace, replay
from models.classic.ewd840 import EWD840
from models.classic.two_phase import TwoPhase
from models.intro.lossy_ping import FairLossyPing, LossyPing, State, message
from tests.cli_helpers import run_cli

# The module, not the function ``modelcheck.explore.simulate`` that shadows it.
simulate_module = importlib.import_module("modelcheck.explore.simulate")


class Grid(Model[tuple[int, int]]):
    """Two counters that only grow: ``Next == x' = x + 1 \\/ y' = y + 1``, unbounded but for
    ``CONSTRAINT x + y <= 2``."""

    def init_states(self) -> list[tuple[int, int]]:
        return [(0, 0)]

    def actions(self, s: tuple[int, int]) -> list[tuple[str, tuple[int, int]]]:
        x, y = s
        return [("IncX", (x + 1, y)), ("IncY", (x, y + 1))]

    def constraint(self, s: tuple[int, int]) -> bool:
        return s[0] + s[1] <= 2

    @always
    def below_three(self, s: tuple[int, int]) -> bool:
        return s[0] + s[1] < 3


class GridNoInvariant(Grid):
    below_three = None  # type: ignore[assignment]


def test_a_constraint_counts_as_tlc_does() -> None:
    """TLC (ModelChecker.doNext): every successor counts as generated; one outside the
    constraint is judged by the invariants but never enters the set of distinct states nor
    the queue. Here the 6 states with x + y <= 2 are distinct; generated = 1 initial state +
    2 successors of each of the 6; the depth is 3 (the states at x + y = 3 are not queued).
    Filtering in actions() instead would generate 1 + 2 + 4 + 0 = 7."""
    result = check(GridNoInvariant(), deadlock=True)
    assert (result.distinct, result.generated, result.depth) == (6, 13, 3)
    assert [(p.name, p.status) for p in result.properties] == [("deadlock", "holds")]
    assert result.complete


def test_an_invariant_is_judged_on_states_outside_the_constraint() -> None:
    result = check(Grid())
    verdict = result.verdict("below_three")
    assert verdict.status == "violated"
    assert verdict.trace is not None
    assert [s.state for s in verdict.trace.steps] == [(0, 0), (1, 0), (2, 0), (3, 0)]


def test_a_constraint_refuses_what_it_cannot_count() -> None:
    with pytest.raises(UsageError, match="works with bfs and the exact store"):
        check(GridNoInvariant(), strategy="dfs")
    with pytest.raises(UsageError, match="works with bfs and the exact store"):
        check(GridNoInvariant(), store="fingerprint")
    with pytest.raises(UsageError, match="runs in one process"):
        check(GridNoInvariant(), workers=2)


# -- choosing the properties -----------------------------------------------------------------


def test_safety_only_leaves_out_liveness_which_workers_judge_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ewd840 = "models/classic/ewd840.py"
    whole = run_cli(capsys, "check", ewd840, "--workers", "2", "--no-timing")
    assert (whole.code, whole.out) == (0, run_cli(capsys, "check", ewd840, "--no-timing").out)
    assert whole.out.endswith("  holds      leads_to  Liveness\n")
    run = run_cli(capsys, "check", ewd840, "--workers", "2", "--safety-only", "--no-timing")
    assert (run.code, run.out) == (
        0,
        "EWD840 (n=3): 302 distinct states, 2,001 generated, depth 9, bfs, complete\n"
        "  holds      always    TypeOK\n"
        "  holds      always    TerminationDetection\n"
        "  holds      always    Inv\n",
    )
    walks = check(EWD840(), strategy="simulate", runs=5, depth=10, safety_only=True)
    assert [p.name for p in walks.properties] == ["TypeOK", "TerminationDetection", "Inv"]


def test_property_names_the_ones_to_judge(capsys: pytest.CaptureFixture[str]) -> None:
    result = check(EWD840(), properties=["Inv", "Liveness"], store="exact")
    assert [(p.name, p.status) for p in result.properties] == [
        ("Inv", "holds"),
        ("Liveness", "holds"),
    ]
    run = run_cli(
        capsys, "check", "models/classic/ewd840.py", "--property", "Inv", "--store", "fingerprint"
    )
    assert run.code == 0
    assert run.out.splitlines()[-1] == "  holds      always    Inv"
    wrong = run_cli(capsys, "check", "models/classic/ewd840.py", "--property", "TypeOk")
    assert (wrong.code, wrong.err) == (
        2,
        "error: EWD840 has no property 'TypeOk': did you mean TypeOK? its properties are "
        "TypeOK, TerminationDetection, Inv, Liveness\n",
    )


# -- step properties --------------------------------------------------------------------------


class Clock(Model[tuple[int, bool]]):
    """A clock that ticks up to 3 and may be reset, once: ``[][hour' >= hour]_hour`` fails
    only on the reset."""

    def init_states(self) -> list[tuple[int, bool]]:
        return [(0, False)]

    def actions(self, s: tuple[int, bool]) -> list[tuple[str, tuple[int, bool]]]:
        hour, was_reset = s
        steps = [("Tick", (hour + 1, was_reset))] if hour < 3 else []
        if hour >= 2 and not was_reset:
            steps.append(("Reset", (0, True)))
        return steps

    @always_step
    def never_back(self, old: tuple[int, bool], label: str, new: tuple[int, bool]) -> bool:
        """The hour never goes back."""
        return new[0] >= old[0]

    @always
    def bounded(self, s: tuple[int, bool]) -> bool:
        return s[0] <= 3


def test_a_step_property_is_violated_by_its_last_step() -> None:
    result = check(Clock())
    verdict = result.verdict("never_back")
    assert (verdict.kind, verdict.status) == ("step", "violated")
    assert verdict.trace is not None
    assert verdict.trace.path == "0.0.0.1"
    assert [s.action for s in verdict.trace.steps[1:]] == ["Tick", "Tick", "Reset"]
    assert verdict.note == "never_back is false of the last step"
    assert result.stopped == "violation"
    assert result.status("bounded") == "unknown"
    text = format_result(result, Clock(), timing=False)
    assert text.startswith(
        "Clock: 3 distinct states, 3 generated, depth 3, bfs, stopped at the first violation "
        "(--continue explores on)\n"
        "  violated   step      never_back  (3 steps)\n"
        "  unknown    always    bounded\n"
        "\n"
        "counterexample for step never_back (violated): The hour never goes back.\n"
    )
    assert text.endswith(
        "  3  Reset\n     state: [2, false] -> [0, true]\n"
        "  (never_back is false of the last step)\n"
    )


def test_a_step_property_with_continue_and_in_replay(capsys: pytest.CaptureFixture[str]) -> None:
    result = check(Clock(), keep_going=True)
    assert [(p.name, p.status) for p in result.properties] == [
        ("never_back", "violated"),
        ("bounded", "holds"),
    ]
    assert (result.distinct, result.generated) == (8, 9)
    replayed = run_cli(capsys, "replay", "tests/test_tla_pieces.py:Clock", "--path", "0.0.0.1")
    assert replayed.code == 1
    assert replayed.out.endswith(
        "  violated   step      never_back at step 3\n  holds      always    bounded\n"
    )


class Ticking(Clock):
    def actions(self, s: tuple[int, bool]) -> list[tuple[str, tuple[int, bool]]]:
        return [("Tick", (s[0] + 1, s[1]))] if s[0] < 3 else []


def test_a_step_property_that_holds_and_the_modes_that_judge_it() -> None:
    result = check(Ticking())
    assert [(p.name, p.status) for p in result.properties] == [
        ("never_back", "holds"),
        ("bounded", "holds"),
    ]
    assert check(Ticking(), store="fingerprint").status("never_back") == "holds"
    trace = check(Clock(), store="fingerprint").verdict("never_back").trace
    assert trace is not None and trace.path == "0.0.0.1"
    trace = check(Clock(), workers=2).verdict("never_back").trace  # (judged by the workers)
    assert trace is not None and trace.path == "0.0.0.1"
    assert check(Clock(), workers=2, properties=["bounded"]).status("bounded") == "holds"


def test_simulation_judges_step_properties_on_the_steps_it_walks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walks: list[list[int]] = []

    def spy(model: Model[Any], path: Sequence[int], breaks: Any, initial: Any) -> Trace:
        walks.append(list(path))
        return shrink_step(model, path, breaks, initial)

    monkeypatch.setattr(simulate_module, "shrink_step", spy)
    result = check(Clock(), strategy="simulate", seed=1, runs=20, depth=10)
    verdict = result.verdict("never_back")
    assert (verdict.status, verdict.note) == ("violated", "never_back is false of the last step")
    # The walk ticked to 3 before the reset; shrunk, the trace resets as soon as it may.
    assert walks == [[0, 0, 0, 0, 0]]
    assert verdict.trace is not None and verdict.trace.path == "0.0.0.1"
    assert [s.action for s in verdict.trace.steps[1:]] == ["Tick", "Tick", "Reset"]
    assert replay(Clock(), "0.0.0.1").final == verdict.trace.final
    assert (result.stopped, result.status("bounded")) == ("violation", "unknown")
    # TwoPhase's walk aborts after other steps; shrunk, the TM aborts first, as BFS finds.
    walks.clear()
    steps = check(TwoPhaseSteps(), strategy="simulate", seed=3, runs=50, depth=30, keep_going=True)
    assert [(p.name, p.status) for p in steps.properties] == [
        ("TPTypeOK", "unknown"),
        ("TCConsistent", "unknown"),
        ("prepared_stays", "unknown"),
        ("never_abort", "violated"),
    ]
    trace = steps.verdict("never_abort").trace
    assert trace is not None and trace.path == "0.0" and len(walks[0]) > 2


def test_a_step_property_a_simulation_does_not_refute_stays_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = check(Ticking(), strategy="simulate", seed=1, runs=20, depth=10)
    assert [(p.name, p.status) for p in result.properties] == [
        ("never_back", "unknown"),
        ("bounded", "unknown"),
    ]
    run = run_cli(
        capsys,
        *("check", "tests/test_tla_pieces.py:Clock", "--strategy", "simulate", "--seed", "1"),
        *("--runs", "20", "--depth", "10", "--no-timing"),
    )
    assert run.code == 1
    assert run.out.startswith(
        "Clock: 4 distinct states, 5 generated, depth 5, simulate, stopped at the first "
        "violation (--continue explores on)\n"
        "  violated   step      never_back  (3 steps)\n"
        "  unknown    always    bounded\n"
    )
    assert run.out.endswith(
        "  3  Reset\n     state: [2, false] -> [0, true]\n"
        "  (never_back is false of the last step)\n"
    )


# -- per-property fairness --------------------------------------------------------------------


class PingTwoWays(LossyPing):
    """The lossy ping with no fairness of its own: each liveness property names what it
    assumes."""

    fairness = ()  # type: ignore[assignment]

    @eventually(fairness=(weak("send"), strong("deliver", per=message)))
    def answered_on_a_fair_lossy_link(self, s: State) -> bool:
        """The client hears back, if a message sent again and again gets through."""
        return s.client == "done"

    @eventually(fairness=(weak("send"), weak("deliver", per=message)))
    def answered_on_a_weakly_fair_link(self, s: State) -> bool:
        return s.client == "done"


@pytest.mark.parametrize("strategy", ["bfs", "dfs"])
def test_a_liveness_property_may_name_its_own_fairness(strategy: str) -> None:
    result = check(PingTwoWays(), strategy=strategy)
    assert [(p.name, p.status) for p in result.properties] == [
        ("answered", "violated"),
        ("answered_on_a_fair_lossy_link", "holds"),
        ("answered_on_a_weakly_fair_link", "violated"),
    ]
    unfair = result.verdict("answered").trace
    weakly = result.verdict("answered_on_a_weakly_fair_link").trace
    assert unfair is not None and weakly is not None
    assert (unfair.path, unfair.loop) == (weakly.path, weakly.loop) == ("0.0.1", 0)
    assert [s.action for s in weakly.steps[1:]] == ["send(ping)", "drop(ping)"]
    assert check(FairLossyPing()).status("answered") == "holds"


def test_only_liveness_properties_take_fairness() -> None:
    with pytest.raises(TypeError, match="@always takes no fairness"):
        always(fairness=(weak("send"),))


class TwoPhaseSteps(TwoPhase):
    """TwoPhase with two step properties: a prepared RM never works again (holds), and the
    TM never decides to abort (the first step from the initial state breaks it)."""

    @always_step
    def prepared_stays(self, old: Any, label: Any, new: Any) -> bool:
        return all(not (a == 1 and b == 0) for a, b in zip(old[0], new[0], strict=True))

    @always_step
    def never_abort(self, old: Any, label: Any, new: Any) -> bool:
        return bool(label != "TMAbort")


def test_step_properties_under_symmetry() -> None:
    plain = check(TwoPhase(), symmetry=True)
    both = check(TwoPhaseSteps(), symmetry=True, keep_going=True)
    assert (both.distinct, both.generated) == (plain.distinct, plain.generated)
    assert both.status("prepared_stays") == "holds"
    trace = both.verdict("never_abort").trace
    assert trace is not None and [s.action for s in trace.steps] == [None, "TMAbort"]
    exact = check(TwoPhaseSteps(), properties=["never_abort"]).verdict("never_abort").trace
    assert exact is not None and exact.path == trace.path == "0.0"


def test_save_test_says_a_step_counterexample_is_not_saved(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "test_clock.py"
    run = run_cli(capsys, "check", "tests/test_tla_pieces.py:Clock", "--save-test", str(target))
    assert run.code == 1
    assert run.err == (
        f"no invariant or deadlock counterexample to save: {target} not written "
        "(not saved, step properties: never_back)\n"
    )
    assert not target.exists()
