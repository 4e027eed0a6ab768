"""The exact store beside the fingerprint store on TwoPhase, each run in a fresh process.

Usage: python -m benchmarks.store [N ...]   (default 7 8; `make bench` runs it)

Target (issue 9): at most 24 bytes a state in the fingerprint store, counts equal to TLC's.
"""

from __future__ import annotations

import sys

from benchmarks._measure import mb, modelcheck
from benchmarks.twophase import TLC


def main(sizes: list[int]) -> int:
    header = (
        f"{'N':>2} {'store':<12} {'distinct':>10} {'generated':>11} {'seconds':>8} "
        f"{'peak mem':>9} {'store B/state':>13} {'P(collision)':>12}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for n in sizes:
        for store in ("exact", "fingerprint"):
            run = modelcheck("models.classic.two_phase", "TwoPhase", {"rms": n}, store=store)
            counts = (run.distinct, run.generated, run.depth)
            if n in TLC and counts != TLC[n]:
                print(f"N={n} {store}: counts {counts} differ from TLC's {TLC[n]}")
                ok = False
            per_state = f"{run.store_bytes / run.distinct:.1f}" if run.store_bytes else "-"
            if run.store_bytes and run.store_bytes / run.distinct > 24:
                ok = False
            chance = (
                f"{run.distinct * (run.generated - run.distinct) / 2**64:.1e}"
                if store == "fingerprint"
                else "-"
            )
            print(
                f"{n:>2} {store:<12} {run.distinct:>10,} {run.generated:>11,} "
                f"{run.seconds:>8.2f} {mb(run.peak_bytes):>9} {per_state:>13} {chance:>12}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [7, 8]))
