"""TwoPhase with symmetry reduction (interchangeable resource managers), through the
public API in a fresh process per size, beside TLC's SYMMETRY Permutations(RM) figures
(quoted from ../shared/reference/tlc.md: there is no TLC on this machine).

Usage: python -m benchmarks.symmetry   (`make bench` runs it)

Target (issue 9): the orbit counts exactly (553, 920, 1,461) and N = 8 in under 1 s.
"""

from __future__ import annotations

import sys

from benchmarks._measure import mb, modelcheck

# N: (orbits, TLC generated, depth, TLC seconds with 1 worker)
TLC = {6: (553, 4_328, 20, 2.6), 7: (920, 8_410, 23, 21.2), 8: (1_461, 15_287, 26, 462.0)}


def main() -> int:
    header = (
        f"{'N':>2} {'orbits':>7} {'generated':>10} {'depth':>5} | {'TLC (quoted)':>12} | "
        f"{'modelcheck':>10} {'memory':>8} | {'counts':>6}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for n, (orbits, generated, depth, tlc_seconds) in TLC.items():
        run = modelcheck("models.classic.two_phase", "TwoPhase", {"rms": n}, symmetry=True)
        same = (run.distinct, run.generated, run.depth) == (orbits, generated, depth)
        ok = ok and same
        print(
            f"{n:>2} {run.distinct:>7,} {run.generated:>10,} {run.depth:>5} | "
            f"{tlc_seconds:>10.1f} s | {run.seconds:>8.3f} s {mb(run.peak_bytes):>8} | "
            f"{'equal' if same else 'DIFFER':>6}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
