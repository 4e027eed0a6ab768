"""Properties a model is checked against.

``always(p)`` is an invariant: ``p`` holds in every reachable state (a violation comes with
a shortest trace to a state where it fails). ``sometimes(p)`` is reachability: some
reachable state satisfies ``p`` (reported with an example trace; a ``sometimes`` that is
never reached is reported as ``unreached``, so a vacuous pass cannot hide).

Liveness properties are judged on the infinite behaviours of the model, under its fairness
conditions (see :mod:`modelcheck.fairness`); a violation comes with a lasso, a path to a
loop that repeats forever:

- ``eventually(p)``: every behaviour reaches a state where ``p`` holds (``<>p``).
- ``leads_to``: whenever ``p`` holds, ``q`` holds then or later (``p ~> q``). The decorated
  method returns the pair ``(p, q)`` of the state's truth values.
- ``infinitely_often(p)``: ``p`` holds again and again, forever (``[]<>p``).
- ``eventually_always(p)``: from some point on, ``p`` holds forever (``<>[]p``).

A step property (``always_step``, TLA+'s ``[][A]_v``) is judged on every step the search
takes, old state, label and new state; a violation ends with the step that breaks it.

A behaviour that reaches a state with no enabled action stays there forever (TLC's
stuttering when deadlock checking is off) unless the model says otherwise
(:attr:`modelcheck.Model.stuttering`).

Use them as decorators on model methods, or build :class:`Property` values directly:

>>> from modelcheck import Property
>>> p = Property("small", "always", lambda s: s < 10)
>>> p.kind, p.predicate(3)
('always', True)
>>> q = Property.leads_to("answered", lambda s: s == "asked", lambda s: s == "answered")
>>> q.kind, q.predicate("asked")
('leads_to', (True, False))
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast, overload

from modelcheck.docstrings import first_sentence

if TYPE_CHECKING:
    from modelcheck.fairness import Fairness

__all__ = [
    "ALWAYS",
    "DEADLOCK",
    "EVENTUALLY",
    "EVENTUALLY_ALWAYS",
    "INFINITELY_OFTEN",
    "LEADS_TO",
    "LIVENESS",
    "SOMETIMES",
    "STEP",
    "Property",
    "PropertyKind",
    "Reads",
    "always",
    "always_step",
    "eventually",
    "eventually_always",
    "infinitely_often",
    "leads_to",
    "mark_built",
    "not_a_bool",
    "sometimes",
]

PropertyKind = Literal[
    "always",
    "sometimes",
    "deadlock",
    "eventually",
    "leads_to",
    "infinitely_often",
    "eventually_always",
    "step",
]
ALWAYS: PropertyKind = "always"
SOMETIMES: PropertyKind = "sometimes"
DEADLOCK: PropertyKind = "deadlock"
EVENTUALLY: PropertyKind = "eventually"
LEADS_TO: PropertyKind = "leads_to"
INFINITELY_OFTEN: PropertyKind = "infinitely_often"
EVENTUALLY_ALWAYS: PropertyKind = "eventually_always"
STEP: PropertyKind = "step"
#: The kinds judged on infinite behaviours, with lasso counterexamples.
LIVENESS: frozenset[str] = frozenset({EVENTUALLY, LEADS_TO, INFINITELY_OFTEN, EVENTUALLY_ALWAYS})

F = TypeVar("F", bound=Callable[..., Any])

#: What a property declares it reads (``@always(reads=...)``): node names, or a function of
#: the model that returns them (when they depend on the parameters).
Reads = Collection[str] | Callable[[Any], Iterable[str]]

_MARK = "__modelcheck_property__"
#: On a marked method whose property is built by a function (a refinement's mapping).
_BUILD = "__modelcheck_build__"


@dataclass(frozen=True)
class Property:
    """A named predicate over states and how it is judged (its ``kind``).

    ``deadlock`` is the built-in property "every state has a successor", added when the
    model asks for deadlock detection. For ``leads_to`` the predicate returns the pair
    ``(p, q)``; build one from two predicates with :meth:`Property.leads_to`.

    ``reads`` (actor systems): the nodes whose states the predicate reads, and nothing else
    of the world; None (the default) means it may read anything. Partial-order reduction
    (``check(model, por=True)``) relies on it, and holds the predicate to it: there, it is
    judged on a view of the world without the other nodes' states, the messages in flight,
    the signals, timers and monitors, and touching any of them is a model error. Without
    it, the reduction finds what the predicate reads by tracing it.
    """

    name: str
    kind: PropertyKind
    predicate: Callable[..., Any]
    description: str = ""
    reads: tuple[str, ...] | None = None
    #: A liveness property's own fairness conditions, instead of the model's (None: the
    #: model's ``fairness_conditions()``).
    fairness: tuple[Fairness, ...] | None = None
    #: A step property's condition on the initial states as well (a refinement's: the
    #: state maps to an initial state of the higher model); None: initial states pass.
    initial: Callable[[Any], bool] | None = None

    @classmethod
    def leads_to(
        cls,
        name: str,
        p: Callable[[Any], bool],
        q: Callable[[Any], bool],
        description: str = "",
    ) -> Property:
        """The property "whenever ``p`` holds, ``q`` holds then or later"."""
        return cls(name, LEADS_TO, lambda s: (bool(p(s)), bool(q(s))), description)


def not_a_bool(name: str, value: object) -> str | None:
    """The one-line complaint about a property ``name`` that returned ``value``, or None
    when ``value`` is a bool. A property must return ``True`` or ``False``: anything else
    (a string, ``None``, a list, a generator, a numpy bool) would be judged by its truth
    value without a word.

    >>> not_a_bool("safe", True) is None
    True
    >>> not_a_bool("safe", None)
    "property 'safe' returned None, not a bool (a missing return?): return True or False"
    >>> not_a_bool("safe", "ok")
    "property 'safe' returned a str, not a bool: return True or False"
    """
    if type(value) is bool:
        return None
    kind = type(value)
    if value is None:
        what = "None"
    else:
        what = kind.__qualname__
        if kind.__module__ != "builtins":
            what = f"{kind.__module__}.{what}"
        what = f"{'an' if what[0] in 'aeiou' else 'a'} {what}"
    hint = " (a missing return?)" if value is None else ""
    return f"property '{name}' returned {what}, not a bool{hint}: return True or False"


class Marker(Protocol):
    """A property decorator: ``@always``, ``@always(name="TypeOK")`` or
    ``@always(reads=("client",))`` (see :attr:`Property.reads`); a liveness one may name
    its own fairness, ``@eventually(fairness=[weak("Tick")])`` (:attr:`Property.fairness`)."""

    __name__: str
    __doc__: str | None

    @overload
    def __call__(self, fn: F, /) -> F: ...

    @overload
    def __call__(
        self,
        *,
        name: str | None = None,
        reads: Reads | None = None,
        fairness: Sequence[Fairness] | None = None,
    ) -> Callable[[F], F]: ...


def _marker(kind: PropertyKind) -> Marker:
    def decorate(
        fn: F | None = None,
        *,
        name: str | None = None,
        reads: Reads | None = None,
        fairness: Sequence[Fairness] | None = None,
    ) -> Any:
        if fairness is not None and kind not in LIVENESS:
            raise TypeError(f"@{kind} takes no fairness: only liveness properties assume one")

        def mark(f: F) -> F:
            own = tuple(fairness) if fairness is not None else None
            setattr(f, _MARK, (kind, name or f.__name__, reads, own))
            return f

        return mark(fn) if fn is not None else mark

    decorate.__name__ = kind
    return cast(Marker, decorate)


always = _marker(ALWAYS)
always.__doc__ = """Mark a model method ``(self, state) -> bool`` as an invariant.

