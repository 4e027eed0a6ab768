"""CLI output compared byte for byte with checked-in files (see tests/golden_runner.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden_runner import GOLDEN, expected, run

FILES = sorted(GOLDEN.glob("*.txt"))


def test_there_are_golden_files() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_output_matches_golden_file(path: Path) -> None:
    command, want = expected(path)
    assert run(command) == want, "regenerate with `make golden` if the change is deliberate"
