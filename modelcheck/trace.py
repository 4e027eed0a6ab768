"""Traces: a path of choices from an initial state, rebuilt from the store and replayed.

A trace's *path* is its compact encoding: the index of the initial state among
``init_states()``, then for each step the index of the action taken among ``actions(state)``,
joined by dots (``"0.2.1"``). Replaying a path re-runs the model and must give back the same
states; when it does not, the model is nondeterministic and :class:`NondeterminismError`
names the step.

>>> from modelcheck import Model
>>> class Walk(Model):
...     def init_states(self):
...         return [0]
...     def actions(self, n):
...         return [("up", n + 1), ("down", n - 1)]
>>> trace = replay(Walk(), "0.0.0.1")
>>> [s.state for s in trace.steps], trace.path
([0, 1, 2, 1], '0.0.0.1')
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from modelcheck.errors import (
    ModelcheckError,
    ModelCodeError,
    ModelError,
    NondeterminismError,
    UsageError,
)
from modelcheck.model import Model, format_label
from modelcheck.values import check_depth

__all__ = [
    "Step",
    "Trace",
    "call_model",
    "follow",
    "judge",
    "parse_path",
    "rebuild",
    "replay",
    "verify",
]

T = TypeVar("T")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class Step:
    """One step: the choice taken (init-state index for step 0), its label, the state after it."""

    choice: int
    label: Any
    state: Any

    @property
    def action(self) -> str | None:
        """The label as text, or None for the initial state."""
        return None if self.label is None else format_label(self.label)


@dataclass(frozen=True)
class Trace:
    """A sequence of steps from an initial state. ``loop`` marks where a lasso's cycle starts.

    A liveness counterexample is a lasso: with ``loop = k < len(trace)`` the last state equals
    the state of step ``k`` and steps ``k + 1`` to the end repeat forever (the step that
    closes the loop is part of the trace, so its path replays every action). With
    ``loop = len(trace)`` the behaviour stays in its last state forever (stuttering).
    """

    steps: tuple[Step, ...]
    loop: int | None = None

    @property
    def path(self) -> str:
        """The compact path encoding, replayable with :func:`replay`."""
        return ".".join(str(step.choice) for step in self.steps)

    @property
    def final(self) -> Any:
        """The last state."""
        return self.steps[-1].state

    def __len__(self) -> int:
        """The number of actions taken (steps after the initial state)."""
        return len(self.steps) - 1

    def extend(self, choice: int, label: Any, state: Any) -> Trace:
        """This trace with one more step."""
        return Trace((*self.steps, Step(choice, label, state)))

    def _repr_html_(self) -> str:
        """Jupyter: the steps, each action and the state after it."""
        from modelcheck.render.notebook import trace_html

        return trace_html(self)


#: Longer numbers in a path are refused before conversion (no state has 10**18 actions).
_MAX_CHOICE_DIGITS = 18


def parse_path(text: str) -> tuple[int, ...]:
    """Parse a path encoding; a malformed one is a :class:`UsageError`.

    >>> parse_path("0.3.1")
    (0, 3, 1)
    """
    parts = text.strip().split(".")
    shown = text if len(text) <= 60 else text[:57] + "..."
    if not text.strip() or not all(p.isascii() and p.isdigit() for p in parts):
        raise UsageError(f"path '{shown}' must be dot-separated action numbers, like 0.2.1")
    for number, part in enumerate(parts):
        if len(part) > _MAX_CHOICE_DIGITS:
            raise UsageError(
                f"path '{shown}' has a number of {len(part)} digits at step {number}: no state "
                "has that many actions"
            )
    return tuple(int(p) for p in parts)


def location_of(exc: BaseException) -> str | None:
    """``file:line in function`` of the innermost frame outside modelcheck itself."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR + os.sep):
            name = frame.filename
            try:
                rel = os.path.relpath(name)
                name = rel if not rel.startswith("..") else name
            except ValueError:
                pass
            return f"{name}:{frame.lineno} in {frame.name}"
    return None


def call_model(fn: Callable[[], T], what: str, trace: Trace | None = None) -> T:
    """Run model code; an exception becomes a :class:`ModelCodeError` saying where it was."""
    try:
        return fn()
    except ModelError as exc:
        if exc.trace is None and trace is not None:
            exc.trace = trace
        raise
    except ModelcheckError:
        raise
    except Exception as exc:
        message = f"{what} raised {type(exc).__name__}: {exc}"
        raise ModelCodeError(message, trace, location_of(exc)) from exc


def expand(model: Model[Any], state: Any, trace: Trace | None = None) -> list[tuple[Any, Any]]:
    """``model.actions(state)`` as a checked list of (label, successor) pairs."""
    items = call_model(lambda: list(model.actions(state)), "actions()", trace)
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise ModelError(
                f"actions() must return (label, state) pairs, but gave {item!r}", trace
            )
    return items


def initial_states(model: Model[Any]) -> list[Any]:
    """``model.init_states()`` as a checked list."""
    inits = call_model(lambda: list(model.init_states()), "init_states()")
    if not inits:
        raise ModelError(f"{model.name}.init_states() returned no initial state")
    return inits


