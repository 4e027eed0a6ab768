"""What a state may hold: values compared by identity are refused in every search mode,
since worker processes and checkpoints copy states and a copy would equal nothing."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from modelcheck import Model, ModelError, always, check
from modelcheck.actors import Signal
from modelcheck.values import MAX_DEPTH, check_depth, check_immutable
from tests.cli_helpers import run_cli


@dataclass(frozen=True, eq=False)
class Token:
    name: str


PENDING = Token("pending")
DONE = Token("done")


class Flip(NamedTuple):
    n: int
    v: Token | None


class Flips(Model[Flip]):
    """Six steps that each may flip a token compared by identity (``v is PENDING``)."""

    def init_states(self) -> list[Flip]:
        return [Flip(0, None)]

    def actions(self, s: Flip) -> Iterator[tuple[Any, Flip]]:
        if s.n < 6:
            yield ("keep", Flip(s.n + 1, s.v or PENDING))
            yield ("flip", Flip(s.n + 1, DONE if s.v is PENDING else PENDING))

    @always
    def not_pending_at_six(self, s: Flip) -> bool:
        return not (s.n == 6 and s.v is PENDING)


IDENTITY = (
    "state.v is a Token, a dataclass that compares by identity (eq=False), so its copies "
    "(--workers, checkpoints) differ: drop eq=False, or use an Enum or a NamedTuple"
)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"strategy": "dfs"},
        {"store": "fingerprint"},
        {"workers": 2},
        {"checkpoint": "ck"},
    ],
    ids=["bfs", "dfs", "fingerprint", "workers", "checkpoint"],
)
def test_values_compared_by_identity_are_refused(
    options: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError) as info:
        check(Flips(), **options)
    assert info.value.message == IDENTITY
    trace = info.value.trace
    assert trace is not None and [s.state for s in trace.steps] == [
        Flip(0, None),
        Flip(1, PENDING),
    ]


def test_the_cli_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    run = run_cli(capsys, "check", "tests/test_values.py:Flips", "--workers", "2")
    assert (run.code, run.out) == (2, "")
    assert run.err.splitlines()[:2] == [
        f"error: {IDENTITY}",
        "the trace that reached it (path 0.0):",
    ]


class Phase(enum.Enum):
    PENDING = 1


@dataclass(frozen=True)
class Record:
    phase: Phase
    tags: frozenset[str]


class Pair(NamedTuple):
    a: int
    b: Record | None


def test_values_compared_by_value_and_singletons_pass() -> None:
    for value in (
        Pair(1, Record(Phase.PENDING, frozenset({"x"}))),
        Pair(2, None),
        (Phase.PENDING, b"raw", 1.5, "s", True),
        Signal("DOWN", "a", "normal"),
    ):
        check_immutable(value, "state")


def test_the_depth_check_walks_a_shared_part_once_unless_met_deeper() -> None:
    """With ``known``, a tuple found fine is not walked again where it is met no deeper;
    met deeper, it is walked again, and a state that nests too deep is still refused."""
    deep: Any = ()
    for _ in range(MAX_DEPTH - 2):  # MAX_DEPTH - 1 tuples
        deep = (deep,)
    known: dict[int, tuple[object, int]] = {}
    check_depth((1, deep), "state", known)
    assert known[id(deep)] == (deep, 1)
    assert len(known) == MAX_DEPTH  # the state, and every tuple of ``deep``
    before = dict(known)
    check_depth(("other", deep), "state", known)  # only the new outer tuple is walked
    assert len(known) == len(before) + 1 and known[id(deep)] == (deep, 1)
    with pytest.raises(ModelError, match="state nests containers more than 100 levels deep"):
        check_depth(((deep,),), "state", known)
