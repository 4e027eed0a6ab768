"""The vocabulary a CRDT is written in: one definition, two meanings.

Every combinator here computes on plain Python values (ints, bools, tuples, frozensets) and
returns plain Python values; given z3 terms instead, it builds the z3 term for the same
computation. A CRDT written only with these, with tuples, ``+``, ``-``, comparisons and
``sum``, therefore runs concretely (for a model checker or an actor) and symbolically (for
the proofs of :mod:`modelcheck.symbolic.crdt`) without change.

What does not work on z3 terms is Python control flow: ``if``, ``and``, ``or``, ``not``,
``max()``, ``min()`` and ``==`` between tuples need a concrete truth value. Use
:func:`ite`, :func:`all_`, :func:`any_`, :func:`not_`, :func:`max_`, :func:`min_` and
:func:`eq` instead; a symbolic run that meets such code fails with a clear error.

The signatures name the concrete types, which is how mypy sees a CRDT; the symbolic run
passes terms of the same shape in their place.

>>> max_(3, 5), ite(2 > 1, (1, 2), (3, 4)), eq((1, frozenset({2})), (1, frozenset({2})))
(5, (1, 2), True)
>>> import z3
>>> x, y = z3.Ints("x y")
>>> max_(x, y)
If(x >= y, x, y)
>>> eq((x, 1), (y, 1))
x == y
>>> sorted(union(frozenset({1}), frozenset({2})))
[1, 2]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

import z3

from modelcheck.errors import ModelError
from modelcheck.symbolic._z3 import is_term

__all__ = [
    "SymSet",
    "all_",
    "any_",
    "contains",
    "count",
    "discard",
    "eq",
    "implies",
    "insert",
    "ite",
    "lex_lt",
    "max_",
    "min_",
    "not_",
    "put",
    "union",
]

T = TypeVar("T")
E = TypeVar("E", bound=Hashable)


class SymSet:
    """A set whose membership is symbolic: ``(element, z3 Bool or bool)`` pairs.

    Elements not listed are absent. It stands in for a ``frozenset`` in symbolic runs; the
    set operations of this module accept either and mix them.
    """

    __slots__ = ("members",)

    def __init__(self, members: Iterable[tuple[Hashable, Any]]) -> None:
        self.members: tuple[tuple[Hashable, Any], ...] = tuple(members)

    def bit(self, element: Hashable) -> Any:
        """Whether ``element`` is in the set: a z3 Bool, or a plain bool."""
        for e, b in self.members:
            if e == element:
                return b
        return False

    def elements(self) -> list[Hashable]:
        """Every element that may be in the set, in a fixed order."""
        return [e for e, _ in self.members]

    def __repr__(self) -> str:
        return f"SymSet({list(self.members)!r})"

    def __bool__(self) -> bool:
        raise ModelError(_CONTROL_FLOW)

    __hash__ = None  # type: ignore[assignment]


_CONTROL_FLOW = (
    "CRDT code used Python control flow (if, and, or, not, max(), min() or == on "
    "tuples) on a symbolic value: use ite, all_, any_, not_, max_, min_ or eq from "
    "modelcheck.symbolic.ops"
)


# -- scalars --------------------------------------------------------------------------------


def _or2(a: Any, b: Any) -> Any:
    if not is_term(a):
        return True if a else b
    if not is_term(b):
        return True if b else a
    return z3.Or(a, b)


def _and2(a: Any, b: Any) -> Any:
    if not is_term(a):
        return b if a else False
    if not is_term(b):
        return a if b else False
    return z3.And(a, b)


def _ite_scalar(c: Any, a: Any, b: Any) -> Any:
    if not is_term(c):
        return a if c else b
    if not is_term(a) and not is_term(b) and a == b and type(a) is type(b):
        return a
    return z3.If(c, a, b)


def _eq_scalar(a: Any, b: Any) -> Any:
    if not is_term(a) and not is_term(b):
        return bool(a == b)
    return a == b


def max_(a: int, b: int) -> int:
    """The larger of two integers."""
    if not is_term(a) and not is_term(b):
        return a if a >= b else b
    result: int = z3.If(a >= b, a, b)
    return result


def min_(a: int, b: int) -> int:
    """The smaller of two integers."""
    if not is_term(a) and not is_term(b):
        return a if a <= b else b
    result: int = z3.If(a <= b, a, b)
    return result


def not_(a: bool) -> bool:
    """Negation."""
    if not is_term(a):
        return not a
    result: bool = z3.Not(a)
    return result


def all_(*conditions: bool) -> bool:
    """Conjunction (``True`` for none)."""
    result: Any = True
    for c in conditions:
        result = _and2(result, c)
    return bool(result) if not is_term(result) else result


def any_(*conditions: bool) -> bool:
    """Disjunction (``False`` for none)."""
    result: Any = False
    for c in conditions:
        result = _or2(result, c)
    return bool(result) if not is_term(result) else result


def implies(a: bool, b: bool) -> bool:
    """``a`` implies ``b``."""
    return any_(not_(a), b)


# -- structures -----------------------------------------------------------------------------


def ite(condition: bool, then: T, otherwise: T) -> T:
    """``then`` if ``condition`` else ``otherwise``, for values of the same structure.

    Tuples (and NamedTuples) choose item by item, sets element by element.
    """
    if not is_term(condition):
        return then if condition else otherwise
    result: T = _ite(condition, then, otherwise)
    return result


def _ite(c: Any, a: Any, b: Any) -> Any:
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            raise ModelError(f"ite: tuples of different lengths ({len(a)} and {len(b)})")
        items = tuple(_ite(c, x, y) for x, y in zip(a, b, strict=True))
        return _same_type(a, items)
    if _is_set(a) and _is_set(b):
        return SymSet((e, _ite_scalar(c, _bit(a, e), _bit(b, e))) for e in _elements(a, b))
    if isinstance(a, tuple | frozenset | SymSet) or isinstance(b, tuple | frozenset | SymSet):
        raise ModelError(f"ite: cannot choose between {_kind(a)} and {_kind(b)}")
    return _ite_scalar(c, a, b)


def eq(a: T, b: T) -> bool:
    """Structural equality: tuples item by item, sets by their members."""
    result: bool = _eq(a, b)
    return result


def _eq(a: Any, b: Any) -> Any:
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            return False
        return all_(*(_eq(x, y) for x, y in zip(a, b, strict=True)))
    if _is_set(a) and _is_set(b):
        return all_(*(_eq_scalar(_bit(a, e), _bit(b, e)) for e in _elements(a, b)))
    if isinstance(a, tuple | frozenset | SymSet) or isinstance(b, tuple | frozenset | SymSet):
        raise ModelError(f"eq: cannot compare {_kind(a)} with {_kind(b)}")
    return _eq_scalar(a, b)


def put(values: tuple[T, ...], index: int, value: T) -> tuple[T, ...]:
    """``values`` with position ``index`` (a plain int) replaced by ``value``.

    >>> put((0, 0, 0), 1, 7)
    (0, 7, 0)
    """
    if not 0 <= index < len(values):
        raise ModelError(f"put: index {index} is outside a tuple of {len(values)}")
    result: tuple[T, ...] = _same_type(values, values[:index] + (value,) + values[index + 1 :])
    return result


def lex_lt(a: Sequence[int], b: Sequence[int]) -> bool:
    """``a`` comes before ``b`` in lexicographic order (same lengths).

    >>> lex_lt((1, 2, 9), (1, 3, 0)), lex_lt((1, 2), (1, 2))
    (True, False)
    """
    if len(a) != len(b):
        raise ModelError(f"lex_lt: sequences of different lengths ({len(a)} and {len(b)})")
    result: Any = False
    for x, y in reversed(list(zip(a, b, strict=True))):
        result = any_(x < y, all_(_eq_scalar(x, y), result))
    return bool(result) if not is_term(result) else result


# -- sets -----------------------------------------------------------------------------------


def union(a: frozenset[E], b: frozenset[E]) -> frozenset[E]:
    """The union of two sets."""
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        return a | b
    result: frozenset[E] = SymSet((e, _or2(_bit(a, e), _bit(b, e))) for e in _elements(a, b))
    return result


def contains(s: frozenset[E], element: E) -> bool:
    """Whether ``element`` (a plain value) is in ``s``."""
    if isinstance(s, frozenset):
        return element in s
    result: bool = _bit(s, element)
    return result


def insert(s: frozenset[E], element: E) -> frozenset[E]:
    """``s`` with ``element`` (a plain value) added."""
    if isinstance(s, frozenset):
        return s | {element}
    result: frozenset[E] = SymSet(
        (e, True if e == element else _bit(s, e)) for e in _elements(s, frozenset({element}))
    )
    return result


def discard(s: frozenset[E], element: E) -> frozenset[E]:
    """``s`` without ``element`` (a plain value)."""
    if isinstance(s, frozenset):
        return s - {element}
    result: frozenset[E] = SymSet((e, False if e == element else _bit(s, e)) for e in _elements(s))
    return result


def count(s: frozenset[E]) -> int:
    """The number of elements of ``s``."""
    if isinstance(s, frozenset):
        return len(s)
    result: int = sum(_ite_scalar(_bit(s, e), 1, 0) for e in _elements(s))
    return result


def _is_set(x: object) -> bool:
    return isinstance(x, frozenset | SymSet)


def _bit(s: Any, element: Hashable) -> Any:
    if isinstance(s, frozenset):
        return element in s
    if isinstance(s, SymSet):
        return s.bit(element)
    raise ModelError(f"expected a set, got {_kind(s)}")


def _elements(*sets: Any) -> list[Hashable]:
    seen: dict[Hashable, None] = {}
    for s in sets:
        if isinstance(s, SymSet):
            items: Iterable[Hashable] = s.elements()
        elif isinstance(s, frozenset):
            items = sorted(s, key=repr)
        else:
            raise ModelError(f"expected a set, got {_kind(s)}")
        for e in items:
            seen.setdefault(e, None)
    return list(seen)


def _same_type(like: tuple[Any, ...], items: tuple[Any, ...]) -> Any:
    make = getattr(type(like), "_make", None)
    return make(items) if make is not None else items


def _kind(x: object) -> str:
    if is_term(x):
        return f"a z3 term of sort {x.sort()}"  # type: ignore[attr-defined]
    return f"a {type(x).__name__}"
