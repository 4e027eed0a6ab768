"""Faults that are not the model's: bad durations, a full disk while checkpointing, running
out of memory, a memory bound, and --out files written whole or not at all."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_cli

TWO_PHASE = "models/classic/two_phase.py"


@pytest.mark.parametrize(("value", "shown"), [("nan", "nan"), ("NaN", "nan"), ("inf", "inf")])
@pytest.mark.parametrize("option", ["--time-limit", "--checkpoint-every"])
def test_durations_must_be_finite_numbers(
    option: str, value: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "check", TWO_PHASE, option, value)
    assert run.code == 2, run
    assert run.err == (
        f"error: {option[2:]} must be a positive, finite number of seconds, not {shown}\n"
    )
    assert run.out == ""
