"""A checkpoint is a file someone may hand over: resuming one never runs code it carries.

Crafted files (a plain pickle, a well-formed header over a pickle that calls ``os.system``,
``builtins.eval`` or ``subprocess.Popen``, a body edited after saving) are refused with one
line and exit 2, and the marker file their payload would write never appears.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
from pathlib import Path
from typing import Any

import pytest

from modelcheck import check
from modelcheck.explore.checkpoint import CHECKPOINT_FILE
from modelcheck.explore.checkpoint_format import MAGIC
from models.classic.two_phase import TwoPhase
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
ARGS = ["check", "models/classic/two_phase.py", "-p", "rms=3", "--resume"]


class _Payload:
    """Pickles as a call of ``fn(*args)``: what a crafted checkpoint would run."""

    def __init__(self, fn: Any, *args: Any) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.fn, self.args


def _saved_checkpoint(folder: Path) -> Path:
    """A real checkpoint of TwoPhase(rms=3), stopped early."""
    check(TwoPhase(rms=3), checkpoint=folder, checkpoint_every=0.0001, time_limit=0.0001)
    return folder / CHECKPOINT_FILE


def _header_of(file: Path) -> bytes:
    return file.read_bytes()[len(MAGIC) :].split(b"\n", 1)[0]


def _with_body(file: Path, body: bytes) -> None:
    """Rewrite ``file`` with its own header over ``body``, the digest made to match."""
    header = _header_of(file)
    key = hashlib.blake2b(header, digest_size=32).digest()
    digest = hashlib.blake2b(body, key=key, digest_size=32).hexdigest()
    file.write_bytes(MAGIC + header + b"\n" + digest.encode() + b"\n" + body)


def _payloads(marker: Path) -> dict[str, _Payload]:
    return {
        "os.system": _Payload(os.system, f"touch {marker}"),
        "builtins.eval": _Payload(eval, f"open({str(marker)!r}, 'w')"),
        "subprocess.Popen": _Payload(subprocess.Popen, ["touch", str(marker)]),
    }


@pytest.mark.parametrize(
    ("call", "named"),
    [("os.system", "posix.system"), ("builtins.eval", "builtins.eval"), ("subprocess.Popen",) * 2],
)
def test_a_crafted_body_under_a_valid_header_is_refused_and_nothing_runs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    call: str,
    named: str,
) -> None:
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "ck"
    file = _saved_checkpoint(folder)
    marker = tmp_path / "ran"
    _with_body(file, pickle.dumps(_payloads(marker)[call], protocol=pickle.HIGHEST_PROTOCOL))
    run = run_cli(capsys, *ARGS, str(folder))
    assert (run.code, run.out, run.err) == (
        2,
        "",
        f"error: {file} asks to build {named}, which a checkpoint never holds (only "
        "the engine's and the model's types, containers and arrays): refused, nothing was "
        "run; remove it to start over\n",
    )
    assert not marker.exists()


def test_a_plain_pickle_is_not_a_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "ck"
    folder.mkdir()
    marker = tmp_path / "ran"
    (folder / CHECKPOINT_FILE).write_bytes(pickle.dumps(_payloads(marker)["os.system"]))
    run = run_cli(capsys, *ARGS, str(folder))
    assert (run.code, run.err) == (
        2,
        f"error: {folder / CHECKPOINT_FILE} is not a checkpoint of this version of "
        "modelcheck: remove it to start over\n",
    )
    assert not marker.exists()


def test_an_edited_body_fails_the_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "ck"
    file = _saved_checkpoint(folder)
    data = bytearray(file.read_bytes())
    data[-10] ^= 1
    file.write_bytes(bytes(data))
    run = run_cli(capsys, *ARGS, str(folder))
    assert (run.code, run.err) == (
        2,
        f"error: {file} is damaged or was altered (its digest does not match): remove it to "
        "start over\n",
    )


def test_a_body_moved_under_another_runs_header_fails_the_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The digest is keyed by the header: the same body under an edited header does not match.
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "ck"
    file = _saved_checkpoint(folder)
    header = _header_of(file)
    run_line = json.loads(header)
    run_line["extra"] = "moved"
    data = file.read_bytes()
    rest = data[len(MAGIC) + len(header) + 1 :]
    file.write_bytes(MAGIC + json.dumps(run_line, sort_keys=True).encode() + b"\n" + rest)
    run = run_cli(capsys, *ARGS, str(folder))
    assert run.code == 2 and "its digest does not match" in run.err, run


def test_a_damaged_header_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "ck"
    folder.mkdir()
    (folder / CHECKPOINT_FILE).write_bytes(MAGIC + b"[1, 2]\n")
    run = run_cli(capsys, *ARGS, str(folder))
    assert (run.code, run.err) == (
        2,
        f"error: {folder / CHECKPOINT_FILE} is damaged (its header is not a run): remove it "
        "to start over\n",
    )


def test_an_actor_systems_checkpoint_resumes_through_the_restricted_unpickler(
    tmp_path: Path,
) -> None:
    # The books hold the engine's types, the model's state types (an actor system's World,
    # the model file's own classes) and arrays: all of them allowed.
    from modelcheck.loader import instantiate, resolve

    model = instantiate(resolve(str(ROOT / "models/election/raft_election.py")), {})
    whole = check(model)
    folder = tmp_path / "ck"
    first = check(model, checkpoint=folder, checkpoint_every=0.000001, time_limit=0.0001)
    assert not first.complete
    resumed = check(model, checkpoint=folder, resume=True)
    assert (resumed.distinct, resumed.generated) == (whole.distinct, whole.generated) == (73, 118)
