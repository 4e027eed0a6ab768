"""Liveness: fair cycles in the explored graph, and lasso counterexamples that really loop.

When a model has a liveness property, the search keeps the reachable graph's edges in a
:class:`Graph` (successor numbers and label numbers in ``array('i')``, one slice per state,
as in a CSR matrix); the action index of an edge is its position in its state's slice, so
no states are copied and no labels are stored twice. After a complete search each liveness
property is judged on that graph, by the standard SCC-based algorithm:

1. Every violation has the form "a finite prefix, then a fair loop that stays inside a set
   ``R`` of states (and, for ``eventually_always``, visits a state of ``B``)":

   ==================  ======================  ===================  =====================
   property            loop stays in ``R``      the prefix           the loop visits
   ==================  ======================  ===================  =====================
   eventually p        not p                   not p, from an init  -
   p leads_to q        not q                   reaches p and not q  -
   infinitely_often p  not p                   anything             -
   eventually_always p every state             anything             a state with not p
   ==================  ======================  ===================  =====================

2. The strongly connected components of the graph restricted to ``R`` (and to what the
   prefix can reach) are found by an iterative Tarjan, so a million states need no
   recursion.
3. A component is fair unless some weak fairness group is enabled in every one of its
   states and taken by none of its edges (then no loop inside it is fair), or some strong
   group is enabled in some state and taken by no edge: then the states enabling it are
   removed and the components of the rest are examined again (Emerson and Lei). A
   component that survives is fair: one loop through it can take every edge it has.
4. A behaviour may also end by staying in one state forever (stuttering), in a state with
   no enabled action (``Model.stuttering = "deadlock"``, the default, as TLC does with
   deadlock checking off) or in any state where no fairness group is enabled
   (``"always"``, TLA+'s semantics); ``"never"`` judges only infinite behaviours. With
   ``"deadlock"``, a state where every enabled action is the environment's
   (``Model.environment_steps()``: the faults of an actor system) counts as one with none,
   unless a fairness group is enabled there: a fault budget allows faults, it never
   forces one.
5. The counterexample is a lasso: a shortest prefix (breadth-first, through the small
   automaton of the table's prefix column) to the nearest fair component or stuttering
   state, then a loop from there that visits, in turn, the nearest state or edge meeting
   each obligation (for each weak group, a state where it is disabled or an edge taking
   it; for each strong group enabled in the component, an edge taking it; a ``B`` state),
   and returns. The lasso is replayed from scratch like every trace, and then judged again
   without the graph (:func:`lasso_problem`): it must loop back, violate the property and
   be fair, or the model is reported as nondeterministic.

A step that does not change the state is a stutter, as in TLA+: it neither takes nor
enables a fairness group. A loop of such steps is still a real loop of actions.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from modelcheck.errors import ModelError, NondeterminismError
from modelcheck.fairness import Fairness, label_name
from modelcheck.model import Model, format_label
from modelcheck.properties import (
    EVENTUALLY,
    EVENTUALLY_ALWAYS,
    INFINITELY_OFTEN,
    LEADS_TO,
    Property,
    not_a_bool,
)
from modelcheck.trace import Step, Trace, call_model, expand, initial_states

from .graph import FairnessIndex, Graph, cyclic_components

__all__ = [
    "STUTTERING",
    "Outcome",
    "judge_liveness",
    "lasso_note",
    "lasso_problem",
]

#: The values ``Model.stuttering`` may take.
STUTTERING = ("deadlock", "never", "always")


@dataclass(frozen=True)
class Outcome:
    """A liveness violation: the replayed lasso and a sentence saying why it violates."""

    trace: Trace
    note: str


@dataclass
class _Problem:
    """One property as sets of states (see the table in the module docstring)."""

    prop: Property
    inside: bytearray  # R: the states the loop (and the prefix after the trigger) stays in
    trigger: bytearray | None  # where the prefix may enter R (None: it starts in R)
    accept: bytearray | None  # B: a state the loop must visit, if any
    roots: list[int]


def judge_liveness(
    model: Model[Any],
    graph: Graph,
    states: Sequence[Any],
    inits: Sequence[Any],
    init_numbers: Sequence[int],
    props: Sequence[Property],
    trace_to: Callable[[int], Trace],
) -> dict[str, Outcome | None]:
    """Judge each liveness property on the complete graph: None where it holds."""
    stuttering = model.stuttering
    if stuttering not in STUTTERING:
        raise ModelError(
            f"{model.name}.stuttering must be one of {', '.join(STUTTERING)}, not {stuttering!r}"
        )
    declared = tuple(call_model(model.fairness_conditions, "fairness_conditions()"))
    environment = _environment(model)
    analyses: dict[tuple[int, ...], _Analysis] = {}  # by the conditions' identities
    verdicts: dict[str, Outcome | None] = {}
    for prop in props:
        conditions = declared if prop.fairness is None else prop.fairness
        for cond in conditions:
            if not isinstance(cond, Fairness):
                raise ModelError(
                    f"fairness conditions must be made with weak() or strong(), not {cond!r}"
                )
        key = tuple(map(id, conditions))
        analysis = analyses.get(key)
        if analysis is None:
            fair = FairnessIndex(conditions, graph.labels)
            analysis = analyses[key] = _Analysis(model, graph, fair, stuttering, environment)
        problem = _problem(prop, states, init_numbers, trace_to)
        lasso = analysis.find(problem, init_numbers)
        if lasso is None:
            verdicts[prop.name] = None
            continue
        prefix, cycle, trigger = lasso
        trace = _lasso_trace(model, graph, states, inits, prefix, cycle)
        reason = lasso_problem(model, prop, trace, conditions)
        if reason is not None:
            raise NondeterminismError(
                f"the lasso found for property '{prop.name}' does not hold up when replayed "
                f"({reason}): the model's actions, properties and fairness groups must depend "
                "only on the state and label",
                trace,
            )
        verdicts[prop.name] = Outcome(trace, _note(model, prop, trace, trigger, conditions))
    return verdicts


def _environment(model: Model[Any]) -> frozenset[str]:
    """The names of the model's environment steps, each a string (a model error if not)."""
    names = tuple(call_model(model.environment_steps, "environment_steps()"))
    for name in names:
        if not isinstance(name, str):
            raise ModelError(
                f"{model.name}.environment_steps() must give action names (str), not {name!r}"
            )
    return frozenset(names)


