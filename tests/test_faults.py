"""Faults that are not the model's: bad durations, a full disk while checkpointing, running
out of memory, a memory bound, and --out files written whole or not at all."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from modelcheck import Model, Property, check
from modelcheck.errors import OutOfMemory
from modelcheck.explore.memory import parse_size
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


class Greedy(Model[int]):
    """A chain 0 -> 1 -> ...; expanding state ``at`` runs out of memory."""

    def __init__(self, at: int = 50) -> None:
        super().__init__()
        self.at = at

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        if n == self.at:
            raise MemoryError
        return [("inc", n + 1)]

    def properties(self) -> list[Property]:
        return [Property("small", "always", lambda n: n < 1000)]


@pytest.mark.parametrize(
    "options", [{}, {"strategy": "dfs"}, {"store": "fingerprint"}], ids=["bfs", "dfs", "fp"]
)
def test_running_out_of_memory_stops_with_partial_statistics(options: dict[str, Any]) -> None:
    result = check(Greedy(), **options)
    assert (result.distinct, result.stopped, result.exit_code) == (51, "out-of-memory", 3)
    assert result.status("small") == "unknown"
    assert result.warnings == (
        "out of memory after 51 states: the statistics are partial "
        "(--max-memory stops a search before that)",
    )


def test_a_worker_out_of_memory_is_not_blamed_on_the_model() -> None:
    with pytest.raises(OutOfMemory) as info:
        check(Greedy(), workers=2)
    assert info.value.message == "out of memory after 51 states"
    assert info.value.exit_code == 3


GREEDY_FILE = """
from modelcheck import Model, always

class Greedy(Model):
    def init_states(self):
        return [0]

    def actions(self, n):
        if n == 20:
            raise MemoryError
        return [("inc", n + 1)]

    @always
    def small(self, n):
        return n < 1000
"""


def test_the_cli_says_out_of_memory_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "greedy.py").write_text(GREEDY_FILE)
    run = run_cli(capsys, "check", str(tmp_path / "greedy.py"), "--no-timing")
    assert run.code == 3, run
    assert run.out.splitlines() == [
        "Greedy: 21 distinct states, 21 generated, depth 21, bfs, out of memory",
        "  unknown    always    small",
    ]
    assert run.err == (
        "warning: out of memory after 21 states: the statistics are partial "
        "(--max-memory stops a search before that)\n"
    )


@pytest.mark.parametrize("extra", [[], ["--workers", "2"], ["--store", "fingerprint"]])
def test_max_memory_stops_with_a_partial_result(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # One byte: over the bound at the first look, after the initial states.
    run = run_cli(capsys, "check", TWO_PHASE, "--max-memory", "1", "--no-timing", *extra)
    assert run.code == 3, run
    lines = run.out.splitlines()  # the fingerprint store adds a line after the first
    assert [lines[0], *lines[-2:]] == [
        "TwoPhase (rms=3): 1 distinct state, 1 generated, depth 1, bfs, stopped at the memory "
        "bound",
        "  unknown    always    TPTypeOK",
        "  unknown    always    TCConsistent",
    ]
    assert run.err == ""
    full = run_cli(capsys, "check", TWO_PHASE, "--max-memory", "1T", "--no-timing", *extra)
    assert full.code == 0 and full.out.startswith("TwoPhase (rms=3): 288 distinct states")


def test_max_memory_bounds_a_simulation_too() -> None:
    result = check(TwoPhase(rms=3), strategy="simulate", max_memory=1)
    assert (result.distinct, result.stopped, result.exit_code) == (0, "max-memory", 3)


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("2X", "'2X' is not a size: write it like 2G, 500M or 64K"),
        ("", "'' is not a size: write it like 2G, 500M or 64K"),
        ("0", "a memory bound must be at least one byte, not '0'"),
        ("-1G", "'-1G' is not a size: write it like 2G, 500M or 64K"),
        ("9" * 400 + "T", f"'{'9' * 400}T' is too large a size"),
    ],
)
def test_a_size_that_is_not_one_is_refused(
    size: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "check", TWO_PHASE, "--max-memory", size)
    assert run.code == 2, run
    assert run.err == (
        f"error: Invalid value for '--max-memory': {message} (see 'modelcheck check --help')\n"
    )


@pytest.mark.parametrize(
    ("text", "size"), [("2G", 2 * 2**30), ("500m", 500 * 2**20), ("64KiB", 65536), ("7", 7)]
)
def test_sizes_are_read_as_people_write_them(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_out_files_are_written_whole_or_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    hasty = ("check", "models/classic/two_phase_hasty.py", "--no-timing", "--out", str(out))
    first = run_cli(capsys, *hasty)
    assert first.code == 1, first
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "result.json" in before and "TCConsistent.txt" in before
    # The second file's temporary file is /dev/full: writing it fails with ENOSPC.
    (out / "result.json").write_text("old\n")
    (out / f".TCConsistent.txt.{os.getpid()}.tmp").symlink_to("/dev/full")
    again = run_cli(capsys, *hasty, "--force")
    assert again.code == 2, again
    assert again.err == f"error: --out {out}: No space left on device\n"
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == {**before, "result.json": b"old\n"}  # nothing renamed, nothing left over
