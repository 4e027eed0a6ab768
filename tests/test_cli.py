"""CLI behaviour beyond the golden files: progress line, replay exit codes, JSON shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
ENDLESS = """from typing import Any
from modelcheck import Model, always


class Endless(Model[int]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)]

    @always
    def fine(self, n: int) -> bool:
        return True
"""


def test_progress_line_on_a_terminal_after_a_second(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "endless.py").write_text(ENDLESS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    run = run_cli(capsys, "check", "endless.py", "--time-limit", "1.8", "--no-timing")
    assert run.code == 3
    assert "stopped at the time limit" in run.out
    assert "\r" in run.err and " distinct (" in run.err and "/s)  " in run.err
    assert " generated  depth " in run.err
    assert run.err.endswith("\r\x1b[K")


def test_no_progress_line_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "endless.py").write_text(ENDLESS)
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "check", "endless.py", "--time-limit", "1.5")
    assert run.err == ""


def test_json_report_has_the_documented_fields(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "check", str(ROOT / "models/classic/tcommit.py"), "--format", "json")
    assert run.code == 0
    doc = json.loads(run.out)
    assert list(doc) == [
        "model", "params", "strategy", "distinct", "generated", "depth", "seconds",
        "states_per_second", "peak_memory_bytes", "complete", "stopped", "properties",
    ]  # fmt: skip
    assert (doc["distinct"], doc["generated"], doc["depth"]) == (34, 94, 7)
    assert doc["properties"]["TCConsistent"] == {
        "kind": "always", "status": "holds", "path": None, "loop": None, "trace": None,
    }  # fmt: skip


def test_replay_of_a_harmless_path_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "replay", str(ROOT / "models/intro/lost_update.py"), "--path", "0.0")
    assert run.code == 0
    assert run.out.splitlines()[0] == "LostUpdate (procs=2): replayed 1 step of path 0.0"
    assert run.out.splitlines()[-2:] == [
        "  holds      always    no_lost_update",
        "  unreached  sometimes all_done",
    ]


def test_python_dash_m_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "--version")
    assert run.code == 0 and run.out == "modelcheck, version 0.1.0\n"


def test_dfs_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "models/classic/two_phase.py")
    run = run_cli(capsys, "check", path, "--strategy", "dfs", "--no-timing")
    assert run.code == 0
    assert run.out.splitlines()[0].startswith(
        "TwoPhase (rms=3): 288 distinct states, 1,146 generated, depth"
    )
