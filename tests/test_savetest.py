"""``modelcheck check --save-test``: a counterexample becomes a pytest test that fails while
the bug is there and passes once it is fixed, end to end in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.render.savetest import regression_test
from models.intro.lost_update import LostUpdate
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
GOLDEN = ROOT / "tests" / "golden" / "savetest_lost_update.py"

TANK = '''from typing import Any

from modelcheck import Model, always


class Tank(Model[int]):
    """A tank that must never hold more than 2 units."""

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("drain", max(n - 1, 0)), ("fill", {fill})]{only}

    @always
    def safe(self, n: int) -> bool:
        """At most 2 units."""
        return n <= 2
'''
BUGGY_TANK = TANK.format(fill="n + 1", only="")
FIXED_TANK = TANK.format(fill="min(n + 1, 2)", only="")  # the path replays, safe holds
NO_PATH_TANK = TANK.format(fill="n + 1", only="[: 1 if n >= 2 else 2]")  # the path is gone

STOPPER = '''from typing import Any

from modelcheck import Model


class Stopper(Model[int]):
    """Counts to 2, then {then}."""

    deadlock = True

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < 2 else {at_two}
'''
BUGGY_STOPPER = STOPPER.format(then="stops (a deadlock)", at_two="[]")
FIXED_STOPPER = STOPPER.format(then="starts again", at_two='[("reset", 0)]')


def _pytest(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _clean(folder: Path, *files: Path) -> None:
    """The generated files pass ruff (this project's settings) and mypy --strict."""
    config = str(ROOT / "pyproject.toml")
    ruff = [sys.executable, "-m", "ruff"]
    # Errors inside modelcheck itself are the business of `make test`, not of this test.
    mypy = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent"]
    names = [str(f) for f in files]
    for command in (
        [*ruff, "check", "--config", config, *names],
        [*ruff, "format", "--check", "--config", config, *names],
        [*mypy, "--cache-dir", str(folder / ".mypy"), *names],
    ):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_saved_counterexample_fails_until_the_bug_is_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    models = tmp_path / "models"
    models.mkdir()
    for name, source in [("tank", BUGGY_TANK), ("tank2", BUGGY_TANK), ("stopper", BUGGY_STOPPER)]:
        (models / f"{name}.py").write_text(source)
        run = run_cli(capsys, "check", f"models/{name}.py", "--save-test", f"tests/test_{name}.py")
        assert run.code == 1, run
        assert run.err == (f"wrote tests/test_{name}.py: 1 test that replays the counterexample\n")
    tests = tmp_path / "tests"
    assert 'MODEL_PATH = "../models/tank.py"\n' in (tests / "test_tank.py").read_text()
    assert '    stays_fixed("safe", "0.1.1.1")\n' in (tests / "test_tank.py").read_text()
    assert '    stays_live("0.0.0")\n' in (tests / "test_stopper.py").read_text()
    _clean(tmp_path, *sorted(tests.glob("*.py")), _long_case(tmp_path, capsys))

    broken = _pytest(tmp_path, "tests")
    assert broken.returncode == 1, broken.stdout
    assert "4 failed" in broken.stdout
    assert "AssertionError: safe is still violated, at step 3 of path 0.1.1.1:" in broken.stdout
    assert "AssertionError: the last state of path 0.0.0 still has no enabled action:" in (
        broken.stdout
    )

    (models / "tank.py").write_text(FIXED_TANK)
    (models / "tank2.py").write_text(NO_PATH_TANK)
    (models / "stopper.py").write_text(FIXED_STOPPER)
    fixed = _pytest(tmp_path, *(f"tests/test_{name}.py" for name in ("tank", "tank2", "stopper")))
    assert fixed.returncode == 0, fixed.stdout
    assert "3 passed" in fixed.stdout


def _long_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A test saved from a model with a long path, name, description and counterexample."""
    folder = tmp_path / ("a_rather_long_folder_name_for_models_" * 3) / "deeper_still"
    folder.mkdir(parents=True)
    long_tank = BUGGY_TANK.replace("n <= 2", "n <= 45").replace("safe", "x" * 70)
    docstring = '"""Says \\"""hi\\""" ' + "y" * 99 + '"""'
    (folder / "tank.py").write_text(long_tank.replace('"""At most 2 units."""', docstring))
    target = tmp_path / "tests" / "test_long.py"
    run = run_cli(capsys, "check", str(folder / "tank.py"), "--save-test", str(target))
    assert run.code == 1, run
    text = target.read_text()
    assert "    path = (\n" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    return target


def test_save_test_never_overwrites_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tank.py").write_text(BUGGY_TANK)
    (tmp_path / "test_mine.py").write_text("# mine\n")
    run = run_cli(capsys, "check", "tank.py", "--save-test", "test_mine.py")
    assert (run.code, run.out, run.err) == (
        2,
        "",
        "error: test_mine.py already exists: pass --force to overwrite it\n",
    )
    assert (tmp_path / "test_mine.py").read_text() == "# mine\n"
    forced = run_cli(capsys, "check", "tank.py", "--save-test", "test_mine.py", "--force")
    assert forced.code == 1
    assert "stays_fixed" in (tmp_path / "test_mine.py").read_text()


def test_nothing_is_saved_when_nothing_is_violated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tank.py").write_text(FIXED_TANK)
    run = run_cli(capsys, "check", "tank.py", "--save-test", "test_tank.py")
    assert run.code == 0
    assert run.err == "no invariant or deadlock counterexample to save: test_tank.py not written\n"
    assert not (tmp_path / "test_tank.py").exists()


def test_the_saved_test_of_the_intro_model_is_the_golden_file() -> None:
    """Regenerate with: modelcheck check models/intro/lost_update.py --continue
    --save-test tests/golden/savetest_lost_update.py --force"""
    model = LostUpdate()
    result = check(model, keep_going=True)
    found = [p for p in result.properties if p.status == "violated"]
    text = regression_test(model, ROOT / "models/intro/lost_update.py", GOLDEN, found)
    assert text == GOLDEN.read_text()


SPIN = '''from typing import Any

from modelcheck import Model, always, eventually


class Spin(Model[int]):
    """Flips between 0 and 1: never 2, and 1 is not allowed."""

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("flip", 1 - n)]

    @always
    def zero(self, n: int) -> bool:
        return n == 0

    @eventually
    def two(self, n: int) -> bool:
        return n == 2
'''


def test_liveness_counterexamples_are_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spin.py").write_text(SPIN)
    run = run_cli(capsys, "check", "spin.py", "--continue", "--save-test", "test_spin.py")
    assert run.code == 1
    assert run.err == (
        "wrote test_spin.py: 1 test that replays the counterexample (not saved, liveness: two)\n"
    )
    text = (tmp_path / "test_spin.py").read_text()
    assert '    stays_fixed("zero", "0.0")\n' in text
    assert "two" not in text.split("def test_zero", 1)[1]
