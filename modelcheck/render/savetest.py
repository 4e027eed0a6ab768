"""Counterexamples as pytest tests (``modelcheck check --save-test FILE``).

The file names the model by its path (relative to the test file, so it works from any
folder) and class, and has one test per counterexample. A test replays the counterexample's
path with :func:`modelcheck.replay` and passes once the bug is fixed: the property holds at
every step of the path (:func:`modelcheck.trace.judge`), or the path is no longer possible
(``replay`` raises :class:`~modelcheck.UsageError`). The text is ruff-formatted and
mypy-strict clean as written.
"""

from __future__ import annotations

import json
import math
import os
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelcheck.model import Model
from modelcheck.result import PropertyResult

__all__ = ["regression_test"]

# Lines that ruff would otherwise split or join are written to fit 100 columns (this
# project's setting); the fixed lines and docstrings fit in 88 (ruff's default) as well.
_WIDTH = 100
_NARROW = 88

_FIXED = '''

def stays_fixed(prop: str, path: str) -> None:
    """Replay ``path``; fail if ``prop`` is false at a step of it."""
    model = load_model(MODEL_FILE, MODEL_CLASS, **PARAMS)
    try:
        trace = replay(model, path)
    except UsageError:
        return  # the path is no longer possible: this way to the bug is gone
    verdicts = {p.name: step for p, step in judge(model, trace)}
    assert prop in verdicts, f"{MODEL_CLASS} no longer has a property {prop}"
    step = verdicts[prop]
    if step is not None:
        shown = "\\n".join(format_trace(model, Trace(trace.steps[: step + 1])))
        where = f"at step {step} of path {path}"
        raise AssertionError(f"{prop} is still violated, {where}:\\n{shown}")
'''

_LIVE = '''

def stays_live(path: str) -> None:
    """Replay ``path``; fail if its last state still has no enabled action."""
    model = load_model(MODEL_FILE, MODEL_CLASS, **PARAMS)
    try:
        trace = replay(model, path)
    except UsageError:
        return  # the path is no longer possible: this way to the deadlock is gone
    if not list(model.actions(trace.final)):
        shown = "\\n".join(format_trace(model, trace))
        where = f"the last state of path {path}"
        raise AssertionError(f"{where} still has no enabled action:\\n{shown}")
'''


def regression_test(
    model: Model[Any],
    model_file: Path,
    test_file: Path,
    counterexamples: Sequence[PropertyResult],
) -> str:
    """The source of a pytest module that keeps the bugs ``counterexamples`` show fixed.

    ``counterexamples`` are violated properties with their traces (``always`` properties,
    or the built-in ``deadlock``); ``model_file`` is where ``model``'s class is defined and
    ``test_file`` where the test will be written.
    """
    try:
        relative = Path(os.path.relpath(model_file.resolve(), test_file.resolve().parent))
    except ValueError:  # another drive, on Windows
        relative = model_file.resolve()
    label = model.heading()
    found = ", ".join(
        f"{p.name} in {len(p.trace)} step{'s' if len(p.trace) != 1 else ''}"
        for p in counterexamples
        if p.trace is not None
    )
    about = (
        f"Written by `modelcheck check --save-test`: {label} violated {found}. "
        "Each test replays the path of a counterexample and passes once the bug is fixed: "
        "the property holds at every step of the path, or the path is no longer possible. "
        "A path is a list of action positions: if a change reorders the model's actions, "
        "it replays another run; save the test again then. MODEL_PATH is relative to this "
        "file."
    )
    lines = [
        '"""Keeps a bug that modelcheck found fixed, by replaying its counterexample.',
        "",
        *textwrap.wrap(about, _NARROW, break_long_words=False, break_on_hyphens=False),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from pathlib import Path",
        "",
    ]
    deadlock = any(p.kind == "deadlock" for p in counterexamples)
    invariant = any(p.kind != "deadlock" for p in counterexamples)
    names = ["UsageError", "replay"] + (["Trace"] if invariant else [])
    lines.append(f"from modelcheck import {', '.join(sorted(names))}")
    lines.append("from modelcheck.render.text import format_trace")
    lines.append("from modelcheck.testing import load_model")
    if invariant:
        lines.append("from modelcheck.trace import judge")
    lines.append("")
    lines.append(_assign("MODEL_PATH", relative.as_posix(), ""))
    lines.append("MODEL_FILE = Path(__file__).resolve().parent / MODEL_PATH")
    lines.append(_assign("MODEL_CLASS", model.name, ""))
    lines.append(_params(model.params))
    text = "\n".join(lines) + "\n"
    if invariant:
        text += _FIXED
    if deadlock:
        text += _LIVE
    used: set[str] = set()
    for prop in counterexamples:
        if prop.trace is None:
            continue
        name = _test_name(prop.name, used)
        helper = "stays_live" if prop.kind == "deadlock" else "stays_fixed"
        args = [json.dumps(prop.trace.path)]
        if prop.kind != "deadlock":
            args.insert(0, json.dumps(prop.name))
        body = [f"def {name}() -> None:", _docstring(prop.description or f"{prop.name}.")]
        call = f"    {helper}({', '.join(args)})"
        if len(call) <= _NARROW:
            body.append(call)
        else:
            if prop.kind != "deadlock":
                body.append(_assign("prop", prop.name, "    "))
            body.append(_assign("path", prop.trace.path, "    "))
            body.append(f"    {helper}({'prop, ' if prop.kind != 'deadlock' else ''}path)")
        text += "\n\n" + "\n".join(body) + "\n"
    return text


def _assign(name: str, value: str, indent: str) -> str:
    """``name = "value"``, split into an implicit concatenation when it is too long."""
    one = f"{indent}{name} = {json.dumps(value)}"
    if len(one) <= _WIDTH:
        return one
    room = _WIDTH - len(indent) - 6
    pieces = [value[i : i + room] for i in range(0, len(value), room)]
    inner = "\n".join(f"{indent}    {json.dumps(p)}" for p in pieces)
    return f"{indent}{name} = (\n{inner}\n{indent})"


def _params(params: dict[str, object]) -> str:
    items = [f"{json.dumps(k)}: {_literal(v)}" for k, v in params.items()]
    one = f"PARAMS: dict[str, object] = {{{', '.join(items)}}}"
    if len(one) <= _NARROW:
        return one
    return "PARAMS: dict[str, object] = {\n" + "".join(f"    {i},\n" for i in items) + "}"


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def _test_name(prop: str, used: set[str]) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", prop).lower()
    base = "test_" + (re.sub(r"\W+", "_", snake, flags=re.ASCII).strip("_") or "property")
    base = base[:60]
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


def _docstring(text: str) -> str:
    first = (text.strip().splitlines() or [""])[0].strip()
    room = _NARROW - 4 - 6 - 12  # leave room for escapes
    if len(first) > room:
        first = first[: room - 3].rstrip() + "..."
    first = first.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if first.endswith('"'):
        first += " "
    return f'    """{first}"""'