def _problem(
    prop: Property,
    states: Sequence[Any],
    init_numbers: Sequence[int],
    trace_to: Callable[[int], Trace],
) -> _Problem:
    """Evaluate the property's predicates on every state, as byte arrays."""
    pred = prop.predicate
    try:
        values = list(map(pred, states))
    except Exception:
        for number, state in enumerate(states):
            try:
                pred(state)
            except Exception:
                call_model(partial(pred, state), f"property '{prop.name}'", trace_to(number))
        raise
    n = len(states)
    everything = bytearray(b"\1") * n
    _require_bools(prop, values, trace_to)
    if prop.kind == LEADS_TO:
        for number, value in enumerate(values):
            if not (isinstance(value, tuple) and len(value) == 2):
                raise ModelError(
                    f"leads_to property '{prop.name}' must return a pair (p, q), not {value!r}",
                    trace_to(number),
                )
        not_q = bytearray(not q for _, q in values)
        trigger = bytearray(bool(p) and not q for p, q in values)
        roots = [v for v in range(n) if trigger[v]]
        return _Problem(prop, not_q, trigger, None, roots)
    not_p = bytearray(map(operator.not_, values))
    if prop.kind == EVENTUALLY:
        roots = [v for v in dict.fromkeys(init_numbers) if not_p[v]]
        return _Problem(prop, not_p, None, None, roots)
    if prop.kind == INFINITELY_OFTEN:
        return _Problem(prop, not_p, not_p, None, [v for v in range(n) if not_p[v]])
    if prop.kind == EVENTUALLY_ALWAYS:
        return _Problem(prop, everything, everything, not_p, list(range(n)))
    raise ModelError(f"property '{prop.name}' has unknown kind '{prop.kind}'")


