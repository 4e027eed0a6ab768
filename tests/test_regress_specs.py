"""The project's own regression specs (specs/*.toml): the fast ones pass, and every model in
models/ has one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from modelcheck.loader import find_model_files, load_models, split_target
from modelcheck.specs import find_specs

ROOT = Path(__file__).parent.parent

# Models that have no spec yet, each with the reason. A new model gets a spec in specs/
# (docs/regression.md); add it here only while its author is still writing it.
WITHOUT_SPEC: dict[str, str] = {}


def _regress(seed: str, jobs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelcheck", "regress", "specs/", "--no-timing", "-j", jobs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
        check=False,
    )


def test_the_fast_specs_pass_with_the_same_report_whatever_the_seed_and_jobs() -> None:
    specs = find_specs([str(ROOT / "specs")])
    slow = sorted(s.file.name for s in specs if s.slow)
    assert slow == [
        "cap_cp_register_3_partition.toml",
        "cap_cp_register_ops2_partition.toml",
        "global_registry_3_cut.toml",
        "paxos_commit.toml",
        "two_phase_7.toml",
        "two_phase_8.toml",
    ]
    run = _regress("0", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = run.stdout.splitlines()[1 : len(specs) + 1]
    assert [row.split()[:2] for row in rows] == [
        ["skip" if s.slow else "ok", f"specs/{s.file.name}"] for s in specs
    ]
    n = len(specs)
    assert run.stdout.splitlines()[-1] == (
        f"{n} specs: {n - len(slow)} ok, {len(slow)} skipped (slow; --slow runs them)"
    )
    other = _regress("12345", "1")
    assert (other.returncode, other.stdout) == (0, run.stdout)


def test_every_model_has_a_spec() -> None:
    covered = set()
    for spec in find_specs([str(ROOT / "specs")]):
        name = split_target(spec.model)[1]
        path = spec.model_path.resolve()
        names = [name] if name else [cls.__name__ for cls in load_models(path)]
        covered |= {f"{path.relative_to(ROOT).as_posix()}:{n}" for n in names}
    models = {
        f"{file.relative_to(ROOT).as_posix()}:{cls.__name__}"
        for file in find_model_files(str(ROOT / "models"))
        for cls in load_models(file)
    }
    assert sorted(models - covered - set(WITHOUT_SPEC)) == [], "add a spec in specs/ for these"
    assert sorted(set(WITHOUT_SPEC) & covered) == [], "these have a spec now: drop them here"
    assert sorted(set(WITHOUT_SPEC) - models) == [], "these models are gone: drop them here"
