"""Inductive invariants: init implies inv, and inv and any action imply inv afterwards.

:func:`prove_inductive` checks the conjunction of named invariants of a
:class:`~modelcheck.symbolic.system.System`. Over uninterpreted sorts the proof holds for
every number of elements (every ring size, every number of clients). When an obligation
fails, the counterexample is a concrete state (initiation) or a pair of states, the second
reached from the first by the action (consecution: a counterexample to induction, CTI),
shrunk to the fewest elements that still show it.

>>> from modelcheck.symbolic.system import System, action, forall, invariant
>>> import z3
>>> class Token(System):
...     '''One token passes between nodes.'''
...     def setup(self):
...         self.node = self.sort("node")
...         self.has = self.relation("has", self.node)
...     def init(self, s):
...         return forall([self.node, self.node], lambda a, b: z3.Implies(
...             z3.And(s.has(a), s.has(b)), a == b))
...     @action("node", "node", modifies="has")
...     def give(self, s, t, a, b):
...         moved = t.has.becomes(lambda n: z3.Or(n == b, z3.And(s.has(n), n != a)))
...         return z3.And(s.has(a), moved)
...     @invariant
...     def one_token(self, s):
...         return forall([self.node, self.node], lambda a, b: z3.Implies(
...             z3.And(s.has(a), s.has(b)), a == b))
>>> report = prove_inductive(Token(), ["one_token"])
>>> [(o.name, o.status) for o in report.obligations]
[('initiation', 'proved'), ('give', 'proved')]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import z3

from modelcheck.errors import ModelError
from modelcheck.symbolic._z3 import Answer, Formula, ask, solver
from modelcheck.symbolic.decode import Decoder, smallest
from modelcheck.symbolic.results import InductionReport, Obligation, ProofStatus
from modelcheck.symbolic.system import Action, System, conjunction
from modelcheck.trace import Step, Trace

__all__ = ["invariant_names", "prove_inductive"]


def invariant_names(system: System, names: Sequence[str] | None) -> tuple[str, ...]:
    """The invariants to use: ``names`` (checked), else the system's ``inductive``, else all."""
    chosen = (
        tuple(names) if names else system.inductive or tuple(i.name for i in system.invariants())
    )
    if not chosen:
        raise ModelError(f"{system.name} has no invariant (a method marked @invariant)")
    for name in chosen:
        system.invariant(name)
    if len(set(chosen)) != len(chosen):
        raise ModelError(f"an invariant is named twice: {', '.join(chosen)}")
    return chosen


def prove_inductive(
    system: System, invariants: Sequence[str] | None = None, timeout: float | None = 10.0
) -> InductionReport:
    """Check that the conjunction of ``invariants`` is inductive: one obligation for
    initiation, then one per action. ``timeout`` bounds each z3 query (seconds)."""
    names = invariant_names(system, invariants)
    actions = system.actions()
    obligations = [_initiation(system, names, timeout)]
    obligations += [_consecution(system, names, act, timeout) for act in actions]
    return InductionReport(
        system.name,
        system.describe_params(),
        names,
        tuple(s.name for s in system.unbounded_sorts()),
        tuple(obligations),
    )


def _initiation(system: System, names: tuple[str, ...], timeout: float | None) -> Obligation:
    s = system.state("0")
    facts = [system.background(s), system.initial(s)]
    goal = system.holds(names, s)
    answer = _solve(system, facts, goal, timeout)
    statement = "init => inv"
    if answer.verdict != "sat":
        return _settled("initiation", statement, answer)
    decoder = Decoder(system, answer.model)
    trace = Trace((Step(0, None, decoder.state("0")),))
    return Obligation(
        "initiation",
        statement,
        "refuted",
        answer.seconds,
        trace,
        _broken(system, decoder, names, "0"),
        decoder.sizes(),
    )


def _consecution(
    system: System, names: tuple[str, ...], act: Action, timeout: float | None
) -> Obligation:
    s, t = system.state("0"), system.state("1")
    params = [z3.Const(f"{act.name}.{p}", sort.z3) for p, sort in act.params]
    facts = [
        system.background(s),
        *system.holds(names, s),
        system.transition(act, s, t, params),
    ]
    goal = system.holds(names, t)
    answer = _solve(system, facts, goal, timeout)
    statement = f"inv & {act.name} => inv'"
    if answer.verdict != "sat":
        return _settled(act.name, statement, answer)
    decoder = Decoder(system, answer.model)
    label = (
        act.name,
        *(decoder.value(p, sort) for p, (_, sort) in zip(params, act.params, strict=True)),
    )
    index = [a.name for a in system.actions()].index(act.name)
    trace = Trace((Step(0, None, decoder.state("0")), Step(index, label, decoder.state("1"))))
    broken = _broken(system, decoder, names, "1")
    return Obligation(
        act.name, statement, "refuted", answer.seconds, trace, broken, decoder.sizes()
    )


def _solve(
    system: System, facts: list[Formula], goal: list[Formula], timeout: float | None
) -> Answer:
    """Is there a model of ``facts`` where some formula of ``goal`` is false? Shrunk."""

    def check(extra: Sequence[Formula]) -> Answer:
        s = solver(system.ctx, timeout)
        s.add(*facts, *extra)
        s.add(z3.Not(conjunction(goal, system.ctx)))
        return ask(s)

    start = time.perf_counter()
    first = check([])
    if first.verdict != "sat":
        return first
    best = smallest(system, first, check)  # the time reported includes the shrinking
    return Answer("sat", "", time.perf_counter() - start, best.model)


def _settled(name: str, statement: str, answer: Answer) -> Obligation:
    status: ProofStatus = "proved" if answer.verdict == "unsat" else "unknown"
    return Obligation(name, statement, status, answer.seconds, reason=answer.reason)


def _broken(system: System, decoder: Decoder, names: tuple[str, ...], tag: str) -> tuple[str, ...]:
    """The invariants false in state ``tag`` of the decoder's model (quantifiers expanded
    over the model's elements, so each evaluates to true or false)."""
    model: Any = decoder.model
    with system.expanded(decoder.universes):
        formulas = system.holds(names, system.state(tag))
    return tuple(
        name
        for name, formula in zip(names, formulas, strict=True)
        if not z3.is_true(model.eval(formula, model_completion=True))
    )
