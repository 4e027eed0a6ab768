"""Sequential specifications: what an object does when operations run one at a time.

A :class:`Spec` is an initial state and a step function ``(state, f, arg) -> (state',
result)``; the checkers ask it what each operation would return at each point of a
candidate order. States must be hashable (the checkers remember the configurations they
have seen). Plug in another object by writing its step function:

>>> def counter_step(state, f, arg):
...     return (state + arg, None) if f == "add" else (state, state)
>>> counter = Spec("counter", 0, counter_step)
>>> counter.step(*counter.step(0, "add", 2)[:1], "read", None)
(2, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

__all__ = ["Spec", "cas_register", "register"]


@dataclass(frozen=True)
class Spec:
    """A sequential object: its ``name``, ``initial`` state and ``step`` function."""

    name: str
    initial: Hashable
    step: Callable[[Any, str, Any], tuple[Any, Any]]


def _register_step(state: Any, f: str, arg: Any) -> tuple[Any, Any]:
    if f == "read":
        return state, state
    if f == "write":
        return arg, None
    raise ValueError(f"a register has read and write, not {f!r}")


def register(initial: Hashable = 0) -> Spec:
    """A read/write register: ``read()`` returns the value, ``write(v)`` returns None.

    >>> r = register()
    >>> r.step(r.initial, "write", 1), r.step(1, "read", None)
    ((1, None), (1, 1))
    """
    return Spec("register", initial, _register_step)


def _cas_step(state: Any, f: str, arg: Any) -> tuple[Any, Any]:
    if f == "cas":
        old, new = arg
        return (new, True) if state == old else (state, False)
    return _register_step(state, f, arg)


def cas_register(initial: Hashable = 0) -> Spec:
    """A register with compare-and-set: ``cas((old, new))`` returns whether it swapped.

    >>> r = cas_register()
    >>> r.step(0, "cas", (0, 5)), r.step(1, "cas", (0, 5))
    ((5, True), (1, False))
    """
    return Spec("cas-register", initial, _cas_step)
