"""Simulation: reproducible random walks for models too big to exhaust.

Each of ``runs`` walks starts from a random initial state and takes up to ``depth`` random
enabled actions, judging the ``always`` and ``sometimes`` properties on every state it
visits. The walks are drawn from ``random.Random(seed)``, so the same seed gives the same
walks, whatever PYTHONHASHSEED. A violation is shrunk before it is shown: steps are removed
(by their action labels, re-run on the shorter path) for as long as the property still fails,
then the shortest failing trace is replayed like every trace.

A simulation proves nothing: a property it did not refute stays ``unknown``.
"""

from __future__ import annotations

import random
import resource
import time
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.model import Model, format_label
from modelcheck.properties import ALWAYS, SOMETIMES, Property
from modelcheck.result import CheckResult, PropertyResult, Status
from modelcheck.trace import Trace, expand, initial_states, replay, verify

from ._search import Search

__all__ = ["shrink", "simulate"]


def simulate(search: Search, *, seed: int, runs: int, depth: int) -> CheckResult:
    """Run the random walks; return the result (traces shrunk and replayed)."""
    if runs < 1 or depth < 1:
        raise UsageError("simulation needs --runs and --depth of at least 1")
    if search.liveness:
        names = ", ".join(p.name for p in search.liveness)
        raise UsageError(f"simulation cannot judge liveness properties ({names})")
    model = search.model
    rng = random.Random(seed)
    props = [(pos, p) for pos, p in enumerate(search.properties) if p.kind in (ALWAYS, SOMETIMES)]
    found: dict[int, list[int]] = {}
    seen: set[Any] = set()
    steps = longest = 0
    inits = initial_states(model)
    actions = model.actions
    stop = False
    for _ in range(runs):
        choice = rng.randrange(len(inits))
        state, path = inits[choice], [choice]
        steps += 1
        for _ in range(depth):
            seen.add(state)
            for pos, prop in props:
                if pos not in found and bool(prop.predicate(state)) == (prop.kind == SOMETIMES):
                    found[pos] = list(path)
                    stop = stop or (prop.kind == ALWAYS and not search.keep_going)
            if stop:
                break
            options = list(actions(state))
            if not options:
                break
            choice = rng.randrange(len(options))
            state = options[choice][1]
            path.append(choice)
            steps += 1
        longest = max(longest, len(path))
        if stop or len(found) == len(props):
            break
    verdicts = []
    for pos, prop in enumerate(search.properties):
        status: Status = "unknown"
        trace = None
        if pos in found:
            kind = prop.kind
            trace = verify(model, shrink(model, found[pos], lambda s, p=prop: _hits(p, s)))
            status = "reached" if kind == SOMETIMES else "violated"
        verdicts.append(PropertyResult(prop.name, prop.kind, status, trace, prop.description))
    return CheckResult(
        model=model.name,
        params=dict(model.params),
        strategy="simulate",
        distinct=len(seen),
        generated=steps,
        depth=longest,
        complete=False,
        stopped="violation" if stop else "simulation",
        seconds=time.perf_counter() - search.start,
        peak_memory=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        properties=tuple(verdicts),
    )


def _hits(prop: Property, state: Any) -> bool:
    """True where ``prop`` is decided: an invariant false, a ``sometimes`` true."""
    return bool(prop.predicate(state)) == (prop.kind == SOMETIMES)


def shrink(model: Model[Any], path: list[int], hits: Any) -> Trace:
    """The shortest trace found by removing steps from ``path`` while ``hits`` stays true of
    its last state. Removed steps are dropped by label: the remaining actions are re-run by
    their labels on the shorter path (an action no longer enabled is skipped)."""
    trace = _cut(model, replay(model, path), hits)
    improved = True
    while improved:
        improved = False
        size = max(1, len(trace) // 2)
        while size >= 1 and not improved:
            labels = [format_label(s.label) for s in trace.steps[1:]]
            for start in range(len(labels) - size + 1):
                candidate = _by_labels(
                    model, trace.steps[0].choice, labels[:start] + labels[start + size :]
                )
                candidate = _cut(model, candidate, hits)
                if _holds_at_end(candidate, hits) and len(candidate) < len(trace):
                    trace, improved = candidate, True
                    break
            size //= 2
    return trace


def _by_labels(model: Model[Any], init: int, labels: list[str]) -> Trace:
    trace = replay(model, [init])
    for wanted in labels:
        for choice, (label, nxt) in enumerate(expand(model, trace.final, trace)):
            if format_label(label) == wanted:
                trace = trace.extend(choice, label, nxt)
                break
    return trace


def _cut(model: Model[Any], trace: Trace, hits: Any) -> Trace:
    """``trace`` up to the first state where ``hits`` is true (whole if none)."""
    for number, step in enumerate(trace.steps):
        if hits(step.state):
            return Trace(trace.steps[: number + 1])
    return trace


def _holds_at_end(trace: Trace, hits: Any) -> bool:
    return bool(hits(trace.final))
