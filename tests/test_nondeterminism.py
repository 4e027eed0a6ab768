"""A model that is not a function of its state (a global counter, ``random``) is reported as
nondeterministic, with the trace to the state, whatever the verdicts would have been: the
search re-runs ``actions()`` on a fixed sample of states (the first ones by number, then
every 256th) and compares, and asks for the initial states twice."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from modelcheck import Model, NondeterminismError, Property, check
from modelcheck.explore._search import SAMPLE_FIRST, SAMPLE_MASK
from tests.cli_helpers import run_cli

_CALLS = itertools.count()


class Drifting(Model[int]):
    """A ring of ``size`` states; from ``at`` on, a module-level counter picks the step's
    size, so the same state gives other successors on another call."""

    def __init__(self, size: int = 50, at: int = 0) -> None:
        super().__init__()
        self.size, self.at = size, at

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        step = 1 + next(_CALLS) % 2 if n >= self.at else 1
        return [("step", (n + step) % self.size)]

    def properties(self) -> list[Property]:
        return [Property("small", "always", lambda n: n < self.size)]


class Dice(Drifting):
    """Labels from ``random``: the successors agree, the labels do not."""

    def actions(self, n: int) -> list[tuple[str, int]]:
        return [(f"roll{random.randrange(1_000_000)}", (n + 1) % self.size)]


class Swapping(Drifting):
    """From ``at`` on, two steps to the same state, in an order a counter picks: the
    states and their numbers do not depend on it, only the order of the steps."""

    def actions(self, n: int) -> list[tuple[str, int]]:
        steps = [("a", (n + 1) % self.size), ("b", (n + 1) % self.size)]
        return steps[::-1] if n >= self.at and next(_CALLS) % 2 else steps


class Restless(Drifting):
    def init_states(self) -> list[int]:
        return [next(_CALLS) % 7]


MESSAGE = "the model is nondeterministic: actions() run twice on the same state gave"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"strategy": "dfs"},
        {"store": "fingerprint"},
        {"workers": 2},
        {"strategy": "simulate", "runs": 5, "depth": 20},
    ],
    ids=["bfs", "dfs", "fingerprint", "workers", "simulate"],
)
def test_a_global_counter_is_caught_in_every_mode(options: dict[str, Any]) -> None:
    with pytest.raises(NondeterminismError) as info:
        check(Drifting(), **options)
    assert info.value.message == f"{MESSAGE} other successors (step 0: step)"
    assert info.value.trace is not None and info.value.trace.path == "0"


def test_random_labels_are_caught() -> None:
    with pytest.raises(NondeterminismError) as info:
        check(Dice())
    assert info.value.message.startswith(f"{MESSAGE} other steps (step 0: roll")


def test_the_sample_reaches_states_far_into_the_search() -> None:
    # Deterministic up to state 600: the first states pass, state 768 (a multiple of 256)
    # is re-run, and it is reported with the trace that reaches it.
    assert (SAMPLE_FIRST, SAMPLE_MASK) == (100, 255)
    with pytest.raises(NondeterminismError) as info:
        check(Swapping(size=1000, at=600))
    assert info.value.message in (
        f"{MESSAGE} other steps (step 0: a then b)",
        f"{MESSAGE} other steps (step 0: b then a)",
    )
    trace = info.value.trace
    assert trace is not None and trace.final == 768 and len(trace) == 768
    assert check(Swapping(size=1000, at=800), max_states=768).stopped == "max-states"


def test_the_verdict_does_not_hide_it() -> None:
    # ``small`` is violated at state 3, before the search stops: still an error.
    with pytest.raises(NondeterminismError):
        check(Drifting(size=1000, at=0), max_states=5)


def test_initial_states_are_asked_for_twice() -> None:
    for options in ({}, {"strategy": "simulate"}):
        with pytest.raises(NondeterminismError) as info:
            check(Restless(), **options)
        assert info.value.message == (
            "the model is nondeterministic: init_states() gave other states when run again"
        )


def test_a_deterministic_model_passes() -> None:
    result = check(Drifting(size=1000, at=10_000))
    assert (result.distinct, result.status("small")) == (1000, "holds")


GLOBAL_COUNTER = """
from modelcheck import Model, always

CALLS = [0]

class Flaky(Model):
    def init_states(self):
        return [0]

    def actions(self, n):
        CALLS[0] += 1
        return [("inc", n + CALLS[0] % 2)] if n < 3 else []

    @always
    def fine(self, n):
        return True
"""


def test_the_cli_reports_it_in_one_line_with_the_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flaky.py").write_text(GLOBAL_COUNTER)
    run = run_cli(capsys, "check", str(tmp_path / "flaky.py"), "--no-timing")
    assert run.code == 2, run
    assert run.err.splitlines()[:2] == [
        f"error: {MESSAGE} other successors (step 0: inc)",
        "the trace that reached it (path 0):",
    ]
    assert run.out == ""