def _require_bools(prop: Property, values: list[Any], trace_to: Callable[[int], Trace]) -> None:
    """Every value a liveness predicate returned must be a bool (for ``leads_to``, a pair
    of them): a model error at the first state where it is not."""
    if prop.kind == LEADS_TO:
        bad = (
            v
            for v, value in enumerate(values)
            if isinstance(value, tuple)
            and len(value) == 2
            and {type(value[0]), type(value[1])} != {bool}
        )
    elif set(map(type, values)) <= {bool}:
        return
    else:
        bad = (v for v, value in enumerate(values) if type(value) is not bool)
    number = next(bad, None)
    if number is not None:
        value = values[number]
        parts = value if prop.kind == LEADS_TO else (value,)
        complaint = next(c for c in (not_a_bool(prop.name, p) for p in parts) if c is not None)
        raise ModelError(complaint, trace_to(number))


class _Analysis:
    """Fair components and lassos over one graph, for any number of properties."""

    def __init__(
        self,
        model: Model[Any],
        graph: Graph,
        fair: FairnessIndex,
        stuttering: str,
        environment: frozenset[str],
    ) -> None:
        self.model = model
        self.graph = graph
        self.fair = fair
        self.stuttering = stuttering
        # For each label number, whether the label is the environment's (None: none is).
        self.free: bytearray | None = None
        if environment and stuttering == "deadlock":
            assert graph.labelled, "a model with environment steps has a labelled graph"
            self.free = bytearray(label_name(label) in environment for label in graph.labels)
        n = len(graph)
        self.n = n
        # Scratch space for the sub-searches of the strong-fairness refinement.
        self.sub_index = array("i", bytes(4 * n))
        self.sub_low = array("i", bytes(4 * n))
        self.sub_allowed = bytearray(n)
        self.member = bytearray(n)

    # -- which states a fair loop can be found in ---------------------------------------

    def find(
        self, problem: _Problem, init_numbers: Sequence[int]
    ) -> tuple[list[int], list[int], int] | None:
        """A lasso violating the property: (prefix states, loop edges, trigger position)."""
        graph, n = self.graph, self.n
        index = array("i", bytes(4 * n))
        low = array("i", bytes(4 * n))
        comps = cyclic_components(graph.off, graph.succ, problem.inside, problem.roots, index, low)
        fair_comps: list[list[int]] = []
        for comp in comps:
            fair_comps.extend(self._fair_parts(comp, problem.accept))
        target = bytearray(n)
        component_of: dict[int, int] = {}
        for number, comp in enumerate(fair_comps):
            for v in comp:
                target[v] = 1
                component_of[v] = number
        stutter = self._stutter_states(index, problem)
        for v in stutter:
            target[v] = 1
        if not fair_comps and not stutter:
            return None
        found = self._prefix(problem, init_numbers, target)
        assert found is not None, "a fair component reachable by construction was not reached"
        prefix, trigger = found
        entry = prefix[-1]
        if entry in stutter:
            return prefix, [], trigger
        comp = fair_comps[component_of[entry]]
        return prefix, self._loop(comp, entry, problem.accept), trigger

    def _fair_parts(self, comp: list[int], accept: bytearray | None) -> list[list[int]]:
        """The fair sub-components of a strongly connected component (Emerson-Lei)."""
        graph, fair, member = self.graph, self.fair, self.member
        if not fair.any:
            if accept is not None and not any(accept[v] for v in comp):
                return []
            return [comp]
        off, succ, lab, masks = graph.off, graph.succ, graph.lab, fair.masks
        weak, strong = fair.weak, fair.strong
        out: list[list[int]] = []
        work = [comp]
        while work:
            comp = work.pop()
            if accept is not None and not any(accept[v] for v in comp):
                continue
            for v in comp:
                member[v] = 1
            every, some, taken = -1, 0, 0
            enabled: list[int] = []
            for v in comp:
                en = 0
                for e in range(off[v], off[v + 1]):
                    w = succ[e]
                    if w != v:
                        m = masks[lab[e]]
                        en |= m
                        if member[w]:
                            taken |= m
                enabled.append(en)
                every &= en
                some |= en
            for v in comp:
                member[v] = 0
            if every & weak & ~taken:
                continue  # a weak group is enabled throughout and never taken: unfair
            starved = some & strong & ~taken
            if not starved:
                out.append(comp)
                continue
            keep = [v for v, en in zip(comp, enabled, strict=True) if not en & starved]
            allowed, index, low = self.sub_allowed, self.sub_index, self.sub_low
            for v in keep:
                allowed[v] = 1
            work.extend(cyclic_components(off, succ, allowed, keep, index, low))
            for v in keep:
                allowed[v] = index[v] = low[v] = 0
        return out

    def _stutter_states(self, index: array[int], problem: _Problem) -> set[int]:
        """States where a violating behaviour may stay forever without a step."""
        if self.stuttering == "never":
            return set()
        graph, fair, accept, free = self.graph, self.fair, problem.accept, self.free
        off, lab = graph.off, graph.lab
        always = self.stuttering == "always"
        out = set()
        for v in range(self.n):
            if not index[v] or (accept is not None and not accept[v]):
                continue
            lo, hi = off[v], off[v + 1]
            # With "deadlock": no action enabled, or only the environment's (not fair).
            free_only = free is not None and all(free[lab[e]] for e in range(lo, hi))
            if lo == hi or ((always or free_only) and not fair.enabled(graph, v) & fair.any):
                out.add(v)
        return out

    # -- the lasso ------------------------------------------------------------------------

    def _prefix(
        self, problem: _Problem, init_numbers: Sequence[int], target: bytearray
    ) -> tuple[list[int], int] | None:
        """A shortest path to a target state, in R from the trigger on: (states, trigger)."""
        off, succ = self.graph.off, self.graph.succ
        inside, trigger = problem.inside, problem.trigger
        # A node is 2 * state + mode (mode 1 from the trigger on); its parent is the node
        # before it, -1 at the start, -2 while unseen.
        parent = array("i", [-2]) * (2 * self.n)
        queue: list[int] = []

        def discover(v: int, before: int) -> int | None:
            """Reach state ``v`` from node ``before``; a node that hits a target, if any."""
            nodes = []
            if trigger is None:
                if inside[v]:
                    nodes.append(2 * v + 1)
            else:
                nodes.append(2 * v)
                if trigger[v]:
                    nodes.append(2 * v + 1)
            for node in nodes:
                if parent[node] == -2:
                    parent[node] = before
                    queue.append(node)
                    if node & 1 and target[v]:
                        return node
            return None

        hit = None
        for v in init_numbers:
            hit = discover(v, -1)
            if hit is not None:
                break
        head = 0
        while hit is None and head < len(queue):
            node = queue[head]
            head += 1
            u, mode = node >> 1, node & 1
            for e in range(off[u], off[u + 1]):
                w = succ[e]
                if mode:
                    if not inside[w] or parent[2 * w + 1] != -2:
                        continue
                    parent[2 * w + 1] = node
                    queue.append(2 * w + 1)
                    if target[w]:
                        hit = 2 * w + 1
                        break
                else:
                    hit = discover(w, node)
                    if hit is not None:
                        break
        if hit is None:
            return None
        nodes = [hit]
        while parent[nodes[-1]] >= 0:
            nodes.append(parent[nodes[-1]])
        nodes.reverse()
        path = [node >> 1 for node in nodes]
        trigger_at = next(i for i, node in enumerate(nodes) if node & 1)
        return path, trigger_at

    def _loop(self, comp: list[int], entry: int, accept: bytearray | None) -> list[int]:
        """A loop of edges from ``entry`` back to it inside ``comp`` that meets every
        fairness obligation (and visits an ``accept`` state, if asked)."""
        graph, fair = self.graph, self.fair
        off, succ, lab, masks = graph.off, graph.succ, graph.lab, fair.masks
        inside = set(comp)
        state_goals: dict[int, list[int]] = {}
        edge_goals: dict[int, list[int]] = {}
        count = 0
        if fair.any:
            enabled = {v: fair.enabled(graph, v) for v in comp}
            some = 0
            every = -1
            for en in enabled.values():
                some |= en
                every &= en
            bits = [b for b in range(len(fair.instances)) if some >> b & 1]
            goal_of = {}
            for b in bits:
                goal_of[b] = count
                count += 1
                if fair.weak >> b & 1 and not every >> b & 1:
                    for v in comp:  # a state where the weak group is disabled will do
                        if not enabled[v] >> b & 1:
                            state_goals.setdefault(v, []).append(goal_of[b])
            for v in comp:
                for e in range(off[v], off[v + 1]):
                    w = succ[e]
                    if w != v and w in inside:
                        m = masks[lab[e]]
                        for b in bits:
                            if m >> b & 1:
                                edge_goals.setdefault(e, []).append(goal_of[b])
        if accept is not None:
            for v in comp:
                if accept[v]:
                    state_goals.setdefault(v, []).append(count)
            count += 1
        open_goals = set(range(count))
        for g in state_goals.get(entry, ()):
            open_goals.discard(g)
        loop: list[int] = []
        here = entry
        while open_goals:
            segment = self._walk(
                here,
                inside,
                lambda v: any(g in open_goals for g in state_goals.get(v, ())),
                lambda e: any(g in open_goals for g in edge_goals.get(e, ())),
            )
            for e in segment:
                open_goals.difference_update(edge_goals.get(e, ()))
                open_goals.difference_update(state_goals.get(succ[e], ()))
            loop.extend(segment)
            here = succ[segment[-1]]
        if here != entry or not loop:
            loop.extend(self._walk(here, inside, lambda v: False, lambda e: succ[e] == entry))
        return loop

    def _walk(
        self,
        start: int,
        inside: set[int],
        state_goal: Callable[[int], bool],
        edge_goal: Callable[[int], bool],
    ) -> list[int]:
        """A shortest list of edges inside the component from ``start`` that ends in a
        state meeting ``state_goal`` or with an edge meeting ``edge_goal``."""
        off, succ = self.graph.off, self.graph.succ
        came: dict[int, tuple[int, int]] = {start: (-1, -1)}  # state -> (edge, its source)
        queue = [start]
        head = 0
        while head < len(queue):
            u = queue[head]
            head += 1
            if u != start and state_goal(u):
                return _edges_to(came, u)
            for e in range(off[u], off[u + 1]):
                w = succ[e]
                if w not in inside:
                    continue
                if edge_goal(e):
                    return [*_edges_to(came, u), e]
                if w not in came:
                    came[w] = (e, u)
                    queue.append(w)
        raise AssertionError("a strongly connected component has a state it cannot reach")


