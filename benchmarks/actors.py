"""The actor layer's cost: two-phase commit as actors beside the transition-system TwoPhase,
in time per generated state, each run in a fresh process, best of three rounds.

Usage: python -m benchmarks.actors [RMS]   (default 5; `make bench` runs it)

Target (issue 3): the actor version costs at most 2x per generated state.

The ratio is the actors' seconds per generated state over TwoPhase's, each the fastest of
three fresh processes, the models taking turns (``CheckResult.seconds``: the search alone,
not the start-up). TwoPhase's cost per generated state grows with the size of its store,
so there are two comparison points: the same number of resource managers (``rms``: a far
smaller state space, 8,832 distinct states to the actors' 162,074 at rms=5), and the
TwoPhase sizes around the actors' distinct count (rms+1 and rms+2: 50,816 and 296,448).

Measured (README, "Speed and memory"): the actors take 1.25 to 1.32 us per generated state,
2.1x to 2.4x TwoPhase's at every one of the three sizes; 3.7 to 4.1 us (6.2x to 6.9x)
before handler results were remembered and the parts of worlds shared.
"""

from __future__ import annotations

import sys

from benchmarks._measure import Run, mb, modelcheck

ROUNDS = 3


def _best_of_rounds(cases: list[tuple[str, str, int]]) -> list[Run]:
    """Each case's fastest run of ``ROUNDS``, the cases taking turns (so that a change in the
    machine's load falls on all of them alike)."""
    runs: list[list[Run]] = [[] for _ in cases]
    for _ in range(ROUNDS):
        for done, (module, name, rms) in zip(runs, cases, strict=True):
            done.append(modelcheck(module, name, {"rms": rms}))
    return [min(done, key=lambda r: r.seconds) for done in runs]


def _us(run: Run) -> float:
    return run.seconds / run.generated * 1e6


def main(rms: int) -> int:
    sizes = (rms, rms + 1, rms + 2)
    *best, actors = _best_of_rounds(
        [("models.classic.two_phase", "TwoPhase", size) for size in sizes]
        + [("models.classic.two_phase_actors", "TwoPhaseActors", rms)]
    )
    twophase = list(zip(sizes, best, strict=True))
    rows = [(f"TwoPhase, rms={size}", run) for size, run in twophase]
    rows.append((f"TwoPhaseActors, rms={rms}", actors))
    header = (
        f"{'model':<26} {'distinct':>10} {'generated':>11} {'seconds':>8} "
        f"{'us/generated':>13} {'memory':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, run in rows:
        print(
            f"{label:<26} {run.distinct:>10,} {run.generated:>11,} {run.seconds:>8.2f} "
            f"{_us(run):>13.2f} {mb(run.peak_bytes):>8}"
        )
    ratios = ", ".join(f"{_us(actors) / _us(run):.2f}x at rms={size}" for size, run in twophase)
    print(f"actor layer cost per generated state, over TwoPhase's: {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
