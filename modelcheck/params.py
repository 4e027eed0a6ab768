"""Declared model parameters: a type, a default, a range, validated from Python or the CLI.

>>> from modelcheck import Model, Param
>>> class Ring(Model):
...     nodes = Param(3, help="ring size", min=1)
>>> Ring(nodes=5).nodes
5
>>> Ring().params
{'nodes': 3}
>>> Ring(nodes="x")
Traceback (most recent call last):
...
modelcheck.errors.ParameterError: parameter 'nodes' of Ring takes an integer, not 'x'
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

from modelcheck.errors import ParameterError

__all__ = ["Described", "Param", "Parameterized", "parse_assignments", "resolve_params"]

T = TypeVar("T")

_TYPE_WORDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class Param(Generic[T]):
    """A model parameter: declare it as a class attribute of a :class:`~modelcheck.Model`.

    The type is the default's type (int, float, bool or str). ``min``/``max`` bound numbers;
    ``choices`` restricts the values. A ``quiet`` parameter is left out of a model's
    description while it has its default. On an instance the attribute reads as the value.
    """

    def __init__(
        self,
        default: T,
        *,
        help: str = "",
        min: float | None = None,
        max: float | None = None,
        choices: Sequence[T] | None = None,
        quiet: bool = False,
    ) -> None:
        if type(default) not in _TYPE_WORDS:
            raise TypeError(f"Param default must be int, float, bool or str, not {default!r}")
        self.default = default
        self.type: type = type(default)
        self.help = help
        self.min = min
        self.max = max
        self.choices = tuple(choices) if choices is not None else None
        self.quiet = quiet
        self.name = "?"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Param[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> Param[T] | T:
        if obj is None:
            return self
        value: T = obj.__dict__.get("params", {}).get(self.name, self.default)
        return value

    def describe(self) -> str:
        """One line for ``modelcheck list``: ``name=default (help; range)``."""
        extra = []
        if self.help:
            extra.append(self.help)
        if self.choices is not None:
            extra.append("one of " + ", ".join(_show(c) for c in self.choices))
        if self.min is not None or self.max is not None:
            low = "" if self.min is None else _show(self.min)
            high = "" if self.max is None else _show(self.max)
            extra.append(f"{low}..{high}")
        tail = f" ({'; '.join(extra)})" if extra else ""
        return f"{self.name}={_show(self.default)}{tail}"

    def validate(self, value: object, owner: str) -> T:
        """Return ``value`` as this parameter's type, or raise :class:`ParameterError`."""
        where = f"parameter '{self.name}' of {owner}"
        if isinstance(value, str) and self.type is not str:
            value = self._parse(value, where)
        elif self.type is float and type(value) is int:
            value = float(value)
        if type(value) is not self.type:
            raise ParameterError(f"{where} takes {_TYPE_WORDS[self.type]}, not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{where} takes a finite number, not {value}")
        if self.choices is not None and value not in self.choices:
            options = ", ".join(_show(c) for c in self.choices)
            raise ParameterError(f"{where} must be one of {options}, not {_show(value)}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.min is not None and value < self.min:
                raise ParameterError(f"{where} must be at least {_show(self.min)}, not {value}")
            if self.max is not None and value > self.max:
                raise ParameterError(f"{where} must be at most {_show(self.max)}, not {value}")
        result: T = value  # type: ignore[assignment]
        return result

    def _parse(self, text: str, where: str) -> object:
        word = _TYPE_WORDS[self.type]
        if self.type is bool:
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ParameterError(f"{where} takes {word}, not {text!r}")
        try:
            return self.type(text.strip())
        except ValueError:
            digits = text.strip().lstrip("+-")
            if self.type is int and digits.isdigit():  # more digits than Python converts
                raise ParameterError(
                    f"{where} takes an integer of at most {sys.get_int_max_str_digits()} "
                    f"digits, not one of {len(digits)}"
                ) from None
            raise ParameterError(f"{where} takes {word}, not {text!r}") from None


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def declared_params(cls: type) -> dict[str, Param[Any]]:
    """The parameters a model class declares, in declaration order (base classes first)."""
    found: dict[str, Param[Any]] = {}
    for klass in reversed(cls.__mro__):
        for name, attr in vars(klass).items():
            if isinstance(attr, Param):
                found[name] = attr
    return found


def resolve_params(cls: type, given: Mapping[str, object]) -> dict[str, object]:
    """Validate ``given`` against ``cls``'s parameters and fill in defaults.

    Unknown names get a :class:`ParameterError` naming the close matches.
    """
    declared = declared_params(cls)
    owner = cls.__name__
    for name in given:
        if name not in declared:
            raise ParameterError(_unknown_message(name, owner, list(declared)))
    return {
        name: param.validate(given[name], owner) if name in given else param.default
        for name, param in declared.items()
    }


def _unknown_message(name: str, owner: str, known: list[str]) -> str:
    if not known:
        return f"{owner} has no parameters, so '{name}' cannot be set"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{owner} has no parameter '{name}': {hint}its parameters are {', '.join(known)}"


def parse_assignments(pairs: Sequence[str]) -> dict[str, str]:
    """Turn CLI ``-p name=value`` strings into a dict; a malformed one is a ParameterError.

    >>> parse_assignments(["rms=5", "mode=fast"])
    {'rms': '5', 'mode': 'fast'}
    """
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"parameter '{pair}' must be written name=value, e.g. -p rms=5")
        if name in result:
            raise ParameterError(f"parameter '{name}' is given twice")
        result[name] = value
    return result


class Described:
    """A class named by its class name and summed up by its docstring's first line: what
    models, symbolic systems and CRDTs share for listing and reporting."""

    @property
    def name(self) -> str:
        """The class name."""
        return type(self).__name__

    @classmethod
    def summary(cls) -> str:
        """The first sentence of the class docstring (see :mod:`modelcheck.docstrings`)."""
        from modelcheck.docstrings import first_sentence

        return first_sentence(cls.__doc__)


class Parameterized(Described):
    """A class with declared :class:`Param` attributes, resolved into ``self.params``."""

    params: dict[str, object]

    @classmethod
    def declared_params(cls) -> dict[str, Param[Any]]:
        """The parameters the class declares, in order."""
        return declared_params(cls)

    def heading(self) -> str:
        """The name, then the parameters in parentheses if any are shown: ``TwoPhase (rms=3)``,
        or just ``D`` for a model without any (or with only quiet ones at their default)."""
        params = self.describe_params()
        return f"{self.name} ({params})" if params else self.name

    def describe_params(self) -> str:
        """``name=value`` pairs, comma separated, in declaration order (quiet parameters
        only when they differ from their default)."""
        from modelcheck.values import format_value, to_plain

        declared = self.declared_params()
        return ", ".join(
            f"{k}={format_value(to_plain(v))}"
            for k, v in self.params.items()
            if not (declared[k].quiet and v == declared[k].default)
        )
