"""Traces carry each step's structure (``what``: kind, node, message or signal, fault) beside
its display text, in JSON and in ITF; files written before that still load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.actors import Signal
from modelcheck.actors.steps import KINDS, describe
from modelcheck.render.json import step_fields
from models.classic.two_phase_hasty import HastyTwoPhase
from tests.chart_systems import faulty_trace
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent


def test_every_kind_of_actor_step_has_its_fields() -> None:
    down = Signal("DOWN", "b", "noconnection")
    assert describe(("signal", "a", down)) == {
        "kind": "signal",
        "node": "a",
        "signal": {"kind": "DOWN", "about": "b", "reason": "noconnection"},
    }
    assert describe(("deliver", "b", "a", Signal("EXIT", "b", "killed"))) == {
        "kind": "deliver",
        "node": "a",
        "from": "b",
        "signal": {"kind": "EXIT", "about": "b", "reason": "killed"},
    }
    assert describe(("cut", "a", "c")) == {"kind": "cut", "fault": "cut", "nodes": ["a", "c"]}
    assert describe(("timeout", "a", ("retry", 2))) == {
        "kind": "timeout",
        "node": "a",
        "timer": ["retry", 2],
    }
    system, trace = faulty_trace()
    whats = [step_fields(system, step.label) for step in trace.steps]
    kinds = {w["kind"] for w in whats}
    assert kinds == set(KINDS) - {"signal", "cut"}
    assert [w for w in whats if "fault" in w] == [
        {
            "kind": "duplicate",
            "node": "b3",
            "from": "primary",
            "message": ["put", 1],
            "fault": "duplicate",
        },
        {"kind": "drop", "node": "b4", "from": "primary", "message": ["put", 1], "fault": "drop"},
        {"kind": "crash", "fault": "crash", "node": "b2"},
        {
            "kind": "partition",
            "fault": "partition",
            "groups": [["primary", "b1", "b3"], ["b2", "b4"]],
        },
        {"kind": "restart", "fault": "restart", "node": "b2"},
        {"kind": "heal", "fault": "heal"},
    ]


def test_other_models_steps_are_named_actions() -> None:
    model = HastyTwoPhase()
    assert step_fields(model, ("RMPrepare", "r1")) == {
        "kind": "action",
        "name": "RMPrepare",
        "args": ["r1"],
    }
    assert step_fields(model, "TMCommit") == {"kind": "action", "name": "TMCommit", "args": []}
    # A label that looks like an actor fault is not one outside an actor system.
    assert step_fields(model, ("crash", "r1")) == {
        "kind": "action",
        "name": "crash",
        "args": ["r1"],
    }


LATE_REPLY_WHATS = [
    {"kind": "init"},
    {"kind": "deliver", "node": "server", "from": "client", "message": ["call", 1]},
    {"kind": "timeout", "node": "client", "timer": "timeout"},
    {"kind": "deliver", "node": "client", "from": "server", "message": ["reply", None, 10]},
]


@pytest.fixture
def saved(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    run = run_cli(
        capsys,
        "check",
        "models/messaging/late_reply.py:UntaggedReply",
        "--no-timing",
        "--out",
        str(out),
    )
    assert run.code == 1
    return out


def test_json_and_itf_traces_carry_what_each_step_was(saved: Path) -> None:
    doc = json.loads((saved / "answers_are_right.json").read_text())
    assert [s["what"] for s in doc["trace"]] == LATE_REPLY_WHATS
    assert [s["action"] for s in doc["trace"]] == [
        None,
        "deliver(client, server, [call, 1])",
        "timeout(client, timeout)",
        "deliver(server, client, [reply, none, 10])",
    ]
    itf = json.loads((saved / "answers_are_right.itf.json").read_text())
    assert [s["#meta"]["what"] for s in itf["states"]] == LATE_REPLY_WHATS


@pytest.mark.parametrize("name", ["answers_are_right.json", "answers_are_right.itf.json"])
def test_traces_written_before_steps_had_what_still_load(
    capsys: pytest.CaptureFixture[str], saved: Path, tmp_path: Path, name: str
) -> None:
    doc = json.loads((saved / name).read_text())
    for step in doc.get("trace") or doc["states"]:
        (step.get("#meta") or step).pop("what")
    old = tmp_path / f"old-{name}"
    old.write_text(json.dumps(doc))
    new_run = run_cli(capsys, "render", str(saved / name))
    old_run = run_cli(capsys, "render", str(old))
    assert (old_run.code, new_run.code) == (0, 0)
    assert old_run.out == new_run.out.replace(str(saved / name), str(old))


@pytest.mark.parametrize("name", ["answers_are_right.json", "answers_are_right.itf.json"])
def test_a_step_that_is_not_the_replayed_one_is_caught(
    capsys: pytest.CaptureFixture[str], saved: Path, tmp_path: Path, name: str
) -> None:
    doc = json.loads((saved / name).read_text())
    steps = doc.get("trace") or doc["states"]
    (steps[2].get("#meta") or steps[2])["what"]["timer"] = "other"
    bad = tmp_path / f"bad-{name}"
    bad.write_text(json.dumps(doc))
    run = run_cli(capsys, "render", str(bad))
    assert run.code == 2
    assert run.err == (
        f"error: {bad}: step 2 of the replayed path is not the saved step "
        "(timeout(client, timeout); the model changed since the trace was saved?)\n"
    )
