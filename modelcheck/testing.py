"""pytest helpers: assert what a check of a model gives, with the counterexample in the
failure message.

Each helper runs :func:`modelcheck.check` with ``keep_going=True`` unless told otherwise
(so every property is judged, as ``modelcheck check --continue``), passes any other keyword
on to it, and returns the :class:`~modelcheck.CheckResult` for further assertions. A failure
is an ``AssertionError`` whose message starts with one line saying what differs, followed
by the whole text report, traces included.

>>> from modelcheck import Model, always, sometimes
>>> class Counter(Model):
...     def init_states(self):
...         return [0]
...     def actions(self, n):
...         return [("inc", n + 1)] if n < 3 else []
...     @always
...     def small(self, n):
...         return n <= 3
...     @always
...     def tiny(self, n):
...         return n <= 1
...     @sometimes
...     def three(self, n):
...         return n == 3
>>> _ = assert_holds(Counter(), "small", "three")
>>> _ = assert_violated(Counter(), "tiny", steps=2)
>>> _ = assert_counts(Counter(), distinct=4, generated=4, depth=4)
>>> assert_holds(Counter())  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: Counter: tiny: expected holds, got violated (2 steps)
Counter: 4 distinct states, 4 generated, depth 4, bfs, complete
  holds      always    small
  violated   always    tiny   (2 steps)
  reached    sometimes three  (3 steps)
...
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

from modelcheck.errors import UsageError
from modelcheck.explore import check
from modelcheck.loader import instantiate, resolve
from modelcheck.model import Model
from modelcheck.result import CheckResult

__all__ = ["assert_counts", "assert_holds", "assert_violated", "load_model"]


def load_model(
    path: str | os.PathLike[str], name: str | None = None, /, **params: object
) -> Model[Any]:
    """The model class ``name`` of the file at ``path`` (the only one, if ``name`` is None),
    built with ``params``; errors are those of ``modelcheck check PATH:NAME -p k=v``.

    >>> load_model("models/intro/lost_update.py", "LostUpdate", procs=3).params
    {'procs': 3}
    """
    target = os.fspath(path) + (f":{name}" if name else "")
    return instantiate(resolve(target), dict(params))


def assert_holds(model: Model[Any], *props: str, **check_options: Any) -> CheckResult:
    """Assert that the named properties (all of them, if none is named) hold: an ``always``
    is ``holds``, a ``sometimes`` is ``reached``."""
    result = _check(model, check_options)
    names = _names(model, result, props) if props else [p.name for p in result.properties]
    wrong = []
    for name in names:
        verdict = result.verdict(name)
        want = "reached" if verdict.kind == "sometimes" else "holds"
        if verdict.status != want:
            wrong.append(f"{name}: expected {want}, got {verdict.status}{_steps(result, name)}")
    if wrong:
        _fail(model, result, "; ".join(wrong))
    return result


def assert_violated(
    model: Model[Any], prop: str, *, steps: int | None = None, **check_options: Any
) -> CheckResult:
    """Assert that ``prop`` is violated, and, if ``steps`` is given, that its counterexample
    takes that many steps (with BFS, the shortest there is)."""
    result = _check(model, check_options)
    _names(model, result, (prop,))
    verdict = result.verdict(prop)
    if verdict.status != "violated":
        _fail(model, result, f"{prop}: expected violated, got {verdict.status}")
    if steps is not None and verdict.trace is not None and len(verdict.trace) != steps:
        got = len(verdict.trace)
        _fail(
            model,
            result,
            f"{prop}: expected violated in {steps} step{'s' if steps != 1 else ''}, "
            f"got violated in {got} step{'s' if got != 1 else ''}",
        )
    return result


def assert_counts(
    model: Model[Any],
    *,
    distinct: int | None = None,
    generated: int | None = None,
    depth: int | None = None,
    **check_options: Any,
) -> CheckResult:
    """Assert the state counts that are given (TLC's conventions: see docs/cli.md)."""
    want = {"distinct": distinct, "generated": generated, "depth": depth}
    if all(v is None for v in want.values()):
        raise UsageError("assert_counts needs at least one of distinct, generated, depth")
    result = _check(model, check_options)
    got = {"distinct": result.distinct, "generated": result.generated, "depth": result.depth}
    wrong = [
        f"{key}: expected {value:,}, got {got[key]:,}"
        for key, value in want.items()
        if value is not None and value != got[key]
    ]
    if wrong:
        _fail(model, result, "; ".join(wrong))
    return result


def _check(model: Model[Any], options: dict[str, Any]) -> CheckResult:
    return check(model, **{"keep_going": True, **options})


def _names(model: Model[Any], result: CheckResult, props: tuple[str, ...]) -> list[str]:
    known = [p.name for p in result.properties]
    for name in props:
        if name not in known:
            raise UsageError(
                f"{model.name} has no property '{name}': its properties are "
                f"{', '.join(known) or 'none'}"
            )
    return list(props)


def _steps(result: CheckResult, name: str) -> str:
    trace = result.verdict(name).trace
    if trace is None:
        return ""
    return f" ({len(trace)} step{'s' if len(trace) != 1 else ''})"


def _fail(model: Model[Any], result: CheckResult, what: str) -> NoReturn:
    # The renderer is imported here, not at the top, so that `import modelcheck` (which
    # re-exports these helpers) does not load the renderers.
    from modelcheck.render.text import format_result

    label = f"{model.name} ({model.describe_params()})" if model.params else model.name
    report = format_result(result, model, timing=False)
    raise AssertionError(f"{label}: {what}\n{report}")
