"""PaxosCommit exhaustive, safety only (PaxosCommit.cfg: 2 RMs, 3 acceptors, ballots {0, 1}):
modelcheck through its public API, in a fresh process, beside TLC's reference figures.

Usage: python -m benchmarks.paxos_commit   (`make bench` runs it)

There is no TLC on this machine: its counts and times are quoted from
../shared/reference/tlc.md (TLC 2.20 on a 2-core machine of this kind, whole-process wall
seconds). The counts must be equal; the times are only indicative, as they were not measured
side by side. Target (issue 9): well within TLC's single-worker time.
"""

from __future__ import annotations

import sys

from benchmarks._measure import mb, modelcheck

PARAMS: dict[str, object] = {"rms": 2, "acceptors": 3, "max_ballot": 1}
# TLC's figures (../shared/reference/tlc.md): counts, then seconds with 1 and 2 workers.
TLC_COUNTS = (1_321_761, 16_959_159, 28)
TLC_SECONDS = {1: 147.0, 2: 77.0}


def main() -> int:
    ours = modelcheck("models.classic.paxos_commit", "PaxosCommit", PARAMS)
    counts = (ours.distinct, ours.generated, ours.depth)
    header = (
        f"{'checker':<26} {'distinct':>10} {'generated':>11} {'depth':>5} "
        f"{'time':>9} {'peak mem':>9} {'vs TLC, 1 worker':>17}"
    )
    print("PaxosCommit.cfg: 2 RMs, 3 acceptors, ballots {0, 1}; invariants PCTypeOK, TCConsistent")
    print(header)
    print("-" * len(header))
    distinct, generated, depth = TLC_COUNTS
    for workers, seconds in TLC_SECONDS.items():
        name = f"TLC, {workers} worker{'s' if workers > 1 else ''} (quoted)"
        print(
            f"{name:<26} {distinct:>10,} {generated:>11,} {depth:>5} "
            f"{seconds:>7.0f} s {'n/a':>9} {seconds / TLC_SECONDS[1]:>16.2f}x"
        )
    print(
        f"{'modelcheck (measured)':<26} {ours.distinct:>10,} {ours.generated:>11,} "
        f"{ours.depth:>5} {ours.seconds:>7.1f} s {mb(ours.peak_bytes):>9} "
        f"{ours.seconds / TLC_SECONDS[1]:>16.2f}x"
    )
    ok = True
    if counts != TLC_COUNTS:
        print(f"counts {counts} differ from TLC's {TLC_COUNTS}")
        ok = False
    if set(ours.statuses) != {"holds"}:
        print(f"expected every invariant to hold, got {list(ours.statuses)}")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
