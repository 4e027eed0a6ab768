"""Refinement: a model implements a more abstract one, under a mapping of its states.

TLA+ writes ``THEOREM Spec => High!Spec`` with ``High == INSTANCE High WITH x <- f(vars)``;
TLC checks it as a property. Here the lower model marks its mapping method with
``@refines(High)``, and the check is the safety part of that implication: every initial
state maps to an initial state of ``High``, and every step maps to a step of ``High`` or to
a stutter (the mapped state unchanged: ``[][HighNext]_highvars``). It is a step property, so
the search judges it on every step it computes, and a violation is a shortest trace whose
last step (or initial state) has no counterpart. ``High``'s fairness (the liveness part)
is not checked.

>>> from modelcheck import Model, check, refines
>>> class Hour(Model):
...     def init_states(self):
...         return [0]
...     def actions(self, h):
...         return [("tick", (h + 1) % 3)]
>>> class Clock(Model):
...     '''Hours and minutes: the minute ticks, the hour follows every 2 minutes.'''
...     def init_states(self):
...         return [(0, 0)]
...     def actions(self, s):
...         h, m = s
...         return [("tick", ((h + 1) % 3, 0) if m == 1 else (h, m + 1))]
...     @refines(Hour)
...     def hour(self, s):
...         return s[0]
>>> check(Clock()).status("hour")
'holds'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from modelcheck.model import Model
from modelcheck.properties import STEP, Property, mark_built

__all__ = ["Higher", "refinement", "refines"]

F = TypeVar("F", bound=Callable[..., Any])
_NOTHING = object()

#: What a refinement names as the higher model: a model, a model class (made with the
#: parameters it shares with the lower model), or a function of the lower model.
Higher = Model[Any] | type[Model[Any]] | Callable[[Any], Model[Any]]


def refinement(
    high: Model[Any], mapping: Callable[[Any], Any], name: str, description: str = ""
) -> Property:
    """The step property "every behaviour, mapped by ``mapping``, is one of ``high``'s":
    an initial state maps to one of ``high``'s initial states, and a step to one of its
    steps or to the same state. ``high``'s successors are computed once per mapped state."""
    inits: list[frozenset[Any]] = []
    successors: dict[Any, frozenset[Any]] = {}

    def initial(state: Any) -> bool:
        if not inits:
            inits.append(frozenset(high.init_states()))
        return mapping(state) in inits[0]

    last: list[Any] = [_NOTHING, None]  # the last old state and its image: the search
    # judges every successor of a state in a row

    def step(old: Any, label: Any, new: Any) -> bool:
        if old is last[0]:
            before = last[1]
        else:
            before = last[1] = mapping(old)
            last[0] = old
        after = mapping(new)
        if before == after:
            return True
        nexts = successors.get(before)
        if nexts is None:
            nexts = successors[before] = frozenset(nxt for _, nxt in high.actions(before))
        return after in nexts

    text = description or f"Every behaviour, mapped, is a behaviour of {high.heading()}."
    return Property(name, STEP, step, text, initial=initial)


def refines(high: Higher, *, name: str | None = None) -> Callable[[F], F]:
    """Mark a model method ``(self, state) -> high state`` as the mapping under which the
    model refines ``high`` (TLA+'s refinement mapping): the property, named after the
    method unless ``name`` is given, holds when every initial state and step of the model,
    mapped, is an initial state or a step (or a stutter) of ``high``. ``high`` may be a
    model class, made with the parameters it shares with this model, a model, or a
    function of this model that returns one."""

    def build(model: Any, mapping: Callable[[Any], Any], prop: str, doc: str) -> Property:
        return refinement(_higher(high, model), mapping, prop, doc)

    def mark(fn: F) -> F:
        return mark_built(fn, STEP, name or fn.__name__, build)

    return mark


def _higher(high: Higher, low: Model[Any]) -> Model[Any]:
    """The higher model ``high`` names, for the lower model ``low``."""
    if isinstance(high, Model):
        return high
    if isinstance(high, type) and issubclass(high, Model):
        shared = high.declared_params()
        return high(**{k: v for k, v in low.params.items() if k in shared})
    make = cast(Callable[[Any], Model[Any]], high)
    return make(low)
