"""Simulation: reproducible random walks for models too big to exhaust.

Each of ``runs`` walks starts from a random initial state and takes up to ``depth`` random
enabled actions, judging the ``always`` and ``sometimes`` properties on every state it
visits and the step properties (``always_step``) on every step it takes. The walks are
drawn from ``random.Random(seed)``, so the same seed gives the same walks, whatever
PYTHONHASHSEED. A violation (or a ``sometimes`` example) is shrunk with
hypothesis before it is shown: the walk is written as a hypothesis strategy (which label to
take at each step), seeded into hypothesis's example database, and ``hypothesis.find``
shrinks it to fewer steps, then to labels earlier in sorted order (one canonical
interleaving). Shrinking is derandomized, so the same walk always shrinks to the same trace,
which is then replayed like every trace.

A simulation proves nothing: a property it did not refute stays ``unknown``.
"""

from __future__ import annotations

import random
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, NoReturn

from modelcheck.errors import ModelcheckError, ModelError, NondeterminismError, UsageError
from modelcheck.fairness import Fairness
from modelcheck.model import Model, format_label
from modelcheck.properties import ALWAYS, SOMETIMES, STEP, Property, not_a_bool
from modelcheck.result import CheckResult, Progress, PropertyResult, Status
from modelcheck.trace import Step, Trace, call_model, expand, initial_states, replay, verify
from modelcheck.values import check_depth, check_immutable

from ._search import Search
from .diagnosis import initial_states_twice, nondeterminism
from .judging import step_note
from .limits import PROGRESS_EVERY as _PROGRESS_EVERY  # (tests shorten it here)
from .limits import SAMPLE_FIRST, SAMPLE_MASK, VALIDATE_FIRST
from .liveness import lasso_note, lasso_problem

__all__ = ["shrink", "shrink_step", "simulate"]

#: Whether a walk ends at a step: the state before it (None at the initial state), the step.
_Ends = Callable[[Any, Step], bool]


