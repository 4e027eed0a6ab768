"""State values: the immutability check, and conversion to plain JSON-able data.

States must be immutable and hashable, and compare by value. Allowed: None, bool, int,
float, str, bytes, Enum members, tuples (and NamedTuples), frozensets, and frozen
dataclasses of these that compare by value (not ``eq=False``: worker processes and
checkpoints copy states, and a copy of a value compared by identity equals nothing); and
instances of a class that vouches for itself with a true ``__modelcheck_value__`` (an
actor's behaviour, kept for a spawned process).

>>> to_plain(frozenset({"b", "a"}))
['a', 'b']
>>> check_immutable((1, frozenset({2})), "state")
>>> check_immutable((1, [2]), "state")
Traceback (most recent call last):
...
modelcheck.errors.ModelError: state[1] is a list, which is mutable: use a tuple
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import sys
from typing import Any

from modelcheck.errors import ModelError

__all__ = [
    "MAX_DEPTH",
    "Printed",
    "check_depth",
    "check_immutable",
    "format_value",
    "int_text",
    "to_plain",
]

#: Integers of at most this many bits convert to text under Python's default digit limit;
#: :func:`to_plain` writes longer ones as strings of digits.
_INT_BITS = 14_000

#: How deeply a state may nest (a tuple in a tuple in ...). Deeper values are refused before
#: anything recurses into them: Python hashes, compares, pickles and prints them recursively,
#: and a few thousand levels raise RecursionError, a few hundred thousand crash the process.
MAX_DEPTH = 100

_BARE = re.compile(r"[A-Za-z0-9_.\-+/@#<>]+(\([A-Za-z0-9_.\-+/@#<>, {}\[\]]*\))?")
_ATOMS = (type(None), bool, int, float, str, bytes, enum.Enum)
_SUGGEST = {
    list: "a tuple",
    dict: "a tuple of (key, value) pairs or a frozen dataclass",
    set: "a frozenset",
    bytearray: "bytes",
}


def check_immutable(value: object, where: str) -> None:
    """Raise :class:`ModelError` naming the first part of ``value`` that is not immutable."""
    if isinstance(value, _ATOMS) or getattr(type(value), "__modelcheck_value__", False):
        return
    if isinstance(value, tuple):
        fields = getattr(value, "_fields", None)
        for i, item in enumerate(value):
            check_immutable(item, f"{where}.{fields[i]}" if fields else f"{where}[{i}]")
        return
    if isinstance(value, frozenset):
        for item in value:
            check_immutable(item, f"{where} element")
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise ModelError(
                f"{where} is a {type(value).__name__}, a dataclass that is not frozen: "
                "declare it with @dataclass(frozen=True)"
            )
        if type(value).__eq__ is object.__eq__:
            raise ModelError(
                f"{where} is a {type(value).__name__}, a dataclass that compares by identity "
                "(eq=False), so its copies (--workers, checkpoints) differ: drop eq=False, "
                "or use an Enum or a NamedTuple"
            )
        for field in dataclasses.fields(value):
            check_immutable(getattr(value, field.name), f"{where}.{field.name}")
        return
    kind = type(value).__name__
    suggestion = next((s for t, s in _SUGGEST.items() if isinstance(value, t)), None)
    if suggestion:
        raise ModelError(f"{where} is a {kind}, which is mutable: use {suggestion}")
    raise ModelError(
        f"{where} is a {kind}, which modelcheck cannot tell is immutable: use tuples, "
        "frozensets, frozen dataclasses, enums, numbers and strings"
    )


def to_plain(value: Any) -> Any:
    """Convert a state value to JSON-able data with a deterministic order.

    Integers of more than about 4,200 digits become strings of their digits (JSON readers
    and Python refuse longer numbers). Tuples become lists, frozensets sorted lists,
    dataclasses and NamedTuples dicts, enums their names; a type may define
    ``__modelcheck_plain__(self)`` to choose its own form; anything else unknown becomes its
    ``str``.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _INT_BITS else int_text(value)
    if isinstance(value, float):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    custom = getattr(type(value), "__modelcheck_plain__", None)
    if custom is not None:
        return custom(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted((to_plain(v) for v in value), key=_order_key)
    if isinstance(value, dict):
        items = sorted(((to_plain(k), to_plain(v)) for k, v in value.items()), key=_order_key)
        if all(isinstance(k, str) for k, _ in items):
            return dict(items)
        return [[k, v] for k, v in items]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def int_text(value: int) -> str:
    """The decimal digits of ``value``, however long: Python refuses to convert integers of
    more than 4,300 digits by default (a guard for parsing untrusted text), but a state's
    integers are the model's own.

    >>> len(int_text(10**5000))
    5001
    """
    if value.bit_length() <= _INT_BITS:
        return str(value)
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(value)
    finally:
        sys.set_int_max_str_digits(limit)


def _order_key(plain: Any) -> str:
    return json.dumps(plain, sort_keys=True)


class Printed(str):
    """A value's own printed form, as its ``__modelcheck_plain__`` gives it (a monitor
    reference, written as an Erlang term): :func:`format_value` writes it as it is, never
    quoted as a string with those characters would be. Equal to the same ``str``, and JSON
    writes it as one.

    >>> ref = "#Ref<a.1/{ghost,b}/0>"
    >>> format_value([ref, Printed(ref)])
    '["#Ref<a.1/{ghost,b}/0>", #Ref<a.1/{ghost,b}/0>]'
    """

    __slots__ = ()


def format_value(plain: Any) -> str:
    """A compact one-line text form of a plain value (see :func:`to_plain`).

    >>> format_value({"rm": ["working", "prepared"], "tm": "init", "n": 2})
    '{rm: [working, prepared], tm: init, n: 2}'
    """
    if plain is None:
        return "none"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, str):
        return plain if type(plain) is Printed or _BARE.fullmatch(plain) else json.dumps(plain)
    if isinstance(plain, list):
        return "[" + ", ".join(format_value(v) for v in plain) + "]"
    if isinstance(plain, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in plain.items()) + "}"
    return str(plain)


