"""Properties a model is checked against.

``always(p)`` is an invariant: ``p`` holds in every reachable state (a violation comes with
a shortest trace to a state where it fails). ``sometimes(p)`` is reachability: some
reachable state satisfies ``p`` (reported with an example trace; a ``sometimes`` that is
never reached is reported as ``unreached``, so a vacuous pass cannot hide).

Use them as decorators on model methods, or build :class:`Property` values directly:

>>> from modelcheck import Property
>>> p = Property("small", "always", lambda s: s < 10)
>>> p.kind, p.predicate(3)
('always', True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

__all__ = ["ALWAYS", "DEADLOCK", "SOMETIMES", "Property", "PropertyKind", "always", "sometimes"]

PropertyKind = Literal["always", "sometimes", "deadlock"]
ALWAYS: PropertyKind = "always"
SOMETIMES: PropertyKind = "sometimes"
DEADLOCK: PropertyKind = "deadlock"

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__modelcheck_property__"


@dataclass(frozen=True)
class Property:
    """A named predicate over states and how it is judged (``always`` or ``sometimes``).

    ``deadlock`` is the built-in property "every state has a successor", added when the
    model asks for deadlock detection.
    """

    name: str
    kind: PropertyKind
    predicate: Callable[[Any], bool]
    description: str = ""


def _marker(kind: PropertyKind) -> Callable[..., Any]:
    def decorate(fn: F | None = None, *, name: str | None = None) -> Any:
        def mark(f: F) -> F:
            setattr(f, _MARK, (kind, name or f.__name__))
            return f

        return mark(fn) if fn is not None else mark

    decorate.__name__ = kind
    return decorate


always = _marker(ALWAYS)
always.__doc__ = """Mark a model method ``(self, state) -> bool`` as an invariant.

``@always`` or ``@always(name="TypeOK")``; the property's name defaults to the method's.
"""
sometimes = _marker(SOMETIMES)
sometimes.__doc__ = """Mark a model method ``(self, state) -> bool`` as a reachability goal.

``@sometimes`` or ``@sometimes(name="can_commit")``; reported with an example trace.
"""


def marked_properties(obj: object) -> list[Property]:
    """The decorated property methods of a model instance, bound, in definition order."""
    seen: dict[str, Property] = {}
    for klass in reversed(type(obj).__mro__):
        for attr, fn in vars(klass).items():
            mark = getattr(fn, _MARK, None)
            if mark is not None:
                kind, name = mark
                doc = (fn.__doc__ or "").strip().splitlines()
                seen[attr] = Property(name, kind, getattr(obj, attr), doc[0] if doc else "")
    return list(seen.values())
