"""TwoPhase exhaustive, safety only: modelcheck through its public API beside the
hand-written floor (shared/bench/twophase_floor.py in a folder above the checkout, or the
file $MODELCHECK_FLOOR names), each run in a fresh process.

Usage: python -m benchmarks.twophase [N ...]   (default 6 7 8; `make bench` runs it)

Targets (issue 2): at N = 8 at most 1.5x the floor's time and at most 600 MB peak. The time
ratio is the wall clock's; the CPU ratio beside it (CPU seconds of each run's process and
its children) is the one to read on a machine others are loading.
"""

from __future__ import annotations

import sys

from benchmarks._measure import find_floor, floor, mb, modelcheck, no_floor

# TLC's counts (../shared/reference/tlc.md); a benchmark that got other counts is wrong.
TLC = {
    6: (50_816, 402_306, 20),
    7: (296_448, 2_744_706, 23),
    8: (1_745_408, 18_507_778, 26),
}


def main(sizes: list[int]) -> int:
    header = (
        f"{'N':>2} {'distinct':>10} {'generated':>11} {'depth':>5} | {'floor':>8} "
        f"{'floor mem':>10} | {'modelcheck':>10} {'mc mem':>8} | {'time ratio':>10} | "
        f"{'floor cpu':>9} {'mc cpu':>8} {'cpu ratio':>9}"
    )
    if find_floor() is None:
        print(no_floor())
    print(header)
    print("-" * len(header))
    ok = True
    for n in sizes:
        base = floor(n)
        ours = modelcheck("models.classic.two_phase", "TwoPhase", {"rms": n})
        counts = (ours.distinct, ours.generated, ours.depth)
        if n in TLC and counts != TLC[n]:
            print(f"N={n}: counts {counts} differ from TLC's {TLC[n]}")
            ok = False
        floor_s = f"{base.seconds:.2f} s" if base else "n/a"
        floor_m = mb(base.peak_bytes) if base else "n/a"
        ratio = f"{ours.seconds / base.seconds:.2f}x" if base else "n/a"
        floor_cpu = _seconds(base.cpu_seconds) if base else "n/a"
        cpu_ratio = _ratio(ours.cpu_seconds, base.cpu_seconds) if base else "n/a"
        print(
            f"{n:>2} {ours.distinct:>10,} {ours.generated:>11,} {ours.depth:>5} | "
            f"{floor_s:>8} {floor_m:>10} | {ours.seconds:>8.2f} s {mb(ours.peak_bytes):>8} | "
            f"{ratio:>10} | {floor_cpu:>9} {_seconds(ours.cpu_seconds):>8} {cpu_ratio:>9}"
        )
    return 0 if ok else 1


def _seconds(cpu: float | None) -> str:
    return "n/a" if cpu is None else f"{cpu:.2f} s"


def _ratio(ours: float | None, floor: float | None) -> str:
    """CPU seconds against the floor's: the time ratio on a machine others are using too."""
    return "n/a" if ours is None or not floor else f"{ours / floor:.2f}x"


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [6, 7, 8]))
