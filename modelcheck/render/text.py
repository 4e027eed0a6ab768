"""Plain-text reports: the verdict table, and traces as numbered steps showing only what
changed (old -> new)."""

from __future__ import annotations

from typing import Any

from modelcheck.model import Model
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
}


def format_result(
    result: CheckResult,
    model: Model[Any],
    *,
    timing: bool = True,
    replay_command: str | None = None,
) -> str:
    """The whole report of a check: summary, one line per property, then each trace.

    ``replay_command`` is the command line prefix that replays a path (``--path`` is added).
    """
    params = f" ({model.describe_params()})" if result.params else ""
    state_word = "state" if result.distinct == 1 else "states"
    done = "complete" if result.complete else _STOPPED.get(result.stopped or "", "incomplete")
    lines = [
        f"{result.model}{params}: {result.distinct:,} distinct {state_word}, "
        f"{result.generated:,} generated, depth {result.depth}, {result.strategy}, {done}"
    ]
    if timing:
        lines.append(
            f"  {result.seconds:.2f} s, {result.states_per_second:,.0f} states/s, "
            f"peak memory {result.peak_memory / 2**20:,.0f} MB"
        )
    width = max((len(p.name) for p in result.properties), default=0)
    for prop in result.properties:
        lines.append(format_verdict_line(prop, width))
    for prop in result.properties:
        if prop.trace is not None:
            lines.append("")
            lines.extend(_trace_section(prop, model, replay_command))
    return "\n".join(lines) + "\n"


def format_verdict_line(prop: PropertyResult, width: int = 0) -> str:
    """``  violated   always    TCConsistent  (5 steps)``."""
    extra = ""
    if prop.trace is not None:
        n = len(prop.trace)
        extra = f"  ({n} step{'s' if n != 1 else ''})"
    return f"  {prop.status:<10} {prop.kind:<10}{prop.name:<{width}}{extra}".rstrip()


def _trace_section(
    prop: PropertyResult, model: Model[Any], replay_command: str | None
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
    lines.extend(format_trace(model, prop.trace))
    if prop.kind == "deadlock" and prop.status == "violated":
        lines.append("  (no action is enabled in the last state)")
    elif prop.status == "violated":
        lines.append(f"  ({prop.name} is false in the last state)")
    return lines


def format_trace(model: Model[Any], trace: Trace, indent: str = "  ") -> list[str]:
    """Numbered steps: the initial state in full, then each action and the fields it changed."""
    width = len(str(len(trace)))
    lines: list[str] = []
    previous: dict[str, Any] | None = None
    for number, step in enumerate(trace.steps):
        current = plain_state(model, step.state)
        marker = f"{indent}{number:>{width}}  "
        pad = " " * len(marker)
        if previous is None:
            lines.append(f"{marker}initial state")
            lines.extend(f"{pad}{key} = {format_value(value)}" for key, value in current.items())
        else:
            lines.append(f"{marker}{step.action}")
            changes = list(_changes(previous, current))
            lines.extend(f"{pad}{change}" for change in changes)
            if not changes:
                lines.append(f"{pad}(no change)")
        previous = current
    if trace.loop is not None:
        lines.append(f"{indent}steps {trace.loop}..{len(trace)} repeat forever")
    return lines


def _changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in list(old) + [k for k in new if k not in old]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        name = f"{prefix}{key}"
        if isinstance(before, dict) and isinstance(after, dict):
            out.extend(_changes(before, after, f"{name}."))
        else:
            out.append(f"{name}: {format_value(before)} -> {format_value(after)}")
    return out


def format_progress(progress: Progress) -> str:
    """The live progress line: distinct, generated, states/s, depth, queue."""
    return (
        f"{progress.distinct:,} distinct  {progress.generated:,} generated  "
        f"{progress.states_per_second:,.0f} states/s  depth {progress.depth}  "
        f"queue {progress.queue:,}  {progress.seconds:.0f} s"
    )
