"""The benchmarks find the hand-written floor from a checkout and from a worktree."""

from __future__ import annotations

from pathlib import Path

from benchmarks._measure import FLOOR_PLACE, find_floor, no_floor


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
