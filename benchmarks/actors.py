"""The actor layer's cost: two-phase commit as actors beside the transition-system TwoPhase,
in time per generated state, each run in a fresh process, best of three.

Usage: python -m benchmarks.actors [RMS]   (default 5; `make bench` runs it)

Target (issue 3): the actor version costs at most 2x per generated state.
"""

from __future__ import annotations

import sys

from benchmarks._measure import Run, mb, modelcheck


def _best(module: str, name: str, rms: int) -> Run:
    runs = [modelcheck(module, name, {"rms": rms}) for _ in range(3)]
    return min(runs, key=lambda r: r.seconds)


def main(rms: int) -> int:
    rows = [
        ("TwoPhase (transition system)", _best("models.classic.two_phase", "TwoPhase", rms)),
        (
            "TwoPhaseActors (actor layer)",
            _best("models.classic.two_phase_actors", "TwoPhaseActors", rms),
        ),
    ]
    header = (
        f"{'model, rms=' + str(rms):<30} {'distinct':>10} {'generated':>11} {'seconds':>8} "
        f"{'us/generated':>13} {'memory':>8}"
    )
    print(header)
    print("-" * len(header))
    per = []
    for label, run in rows:
        us = run.seconds / run.generated * 1e6
        per.append(us)
        print(
            f"{label:<30} {run.distinct:>10,} {run.generated:>11,} {run.seconds:>8.2f} "
            f"{us:>13.2f} {mb(run.peak_bytes):>8}"
        )
    print(f"actor layer cost per generated state: {per[1] / per[0]:.2f}x the transition system")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
