"""The Model: a transition system with parameters and properties.

A model needs two methods, ``init_states`` and ``actions``; everything else has a default.
``actions(state)`` returns ``(label, successor)`` pairs in a fixed order: the order is part
of the model (a trace is the list of positions taken in it). States are immutable values
(see :mod:`modelcheck.values`).

>>> from modelcheck import Model, Param, always, check
>>> class Counter(Model):
...     '''Counts up to a limit.'''
...     limit = Param(3, min=0)
...     def init_states(self):
...         return [0]
...     def actions(self, n):
...         return [("inc", n + 1)] if n < self.limit else []
...     @always
...     def bounded(self, n):
...         return n <= self.limit
>>> result = check(Counter(limit=4))
>>> result.distinct, result.generated, result.depth, result.status("bounded")
(5, 5, 5, 'holds')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Literal, TypeVar

from modelcheck.fairness import Fairness
from modelcheck.params import Parameterized, resolve_params
from modelcheck.properties import Property, marked_properties
from modelcheck.values import format_value, to_plain

__all__ = ["Model", "Stuttering", "format_label"]

S = TypeVar("S")
#: Where a behaviour may stay forever without a step (see ``Model.stuttering``).
Stuttering = Literal["deadlock", "never", "always"]


class Model(Parameterized, Generic[S]):
    """Base class of every model. Subclass it; set parameters with keyword arguments.

    Class attributes a model may set:

    - ``deadlock`` (default False): report a reachable state with no successor as a
      violation of the built-in ``deadlock`` property.
    - ``fields``: names for the positions of a plain-tuple state, used when showing it.
    - ``fairness``: the fairness conditions liveness properties assume, e.g.
      ``(weak("TMCommit"), strong("Deliver", per=lambda label: label[1:3]))``; see
      :mod:`modelcheck.fairness` (or override :meth:`fairness_conditions`).
    - ``stuttering``: where a behaviour may stay forever without taking a step, for
      liveness properties. ``"deadlock"`` (the default): only in a state with no enabled
      action, as TLC does when deadlock checking is off, so stopping before ``p`` holds
      violates ``eventually(p)``. ``"never"``: a behaviour that stops is fine and is not
      judged, only infinite ones are. ``"always"``: in any state, unless a fairness
      condition forbids it (TLA+'s semantics, where ``[Next]_vars`` allows stuttering).
    - ``environment``: the names of the actions the environment takes, not the protocol
      (faults: a crash, a partition, a lost message), named as fairness groups name them
      (the label, or its first element); or override :meth:`environment_steps`. A budget of
      faults says how many *may* happen, never that one must: with ``"deadlock"``
      stuttering a behaviour may also stay forever in a state where only such steps are
      enabled, unless a fairness condition covers one of them (``weak("heal")`` still
      forces its heal). An :class:`~modelcheck.actors.ActorSystem` names its faults.
    """

    deadlock: ClassVar[bool] = False
    fields: ClassVar[tuple[str, ...] | None] = None
    fairness: ClassVar[Sequence[Fairness]] = ()
    stuttering: ClassVar[Stuttering] = "deadlock"
    environment: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: object) -> None:
        self.params: dict[str, object] = resolve_params(type(self), params)
        # Each value also as a plain instance attribute: it shadows the Param descriptor
        # (which has no __set__), so reading ``self.rms`` in actions() costs a dict look-up,
        # not a descriptor call.
        vars(self).update(self.params)
        self.setup()

    # -- what a model defines -------------------------------------------------------------

    def setup(self) -> None:
        """Called once the parameters are set: precompute what the actions need."""

    def init_states(self) -> Iterable[S]:
        """The initial states, in a fixed order."""
        raise NotImplementedError(f"{type(self).__name__} must define init_states()")

    def actions(self, state: S) -> Iterable[tuple[Any, S]]:
        """The ``(label, successor)`` pairs enabled in ``state``, in a fixed order."""
        raise NotImplementedError(f"{type(self).__name__} must define actions(state)")

    def properties(self) -> Sequence[Property]:
        """The properties to check; by default the methods marked ``@always``, ``@sometimes``,
        ``@eventually``, ``@leads_to``, ``@infinitely_often`` or ``@eventually_always``."""
        return marked_properties(self)

    def fairness_conditions(self) -> Sequence[Fairness]:
        """The fairness conditions liveness properties assume; by default ``fairness``."""
        return tuple(self.fairness)

    def environment_steps(self) -> tuple[str, ...]:
        """The names of the environment's actions (faults), which no behaviour is forced to
        take; by default ``environment``."""
        return tuple(self.environment)

    #: How a model of this kind declares a symmetry: what ``--symmetry`` says it lacks.
    symmetry_hint: ClassVar[str] = "define canonical(state)"

    def canonical(self, state: S) -> S:
        """The representative of ``state``'s symmetry class (override to declare a symmetry).

        Checked with ``symmetry=True`` (``--symmetry``), the explorer stores only these:
        two states with the same representative count once, like TLC's ``SYMMETRY``. It
        must not try every permutation: sort the interchangeable parts instead. Properties
        must give the same answer on every member of a class.
        """
        return state

    def constraint(self, state: S) -> bool:
        """TLC's ``CONSTRAINT`` (override to bound an unbounded model): a state where it is
        false is outside the model. It is generated and judged against the invariants (a
        violation there is reported, with its trace) but not counted as distinct and never
        expanded, exactly as TLC does; so the counts equal TLC's with the same constraint,
        where filtering in :meth:`actions` would change the generated count.
        """
        return True

    @classmethod
    def has_constraint(cls) -> bool:
        """True if the model declares a state constraint (overrides :meth:`constraint`)."""
        return cls.constraint is not Model.constraint

    @classmethod
    def has_symmetry(cls) -> bool:
        """True if the model declares a symmetry (overrides :meth:`canonical`)."""
        return cls.canonical is not Model.canonical

    def watch_search(self) -> Callable[[bool], tuple[str, ...]] | None:
        """Called as a search starts in this process (not with workers): what it returns is
        called when the search ends, with whether it was complete, for one-line notes the
        result's ``warnings`` end with (an actor system names a fault budget that no state
        explored could spend). None, the default: nothing to watch."""
        return None

    def show(self, state: S) -> Mapping[str, Any]:
        """The state as named fields, for traces and diffs (override to decode a packed state)."""
        if dataclasses.is_dataclass(state) and not isinstance(state, type):
            return {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
        if isinstance(state, tuple) and hasattr(state, "_asdict"):
            fields: dict[str, Any] = state._asdict()
            return fields
        if self.fields is not None and isinstance(state, tuple) and len(state) == len(self.fields):
            return dict(zip(self.fields, state, strict=True))
        return {"state": state}


def format_label(label: object) -> str:
    """How an action label is written: strings as they are, ``("Send", 1, 2)`` as ``Send(1, 2)``.

    >>> format_label(("RMPrepare", "r1"))
    'RMPrepare(r1)'
    >>> format_label("TMCommit")
    'TMCommit'
    """
    if isinstance(label, str):
        return label
    if isinstance(label, tuple) and label and isinstance(label[0], str):
        args = ", ".join(format_value(to_plain(a)) for a in label[1:])
        return f"{label[0]}({args})"
    return format_value(to_plain(label))
