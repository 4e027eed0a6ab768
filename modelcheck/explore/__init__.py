"""The explorer: runs a search over a Model and returns a CheckResult.

A search is a store, a frontier, reductions and observers (:mod:`.frontier`), chosen by one
:class:`~modelcheck.explore.options.SearchOptions` value.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.result import CheckResult

from ._search import Search
from .checkpoint import Checkpointer
from .frontier import STRATEGIES, OneProcess, frontier_for
from .limits import Limits, check_seconds
from .options import SearchOptions, with_keywords
from .store import StateStore

__all__ = ["STRATEGIES", "Limits", "SearchOptions", "StateStore", "check"]


def check(
    model: Model[Any], options: SearchOptions | None = None, /, **keywords: Any
) -> CheckResult:
    """Explore ``model`` and judge its properties.

    The options are one :class:`SearchOptions` value, or its fields as keywords (which
    then change the value given): ``check(model, workers=2)``.

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
    ``workers`` > 1 runs breadth-first search in that many processes (checkpoints saved
    between levels, with the exact store; liveness judged after, on the states gathered
    from the workers): the same counts, verdicts and traces as one.
    ``properties`` names the properties to judge (the others are left out, as if the model
    did not declare them); ``safety_only`` leaves out the liveness properties, so that the
    modes that cannot judge them (``symmetry``, ``por``)
    apply to the rest. Simulation judges liveness properties on the lassos its walks close.
    ``progress``, if given, is called about twice a second with a
    :class:`~modelcheck.Progress` snapshot. Every trace in the result has been rebuilt and
    replayed against the model. Liveness properties are judged after a complete search, on
    the graph it kept (unknown when a bound stopped it); their
    counterexamples are lassos (``trace.loop``).
    A search in one process ends ``warnings`` with the model's notes on what it watched
    (:meth:`~modelcheck.Model.watch_search`: fault budgets no state could spend).
    ``ray`` runs on a Ray cluster (:mod:`modelcheck.explore.cluster`; the ``ray`` extra):
    ``"local"`` starts one here with ``workers`` CPUs, ``"auto"`` or ``"HOST:PORT"`` joins
    a running one. Breadth-first search is sharded over ``workers`` Ray actors (either
    store), with one process's counts, verdicts and traces; simulation
    spreads its walks over ``workers`` walkers with seeds derived from ``seed``.
    """
    opts = with_keywords(options, keywords)
    strategy, checkpoint = opts.strategy, opts.checkpoint
    if strategy != "simulate" and strategy not in STRATEGIES:
        choices = ", ".join([*STRATEGIES, "simulate"])
        raise UsageError(f"unknown strategy '{strategy}': choose {choices}")
    check_seconds("checkpoint-every", opts.checkpoint_every)
    frontier = frontier_for(opts, model)
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
            "store": opts.store,
            "symmetry": opts.symmetry,
            "por": opts.por,
            "deadlock": opts.deadlock,
            "keep_going": opts.keep_going,
            "max_depth": opts.max_depth,
            "max_states": opts.max_states,
            "properties": opts.properties,
            "safety_only": opts.safety_only,
            "strategy": strategy,
        }
        saver = Checkpointer(checkpoint, opts.checkpoint_every, run, type(model))
        if not opts.resume:
            saver.refuse_to_overwrite()
    elif opts.resume:
        raise UsageError("resuming needs the folder of a checkpoint")
    search = Search(
        model,
        strategy,
        Limits(opts.max_depth, opts.max_states, opts.time_limit, opts.max_memory),
        opts.keep_going,
        opts.progress,
        opts.deadlock,
        opts.symmetry,
        opts.store,
        saver,
        opts.resume,
        opts.por,
        opts.properties,
        opts.safety_only,
    )
    # What the model watches for (fault budgets never spent) needs every state expanded
    # here: not in workers, nor when part of the search ran before a resume.
    watching = isinstance(frontier, OneProcess) and not opts.resume
    watched = model.watch_search() if watching else None
    result = frontier.run(search)
    notes = watched(result.complete) if watched is not None else ()
    return dataclasses.replace(result, warnings=(*result.warnings, *notes)) if notes else result