def rebuild(
    model: Model[Any],
    states: Sequence[Any],
    inits: Sequence[Any] | None = None,
    canon: Callable[[Any], Any] | None = None,
) -> Trace:
    """The trace through ``states`` (from an initial state on), choices found by re-running.

    Each step takes the first action whose successor equals the next state. With ``canon``
    (a symmetry), ``states`` are representatives and the trace is the concrete run whose
    states have those representatives.
    """
    same: Callable[[Any], Any] = _identity if canon is None else canon
    inits = initial_states(model) if inits is None else inits
    firsts = [i for i, s in enumerate(inits) if same(s) == states[0]]
    if not firsts:
        raise NondeterminismError(
            "the initial state found during the search is not among init_states() when re-run"
        )
    trace = Trace((Step(firsts[0], None, inits[firsts[0]]),))
    for target in states[1:]:
        for choice, (label, nxt) in enumerate(expand(model, trace.final, trace)):
            if same(nxt) == target:
                trace = trace.extend(choice, label, nxt)
                break
        else:
            raise NondeterminismError(
                f"step {len(trace) + 1} of the trace cannot be rebuilt: re-running actions() "
                "on the state before it no longer gives the state found during the search",
                trace,
            )
    return trace


def _identity(state: Any) -> Any:
    return state


def replay(model: Model[Any], path: str | Sequence[int]) -> Trace:
    """Re-run ``path`` (an encoding or a list of choices) and return the trace it takes."""
    choices = parse_path(path) if isinstance(path, str) else tuple(path)
    if not choices:
        raise UsageError("an empty path has no initial state")
    inits = initial_states(model)
    if not 0 <= choices[0] < len(inits):
        raise UsageError(
            f"path starts with initial state {choices[0]}, but the model has {len(inits)}"
        )
    trace = Trace((Step(choices[0], None, inits[choices[0]]),))
    for number, choice in enumerate(choices[1:], start=1):
        _check_depth(trace)
        options = expand(model, trace.final, trace)
        if not 0 <= choice < len(options):
            raise UsageError(
                f"path step {number} takes action {choice}, but the state there has "
                f"{len(options)} action{'s' if len(options) != 1 else ''}"
            )
        label, nxt = options[choice]
        trace = trace.extend(choice, label, nxt)
    _check_depth(trace)
    return trace


def _check_depth(trace: Trace) -> None:
    """The last state of ``trace`` must not nest too deeply to be shown or compared."""
    try:
        check_depth(trace.final, "state")
    except ModelError as exc:
        raise ModelError(exc.message, trace) from None


def verify(model: Model[Any], trace: Trace) -> Trace:
    """Replay ``trace`` from scratch; raise :class:`NondeterminismError` where it diverges."""
    again = replay(model, [step.choice for step in trace.steps])
    for number, (want, got) in enumerate(zip(trace.steps, again.steps, strict=True)):
        if want.state != got.state or want.label != got.label:
            where = "the initial state" if number == 0 else f"step {number} ({want.action})"
            raise NondeterminismError(
                f"the model is nondeterministic: replaying the trace gave a different state "
                f"at {where}",
                Trace(trace.steps[: number + 1]),
            )
    return trace


def judge(model: Model[Any], trace: Trace) -> list[tuple[Any, int | None]]:
    """For each ``always``/``sometimes`` property, the first step where it fails/holds; for
    each step property, the first step that breaks it.

    Returns ``(property, step or None)`` pairs in the model's property order.
    """
    from modelcheck.properties import ALWAYS, SOMETIMES, STEP, not_a_bool

    props = call_model(lambda: list(model.properties()), "properties()")
    verdicts: list[tuple[Any, int | None]] = []
    for prop in props:
        if prop.kind == STEP:
            verdicts.append((prop, _first_broken_step(prop, trace)))
            continue
        if prop.kind not in (ALWAYS, SOMETIMES):
            continue
        want = prop.kind == SOMETIMES
        first = None
        for number, step in enumerate(trace.steps):
            upto = Trace(trace.steps[: number + 1])
            value = call_model(
                lambda p=prop, s=step.state: p.predicate(s),  # type: ignore[misc]
                prop.name,
                upto,
            )
            complaint = not_a_bool(prop.name, value)
            if complaint is not None:
                raise ModelError(complaint, upto)
            if value == want:
                first = number
                break
        verdicts.append((prop, first))
    return verdicts


def _first_broken_step(prop: Any, trace: Trace) -> int | None:
    initial = prop.initial
    if initial is not None:
        first = Trace(trace.steps[:1])
        if not call_model(lambda: initial(first.final), prop.name, first):
            return 0
    for number in range(1, len(trace.steps)):
        old, step = trace.steps[number - 1].state, trace.steps[number]
        upto = Trace(trace.steps[: number + 1])
        value = call_model(
            lambda o=old, s=step: prop.predicate(o, s.label, s.state),  # type: ignore[misc]
            prop.name,
            upto,
        )
        if not value:
            return number
    return None


def follow(model: Model[Any], actions: Sequence[str], init: int = 0) -> Trace:
    """The trace that takes the named actions (as printed, e.g. ``"deliver(a, b, m1)"``)
    from initial state ``init``; a :class:`UsageError` names an action that is not enabled.

    >>> from modelcheck import Model
    >>> class Walk(Model):
    ...     def init_states(self):
    ...         return [0]
    ...     def actions(self, n):
    ...         return [("up", n + 1), ("down", n - 1)]
    >>> follow(Walk(), ["up", "up", "down"]).path
    '0.0.0.1'
    """
    trace = replay(model, [init])
    for number, wanted in enumerate(actions, start=1):
        options = expand(model, trace.final, trace)
        texts = [format_label(label) for label, _ in options]
        if wanted not in texts:
            raise UsageError(
                f"step {number}: {wanted!r} is not enabled; enabled: {', '.join(texts) or 'none'}"
            )
        choice = texts.index(wanted)
        trace = trace.extend(choice, options[choice][0], options[choice][1])
    return trace
