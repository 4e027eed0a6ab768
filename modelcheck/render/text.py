"""Plain-text reports: the verdict table, and traces as numbered steps showing only what
changed (old -> new)."""

from __future__ import annotations

from typing import Any

from modelcheck.model import Model
from modelcheck.render._sequence import notes_of
from modelcheck.render._states import plain_state
from modelcheck.result import CheckResult, Progress, PropertyResult
from modelcheck.trace import Trace
from modelcheck.values import format_value

__all__ = ["format_progress", "format_result", "format_trace", "format_verdict_line"]

_STOPPED = {
    "violation": "stopped at the first violation (--continue explores on)",
    "max-depth": "stopped at the depth bound",
    "max-states": "stopped at the state bound",
    "time-limit": "stopped at the time limit",
    "interrupted": "interrupted",
    "max-memory": "stopped at the memory bound",
    "out-of-memory": "out of memory",
    "simulation": "random walks (a simulation proves nothing: what it did not refute is unknown)",
}


def format_result(
    result: CheckResult,
    model: Model[Any],
    *,
    timing: bool = True,
    replay_command: str | None = None,
    node: str | None = None,
) -> str:
    """The whole report of a check: summary, one line per property, then each trace.

    ``replay_command`` is the command line prefix that replays a path (``--path`` is added).
    ``node`` (actor systems) shows each trace as that node sees it: only its steps.
    """
    state_word = "state" if result.distinct == 1 else "states"
    done = "complete" if result.complete else _STOPPED.get(result.stopped or "", "incomplete")
    lines = [
        f"{model.heading()}: {result.distinct:,} distinct {state_word}, "
        f"{result.generated:,} generated, depth {result.depth}, {result.strategy}, {done}"
    ]
    if result.stop_note:
        lines.append(f"  {result.stop_note}")
    if timing:
        lines.append(
            f"  {result.seconds:.2f} s, {result.states_per_second:,.0f} states/s, "
            f"peak memory {result.peak_memory / 2**20:,.0f} MB"
        )
    if result.collision_probability is not None:
        per_state = (result.store_bytes or 0) / max(1, result.distinct)
        lines.append(
            f"  fingerprint store: {per_state:.1f} bytes/state, probability of a collision "
            f"{result.collision_probability:.1e} (TLC's optimistic estimate)"
        )
    width = max((len(p.name) for p in result.properties), default=0)
    kinds = max((len(p.kind) + 1 for p in result.properties), default=0)
    for prop in result.properties:
        lines.append(format_verdict_line(prop, width, max(10, kinds)))
    for prop in result.properties:
        if prop.trace is not None:
            lines.append("")
            lines.extend(_trace_section(prop, model, replay_command, node))
    return "\n".join(lines) + "\n"


def format_verdict_line(prop: PropertyResult, width: int = 0, kind_width: int = 10) -> str:
    """``  violated   always    TCConsistent  (5 steps)``; a lasso says
    ``(2 steps to a loop of 3 steps)`` or ``(4 steps, then stays forever)``."""
    extra = ""
    if prop.trace is not None:
        n, k = len(prop.trace), prop.trace.loop
        if k is None:
            extra = f"  ({_steps(n)})"
        elif k == n:
            extra = f"  ({_steps(n)}, then stays forever)"
        else:
            extra = f"  ({_steps(k)} to a loop of {_steps(n - k)})"
    return f"  {prop.status:<10} {prop.kind:<{kind_width}}{prop.name:<{width}}{extra}".rstrip()


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def _trace_section(
    prop: PropertyResult, model: Model[Any], replay_command: str | None, node: str | None = None
) -> list[str]:
    assert prop.trace is not None
    what = {
        "violated": "counterexample",
        "reached": "example",
    }.get(prop.status, "trace")
    about = f": {prop.description}" if prop.description else ""
    lines = [f"{what} for {prop.kind} {prop.name} ({prop.status}){about}"]
    lines.append(f"  path {prop.trace.path}")
    if replay_command:
        lines.append(f"  replay: {replay_command} --path {prop.trace.path}")
    if node is not None:
        from modelcheck.render.nodeview import format_node_trace

        lines.extend(format_node_trace(model, prop.trace, node))
    else:
        lines.extend(format_trace(model, prop.trace))
    if prop.kind == "deadlock" and prop.status == "violated":
        lines.append("  (no action is enabled in the last state)")
    elif prop.note:
        lines.append(f"  ({prop.note})")
    elif prop.status == "violated":
        lines.append(f"  ({prop.name} is false in the last state)")
    return lines


