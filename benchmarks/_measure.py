"""Run one measurement in a fresh Python process and report its time and peak memory.

Each run gets its own process so that peak memory (the process's maximum resident set
size) belongs to that run alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT.parent / "shared" / "bench" / "twophase_floor.py"

_FLOOR_WRAPPER = """
import contextlib, io, json, resource, runpy, sys
sys.argv = [sys.argv[1], sys.argv[2]]
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    runpy.run_path(sys.argv[0], run_name="__main__")
n, distinct, generated, depth, seconds = buffer.getvalue().split()
print(json.dumps({"distinct": int(distinct), "generated": int(generated), "depth": int(depth),
                  "seconds": float(seconds),
                  "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

_CHECK_WRAPPER = """
import importlib, json, resource, sys
from modelcheck import check
module, name = sys.argv[1], sys.argv[2]
params, options = json.loads(sys.argv[3]), json.loads(sys.argv[4])
model = getattr(importlib.import_module(module), name)(**params)
result = check(model, **options)
print(json.dumps({"distinct": result.distinct, "generated": result.generated,
                  "depth": result.depth, "seconds": result.seconds,
                  "statuses": [p.status for p in result.properties],
                  "store_bytes": result.store_bytes,
                  "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


@dataclass(frozen=True)
class Run:
    """What one measured run reported."""

    distinct: int
    generated: int
    depth: int
    seconds: float
    peak_bytes: int
    statuses: tuple[str, ...] = ()
    store_bytes: int | None = None


def _run(args: list[str]) -> Run:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["statuses"] = tuple(data.get("statuses", ()))
    return Run(**data)


def floor(n: int) -> Run | None:
    """The hand-written TwoPhase loop of ../shared/bench, or None where it is not there."""
    if not FLOOR.exists():
        return None
    return _run(["-c", _FLOOR_WRAPPER, str(FLOOR), str(n)])


def modelcheck(module: str, name: str, params: dict[str, object], **options: object) -> Run:
    """``modelcheck.check`` on a model class, through the public API."""
    return _run(["-c", _CHECK_WRAPPER, module, name, json.dumps(params), json.dumps(options)])


def mb(n_bytes: int) -> str:
    """Bytes as whole megabytes."""
    return f"{n_bytes / 2**20:,.0f} MB"
