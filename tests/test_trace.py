"""Traces: path encoding, replay, and catching models that are not deterministic."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import Model, NondeterminismError, UsageError, always, check, replay
from modelcheck.trace import parse_path, rebuild
from tests.graph_model import GraphModel


def test_replay_follows_the_path() -> None:
    model = GraphModel({0: [1, 2], 2: [0, 3]})
    trace = replay(model, "0.1.1")
    assert [s.state for s in trace.steps] == [0, 2, 3]
    assert [s.choice for s in trace.steps] == [0, 1, 1]
    assert trace.path == "0.1.1" and len(trace) == 2 and trace.final == 3


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("0.5", "path step 1 takes action 5, but the state there has 2 actions"),
        ("0.1.0.0", "path step 3 takes action 0, but the state there has 0 actions"),
        ("2", "path starts with initial state 2, but the model has 1"),
        ("0.x", "path '0.x' must be dot-separated action numbers, like 0.2.1"),
        ("", "path '' must be dot-separated action numbers, like 0.2.1"),
    ],
)
def test_replay_rejects_impossible_paths(path: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        replay(GraphModel({0: [1, 2], 2: [3]}), path)
    assert str(info.value) == message


def test_parse_path() -> None:
    assert parse_path(" 0.10.2 ") == (0, 10, 2)


class _Drifting(Model[int]):
    """Successors depend on how often actions() was called: not a function of the state."""

    def setup(self) -> None:
        self.calls = 0

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[Any, int]]:
        self.calls += 1
        return [("step", n + self.calls)] if n < 20 else []

    @always
    def small(self, n: int) -> bool:
        return n < 10


def test_a_model_whose_successors_drift_is_reported_as_nondeterministic() -> None:
    # The search re-runs actions() on its first states and finds it at once...
    with pytest.raises(NondeterminismError) as info:
        check(_Drifting())
    assert str(info.value) == (
        "the model is nondeterministic: actions() run twice on the same state gave other "
        "successors (step 0: step)"
    )
    assert info.value.trace is not None and info.value.trace.path == "0"
    # ...and a trace rebuilt from stored states finds it too, naming the step.
    with pytest.raises(NondeterminismError) as info:
        rebuild(_Drifting(), [0, 5])
    assert str(info.value) == (
        "step 1 of the trace cannot be rebuilt: re-running actions() on the state before "
        "it no longer gives the state found during the search"
    )
    assert info.value.trace is not None and info.value.trace.path == "0"


class _Flaky(Model[int]):
    """The property reads a counter outside the state."""

    def setup(self) -> None:
        self.asked = 0

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[Any, int]]:
        return [("inc", n + 1)] if n < 3 else []

    @always
    def moody(self, n: int) -> bool:
        self.asked += 1
        return not (n == 2 and self.asked < 5)


def test_a_property_that_depends_on_more_than_the_state_is_caught() -> None:
    with pytest.raises(NondeterminismError) as info:
        check(_Flaky())
    assert str(info.value) == (
        "property 'moody' gave a different answer on the replayed trace: it must depend "
        "only on the state"
    )


class _FailsOnce(Model[int]):
    def setup(self) -> None:
        self.failed = False

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[Any, int]]:
        if n == 1 and not self.failed:
            self.failed = True
            raise RuntimeError("only the first time")
        return [("inc", n + 1)] if n < 2 else []


def test_an_exception_that_does_not_come_back_is_nondeterminism() -> None:
    with pytest.raises(NondeterminismError) as info:
        check(_FailsOnce())
    assert str(info.value) == (
        "the model raised RuntimeError: only the first time during the search, but not when "
        "re-run from the same state"
    )
    assert info.value.trace is not None and info.value.trace.path == "0.0"
