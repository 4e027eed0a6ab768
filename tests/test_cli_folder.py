"""``modelcheck check FOLDER``: every model in it, one report after another, then a table;
the exit code is the worst of them. (``tests/golden/check_folder_cap.txt`` pins the output
for ``models/cap/``.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

COUNTER = '''from typing import Any
from modelcheck import Model, Param, always


class Counter(Model[int]):
    """Counts up to a limit."""

    limit = Param(3, min=0)

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < self.limit else []

    @always
    def small(self, n: int) -> bool:
        return n < 3
'''

PING = """from typing import Any
from modelcheck import always
from modelcheck.actors import Actor, ActorSystem, Out


class Pinger(Actor[int]):
    def init(self, me: str, out: Out) -> int:
        if me == "a":
            out.send("b", "ping")
        return 0

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        return state + 1


class Ping(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Pinger(), "b": Pinger()}

    @always
    def at_most_one(self, w: Any) -> bool:
        return all(s <= 1 for s in self.live_states(w).values())
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a_counter.py").write_text(COUNTER)
    (tmp_path / "b_ping.py").write_text(PING)
    return tmp_path


def test_a_folder_checks_every_model_and_sums_up(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    run = run_cli(capsys, "check", str(folder), "--no-timing", "--crashes", "1", "-p", "limit=2")
    assert run.code == 0, run.err
    a, b = (folder / "a_counter.py").as_posix(), (folder / "b_ping.py").as_posix()
    assert run.out.splitlines()[0] == (
        "Counter (limit=2): 3 distinct states, 3 generated, depth 3, bfs, complete"
    )
    assert "Ping (crashes=1): 5 distinct states" in run.out  # faults go to actor systems only
    width = len(a) + len(":Counter")
    assert run.out.splitlines()[-3:] == [
        f"{'model':<{width}}  distinct  small  at_most_one",
        f"{a + ':Counter':<{width}}  {'3':>8}  holds  -",
        f"{b + ':Ping':<{width}}  {'5':>8}  -      holds",
    ]


def test_the_exit_code_is_the_worst_of_them(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    run = run_cli(capsys, "check", str(folder), "--no-timing", "--continue", "-p", "limit=4")
    assert run.code == 1
    assert run.out.splitlines()[-2].split()[1:] == ["5", "violated", "-"]
    (folder / "c_broken.py").write_text(COUNTER.replace("Counter", "Broken") + "\nraise ValueError")
    run = run_cli(capsys, "check", str(folder), "--no-timing", "-p", "limit=2")
    assert run.code == 2
    assert "c_broken.py: loading failed: ValueError" in run.err


def test_what_a_folder_cannot_take(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    run = run_cli(capsys, "check", str(folder), "-p", "nosuch=1")
    assert (run.code, run.err) == (2, f"error: no model in {folder} has a parameter 'nosuch'\n")
    run = run_cli(capsys, "check", str(folder), "--out", str(folder / "out"))
    assert (run.code, run.out) == (2, "")
    assert run.err == f"error: --out needs one model: name a file, not the folder {folder}\n"
    empty = folder / "empty"
    empty.mkdir()
    run = run_cli(capsys, "check", str(empty))
    assert (run.code, run.err) == (2, f"error: {empty} holds no model (modelcheck list {empty} "
                                      "shows them)\n")  # fmt: skip


def test_json_is_one_report_per_model(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    run = run_cli(capsys, "check", str(folder), "--format", "json", "--no-timing")
    assert run.code == 1  # Counter's default limit of 3 breaks small
    reports = json.loads(run.out)
    assert [(r["model"], r["distinct"]) for r in reports] == [("Counter", 4), ("Ping", 2)]
