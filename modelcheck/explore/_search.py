"""A search's books while it runs: the successor function with its wrappers (step
properties, symmetry, partial-order reduction, a state constraint), the store, the
properties found, the clock, memory and checkpoints, and the trace to a stored state.
The strategies run the loops over it; what they share is in its own modules: bounds and
sampling (:mod:`.limits`), which properties are judged and how (:mod:`.judging`), errors
made precise (:mod:`.diagnosis`), and the result assembled after the search
(:mod:`.verdicts`). The names they export are re-exported here for the modules that import
them from here.
"""

from __future__ import annotations

import bisect
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from modelcheck.errors import NondeterminismError, UsageError
from modelcheck.fingerprint import fingerprint
from modelcheck.model import Model
from modelcheck.properties import LIVENESS, SOMETIMES, STEP
from modelcheck.result import CheckResult, Progress
from modelcheck.trace import Step, Trace, call_model, initial_states, rebuild
from modelcheck.values import check_depth

from .checkpoint import Checkpointer, Saved
from .diagnosis import check_state, diagnose, initial_states_twice, nondeterminism
from .graph import Graph
from .judging import (
    Check,
    StepViolated,
    choose_properties,
    collect_properties,
    deadlock_position,
    safety_checks,
    step_holds,
    step_note,
)
from .limits import (
    PROGRESS_EVERY,
    SAMPLE_FIRST,
    SAMPLE_MASK,
    TICK_MASK,
    VALIDATE_FIRST,
    Limits,
    check_seconds,
)
from .memory import held
from .reductions import partial_order, symmetric
from .store import FingerprintStore, StateStore
from .verdicts import assemble

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
        self.properties = choose_properties(
            model,
            collect_properties(model, model.deadlock if deadlock is None else deadlock),
            only,
            safety_only,
        )
        self.found: dict[int, int] = {}
        self.checks: list[Check] = safety_checks(self.properties)
        self.deadlock_pos = deadlock_position(self.properties)
        self._store_kind = store
        self.store: StateStore | FingerprintStore = _make_store(store, strategy)
        # Liveness properties need the graph's edges; safety-only searches never keep them.
        self.liveness = [p for p in self.properties if p.kind in LIVENESS]
        self.graph: Graph | None = None
        if self.liveness:
            fairness = call_model(model.fairness_conditions, "fairness_conditions()")
            own = any(p.fairness for p in self.liveness)
            # (the environment's steps are told apart by label: see liveness._Analysis)
            environment = call_model(model.environment_steps, "environment_steps()")
            self.graph = Graph(labelled=bool(fairness) or own or bool(environment))
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
        #: A step property stopped the search (the result then says "violation").
        self.step_stop = False
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
        self._next_report = self.start + PROGRESS_EVERY

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
            self.trace_of,
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
        self.checks = safety_checks(self.properties)
        self.deadlock_pos = deadlock_position(self.properties)
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
        :class:`StepViolated` (a KeyboardInterrupt, the one exception the loops stop on
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
                        self.step_stop = True
                        raise StepViolated
            return pairs

        self.actions = judged_actions

    def judge_steps_by(
        self, judge: Callable[[int, Callable[..., Any]], Callable[..., Any]]
    ) -> None:
        """Judge the step properties with ``judge(pos, predicate)``'s predicates instead (a
        shard of a search spread over processes: its judges record and never fail, and
        the coordinator puts what they found in the search's order, :meth:`step_broke`)."""
        properties = self.properties
        self._open_steps[:] = [
            (pos, judge(pos, properties[pos].predicate)) for pos, _pred in self._open_steps
        ]

    def step_broke(self, pos: int, state: Any) -> bool:
        """A shard found that step property ``pos`` first broke on a step of ``state``, in
        the search's order; True if the search must stop there."""
        self.step_found[pos] = state
        self._open_steps[:] = [(p, pred) for p, pred in self._open_steps if p != pos]
        if self.keep_going:
            return False
        self.step_stop = True
        return True

    def _initial_breaks(self, state: Any) -> bool:
        """Judge the step properties' conditions on initial states (a refinement's) on the
        stored initial ``state``; True if one is broken and the search must stop."""
        for pos, prop in enumerate(self.properties):
            if prop.initial is None or pos in self.step_found or prop.initial(state):
                continue
            self.step_found[pos] = state
            self._open_steps.remove((pos, prop.predicate))
            if not self.keep_going:
                self.step_stop = True
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

    def trace_of(self, state: Any) -> Trace | None:
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
            self._next_report = now + PROGRESS_EVERY
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
        check_state(self.properties, state, trace)

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
        initial states): raise it precise and traced (:func:`.diagnosis.diagnose`)."""
        diagnose(self, exc, number)

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
        """Assemble the verdicts, each trace rebuilt and replayed (:mod:`.verdicts`)."""
        return assemble(self, depth)


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