def _edges_to(came: dict[int, tuple[int, int]], v: int) -> list[int]:
    edges = []
    e, u = came[v]
    while e >= 0:
        edges.append(e)
        e, u = came[u]
    edges.reverse()
    return edges


def _lasso_trace(
    model: Model[Any],
    graph: Graph,
    states: Sequence[Any],
    inits: Sequence[Any],
    prefix: list[int],
    loop: list[int],
) -> Trace:
    """The lasso as a trace, replayed from scratch: the prefix's states, then the loop's
    edges; ``loop`` is the index of the state the loop starts from (and returns to)."""
    off, succ = graph.off, graph.succ
    first = states[prefix[0]]
    choices = [next(i for i, s in enumerate(inits) if s == first)]
    numbers = [prefix[0]]
    for u, w in itertools.pairwise(prefix):
        e = next(e for e in range(off[u], off[u + 1]) if succ[e] == w)
        choices.append(e - off[u])
        numbers.append(w)
    here = prefix[-1]
    for e in loop:
        choices.append(e - off[here])
        here = succ[e]
        numbers.append(here)
    trace = _replay(model, choices)
    for step, (got, number) in enumerate(zip(trace.steps, numbers, strict=True)):
        if got.state != states[number]:
            raise NondeterminismError(
                f"the model is nondeterministic: replaying the lasso gave a different state "
                f"at step {step}",
                Trace(trace.steps[: step + 1]),
            )
    return replace(trace, loop=len(prefix) - 1)


