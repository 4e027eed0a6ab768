"""What used to crash, hang or fork without end: a state nested 200,000 deep, model code
that never returns under --time-limit, --workers 100000, integers of 5,000 digits in a
state, and stdout on a full device."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modelcheck import Model, UsageError, check
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
FILES = Path(__file__).parent / "bad_inputs"

HANGS = """import time
from typing import Any
from modelcheck import Model, always


class Hangs(Model[int]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        if n == 3:
            time.sleep(3600)
        return [("inc", n + 1)]

    @always
    def small(self, n: int) -> bool:
        return n < 100
"""

#: The same, hanging in a property: judged where each store judges a new state.
_HANG = "        if n == 3:\n            time.sleep(3600)\n"
HANGS_IN_PROPERTY = HANGS.replace(_HANG, "").replace(
    "        return n < 100", _HANG + "        return n < 100"
)

BIG = """from typing import Any
from modelcheck import Model, always


class Big(Model[int]):
    def init_states(self) -> Any:
        return [10**5000]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < 10**5000 + 2 else []

    @always
    def small(self, n: int) -> bool:
        return n < 10**5000 + 2
"""

DEEP = """from typing import Any
from modelcheck import Model


class Deep(Model[Any]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, s: Any) -> Any:
        if s != 0:
            return []
        deep: Any = ()
        for _ in range(200_000):
            deep = (deep,)
        return [("deep", deep)]
"""


def _cli(*args: str, cwd: Path, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process: what crashed used to take the interpreter with it."""
    return subprocess.run(
        [sys.executable, "-m", "modelcheck", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("strategy", ["bfs", "dfs", "simulate"])
def test_a_state_nested_200000_deep_is_refused_not_a_segfault(
    tmp_path: Path, strategy: str
) -> None:
    (tmp_path / "deep.py").write_text(DEEP)
    done = _cli("check", "deep.py", "--strategy", strategy, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "error: state nests containers more than 100 levels deep: modelcheck refuses deeper "
        "values (hashing and comparing them recurses); use a flat tuple, not nested pairs",
        "the trace that reached it (path 0.0):",
        "  0  initial state",
        "  1  deep",
    ]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs the /dev/full device")
def test_stdout_on_a_full_device_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = _cli("check", str(FILES / "good.py"), cwd=tmp_path, stdout=full)
    assert (done.returncode, done.stderr) == (
        2,
        "error: cannot write the output: No space left on device\n",
    )


@pytest.mark.parametrize(
    "options",
    [{}, {"strategy": "dfs"}, {"store": "fingerprint"}, {"workers": 2}],
    ids=["bfs", "dfs", "fingerprint", "workers"],
)
def test_the_time_limit_stops_model_code_that_never_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    monkeypatch.chdir(tmp_path)
    model = _load(tmp_path, "hangs.py", HANGS)
    start = time.monotonic()
    result = check(model, time_limit=0.2, **options)
    assert time.monotonic() - start < 10
    assert (result.stopped, result.complete, result.exit_code) == ("time-limit", False, 3)
    assert result.status("small") == "unknown"
    assert (
        result.stop_note
        == "the time limit was reached inside model code, at hangs.py:12 in actions"
    )


@pytest.mark.parametrize(
    "options",
    [{}, {"strategy": "dfs"}, {"store": "fingerprint"}],
    ids=["bfs", "dfs", "fingerprint"],
)
def test_the_time_limit_stops_a_property_that_never_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    # The fingerprint store judges a chunk's new states after expanding it: a TimeUp there
    # once escaped check() as a traceback.
    monkeypatch.chdir(tmp_path)
    model = _load(tmp_path, "hangs.py", HANGS_IN_PROPERTY)
    result = check(model, time_limit=0.2, **options)
    assert (result.stopped, result.complete, result.exit_code) == ("time-limit", False, 3)
    assert result.status("small") == "unknown"
    assert (
        result.stop_note == "the time limit was reached inside model code, at hangs.py:16 in small"
    )


def test_the_time_limit_in_model_code_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hangs.py").write_text(HANGS)
    run = run_cli(capsys, "check", "hangs.py", "--time-limit", "0.2", "--no-timing")
    assert (run.code, run.err) == (3, "")
    assert run.out == (
        "Hangs: 4 distinct states, 4 generated, depth 4, bfs, stopped at the time limit\n"
        "  the time limit was reached inside model code, at hangs.py:12 in actions\n"
        "  unknown    always    small\n"
    )
    simulated = run_cli(
        capsys, "check", "hangs.py", "--time-limit", "0.2", "--strategy", "simulate", "--no-timing"
    )
    # The walks so far stand, as on a Ctrl-C: the walk reached 3 before it hung there.
    assert (simulated.code, simulated.err) == (3, "")
    assert simulated.out == (
        "Hangs: 4 distinct states, 4 generated, depth 4, simulate, stopped at the time limit\n"
        "  the time limit was reached inside model code, at hangs.py:12 in actions\n"
        "  unknown    always    small\n"
    )


def _load(folder: Path, name: str, source: str) -> Model[Any]:
    from modelcheck.loader import instantiate, resolve

    (folder / name).write_text(source)
    return instantiate(resolve(str(folder / name)), {})


def test_workers_are_capped_and_the_cap_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FILES)
    run = run_cli(capsys, "check", "good.py", "--workers", "100000", "--no-timing")
    assert run.code == 1
    assert run.err == "--workers 100000: using 64, the most modelcheck starts\n"
    assert run.out.startswith("Good (size=3, rate=0.5, fast=false, mode=up): 3 distinct states")
    with pytest.raises(UsageError, match=r"^workers must be at most 64, not 65$"):
        check(_load(tmp_path, "hangs.py", HANGS), workers=65)


def test_integers_of_5000_digits_in_states_are_shown_and_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.py").write_text(BIG)
    run = run_cli(capsys, "check", "big.py", "--out", "out", "--no-timing")
    assert run.code == 1, run.err
    digits = "1" + "0" * 4999
    assert f"     state = {digits}0\n" in run.out
    saved = json.loads((tmp_path / "out/small.json").read_text())
    assert saved["trace"][2]["state"] == {"state": digits + "2"}
    itf = json.loads((tmp_path / "out/small.itf.json").read_text())
    assert itf["states"][1]["state"] == {"#bigint": digits + "1"}
    for name in ("small.json", "small.itf.json"):
        again = run_cli(capsys, "render", f"out/{name}")
        assert again.code == 0, again.err
    replayed = run_cli(capsys, "replay", "big.py", "--path", "0.0", "--format", "json")
    assert json.loads(replayed.out)["trace"][1]["state"] == {"state": digits + "1"}