``@always`` or ``@always(name="TypeOK")``; the property's name defaults to the method's.
"""
sometimes = _marker(SOMETIMES)
sometimes.__doc__ = """Mark a model method ``(self, state) -> bool`` as a reachability goal.

``@sometimes`` or ``@sometimes(name="can_commit")``; reported with an example trace.
"""
always_step = _marker(STEP)
always_step.__doc__ = """Mark a model method ``(self, old, label, new) -> bool`` as a step
property: every step the model can take satisfies it (TLA+'s ``[][A]_v``, an action
property; return True for the steps it does not constrain, as ``_v`` allows stuttering).

``@always_step`` or ``@always_step(name="Monotonic")``; a violation is a shortest trace
whose last step breaks it.
"""
eventually = _marker(EVENTUALLY)
eventually.__doc__ = """Mark a model method ``(self, state) -> bool`` as a liveness goal: every
(fair) behaviour reaches a state where it holds.

``@eventually`` or ``@eventually(name="Liveness")``; a violation is a lasso whose states all
fail it.
"""
leads_to = _marker(LEADS_TO)
leads_to.__doc__ = """Mark a model method ``(self, state) -> tuple[bool, bool]`` returning
``(p, q)`` as "``p`` leads to ``q``": whenever ``p`` holds, ``q`` holds then or later.

