"""Actor models under faults (issue 15's acceptance table), measured side by side in one run,
each case in a fresh process with a time limit so that the benchmark ends.

Usage: python -m benchmarks.faults [LIMIT]   (LIMIT: seconds per run, default 60)

A run that does not finish within LIMIT shows ``> LIMIT s`` with the states it had
reached; a run the engine refuses shows the reason. Every run judges every property
(``keep_going``); the store and partial-order runs judge safety only, as those modes must.
Times in seconds are wall-clock; the ratios and the us per state are CPU seconds of the
checking process, steadier on a shared machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from benchmarks._measure import ROOT

_WRAPPER = """
import importlib, json, sys, time
from modelcheck import check
from modelcheck.errors import ModelcheckError
module, name = sys.argv[1], sys.argv[2]
params, options = json.loads(sys.argv[3]), json.loads(sys.argv[4])
model = getattr(importlib.import_module(module), name)(**params)
cpu = time.process_time()
try:
    result = check(model, keep_going=True, **options)
except ModelcheckError as exc:
    print(json.dumps({"refused": str(exc)}))
else:
    print(json.dumps({"distinct": result.distinct, "generated": result.generated,
                      "seconds": result.seconds, "complete": result.complete,
                      "cpu": time.process_time() - cpu,
                      "statuses": [p.status for p in result.properties]}))
"""

#: Each world fingerprinted once, in the order a search meets them (so parts are shared).
_FINGERPRINTS = """
import importlib, json, sys, time
from modelcheck.fingerprint import fingerprint
model = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])(**json.loads(sys.argv[3]))
worlds = list(model.init_states())
known = set(worlds)
for w in worlds:
    if len(worlds) >= 5000:
        break
    for _, nxt in model.actions(w):
        if nxt not in known:
            known.add(nxt)
            worlds.append(nxt)
start = time.process_time()
for w in worlds:
    fingerprint(w)
print(f"{(time.process_time() - start) / len(worlds) * 1e6:.1f}")
"""

GLOBAL = ("models.registry.global_registry", "GlobalRegistry")
COUNTER = ("models.crdt.replicated", "ReplicatedGCounter")
TWOPHASE = ("models.classic.two_phase_actors", "TwoPhaseActors")


@dataclass(frozen=True)
class Run:
    """What one run reported (``refused``: the engine's reason, nothing else set)."""

    distinct: int = 0
    generated: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the checking process: steadier on a shared machine
    complete: bool = False
    refused: str = ""

    def time(self, limit: float) -> str:
        if self.refused:
            return "refused"
        return f"{self.seconds:.1f} s" if self.complete else f"> {limit:.0f} s"

    def states(self) -> str:
        if self.refused:
            return self.refused
        return f"{self.distinct:,}" + ("" if self.complete else "+")

    def us_per_state(self) -> str:
        return f"{self.cpu / self.generated * 1e6:.1f}" if self.generated else "-"


def measure(
    what: tuple[str, str], params: Mapping[str, object], limit: float, **options: object
) -> Run:
    """``check`` on ``what`` with ``params`` in a fresh process, within ``limit`` seconds."""
    settings = {"time_limit": limit, **options}
    args = [what[0], what[1], json.dumps(dict(params)), json.dumps(settings)]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=limit * 2 + 60,
        )
    except subprocess.TimeoutExpired:
        return Run(seconds=limit)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data.pop("statuses", None)
    return Run(**data)


def main(limit: float) -> int:
    rows: list[tuple[str, str, str]] = []

    def row(case: str, result: str, note: str = "") -> None:
        rows.append((case, result, note))
        print(f"{case:<58} | {result:<34} | {note}", flush=True)

    print(f"{'case':<58} | {'result':<34} | notes (time limit {limit:.0f} s per run)")
    print("-" * 110)
    faults = {"partitions": 1, "heals": 1}
    run = measure(GLOBAL, {"nodes": 3, **faults}, limit)
    row(":global, 3 nodes, --partitions 1 --heals 1", run.time(limit), f"{run.states()} states")
    run = measure(COUNTER, {"replicas": 3, **faults}, limit)
    row("replicated G-counter, 3 replicas, partition + heal", run.time(limit), run.states())
    run = measure(COUNTER, {"replicas": 3, **faults}, limit, symmetry=True, safety_only=True)
    row("  the same, --symmetry (safety only)", run.time(limit), run.states())
    for rms in (4, 5, 6):
        plain = measure(TWOPHASE, {"rms": rms}, limit)
        sym = measure(TWOPHASE, {"rms": rms}, limit, symmetry=True)
        ratio = (
            f"{plain.distinct / sym.distinct:.0f}x fewer states, "
            f"{plain.seconds / sym.seconds:.1f}x faster"
            if sym.distinct and plain.complete and sym.complete
            else ""
        )
        row(
            f"TwoPhaseActors rms={rms}: without / with --symmetry",
            f"{plain.states()} in {plain.time(limit)} / "
            + (f"{sym.states()} in {sym.time(limit)}" if not sym.refused else "refused"),
            ratio or sym.refused,
        )
    run = measure(GLOBAL, {"nodes": 3, "crashes": 1, "restarts": 1}, limit)
    row(
        "us per generated state, :global 3 nodes, crash + restart",
        f"{run.us_per_state()} us (CPU)",
        f"{run.generated:,} generated in {run.time(limit)}",
    )
    store_case = {"nodes": 2, "crashes": 1, "restarts": 1, "partitions": 1}
    exact = measure(GLOBAL, store_case, limit, safety_only=True)
    fp = measure(GLOBAL, store_case, limit, safety_only=True, store="fingerprint")
    row(
        "--store fingerprint / exact, :global 2 nodes, faults",
        f"{fp.cpu / exact.cpu:.2f}x (CPU)" if exact.cpu else "-",
        f"{exact.states()} states; {fp.time(limit)} vs {exact.time(limit)}",
    )
    exact = measure(TWOPHASE, {"rms": 5}, limit, safety_only=True)
    fp = measure(TWOPHASE, {"rms": 5}, limit, safety_only=True, store="fingerprint")
    row(
        "--store fingerprint / exact, TwoPhaseActors rms=5",
        f"{fp.cpu / exact.cpu:.2f}x (CPU)" if exact.cpu else "-",
        f"{exact.states()} states; {fp.time(limit)} vs {exact.time(limit)}",
    )
    for name, what, params in (
        ("TwoPhaseActors rms=4", TWOPHASE, {"rms": 4}),
        (":global 3 nodes, crash + restart", GLOBAL, {"nodes": 3, "crashes": 1, "restarts": 1}),
    ):
        done = subprocess.run(
            [sys.executable, "-c", _FINGERPRINTS, what[0], what[1], json.dumps(params)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row(f"us per world fingerprint, {name}", f"{done.stdout.strip()} us", "5,000 worlds")
    plain = measure(TWOPHASE, {"rms": 5}, limit)
    por = measure(TWOPHASE, {"rms": 5}, limit, por=True)
    row(
        "--por on TwoPhaseActors rms=5, time vs without",
        f"{por.cpu / plain.cpu:.2f}x (CPU)" if plain.cpu else "-",
        f"{por.states()} vs {plain.states()} states; {por.time(limit)} vs {plain.time(limit)}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0))
