"""Liveness beside safety on the same model: TwoPhase with "every resource manager
eventually decides", under weak fairness of the TM's decision and of each RM's receipt of
it, checked exhaustively through the public API, each run in a fresh process.

Usage: python -m benchmarks.liveness [N ...]   (default 5 6; `make bench` runs it)

Each figure is the fastest of three runs, the two checks taking turns, so that a busy
machine slows both alike.

Target (issue 5): at about 10^5 states (N = 6: 50,816), checking the liveness property takes
at most 3x the time of the safety-only check of the same model.
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks._measure import Run, mb, modelcheck
from modelcheck import eventually, weak
from models.classic.two_phase import ABORTED, COMMITTED, State, TwoPhase


def rm_of(label: Any) -> Any:
    """The resource manager a label names: ``("RMRcvCommitMsg", "r1")`` -> ``"r1"``."""
    return label[1]


class TwoPhaseLiveness(TwoPhase):
    """TwoPhase, and every RM eventually decides (the TM and each RM's receipt are fair)."""

    fairness = (
        weak("TMCommit", "TMAbort"),
        weak("RMRcvCommitMsg", "RMRcvAbortMsg", per=rm_of),
    )

    @eventually
    def AllDecided(self, state: State) -> bool:
        """Every resource manager has committed or aborted."""
        return all(r in (COMMITTED, ABORTED) for r in state[0])


REPEAT = 3


def main(sizes: list[int]) -> int:
    header = (
        f"{'N':>2} {'distinct':>10} {'generated':>11} | {'safety':>8} {'mem':>7} | "
        f"{'liveness':>8} {'mem':>7} {'verdict':>8} | {'time ratio':>10}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for n in sizes:
        safe_runs: list[Run] = []
        live_runs: list[Run] = []
        for _ in range(REPEAT):
            safe_runs.append(modelcheck("models.classic.two_phase", "TwoPhase", {"rms": n}))
            live_runs.append(modelcheck("benchmarks.liveness", "TwoPhaseLiveness", {"rms": n}))
        safe = min(safe_runs, key=lambda r: r.seconds)
        live = min(live_runs, key=lambda r: r.seconds)
        if (safe.distinct, safe.generated) != (live.distinct, live.generated):
            print(f"N={n}: the two runs explored different graphs")
            ok = False
        verdict = live.statuses[-1]
        ok = ok and verdict == "holds"
        print(
            f"{n:>2} {live.distinct:>10,} {live.generated:>11,} | {safe.seconds:>6.2f} s "
            f"{mb(safe.peak_bytes):>7} | {live.seconds:>6.2f} s {mb(live.peak_bytes):>7} "
            f"{verdict:>8} | {live.seconds / safe.seconds:>9.2f}x"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [5, 6]))
