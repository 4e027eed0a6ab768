"""The explorer: runs a search strategy over a Model and returns a CheckResult."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.result import CheckResult, Progress

from ._search import Limits, Search, check_seconds
from .bfs import run_bfs
from .checkpoint import Checkpointer
from .compact import run_compact_bfs
from .dfs import run_dfs
from .parallel import check_workers, run_parallel
from .simulate import simulate
from .store import StateStore
from .watchdog import Watch, watchdog

__all__ = ["STRATEGIES", "Limits", "StateStore", "check"]

STRATEGIES: dict[str, Callable[[Search], int]] = {"bfs": run_bfs, "dfs": run_dfs}


def check(
    model: Model[Any],
    *,
    strategy: str = "bfs",
    max_depth: int | None = None,
    max_states: int | None = None,
    time_limit: float | None = None,
    max_memory: int | None = None,
    keep_going: bool = False,
    deadlock: bool | None = None,
    symmetry: bool = False,
    por: bool = False,
    store: str = "exact",
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    checkpoint_every: float = 60.0,
    progress: Callable[[Progress], None] | None = None,
    seed: int = 0,
    runs: int = 100,
    depth: int = 100,
    workers: int = 1,
    properties: Sequence[str] | None = None,
    safety_only: bool = False,
) -> CheckResult:
    """Explore ``model`` and judge its properties.

    ``strategy`` is ``"bfs"`` (shortest counterexamples) or ``"dfs"``. The search stops at
    the first violation unless ``keep_going``; ``max_depth`` (levels, initial = 1),
    ``max_states``, ``time_limit`` (seconds) and ``max_memory`` (bytes of resident memory,
    of the workers too, looked at every 1,024 states or, with workers, every level) bound
    it; a search that runs out of memory stops too (``stopped == "out-of-memory"``), with
    the partial statistics. ``deadlock`` overrides the
    model's own setting (report states with no successor). ``symmetry`` stores one state
    per symmetry class the model declares (:meth:`~modelcheck.Model.canonical`); traces
    stay concrete runs. ``por`` (actor systems, safety properties) explores at each state
    only a set of steps that provably loses no verdict, the steps of other nodes that
    commute with them left for later (:mod:`modelcheck.actors.por`: what a model declares
    for it, and when it expands every step); the counts are the reduced graph's, traces
    stay replayed runs, not always the shortest. ``store="fingerprint"`` keeps 64-bit
    fingerprints instead of states (bfs and dfs; liveness judged on states regenerated
    by replay after the search): about 20 bytes a state, the same counts and traces, and
    :attr:`~modelcheck.CheckResult.collision_probability` reported.
    ``checkpoint`` (bfs, dfs) names a folder the search saves its progress to every
    ``checkpoint_every`` seconds (and on a first Ctrl-C); with ``resume`` it goes on from
    the checkpoint there, with exactly the counts of a run never stopped.
    ``workers`` > 1 runs breadth-first search in that many processes (exact store; checkpoints
    saved between levels; liveness judged after, on the states gathered from the workers):
    the same counts, verdicts and traces as one.
    ``properties`` names the properties to judge (the others are left out, as if the model
    did not declare them); ``safety_only`` leaves out the liveness properties, so that the
    modes that cannot judge them (``symmetry``, ``por``)
    apply to the rest. Simulation judges liveness properties on the lassos its walks close.
    ``progress``, if given, is called about twice a second with a
    :class:`~modelcheck.Progress` snapshot. Every trace in the result has been rebuilt and
    replayed against the model. Liveness properties are judged after a complete search, on
    the graph it kept (unknown when a bound stopped it); their
    counterexamples are lassos (``trace.loop``).
    """
    if strategy != "simulate" and strategy not in STRATEGIES:
        choices = ", ".join([*STRATEGIES, "simulate"])
        raise UsageError(f"unknown strategy '{strategy}': choose {choices}")
    check_workers(strategy, workers, store)
    check_seconds("checkpoint-every", checkpoint_every)
    if workers > 1 and model.has_constraint():
        raise UsageError(
            f"{model.name} declares a state constraint, which runs in one process: "
            "leave out workers"
        )
    if por and workers > 1:
        raise UsageError(
            "partial-order reduction runs in one process: its cycle proviso asks the whole "
            "store whether a successor was expanded, and each worker holds a part: leave "
            "out workers"
        )
    saver = None
    if checkpoint is not None:
        if strategy == "simulate":
            raise UsageError(
                "simulation keeps no store to save: its walks are seeded, so a run is "
                "repeated with the same --seed rather than resumed (leave out --checkpoint)"
            )
        run = {
            "model": f"{type(model).__module__}.{type(model).__qualname__}",
            "params": dict(model.params),
            "store": store,
            "symmetry": symmetry,
            "por": por,
            "deadlock": deadlock,
            "keep_going": keep_going,
            "max_depth": max_depth,
            "max_states": max_states,
            "properties": properties,
            "safety_only": safety_only,
            "strategy": strategy,
        }
        saver = Checkpointer(checkpoint, checkpoint_every, run, type(model))
        if not resume:
            saver.refuse_to_overwrite()
    elif resume:
        raise UsageError("resuming needs the folder of a checkpoint")
    search = Search(
        model,
        strategy,
        Limits(max_depth, max_states, time_limit, max_memory),
        keep_going,
        progress,
        deadlock,
        symmetry,
        store,
        saver,
        resume,
        por,
        properties,
        safety_only,
    )
    if strategy == "simulate":  # a TimeUp ends the walks like a Ctrl-C: the walks so far
        with watchdog(time_limit) as watch:
            result = simulate(search, seed=seed, runs=runs, depth=depth)
        return _timed_out(result, watch)
    if workers > 1:
        with (
            saver if saver is not None else contextlib.nullcontext(),
            watchdog(time_limit) as watch,
        ):
            result = run_parallel(search, workers)
        return _timed_out(result, watch)
    compact = store == "fingerprint" and strategy == "bfs"
    explore = run_compact_bfs if compact else STRATEGIES[strategy]
    with (
        saver if saver is not None else contextlib.nullcontext(),
        _fewer_collections(),
        watchdog(time_limit) as watch,
    ):
        depth = explore(search)
    if watch.fired:
        search.stopped = "time-limit"
    return _timed_out(search.result(depth), watch)


def _timed_out(result: CheckResult, watch: Watch) -> CheckResult:
    """``result`` marked as stopped by the time limit if the watchdog fired."""
    if not watch.fired:
        return result
    return dataclasses.replace(result, stopped="time-limit", stop_note=watch.note)


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
