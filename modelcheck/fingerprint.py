"""Stable 64-bit fingerprints of state values, the same in every process and every run.

Python's ``hash()`` will not do: a str's hash changes with PYTHONHASHSEED, and ``None``'s
with the address it was loaded at (Python 3.11). A fingerprint is instead the first eight
bytes of a BLAKE2b digest of the value's pickle, made without the pickle memo (so that
equal values pickle alike however their parts are shared). That is fixed for every value
a state may hold (see :mod:`modelcheck.values`) but a frozenset, whose pickle lists its
elements in iteration order: equal frozensets built in other orders may pickle otherwise.
A value with frozensets in it is pickled in its canonical form instead (``_canonical``:
each frozenset's elements in a fixed order); a value without any is its own canonical
form, so the two ways agree, and which one a state takes is only a matter of speed: the
types of states once found holding a frozenset are walked straight away.

:class:`Parts` digests the parts of composite values (an actor system's worlds) once
each, and combines their digests with CPython's unseeded tuple hash (:func:`combine`).

Values that are equal but of different types (``1``, ``1.0`` and ``True``) have different
fingerprints, where the exact store counts them as one state.

>>> fingerprint((1, "a", None)) == fingerprint((1, "a", None))
True
>>> fingerprint(frozenset({"x", "y"})) == fingerprint(frozenset({"y", "x"}))
True
>>> fingerprint((1, 2)) == fingerprint((2, 1))
False
>>> 0 <= fingerprint("anything") < 2**64
True
"""

from __future__ import annotations

import dataclasses
import enum
import io
import marshal
import operator
import pickle
import pickletools
from collections.abc import Callable
from hashlib import blake2b
from typing import Any, cast

from modelcheck.errors import ModelError

__all__ = [
    "Digest",
    "Parts",
    "combine",
    "digest",
    "fingerprint",
    "halves",
    "int_lane",
    "made_of",
    "register",
]

_FROZENSET = pickle.FROZENSET
_dumps = pickle.dumps
_PROTOCOL = 5
_BUFFER = io.BytesIO()


def _new_pickler() -> pickle.Pickler:
    pickler = pickle.Pickler(_BUFFER, _PROTOCOL)
    pickler.fast = True  # no memo: a part seen twice is written twice, whatever its identity
    return pickler


_PICKLER = [_new_pickler()]


def _pickle(value: Any) -> bytes:
    _BUFFER.seek(0)
    _BUFFER.truncate()
    _PICKLER[0].dump(value)
    return _BUFFER.getvalue()


#: The types of the states found holding a frozenset: their states are walked at once.
_WALKED: set[type] = set()


#: Types fingerprinted part by part, by a function of their own (see :func:`register`).
_OWN: dict[type, Callable[[Any], int]] = {}


def register(kind: type, function: Callable[[Any], int]) -> None:
    """Fingerprint the values of exactly ``kind`` (not its subclasses) with ``function``,
    which must give equal values equal fingerprints, stable across processes: for
    example from :class:`Parts` digests of the value's parts. The actor layer registers
    its worlds this way, so that a world's shared parts are encoded once, not per world."""
    _OWN[kind] = function


def fingerprint(value: Any) -> int:
    """The value's stable 64-bit fingerprint, an int in [0, 2**64)."""
    own = _OWN.get(type(value))
    if own is not None:
        return own(value)
    return int.from_bytes(digest(value), "little")


def digest(value: Any) -> bytes:
    """The eight bytes of ``value``'s fingerprint (little-endian)."""
    return _digest_in(value, _WALKED)


def _digest_in(value: Any, walked: set[type]) -> bytes:
    """:func:`digest`, with ``walked`` the types whose values are walked at once (a type
    joins it when one of its values is found holding a frozenset)."""
    kind = type(value)
    if kind in walked:
        data = _pickle(_canonical(value))
    else:
        try:
            data = _pickle(value)
        except (pickle.PicklingError, ValueError):
            data = _FROZENSET
        if _FROZENSET in data:
            # Perhaps a frozenset (the byte may also stand in a number or a string): walk
            # this value and, from now on, every value of its type. CPython's pickler in
            # fast mode counts each frozenset one level deeper and never back, and past 50
            # refuses, or takes a part seen twice for a cycle: start a new one.
            _PICKLER[0] = _new_pickler()
            walked.add(kind)
            data = _pickle(_canonical(value))
    return blake2b(data, digest_size=8).digest()