def check_depth(
    value: object, where: str, known: dict[int, tuple[object, int]] | None = None
) -> None:
    """Raise :class:`ModelError` if ``value`` nests more than :data:`MAX_DEPTH` levels of
    containers (tuples, frozensets, dataclasses, lists, sets, dicts) deep. Iterative: safe
    on any depth.

    ``known`` (kept by the caller across calls) remembers the tuples and frozensets found
    fine, by identity (holding each, so its id stays its own), with the deepest level each was met
    at: met again no deeper, a part is not walked again. States that share parts (the
    worlds of an actor system) then cost about their new parts.

    >>> deep: object = ()
    >>> for _ in range(MAX_DEPTH + 1):
    ...     deep = (deep,)
    >>> check_depth(deep, "state")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    modelcheck.errors.ModelError: state nests containers more than 100 levels deep: ...
    """
    level: list[object] = [value]
    depth = 0
    walked: list[tuple[object, int]] = []
    while level:  # one level of containers at a time: no recursion, little allocation
        below: list[object] = []
        for item in level:
            if isinstance(item, _ATOMS):
                continue
            if known is not None and isinstance(item, tuple | frozenset):  # (immutable ones)
                met = known.get(id(item))
                if met is not None and met[0] is item and depth <= met[1]:
                    continue
                walked.append((item, depth))
            if isinstance(item, tuple | frozenset | list | set):
                below.extend(item)
            elif isinstance(item, dict):
                below.extend(item.keys())
                below.extend(item.values())
            elif dataclasses.is_dataclass(item) and not isinstance(item, type):
                below.extend(getattr(item, f.name) for f in dataclasses.fields(item))
            else:
                continue
            if depth == MAX_DEPTH:  # a container below MAX_DEPTH levels of them
                raise ModelError(
                    f"{where} nests containers more than {MAX_DEPTH} levels deep: modelcheck "
                    "refuses deeper values (hashing and comparing them recurses); use a flat "
                    "tuple, not nested pairs"
                )
        depth += 1
        level = below
    if known is not None:
        for item, depth in walked:  # (all fine: nothing raised)
            met = known.get(id(item))
            if met is None or met[0] is not item or met[1] < depth:
                known[id(item)] = (item, depth)
