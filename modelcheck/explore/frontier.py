"""Frontiers: which process expands which state, and how successors reach their owners.

A search is made of parts: a store (:mod:`.store`: exact, fingerprint), the reductions its
successor function goes through (symmetry, partial-order reduction: :class:`.Search`), its
observers (properties, the liveness graph, checkpoints, progress) and a *frontier*, which
runs the search to a :class:`~modelcheck.CheckResult`:

- :class:`OneProcess`: breadth-first search (over the exact store, or level by level over
  the fingerprint store), depth-first search, or simulation, in this process;
- :class:`LocalProcesses`: level-synchronous breadth-first search in forked worker
  processes that own the states by hash (:mod:`.parallel`);
- :class:`RayCluster`: the same numbering with the workers as Ray actors on a cluster, or
  swarm simulation (:mod:`.cluster`, which alone imports Ray);

each with two methods: ``refuse`` (the options it cannot serve, each with a one-line
reason) and ``run``; :func:`frontier_for` is the one place that picks one.

Every frontier numbers states as one breadth-first process would, so counts, verdicts and
traces do not depend on which one ran.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.result import CheckResult

from ._search import Search
from .bfs import run_bfs
from .compact import run_compact_bfs
from .dfs import run_dfs
from .options import SearchOptions
from .parallel import check_workers, run_parallel
from .reductions import Restart
from .simulate import simulate
from .watchdog import Watch, watchdog

__all__ = [
    "STRATEGIES",
    "Frontier",
    "LocalProcesses",
    "OneProcess",
    "RayCluster",
    "frontier_for",
]

#: The exhaustive strategies of one process, by name (``simulate`` is the other strategy).
STRATEGIES: dict[str, Callable[[Search], int]] = {"bfs": run_bfs, "dfs": run_dfs}


class Frontier(Protocol):
    """Runs a search: who expands which state, and how successors are exchanged."""

    def refuse(self, options: SearchOptions, model: Model[Any]) -> None:
        """Raise a one-line :class:`UsageError` for an option this frontier cannot serve."""

    def run(self, search: Search) -> CheckResult:
        """Explore, then judge: the result, its traces rebuilt and replayed."""
        ...


@dataclass(frozen=True)
class OneProcess:
    """Every state expanded in this process, by ``options.strategy`` over the store."""

    options: SearchOptions

    def refuse(self, options: SearchOptions, model: Model[Any]) -> None:
        """Nothing is refused here: the strategies and reductions refuse their own."""

    def run(self, search: Search) -> CheckResult:
        options = self.options
        if options.strategy == "simulate":  # a TimeUp ends the walks like a Ctrl-C
            with watchdog(options.time_limit) as watch:
                result = simulate(search, seed=options.seed, runs=options.runs, depth=options.depth)
            return timed_out(result, watch)
        compact = options.store == "fingerprint" and options.strategy == "bfs"
        explore = run_compact_bfs if compact else STRATEGIES[options.strategy]
        with (
            _observed(search),
            _fewer_collections(),
            watchdog(options.time_limit) as watch,
        ):
            while True:
                try:
                    depth = explore(search)
                    break
                except Restart:  # a reduction learnt better: the same search, from scratch
                    search.restart()
        if watch.fired:
            search.stopped = "time-limit"
        return timed_out(search.result(depth), watch)


@dataclass(frozen=True)
class LocalProcesses:
    """Breadth-first search in ``workers`` forked processes (:mod:`.parallel`)."""

    workers: int

    def refuse(self, options: SearchOptions, model: Model[Any]) -> None:
        workers = self.workers
        check_workers(options.strategy, workers)
        if model.has_constraint():
            raise UsageError(
                f"{model.name} declares a state constraint, which runs in one process: "
                "leave out workers"
            )
        if options.store == "fingerprint" and options.checkpoint is not None:
            raise UsageError(
                f"--workers {workers} with --store fingerprint saves no checkpoints: a worker "
                "owns a state by the state itself, and such a checkpoint holds only "
                "fingerprints; leave out one of the three"
            )
        if options.por and options.store == "fingerprint":
            raise UsageError(
                f"--workers {workers} with --store fingerprint and --por: partial-order "
                "reduction samples its first states in one process, and workers that keep "
                "fingerprints start only from the initial states; leave out one of the three"
            )

    def run(self, search: Search) -> CheckResult:
        with _observed(search), watchdog(search.limits.time_limit) as watch:
            result = run_parallel(search, self.workers)
        return timed_out(result, watch)


@dataclass(frozen=True)
class RayCluster:
    """Shards (or swarm walkers) as Ray actors on a cluster at ``options.ray``
    (:mod:`.cluster`; Ray is imported only there, and only to connect)."""

    options: SearchOptions

    def refuse(self, options: SearchOptions, model: Model[Any]) -> None:
        from .cluster import check_cluster

        check_cluster(
            options.strategy,
            options.workers,
            store=options.store,
            por=options.por,
            max_memory=options.max_memory,
            constrained=model.has_constraint(),
            time_limit=options.time_limit,
            checkpoint=options.checkpoint is not None,
        )

    def run(self, search: Search) -> CheckResult:
        """The search on Ray: sharded bfs, or swarm simulation. A Ray started here is
        stopped here."""
        from . import cluster, swarm

        opts = self.options
        assert opts.ray is not None
        judged = cluster.Options(
            opts.keep_going,
            opts.deadlock,
            opts.symmetry,
            tuple(opts.properties or ()) or None,
            opts.safety_only,
            opts.store,
            por=opts.por,
        )
        spec = cluster.model_spec(search.model)
        ray, started = cluster.connect(opts.ray, opts.workers)
        try:
            if search.strategy == "simulate":
                result = swarm.run_swarm(
                    search,
                    ray,
                    opts.workers,
                    spec,
                    judged,
                    seed=opts.seed,
                    runs=opts.runs,
                    depth=opts.depth,
                )
            else:
                with _observed(search), watchdog(opts.time_limit) as clock:
                    run = cluster.run_cluster(search, ray, opts.workers, spec, judged)
                    result = timed_out(run, clock)
        finally:
            if started:
                ray.shutdown()
        if opts.workers == 1:  # not a silent no-op: say that it runs, and gains nothing
            note = "--ray with --workers 1: one shard (or walker), no faster than without --ray"
            result = dataclasses.replace(result, warnings=(*result.warnings, note))
        return result


def frontier_for(options: SearchOptions, model: Model[Any]) -> Frontier:
    """The frontier ``options`` ask for, once it has refused what it cannot serve."""
    frontier: Frontier
    if options.ray is not None:
        frontier = RayCluster(options)
    elif options.workers == 1:
        frontier = OneProcess(options)
    else:
        frontier = LocalProcesses(options.workers)
    frontier.refuse(options, model)
    return frontier


def timed_out(result: CheckResult, watch: Watch) -> CheckResult:
    """``result`` marked as stopped by the time limit if the watchdog fired."""
    if not watch.fired:
        return result
    return dataclasses.replace(result, stopped="time-limit", stop_note=watch.note)


def _observed(search: Search) -> contextlib.AbstractContextManager[Any]:
    """The checkpoint observer's context (its Ctrl-C handler), if the search has one."""
    return search.checkpoint if search.checkpoint is not None else contextlib.nullcontext()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a search. The store holds every
    state, and states that are tuple subclasses (an actor system's World) stay tracked, so
    each collection of the older generations walks them all; states form no cycles, so
    collecting less often loses nothing but a little memory held longer."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
