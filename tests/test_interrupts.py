"""Ctrl-C and SIGTERM stop every command the way Ctrl-C stops ``check``: exit 3 with the
partial statistics (or, for ``regress``, the table of the specs run and those not run), and
no traceback. Each test starts the CLI in its own process group (as a shell does) and sends
the signal once the model's init_states() has run, so the search has started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

ENDLESS = """
import os
from pathlib import Path

from modelcheck import Model, always


class Endless(Model):
    \"\"\"The integers: a search never ends on its own.\"\"\"

    def init_states(self):
        Path(os.environ["STARTED"]).touch()  # tells the test the search has started
        return [0]

    def actions(self, n):
        return [("up", n + 1), ("down", n - 1)]

    @always
    def fine(self, n):
        return True
"""

SPEC = """model = "models/endless.py:Endless"

[expect]
fine = "holds"
"""


def _project(tmp_path: Path, specs: int = 0) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "endless.py").write_text(ENDLESS)
    (tmp_path / "specs").mkdir()
    for k in range(specs):
        (tmp_path / "specs" / f"endless_{k}.toml").write_text(SPEC)
    return tmp_path


def _interrupt(
    project: Path, args: list[str], sig: signal.Signals, group: bool = True
) -> tuple[int, str, str]:
    """Run ``modelcheck ARGS`` in ``project``, send ``sig`` (to the whole process group, as
    a terminal's Ctrl-C does, or to the process alone) once the search started; return the
    exit code, stdout and stderr."""
    started = project / "started"
    run = subprocess.Popen(
        [sys.executable, "-m", "modelcheck", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "STARTED": str(started), "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the search did not start"
            time.sleep(0.02)
        time.sleep(0.3)  # well inside the search
        if group:
            os.killpg(run.pid, sig)
        else:
            run.send_signal(sig)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    return run.returncode, out, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("strategy", ["bfs", "simulate"])
def test_check_stops_with_partial_statistics(
    tmp_path: Path, strategy: str, sig: signal.Signals
) -> None:
    project = _project(tmp_path)
    args = ["check", "models/endless.py", "--no-timing", "--strategy", strategy]
    args += ["--runs", "100000000", "--depth", "100"]
    code, out, err = _interrupt(project, args, sig, group=sig == signal.SIGINT)
    assert (code, err) == (3, ""), (out, err)
    lines = out.splitlines()
    header = r"Endless: [\d,]+ distinct states, [\d,]+ generated, depth \d+, (bfs|simulate), "
    assert re.fullmatch(header + "interrupted", lines[0]), lines
    assert lines[1:] == ["  unknown    always    fine"]


def test_sigterm_with_a_checkpoint_saves_it(tmp_path: Path) -> None:
    project = _project(tmp_path)
    args = ["check", "models/endless.py", "--no-timing", "--checkpoint", "ck"]
    code, out, err = _interrupt(project, args, signal.SIGTERM, group=False)
    assert (code, err) == (3, ""), (out, err)
    assert out.splitlines()[0].endswith(", bfs, interrupted")
    assert (project / "ck" / "checkpoint.pickle").exists()


@pytest.mark.parametrize(
    ("jobs", "sig"),
    [("1", signal.SIGINT), ("2", signal.SIGINT), ("2", signal.SIGTERM)],
)
def test_regress_prints_the_table_with_the_specs_not_run(
    tmp_path: Path, jobs: str, sig: signal.Signals
) -> None:
    project = _project(tmp_path, specs=3)
    args = ["regress", "specs/", "--no-timing", "-j", jobs]
    code, out, err = _interrupt(project, args, sig, group=sig == signal.SIGINT)
    assert (code, err) == (3, ""), (out, err)
    assert out.splitlines() == [
        "      spec                  expected  got                   states",
        *(
            f"stop  specs/endless_{k}.toml  1 holds   not run: interrupted       -"
            for k in range(3)
        ),
        "",
        "3 specs: 0 ok, 3 not run (interrupted)",
    ]


def test_check_folder_stops_at_the_model_interrupted(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "models" / "endless_too.py").write_text(ENDLESS.replace("Endless", "EndlessToo"))
    code, out, err = _interrupt(project, ["check", "models", "--no-timing"], signal.SIGINT)
    assert (code, err) == (3, ""), (out, err)
    lines = out.splitlines()
    assert lines[0].startswith("Endless: ") and lines[0].endswith(", bfs, interrupted")
    assert "EndlessToo" not in out
