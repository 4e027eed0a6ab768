"""Keeps a bug that modelcheck found fixed, by replaying its counterexample.

Written by `modelcheck check --save-test`: LostUpdate (procs=2) violated no_lost_update
in 4 steps. Each test replays the path of a counterexample and passes once the bug is
fixed: the property holds at every step of the path, or the path is no longer possible.
A path is a list of action positions: if a change reorders the model's actions, it
replays another run; save the test again then. MODEL_PATH is relative to this file.
"""

from __future__ import annotations

from pathlib import Path

from modelcheck import Trace, UsageError, replay
from modelcheck.render.text import format_trace
from modelcheck.testing import load_model
from modelcheck.trace import judge

MODEL_PATH = "../../models/intro/lost_update.py"
MODEL_FILE = Path(__file__).resolve().parent / MODEL_PATH
MODEL_CLASS = "LostUpdate"
PARAMS: dict[str, object] = {"procs": 2}


def stays_fixed(prop: str, path: str) -> None:
    """Replay ``path``; fail if ``prop`` is false at a step of it."""
    model = load_model(MODEL_FILE, MODEL_CLASS, **PARAMS)
    try:
        trace = replay(model, path)
    except UsageError:
        return  # the path is no longer possible: this way to the bug is gone
    verdicts = {p.name: step for p, step in judge(model, trace)}
    assert prop in verdicts, f"{MODEL_CLASS} no longer has a property {prop}"
    step = verdicts[prop]
    if step is not None:
        shown = "\n".join(format_trace(model, Trace(trace.steps[: step + 1])))
        where = f"at step {step} of path {path}"
        raise AssertionError(f"{prop} is still violated, {where}:\n{shown}")


def test_no_lost_update() -> None:
    """Once every process is done, the counter counts every increment."""
    stays_fixed("no_lost_update", "0.0.1.0.0")
