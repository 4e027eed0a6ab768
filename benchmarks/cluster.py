"""Exploration on Ray: TwoPhase and an actor system (TwoPhaseActors) exhaustive in one
process, in 2 forked workers, and on a local Ray in 1 and 2 shards, over the exact store and
the fingerprint store; states per second, the bytes the shards exchanged per state, and the
figures a projection to N machines needs (docs/performance.md has one).

Usage: python -m benchmarks.cluster [N [M]]   (TwoPhase with N RMs, default 7; TwoPhaseActors
with M, default 5; needs the ray extra: make ray)

Ray is started once, with 2 CPUs, and its start-up is timed on its own; each search's
time includes starting its shards (Ray actors, each loading the model), which is timed
too. The load average is printed before and after: on a busy machine the times are the
machine's, not the method's; the CPU microseconds per state (every process's: the driver's
and the shards', or the parent's and the forked workers') are much less disturbed by it.
A combination this checkout refuses is printed as refused, with its reason (so that the
same script measures an older checkout too).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from modelcheck import check
from modelcheck.errors import UsageError
from modelcheck.explore import cluster
from modelcheck.explore._search import Limits, Search
from modelcheck.model import Model
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_actors import TwoPhaseActors


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu() -> float:
    """CPU seconds of this process and its children that have ended (forked workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _row(name: str, how: str, result: Any, cpu: float, traffic: Any = None) -> str:
    start = "-" if traffic is None else f"{traffic.start_seconds:.1f}s"
    per = result.distinct
    batch = "-" if traffic is None else f"{traffic.batch_bytes / per:.1f}"
    keys = "-" if traffic is None else f"{traffic.key_bytes / per:.1f}"
    return (
        f"{name:<16} {how:<22} {result.distinct:>9,} | {result.seconds:>6.2f}s "
        f"{result.distinct / result.seconds:>8,.0f} {start:>6} {cpu / per * 1e6:>8.1f} | "
        f"{batch:>7} {keys:>7}"
    )


def _measure(name: str, model: Model[Any], ray: Any) -> None:
    expected = None
    for store in ("exact", "fingerprint"):
        tag = "" if store == "exact" else ", fp"
        for how, workers in (("one process", 1), ("forked workers 2", 2)):
            cpu = _cpu()
            result = check(model, workers=workers, store=store)
            cpu = _cpu() - cpu
            counts = (result.distinct, result.generated, result.depth)
            expected = expected or counts
            assert counts == expected, (how, counts, expected)
            print(_row(name, how + tag, result, cpu), flush=True)
        for shards in (1, 2):
            how = f"ray shards {shards}{tag}"
            if store != "exact" and not _ray_takes(store):
                print(f"{name:<16} {how:<22} refused: --ray with --store {store}", flush=True)
                continue
            options = cluster.Options() if store == "exact" else cluster.Options(store=store)
            search = Search(model, "bfs", Limits(None, None, None, None), False, None, store=store)
            traffic = cluster.Traffic()
            spec = cluster.model_spec(model)
            cpu = _cpu()
            result = cluster.run_cluster(search, ray, shards, spec, options, traffic)
            cpu = _cpu() - cpu + traffic.shard_cpu  # the driver's and the shards'
            counts = (result.distinct, result.generated, result.depth)
            assert counts == expected, (shards, counts, expected)
            print(_row(name, how, result, cpu, traffic), flush=True)


def _ray_takes(store: str) -> bool:
    """Whether this checkout's --ray takes ``store``."""
    try:
        cluster.check_cluster(
            "bfs",
            2,
            store=store,
            por=False,
            max_memory=None,
            constrained=False,
            time_limit=None,
        )
    except UsageError:
        return False
    return True


def main(n: int, m: int) -> int:
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    ray = cluster.import_ray()
    began = time.perf_counter()
    ray.init(num_cpus=2, log_to_driver=False, logging_level="ERROR", include_dashboard=False)
    print(f"ray.init(num_cpus=2): {time.perf_counter() - began:.1f} s")
    header = (
        f"{'model':<16} {'how':<22} {'distinct':>9} | {'time':>7} {'states/s':>8} "
        f"{'start':>6} {'cpu us/st':>8} | {'batch B':>7} {'key B':>7}"
    )
    print(header)
    print("-" * len(header))
    try:
        _measure(f"TwoPhase {n}", TwoPhase(rms=n), ray)
        _measure(f"TwoPhaseActors {m}", TwoPhaseActors(rms=m), ray)
        # A level's fixed cost: TwoPhase with 3 RMs is 288 states in 11 levels, so its time
        # past the shards' start is almost all rounds of requests.
        small = TwoPhase(rms=3)
        search = Search(small, "bfs", Limits(None, None, None, None), False, None)
        traffic = cluster.Traffic()
        spec = cluster.model_spec(small)
        result = cluster.run_cluster(search, ray, 2, spec, cluster.Options(), traffic)
        rounds = (result.seconds - traffic.start_seconds) / result.depth
        print(f"one level's rounds, 2 shards (TwoPhase 3, {result.depth} levels): {rounds:.3f} s")
    finally:
        ray.shutdown()
    print("batch B, key B: bytes the shards exchanged per distinct state")
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*(args + [7, 5][len(args) :])))
