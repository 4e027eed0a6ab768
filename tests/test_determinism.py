"""Same model, parameters and options give the same bytes whatever PYTHONHASHSEED is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SEEDS = ("0", "1", "2", "12345")

COMMANDS = [
    ["check", "tests/models/gossip.py", "--continue", "--no-timing"],
    ["check", "tests/models/gossip.py", "--continue", "--no-timing", "--format", "json"],
    ["check", "tests/models/gossip.py", "--strategy", "dfs", "--continue", "--no-timing"],
    ["check", "models/classic/two_phase_hasty.py", "--no-timing", "--format", "json"],
    ["replay", "tests/models/gossip.py", "--path", "0.0.1.2"],
    [
        "check",
        "tests/actor_systems.py",
        "--crashes",
        "1",
        "--partitions",
        "1",
        "--heals",
        "1",
        "--continue",
        "--no-timing",
    ],
    [
        "check",
        "models/messaging/late_reply.py:UntaggedReply",
        "--network",
        "unordered",
        "--drops",
        "1",
        "--format",
        "json",
        "--no-timing",
    ],
    ["list", "tests/models"],
    [
        "check",
        "models/intro/lost_update.py",
        "-p",
        "procs=3",
        "--strategy",
        "simulate",
        "--seed",
        "4",
        "--runs",
        "40",
        "--depth",
        "12",
        "--continue",
        "--no-timing",
    ],
    # Simulations whose counterexamples hypothesis shrinks: a 23-step walk to 11 steps, and an
    # actor system's (labels with tuples, states with frozensets).
    [
        "check",
        "models/classic/two_phase_hasty.py",
        "-p",
        "rms=6",
        "--strategy",
        "simulate",
        "--seed",
        "4",
        "--runs",
        "200",
        "--depth",
        "100",
        "--format",
        "json",
        "--no-timing",
    ],
    [
        "check",
        "models/messaging/late_reply.py:UntaggedReply",
        "--strategy",
        "simulate",
        "--seed",
        "3",
        "--runs",
        "300",
        "--depth",
        "60",
        "--no-timing",
        "--continue",
    ],
]


def _run(args: list[str], seed: str, cwd: Path) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "modelcheck", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
    )
    return done.stdout + b"\n--stderr--\n" + done.stderr + f"\nexit {done.returncode}".encode()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2] + a[-1:]))
def test_output_bytes_do_not_depend_on_the_hash_seed(args: list[str]) -> None:
    outputs = {seed: _run(args, seed, ROOT) for seed in SEEDS}
    assert outputs["0"].count(b"exit ") == 1
    assert all(out == outputs["0"] for out in outputs.values()), "output differs by seed"


def test_files_written_with_out_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    written = []
    for seed in SEEDS:
        out = tmp_path / seed
        _run(
            [
                "check",
                str(ROOT / "tests/models/gossip.py"),
                "--continue",
                "--no-timing",
                "--out",
                str(out),
            ],
            seed,
            tmp_path,
        )
        written.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    # For every trace: text, JSON, ITF, Mermaid, the chart (DOT, SVG, PNG), the HTML report.
    kinds = [".dot", ".html", ".itf.json", ".json", ".mmd", ".png", ".svg", ".txt"]
    stems = ["ann_keeps_a_secret", "everyone_knows_everything"]
    assert sorted(written[0]) == [*(s + k for s in stems for k in kinds), "result.json"]
    assert all(files == written[0] for files in written)


def test_charts_of_an_actor_trace_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    from tests.chart_systems import FAULTY_PARAMS, faulty_trace

    params = [w for name, n in FAULTY_PARAMS.items() for w in ("-p", f"{name}={n}")]
    path = faulty_trace()[1].path
    for fmt in ("dot", "itf"):
        args = ["replay", "tests/chart_systems.py:Replicate", *params, "--path", path]
        outputs = {seed: _run([*args, "--format", fmt], seed, ROOT) for seed in SEEDS[:3]}
        assert all(out == outputs["0"] for out in outputs.values()), fmt
