"""Faults that are not the model's: bad durations, a full disk while checkpointing, running
out of memory, a memory bound, and --out files written whole or not at all."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from modelcheck import check
from models.classic.two_phase import TwoPhase
from tests.cli_helpers import run_cli

TWO_PHASE = "models/classic/two_phase.py"


@pytest.mark.parametrize(("value", "shown"), [("nan", "nan"), ("NaN", "nan"), ("inf", "inf")])
@pytest.mark.parametrize("option", ["--time-limit", "--checkpoint-every"])
def test_durations_must_be_finite_numbers(
    option: str, value: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "check", TWO_PHASE, option, value)
    assert run.code == 2, run
    assert run.err == (
        f"error: {option[2:]} must be a positive, finite number of seconds, not {shown}\n"
    )
    assert run.out == ""


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_a_full_disk_while_checkpointing_is_not_the_models_fault(
    tmp_path: Path, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The temporary checkpoint file is /dev/full: every write to it fails with ENOSPC.
    folder = tmp_path / "ck"
    folder.mkdir()
    temporary = folder / "checkpoint.pickle.tmp"
    temporary.symlink_to("/dev/full")
    run = run_cli(
        capsys,
        *("check", TWO_PHASE, "-p", "rms=3", "--no-timing", "--store", store),
        *("--checkpoint", str(folder), "--checkpoint-every", "0.000001"),
    )
    assert run.code == 0, run
    assert run.out.splitlines()[0] == (
        "TwoPhase (rms=3): 288 distinct states, 1,146 generated, depth 11, bfs, complete"
    )
    assert run.err == (
        "warning: could not write checkpoint: No space left on device; "
        "the search went on without checkpoints\n"
    )
    assert not os.path.lexists(temporary)
    assert list(folder.iterdir()) == []


def test_a_checkpoint_that_cannot_be_written_is_a_warning_of_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A disk that fills up after the first checkpoint: the first one is kept.
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    folder = tmp_path / "ck"
    result = check(TwoPhase(rms=5), checkpoint=folder, checkpoint_every=0.000001)
    assert result.complete and result.distinct == 8_832
    assert result.warnings == (
        "could not write checkpoint: No space left on device; the search went on without "
        "checkpoints, the last one kept",
    )
    assert len(calls) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint.pickle"]
    again = check(TwoPhase(rms=5), checkpoint=folder, resume=True)
    assert again.complete and again.distinct == 8_832 and again.warnings == ()
