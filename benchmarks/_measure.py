"""Run one measurement in a fresh Python process and report its time and peak memory.

Each run gets its own process so that peak memory (the process's maximum resident set
size) belongs to that run alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The environment variable that names the floor's file, wherever the checkout is.
FLOOR_VARIABLE = "MODELCHECK_FLOOR"
#: Where the floor is looked for, in the folders above the checkout (the nearest first): a
#: checkout sits beside ``shared/``, a worktree deeper down.
FLOOR_PLACE = Path("shared", "bench", "twophase_floor.py")

#: CPU seconds of the process and its children (those it waited for) so far: what a run
#: costs whatever else the machine is doing, where wall-clock time grows with the load.
_CPU = """
import resource
def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
"""

_FLOOR_WRAPPER = (
    _CPU
    + """
import contextlib, io, json, resource, runpy, sys
sys.argv = [sys.argv[1], sys.argv[2]]
buffer = io.StringIO()
start = cpu()
with contextlib.redirect_stdout(buffer):
    runpy.run_path(sys.argv[0], run_name="__main__")
cpu_seconds = cpu() - start
n, distinct, generated, depth, seconds = buffer.getvalue().split()
print(json.dumps({"distinct": int(distinct), "generated": int(generated), "depth": int(depth),
                  "seconds": float(seconds), "cpu_seconds": cpu_seconds,
                  "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""
)

_CHECK_WRAPPER = (
    _CPU
    + """
import importlib, json, resource, sys
from modelcheck import check
module, name = sys.argv[1], sys.argv[2]
params, options = json.loads(sys.argv[3]), json.loads(sys.argv[4])
model = getattr(importlib.import_module(module), name)(**params)
start = cpu()
result = check(model, **options)
cpu_seconds = cpu() - start
print(json.dumps({"distinct": result.distinct, "generated": result.generated,
                  "depth": result.depth, "seconds": result.seconds,
                  "cpu_seconds": cpu_seconds,
                  "statuses": [p.status for p in result.properties],
                  "store_bytes": result.store_bytes,
                  "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""
)


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
    #: CPU seconds of the run (process and children), beside ``seconds`` of the clock.
    cpu_seconds: float | None = None


def _run(args: list[str]) -> Run:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["statuses"] = tuple(data.get("statuses", ()))
    return Run(**data)


def find_floor(start: Path = ROOT, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The floor's file: the one ``$MODELCHECK_FLOOR`` names if set, else
    :data:`FLOOR_PLACE` in the nearest folder above ``start`` that has it; None if neither
    is a file (:func:`no_floor` says why)."""
    named = environ.get(FLOOR_VARIABLE)
    if named:
        return Path(named) if Path(named).is_file() else None
    for folder in start.resolve().parents:
        if (folder / FLOOR_PLACE).is_file():
            return folder / FLOOR_PLACE
    return None


def no_floor(environ: Mapping[str, str] = os.environ) -> str:
    """The one line a benchmark prints when :func:`find_floor` found nothing."""
    named = environ.get(FLOOR_VARIABLE)
    if named:
        return f"no floor: {FLOOR_VARIABLE}={named} is not a file"
    return (
        f"no floor: no {FLOOR_PLACE.as_posix()} in a folder above the checkout; "
        f"set {FLOOR_VARIABLE} to the floor's file"
    )


def floor(n: int) -> Run | None:
    """The hand-written TwoPhase loop (:func:`find_floor`), or None where it is not found."""
    found = find_floor()
    if found is None:
        return None
    return _run(["-c", _FLOOR_WRAPPER, str(found), str(n)])


def modelcheck(module: str, name: str, params: dict[str, object], **options: object) -> Run:
    """``modelcheck.check`` on a model class, through the public API."""
    return _run(["-c", _CHECK_WRAPPER, module, name, json.dumps(params), json.dumps(options)])


def mb(n_bytes: int) -> str:
    """Bytes as whole megabytes."""
    return f"{n_bytes / 2**20:,.0f} MB"