``@leads_to`` or ``@leads_to(name="Liveness")``; a violation is a lasso with a state where
``p`` holds, after which ``q`` never does.
"""
infinitely_often = _marker(INFINITELY_OFTEN)
infinitely_often.__doc__ = """Mark a model method ``(self, state) -> bool`` that must hold again
and again in every (fair) behaviour, forever (``[]<>p``).

A violation is a lasso whose loop never satisfies it.
"""
eventually_always = _marker(EVENTUALLY_ALWAYS)
eventually_always.__doc__ = """Mark a model method ``(self, state) -> bool`` that must, in every
(fair) behaviour, hold from some point on forever (``<>[]p``).

A violation is a lasso whose loop has a state where it fails.
"""


def mark_built(
    fn: F, kind: PropertyKind, name: str, build: Callable[[Any, Any, str, str], Property]
) -> F:
    """Mark ``fn`` as a property method whose :class:`Property` is built by
    ``build(model, bound method, name, description)`` (see :mod:`modelcheck.refinement`)."""
    setattr(fn, _MARK, (kind, name, None, None))
    setattr(fn, _BUILD, build)
    return fn


def marked_properties(obj: object) -> list[Property]:
    """The decorated property methods of a model instance, bound, in definition order; a
    subclass removes an inherited one by setting its name to None. A property's description
    is the first sentence of its docstring."""
    seen: dict[str, Property] = {}
    for klass in reversed(type(obj).__mro__):
        for attr, fn in vars(klass).items():
            mark = getattr(fn, _MARK, None)
            if mark is not None:
                kind, name, reads, fairness = mark
                build = getattr(fn, _BUILD, None)
                if build is not None:
                    seen[attr] = build(obj, getattr(obj, attr), name, first_sentence(fn.__doc__))
                    continue
                seen[attr] = Property(
                    name,
                    kind,
                    getattr(obj, attr),
                    first_sentence(fn.__doc__),
                    _reads(obj, reads),
                    fairness,
                )
            elif fn is None:
                seen.pop(attr, None)  # ``prop = None`` in a subclass removes the property
    return list(seen.values())


def _reads(obj: object, reads: Reads | None) -> tuple[str, ...] | None:
    """A property's ``reads`` as a tuple of names (a function of the model is called).

    >>> _reads(None, "client"), _reads(None, ["a", "b"]), _reads(None, None)
    (('client',), ('a', 'b'), None)
    """
    if reads is None:
        return None
    names = reads(obj) if callable(reads) else reads
    if isinstance(names, str):
        return (names,)
    return tuple(names)
