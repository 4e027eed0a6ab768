"""The report of ``modelcheck otp-replay``: the trace with each step marked forced or
recorded, then how often real nodes reproduced it, and where and how a run diverged."""

from __future__ import annotations

from typing import Any

from modelcheck.model import Model
from modelcheck.otp.replay import OtpReplay, View, model_view
from modelcheck.result import PropertyResult

__all__ = ["format_otp_replay", "format_view"]


def format_view(view: View) -> str:
    """A view of the nodes on one line: ``a: registered, n -> a, connected to b; ...``."""
    return "; ".join(
        f"{node}: {seen['process']}, n -> {seen['holder']}, "
        f"connected to {' '.join(seen['nodes']) or 'none'}"
        for node, seen in sorted(view.items())
    )


def format_otp_replay(model: Model[Any], prop: PropertyResult, replay: OtpReplay) -> str:
    """The report, ending with ``reproduced on OTP <version> in k/N runs``."""
    trace = prop.trace
    assert trace is not None
    schedule = replay.schedule
    params = f" ({model.describe_params()})" if model.params else ""
    runs = len(replay.runs)
    lines = [
        f"{model.name}{params}: {prop.kind} {prop.name} ({prop.status}), "
        f"{len(trace)} steps, on OTP {replay.version}, {runs} runs on fresh nodes",
        "  forced: done by the controller; recorded: OTP's own messages, left to happen",
    ]
    forced = {c.step: c.forced for c in schedule.checkpoints if c.forced is not None}
    width = max(len(step.action or "") for step in trace.steps)
    for number, step in enumerate(trace.steps):
        if number == 0:
            lines.append(f"  {number:>2}  start {', '.join(schedule.nodes)}")
            continue
        mark = f"forced: {forced[number]}" if number in forced else "recorded"
        lines.append(f"  {number:>2}  {step.action:<{width}}  {mark}")
    first_run = replay.runs[0]
    lines.append(
        f"  what the model shows, and the nodes in run {first_run.run}, after each forced step:"
    )
    for checkpoint, real in zip(schedule.checkpoints, first_run.views, strict=True):
        where = "start" if checkpoint.step == 0 else f"step {checkpoint.step}"
        lines += [
            f"  {where:>7}  model: {format_view(model_view(model, checkpoint.state))}",
            f"  {'':>7}  nodes: {format_view(real)}",
        ]
    diverged = [r for r in replay.runs if r.diverged is not None]
    if diverged:
        at: dict[int, int] = {}
        for r in diverged:
            assert r.diverged is not None
            at[r.diverged] = at.get(r.diverged, 0) + 1
        first = min(at)
        at_step = schedule.checkpoints[first].step
        where = "the start" if at_step == 0 else f"step {at_step} ({trace.steps[at_step].action})"
        example = next(r for r in diverged if r.diverged == first)
        assert example.real is not None and example.model is not None
        lines += [
            f"diverged at {where} in {at[first]} of {runs} runs"
            + (f" (and later in {len(diverged) - at[first]})" if len(diverged) > at[first] else "")
            + f"; run {example.run}:",
            f"  model: {format_view(example.model)}",
            f"  nodes: {format_view(example.real)}",
        ]
    lines.append(f"reproduced on OTP {replay.version} in {replay.reproduced}/{runs} runs")
    return "\n".join(lines) + "\n"