def _replay(model: Model[Any], choices: Sequence[int]) -> Trace:
    """:func:`modelcheck.trace.replay`, in time linear in the length (lassos can be long)."""
    inits = initial_states(model)
    steps = [Step(choices[0], None, inits[choices[0]])]
    for number, choice in enumerate(choices[1:], start=1):
        try:
            options = expand(model, steps[-1].state)
        except ModelError as exc:
            if exc.trace is None:
                exc.trace = Trace(tuple(steps))
            raise
        if not 0 <= choice < len(options):
            raise NondeterminismError(
                f"the model is nondeterministic: step {number} of the lasso takes action "
                f"{choice}, but replaying gives the state there {len(options)} actions",
                Trace(tuple(steps)),
            )
        label, nxt = options[choice]
        steps.append(Step(choice, label, nxt))
    return Trace(tuple(steps))


def lasso_problem(
    model: Model[Any], prop: Property, trace: Trace, conditions: Sequence[Fairness]
) -> str | None:
    """Judge a lasso without the graph: None if it is a fair behaviour violating ``prop``,
    else what is wrong with it. The model is re-run on every state of the loop.

    The loop is ``trace.steps[loop:]``; unless it is empty (the behaviour stays in its last
    state forever), the last state must equal the state at ``loop``.
    """
    k, n = trace.loop, len(trace)
    if k is None or not 0 <= k <= n:
        return "it has no loop"
    states = [step.state for step in trace.steps]
    if k < n and states[n] != states[k]:
        return f"its last state is not the state at step {k}, where the loop starts"
    facts = _LoopFacts(model, trace, conditions)
    if k == n:
        mode = model.stuttering
        if mode == "never":
            return "it stops, and the model judges only behaviours that go on forever"
        if mode == "deadlock" and not facts.terminal and not facts.environmental:
            return "it stops in a state where an action other than the environment's is enabled"
    # The property.
    pred = prop.predicate
    values = [call_model(partial(pred, s), prop.name, trace) for s in states]
    if prop.kind == EVENTUALLY:
        if any(values):
            return f"'{prop.name}' holds in it"
    elif prop.kind == LEADS_TO:
        pending = [i for i, (p, q) in enumerate(values) if p and not q]
        if not any(not any(values[i][1] for i in range(min(j, k), n + 1)) for j in pending):
            return f"'{prop.name}' is answered in it"
    elif prop.kind == INFINITELY_OFTEN:
        if any(values[i] for i in range(k, n + 1)):
            return f"'{prop.name}' holds in its loop"
    elif prop.kind == EVENTUALLY_ALWAYS:
        if all(values[i] for i in range(k, n + 1)):
            return f"'{prop.name}' holds throughout its loop"
    else:
        return f"'{prop.name}' is not a liveness property"
    for inst, _label in facts.unfair():
        number, key = inst
        cond = conditions[number]
        what = cond.describe() + (f" for key {key!r}" if cond.per is not None else "")
        return f"it is unfair to {what}"
    return None


