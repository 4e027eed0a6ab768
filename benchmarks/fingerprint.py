"""Fingerprinting cost per state, and the fingerprint store's time beside the exact
store's, on models whose states hold frozensets (naturally written ones among them).

Usage: python -m benchmarks.fingerprint   (`make bench` runs it)

Target (issue 15): an actor world fingerprinted in at most 3 us; the fingerprint store
at most 1.5x the exact store's time on an actor model.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from modelcheck import Model, check
from modelcheck.fingerprint import fingerprint
from models.classic.paxos import Paxos
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_actors import TwoPhaseActors
from models.registry.global_registry import GlobalRegistry

CASES: list[tuple[str, Model[Any]]] = [
    ("TwoPhase rms=5 (no frozenset)", TwoPhase(rms=5)),
    ("Paxos (a frozenset of messages)", Paxos()),
    ("TwoPhaseActors rms=4 (a world)", TwoPhaseActors(rms=4)),
    ("GlobalRegistry crashes=1 (a world)", GlobalRegistry(crashes=1)),
]


def _states(model: Model[Any], limit: int = 5_000) -> list[Any]:
    seen = list(model.init_states())
    known = set(seen)
    for state in seen:
        if len(seen) >= limit:
            break
        for _, nxt in model.actions(state):
            if nxt not in known:
                known.add(nxt)
                seen.append(nxt)
    return seen


def main() -> int:
    print(f"{'model':<36} {'states':>7} {'us/fingerprint':>15}")
    for name, model in CASES:
        states = _states(model)
        start = time.perf_counter()
        for state in states:
            fingerprint(state)
        took = time.perf_counter() - start
        print(f"{name:<36} {len(states):>7,} {took / len(states) * 1e6:>15.2f}")
    print()
    print(f"{'model':<36} {'store':<12} {'distinct':>9} {'seconds':>8}")
    for name, model in CASES[1:3]:
        times = {}
        for store in ("exact", "fingerprint"):
            start = time.perf_counter()
            result = check(model, store=store)
            times[store] = time.perf_counter() - start
            print(f"{name:<36} {store:<12} {result.distinct:>9,} {times[store]:>8.2f}")
        print(f"{'':<36} fingerprint / exact: {times['fingerprint'] / times['exact']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
