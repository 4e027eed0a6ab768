"""The pytest helpers of modelcheck.testing: they pass, and they fail with the trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelcheck import Model, ModelLoadError, Param, UsageError, always, check, sometimes
from modelcheck.render.text import format_result
from modelcheck.testing import assert_counts, assert_holds, assert_violated, load_model

ROOT = Path(__file__).parent.parent


class Counter(Model[int]):
    """Counts up to a limit."""

    limit = Param(3, min=0)

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < self.limit else []

    @always
    def small(self, n: int) -> bool:
        return n <= 2

    @always
    def bounded(self, n: int) -> bool:
        return n <= self.limit

    @sometimes
    def top(self, n: int) -> bool:
        return n == self.limit


def _report(model: Model[Any], **options: Any) -> str:
    """The text report the helpers put under the first line of a failure."""
    return format_result(check(model, **{"keep_going": True, **options}), model, timing=False)


def _message(info: pytest.ExceptionInfo[AssertionError]) -> str:
    return str(info.value)


def test_assert_holds_passes_and_returns_the_result() -> None:
    result = assert_holds(Counter(limit=2))
    assert (result.distinct, result.status("small"), result.status("top")) == (
        3,
        "holds",
        "reached",
    )
    assert assert_holds(Counter(), "bounded", "top").status("small") == "violated"


def test_assert_holds_fails_with_the_counterexample() -> None:
    with pytest.raises(AssertionError) as info:
        assert_holds(Counter())
    assert _message(info).startswith("Counter (limit=3): small: expected holds, got violated")
    assert _message(info).partition("\n")[2] == _report(Counter())
    assert "\ncounterexample for always small (violated)\n  path 0.0.0.0\n" in _message(info)
    assert "\n  (small is false in the last state)\n" in _message(info)


def test_assert_holds_names_every_failure() -> None:
    with pytest.raises(AssertionError) as info:
        assert_holds(Counter(), "small", "top", max_depth=2)
    assert _message(info).splitlines()[0] == (
        "Counter (limit=3): small: expected holds, got unknown; top: expected reached, got unknown"
    )


def test_assert_holds_rejects_an_unknown_property() -> None:
    with pytest.raises(UsageError) as info:
        assert_holds(Counter(), "smal")
    assert str(info.value) == (
        "Counter has no property 'smal': its properties are small, bounded, top"
    )


def test_assert_violated() -> None:
    result = assert_violated(Counter(), "small", steps=3)
    trace = result.verdict("small").trace
    assert trace is not None and trace.path == "0.0.0.0"
    with pytest.raises(AssertionError) as info:
        assert_violated(Counter(), "small", steps=2)
    assert _message(info) == (
        "Counter (limit=3): small: expected violated in 2 steps, got violated in 3 steps\n"
        + _report(Counter())
    )
    with pytest.raises(AssertionError) as info:
        assert_violated(Counter(limit=2), "small")
    assert _message(info).splitlines()[0] == (
        "Counter (limit=2): small: expected violated, got holds"
    )


def test_assert_violated_passes_check_options_on() -> None:
    with pytest.raises(AssertionError) as info:
        assert_violated(Counter(), "small", max_depth=3)
    assert _message(info).splitlines()[:2] == [
        "Counter (limit=3): small: expected violated, got unknown",
        "Counter (limit=3): 3 distinct states, 4 generated, depth 3, bfs, stopped at the "
        "depth bound",
    ]


def test_assert_counts() -> None:
    assert assert_counts(Counter(), distinct=4, generated=4, depth=4).distinct == 4
    with pytest.raises(AssertionError) as info:
        assert_counts(Counter(limit=30), distinct=30, depth=31)
    assert _message(info).splitlines()[0] == ("Counter (limit=30): distinct: expected 30, got 31")
    with pytest.raises(UsageError) as error:
        assert_counts(Counter())
    assert str(error.value) == "assert_counts needs at least one of distinct, generated, depth"


def test_load_model_by_path_and_class() -> None:
    model = load_model(ROOT / "models/classic/two_phase.py", "TwoPhase", rms=4)
    assert_counts(model, distinct=1568, generated=8258, depth=14)
    with pytest.raises(ModelLoadError) as info:
        load_model(ROOT / "models/classic/two_phase.py", "TwoPhaze")
    assert str(info.value).endswith(
        "has no model 'TwoPhaze': did you mean TwoPhase? it defines TwoPhase"
    )
