"""Parallel workers: TwoPhase exhaustive with 1 and 2 worker processes, each run in a fresh
process, the counts checked against TLC's.

Usage: python -m benchmarks.parallel [N ...]   (default 7 8; `make bench` runs it)

Target (issue 9): at N = 8, 2 workers at least 1.7x faster than 1. The speedup needs two
idle cores: the load average is printed before and after, and the CPU time of every
process, so that a run on a busy machine can be read for what it is.

Peak memory is that of every process: "sum" adds each process's own peak (the parent's,
and each worker's, which it reports when it stops; pages shared after the fork count in
each), "rusage" is the parent's plus the largest child's (RUSAGE_CHILDREN).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks._measure import ROOT, mb
from benchmarks.twophase import TLC

_WRAPPER = """
import json, resource, sys
from modelcheck import check
from models.classic.two_phase import TwoPhase
result = check(TwoPhase(rms=int(sys.argv[1])), workers=int(sys.argv[2]))
me = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "counts": [result.distinct, result.generated, result.depth],
    "complete": result.complete,
    "seconds": result.seconds,
    "peak_sum": result.peak_memory,
    "peak_rusage": (me.ru_maxrss + children.ru_maxrss) * 1024,
    "cpu": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
}))
"""


@dataclass(frozen=True)
class Run:
    counts: tuple[int, int, int]
    complete: bool
    seconds: float
    peak_sum: int
    peak_rusage: int
    cpu: float


def measure(n: int, workers: int) -> Run:
    """``check(TwoPhase(rms=n), workers=workers)`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(n), str(workers)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["counts"] = tuple(data["counts"])
    return Run(**data)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(sizes: list[int]) -> int:
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    header = (
        f"{'N':>2} {'workers':>7} {'distinct':>10} {'generated':>11} {'depth':>5} | "
        f"{'time':>8} {'speedup':>7} {'cpu':>8} | {'peak (sum)':>10} {'(rusage)':>9}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    started = time.perf_counter()
    for n in sizes:
        base: Run | None = None
        for workers in (1, 2):
            run = measure(n, workers)
            if (n in TLC and run.counts != TLC[n]) or not run.complete:
                print(f"N={n}, {workers} workers: counts {run.counts} differ from TLC's {TLC[n]}")
                ok = False
            base = base or run
            speedup = base.seconds / run.seconds
            distinct, generated, depth = run.counts
            print(
                f"{n:>2} {workers:>7} {distinct:>10,} {generated:>11,} {depth:>5} | "
                f"{run.seconds:>6.2f} s {speedup:>6.2f}x {run.cpu:>6.1f} s | "
                f"{mb(run.peak_sum):>10} {mb(run.peak_rusage):>9}"
            )
    print(f"load average after: {_load()} ({time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [7, 8]))
