"""Bounded model checking: unroll a symbolic system step by step and ask z3 for a violation.

:func:`bmc` asks, for depth k = 0, 1, ..., K in turn, whether some path of k steps from an
initial state ends in a state that breaks an invariant; the first k that answers yes gives
a shortest counterexample, decoded into a :class:`~modelcheck.trace.Trace` that renders like
the explicit explorer's. When no invariant is violated up to K, one more query asks whether
any loop-free path is longer than K steps: if none is, every reachable state is within K
steps and the invariants hold (the recurrence diameter is a completeness threshold);
otherwise the answer stays ``unknown``, as a bounded search should. (Over uninterpreted sorts
that question is not asked: loop-free paths grow with the universe, and z3 would only spend
its time limit failing to show it.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import z3

from modelcheck.errors import UsageError
from modelcheck.symbolic._z3 import Answer, Formula, Term, ask, solver
from modelcheck.symbolic.decode import Decoder, smallest
from modelcheck.symbolic.results import BmcReport, BmcResult
from modelcheck.symbolic.system import Action, State, System, disjunction, exists
from modelcheck.trace import Step, Trace

__all__ = ["bmc"]


class _Unrolling:
    """The states 0..k of a path and the choices (action, parameters) between them."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.actions = system.actions()
        self.states: list[State] = [system.state("0")]
        self.choices: list[tuple[Term, list[list[Term]]]] = []

    def step(self) -> Formula:
        """Add a state; the formula says some action leads to it from the last one."""
        i = len(self.states) - 1
        s, t = self.states[i], self.system.state(str(i + 1))
        self.states.append(t)
        ctx = self.system.ctx
        choice = z3.Int(f"action@{i + 1}", ctx)
        params: list[list[Term]] = []
        cases = []
        for index, act in enumerate(self.actions):
            values = [z3.Const(f"{act.name}.{p}@{i + 1}", sort.z3) for p, sort in act.params]
            params.append(values)
            cases.append(z3.And(choice == index, self.system.transition(act, s, t, values)))
        self.choices.append((choice, params))
        return disjunction(cases, ctx)

    def trace(self, decoder: Decoder, length: int) -> Trace:
        """The path of ``length`` steps in the decoder's model."""
        steps = [Step(0, None, decoder.state("0"))]
        for i in range(length):
            choice, params = self.choices[i]
            index = decoder.value(choice, self.system.INT)
            act: Action = self.actions[index]
            args = [
                decoder.value(p, sort)
                for p, (_, sort) in zip(params[index], act.params, strict=True)
            ]
            steps.append(
                Step(index, (act.name, *args) if args else act.name, decoder.state(str(i + 1)))
            )
        return Trace(tuple(steps))


def bmc(
    system: System,
    depth: int,
    invariants: Sequence[str] | None = None,
    timeout: float | None = 10.0,
    completeness: bool = True,
) -> BmcReport:
    """Look for a violation of each invariant in paths of up to ``depth`` steps.

    ``invariants`` names the invariants to check (by default the safety properties, or
    every invariant of a system that marks none). ``timeout``
    bounds each z3 query (seconds); an invariant whose query runs out is ``unknown`` from
    that depth on. ``completeness`` asks, when nothing was violated, whether the depth
    covers every reachable state (see the module documentation).
    """
    if depth < 0:
        raise UsageError(f"the depth must be 0 or more, not {depth}")
    start = time.perf_counter()
    names = list(invariants) if invariants else [i.name for i in system.safety_properties()]
    for name in names:
        system.invariant(name)
    descriptions = {i.name: i.description for i in system.invariants()}
    unrolling = _Unrolling(system)
    s = solver(system.ctx, timeout)
    s.add(system.background(unrolling.states[0]), system.initial(unrolling.states[0]))
    results: dict[str, BmcResult] = {}
    pending = list(names)
    for k in range(depth + 1):
        if k > 0:
            s.add(unrolling.step())
        for name in list(pending):
            bad = z3.Not(system.holds([name], unrolling.states[k])[0])
            answer = _check(s, [bad])
            if answer.verdict == "sat":
                answer = smallest(system, answer, _with(s, bad))
                decoder = Decoder(system, answer.model)
                trace = unrolling.trace(decoder, k)
                results[name] = BmcResult(
                    name, descriptions[name], "violated", k, trace, sizes=decoder.sizes()
                )
                pending.remove(name)
            elif answer.verdict == "unknown":
                results[name] = BmcResult(
                    name, descriptions[name], "unknown", k, reason=f"{answer.reason} at depth {k}"
                )
                pending.remove(name)
        if not pending:
            break
    complete = False
    note = ""
    unbounded = [s.name for s in system.unbounded_sorts()]
    if pending and not completeness:
        note = "not a proof"
    elif pending and unbounded:
        # Over unbounded sorts, loop-free paths are as long as the universe is large, and
        # z3 spends its whole time limit failing to say so: the question is not asked.
        note = f"not a proof: sort {', '.join(unbounded)} is unbounded"
    elif pending:
        answer = _longer_path(system, depth, timeout)
        complete = answer.verdict == "unsat"
        if answer.verdict == "sat":
            note = "a longer loop-free path exists, so this is no proof"
        elif answer.verdict == "unknown":
            note = f"not a proof: the completeness check gave up ({answer.reason})"
    for name in pending:
        status: Literal["holds", "unknown"] = "holds" if complete else "unknown"
        results[name] = BmcResult(name, descriptions[name], status, depth, note=note)
    return BmcReport(
        system.name,
        system.describe_params(),
        depth,
        tuple(s.name for s in system.unbounded_sorts()),
        tuple(results[name] for name in names),
        time.perf_counter() - start,
        complete,
    )


def _with(s: Any, bad: Formula) -> Callable[[Sequence[Formula]], Answer]:
    return lambda extra: _check(s, [bad, *extra])


def _check(s: Any, extra: Sequence[Formula]) -> Answer:
    s.push()
    s.add(*extra)
    answer = ask(s)
    s.pop()
    return answer


def _longer_path(system: System, depth: int, timeout: float | None) -> Answer:
    """Is there a loop-free path of ``depth + 1`` steps from an initial state? (``unsat``:
    every reachable state is within ``depth`` steps.)"""
    unrolling = _Unrolling(system)
    s = solver(system.ctx, timeout)
    s.add(system.background(unrolling.states[0]), system.initial(unrolling.states[0]))
    for _ in range(depth + 1):
        s.add(unrolling.step())
    for j, later in enumerate(unrolling.states):
        for earlier in unrolling.states[:j]:
            s.add(_differ(system, earlier, later))
    return ask(s)


def _differ(system: System, a: State, b: State) -> Formula:
    parts = []
    for symbol in system.mutable():
        x, y = getattr(a, symbol.name), getattr(b, symbol.name)
        if symbol.args:
            parts.append(exists(symbol.args, lambda *xs, x=x, y=y: x(*xs) != y(*xs)))
        else:
            parts.append(x != y)
    return disjunction(parts, system.ctx)
