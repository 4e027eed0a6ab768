"""From z3 models back to concrete states, and small models for uninterpreted sorts.

A state of a symbolic system is decoded as a dict from symbol name to a plain value: a
constant as its value, a relation as the list of argument tuples where it is true (one
name each for unary relations), a function as a dict from arguments to values. Elements of
a finite sort keep their names; elements of an uninterpreted sort are named after the sort
and their position in z3's universe (``node0``, ``node1``, ...). Every list is in the order
of the sorts' elements, so the same model always reads the same way.

:func:`smallest` shrinks a counterexample: it bounds each uninterpreted sort's size, and
raises the bounds, smallest total first, until the query is satisfiable again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import z3

from modelcheck.errors import ModelError
from modelcheck.symbolic._z3 import Answer, Formula, Term
from modelcheck.symbolic.system import Sort, Symbol, System, disjunction

__all__ = ["Decoder", "smallest", "universe_sizes"]


class Decoder:
    """Reads states, terms and parameters of ``system`` out of a z3 ``model``."""

    def __init__(self, system: System, model: Any) -> None:
        self.system = system
        self.model = model
        self.names: dict[str, dict[str, str]] = {}
        self.universes: dict[str, list[Term]] = {}
        for sort in system.sorts():
            if sort.finite:
                elements = list(sort.elements)
                self.names[sort.name] = {str(e): str(e) for e in elements}
            else:
                elements = list(model.get_universe(sort.z3) or [])
                self.names[sort.name] = {str(e): f"{sort.name}{i}" for i, e in enumerate(elements)}
            self.universes[sort.name] = elements

    def value(self, term: Term, sort: Sort) -> Any:
        """The plain value of ``term`` (of ``sort``) in the model."""
        result = self.model.eval(term, model_completion=True)
        if sort.kind == "bool":
            return bool(z3.is_true(result))
        if sort.kind == "int":
            if not z3.is_int_value(result):
                raise ModelError(f"z3 gave no integer value for {term}")
            return int(result.as_long())
        names = self.names[sort.name]
        key = str(result)
        if key not in names:
            if sort.finite:
                raise ModelError(f"z3 gave {key}, not an element of {sort.name}")
            names[key] = f"{sort.name}{len(names)}"
            self.universes[sort.name].append(result)
        return names[key]

    def state(self, tag: str, rigid: bool = True) -> dict[str, Any]:
        """Every symbol (the rigid ones too, unless ``rigid`` is false) in state ``tag``."""
        view = self.system.state(tag)
        out: dict[str, Any] = {}
        for symbol in self.system.symbols():
            if symbol.rigid and not rigid:
                continue
            out[symbol.name] = self._symbol(symbol, getattr(view, symbol.name))
        return out

    def _symbol(self, symbol: Symbol, bound: Any) -> Any:
        if not symbol.args:
            return self.value(bound, symbol.result)
        domains = []
        for sort in symbol.args:
            if sort.kind in ("bool", "int"):
                raise ModelError(
                    f"{self.system.name}.{symbol.name}: arguments of sort {sort.name} cannot be "
                    "listed in a trace; use a finite or uninterpreted sort"
                )
            domains.append(self.universes[sort.name])
        relation = symbol.kind == "relation"
        rows: list[Any] = []
        table: dict[str, Any] = {}
        for args in itertools.product(*domains):
            names = [self.value(a, s) for a, s in zip(args, symbol.args, strict=True)]
            result = self.value(bound(*args), symbol.result)
            if relation:
                if result:
                    rows.append(names[0] if len(names) == 1 else names)
            else:
                key = names[0] if len(names) == 1 else f"({', '.join(names)})"
                table[key] = result
        return rows if relation else table

    def sizes(self) -> tuple[tuple[str, int], ...]:
        """``(sort, size)`` of every uninterpreted sort in the model."""
        return tuple((s.name, len(self.universes[s.name])) for s in self.system.unbounded_sorts())


def universe_sizes(system: System, model: Any) -> dict[str, int]:
    """How many elements the model gives each uninterpreted sort (at least 1)."""
    return {s.name: max(1, len(model.get_universe(s.z3) or [])) for s in system.unbounded_sorts()}


def _at_most(sort: Sort, size: int) -> Formula:
    elements = [z3.Const(f"{sort.name}!{i}", sort.z3) for i in range(size)]
    x = sort.bound()
    return z3.ForAll([x], disjunction([x == e for e in elements], sort.z3.ctx))


def smallest(
    system: System,
    first: Answer,
    check: Callable[[Sequence[Formula]], Answer],
    budget: int = 24,
) -> Answer:
    """A satisfying answer with the fewest elements of uninterpreted sorts.

    ``first`` is a satisfying answer already found; ``check(extra)`` re-runs the query
    with extra formulas. Sizes are tried smallest total first (then in the order the sorts
    were declared) up to the sizes of ``first``'s model; ``budget`` bounds the queries, and
    the first ``unknown`` ends the search. Whatever is not found that way, ``first`` stands.
    """
    sorts = system.unbounded_sorts()
    if not sorts or first.model is None:
        return first
    limits = universe_sizes(system, first.model)
    top = sum(limits.values())
    asked = 0
    for total in range(len(sorts), top):
        for sizes in _splits(total, [limits[s.name] for s in sorts]):
            if asked >= budget:
                return first
            asked += 1
            answer = check([_at_most(s, n) for s, n in zip(sorts, sizes, strict=True)])
            if answer.verdict == "sat":
                return answer
            if answer.verdict == "unknown":
                return first  # z3 struggles already: larger bounds would cost more time
    return first


def _splits(total: int, limits: list[int]) -> list[tuple[int, ...]]:
    ranges = [range(1, limit + 1) for limit in limits]
    return [sizes for sizes in itertools.product(*ranges) if sum(sizes) == total]
