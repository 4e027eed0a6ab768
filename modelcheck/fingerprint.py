"""Stable 64-bit fingerprints of state values, the same in every process and every run.

Python's ``hash()`` will not do: a str's hash changes with PYTHONHASHSEED, and ``None``'s
with the address it was loaded at (Python 3.11). A fingerprint is instead the first eight
bytes of a BLAKE2b digest of the value's pickle, made without the pickle memo (so that
equal values pickle alike however their parts are shared). That is fixed for every value
a state may hold (see :mod:`modelcheck.values`) but a frozenset, whose pickle lists its
elements in iteration order: equal frozensets built in other orders may pickle otherwise.
States with frozensets in them (the rare case, found by looking for the FROZENSET opcode
in the pickle) are encoded element-sorted instead, which is slower but the same for equal
values.

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
import io
import pickle
import pickletools
from hashlib import blake2b
from typing import Any

from modelcheck.errors import ModelError

__all__ = ["fingerprint"]

_FROZENSET = pickle.FROZENSET
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


def fingerprint(value: Any) -> int:
    """The value's stable 64-bit fingerprint, an int in [0, 2**64)."""
    try:
        data = _pickle(value)
    except pickle.PicklingError:
        data = _FROZENSET  # many frozensets (see below): encode it element-sorted
    if _FROZENSET in data and _has_frozenset(data):
        # CPython's pickler in fast mode counts each frozenset as one level deeper and never
        # back, refusing at 50: start a new one, and sort the elements ourselves anyway.
        _PICKLER[0] = _new_pickler()
        data = _sorted_encoding(value)
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "little")


def _has_frozenset(data: bytes) -> bool:
    """True if ``data`` pickles a frozenset (or is the marker above). The FROZENSET byte
    can also be part of an int's or a string's encoding: look at the opcodes themselves."""
    if data == _FROZENSET:
        return True
    return any(op.code == "\x91" for op, _arg, _pos in pickletools.genops(data))


def _sorted_encoding(value: Any) -> bytes:
    """An encoding equal for equal values, with frozensets' elements in sorted order."""
    if isinstance(value, frozenset):
        parts = sorted(_sorted_encoding(item) for item in value)
        return b"S%d:" % len(parts) + b"".join(b"%d:%s" % (len(p), p) for p in parts)
    if isinstance(value, tuple):
        parts = [_sorted_encoding(item) for item in value]
        name = type(value).__qualname__.encode()
        return b"T%s:%d:" % (name, len(parts)) + b"".join(b"%d:%s" % (len(p), p) for p in parts)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [_sorted_encoding(getattr(value, f.name)) for f in dataclasses.fields(value)]
        name = type(value).__qualname__.encode()
        return b"D%s:%d:" % (name, len(fields)) + b"".join(b"%d:%s" % (len(p), p) for p in fields)
    data = _pickle(value)
    if _FROZENSET in data and _has_frozenset(data):
        raise ModelError(
            f"a {type(value).__name__} in a state holds a frozenset the fingerprint store "
            "cannot encode stably: use the exact store"
        )
    return b"P" + data
