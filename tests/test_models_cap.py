"""CAP in two models: the available register loses linearizability in a partition, the
consistent one stops answering the side without a majority."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck import CheckResult, check, follow
from modelcheck.consistency import check_linearizable, check_sequential
from models.cap.ap_register import APRegister
from models.cap.cp_register import CPRegister

ROOT = Path(__file__).parent.parent
STALE_READ = [
    "timeout(c1, go)",
    "deliver(c1, r1, [request, 0, write, 1])",
    "partition([c1, r1], [c2, r2])",
    "signal(r1, nodedown(r2))",
    "deliver(r1, c1, [reply, 0, none])",
    "timeout(c2, go)",
    "deliver(c2, r2, [request, 0, read, none])",
    "deliver(r2, c2, [reply, 0, 0])",
]


def _verdicts(result: CheckResult) -> dict[str, str]:
    return {p.name: p.status for p in result.properties}


@pytest.fixture(scope="module")
def ap_partitioned() -> CheckResult:
    return check(APRegister(partitions=1), keep_going=True)


def test_without_faults_both_registers_are_linearizable() -> None:
    for model, counts in ((APRegister(), (63, 81, 9)), (CPRegister(), (163, 229, 15))):
        result = check(model, keep_going=True)
        assert (result.distinct, result.generated, result.depth) == counts
        assert _verdicts(result) == {
            "linearizable": "holds",
            "sequentially_consistent": "holds",
            "answered_when_reachable": "holds",
            "answered_while_cut_off": "unreached",  # no partition, nobody is cut off
            "all_done": "reached",
        }


def test_the_ap_register_answers_during_a_partition_and_reads_stale(
    ap_partitioned: CheckResult,
) -> None:
    result = ap_partitioned
    # 24,111 worlds as before; 91,887 generated: r1 and r2 poll connect_node across the cut.
    assert (result.distinct, result.generated, result.depth) == (24111, 91887, 16)
    assert _verdicts(result) == {
        "linearizable": "violated",
        "sequentially_consistent": "holds",
        "answered_when_reachable": "holds",
        "answered_while_cut_off": "reached",
        "all_done": "reached",
    }
    trace = result.verdict("linearizable").trace
    assert trace is not None and [s.action for s in trace.steps[1:]] == STALE_READ
    model = APRegister(partitions=1)
    history = model.history(trace.final)
    assert [str(e) for e in history] == [
        "c1 invoke write 1",
        "c1 ok write",
        "c2 invoke read",
        "c2 ok read 0",
    ]
    assert str(check_linearizable(history)) == (
        "not linearizable: the first 4 events cannot be linearized; event 3 completes "
        "c2 read() -> 0, which has no legal place: wherever it can take effect it would return 1"
    )
    assert check_sequential(history).ok
    # The availability example: c2, cut off with r2 alone, reads and is answered.
    example = result.verdict("answered_while_cut_off").trace
    assert example is not None and [s.action for s in example.steps[1:]] == [
        "partition([c1, c2, r2], [r1])",
        "timeout(c2, go)",
        "deliver(c2, r2, [request, 0, read, none])",
        "deliver(r2, c2, [reply, 0, 0])",
    ]


def test_the_harness_stamps_each_event_with_its_place_and_whether_it_was_cut_off() -> None:
    model = APRegister(partitions=1)
    final = follow(model, STALE_READ).final
    logs = model.logs(final)
    assert [(e.at, e.cut_off, str(e.event)) for log in logs for e in log] == [
        (0, False, "c1 invoke write 1"),
        (1, True, "c1 ok write"),
        (2, True, "c2 invoke read"),
        (3, True, "c2 ok read 0"),
    ]
    assert model.show(final)["c2"].log[-1].__modelcheck_plain__() == "3: c2 ok read 0 (cut off)"


def test_a_crashed_clients_history_survives_it() -> None:
    model = APRegister(crashes=1)
    final = follow(model, ["timeout(c1, go)", "crash(c1)"]).final
    assert model.state_of(final, "c1") is None
    assert [str(e) for e in model.history(final)] == ["c1 invoke write 1"]  # pending forever


def test_after_a_heal_the_ap_replicas_agree_on_the_last_writer() -> None:
    model = APRegister(ops=2, partitions=1, heals=1)
    steps = [
        "partition([c1, r1], [c2, r2])",
        "signal(r1, nodedown(r2))",
        "signal(r2, nodedown(r1))",
        "timeout(c1, go)",
        "deliver(c1, r1, [request, 0, write, 1])",  # r1 alone: stamp 1, writer 0
        "deliver(r1, c1, [reply, 0, none])",
        "timeout(c2, go)",
        "deliver(c2, r2, [request, 0, read, none])",
        "deliver(r2, c2, [reply, 0, 0])",
        "timeout(c2, go)",
        "deliver(c2, r2, [request, 1, write, 2])",  # r2 alone: stamp 1, writer 1
        "deliver(r2, c2, [reply, 1, none])",
        "heal()",
        "timeout(r1, reconnect)",  # r1 polls connect_node: the pair reconnects
        "signal(r1, nodeup(r2))",
        "signal(r2, nodeup(r1))",
    ]
    # Before the heal a poll changes nothing; after it, nothing reconnects until one polls.
    cut = follow(model, steps[:12]).final
    assert ("timeout", "r1", "reconnect") in [label for label, _ in model.actions(cut)]
    assert dict(model.actions(cut))["timeout", "r1", "reconnect"] == cut
    healed = follow(model, steps[:13]).final
    assert not model.connections(healed).has_edge("r1", "r2")
    assert not any("nodeup" in str(label) for label, _ in model.actions(healed))
    final = follow(model, steps).final
    copies = {r: model.state_of(final, r).copy for r in ("r1", "r2")}
    assert [(c.stamp, c.writer, c.value) for c in copies.values()] == [(1, 0, 1), (1, 1, 2)]
    synced = follow(
        model,
        [*steps, "deliver(r1, r2, [sync, {stamp: 1, writer: 0, value: 1}])"]
        + ["deliver(r2, r1, [sync, {stamp: 1, writer: 1, value: 2}])"],
    ).final
    assert {model.state_of(synced, r).copy.value for r in ("r1", "r2")} == {2}  # the tie: r2
    read = follow(
        model,
        [
            *steps,
            "deliver(r1, r2, [sync, {stamp: 1, writer: 0, value: 1}])",
            "deliver(r2, r1, [sync, {stamp: 1, writer: 1, value: 2}])",
            "timeout(c1, go)",
            "deliver(c1, r1, [request, 1, read, none])",
            "deliver(r1, c1, [reply, 1, 2])",
        ],
    ).final
    assert [str(e) for e in model.history(read)][-1] == "c1 ok read 2"


def test_the_cp_register_stays_linearizable_and_the_cut_off_side_never_answers() -> None:
    result = check(CPRegister(partitions=1), keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (2089, 3628, 16)
    assert result.complete
    assert _verdicts(result) == {
        "linearizable": "holds",
        "sequentially_consistent": "holds",
        "answered_when_reachable": "violated",
        "answered_while_cut_off": "unreached",  # over every reachable state: never
        "all_done": "reached",
    }
    lasso = result.verdict("answered_when_reachable").trace
    assert lasso is not None and lasso.loop == len(lasso) == 4  # then it stays forever
    assert [s.action for s in lasso.steps[1:]] == [
        "timeout(c1, go)",
        "deliver(c1, r1, [request, 0, write, 1])",
        "timeout(c2, go)",
        "partition([c1, c2, r1], [r2])",
    ]
    model = CPRegister(partitions=1)
    assert model.state_of(lasso.final, "c1").waiting
    assert model.actions(lasso.final) == []  # r1 waits for r2, c1 for r1: for ever


def test_with_three_replicas_the_majority_side_answers_and_the_minority_waits() -> None:
    model = CPRegister(replicas=3, partitions=1)
    steps = [
        "partition([c1, r1], [c2, r2, r3])",
        "timeout(c1, go)",
        "deliver(c1, r1, [request, 0, write, 1])",  # r1's queries to r2 and r3 are lost
        "timeout(c2, go)",
        "deliver(c2, r2, [request, 0, read, none])",
        "deliver(r2, r3, [query, c2, 0])",
        'deliver(r3, r2, [stamp, c2, 0, [0, ""], 0])',
        'deliver(r2, r3, [store, c2, 0, [0, ""], 0])',
        "deliver(r3, r2, [stored, c2, 0])",
        "deliver(r2, c2, [reply, 0, 0])",
    ]
    final = follow(model, steps).final
    assert [str(e) for e in model.history(final)] == [
        "c1 invoke write 1",
        "c2 invoke read",
        "c2 ok read 0",
    ]
    assert model.answered_while_cut_off(final) is False  # c2 was never cut off
    c1 = model.state_of(final, "c1")
    assert c1.waiting and [a for a, _ in model.actions(final)] == []  # nothing left to do
    assert model.state_of(final, "r1").rounds[0].heard == frozenset({"r1"})


def _readme_section() -> str:
    return (ROOT / "docs/cap.md").read_text()


def test_the_docs_show_the_real_output() -> None:
    section = _readme_section()
    shown = section.split("```\n")[1].splitlines()
    golden = (ROOT / "tests/golden/check_folder_cap.txt").read_text().splitlines()
    assert shown[0] == golden[0]
    kept = [line for line in shown[1:] if line != "..." and not line.endswith(": ...")]
    it = iter(golden)
    assert all(line in it for line in kept), "regenerate the docs block from the golden file"
    assert shown[-3:] == golden[-4:-1]  # the summary table, whole


def test_the_docs_checker_example_runs() -> None:
    block = _readme_section().split("```pycon\n")[1].split("```")[0]
    test = doctest.DocTestParser().get_doctest(block, {}, "docs/cap.md", "docs/cap.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False) == (0, 4)


def test_the_output_does_not_depend_on_the_hash_seed() -> None:
    command = [sys.executable, "-m", "modelcheck", "check", "models/cap/cp_register.py"]
    command += ["--partitions", "1", "--continue", "--no-timing"]
    outputs = {
        subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        ).stdout
        for seed in ("0", "4242")
    }
    assert len(outputs) == 1
    assert "violated   leads_to  answered_when_reachable  (4 steps, then stays forever)" in (
        outputs.pop()
    )
