"""Errors found during a search, made precise: a state checked to be a hashable, immutable
value on which every property evaluates; a model that is not a function of its state
(initial states or steps that differ when asked again); and an exception that escaped the
fast loop, re-run carefully from the state that raised it to report it with its trace."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from modelcheck.errors import ModelError, NondeterminismError, OutOfMemory
from modelcheck.model import Model, format_label
from modelcheck.properties import ALWAYS, DEADLOCK, SOMETIMES, STEP, Property, not_a_bool
from modelcheck.trace import Step, Trace, call_model, expand, initial_states
from modelcheck.values import check_depth, check_immutable

from .judging import step_holds

if TYPE_CHECKING:
    from ._search import Search

__all__ = ["check_state", "diagnose", "initial_states_twice", "nondeterminism"]


def initial_states_twice(model: Model[Any]) -> list[Any]:
    """The model's initial states, asked for twice: both answers must be the same."""
    inits = initial_states(model)
    for choice, state in enumerate(inits):  # before comparing: a deep value recurses
        try:
            check_depth(state, "state")
        except ModelError as exc:
            raise ModelError(exc.message, Trace((Step(choice, None, state),))) from None
    if initial_states(model) != inits:
        raise NondeterminismError(
            "the model is nondeterministic: init_states() gave other states when run again"
        )
    return inits


def nondeterminism(model: Model[Any], state: Any) -> str | None:
    """Run ``model.actions(state)`` twice: None if both gave the same steps (labels and
    successors, in order), else a one-line description of the first difference."""
    first = list(model.actions(state))
    second = list(model.actions(state))
    if first == second:
        return None
    what = "the model is nondeterministic: actions() run twice on the same state gave"
    for k, (one, two) in enumerate(zip(first, second, strict=False)):
        if one != two:
            if not (isinstance(one, tuple) and isinstance(two, tuple)):
                return f"{what} other steps (step {k})"
            if one[0] != two[0]:
                labels = f"{format_label(one[0])} then {format_label(two[0])}"
                return f"{what} other steps (step {k}: {labels})"
            return f"{what} other successors (step {k}: {format_label(one[0])})"
    return f"{what} {len(first)} steps, then {len(second)}"


def check_state(properties: Sequence[Property], state: Any, trace: Trace) -> None:
    """Check a state is a hashable immutable value, and every property evaluates on it."""
    try:
        check_depth(state, "state")  # first: hashing a deep value recurses
    except ModelError as exc:
        raise ModelError(exc.message, trace) from None
    try:
        check_immutable(state, "state")  # first: it names the part that is not
    except ModelError as exc:
        raise ModelError(exc.message, trace) from None
    try:
        hash(state)
    except TypeError as exc:
        message = f"a state is not hashable ({exc}): states must be immutable"
        raise ModelError(message, trace) from None
    for prop in properties:
        if prop.kind in (ALWAYS, SOMETIMES):
            name = f"property '{prop.name}'"
            value = call_model(lambda p=prop: p.predicate(state), name, trace)  # type: ignore[misc]
            complaint = not_a_bool(prop.name, value)
            if complaint is not None:
                raise ModelError(complaint, trace)
        elif prop.kind == STEP:  # judged on the trace's last step (or initial state)
            name = f"property '{prop.name}'"
            call_model(lambda p=prop: step_holds(p, trace), name, trace)  # type: ignore[misc]
        elif prop.kind != DEADLOCK:
            name = f"property '{prop.name}'"
            call_model(lambda p=prop: p.predicate(state), name, trace)  # type: ignore[misc]


def diagnose(search: Search, exc: Exception, number: int) -> NoReturn:
    """An exception escaped the fast loop while expanding state ``number`` (-1: the
    initial states). Re-run that step carefully to raise a precise, traced error."""
    if isinstance(exc, ModelError) and exc.trace is not None:
        raise exc
    if isinstance(exc, MemoryError):  # the engine's or the model's: no one's bug
        raise OutOfMemory(f"out of memory after {len(search.store):,} states") from None
    model, check_again = search.model, _checker(search)
    if isinstance(exc, NondeterminismError):  # found by a sample, maybe by a worker
        if number >= 0:
            try:
                exc.trace = search.trace_to(number)
            except ModelError as partial:  # as much as the model lets be rebuilt
                exc.trace = partial.trace
            else:  # successors that differ from call to call: mutable ones, say?
                _check_successors(model, exc.trace, check_again)
        raise exc
    if number < 0:
        for choice, state in enumerate(initial_states(model)):
            check_again(state, Trace((Step(choice, None, state),)))
        trace = None
    else:
        trace = search.trace_to(number)
        _check_successors(model, trace, check_again)
    raise NondeterminismError(
        f"the model raised {type(exc).__name__}: {exc} during the search, but not when "
        "re-run from the same state",
        trace,
    ) from exc


def _checker(search: Search) -> Callable[[Any, Trace], None]:
    """:func:`check_state`, then the model's ``canonical()`` if the search uses it."""
    properties, canon = search.properties, search.canon

    def check_again(state: Any, trace: Trace) -> None:
        check_state(properties, state, trace)
        if canon is not None:
            call_model(lambda: canon(state), "canonical()", trace)

    return check_again


def _check_successors(
    model: Model[Any], trace: Trace, check_again: Callable[[Any, Trace], None]
) -> None:
    """Expand the last state of ``trace`` carefully: every step a pair, every successor
    hashable, immutable and judged by every property (a precise error if not), and
    through the model's ``canonical()`` if the search uses it."""
    for choice, (label, nxt) in enumerate(expand(model, trace.final, trace)):
        check_again(nxt, trace.extend(choice, label, nxt))