def lasso_note(
    model: Model[Any], prop: Property, trace: Trace, conditions: Sequence[Fairness]
) -> str:
    """Why a lasso :func:`lasso_problem` accepted violates ``prop``, in a sentence (the
    sentence an exhaustive search gives, its trigger found on the lasso itself)."""
    k, n = trace.loop, len(trace)
    assert k is not None
    values = [prop.predicate(step.state) for step in trace.steps]
    trigger = 0
    if prop.kind == LEADS_TO:
        trigger = next(
            j
            for j, (p, q) in enumerate(values)
            if p and not any(values[i][1] for i in range(min(j, k), n + 1))
        )
    elif prop.kind == INFINITELY_OFTEN:
        trigger = next(i for i in range(n + 1) if not any(values[i:]))
    return _note(model, prop, trace, trigger, conditions)


Instance = tuple[int, Hashable]


class _LoopFacts:
    """Which fairness instances the loop of a lasso enables (state by state) and takes."""

    def __init__(self, model: Model[Any], trace: Trace, conditions: Sequence[Fairness]) -> None:
        k, n = trace.loop, len(trace)
        assert k is not None
        steps = trace.steps
        self.conditions = conditions
        self.loop = k
        # For each state of the loop (the last state alone if it is empty): the instances
        # an action enabled there belongs to, each with the first such label.
        self.enabled: list[dict[Instance, Any]] = []
        self.terminal = False
        # In the last state of the loop: whether every action enabled is the
        # environment's, and their labels.
        self.environmental = False
        self.environment_labels: list[Any] = []
        environment = _environment(model)
        for i in range(k, n if k < n else n + 1):
            options = expand(model, steps[i].state, trace)
            self.terminal = not options
            self.environmental = bool(environment) and all(
                label_name(label) in environment for label, _ in options
            )
            self.environment_labels = [label for label, _ in options]
            here: dict[Instance, Any] = {}
            for label, nxt in options:
                if nxt != steps[i].state:
                    for inst in self.instances(label):
                        here.setdefault(inst, label)
            self.enabled.append(here)
        self.taken: dict[Instance, int] = {}  # instance -> the first step taking it
        for i in range(k + 1, n + 1):
            if steps[i].state != steps[i - 1].state:
                for inst in self.instances(steps[i].label):
                    self.taken.setdefault(inst, i)

    def instances(self, label: Any) -> list[Instance]:
        out = []
        for number, cond in enumerate(self.conditions):
            if cond.includes(label):
                out.append((number, cond.per(label) if cond.per is not None else None))
        return out

    def seen(self) -> dict[Instance, Any]:
        """Every instance enabled somewhere in the loop, with a label, in order."""
        out: dict[Instance, Any] = {}
        for here in self.enabled:
            for inst, label in here.items():
                out.setdefault(inst, label)
        return out

    def unfair(self) -> list[tuple[Instance, Any]]:
        """The instances the loop treats unfairly: enabled, never taken, and for a weak one
        enabled in every state of the loop."""
        out = []
        for inst, label in self.seen().items():
            if inst in self.taken:
                continue
            strong = self.conditions[inst[0]].kind == "strong"
            if strong or all(inst in here for here in self.enabled):
                out.append((inst, label))
        return out

    def why_fair(self, limit: int = 6) -> list[str]:
        """How the loop meets each fairness instance it enables: it takes it, or (weak)
        the instance is disabled somewhere in it."""
        taken, disabled = [], []
        for inst, label in self.seen().items():
            if inst in self.taken:
                taken.append(f"{format_label(label)} at step {self.taken[inst]}")
            else:
                where = next(
                    i for i, here in enumerate(self.enabled, start=self.loop) if inst not in here
                )
                disabled.append(f"{format_label(label)} is disabled at step {where}")
        out = [f"it takes {t}" if i == 0 else t for i, t in enumerate(taken)] + disabled
        if len(out) > limit:
            out[limit:] = [f"and {len(out) - limit} more"]
        return out


