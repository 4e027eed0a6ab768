"""``modelcheck render TRACE.json`` runs the model file a trace names: a trace file from
someone else must not run code from outside the current folder, and a file with any field
of the wrong type is refused before anything is imported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli

MODEL = """from typing import Any
from modelcheck import Model, always

open("ran", "a").write("x")


class Counter(Model[int]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < 3 else []

    @always
    def small(self, n: int) -> bool:
        return n < 2
"""


def _saved(spec: str) -> dict[str, Any]:
    """The trace ``check counter.py --out out`` writes for ``small`` (written here, so that
    the model file is not imported before the test)."""
    steps = [
        {"step": n, "action": "inc" if n else None, "choice": 0, "state": {"state": n}}
        for n in range(3)
    ]
    return {
        "model": "Counter",
        "spec": spec,
        "params": {},
        "property": "small",
        "kind": "always",
        "status": "violated",
        "path": "0.0.0",
        "loop": None,
        "search": {"strategy": "bfs", "distinct": 3, "generated": 3, "depth": 3},
        "trace": steps,
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp/shared/counter.py`` (writes ``ran`` in the current folder when imported) and
    its saved trace ``tmp/shared/out/small.json``; the current folder is ``tmp/project``."""
    shared = tmp_path / "shared"
    (shared / "out").mkdir(parents=True)
    (shared / "counter.py").write_text(MODEL)
    (shared / "out/small.json").write_text(json.dumps(_saved("counter.py:Counter")))
    here = tmp_path / "project"
    here.mkdir()
    monkeypatch.chdir(here)
    return tmp_path


def _trace(project: Path, **changes: Any) -> str:
    doc = json.loads((project / "shared/out/small.json").read_text())
    doc.update(changes)
    (project / "project/t.json").write_text(json.dumps(doc))
    return "t.json"


@pytest.mark.parametrize("spec", ["../shared/counter.py:Counter", "{abs}"])
def test_a_model_outside_the_current_folder_is_not_run(
    project: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    model = project / "shared/counter.py"
    spec = spec.format(abs=model)
    run = run_cli(capsys, "render", _trace(project, spec=spec))
    shown = spec.rpartition(":")[0] if spec.endswith(":Counter") else spec
    assert (run.code, run.out, run.err) == (
        2,
        "",
        f"error: t.json: its model file {shown} is outside the current folder, and rendering "
        f"would import and run {model}: nothing was run; pass --allow-outside if you trust "
        "that file\n",
    )
    assert not (project / "project/ran").exists()


def test_allow_outside_runs_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "render", _trace(project, spec=str(project / "shared/counter.py")))
    assert run.code == 2
    run = run_cli(
        capsys,
        "render",
        _trace(project, spec=str(project / "shared/counter.py")),
        "--allow-outside",
    )
    assert run.code == 0, run
    assert run.out.splitlines()[:2] == ["Counter", "counterexample for always small (violated)"]
    assert (project / "project/ran").read_text() == "x"


def test_a_model_under_the_current_folder_is_run(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "shared")
    run = run_cli(capsys, "render", "out/small.json")
    assert run.code == 0, run
    assert (project / "shared/ran").read_text() == "x"


def test_a_symlink_out_of_the_folder_counts_as_outside(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "project/link.py").symlink_to(project / "shared/counter.py")
    run = run_cli(capsys, "render", _trace(project, spec="link.py:Counter"))
    assert run.code == 2
    assert run.err.startswith("error: t.json: its model file link.py is outside the current")
    assert not (project / "project/ran").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"property": ["small"]}, "'property' must be a string or null, not a list"),
        ({"property": 7}, "'property' must be a string or null, not a number"),
        ({"search": ["bfs"]}, "'search' must be an object"),
        ({"search": {"distinct": "3"}}, "'search.distinct' must be a whole number"),
        ({"kind": "maybe"}, "'kind' must be one of always, deadlock, eventually, "),
        ({"loop": True}, "'loop' must be a step number"),
        ({"path": "0.x"}, "path '0.x' must be dot-separated action numbers, like 0.2.1"),
    ],
)
def test_a_wrong_field_is_refused_before_the_model_is_imported(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Any],
    message: str,
) -> None:
    # The model is inside the current folder here: only the validation stops it.
    monkeypatch.chdir(project / "shared")
    doc = json.loads(Path("out/small.json").read_text())
    doc.update(changes)
    Path("t.json").write_text(json.dumps(doc))
    run = run_cli(capsys, "render", "t.json")
    assert run.code == 2 and run.out == ""
    assert run.err.startswith(f"error: t.json: {message}"), run.err
    assert not Path("ran").exists()


def test_an_import_that_fails_says_the_file_ran(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "shared")
    Path("other.py").write_text("X = 1\n")
    doc = json.loads(Path("out/small.json").read_text())
    doc["spec"] = "other.py:Counter"
    Path("t.json").write_text(json.dumps(doc))
    run = run_cli(capsys, "render", "t.json")
    assert (run.code, run.err) == (
        2,
        "error: t.json: its model other.py:Counter cannot be loaded (other.py defines no model "
        "(a subclass of modelcheck.Model)); other.py was imported, so its code ran\n",
    )
