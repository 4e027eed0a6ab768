"""Shapes: the type of a CRDT's state, from which symbolic states are made.

A shape says how a concrete state is built (integers, booleans, tuples of a fixed length,
NamedTuples, sets over a bounded universe) and makes a *symbolic* state of that shape: the
same structure with a fresh z3 variable in every scalar position. The functions at the end
go between the two worlds: :func:`read` evaluates a symbolic value in a z3 model to a
concrete one, and :func:`bindings` pairs the variables of a symbolic state with the values of
a concrete state (for substitution).

>>> import z3
>>> ctx = z3.Context()
>>> Vector(Int(), 3).fresh("x", ctx)
(x[0], x[1], x[2])
>>> Vector(Int(), 2).describe()
'tuple of 2 integers'
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from modelcheck.errors import ModelError
from modelcheck.symbolic._z3 import is_term
from modelcheck.symbolic.ops import SymSet

__all__ = [
    "Bool",
    "Int",
    "SetOf",
    "Shape",
    "Tuple",
    "Vector",
    "bindings",
    "evaluate",
    "read",
    "scalar",
]


class Shape(ABC):
    """The type of a state: makes symbolic values and says what it is."""

    @abstractmethod
    def fresh(self, name: str, ctx: Any) -> Any:
        """A symbolic value of this shape; its variables are named after ``name``."""

    @abstractmethod
    def describe(self) -> str:
        """A short description, for messages."""

    @abstractmethod
    def sample(self, rng: random.Random) -> Any:
        """A random concrete value of this shape (small integers)."""

    def plural(self) -> str:
        """The description in the plural (for ``tuple of 3 ...``)."""
        return self.describe() + "s"


@dataclass(frozen=True)
class Int(Shape):
    """An unbounded mathematical integer (a Python ``int``)."""

    def fresh(self, name: str, ctx: Any) -> Any:
        return z3.Int(name, ctx)

    def describe(self) -> str:
        return "integer"

    def sample(self, rng: random.Random) -> Any:
        return rng.randint(-2, 4)


@dataclass(frozen=True)
class Bool(Shape):
    """A boolean."""

    def fresh(self, name: str, ctx: Any) -> Any:
        return z3.Bool(name, ctx)

    def describe(self) -> str:
        return "boolean"

    def sample(self, rng: random.Random) -> Any:
        return rng.random() < 0.5


@dataclass(frozen=True)
class Vector(Shape):
    """A tuple of ``length`` values of one shape: e.g. one entry per replica."""

    of: Shape
    length: int

    def fresh(self, name: str, ctx: Any) -> Any:
        return tuple(self.of.fresh(f"{name}[{i}]", ctx) for i in range(self.length))

    def describe(self) -> str:
        return f"tuple of {self.length} {self.of.plural()}"

    def sample(self, rng: random.Random) -> Any:
        return tuple(self.of.sample(rng) for _ in range(self.length))

    def plural(self) -> str:
        return f"tuples of {self.length} {self.of.plural()}"


class Tuple(Shape):
    """A tuple of values of different shapes; with ``cls`` (a NamedTuple), of that class.

    >>> from typing import NamedTuple
    >>> class P(NamedTuple):
    ...     t: int
    ...     v: int
    >>> Tuple(Int(), Int(), cls=P).fresh("x", z3.Context())
    P(t=x.t, v=x.v)
    """

    def __init__(self, *items: Shape, cls: type[tuple[Any, ...]] | None = None) -> None:
        self.items = items
        self.cls = cls
        fields: Sequence[str] | None = getattr(cls, "_fields", None) if cls else None
        if fields is not None and len(fields) != len(items):
            raise ModelError(
                f"Tuple: {cls.__name__ if cls else 'tuple'} has {len(fields)} fields "
                f"but {len(items)} shapes were given"
            )
        self.names = (
            tuple(fields) if fields is not None else tuple(str(i) for i in range(len(items)))
        )

    def fresh(self, name: str, ctx: Any) -> Any:
        values = tuple(
            shape.fresh(f"{name}.{field}", ctx)
            for shape, field in zip(self.items, self.names, strict=True)
        )
        make = getattr(self.cls, "_make", None)
        return make(values) if make is not None else values

    def sample(self, rng: random.Random) -> Any:
        values = tuple(shape.sample(rng) for shape in self.items)
        make = getattr(self.cls, "_make", None)
        return make(values) if make is not None else values

    def describe(self) -> str:
        inner = ", ".join(s.describe() for s in self.items)
        return f"{self.cls.__name__ if self.cls else 'tuple'}({inner})"

    def plural(self) -> str:
        return self.describe() + " values"

    def __repr__(self) -> str:
        return f"Tuple{tuple(self.items)!r}"


@dataclass(frozen=True)
class SetOf(Shape):
    """A set of elements drawn from a fixed, finite ``universe`` (a concrete ``frozenset``)."""

    universe: tuple[Hashable, ...]

    def fresh(self, name: str, ctx: Any) -> Any:
        return SymSet((e, z3.Bool(f"{e} in {name}", ctx)) for e in self.universe)

    def describe(self) -> str:
        return f"set of {{{', '.join(map(str, self.universe))}}}"

    def sample(self, rng: random.Random) -> Any:
        return frozenset(e for e in self.universe if rng.random() < 0.5)

    def plural(self) -> str:
        return f"sets of {{{', '.join(map(str, self.universe))}}}"


def read(value: Any, model: Any) -> Any:
    """The concrete value of a symbolic ``value`` in a z3 ``model``.

    Integers become ``int``, booleans ``bool``, symbolic sets ``frozenset``; tuples keep
    their type. Variables the model leaves open are read as 0 or false.
    """
    if isinstance(value, tuple):
        items = tuple(read(v, model) for v in value)
        make = getattr(type(value), "_make", None)
        return make(items) if make is not None else items
    if isinstance(value, SymSet):
        return frozenset(e for e, bit in value.members if read(bit, model))
    if is_term(value):
        return scalar(model.eval(value, model_completion=True))
    return value


def evaluate(value: Any, pairs: Sequence[tuple[Any, Any]]) -> Any:
    """The concrete value of a symbolic ``value`` once its variables are replaced as
    ``pairs`` says (see :func:`bindings`) and the result simplified."""
    if isinstance(value, tuple):
        items = tuple(evaluate(v, pairs) for v in value)
        make = getattr(type(value), "_make", None)
        return make(items) if make is not None else items
    if isinstance(value, SymSet):
        return frozenset(e for e, bit in value.members if evaluate(bit, pairs))
    if is_term(value):
        return scalar(z3.simplify(z3.substitute(value, *pairs) if pairs else value))
    return value


def scalar(term: Any) -> int | bool:
    """A z3 literal (integer or boolean) as a Python value."""
    if z3.is_true(term):
        return True
    if z3.is_false(term):
        return False
    if z3.is_int_value(term):
        return int(term.as_long())
    raise ModelError(f"a symbolic value did not reduce to a literal: {term}")


def bindings(symbolic: Any, concrete: Any, ctx: Any) -> list[tuple[Any, Any]]:
    """``(variable, literal)`` pairs that give the variables of ``symbolic`` the values of
    ``concrete``, for :func:`z3.substitute`."""
    pairs: list[tuple[Any, Any]] = []
    _bind(symbolic, concrete, ctx, pairs, "the state")
    return pairs


def _bind(sym: Any, conc: Any, ctx: Any, pairs: list[tuple[Any, Any]], where: str) -> None:
    if isinstance(sym, tuple):
        if not isinstance(conc, tuple) or len(conc) != len(sym):
            raise ModelError(f"{where}: expected a tuple of {len(sym)}, got {conc!r}")
        for i, (s, c) in enumerate(zip(sym, conc, strict=True)):
            _bind(s, c, ctx, pairs, f"{where}[{i}]")
        return
    if isinstance(sym, SymSet):
        if not isinstance(conc, frozenset):
            raise ModelError(f"{where}: expected a frozenset, got {conc!r}")
        extra = conc - set(sym.elements())
        if extra:
            raise ModelError(f"{where}: {sorted(map(repr, extra))} outside the set's universe")
        for e, bit in sym.members:
            pairs.append((bit, z3.BoolVal(e in conc, ctx)))
        return
    if z3.is_bool(sym):
        if not isinstance(conc, bool):
            raise ModelError(f"{where}: expected a bool, got {conc!r}")
        pairs.append((sym, z3.BoolVal(conc, ctx)))
        return
    if z3.is_int(sym):
        if not isinstance(conc, int) or isinstance(conc, bool):
            raise ModelError(f"{where}: expected an int, got {conc!r}")
        pairs.append((sym, z3.IntVal(conc, ctx)))
        return
    raise ModelError(f"{where}: cannot bind {sym!r}")