def format_trace(
    model: Model[Any], trace: Trace, indent: str = "  ", first: str = "initial state"
) -> list[str]:
    """Numbered steps: the initial state in full, then each action and the fields it changed.

    ``first`` names the first state (a counterexample to induction starts elsewhere).

    A lasso (``trace.loop`` set) is marked where its loop starts and where it returns.
    """
    width = len(str(len(trace)))
    loop = trace.loop
    lines: list[str] = []
    previous: dict[str, Any] | None = None
    for number, step in enumerate(trace.steps):
        current = plain_state(model, step.state)
        marker = f"{indent}{number:>{width}}  "
        pad = " " * len(marker)
        if previous is None:
            lines.append(f"{marker}{first}")
            lines.extend(f"{pad}{key} = {format_value(value)}" for key, value in current.items())
        else:
            lines.append(f"{marker}{step.action}")
            lines.extend(f"{pad}note: {note}" for note in notes_of(step.label))
            changes = list(_changes(previous, current))
            lines.extend(f"{pad}{change}" for change in changes)
            if not changes:
                lines.append(f"{pad}(no change)")
        previous = current
        if number == loop and loop < len(trace):
            lines.append(f"{indent}-- the loop starts here: {_loop_steps(loop, len(trace))} --")
    if loop is not None:
        if loop < len(trace):
            lines.append(f"{indent}-- back to the state of step {loop}: the loop repeats --")
        else:
            lines.append(f"{indent}-- stays in this state forever: no further step --")
    return lines


def _loop_steps(loop: int, n: int) -> str:
    """The steps of a lasso's loop, ``loop + 1`` to ``n``, as its header says them.

    >>> _loop_steps(0, 2), _loop_steps(3, 4)
    ('steps 1..2 repeat forever', 'step 4 repeats forever')
    """
    if loop + 1 == n:
        return f"step {n} repeats forever"
    return f"steps {loop + 1}..{n} repeat forever"


def _changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in list(old) + [k for k in new if k not in old]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        name = f"{prefix}{key}"
        if isinstance(before, dict) and isinstance(after, dict):
            out.extend(_changes(before, after, f"{name}."))
        elif isinstance(before, list) and isinstance(after, list) and _long(before, after):
            out.append(f"{name}: {_list_change(before, after)}")
        else:
            out.append(f"{name}: {format_value(before)} -> {format_value(after)}")
    return out


def _long(before: list[Any], after: list[Any]) -> bool:
    """Lists whose old -> new form would not fit a line are shown as what left and joined."""
    return len(format_value(before)) + len(format_value(after)) > 60


def _list_change(before: list[Any], after: list[Any]) -> str:
    """What left and what joined a list, e.g. ``- a -> b: go, + b -> c: 2``."""
    remaining = list(after)
    removed = []
    for item in before:
        if item in remaining:
            remaining.remove(item)
        else:
            removed.append(item)
    if not removed and not remaining and before != after:
        return f"{format_value(before)} -> {format_value(after)}"
    parts = [f"- {_item(x)}" for x in removed] + [f"+ {_item(x)}" for x in remaining]
    return ", ".join(parts)


def _item(value: Any) -> str:
    return value if isinstance(value, str) else format_value(value)


def format_progress(progress: Progress) -> str:
    """The live progress line, short enough for an 80-column terminal (at most 79
    characters, so the cursor stays on it): a search's distinct states (and how many a
    second), generated states, depth and queue; a simulation's walks, steps (and how many a
    second), distinct states seen and longest walk.

    >>> line = format_progress(Progress(99_999_999, 999_999_999, 999, 99_999_999, 99_999.0))
    >>> line, len(line) <= 79
    ('100M distinct (1000/s)  1.00G generated  depth 999  queue 100M  27:46:39', True)
    >>> format_progress(Progress(1_234, 56_789, 40, 0, 3.0, walks=120))
    '120 walks  56.8k steps (18.9k/s)  1234 distinct  longest 40  0:03'
    """
    clock = _clock(progress.seconds)
    if progress.walks is not None:
        return (
            f"{_short(progress.walks)} walks  {_short(progress.generated)} steps "
            f"({_short(progress.steps_per_second)}/s)  {_short(progress.distinct)} distinct  "
            f"longest {progress.depth}  {clock}"
        )
    return (
        f"{_short(progress.distinct)} distinct ({_short(progress.states_per_second)}/s)  "
        f"{_short(progress.generated)} generated  depth {progress.depth}  "
        f"queue {_short(progress.queue)}  {clock}"
    )


def _short(n: float) -> str:
    """A count in at most five characters: ``9999``, ``12.3k``, ``123k``, ``4.56M``.

    >>> [_short(x) for x in (0, 9_999, 12_345, 123_456, 999_999, 4_560_000, 1.5e10)]
    ['0', '9999', '12.3k', '123k', '1.00M', '4.56M', '15.0G']
    """
    if n < 10_000:
        return f"{n:.0f}"
    unit, size = ("G", 1e9) if n >= 999.5e6 else ("M", 1e6) if n >= 999.5e3 else ("k", 1e3)
    value = n / size
    digits = 2 if value < 9.995 else 1 if value < 99.95 else 0
    return f"{value:.{digits}f}{unit}"


def _clock(seconds: float) -> str:
    """Elapsed time as ``m:ss`` or ``h:mm:ss``.

    >>> _clock(3.4), _clock(754), _clock(100_000)
    ('0:03', '12:34', '27:46:40')
    """
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