#: A part's digest as :class:`Parts` keeps it: the two 32-bit halves of 64 bits. CPython
#: hashes a tuple of these exactly, with no seed (an int's hash is the int, below 2**61 - 1).
Digest = tuple[int, int]

_HALF = (1 << 32) - 1
_WORD = (1 << 64) - 1
#: Ints from here on are reduced modulo 2**61 - 1 by ``hash()``; they are digested instead.
_BIG = (1 << 61) - 1


def halves(data: bytes) -> Digest:
    """An eight-byte digest as the (high, low) 32-bit halves of its little-endian value.

    >>> halves(bytes([1, 0, 0, 0, 2, 0, 0, 0]))
    (2, 1)
    """
    value = int.from_bytes(data, "little")
    return value >> 32, value & _HALF


def combine(lanes: tuple[Any, ...]) -> int:
    """A 64-bit fingerprint of a tuple of lanes: digests (:data:`Digest`) and ints in
    [0, 2**61 - 1), by CPython's own hash of tuples: xxHash's rounds, one per lane, each
    one-to-one in its lane's hash (an int's is itself, a digest's the hash of its halves).
    It has no seed, so it is the same in every process of one Python (CPython 3.8 on, on a
    64-bit machine: the same algorithm since then).

    >>> combine(((1, 2), 3)) == combine(((1, 2), 3)), combine(((1, 2), 3)) == combine((3, (1, 2)))
    (True, False)
    """
    return hash(lanes) & _WORD


def int_lane(value: int) -> Any:
    """``value`` as a lane of :func:`combine`: itself when ``hash()`` keeps it whole, else
    the digest of its pickle (an int lane and a digest lane differ in kind, so the two
    never stand for one another but by a 64-bit chance).

    >>> int_lane(5), int_lane(2**61 - 1) == int_lane(0)
    (5, False)
    """
    return value if 0 <= value < _BIG else halves(digest(value))


def _whole(value: Any) -> tuple[Any, ...]:
    """The marker of types ``Parts`` digests whole (never called)."""
    raise AssertionError(value)


_SELF: Callable[[Any], tuple[Any, ...]] = tuple
#: At most this many bytes of pickles are kept as keys (large process states stay cheap).
_PICKLED_BYTES = 1 << 24
#: The items that make a value, by type: itself for a plain tuple or a NamedTuple, a
#: getter of its fields for a dataclass; ``_whole``: none known.
_ITEMS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
_OWN_PICKLE = ("__reduce__", "__reduce_ex__", "__getstate__", "__getnewargs_ex__")


def made_of(kind: type, items: Callable[[Any], tuple[Any, ...]]) -> None:
    """Tell :class:`Parts` that a value of exactly ``kind`` is made of ``items(value)``:
    two values whose items are the same objects are equal and pickle alike, so a new
    value made of the items of one met before is found without pickling it. Tuples,
    NamedTuples and dataclasses that pickle the default way are known already; a type
    with a pickle of its own (the actor layer's ``Signal``) is declared this way."""
    _ITEMS[kind] = items


