"""Checkpoints: a search saves its progress and, resumed after a stop or a kill, finishes
with exactly the counts of a run that was never stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import modelcheck.explore.compact as compact
from modelcheck import CheckResult, Model, UsageError, always, always_step, check
from modelcheck.explore.checkpoint import Checkpointer, Saved
from models.classic.two_phase import TwoPhase
from tests.cli_helpers import run_cli
from tests.graph_model import GraphModel

ROOT = Path(__file__).parent.parent
TWO_PHASE_6 = (50_816, 402_306, 20)  # TLC's counts


def _counts(result: CheckResult) -> tuple[int, int, int]:
    return result.distinct, result.generated, result.depth


def _summary(result: CheckResult) -> tuple[Any, ...]:
    props = [(p.name, p.status, p.trace.path if p.trace else None) for p in result.properties]
    return (*_counts(result), result.stopped, props)


@pytest.mark.parametrize(
    ("store", "chunk"), [("exact", 0), ("fingerprint", 0), ("fingerprint", 500)]
)
def test_stopped_twice_by_the_clock_then_resumed_the_counts_are_the_full_runs(
    tmp_path: Path, store: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if chunk:  # the fingerprint search saves between chunks of a level: make them small
        monkeypatch.setattr(compact, "_CHUNK", chunk)
    folder = tmp_path / "ck"
    options: dict[str, Any] = {"store": store, "checkpoint": folder, "checkpoint_every": 0.02}
    first = check(TwoPhase(rms=6), time_limit=0.1, **options)
    assert first.stopped == "time-limit" and first.distinct < TWO_PHASE_6[0]
    assert (folder / "checkpoint.pickle").exists()
    second = check(TwoPhase(rms=6), time_limit=0.1, resume=True, **options)
    assert second.distinct > first.distinct  # it went on from the first stop
    last = check(TwoPhase(rms=6), resume=True, **options)
    assert last.complete and _counts(last) == TWO_PHASE_6
    assert last.seconds >= first.seconds


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_depth_first_search_stopped_by_the_clock_resumes_to_the_full_runs(
    tmp_path: Path, store: str
) -> None:
    folder = tmp_path / "ck"
    options: dict[str, Any] = {
        "strategy": "dfs",
        "store": store,
        "checkpoint": folder,
        "checkpoint_every": 0.02,
    }
    whole = check(TwoPhase(rms=6), strategy="dfs")
    first = check(TwoPhase(rms=6), time_limit=0.1, **options)
    assert first.stopped == "time-limit" and first.distinct < TWO_PHASE_6[0]
    last = check(TwoPhase(rms=6), resume=True, **options)
    assert last.complete and _counts(last) == _counts(whole)
    assert (whole.distinct, whole.generated) == TWO_PHASE_6[:2]
    with pytest.raises(UsageError, match="another run"):  # a bfs run is another run
        check(TwoPhase(rms=6), store=store, checkpoint=folder, resume=True)


def test_a_resumed_search_finds_the_same_counterexample(tmp_path: Path) -> None:
    # A long chain with a bad state at its end: the trace must be rebuilt across the stop.
    model = GraphModel({k: [k + 1, k // 2] for k in range(5000)}, bad={4999})
    whole = check(model)
    assert len(whole.verdict("safe").trace or ()) == 4999  # steps
    folder = tmp_path / "ck"
    once = check(model, checkpoint=folder, checkpoint_every=0.000001)
    assert _summary(once) == _summary(whole)
    again = check(model, checkpoint=folder, resume=True)
    assert _summary(again) == _summary(whole)


def test_liveness_edges_are_saved_and_resumed(tmp_path: Path) -> None:
    from benchmarks.liveness import TwoPhaseLiveness

    whole = check(TwoPhaseLiveness(rms=5))
    folder = tmp_path / "ck"
    first = check(TwoPhaseLiveness(rms=5), checkpoint=folder, checkpoint_every=0.000001)
    assert _summary(first) == _summary(whole)
    resumed = check(TwoPhaseLiveness(rms=5), checkpoint=folder, resume=True)
    assert _summary(resumed) == _summary(whole)
    assert whole.properties[-1].status == "holds"


def test_a_killed_run_resumes_to_the_counts_of_an_uninterrupted_one(tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    command = [sys.executable, "-m", "modelcheck", "check", "models/classic/two_phase.py"]
    command += ["-p", "rms=7", "--no-timing"]
    run = subprocess.Popen(
        [*command, "--checkpoint", str(folder), "--checkpoint-every", "0.2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_a_checkpoint(folder)
    time.sleep(0.3)
    run.send_signal(signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    resumed = subprocess.run(
        [*command, "--resume", str(folder)], cwd=ROOT, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[0] == (
        "TwoPhase (rms=7): 296,448 distinct states, 2,744,706 generated, depth 23, bfs, complete"
    )


def test_ctrl_c_saves_and_reports_partial_statistics(tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    command = [sys.executable, "-m", "modelcheck", "check", "models/classic/two_phase.py"]
    command += ["-p", "rms=7", "--no-timing"]
    run = subprocess.Popen(
        [*command, "--checkpoint", str(folder), "--checkpoint-every", "0.3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    _wait_for_a_checkpoint(folder)  # the search is running, its Ctrl-C handler set
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 3, err
    assert "bfs, interrupted" in out.splitlines()[0]
    assert (folder / "checkpoint.pickle").exists()
    resumed = run_resume(command, folder)
    assert "296,448 distinct states, 2,744,706 generated, depth 23, bfs, complete" in resumed


def _wait_for_a_checkpoint(folder: Path) -> None:
    deadline = time.monotonic() + 120
    while not (folder / "checkpoint.pickle").exists():
        assert time.monotonic() < deadline, "no checkpoint was written"
        time.sleep(0.05)


def run_resume(command: list[str], folder: Path) -> str:
    done = subprocess.run(
        [*command, "--resume", str(folder)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_nothing_is_overwritten_and_other_runs_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ck"
    check(TwoPhase(rms=3), checkpoint=folder, checkpoint_every=0.0001, time_limit=0.0001)
    assert (folder / "checkpoint.pickle").exists()
    args = ["check", "models/classic/two_phase.py", "-p", "rms=3"]
    again = run_cli(capsys, *args, "--checkpoint", str(folder))
    assert (again.code, again.err) == (
        2,
        f"error: {folder} already holds a checkpoint: pass --resume {folder} to go on from "
        "it, or remove it to start over\n",
    )
    other = run_cli(
        capsys, "check", "models/classic/two_phase.py", "-p", "rms=4", "--resume", str(folder)
    )
    assert (other.code, other.err) == (
        2,
        f"error: the checkpoint in {folder} is of another run: params was {{'rms': 3}}, "
        "now {'rms': 4}\n",
    )
    empty = run_cli(capsys, *args, "--resume", str(tmp_path / "none"))
    assert (empty.code, empty.err) == (
        2,
        f"error: {tmp_path / 'none'} holds no checkpoint (checkpoint.pickle)\n",
    )
    with pytest.raises(UsageError) as refused:
        check(TwoPhase(rms=3), strategy="simulate", checkpoint=tmp_path / "d")
    assert str(refused.value) == (
        "simulation keeps no store to save: its walks are seeded, so a run is repeated with "
        "the same --seed rather than resumed (leave out --checkpoint)"
    )


class _StepBreaksThenCtrlC(Model[int]):
    """0 leads to 1 and 2; 1 to 3; 2's step to 4 breaks ``no_d``. In the level [1, 2], the
    step stops the expansion after 3 was found, and judging 3 takes a Ctrl-C."""

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        return {0: [("a", 1), ("b", 2)], 1: [("c", 3)], 2: [("d", 4)]}.get(n, [])

    @always_step
    def no_d(self, old: int, label: str, new: int) -> bool:
        return label != "d"

    @always
    def calm(self, n: int) -> bool:
        if n == 3:
            raise KeyboardInterrupt
        return True


def test_a_chunk_stopped_then_interrupted_while_judged_is_saved_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saves: list[tuple[Any, int]] = []
    real = Checkpointer.save

    def counted(self: Checkpointer, saved: Saved) -> None:
        saves.append((saved.position, saved.generated))
        real(self, saved)

    monkeypatch.setattr(Checkpointer, "save", counted)
    folder = tmp_path / "ck"
    result = check(
        _StepBreaksThenCtrlC(), store="fingerprint", checkpoint=folder, checkpoint_every=3600
    )
    assert (result.stopped, result.distinct, result.generated) == ("violation", 3, 4)
    assert [(p.name, p.status) for p in result.properties] == [
        ("no_d", "violated"),
        ("calm", "unknown"),
    ]
    # Saved once, from the chunk's start: level 2 from its first state, 3 generated then.
    assert saves == [((1, 2, 0), 3)]
    resumed = check(_StepBreaksThenCtrlC(), store="fingerprint", checkpoint=folder, resume=True)
    assert _summary(resumed) == _summary(result)
