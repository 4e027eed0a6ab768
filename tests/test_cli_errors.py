"""Every kind of bad input gets one clear message and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

HEADER = "from typing import Any\nfrom modelcheck import Model, Param, always\n\n\n"
GOOD = """class Good(Model[int]):
    size = Param(3, help="how far to count", min=1)

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < self.size else []
"""


def _write(folder: Path, name: str, body: str) -> str:
    (folder / name).write_text(HEADER + body)
    return name


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _error(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    run = run_cli(capsys, *args)
    assert run.code == 2, run
    assert run.out == ""
    assert "Traceback" not in run.err
    return run.err.splitlines()


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert _error(capsys, "check", "nowhere.py") == ["error: nowhere.py: no such file or folder"]


def test_not_a_python_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert _error(capsys, "check", "notes.txt") == [
        "error: notes.txt: not a Python file (a model file ends in .py)"
    ]


def test_syntax_error_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "broken.py", "class Broken(Model):\n    def init_states(self)\n")
    assert _error(capsys, "check", "broken.py") == [
        "error: broken.py:6: syntax error: expected ':'"
    ]


def test_error_while_importing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "imports.py", "import no_such_module_here\n")
    assert _error(capsys, "check", "imports.py") == [
        "error: imports.py: loading failed: ModuleNotFoundError: No module named "
        "'no_such_module_here' (at imports.py:5 in <module>)"
    ]


def test_no_model_in_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "empty.py", "X = 1\n")
    assert _error(capsys, "check", "empty.py") == [
        "error: empty.py defines no model (a subclass of modelcheck.Model)"
    ]


def test_ambiguous_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "two.py", GOOD + "\n\nclass Other(Good):\n    pass\n")
    assert _error(capsys, "replay", "two.py", "--path", "0") == [
        "error: two.py defines 2 models (Good, Other): name one, as in two.py:Good"
    ]


def test_unknown_model_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "good.py", GOOD)
    assert _error(capsys, "check", "good.py:Goood") == [
        "error: good.py has no model 'Goood': did you mean Good? it defines Good"
    ]


def test_unknown_parameter_names_close_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _write(tmp_path, "good.py", GOOD)
    assert _error(capsys, "check", "good.py", "-p", "sise=4") == [
        "error: Good has no parameter 'sise': did you mean 'size'? its parameters are size"
    ]


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("size=four", "parameter 'size' of Good takes an integer, not 'four'"),
        ("size=0", "parameter 'size' of Good must be at least 1, not 0"),
        ("size", "parameter 'size' must be written name=value, e.g. -p rms=5"),
    ],
)
def test_bad_parameter_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, assignment: str, message: str
) -> None:
    _write(tmp_path, "good.py", GOOD)
    assert _error(capsys, "check", "good.py", "-p", assignment) == [f"error: {message}"]


def test_unknown_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "good.py", GOOD)
    assert _error(capsys, "check", "good.py", "--max-dept", "3") == [
        "error: No such option '--max-dept'. (Did you mean one of: '--depth', "
        "'--max-depth', '--max-states'?) (see 'modelcheck check --help')"
    ]


def test_a_folder_with_no_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    assert _error(capsys, "check", "models") == [
        "error: models holds no model (modelcheck list models shows them)"
    ]


MUTABLE_INIT = """class Listy(Model[Any]):
    def init_states(self) -> Any:
        return [[0]]

    def actions(self, s: Any) -> Any:
        return []
"""

MUTABLE_SUCCESSOR = """import dataclasses


@dataclasses.dataclass(eq=False)
class Box:
    n: int


class Boxed(Model[Any]):
    def init_states(self) -> Any:
        return [(0, None)]

    def actions(self, s: Any) -> Any:
        return [("wrap", (1, Box(1)))] if s[0] == 0 else []
"""


def test_unhashable_state(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "listy.py", MUTABLE_INIT)
    assert _error(capsys, "check", "listy.py") == [
        "error: state is a list, which is mutable: use a tuple",
        "the trace that reached it (path 0):",
        "  0  initial state",
        "     state = [0]",
    ]


def test_mutable_state(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "boxed.py", MUTABLE_SUCCESSOR)
    lines = _error(capsys, "check", "boxed.py")
    assert lines[0] == (
        "error: state[1] is a Box, a dataclass that is not frozen: declare it with "
        "@dataclass(frozen=True)"
    )
    assert lines[1] == "the trace that reached it (path 0.0):"


NOT_A_PAIR = """class Bare(Model[int]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [n + 1] if n < 2 else []
"""


def test_action_that_is_not_a_pair(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "bare.py", NOT_A_PAIR)
    assert _error(capsys, "check", "bare.py") == [
        "error: actions() must return (label, state) pairs, but gave 1",
        "the trace that reached it (path 0):",
        "  0  initial state",
        "     state = 0",
    ]


RAISING_PROPERTY = (
    GOOD
    + """
    @always
    def ratio(self, n: int) -> bool:
        return 6 // (2 - n) > 0
"""
)


def test_property_that_raises(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "ratio.py", RAISING_PROPERTY)
    assert _error(capsys, "check", "ratio.py") == [
        "error: property 'ratio' raised ZeroDivisionError: integer division or modulo by zero",
        "  at ratio.py:16 in ratio",
        "the trace that reached it (path 0.0.0):",
        "  0  initial state",
        "     state = 0",
        "  1  inc",
        "     state: 0 -> 1",
        "  2  inc",
        "     state: 1 -> 2",
    ]


RAISING_ACTION = GOOD.replace(
    'return [("inc", n + 1)] if n < self.size else []',
    'return [("inc", n + 1)] if n < self.size else [("oops", {}[n])]',
)


def test_exception_in_model_code_comes_with_its_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _write(tmp_path, "oops.py", RAISING_ACTION)
    lines = _error(capsys, "check", "oops.py", "-p", "size=1")
    assert lines == [
        "error: actions() raised KeyError: 1",
        "  at oops.py:12 in actions",
        "the trace that reached it (path 0.0):",
        "  0  initial state",
        "     state = 0",
        "  1  inc",
        "     state: 0 -> 1",
    ]


def test_error_in_setup(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(tmp_path, "setup.py", GOOD + "\n    def setup(self) -> None:\n        1 / 0\n")
    assert _error(capsys, "check", "setup.py") == [
        "error: Good.setup() raised ZeroDivisionError: division by zero",
        "  at setup.py:15 in setup",
    ]


def test_out_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write(
        tmp_path,
        "good.py",
        GOOD + RAISING_PROPERTY.replace(GOOD, "").replace("6 // (2 - n) > 0", "n < 2"),
    )
    first = run_cli(capsys, "check", "good.py", "--out", "found")
    assert first.code == 1
    (tmp_path / "found" / "ratio.txt").write_text("my notes")
    assert _error(capsys, "check", "good.py", "--out", "found") == [
        "error: found/result.json already exists: pass --force to overwrite, or choose "
        "another --out folder"
    ]
    assert (tmp_path / "found" / "ratio.txt").read_text() == "my notes"
    forced = run_cli(capsys, "check", "good.py", "--out", "found", "--force")
    assert forced.code == 1
    assert (tmp_path / "found" / "ratio.txt").read_text().startswith("Good (size=3)")
