"""Equal values that a handler cannot tell apart: the same at every depth, types included.

The fast path and the symmetry reduction remember what they compute per value, and
share one object among equal values. ``==`` alone would let ``(1,)`` stand for
``(True,)`` or ``(1.0,)`` (and ``0.0`` for ``-0.0``): a handler that reads the type (or
prints the value) would then see whichever was met first, and a search's steps, counts
or traces would depend on that order. :func:`alike` tells such values apart, walking only
where the two values hold different objects (shared parts cost an ``is``); :func:`shape`
is a key that keeps them apart in a table.

>>> alike((1, "a"), (1, "a")), alike((1,), (True,)), alike((0.0,), (-0.0,))
(True, False, False)
>>> shape((1,)) == shape((True,)), shape((1, "a")) == shape((1, "a"))
(False, True)
"""

from __future__ import annotations

import dataclasses
from operator import is_
from typing import Any

__all__ = ["alike", "alike_items", "recall", "shape"]

#: Types whose equal values are one value (``==`` within the type says it all).
_ATOMS = frozenset({int, str, bytes, bool, type(None)})


def alike(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b``, known to be equal, also have the same types at every depth
    (and floats the same sign): then no handler can tell one from the other.

    >>> alike(frozenset({1, 2}), frozenset({2, 1})), alike(frozenset({1}), frozenset({True}))
    (True, False)
    """
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind in _ATOMS:
        return True
    if kind is float:
        return bool(a.hex() == b.hex())
    if isinstance(a, tuple):
        if all(map(is_, a, b)):  # (shared items: the usual case, at C speed)
            return True
        return all(x is y or alike(x, y) for x, y in zip(a, b, strict=True))
    if kind is frozenset:
        theirs = {item: item for item in b}
        return all(alike(item, theirs[item]) for item in a)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = _compared(kind)
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        if x is not y and not alike(x, y):
            return False
    return True  # (another type: its own ``==`` decides what is the same)


def alike_items(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """:func:`alike` for two equal plain tuples, quick where they share their items or
    their items' items (a world's parts, made from shared parts).

    >>> alike_items(((1, "x"), (2, "y")), ((1, "x"), (2, "y"))), alike_items((1,), (True,))
    (True, False)
    """
    if type(b) is not tuple:
        return False
    for x, y in zip(a, b, strict=True):
        if x is y or (type(x) is tuple and type(y) is tuple and all(map(is_, x, y))):
            continue
        if not alike(x, y):
            return False
    return True


def recall(table: dict[Any, tuple[Any, Any]], key: Any, value: Any) -> Any:
    """What ``table`` remembers under ``key`` (as ``(value, result)``) if it was remembered
    for a value alike to ``value``, else None (a cache by value that ``(True,)`` and
    ``(1,)`` do not share: keep the first, ``table.setdefault(key, (value, result))``).

    >>> table = {(1,): ((1,), "one")}
    >>> recall(table, (1,), (1,)), recall(table, (True,), (True,))
    ('one', None)
    """
    known = table.get(key)
    if known is not None and (known[0] is value or alike(known[0], value)):
        return known[1]
    return None


#: The fields of a dataclass that take part in ``==``, by type (none: not a dataclass).
_FIELDS: dict[type, tuple[str, ...]] = {}


def _compared(kind: type) -> tuple[str, ...]:
    if not dataclasses.is_dataclass(kind):
        return ()
    return tuple(f.name for f in dataclasses.fields(kind) if f.compare)


def shape(value: Any) -> Any:
    """A hashable key that is equal for two equal values only if they are :func:`alike`:
    the value's types at every depth (and each float's sign), beside the value."""
    kind = type(value)
    if kind in _ATOMS:
        return kind
    if kind is float:
        return value.hex()
    if isinstance(value, tuple):
        return (kind, *map(shape, value))
    if kind is frozenset:
        return (kind, frozenset((item, shape(item)) for item in value))
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = _compared(kind)
    return (kind, *(shape(getattr(value, name)) for name in names)) if names else kind
