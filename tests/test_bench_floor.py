"""The benchmarks find the hand-written floor from a checkout and from a worktree."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks._measure import FLOOR_PLACE, find_floor, floor, modelcheck, no_floor


def _tree(root: Path) -> tuple[Path, Path]:
    """A folder with shared/bench/twophase_floor.py, a checkout beside it and a worktree
    two levels down; returns (the floor's file, the worktree)."""
    found = root / FLOOR_PLACE
    found.parent.mkdir(parents=True)
    found.write_text("")
    worktree = root / "wt" / "loop"
    worktree.mkdir(parents=True)
    (root / "main").mkdir()
    return found, worktree


def test_the_floor_is_found_above_a_checkout_and_a_worktree(tmp_path: Path) -> None:
    found, worktree = _tree(tmp_path)
    assert find_floor(tmp_path / "main", {}) == found
    assert find_floor(worktree, {}) == found


def test_the_variable_names_the_floor_wherever_the_checkout_is(tmp_path: Path) -> None:
    _found, worktree = _tree(tmp_path)
    other = tmp_path / "elsewhere.py"
    other.write_text("")
    assert find_floor(worktree, {"MODELCHECK_FLOOR": str(other)}) == other
    assert find_floor(worktree, {"MODELCHECK_FLOOR": str(tmp_path / "none.py")}) is None


def test_no_floor_says_why_in_one_line(tmp_path: Path) -> None:
    assert find_floor(tmp_path, {}) is None
    assert no_floor({}) == (
        "no floor: no shared/bench/twophase_floor.py in a folder above the checkout; "
        "set MODELCHECK_FLOOR to the floor's file"
    )
    assert no_floor({"MODELCHECK_FLOOR": "x.py"}) == (
        "no floor: MODELCHECK_FLOOR=x.py is not a file"
    )


#: A floor that does its work in a child process: 0.3 CPU seconds there, nearly none here.
_BUSY_CHILD_FLOOR = """
import subprocess, sys
burn = "import time\\nwhile time.process_time() < 0.3: pass"
subprocess.run([sys.executable, "-c", burn], check=True)
print(3, 288, 1146, 11, 0.5)
"""


def test_a_runs_cpu_seconds_count_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "floor.py"
    fake.write_text(_BUSY_CHILD_FLOOR)
    monkeypatch.setenv("MODELCHECK_FLOOR", str(fake))
    run = floor(3)
    assert run is not None
    assert (run.distinct, run.generated, run.depth, run.seconds) == (288, 1146, 11, 0.5)
    assert run.cpu_seconds is not None and 0.3 <= run.cpu_seconds < 5


def test_modelchecks_cpu_seconds_are_its_searchs() -> None:
    run = modelcheck("models.classic.two_phase", "TwoPhase", {"rms": 3})
    assert (run.distinct, run.generated, run.depth) == (288, 1146, 11)
    assert run.cpu_seconds is not None and 0 < run.cpu_seconds < 5
