"""What breadth- and depth-first search share: limits, property bookkeeping, error diagnosis
and the assembly of the result with rebuilt, replayed traces."""

from __future__ import annotations

import bisect
import difflib
import functools
import math
import resource
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from modelcheck.errors import ModelError, NondeterminismError, OutOfMemory, UsageError
from modelcheck.fingerprint import fingerprint
from modelcheck.model import Model, format_label
from modelcheck.properties import (
    ALWAYS,
    DEADLOCK,
    LIVENESS,
    SOMETIMES,
    STEP,
    Property,
    not_a_bool,
)
from modelcheck.result import CheckResult, Progress, PropertyResult, Status
from modelcheck.trace import (
    Step,
    Trace,
    call_model,
    expand,
    initial_states,
    rebuild,
    verify,
)
from modelcheck.values import check_depth, check_immutable

from .checkpoint import Checkpointer, Saved
from .graph import Graph, collect_edges
from .liveness import Outcome, judge_liveness
from .memory import held
from .reductions import partial_order, symmetric
from .regenerate import FingerprintStates, collect_edges_by_fingerprint
from .store import FingerprintStore, StateStore

__all__ = [
    "SAMPLE_FIRST",
    "SAMPLE_MASK",
    "TICK_MASK",
    "VALIDATE_FIRST",
    "Limits",
    "Search",
    "check_seconds",
    "initial_states_twice",
    "nondeterminism",
    "step_holds",
    "step_note",
]

#: The first this many distinct states are checked deeply for immutability.
VALIDATE_FIRST = 1000
#: How often (in expanded states) the search looks at the clock.
TICK_MASK = 1023
#: The states whose ``actions()`` are run twice more and compared, to catch a model that is
#: not a function of its state (``random``, a global counter): the first SAMPLE_FIRST by
#: number, then every state whose number is a multiple of SAMPLE_MASK + 1. The sample
#: depends only on the numbering, never on a seed or the clock.
SAMPLE_FIRST = 100
SAMPLE_MASK = 255
_PROGRESS_EVERY = 0.5