def _note(
    model: Model[Any],
    prop: Property,
    trace: Trace,
    trigger: int,
    conditions: Sequence[Fairness],
) -> str:
    """Why the lasso violates the property, and why its loop is fair, in a sentence."""
    k, n = trace.loop, len(trace)
    assert k is not None
    facts = _LoopFacts(model, trace, conditions)
    if k < n:
        ending = f"step {n} repeats forever" if k + 1 == n else f"steps {k + 1}..{n} repeat forever"
    elif facts.terminal:
        ending = f"no action is enabled at step {n}, so the behaviour stays there forever"
    elif facts.environmental and model.stuttering == "deadlock":
        labels = facts.environment_labels
        steps = format_label(labels[0]) + (", ..." if len(labels) > 1 else "")
        ending = (
            f"only the environment's steps ({steps}) are enabled at step {n}, none of which a "
            "behaviour must take, so it may stay there forever"
        )
    else:
        ending = (
            f"the behaviour may stay at step {n} forever, as no fairness condition covers "
            "an action enabled there"
        )
    name = prop.name
    if prop.kind == EVENTUALLY:
        why = f"{name} is false in every state, and {ending}"
    elif prop.kind == LEADS_TO:
        why = (
            f"at step {trigger} the condition of {name} holds and its goal does not; "
            f"the goal is false from there on, and {ending}"
        )
    elif prop.kind == INFINITELY_OFTEN:
        why = f"{name} is false in every state from step {trigger} on, and {ending}"
    else:
        bad = next(i for i in range(k, n + 1) if not prop.predicate(trace.steps[i].state))
        why = f"{name} is false at step {bad}, in the loop, and {ending}"
    fair = facts.why_fair()
    if k < n and fair:
        why += "; the loop is fair: " + ", ".join(fair)
    return why
