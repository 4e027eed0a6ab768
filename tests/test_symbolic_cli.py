"""``modelcheck prove``: exit codes 0/1/2/3, one-line errors, bytes that do not depend on the
hash seed. (The full reports are golden files: tests/golden/prove_*.txt.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import Run, run_cli

ROOT = Path(__file__).parent.parent


def _error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    run = run_cli(capsys, *args)
    assert run.code == 2, run
    assert run.out == "" and "Traceback" not in run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    return lines[0]


def test_a_proved_crdt_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "prove", "crdt", "models/crdt/pn_counter.py", "--replicas", "2")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == (
        "PNCounter: 12 laws for every valid state of 2 replicas (state: PN(tuple of 2 integers, "
        "tuple of 2 integers); integers are unbounded)"
    )
    # merge laws: 1 query each (4); the other 8 laws: one per replica the update runs at
    assert lines[1].startswith(f"  {4 + 8 * 2} z3 queries, ") and lines[1].endswith(" s")
    assert sum(line.startswith("  proved ") for line in lines) == 12


def test_a_refuted_law_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "prove", "crdt", "models/crdt/lww_no_tiebreak.py", "--no-timing")
    assert run.code == 1
    assert "  refuted    merge is commutative    merge(x, y) = merge(y, x)" in run.out
    assert "countermodel for 'merge is commutative', replayed through the concrete code:" in run.out


def test_an_undecided_law_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(
        capsys,
        "prove",
        "crdt",
        "tests/symbolic_models.py:FermatCounter",
        "--timeout",
        "0.2",
        "--no-timing",
    )
    assert run.code == 3
    assert run.out.splitlines()[1:4] == [
        "  unknown    merge is idempotent   merge(x, x) = x  (timeout)",
        "  unknown    merge is commutative  merge(x, y) = merge(y, x)  (timeout)",
        "  unknown    merge is associative  merge(merge(x, y), z) = merge(x, merge(y, z))"
        "  (timeout)",
    ]
    assert "proved" not in run.out


def test_induction_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "prove", "inductive", "models/symbolic/lock_server.py").code == 0
    cti = run_cli(
        capsys, "prove", "inductive", "models/symbolic/ring.py", "--inv", "one_leader,leader_max"
    )
    assert cti.code == 1
    assert cti.out.startswith("RingLeader: is one_leader & leader_max inductive, for any size")
    assert "counterexample to induction for recv (" in cti.out
    cubes = run_cli(
        capsys, "prove", "inductive", "tests/symbolic_models.py:Cubes", "--timeout", "0.2"
    )
    assert cubes.code == 3
    assert "undecided: z3 gave up on an obligation, so nothing is proved" in cubes.out


def test_bmc_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    shallow = run_cli(
        capsys, "prove", "bmc", "models/symbolic/two_phase_hasty.py", "--depth", "6", "--no-timing"
    )
    assert shallow == Run(
        3,
        "HastyTwoPhase (rms=3): bounded model checking, paths of up to 6 steps\n"
        "  unknown    always    TCConsistent  (no violation up to depth 6; a longer loop-free "
        "path exists, so this is no proof)\n",
        "",
    )
    two = run_cli(capsys, "prove", "bmc", "models/symbolic/two_phase_hasty.py", "-p", "rms=2")
    assert two.code == 0 and "  holds      always    TCConsistent  (no violation" in two.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["crdt", "models/classic/two_phase.py"],
            "error: models/classic/two_phase.py defines no CRDT (a subclass of "
            "modelcheck.symbolic.CRDT)",
        ),
        (
            ["crdt", "models/crdt/g_counter.py:GCountr"],
            "error: models/crdt/g_counter.py has no CRDT 'GCountr': did you mean GCounter? it "
            "defines GCounter",
        ),
        (
            ["crdt", "models/crdt/g_counter.py", "--replicas", "0"],
            "error: Invalid value for '--replicas': 0 is not in the range 1<=x<=16. (see "
            "'modelcheck prove crdt --help')",
        ),
        (
            ["inductive", "models/crdt/g_counter.py"],
            "error: models/crdt/g_counter.py defines no symbolic system (a subclass of "
            "modelcheck.symbolic.System)",
        ),
        (
            ["inductive", "models/symbolic/ring.py", "--inv", "leader"],
            "error: RingLeader has no invariant 'leader' (its invariants: one_leader, "
            "leader_max, self_pending_max, pending_passes_max)",
        ),
        (
            ["bmc", "models/symbolic/two_phase.py", "-p", "rms=-1"],
            "error: parameter 'rms' of TwoPhase must be at least 0, not -1",
        ),
        (
            ["bmc", "models/symbolic/two_phase_hasty.py", "-p", "rms=0"],
            "error: HastyTwoPhase counts its resource managers: give rms >= 1",
        ),
        (
            ["bmc", "models/symbolic/two_phase.py", "--timeout", "0"],
            "error: Invalid value for '--timeout': 0.0 is not in the range x>0. (see "
            "'modelcheck prove bmc --help')",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert _error(capsys, "prove", *args) == message


def test_several_crdts_in_a_file_must_be_named(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error(capsys, "prove", "crdt", "tests/symbolic_models.py")
    assert line.startswith("error: tests/symbolic_models.py defines 4 CRDTs (FermatCounter, ")
    assert line.endswith("name one, as in tests/symbolic_models.py:FermatCounter")


def test_a_crdt_whose_two_meanings_disagree_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error(capsys, "prove", "crdt", "tests/symbolic_models.py:TwoFacedCounter")
    assert line.startswith(
        "error: TwoFacedCounter: merge(x, x) = x: the CRDT's concrete and symbolic semantics "
        "disagree on x = ["
    )


COMMANDS = [
    ["prove", "crdt", "models/crdt/or_set.py", "--no-timing"],
    ["prove", "crdt", "models/crdt/sum_counter.py", "--no-timing"],
    ["prove", "inductive", "models/symbolic/ring_missing_conjunct.py", "--no-timing"],
    ["prove", "bmc", "tests/symbolic_models.py:GreedyLockServer", "--depth", "6", "--no-timing"],
]


def _run(args: list[str], seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "modelcheck", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    return done.stdout + b"\n--stderr--\n" + done.stderr + f"\nexit {done.returncode}".encode()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[1:3]))
def test_prove_output_does_not_depend_on_the_hash_seed(args: list[str]) -> None:
    outputs = {seed: _run(args, seed) for seed in ("0", "1", "12345")}
    assert b"Traceback" not in outputs["0"]
    assert all(out == outputs["0"] for out in outputs.values()), "output differs by seed"