def simulate(
    search: Search, *, seed: int, runs: int, depth: int, seen: set[Any] | None = None
) -> CheckResult:
    """Run the random walks; return the result (traces shrunk and replayed). ``seen``, if
    given, collects the states the walks visited (a swarm counts them over its walkers)."""
    if runs < 1 or depth < 1:
        raise UsageError("simulation needs --runs and --depth of at least 1")
    if search.canon is not None:  # the walks run the model's own actions()
        raise UsageError(
            "simulation walks concrete states and stores none: symmetry reduces nothing "
            "there (leave out --symmetry)"
        )
    model = search.model
    rng = random.Random(seed)
    props = [(pos, p) for pos, p in enumerate(search.properties) if p.kind in (ALWAYS, SOMETIMES)]
    step_props = [(pos, p) for pos, p in enumerate(search.properties) if p.kind == STEP]
    judged = len(props) + len(step_props)
    found: dict[int, list[int]] = {}
    lassos = _Lassos(search)
    where: dict[Any, int] = {}  # with liveness properties: the walk's states, by step
    seen = set() if seen is None else seen
    steps = longest = 0
    inits = initial_states_twice(model)
    actions = model.actions
    stop = False
    path: list[int] = []
    report = search.start + _PROGRESS_EVERY
    try:
        for walk in range(runs):
            if search.over_memory():
                break
            if search.progress is not None and (now := time.perf_counter()) >= report:
                report = now + _PROGRESS_EVERY
                search.progress(Progress(len(seen), steps, longest, 0, now - search.start, walk))
            choice = rng.randrange(len(inits))
            state, path = inits[choice], [choice]
            steps += 1
            for pos, prop in step_props:
                if pos not in found and prop.initial is not None and not prop.initial(state):
                    found[pos] = list(path)
                    stop = stop or not search.keep_going
            where.clear()
            for _ in range(depth if not stop else 0):
                if lassos.open:
                    if state in where:  # the walk closed a lasso: judge it, end the walk
                        stop = lassos.judge(path, where[state]) or stop
                        break
                    where[state] = len(path) - 1
                if len(seen) < VALIDATE_FIRST:  # before hashing: a deep value crashes hash
                    check_depth(state, "state")
                    check_immutable(state, "state")
                seen.add(state)
                for pos, prop in props:
                    if pos not in found and prop.predicate(state) is not (prop.kind == ALWAYS):
                        _require_bool(model, prop, state, path)
                        found[pos] = list(path)
                        stop = stop or (prop.kind == ALWAYS and not search.keep_going)
                if stop:
                    break
                if steps < SAMPLE_FIRST or not steps & SAMPLE_MASK:
                    _recheck(model, state, path)
                options = list(actions(state))
                if not options:
                    if lassos.open:  # a behaviour that stops here: a lasso with no loop
                        stop = lassos.judge(path, len(path) - 1) or stop
                    break
                choice = rng.randrange(len(options))
                label, nxt = options[choice]
                path.append(choice)
                for pos, prop in step_props:
                    if pos not in found and not prop.predicate(state, label, nxt):
                        found[pos] = list(path)
                        stop = stop or not search.keep_going
                state = nxt
                steps += 1
                if stop:
                    break
            longest = max(longest, len(path))
            if stop or (len(found) == judged and not lassos.open):
                break
    except KeyboardInterrupt:  # the walks so far stand, with what they found
        search.stopped = "interrupted"
        longest = max(longest, len(path))
    except Exception as exc:
        _fail(search, path, exc)
    verdicts = []
    for pos, prop in enumerate(search.properties):
        status: Status = "unknown"
        trace = None
        if prop.name in lassos.found:
            trace, note = lassos.found[prop.name]
            verdicts.append(
                PropertyResult(prop.name, prop.kind, "violated", trace, prop.description, note)
            )
            continue
        note = ""
        if pos in found:
            kind = prop.kind
            if kind == STEP:
                breaks = partial(_broken, prop)
                ends: _Ends = partial(_step_ends, breaks, prop.initial)
                shrunk = partial(shrink_step, model, found[pos], breaks, prop.initial)
            else:
                hits = partial(_hits, prop)
                ends = partial(_state_ends, hits)
                shrunk = partial(shrink, model, found[pos], hits)
            if search.stopped == "interrupted":  # no time to shrink: the walk, cut
                trace = verify(model, _cut(replay(model, found[pos]), ends))
            else:
                trace = verify(model, shrunk())
            status = "reached" if kind == SOMETIMES else "violated"
            note = step_note(prop, trace) if kind == STEP else ""
        verdicts.append(PropertyResult(prop.name, prop.kind, status, trace, prop.description, note))
    return CheckResult(
        model=model.name,
        params=dict(model.params),
        strategy="simulate",
        distinct=len(seen),
        generated=steps,
        depth=longest,
        complete=False,
        stopped="violation" if stop else search.stopped or "simulation",
        seconds=time.perf_counter() - search.start,
        peak_memory=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        properties=tuple(verdicts),
        checked=model,
    )


class _Lassos:
    """The liveness properties judged on the lassos the walks close, as TLC's simulation
    mode does: a walk that comes back to a state it visited (or stops) is a behaviour;
    it is replayed and, if it is fair and violates a property, that property's
    counterexample (not shrunk). A property no walk refuted stays unknown."""

    def __init__(self, search: Search) -> None:
        self.model = search.model
        self.keep_going = search.keep_going
        self.props = list(search.liveness)
        declared: tuple[Fairness, ...] = ()
        if self.props:
            declared = tuple(call_model(self.model.fairness_conditions, "fairness_conditions()"))
        self.conditions = {
            p.name: tuple(declared if p.fairness is None else p.fairness) for p in self.props
        }
        self.found: dict[str, tuple[Trace, str]] = {}

    @property
    def open(self) -> bool:
        """Whether a liveness property is still to be refuted."""
        return len(self.found) < len(self.props)

    def judge(self, path: list[int], loop: int) -> bool:
        """Judge the lasso ``path`` whose loop starts at step ``loop``; True if the
        simulation must stop (a property violated, without keep_going)."""
        trace = replace(replay(self.model, path), loop=loop)
        for prop in self.props:
            if prop.name in self.found:
                continue
            conditions = self.conditions[prop.name]
            if lasso_problem(self.model, prop, trace, conditions) is None:
                note = lasso_note(self.model, prop, trace, conditions)
                self.found[prop.name] = (trace, note)
                if not self.keep_going:
                    return True
        return False


