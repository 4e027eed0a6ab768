"""Which properties a search judges, and how: the model's properties collected and chosen
(``--property``, ``--safety-only``, deadlock detection), the safety checks the loops run on
each new state, step properties, and a verdict confirmed on its replayed trace."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from modelcheck.errors import ModelError, NondeterminismError, UsageError
from modelcheck.model import Model
from modelcheck.properties import (
    ALWAYS,
    DEADLOCK,
    LIVENESS,
    SOMETIMES,
    STEP,
    Property,
    not_a_bool,
)
from modelcheck.trace import Trace, call_model, expand

__all__ = [
    "Check",
    "StepViolated",
    "choose_properties",
    "collect_properties",
    "confirm",
    "deadlock_position",
    "safety_checks",
    "step_holds",
    "step_note",
]

#: (position, predicate, is_always). A loop judges ``pred(state) is not is_always``: only
#: the bool that decides nothing (True for an invariant, False for a ``sometimes``) lets a
#: state pass, so a value that is not a bool counts as a decision, and
#: :meth:`Search.result` then reports it as the model error it is (:func:`not_a_bool`).
Check = tuple[int, Callable[[Any], Any], bool]


class StepViolated(KeyboardInterrupt):
    """Raised from the wrapped actions to stop the search at a step property's violation."""


def safety_checks(properties: Sequence[Property]) -> list[Check]:
    """The checks of the invariants and ``sometimes`` properties, by position."""
    return [
        (pos, p.predicate, p.kind == ALWAYS)
        for pos, p in enumerate(properties)
        if p.kind in (ALWAYS, SOMETIMES)
    ]


def deadlock_position(properties: Sequence[Property]) -> int | None:
    """The position of deadlock detection among ``properties``, None if it is off."""
    return next((pos for pos, p in enumerate(properties) if p.kind == DEADLOCK), None)


def step_holds(prop: Property, trace: Trace) -> bool:
    """Whether the step property ``prop`` holds of ``trace``'s last step (of a trace with no
    step: of its initial state, by ``prop.initial``)."""
    if len(trace.steps) == 1:
        return prop.initial is None or bool(prop.initial(trace.final))
    old, last = trace.steps[-2].state, trace.steps[-1]
    return bool(prop.predicate(old, last.label, last.state))


def step_note(prop: Property, trace: Trace) -> str:
    """The note under a step property's counterexample: what of it the property is false
    of."""
    what = "the initial state" if len(trace.steps) == 1 else "the last step"
    return f"{prop.name} is false of {what}"


def confirm(model: Model[Any], prop: Property, trace: Trace) -> None:
    """The replayed trace must show the same verdict the search found."""
    if prop.kind == DEADLOCK:
        same = not expand(model, trace.final, trace)
    elif prop.kind == STEP:
        same = not call_model(lambda: step_holds(prop, trace), prop.name, trace)
    else:
        value = call_model(lambda: prop.predicate(trace.final), prop.name, trace)
        complaint = not_a_bool(prop.name, value)
        if complaint is not None:
            raise ModelError(complaint, trace)
        same = value == (prop.kind == SOMETIMES)
    if not same:
        raise NondeterminismError(
            f"property '{prop.name}' gave a different answer on the replayed trace: "
            "it must depend only on the state",
            trace,
        )


def choose_properties(
    model: Model[Any], props: list[Property], only: Sequence[str] | None, safety_only: bool
) -> list[Property]:
    """The properties ``--property NAME`` and ``--safety-only`` leave, in declared order
    (deadlock detection stays as ``--deadlock`` says)."""
    if only is not None:
        names = [p.name for p in props]
        for name in only:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                raise UsageError(
                    f"{model.name} has no property '{name}': {hint}its properties are "
                    f"{', '.join(names)}"
                )
        props = [p for p in props if p.name in only or p.kind == DEADLOCK]
    if safety_only:
        props = [p for p in props if p.kind not in LIVENESS]
    return props


def collect_properties(model: Model[Any], deadlock: bool) -> list[Property]:
    """The model's properties, checked, then deadlock detection if ``deadlock``."""
    props = list(call_model(model.properties, "properties()"))
    names: set[str] = set()
    for prop in props:
        if not isinstance(prop, Property):
            raise ModelError(f"properties() must return Property values, not {prop!r}")
        if prop.kind not in (ALWAYS, SOMETIMES, STEP) and prop.kind not in LIVENESS:
            raise ModelError(f"property '{prop.name}' has unknown kind '{prop.kind}'")
        if prop.name in names or (prop.name == "deadlock" and deadlock):
            raise ModelError(f"two properties are called '{prop.name}': names must be unique")
        names.add(prop.name)
    if deadlock:
        props.append(Property("deadlock", DEADLOCK, lambda s: True, "every state has a successor"))
    return props
