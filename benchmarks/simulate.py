"""Simulation speed: random-walk steps per second on TwoPhase with 3 RMs, in a fresh process,
beside Quint's simulator (about 13,000 steps/s, quoted from ../shared/reference/tlc.md: no
Quint on this machine).

Usage: python -m benchmarks.simulate   (`make bench` runs it)

Target (issue 9): at least 10x Quint's steps per second.
"""

from __future__ import annotations

import sys

from benchmarks._measure import modelcheck

QUINT_STEPS_PER_SECOND = 13_000


def main() -> int:
    run = modelcheck(
        "models.classic.two_phase",
        "TwoPhase",
        {"rms": 3},
        strategy="simulate",
        seed=0,
        runs=20_000,
        depth=50,
    )
    rate = run.generated / run.seconds
    print(f"{'simulator':<28} {'steps':>10} {'seconds':>8} {'steps/s':>10}")
    print(f"{'Quint 0.33 (quoted)':<28} {'':>10} {'':>8} {QUINT_STEPS_PER_SECOND:>10,}")
    print(
        f"{'modelcheck --strategy simulate':<28} {run.generated:>10,} {run.seconds:>8.2f} "
        f"{rate:>10,.0f}"
    )
    print(f"{rate / QUINT_STEPS_PER_SECOND:.0f}x Quint's steps per second")
    return 0 if rate >= 10 * QUINT_STEPS_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