def _recheck(model: Model[Any], state: Any, path: list[int]) -> None:
    """:meth:`Search.recheck` for a walk: the trace is the walk's, as far as it replays."""
    problem = nondeterminism(model, state)
    if problem is not None:
        try:
            trace: Trace | None = replay(model, path)
        except ModelcheckError:
            trace = None
        raise NondeterminismError(problem, trace)


def _require_bool(model: Model[Any], prop: Property, state: Any, path: list[int]) -> None:
    """A property judged to decide at ``state`` must have returned a bool there."""
    complaint = not_a_bool(prop.name, prop.predicate(state))
    if complaint is not None:
        raise ModelError(complaint, replay(model, path))


def _fail(search: Search, path: list[int], exc: Exception) -> NoReturn:
    """An exception escaped a walk along ``path``: re-run its last step carefully to raise a
    precise error with the trace that reached it."""
    if isinstance(exc, ModelError) and exc.trace is not None:
        raise exc
    trace = replay(search.model, path)
    search.check_state(trace.final, trace)
    for choice, (label, nxt) in enumerate(expand(search.model, trace.final, trace)):
        search.check_state(nxt, trace.extend(choice, label, nxt))
    raise NondeterminismError(
        f"the model raised {type(exc).__name__}: {exc} during the simulation, but not when "
        "re-run from the same state",
        trace,
    ) from exc


def _hits(prop: Property, state: Any) -> bool:
    """True where ``prop`` is decided: an invariant false, a ``sometimes`` true."""
    return bool(prop.predicate(state)) == (prop.kind == SOMETIMES)


def _broken(prop: Property, old: Any, label: Any, new: Any) -> bool:
    """True where the step ``old -label-> new`` breaks the step property ``prop``."""
    return not prop.predicate(old, label, new)


def _state_ends(hits: Callable[[Any], bool], old: Any, step: Step) -> bool:
    """A walk judged on states ends where its last state ``hits``."""
    return hits(step.state)


def _step_ends(
    breaks: Callable[[Any, Any, Any], bool],
    initial: Callable[[Any], bool] | None,
    old: Any,
    step: Step,
) -> bool:
    """A walk judged on steps ends at a step that ``breaks``, or at an initial state that
    fails ``initial``."""
    if old is None:
        return initial is not None and not initial(step.state)
    return breaks(old, step.label, step.state)


def shrink(model: Model[Any], path: Sequence[int], hits: Callable[[Any], bool]) -> Trace:
    """The walk along ``path``, cut at its first state where ``hits`` is true, shrunk with
    hypothesis to the shortest trace it finds whose last state ``hits``.

    A candidate walk is drawn from a hypothesis strategy: the index of its initial state, then
    for each step an index into the sorted labels of the walk's actions; the first action
    with that label is taken, a label not enabled there is skipped, and the walk stops where
    ``hits`` is true or after as many labels as the walk had steps. The walk itself is seeded into
    hypothesis's example database as a failing example not yet shrunk, so ``hypothesis.find``
    replays it first and shrinks it: fewer steps, then smaller indices (labels earlier in
    sorted order: one canonical interleaving of the same steps). If hypothesis finds nothing
    (it did not replay the seed), the cut walk is returned as it is.
    """
    return _shrink(model, path, partial(_state_ends, hits), on_steps=False)


def shrink_step(
    model: Model[Any],
    path: Sequence[int],
    breaks: Callable[[Any, Any, Any], bool],
    initial: Callable[[Any], bool] | None = None,
) -> Trace:
    """As :func:`shrink`, for a step property: the shortest trace found whose last step
    ``(old, label, new)`` ``breaks`` it (or whose initial state fails ``initial``)."""
    return _shrink(model, path, partial(_step_ends, breaks, initial), on_steps=True)


