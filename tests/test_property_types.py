"""A property must return a bool: any other value (a string, None, a list, a generator, a
numpy bool) is a one-line model error naming the property and the type, in every search
mode, never a verdict taken from its truth value."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelcheck import Model, ModelError, Property, check
from tests.cli_helpers import run_cli


class Counter(Model[int]):
    """0 -> 1 -> ... -> 5; ``odd`` is judged by ``judge`` (which may return anything)."""

    def __init__(self, judge: Callable[[int], Any], kind: str = "always") -> None:
        super().__init__()
        self.judge = judge
        self.kind = kind

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        return [("inc", n + 1)] if n < 5 else []

    def properties(self) -> list[Property]:
        return [Property("odd", self.kind, self.judge)]  # type: ignore[arg-type]


def _gen(n: int) -> Iterator[bool]:
    yield n > 100


# (what the property returns from state 3 on, the message's words for it)
WRONG: list[tuple[Callable[[int], Any], str]] = [
    (lambda n: "fine" if n >= 3 else True, "a str"),
    (lambda n: None if n >= 3 else True, "None"),
    (lambda n: [n] if n >= 3 else True, "a list"),
    (lambda n: _gen(n) if n >= 3 else True, "a generator"),
    (lambda n: np.bool_(True) if n >= 3 else True, "a numpy.bool"),
    (lambda n: 1 if n >= 3 else True, "an int"),
]


def _message(what: str) -> str:
    hint = " (a missing return?)" if what == "None" else ""
    return f"property 'odd' returned {what}, not a bool{hint}: return True or False"


@pytest.mark.parametrize(("judge", "what"), WRONG)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"strategy": "dfs"},
        {"store": "fingerprint"},
        {"keep_going": True},
        {"workers": 2},
        {"strategy": "simulate", "runs": 3},
    ],
    ids=["bfs", "dfs", "fingerprint", "continue", "workers", "simulate"],
)
def test_an_invariant_that_returns_something_else_is_a_model_error(
    judge: Callable[[int], Any], what: str, options: dict[str, Any]
) -> None:
    with pytest.raises(ModelError) as info:
        check(Counter(judge), **options)
    assert info.value.message == _message(what)
    assert info.value.trace is not None and info.value.trace.path == "0.0.0.0"


@pytest.mark.parametrize(("judge", "what"), WRONG[:4])
def test_a_sometimes_that_returns_something_else_is_a_model_error(
    judge: Callable[[int], Any], what: str
) -> None:
    # Truthy or not, it is reported: None and [] would have passed as "unreached".
    with pytest.raises(ModelError) as info:
        check(Counter(lambda n: False if n < 3 else judge(n), "sometimes"))
    assert info.value.message == _message(what)


def test_a_liveness_property_that_returns_something_else_is_a_model_error() -> None:
    with pytest.raises(ModelError) as info:
        check(Counter(lambda n: "yes" if n == 2 else n == 5, "eventually"))
    assert info.value.message == _message("a str")
    assert info.value.trace is not None and info.value.trace.path == "0.0.0"


def test_bools_still_decide() -> None:
    result = check(Counter(lambda n: n < 4))
    assert result.status("odd") == "violated"
    assert result.verdict("odd").trace is not None
    assert check(Counter(lambda n: n < 9)).status("odd") == "holds"


NONE_MODEL = """
from modelcheck import Model, always

class Quiet(Model):
    def init_states(self):
        return [0]

    def actions(self, n):
        return [("inc", n + 1)] if n < 2 else []

    @always
    def fine(self, n):
        n < 5
"""


def test_the_cli_says_it_in_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "quiet.py").write_text(NONE_MODEL)
    run = run_cli(capsys, "check", str(tmp_path / "quiet.py"), "--no-timing")
    assert run.code == 2, run
    assert run.err.splitlines()[0] == (
        "error: property 'fine' returned None, not a bool (a missing return?): return True or False"
    )
    assert "Traceback" not in run.err
