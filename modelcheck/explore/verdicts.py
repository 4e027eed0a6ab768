"""After a search: the verdicts assembled into a :class:`~modelcheck.CheckResult`, each
trace rebuilt from the store and replayed before it is reported; liveness judged on the
complete graph (recorded during the search, or collected after it, over either store); the
counts of a model with a state constraint; the warnings."""

from __future__ import annotations

import functools
import resource
import time
from array import array
from typing import TYPE_CHECKING, Any

from modelcheck.errors import NondeterminismError
from modelcheck.fingerprint import fingerprint
from modelcheck.properties import LIVENESS, SOMETIMES, STEP, Property
from modelcheck.result import CheckResult, PropertyResult, Status
from modelcheck.trace import Trace, expand, initial_states, verify

from .graph import collect_edges
from .judging import confirm, step_note
from .liveness import Outcome, judge_liveness
from .regenerate import FingerprintStates, collect_edges_by_fingerprint
from .store import FingerprintStore

if TYPE_CHECKING:
    from ._search import Search

__all__ = ["assemble", "warnings"]


def assemble(search: Search, depth: int) -> CheckResult:
    """Assemble the verdicts, each trace rebuilt and replayed before it is reported."""
    if search.step_stop:
        search.stopped = "violation"
    complete = search.stopped is None
    model = search.model
    lasso: dict[str, Outcome | None] = {}
    if search.liveness and complete:
        lasso = _judge_liveness(search)
    seconds = search.prior_seconds + time.perf_counter() - search.start
    distinct = len(search.store)
    if search.constrained:
        distinct, depth = _inside_counts(search)
    verdicts = []
    for pos, prop in enumerate(search.properties):
        trace = None
        note = ""
        status: Status
        if prop.kind in LIVENESS:
            # Judged on the complete graph only; unknown when the search (or the
            # judging) stopped early.
            outcome = lasso.get(prop.name)
            if prop.name not in lasso:
                status = "unknown"
            elif outcome is None:
                status = "holds"
            else:
                status = "violated"
                trace, note = outcome.trace, outcome.note
        elif prop.kind == STEP and pos in search.step_found:
            trace = verify(model, _step_trace(search, prop, search.step_found[pos]))
            confirm(model, prop, trace)
            status = "violated"
            note = step_note(prop, trace)
        elif pos in search.found:
            trace = verify(model, search.trace_to(search.found[pos]))
            confirm(model, prop, trace)
            status = "reached" if prop.kind == SOMETIMES else "violated"
        elif not complete:
            status = "unknown"
        else:
            status = "unreached" if prop.kind == SOMETIMES else "holds"
        verdicts.append(PropertyResult(prop.name, prop.kind, status, trace, prop.description, note))
    store = search.store
    return CheckResult(
        model=model.name,
        params=dict(model.params),
        strategy=search.strategy,
        distinct=distinct,
        generated=search.generated,
        depth=depth,
        complete=complete,
        stopped=search.stopped,
        seconds=seconds,
        peak_memory=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        properties=tuple(verdicts),
        store="fingerprint" if isinstance(store, FingerprintStore) else "exact",
        store_bytes=store.nbytes() if isinstance(store, FingerprintStore) else None,
        warnings=warnings(search),
        checked=model,
    )


def warnings(search: Search) -> tuple[str, ...]:
    """What went wrong around the search without changing its verdicts."""
    found = []
    if search.stopped == "out-of-memory":
        found.append(
            f"out of memory after {len(search.store):,} states: the statistics are partial "
            "(--max-memory stops a search before that)"
        )
    checkpoint = search.checkpoint
    if checkpoint is not None and checkpoint.failed:
        found.append(checkpoint.failed)
    if search.por is not None:
        found.extend(search.por.summary())
    return tuple(found)


def _inside_counts(search: Search) -> tuple[int, int]:
    """The number and the depth of the stored states inside the constraint: TLC neither
    counts nor enqueues the others."""
    store = search.exact_store()
    inside = search.model.constraint
    levels = array("i")
    count = deepest = 0
    for number, (state, up) in enumerate(zip(store.states, store.parent, strict=True)):
        levels.append(1 if up < 0 else levels[up] + 1)
        if inside(state):
            count += 1
            deepest = max(deepest, levels[number])
    return count, deepest


def _step_trace(search: Search, prop: Property, state: Any) -> Trace:
    """The trace to ``state``, then its first step (in action order) that breaks the
    step property ``prop``. Under symmetry the trace ends in a member of ``state``'s
    class, whose breaking step is looked for again."""
    model = search.model
    trace = search.trace_of(state)
    assert trace is not None, "the state was stored when its step was judged"
    final = trace.final
    if len(trace) == 0 and prop.initial is not None and not prop.initial(final):
        return trace  # an initial state that breaks it
    for choice, (label, nxt) in enumerate(expand(model, final, trace)):
        if not prop.predicate(final, label, nxt):
            return trace.extend(choice, label, nxt)
    raise NondeterminismError(
        f"step property '{prop.name}' failed on a step of this state during the search, "
        "but on none when re-run: it must depend only on the step (and be symmetric)",
        trace,
    )


def _judge_liveness(search: Search) -> dict[str, Outcome | None]:
    """Judge the liveness properties on the complete graph (interrupted: none judged)."""
    if isinstance(search.store, FingerprintStore):
        return _judge_liveness_by_fingerprint(search, search.store)
    model = search.model
    store = search.exact_store()
    graph = search.graph
    try:
        if graph is None or len(graph) != len(store):
            labelled = search.graph.labelled if search.graph is not None else True
            graph = collect_edges(model, store.states, store.index, search.trace_to, labelled)
        inits = search.inits or initial_states(model)
        numbers = [store.index[s] for s in inits]
        return judge_liveness(
            model, graph, store.states, inits, numbers, search.liveness, search.trace_to
        )
    except KeyboardInterrupt:
        return {}


def _judge_liveness_by_fingerprint(
    search: Search, store: FingerprintStore
) -> dict[str, Outcome | None]:
    """:func:`_judge_liveness` over the fingerprint store: the states are regenerated by
    replay, in number order (:mod:`.regenerate`), once for the edges, then once per
    property for its predicates."""
    model = search.model
    try:
        inits = search.inits or initial_states(model)
        starts = store.stored_initials(inits, search.canon)
        labelled = search.graph.labelled if search.graph is not None else True
        actions = functools.partial(expand, model)
        graph = collect_edges_by_fingerprint(store, starts, actions, search.trace_to, labelled)
        found = [store.number_of(fingerprint(s)) for s in inits]
        numbers = [n for n in found if n is not None]
        assert len(numbers) == len(inits), "every initial state is stored"
        states = FingerprintStates(
            store, starts, actions, graph, lambda n: search.trace_to(n).final
        )
        liveness, trace_to = search.liveness, search.trace_to
        return judge_liveness(model, graph, states, inits, numbers, liveness, trace_to)
    except KeyboardInterrupt:
        return {}