def _items_of(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """What makes a value of ``kind`` for ``Parts``' look-up by items (see ``_ITEMS``)."""
    items: Callable[[Any], tuple[Any, ...]] = _whole
    own = any(name in vars(k) for k in kind.__mro__[:-1] for name in _OWN_PICKLE if k is not tuple)
    if kind is tuple or (issubclass(kind, tuple) and hasattr(kind, "_fields") and not own):
        items = _SELF
    elif dataclasses.is_dataclass(kind) and not own:
        names = tuple(f.name for f in dataclasses.fields(kind))
        if len(names) > 1:
            items = cast("Callable[[Any], tuple[Any, ...]]", operator.attrgetter(*names))
    _ITEMS[kind] = items
    return items


class Parts:
    """Digests of the parts of composite values, each part digested once while it is
    remembered (by identity: the entry holds the part, so its id stays its own), so that
    values sharing parts (the worlds of an actor system share node states, channels,
    timers) cost a look-up per part. At most ``limit`` parts are remembered; past that
    it starts afresh. Which types are walked for frozensets at once is learnt per
    ``role`` (the place of the part in its value): a plain tuple holding a frozenset as a
    process state does not make every tuple elsewhere be walked. A digest is a
    :data:`Digest`; a composite value's fingerprint is :func:`combine` of its parts'.

    >>> parts = Parts()
    >>> shared = ("a", frozenset({1, 2}))
    >>> combine((parts.of(shared), parts.of(1))) == combine(
    ...     (parts.of(("a", frozenset({2, 1}))), parts.of(1)))
    True
    """

    __slots__ = (
        "_by_items",
        "_by_pickle",
        "_limit",
        "_pickled_bytes",
        "_walked",
        "known",
        "tables",
        "tuples",
    )

    def __init__(self, limit: int = 1 << 16) -> None:
        #: What is remembered, by the part's id: (the part, its digest), read directly by
        #: callers that look a part up without a call (``known``: parts digested whole,
        #: ``tuples``: item by item, ``tables``: entry by entry).
        self.known: dict[int, tuple[Any, Digest]] = {}
        self.tuples: dict[int, tuple[Any, Digest]] = {}
        self.tables: dict[int, tuple[Any, Digest]] = {}
        self._walked: dict[int, set[type]] = {}
        #: For a part equal to one met before but not that object (steps that go through
        #: the rules make new ones): digests by (type, the ids of its items) for tuples
        #: and dataclasses, and by plain pickle (see ``_pickled``).
        self._by_items: dict[tuple[Any, ...], tuple[Any, Digest]] = {}
        self._by_pickle: dict[bytes, Digest] = {}
        self._pickled_bytes = 0  # (the keys' length: at most _PICKLED_BYTES are kept)
        self._limit = limit

    def of(self, part: Any, role: int = 0) -> Digest:
        """``part``'s digest (:func:`digest`, in halves), in ``role``."""
        known = self.known.get(id(part))
        if known is not None and known[0] is part:
            return known[1]
        kind = type(part)
        fields = _ITEMS.get(kind)
        if fields is None:
            fields = _items_of(kind)
        by_items = None
        if fields is not _whole:
            # The same items (the very objects) make an equal value: a new signal or a
            # new record with the old one's fields is found without pickling it. (The
            # entry holds the first such part, which holds its items, so their ids stay
            # theirs while the entry is there.)
            by_items = (kind, *map(id, part if fields is _SELF else fields(part)))
            found = self._by_items.get(by_items)
            if found is not None:
                self._remember(part, found[1])
                return found[1]
        data = self._pickled(part, role)
        if by_items is not None:
            if len(self._by_items) >= self._limit:
                self._by_items.clear()
            self._by_items[by_items] = (part, data)
        self._remember(part, data)
        return data

    def _remember(self, part: Any, data: Digest) -> None:
        if len(self.known) >= self._limit:
            self.known.clear()
        self.known[id(part)] = (part, data)

    def _pickled(self, part: Any, role: int) -> Digest:
        """``part``'s digest, found by its plain pickle when an equal value was met
        before: equal pickles are equal values of the same types, so the pickle is a
        sound key, and it spares the canonical walk and the digest."""
        try:
            key: bytes | None = _dumps(part, _PROTOCOL)
        except Exception:  # (not picklable: _digest_in says why, or takes its own way)
            key = None
        data = None if key is None else self._by_pickle.get(key)
        if data is None:
            walked = self._walked.get(role)
            if walked is None:
                walked = self._walked[role] = set()
            data = halves(_digest_in(part, walked))
            if key is not None:
                self._pickled_bytes += len(key)
                if len(self._by_pickle) >= self._limit or self._pickled_bytes > _PICKLED_BYTES:
                    self._by_pickle.clear()
                    self._pickled_bytes = len(key)
                self._by_pickle[key] = data
        return data

    def of_each(self, parts: tuple[Any, ...], role: int = 0) -> Digest:
        """The digest of a tuple from its items' digests (each in ``role``), remembered as
        a part itself."""
        known = self.tuples.get(id(parts))
        if known is not None and known[0] is parts:
            return known[1]
        get, of = self.known.get, self.of
        digests = []
        for item in parts:  # (a remembered item costs a look-up, not a call)
            known = get(id(item))
            digests.append(known[1] if known is not None and known[0] is item else of(item, role))
        value = combine(tuple(digests))
        data = value >> 32, value & _HALF
        if len(self.tuples) >= self._limit:
            self.tuples.clear()
        self.tuples[id(parts)] = (parts, data)
        return data

    def of_table(self, table: tuple[tuple[int, tuple[Any, ...]], ...], role: int = 0) -> Digest:
        """The digest of a sparse table of (key, items) pairs, keys ints in [0, 2**64) and
        items tuples (a world's channels or signal queues), from each key, each entry's
        length and its items' digests (each in ``role``); remembered as a part itself. A
        table that differs from one digested before in an entry or two costs the items
        not met before, which a table digested whole would pickle again.

        >>> parts = Parts()
        >>> parts.of_table(((1, ("x", "y")),)) == parts.of_table(((1, ("x", "y")),))
        True
        >>> parts.of_table(((1, ("x", "y")),)) == parts.of_table(((1, ("x",)), (2, ("y",))))
        False
        """
        known = self.tables.get(id(table))
        if known is not None and known[0] is table:
            return known[1]
        get, of = self.known.get, self.of
        lanes: list[Any] = []
        for key, items in table:
            lanes.append(int_lane(key))
            lanes.append(len(items))
            for item in items:
                known = get(id(item))
                lanes.append(known[1] if known is not None and known[0] is item else of(item, role))
        value = combine(tuple(lanes))
        data = value >> 32, value & _HALF
        if len(self.tables) >= self._limit:
            self.tables.clear()
        self.tables[id(table)] = (table, data)
        return data


class _Mark:
    """Tags a canonical form's parts: a frozenset's elements, a typed tuple's or a
    dataclass's fields. Pickled by reference, so a tag never equals a model's value."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __reduce__(self) -> str:
        return self._name


_SET = _Mark("_SET")
_TYPED = _Mark("_TYPED")
_ATOMS = frozenset({int, str, bytes, bool, float, type(None)})


def _canonical(value: Any) -> Any:
    """``value`` itself if it holds no frozenset; otherwise a value that pickles alike for
    equal values: each frozenset replaced by its elements in a fixed order (by each one's
    own encoding, a total order) behind a tag, and each tuple subclass or dataclass that
    holds one by its type and fields."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is frozenset:
        parts = [_canonical(item) for item in value]
        parts.sort(key=_order_key)
        return (_SET, *parts)
    if isinstance(value, tuple):
        for item in value:
            if type(item) not in _ATOMS:
                break
        else:
            return value
        items = [_canonical(item) for item in value]
        if all(map(operator.is_, items, value)):
            return value
        return tuple(items) if kind is tuple else (_TYPED, kind, tuple(items))
    if isinstance(value, enum.Enum):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # (a field that takes no part in equality, such as a cached hash, takes none here)
        old = [getattr(value, f.name) for f in dataclasses.fields(value) if f.compare]
        fields = [_canonical(field) for field in old]
        if all(map(operator.is_, fields, old)):
            return value
        return (_TYPED, kind, tuple(fields))
    data = _pickle(value)
    if _FROZENSET in data and _has_frozenset(data):
        raise ModelError(
            f"a {type(value).__name__} in a state holds a frozenset the fingerprint store "
            "cannot encode stably: use the exact store"
        )
    return value


def _order_key(part: Any) -> bytes:
    """A frozenset element's place: its marshal encoding (version 0: no references, no
    interning, so equal values encode alike) where it has one, else its pickle."""
    try:
        return marshal.dumps(part, 0)
    except ValueError:
        return b"\xff" + _pickle(part)


def _has_frozenset(data: bytes) -> bool:
    """True if ``data`` pickles a frozenset: looks at the opcodes themselves."""
    return any(op.code == "\x91" for op, _arg, _pos in pickletools.genops(data))
