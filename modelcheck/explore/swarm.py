"""Swarm simulation on Ray (``--strategy simulate --ray``): independent seeded walks
spread over the cluster's CPUs.

**Swarm simulation** (:func:`run_swarm`). Walker ``w`` runs ``simulate`` with the seed
``walker_seeds(seed, walkers)[w]`` (walker 0 with ``seed`` itself) and its share of the
runs, so each walker's verdicts are a local simulation's with that seed; a property's
verdict and trace are those of the first walker, in walker order, that decided it. The
model is shipped by name, as to the shards (:class:`.cluster.ModelSpec`).
"""

from __future__ import annotations

import dataclasses
import pickle
import resource
import time
from dataclasses import replace
from typing import Any

import numpy as np

from modelcheck.errors import ModelcheckError, ModelError, UsageError
from modelcheck.fingerprint import fingerprint
from modelcheck.result import CheckResult, PropertyResult
from modelcheck.trace import verify

from ._search import Search
from .cluster import ModelSpec, Options
from .parallel import WorkerFailed
from .simulate import simulate

__all__ = ["run_swarm", "walker_runs", "walker_seeds"]


def walker_seeds(seed: int, walkers: int) -> list[int]:
    """Each walker's seed: the first walker's is ``seed``, the others' are derived from it
    (a stable fingerprint), so they do not depend on the number of walkers.

    >>> walker_seeds(7, 3)[0]
    7
    >>> walker_seeds(7, 3)[1:] == walker_seeds(7, 5)[1:3]
    True
    """
    return [seed if w == 0 else fingerprint(("swarm", seed, w)) >> 1 for w in range(walkers)]


def walker_runs(runs: int, walkers: int) -> list[int]:
    """Each walker's share of the runs: as even as can be, the first ones one more.

    >>> walker_runs(10, 3)
    [4, 3, 3]
    >>> walker_runs(2, 4)
    [1, 1]
    """
    walkers = min(walkers, runs)
    return [runs // walkers + (1 if w < runs % walkers else 0) for w in range(walkers)]


def _walk(spec: ModelSpec, options: Options, seed: int, runs: int, depth: int) -> tuple[str, Any]:
    """One walker (a Ray task): its simulation, and the fingerprints of what it visited."""
    try:
        search = options.search(spec.load(), "simulate")
        seen: set[Any] = set()
        result = simulate(search, seed=seed, runs=runs, depth=depth, seen=seen)
        prints = np.array(sorted({fingerprint(s) for s in seen}), dtype=np.uint64)
        return "ok", (result, prints.tobytes())
    except ModelcheckError as exc:
        try:  # sent back as it is where it pickles, else as a model error with its text
            pickle.loads(pickle.dumps(exc))
        except Exception:
            return "error", ModelError(str(exc))
        return "error", exc
    except BaseException as exc:
        return "crash", f"{type(exc).__name__}: {exc}"


def run_swarm(
    search: Search,
    ray: Any,
    walkers: int,
    spec: ModelSpec,
    options: Options,
    *,
    seed: int,
    runs: int,
    depth: int,
) -> CheckResult:
    """Simulation spread over ``walkers`` Ray tasks: each a local simulation with its own
    seed (:func:`walker_seeds`) and share of the runs; every property takes the verdict of
    the first walker that decided it, its trace replayed here again."""
    if runs < 1 or depth < 1:
        raise UsageError("simulation needs --runs and --depth of at least 1")
    if search.canon is not None:
        raise UsageError(
            "simulation walks concrete states and stores none: symmetry reduces nothing "
            "there (leave out --symmetry)"
        )
    shares = walker_runs(runs, walkers)
    seeds = walker_seeds(seed, len(shares))
    task = ray.remote(num_cpus=1, scheduling_strategy="SPREAD")(_walk)
    refs = [task.remote(spec, options, s, n, depth) for s, n in zip(seeds, shares, strict=True)]
    results: list[CheckResult] = []
    prints: list[Any] = []
    try:
        for w, ref in enumerate(refs):
            try:
                tag, payload = ray.get(ref)
            except ray.exceptions.RayError as exc:
                line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise WorkerFailed(f"walker {w} failed: {line}") from None
            if tag == "error":
                raise payload
            if tag != "ok":
                raise WorkerFailed(f"walker {w} failed: {payload}")
            results.append(payload[0])
            prints.append(np.frombuffer(payload[1], dtype=np.uint64))
    except KeyboardInterrupt:
        for ref in refs:
            ray.cancel(ref, force=True)
        raise
    model = search.model
    verdicts: list[PropertyResult] = []
    for pos in range(len(search.properties)):
        decided = [r.properties[pos] for r in results if r.properties[pos].status != "unknown"]
        verdict = decided[0] if decided else results[0].properties[pos]
        if verdict.trace is not None:
            verdict = replace(verdict, trace=verify(model, verdict.trace))
        verdicts.append(verdict)
    violated = any(r.stopped == "violation" for r in results)
    first = results[0]
    return dataclasses.replace(
        first,
        distinct=len(np.unique(np.concatenate(prints))) if prints else 0,
        generated=sum(r.generated for r in results),
        depth=max(r.depth for r in results),
        stopped="violation" if violated else first.stopped,
        seconds=time.perf_counter() - search.start,
        peak_memory=sum(r.peak_memory for r in results)
        + resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        properties=tuple(verdicts),
        checked=model,
    )
