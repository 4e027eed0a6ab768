"""No silent no-ops: a fault budget above 0 that no state offered a step for, a
``kill_processes`` name that no running process had, and a scope given with its budget at
0 are each said in one line at the end of the search (the result's ``warnings``; the CLI
prints them on stderr)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from modelcheck import check
from modelcheck.actors import Actor, ActorSystem, Boot, Out
from models.messaging.kv_call import KvCall
from tests.cli_helpers import run_cli

KV = "models/messaging/kv_call.py"


def test_a_kill_scoped_to_a_name_no_process_has_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_cli(capsys, "check", KV, "--kills", "1", "-p", "kill_processes=zz", "--continue")
    assert run.code == 1  # the verdicts stand: the put that timed out was written
    assert run.err == (
        "warning: kills=1 was never used: kill_processes=zz names no running process in any "
        "reachable state (nodes and booted names: client, server, store)\n"
    )
    run = run_cli(capsys, "check", KV, "--kills", "1", "-p", "kill_processes=stor")
    assert run.err == (
        "warning: kills=1 was never used: kill_processes=stor names no running process in "
        "any state explored: did you mean store?\n"
    )


def test_a_name_that_matched_nothing_beside_one_that_did() -> None:
    result = check(KvCall(kills=1, kill_processes="store,zz"), keep_going=True)
    assert (result.distinct, result.generated) == (37, 61)
    assert result.warnings == (
        "kill_processes=store,zz: zz named no running process in any reachable state "
        "(nodes and booted names: client, server, store)",
    )


def test_budgets_never_spent_are_named_each_on_a_line() -> None:
    result = check(KvCall(restarts=1, heals=1, mends=2, drops=1), keep_going=True)
    assert result.complete
    assert result.warnings == (
        "restarts=1 was never used: no reachable state has a node down, or running no "
        "process, to restart",
        "heals=1 was never used: no reachable state has a cut link to heal",
        "mends=2 was never used: no reachable state has a cut link to heal",
    )
    # Each spent once somewhere: nothing to say.
    spent = check(KvCall(crashes=1, restarts=1, cuts=1, heals=1, mends=1), keep_going=True)
    assert spent.complete and spent.warnings == ()
    assert check(KvCall(kills=1, kill_processes="store"), keep_going=True).warnings == ()


def test_a_scope_with_no_budget_scopes_nothing() -> None:
    result = check(KvCall(kill_processes="store", crash_nodes="server"))
    assert result.warnings == (
        "crash_nodes=server scopes nothing: crashes is 0",
        "kill_processes=store scopes nothing: kills is 0",
    )


def test_a_model_checked_again_is_watched_afresh() -> None:
    model = KvCall(crashes=1, restarts=1)
    assert check(model, keep_going=True).warnings == ()
    # Bounded to the initial state: a crash was offered there, a restart nowhere.
    bounded = check(model, max_depth=1)
    assert bounded.warnings == (
        "restarts=1 was never used: no state explored has a node down, or running no "
        "process, to restart",
    )


class Idle(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        if me.node == "a":
            out.spawn(Idle(), "b")
        return 0


class Spawns(ActorSystem):
    def cluster(self) -> dict[str, Any]:
        return {"a": [Boot(Idle(), name="boss")], "b": []}  # b boots nothing


def test_a_node_that_boots_nothing_is_named_so() -> None:
    # <b.0> runs on b, spawned; "b" names b's first boot process, and b boots none.
    result = check(Spawns(kills=1, kill_processes="boss,b"))
    assert (result.distinct, result.warnings) == (
        2,
        (
            "kill_processes=boss,b: b named no running process in any reachable state "
            "(b boots no process)",
        ),
    )


def test_a_folder_check_names_the_model_a_note_is_about(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shutil.copy(KV, tmp_path / "kv_call.py")
    run = run_cli(capsys, "check", str(tmp_path), "--restarts", "1", "--continue", "--no-timing")
    assert run.code == 1
    assert run.err == (
        "warning: KvCall: restarts=1 was never used: no reachable state has a node down, or "
        "running no process, to restart\n"
    )