@dataclass(frozen=True)
class Limits:
    """Bounds on a search; None means unbounded. ``max_depth`` counts levels, initial = 1."""

    max_depth: int | None = None
    max_states: int | None = None
    time_limit: float | None = None
    max_memory: int | None = None  # bytes of resident memory

    def __post_init__(self) -> None:
        for name in ("max_depth", "max_states", "max_memory"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1, not {value}")
        if self.time_limit is not None:
            check_seconds("time-limit", self.time_limit)


def check_seconds(name: str, value: float) -> None:
    """A duration option must be a positive, finite number of seconds (not nan, not inf).

    >>> check_seconds("time-limit", float("nan"))
    Traceback (most recent call last):
    ...
    modelcheck.errors.UsageError: time-limit must be a positive, finite number of seconds, not nan
    """
    if not 0 < value < math.inf:
        raise UsageError(f"{name} must be a positive, finite number of seconds, not {value}")


#: (position, predicate, is_always). A loop judges ``pred(state) is not is_always``: only
#: the bool that decides nothing (True for an invariant, False for a ``sometimes``) lets a
#: state pass, so a value that is not a bool counts as a decision, and
#: :meth:`Search.result` then reports it as the model error it is (:func:`not_a_bool`).
Check = tuple[int, Callable[[Any], Any], bool]


class Search:
    """One search's shared state. Strategies run the loop; this keeps the books."""

    def __init__(
        self,
        model: Model[Any],
        strategy: str,
        limits: Limits,
        keep_going: bool,
        progress: Callable[[Progress], None] | None,
        deadlock: bool | None = None,
        symmetry: bool = False,
        store: str = "exact",
        checkpoint: Checkpointer | None = None,
        resume: bool = False,
        por: bool = False,
        only: Sequence[str] | None = None,
        safety_only: bool = False,
    ) -> None:
        self.model = model
        self.strategy = strategy
        self.limits = limits
        self.keep_going = keep_going
        self.progress = progress
        self.properties = _choose(
            model,
            _collect_properties(model, model.deadlock if deadlock is None else deadlock),
            only,
            safety_only,
        )
        self.found: dict[int, int] = {}
        self.checks: list[Check] = [
            (pos, p.predicate, p.kind == ALWAYS)
            for pos, p in enumerate(self.properties)
            if p.kind in (ALWAYS, SOMETIMES)
        ]
        self.deadlock_pos = next(
            (pos for pos, p in enumerate(self.properties) if p.kind == DEADLOCK), None
        )
        self._store_kind = store
        self.store: StateStore | FingerprintStore = _make_store(store, strategy)
        # Liveness properties need the graph's edges; safety-only searches never keep them.
        self.liveness = [p for p in self.properties if p.kind in LIVENESS]
        self.graph: Graph | None = None
        if self.liveness:
            fairness = call_model(model.fairness_conditions, "fairness_conditions()")
            own = any(p.fairness for p in self.liveness)
            self.graph = Graph(labelled=bool(fairness) or own)
        self.canon: Callable[[Any], Any] | None = None
        self.actions: Callable[[Any], Any] = model.actions
        #: The partial-order reduction (``por``), for its one-line note.
        self.por: Any = None
        #: The parts of states found nested shallowly enough (``actions_for``).
        self._depth_known: dict[int, tuple[Any, int]] = {}
        #: Asked by breadth-first search at each level's start: True to stop there and
        #: hand the search to shards (their driver runs POR's sample: :mod:`.parallel`),
        #: which then start at ``handed`` (the first state to expand, its level, its end).
        self.hand_over: Callable[[], bool] | None = None
        self.handed: tuple[int, int, int] | None = None
        #: The level last asked about by the cycle proviso: (parent links, start, end).
        self._levels: tuple[Any, int, int] = (None, 0, 0)
        #: Step properties: the state whose step first broke each (by position).
        self.step_found: dict[int, Any] = {}
        self._open_steps: list[tuple[int, Callable[..., Any]]] = []
        self._step_stop = False
        if any(p.kind == STEP for p in self.properties):
            self._use_steps()
        if symmetry:
            self._use_symmetry()
        if por:
            self._use_por()
        #: TLC's CONSTRAINT: states outside it are stored (for their traces) but not
        #: expanded, and not counted as distinct.
        self.constrained = model.has_constraint()
        if self.constrained:
            self._use_constraint()
        self.generated = 0
        self.stopped: str | None = None
        self.inits: list[Any] = []
        self.checkpoint = checkpoint
        if checkpoint is not None and self.por is not None and self.por.learns:
            raise UsageError(
                "--por learns what properties without reads= read, and may start the search "
                f"over, which a checkpoint cannot resume: declare reads on {self.por.learns} "
                "(or leave out --checkpoint)"
            )
        self.resuming = resume
        self.prior_seconds = 0.0  # time spent before the checkpoint this search resumed
        self.start = time.perf_counter()
        self._deadline = (
            self.start + limits.time_limit if limits.time_limit is not None else float("inf")
        )
        self._next_report = self.start + _PROGRESS_EVERY

    def _use_symmetry(self) -> None:
        """Store one representative per symmetry class: successors are made canonical."""
        self.canon, self.actions = symmetric(self.model, self.actions, self.liveness)

    def _use_por(self) -> None:
        """Partial-order reduction (actor systems, :mod:`modelcheck.actors.por`): expand a
        persistent subset of each state's steps, and judge properties on what they read."""
        por = partial_order(
            self.model,
            self.strategy,
            self.properties,
            self.liveness,
            self.canon is not None,
            self._closes_cycle,
            self._trace_of,
        )
        self.por = por
        por.on_switch = self._judge_for_por
        self._judge_for_por()
        self.actions = por.actions

    def _judge_for_por(self) -> None:
        """The undecided safety properties judged as the reduction asks, now (it changes
        how as it learns what they read, or when it stops reducing)."""
        por = self.por
        self.checks = [
            (pos, por.predicate(self.properties[pos]), is_always)
            for pos, _pred, is_always in self.checks
        ]

    def restart(self) -> None:
        """Start the search over with the same options and reductions (which keep what they
        learnt): a reduction asked for it (:class:`~.reductions.Restart`). The time and
        the limits run on."""
        self.store = _make_store(self._store_kind, self.strategy)
        self.found = {}
        self.checks = [
            (pos, p.predicate, p.kind == ALWAYS)
            for pos, p in enumerate(self.properties)
            if p.kind in (ALWAYS, SOMETIMES)
        ]
        self.deadlock_pos = next(
            (pos for pos, p in enumerate(self.properties) if p.kind == DEADLOCK), None
        )
        if self.por is not None:
            self._judge_for_por()
        self.generated = 0
        self.stopped = None
        self.inits = []
        self._depth_known = {}

    def _use_steps(self) -> None:
        """Judge the step properties on every step the search computes: the actions are
        wrapped, and the first state (in the search's order) with a step that breaks one
        is kept; without ``keep_going`` the search then stops, through
        :class:`_StepViolated` (a KeyboardInterrupt, the one exception the loops stop on
        without diagnosing it). :meth:`result` rebuilds the trace and adds the step."""
        actions = self.actions
        open_steps = [(pos, p.predicate) for pos, p in enumerate(self.properties) if p.kind == STEP]
        self._open_steps = open_steps  # an initial state may break one first

        def judged_actions(state: Any) -> Any:
            pairs = list(actions(state))
            for pos, pred in list(open_steps):
                if not all(pred(state, label, nxt) for label, nxt in pairs):
                    self.step_found[pos] = state
                    open_steps.remove((pos, pred))
                    if not self.keep_going:
                        self._step_stop = True
                        raise _StepViolated
            return pairs

        self.actions = judged_actions

    def _initial_breaks(self, state: Any) -> bool:
        """Judge the step properties' conditions on initial states (a refinement's) on the
        stored initial ``state``; True if one is broken and the search must stop."""
        for pos, prop in enumerate(self.properties):
            if prop.initial is None or pos in self.step_found or prop.initial(state):
                continue
            self.step_found[pos] = state
            self._open_steps.remove((pos, prop.predicate))
            if not self.keep_going:
                self._step_stop = True
                return True
        return False

    def _use_constraint(self) -> None:
        """TLC's CONSTRAINT: a state outside it is stored and judged but expands to nothing,
        and is left out of the distinct count and the depth (:meth:`_inside_counts`)."""
        if self.strategy != "bfs" or not isinstance(self.store, StateStore):
            raise UsageError(
                f"{self.model.name} declares a state constraint, which works with bfs and the "
                "exact store: leave out --strategy and --store"
            )
        if self.liveness:
            names = ", ".join(p.name for p in self.liveness)
            raise UsageError(
                f"{self.model.name} declares a state constraint, which liveness properties "
                f"({names}) do not support yet: leave them out (--safety-only)"
            )
        inside = self.model.constraint
        actions = self.actions

        def constrained_actions(state: Any) -> Any:
            return actions(state) if inside(state) else ()

        self.actions = constrained_actions

    def _closes_cycle(self, state: Any, succ: Any) -> bool:
        """Whether the step ``state -> succ`` may close a cycle of the reduced graph.

        Breadth-first (either store): ``succ`` is stored at a level no deeper than
        ``state``'s. Every cycle of the reduced graph has such a step (levels along a step
        grow by at most one, and cannot grow all the way round), so every cycle has a state
        expanded in full. The answer depends only on the levels up to ``state``'s, never on
        the order in which a level is expanded, so sharded searches (:mod:`.shard`) ask the
        same question and count the same states. Depth-first: ``succ`` is stored."""
        store = self.store
        if self.strategy != "bfs":
            return succ in store.index
        if isinstance(store, StateStore):
            number = store.index.get(succ)
            here = store.index.get(state) if number is not None else None
        else:
            number = store.number_of(fingerprint(succ))
            here = store.number_of(fingerprint(state)) if number is not None else None
        if number is None:
            return False
        return here is None or number < self._level_end(store.parent, here)

    def _level_end(self, parent: array[int], number: int) -> int:
        """The first number after the level of state ``number`` (breadth-first: parents
        never decrease along the numbers, so a level ends where the parents reach it)."""
        cached = self._levels
        if cached[0] is parent and cached[1] <= number:
            _, start, end = cached
        else:
            start, end = 0, bisect.bisect_left(parent, 0)
        while number >= end:
            start, end = end, bisect.bisect_left(parent, end)
        self._levels = (parent, start, end)
        return end

    def _trace_of(self, state: Any) -> Trace | None:
        """The trace to a stored state, for an error found at it (None if not found)."""
        store = self.store
        if isinstance(store, StateStore):
            number = store.index.get(state)
        else:
            try:
                number = store.fps.index(fingerprint(state))
            except ValueError:
                number = None
        return None if number is None else self.trace_to(number)

    # -- during the search ----------------------------------------------------------------

    def hit(self, pos: int, number: int) -> bool:
        """Property ``pos`` was decided at state ``number``; True if the search must stop.

        Only the first decision counts: a property's list of checks is read once per
        expanded state, so a later successor of the same state may hit it again.
        """
        if pos in self.found:
            return False
        if pos == self.deadlock_pos and self.constrained and self._is_outside(number):
            return False  # a state outside the constraint is not expanded, not deadlocked
        self.found[pos] = number
        self.checks = [c for c in self.checks if c[0] != pos]
        if pos == self.deadlock_pos:
            self.deadlock_pos = None
        violated = self.properties[pos].kind != SOMETIMES
        if violated and not self.keep_going:
            self.stopped = "violation"
            return True
        return False

    def tick(self, depth: int, queue: int) -> bool:
        """Look at the clock and the memory: True if the time limit is up or the process
        holds more than ``max_memory``. Reports progress now and then."""
        now = time.perf_counter()
        if now >= self._deadline:
            self.stopped = "time-limit"
            return True
        if self.over_memory():
            return True
        if self.progress is not None and now >= self._next_report:
            self._next_report = now + _PROGRESS_EVERY
            self.progress(Progress(len(self.store), self.generated, depth, queue, now - self.start))
        return False

    def over_memory(self, pids: Sequence[int] = ()) -> bool:
        """True (and the search stopped at ``max-memory``) if this process and ``pids``
        together hold more resident memory than the bound."""
        bound = self.limits.max_memory
        if bound is None or held(pids) <= bound:
            return False
        self.stopped = "max-memory"
        return True

    def between_states(
        self, depth: int, queue: int, position: tuple[int, ...], **extra: Any
    ) -> bool:
        """:meth:`tick`, at a point where no state is half expanded, plus the checkpoint:
        save when one is due or the search stops here (``position`` is where to go on,
        ``extra`` the strategy's other books); True if the search must stop (the time
        limit, or a Ctrl-C that asked for a save)."""
        checkpoint = self.checkpoint
        if self.tick(depth, queue):
            if checkpoint is not None:
                self.save(position, self.generated, **extra)
            return True
        if checkpoint is not None and checkpoint.due():
            self.save(position, self.generated, **extra)
            if checkpoint.stop_asked:
                self.stopped = "interrupted"
                return True
        return False

    def actions_for(self, stored: int) -> Callable[[Any], Any]:
        """The successor function a loop should use while ``stored`` states are stored: among
        the first :data:`VALIDATE_FIRST`, one that checks each successor's nesting before the
        loop hashes it (a value nested deep enough crashes ``hash``); then the plain one.
        Loops ask again when they look at the clock, so the check costs nothing later."""
        actions = self.actions
        known = self._depth_known
        if stored >= VALIDATE_FIRST:
            known.clear()  # (the parts it holds)
            return actions

        def checked(state: Any) -> Iterator[Any]:
            for item in actions(state):
                if isinstance(item, tuple) and len(item) == 2:
                    check_depth(item[1], "state", known)
                yield item

        return checked

    def add_initial_states(self) -> bool:
        """Store and check the initial states; True if the search must stop already. An
        exception the model raises there is reported as :meth:`fail` reports it."""
        try:
            return self._add_initial_states()
        except Exception as exc:
            self.fail(exc, -1)

    def _add_initial_states(self) -> bool:
        self.inits = initial_states_twice(self.model)
        store = self.store
        for choice, state in enumerate(self.inits):
            self.generated += 1
            self.check_state(state, Trace((Step(choice, None, state),)))
            if self.canon is not None:
                state = self.canon(state)
            if state in store.index:
                continue
            number = store.add(state, -1)
            for pos, pred, is_always in self.checks:
                if pred(state) is not is_always and self.hit(pos, number):
                    return True
            if self._initial_breaks(state):
                return True
            if self.limits.max_states is not None and len(store) >= self.limits.max_states:
                self.stopped = "max-states"
                return True
        return False

    def check_state(self, state: Any, trace: Trace) -> None:
        """Check a state is a hashable immutable value, and every property evaluates on it."""
        try:
            check_depth(state, "state")  # first: hashing a deep value recurses
        except ModelError as exc:
            raise ModelError(exc.message, trace) from None
        try:
            hash(state)
        except TypeError as exc:
            message = f"a state is not hashable ({exc}): states must be immutable"
            raise ModelError(message, trace) from None
        try:
            check_immutable(state, "state")
        except ModelError as exc:
            raise ModelError(exc.message, trace) from None
        for prop in self.properties:
            if prop.kind in (ALWAYS, SOMETIMES):
                name = f"property '{prop.name}'"
                value = call_model(lambda p=prop: p.predicate(state), name, trace)  # type: ignore[misc]
                complaint = not_a_bool(prop.name, value)
                if complaint is not None:
                    raise ModelError(complaint, trace)
            elif prop.kind == STEP:  # judged on the trace's last step (or initial state)
                name = f"property '{prop.name}'"
                call_model(lambda p=prop: step_holds(p, trace), name, trace)  # type: ignore[misc]
            elif prop.kind != DEADLOCK:
                name = f"property '{prop.name}'"
                call_model(lambda p=prop: p.predicate(state), name, trace)  # type: ignore[misc]

    def recheck(self, number: int, state: Any) -> None:
        """State ``number`` is in the sample (:data:`SAMPLE_FIRST`, :data:`SAMPLE_MASK`):
        run the model's ``actions()`` on it twice and compare; a difference is a
        :class:`NondeterminismError`, whatever the verdicts. Called inside a loop's
        ``try``: :meth:`fail` adds the trace, or finds a more precise error first."""
        problem = nondeterminism(self.model, state)
        if problem is not None:
            raise NondeterminismError(problem)

    def fail(self, exc: Exception, number: int) -> NoReturn:
        """An exception escaped the fast loop while expanding state ``number`` (-1: the
        initial states). Re-run that step carefully to raise a precise, traced error."""
        if isinstance(exc, ModelError) and exc.trace is not None:
            raise exc
        if isinstance(exc, MemoryError):  # the engine's or the model's: no one's bug
            raise OutOfMemory(f"out of memory after {len(self.store):,} states") from None
        if isinstance(exc, NondeterminismError):  # found by a sample, maybe by a worker
            if number >= 0:
                try:
                    exc.trace = self.trace_to(number)
                except ModelError as partial:  # as much as the model lets be rebuilt
                    exc.trace = partial.trace
                else:  # successors that differ from call to call: mutable ones, say?
                    self._check_successors(exc.trace)
            raise exc
        if number < 0:
            for choice, state in enumerate(initial_states(self.model)):
                self._check_again(state, Trace((Step(choice, None, state),)))
            trace = None
        else:
            trace = self.trace_to(number)
            self._check_successors(trace)
        raise NondeterminismError(
            f"the model raised {type(exc).__name__}: {exc} during the search, but not when "
            "re-run from the same state",
            trace,
        ) from exc

    def _check_successors(self, trace: Trace) -> None:
        """Expand the last state of ``trace`` carefully: every step a pair, every successor
        hashable, immutable and judged by every property (a precise error if not), and
        through the model's ``canonical()`` if the search uses it."""
        for choice, (label, nxt) in enumerate(expand(self.model, trace.final, trace)):
            self._check_again(nxt, trace.extend(choice, label, nxt))

    def _check_again(self, state: Any, trace: Trace) -> None:
        """:meth:`check_state`, then the model's ``canonical()`` if the search uses it."""
        self.check_state(state, trace)
        canon = self.canon
        if canon is not None:
            call_model(lambda: canon(state), "canonical()", trace)

    def save(self, position: tuple[Any, ...], generated: int, **extra: Any) -> None:
        """Write a checkpoint: the strategy goes on from ``position`` on resuming."""
        assert self.checkpoint is not None
        self.checkpoint.save(
            Saved(
                run=self.checkpoint.run,
                position=position,
                store=self.store,
                generated=generated,
                found=dict(self.found),
                inits=self.inits,
                seconds=self.prior_seconds + time.perf_counter() - self.start,
                graph=self.graph,
                extra=extra,
            )
        )

    def resume(self) -> Saved:
        """Take up the books of the checkpoint being resumed; return it."""
        assert self.checkpoint is not None
        saved = self.checkpoint.load()
        self.store = saved.store
        self.generated = saved.generated
        self.inits = saved.inits
        self.graph = saved.graph
        self.prior_seconds = saved.seconds
        for pos, number in saved.found.items():
            self.hit(pos, number)
        self.stopped = None
        return saved

    def exact_store(self) -> StateStore:
        """The store, for the strategies that need the states themselves."""
        store = self.store
        assert isinstance(store, StateStore), "this strategy needs the exact store"
        return store

    def _is_outside(self, number: int) -> bool:
        return not self.model.constraint(self.exact_store().states[number])

    # -- after the search -----------------------------------------------------------------

    def _inside_counts(self) -> tuple[int, int]:
        """The number and the depth of the stored states inside the constraint: TLC neither
        counts nor enqueues the others."""
        store = self.exact_store()
        inside = self.model.constraint
        levels = array("i")
        count = deepest = 0
        for number, (state, up) in enumerate(zip(store.states, store.parent, strict=True)):
            levels.append(1 if up < 0 else levels[up] + 1)
            if inside(state):
                count += 1
                deepest = max(deepest, levels[number])
        return count, deepest

    def trace_to(self, number: int) -> Trace:
        """The trace to state ``number``, rebuilt from the store (not yet replayed)."""
        store = self.store
        if isinstance(store, FingerprintStore):
            inits = self.inits or initial_states(self.model)
            states = store.path_states(number, inits, self.actions, self.canon)
        else:
            states = [store.states[i] for i in store.path_to(number)]
        return rebuild(self.model, states, self.inits or None, self.canon)

    def result(self, depth: int) -> CheckResult:
        """Assemble the verdicts, each trace rebuilt and replayed before it is reported."""
        if self._step_stop:
            self.stopped = "violation"
        complete = self.stopped is None
        lasso: dict[str, Outcome | None] = {}
        if self.liveness and complete:
            lasso = self._judge_liveness()
        seconds = self.prior_seconds + time.perf_counter() - self.start
        distinct = len(self.store)
        if self.constrained:
            distinct, depth = self._inside_counts()
        verdicts = []
        for pos, prop in enumerate(self.properties):
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
            elif prop.kind == STEP and pos in self.step_found:
                trace = verify(self.model, self._step_trace(prop, self.step_found[pos]))
                self._confirm(prop, trace)
                status = "violated"
                note = step_note(prop, trace)
            elif pos in self.found:
                trace = verify(self.model, self.trace_to(self.found[pos]))
                self._confirm(prop, trace)
                status = "reached" if prop.kind == SOMETIMES else "violated"
            elif not complete:
                status = "unknown"
            else:
                status = "unreached" if prop.kind == SOMETIMES else "holds"
            verdicts.append(
                PropertyResult(prop.name, prop.kind, status, trace, prop.description, note)
            )
        return CheckResult(
            model=self.model.name,
            params=dict(self.model.params),
            strategy=self.strategy,
            distinct=distinct,
            generated=self.generated,
            depth=depth,
            complete=complete,
            stopped=self.stopped,
            seconds=seconds,
            peak_memory=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            properties=tuple(verdicts),
            store="fingerprint" if isinstance(self.store, FingerprintStore) else "exact",
            store_bytes=self.store.nbytes() if isinstance(self.store, FingerprintStore) else None,
            warnings=self.warnings(),
            checked=self.model,
        )

    def _step_trace(self, prop: Property, state: Any) -> Trace:
        """The trace to ``state``, then its first step (in action order) that breaks the
        step property ``prop``. Under symmetry the trace ends in a member of ``state``'s
        class, whose breaking step is looked for again."""
        trace = self._trace_of(state)
        assert trace is not None, "the state was stored when its step was judged"
        final = trace.final
        if len(trace) == 0 and prop.initial is not None and not prop.initial(final):
            return trace  # an initial state that breaks it
        for choice, (label, nxt) in enumerate(expand(self.model, final, trace)):
            if not prop.predicate(final, label, nxt):
                return trace.extend(choice, label, nxt)
        raise NondeterminismError(
            f"step property '{prop.name}' failed on a step of this state during the search, "
            "but on none when re-run: it must depend only on the step (and be symmetric)",
            trace,
        )

    def warnings(self) -> tuple[str, ...]:
        """What went wrong around the search without changing its verdicts."""
        found = []
        if self.stopped == "out-of-memory":
            found.append(
                f"out of memory after {len(self.store):,} states: the statistics are partial "
                "(--max-memory stops a search before that)"
            )
        checkpoint = self.checkpoint
        if checkpoint is not None and checkpoint.failed:
            found.append(checkpoint.failed)
        if self.por is not None:
            found.extend(self.por.summary())
        return tuple(found)

    def _judge_liveness(self) -> dict[str, Outcome | None]:
        """Judge the liveness properties on the complete graph (interrupted: none judged)."""
        if isinstance(self.store, FingerprintStore):
            return self._judge_liveness_by_fingerprint(self.store)
        store = self.exact_store()
        graph = self.graph
        try:
            if graph is None or len(graph) != len(store):
                labelled = self.graph.labelled if self.graph is not None else True
                graph = collect_edges(
                    self.model, store.states, store.index, self.trace_to, labelled
                )
            inits = self.inits or initial_states(self.model)
            numbers = [store.index[s] for s in inits]
            return judge_liveness(
                self.model, graph, store.states, inits, numbers, self.liveness, self.trace_to
            )
        except KeyboardInterrupt:
            return {}

    def _judge_liveness_by_fingerprint(self, store: FingerprintStore) -> dict[str, Outcome | None]:
        """:meth:`_judge_liveness` over the fingerprint store: the states are regenerated by
        replay, in number order (:mod:`.regenerate`), once for the edges, then once per
        property for its predicates."""
        model = self.model
        try:
            inits = self.inits or initial_states(model)
            starts = store.stored_initials(inits, self.canon)
            labelled = self.graph.labelled if self.graph is not None else True
            actions = functools.partial(expand, model)
            graph = collect_edges_by_fingerprint(store, starts, actions, self.trace_to, labelled)
            found = [store.number_of(fingerprint(s)) for s in inits]
            numbers = [n for n in found if n is not None]
            assert len(numbers) == len(inits), "every initial state is stored"
            states = FingerprintStates(
                store, starts, actions, graph, lambda n: self.trace_to(n).final
            )
            return judge_liveness(
                model, graph, states, inits, numbers, self.liveness, self.trace_to
            )
        except KeyboardInterrupt:
            return {}

    def _confirm(self, prop: Property, trace: Trace) -> None:
        """The replayed trace must show the same verdict the search found."""
        if prop.kind == DEADLOCK:
            same = not expand(self.model, trace.final, trace)
        elif prop.kind == STEP:
            same = not call_model(lambda: step_holds(prop, trace), prop.name, trace)
        else:
            value = call_model(lambda: prop.predicate(trace.final), prop.name, trace)
            complaint = not_a_bool(prop.name, value)
            if complaint is not None:
                raise ModelError(complaint, trace)
            same = value == (prop.kind == SOMETIMES)
        if not same:
            raise NondeterminismError(
                f"property '{prop.name}' gave a different answer on the replayed trace: "
                "it must depend only on the state",
                trace,
            )


def step_holds(prop: Property, trace: Trace) -> bool:
    """Whether the step property ``prop`` holds of ``trace``'s last step (of a trace with no
    step: of its initial state, by ``prop.initial``)."""
    if len(trace.steps) == 1:
        return prop.initial is None or bool(prop.initial(trace.final))
    old, last = trace.steps[-2].state, trace.steps[-1]
    return bool(prop.predicate(old, last.label, last.state))


def step_note(prop: Property, trace: Trace) -> str:
    """The note under a step property's counterexample: what of it the property is false
    of."""
    what = "the initial state" if len(trace.steps) == 1 else "the last step"
    return f"{prop.name} is false of {what}"


def initial_states_twice(model: Model[Any]) -> list[Any]:
    """The model's initial states, asked for twice: both answers must be the same."""
    inits = initial_states(model)
    for choice, state in enumerate(inits):  # before comparing: a deep value recurses
        try:
            check_depth(state, "state")
        except ModelError as exc:
            raise ModelError(exc.message, Trace((Step(choice, None, state),))) from None
    if initial_states(model) != inits:
        raise NondeterminismError(
            "the model is nondeterministic: init_states() gave other states when run again"
        )
    return inits


def nondeterminism(model: Model[Any], state: Any) -> str | None:
    """Run ``model.actions(state)`` twice: None if both gave the same steps (labels and
    successors, in order), else a one-line description of the first difference."""
    first = list(model.actions(state))
    second = list(model.actions(state))
    if first == second:
        return None
    what = "the model is nondeterministic: actions() run twice on the same state gave"
    for k, (one, two) in enumerate(zip(first, second, strict=False)):
        if one != two:
            if not (isinstance(one, tuple) and isinstance(two, tuple)):
                return f"{what} other steps (step {k})"
            if one[0] != two[0]:
                labels = f"{format_label(one[0])} then {format_label(two[0])}"
                return f"{what} other steps (step {k}: {labels})"
            return f"{what} other successors (step {k}: {format_label(one[0])})"
    return f"{what} {len(first)} steps, then {len(second)}"


class _StepViolated(KeyboardInterrupt):
    """Raised from the wrapped actions to stop the search at a step property's violation."""


def _make_store(kind: str, strategy: str) -> StateStore | FingerprintStore:
    if kind == "exact":
        return StateStore()
    if kind != "fingerprint":
        raise UsageError(f"unknown store '{kind}': choose exact, fingerprint")
    if strategy == "simulate":
        raise UsageError(
            "simulation keeps no store (each walk remembers only itself): leave out --store"
        )
    return FingerprintStore()


def _choose(
    model: Model[Any], props: list[Property], only: Sequence[str] | None, safety_only: bool
) -> list[Property]:
    """The properties ``--property NAME`` and ``--safety-only`` leave, in declared order
    (deadlock detection stays as ``--deadlock`` says)."""
    if only is not None:
        names = [p.name for p in props]
        for name in only:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                raise UsageError(
                    f"{model.name} has no property '{name}': {hint}its properties are "
                    f"{', '.join(names)}"
                )
        props = [p for p in props if p.name in only or p.kind == DEADLOCK]
    if safety_only:
        props = [p for p in props if p.kind not in LIVENESS]
    return props


def _collect_properties(model: Model[Any], deadlock: bool) -> list[Property]:
    props = list(call_model(model.properties, "properties()"))
    names: set[str] = set()
    for prop in props:
        if not isinstance(prop, Property):
            raise ModelError(f"properties() must return Property values, not {prop!r}")
        if prop.kind not in (ALWAYS, SOMETIMES, STEP) and prop.kind not in LIVENESS:
            raise ModelError(f"property '{prop.name}' has unknown kind '{prop.kind}'")
        if prop.name in names or (prop.name == "deadlock" and deadlock):
            raise ModelError(f"two properties are called '{prop.name}': names must be unique")
        names.add(prop.name)
    if deadlock:
        props.append(Property("deadlock", DEADLOCK, lambda s: True, "every state has a successor"))
    return props
