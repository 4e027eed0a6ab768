"""Exploration on Ray: TwoPhase exhaustive in one process, in 2 forked workers, and on a
local Ray in 1 and 2 shards; states per second, the bytes the shards exchanged per state,
and the figures a projection to N machines needs (docs/performance.md has one).

Usage: python -m benchmarks.cluster [N]   (default 7; needs the ray extra: make ray)

Ray is started once, with 2 CPUs, and its start-up is timed on its own; each search's
time includes starting its shards (Ray actors, each loading the model), which is timed
too. The load average is printed before and after: on a busy machine the times are the
machine's, not the method's; the CPU microseconds per state (every process's: the driver's
and the shards', or the parent's and the forked workers') are much less disturbed by it.
"""

from __future__ import annotations

import os
import sys
import time

from modelcheck import check
from modelcheck.explore import cluster
from modelcheck.explore._search import Limits, Search
from models.classic.two_phase import TwoPhase


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu() -> float:
    """CPU seconds of this process and its children that have ended (forked workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main(n: int) -> int:
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    ray = cluster.import_ray()
    began = time.perf_counter()
    ray.init(num_cpus=2, log_to_driver=False, logging_level="ERROR", include_dashboard=False)
    print(f"ray.init(num_cpus=2): {time.perf_counter() - began:.1f} s")
    model = TwoPhase(rms=n)
    header = (
        f"{'N':>2} {'how':<18} {'distinct':>10} | {'time':>7} {'states/s':>9} {'start':>6} "
        f"{'cpu us/state':>12} | {'batch B/state':>13} {'key B/state':>11}"
    )
    print(header)
    print("-" * len(header))
    expected = None
    try:
        for how, workers in (("one process", 1), ("forked workers 2", 2)):
            cpu = _cpu()
            result = check(model, workers=workers)
            cpu = _cpu() - cpu
            counts = (result.distinct, result.generated, result.depth)
            expected = expected or counts
            assert counts == expected, (how, counts, expected)
            print(
                f"{n:>2} {how:<18} {result.distinct:>10,} | {result.seconds:>6.2f}s "
                f"{result.distinct / result.seconds:>9,.0f} {'-':>6} "
                f"{cpu / result.distinct * 1e6:>12.1f} | {'-':>13} {'-':>11}"
            )
        for shards in (1, 2):
            search = Search(model, "bfs", Limits(None, None, None, None), False, None)
            traffic = cluster.Traffic()
            spec = cluster.model_spec(model)
            cpu = _cpu()
            result = cluster.run_cluster(search, ray, shards, spec, cluster.Options(), traffic)
            cpu = _cpu() - cpu + traffic.shard_cpu  # the driver's and the shards'
            counts = (result.distinct, result.generated, result.depth)
            assert counts == expected, (shards, counts, expected)
            how = f"ray shards {shards}"
            print(
                f"{n:>2} {how:<18} {result.distinct:>10,} | {result.seconds:>6.2f}s "
                f"{result.distinct / result.seconds:>9,.0f} {traffic.start_seconds:>5.1f}s "
                f"{cpu / result.distinct * 1e6:>12.1f} | "
                f"{traffic.batch_bytes / result.distinct:>13.1f} "
                f"{traffic.key_bytes / result.distinct:>11.1f}"
            )
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
    print(f"depth (levels, one exchange round each): {expected[2] if expected else '-'}")
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
