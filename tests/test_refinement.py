"""Refinement checking (modelcheck/refinement.py): a model's behaviours, mapped, are those of
a higher model; a violation is the shortest trace to the first initial state or step that
has no counterpart there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelcheck import check, refines
from modelcheck.render.text import format_result
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_refinement import HastyRefinesTCommit, TwoPhaseRefinesTCommit
from tests.cli_helpers import run_cli
from tests.golden_runner import run
from tests.refinement_models import Clock, Hour, LateClock, SkippingClock

HASTY = "models/classic/two_phase_refinement.py:HastyRefinesTCommit"


def test_a_refinement_that_holds_costs_no_state() -> None:
    result = check(TwoPhaseRefinesTCommit())
    plain = check(TwoPhase())
    assert [(p.name, p.kind, p.status) for p in result.properties] == [
        ("TPTypeOK", "always", "holds"),
        ("TCConsistent", "always", "holds"),
        ("implements_tcommit", "step", "holds"),
    ]
    assert (result.distinct, result.generated, result.depth) == (288, 1146, 11)
    assert (plain.distinct, plain.generated, plain.depth) == (288, 1146, 11)
    assert check(TwoPhaseRefinesTCommit(rms=4), strategy="dfs").status("implements_tcommit") == (
        "holds"
    )


def test_the_higher_model_class_is_made_with_the_parameters_both_declare() -> None:
    # With Hour's default 3 hours, the 5-hour clock's step from 2 to 3 would be no Hour step.
    for clock in (Clock(), Clock(hours=5, minutes=3)):
        assert check(clock).status("hour_hand") == "holds"
    assert check(Clock(hours=5, minutes=3)).distinct == 15


class ByInstance(Clock):
    hour_hand = None  # type: ignore[assignment]

    @refines(Hour(hours=3))
    def as_instance(self, s: tuple[int, int]) -> int:
        return s[0]

    @refines(lambda low: Hour(hours=low.hours + 1), name="as_function")
    def by_function(self, s: tuple[int, int]) -> int:
        return s[0]


def test_the_higher_model_may_be_a_model_or_a_function_of_the_lower_one() -> None:
    result = check(ByInstance(), keep_going=True)
    assert [(p.name, p.status) for p in result.properties] == [
        ("as_instance", "holds"),
        ("as_function", "violated"),
    ]
    verdict = result.verdict("as_function")
    # Hour(hours=4) goes from 2 to 3, the clock from 2 to 0.
    assert verdict.trace is not None and verdict.trace.path == "0.0.0.0.0.0.0"
    assert [s.state for s in verdict.trace.steps[-2:]] == [(2, 1), (0, 0)]
    assert verdict.description == "Every behaviour, mapped, is a behaviour of Hour (hours=4)."


def test_a_step_with_no_counterpart_is_the_counterexamples_last() -> None:
    result = check(SkippingClock())
    verdict = result.verdict("hour_hand")
    assert (verdict.status, verdict.note) == ("violated", "hour_hand is false of the last step")
    assert verdict.trace is not None and verdict.trace.path == "0.0.0.0.1"
    assert [s.action for s in verdict.trace.steps[1:]] == ["tick", "tick", "tick", "skip"]
    assert [s.state for s in verdict.trace.steps[-2:]] == [(1, 1), (0, 0)]


def test_an_initial_state_with_no_counterpart_is_a_counterexample_of_no_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for strategy, store in (("bfs", "exact"), ("bfs", "fingerprint"), ("dfs", "exact")):
        verdict = check(LateClock(), strategy=strategy, store=store).verdict("hour_hand")
        assert verdict.trace is not None and verdict.trace.path == "1", strategy
        assert verdict.note == "hour_hand is false of the initial state"
    walked = check(LateClock(), strategy="simulate").verdict("hour_hand")
    assert walked.trace is not None and walked.trace.path == "1"
    assert walked.note == "hour_hand is false of the initial state"
    text = format_result(check(LateClock()), LateClock(), timing=False)
    assert text == (
        "LateClock (hours=3, minutes=2): 2 distinct states, 2 generated, depth 1, bfs, stopped "
        "at the first violation (--continue explores on)\n"
        "  violated   step      hour_hand  (0 steps)\n"
        "\n"
        "counterexample for step hour_hand (violated): The hour hand moves as an Hour does.\n"
        "  path 1\n"
        "  0  initial state\n"
        "     state = [1, 0]\n"
        "  (hour_hand is false of the initial state)\n"
    )
    replayed = run_cli(capsys, "replay", "tests/refinement_models.py:LateClock", "--path", "1")
    assert replayed.code == 1
    assert replayed.out.endswith("  violated   step      hour_hand at step 0\n")


def test_the_hasty_commit_does_not_refine_tcommit(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "check", HASTY, "--no-timing")
    assert run.code == 1
    assert run.out.startswith(
        "HastyRefinesTCommit (rms=3): 197 distinct states, 660 generated, depth 7, bfs, "
        "stopped at the first violation (--continue explores on)\n"
        "  unknown    always    TPTypeOK\n"
        "  unknown    always    TCConsistent\n"
        "  violated   step      implements_tcommit  (6 steps)\n"
        "\n"
        "counterexample for step implements_tcommit (violated): Every behaviour, seen through "
        "the RMs' states, is one of TCommit's.\n"
        "  path 0.1.0.2.1.5.0\n"
    )
    # Two RMs prepare and the TM commits; r1 commits while r3 still works: TCommit's
    # DecideCommit needs every RM prepared.
    assert run.out.endswith(
        "  5  TMCommit\n     tmState: init -> done\n     msgs: + Commit\n"
        "  6  RMRcvCommitMsg(r1)\n     rmState.r1: prepared -> committed\n"
        "  (implements_tcommit is false of the last step)\n"
    )
    replayed = run_cli(capsys, "replay", HASTY, "--path", "0.1.0.2.1.5.0")
    assert replayed.code == 1
    assert replayed.out.endswith("  violated   step      implements_tcommit at step 6\n")
    both = check(HastyRefinesTCommit(), keep_going=True)
    assert [(p.name, p.status, len(p.trace or ())) for p in both.properties] == [
        ("TPTypeOK", "holds", 0),
        ("TCConsistent", "violated", 7),
        ("implements_tcommit", "violated", 6),
    ]


def test_a_simulation_checks_the_refinement_on_its_walks() -> None:
    result = check(
        HastyRefinesTCommit(),
        strategy="simulate",
        seed=1,
        runs=100,
        depth=40,
        properties=["implements_tcommit"],
    )
    verdict = result.verdict("implements_tcommit")
    assert verdict.trace is not None and verdict.trace.path == "0.1.4.0.1.5.4"
    assert [s.action for s in verdict.trace.steps[1:]] == [
        "RMPrepare(r1)",
        "RMPrepare(r3)",
        "TMRcvPrepared(r1)",
        "TMRcvPrepared(r3)",
        "TMCommit",
        "RMRcvCommitMsg(r3)",
    ]


def test_a_refinement_is_judged_by_workers_too() -> None:
    assert check(Clock(), workers=2).status("hour_hand") == "holds"
    one = check(SkippingClock()).verdict("hour_hand")
    two = check(SkippingClock(), workers=2).verdict("hour_hand")
    assert one.status == "violated"
    assert (two.status, two.note) == (one.status, one.note)
    assert one.trace is not None and two.trace is not None
    assert two.trace.path == one.trace.path


def test_the_tla_users_page_shows_what_the_command_prints() -> None:
    page = (Path(__file__).parent.parent / "docs/tla-users.md").read_text()
    shown = re.findall(r"^```\n\$ (modelcheck [^\n]*)\n(.*?)^```$", page, re.M | re.S)
    assert [command for command, _ in shown] == [f"modelcheck check {HASTY} --no-timing"]
    command, output = shown[0]
    assert run(command).startswith(output + "\n")


def test_a_mapping_that_raises_is_reported_with_the_step_that_reached_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for strategy in ("bfs", "simulate"):
        run = run_cli(
            capsys, "check", "tests/refinement_models.py:BrokenMapping", "--strategy", strategy
        )
        assert run.code == 2
        assert run.err == (
            "error: property 'divides' raised ZeroDivisionError: integer division or modulo by "
            "zero\n"
            "  at tests/refinement_models.py:68 in divides\n"
            "the trace that reached it (path 0.0):\n"
            "  0  initial state\n"
            "     state = [0, 0]\n"
            "  1  tick\n"
            "     state: [0, 0] -> [0, 1]\n"
        ), strategy