def _shrink(model: Model[Any], path: Sequence[int], ends: _Ends, *, on_steps: bool) -> Trace:
    """:func:`shrink` for a walk that ``ends`` at a step: judged on its last state, once per
    state, or (``on_steps``) on its last step, once per step."""
    walk = _cut(replay(model, path), ends)
    if len(walk) == 0 or not _ended(walk, ends):
        return walk
    # Imported here: hypothesis takes a tenth of a second to import, and only a simulation
    # that found something needs it.
    from unittest import SkipTest

    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis import strategies as st
    from hypothesis.database import InMemoryExampleDatabase, choices_to_bytes
    from hypothesis.errors import NoSuchExample

    inits = initial_states(model)
    labels = sorted({format_label(step.label) for step in walk.steps[1:]})
    number = {label: index for index, label in enumerate(labels)}
    moves: dict[Any, dict[str, Step] | None] = {}
    judged: dict[Any, bool] = {}

    def options(state: Any) -> dict[str, Step] | None:
        """The first action of each label from ``state`` (None: the model raised there)."""
        if state not in moves:
            found: dict[str, Step] = {}
            try:
                for choice, (label, nxt) in enumerate(expand(model, state)):
                    found.setdefault(format_label(label), Step(choice, label, nxt))
            except Exception:  # a candidate is no counterexample where the model fails
                moves[state] = None
            else:
                moves[state] = found
        return moves[state]

    def hit(steps: Sequence[Step]) -> bool:
        """Whether the walk ``steps`` ends at its last step (judged once per step)."""
        old = steps[-2].state if len(steps) > 1 else None
        key = (old, steps[-1].choice) if on_steps else steps[-1].state
        if key not in judged:
            try:
                judged[key] = bool(ends(old, steps[-1]))
            except Exception:  # as above: the walk's own steps were all judged
                judged[key] = False
        return judged[key]

    @st.composite
    def walks(draw: st.DrawFn) -> Trace:
        first = draw(st.integers(0, len(inits) - 1))
        steps = [Step(first, None, inits[first])]
        for _ in range(len(walk)):
            if hit(steps):
                break
            wanted = labels[draw(st.integers(0, len(labels) - 1))]
            here = options(steps[-1].state)
            if here is None:
                break
            if wanted in here:
                steps.append(here[wanted])
        return Trace(tuple(steps))

    # The walk's choices, as ``walks`` draws them: its initial state, then its labels.
    seed = [walk.steps[0].choice, *(number[format_label(s.label)] for s in walk.steps[1:])]
    database = InMemoryExampleDatabase()
    # The secondary corpus holds failing examples not known to be minimal (hypothesis's own
    # fuzz_one_input saves there): the reuse phase replays them and the shrink phase shrinks
    # them. (An exact replay of a primary entry would be taken as already shrunk.)
    database.save(_KEY + b".secondary", choices_to_bytes(seed))
    config = settings(
        # derandomize=True given alone turns the database off; inherited, it does not. The
        # shrinker's random choices are then seeded from a digest of ``find``'s own test
        # function, so the same walk shrinks the same way in every run and process.
        settings(derandomize=True),
        database=database,
        phases=[Phase.reuse, Phase.shrink],  # no example is generated: only the seed shrunk
        max_examples=1,
        deadline=None,
        verbosity=Verbosity.quiet,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
        backend="hypothesis",
    )
    try:
        return find(walks(), lambda trace: hit(trace.steps), settings=config, database_key=_KEY)
    except (NoSuchExample, SkipTest):  # the seed was not replayed: nothing to shrink from
        return walk


_KEY = b"modelcheck.explore.simulate.shrink"


def _cut(trace: Trace, ends: _Ends) -> Trace:
    """``trace`` up to the first step where it ``ends`` (whole if none)."""
    old = None
    for number, step in enumerate(trace.steps):
        if ends(old, step):
            return Trace(trace.steps[: number + 1])
        old = step.state
    return trace


def _ended(trace: Trace, ends: _Ends) -> bool:
    """Whether ``trace`` ends at its last step."""
    steps = trace.steps
    return ends(steps[-2].state if len(steps) > 1 else None, steps[-1])
