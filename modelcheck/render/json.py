"""JSON reports: one object per check, and traces as step lists with plain state values."""

from __future__ import annotations

from typing import Any

from modelcheck.actors import ActorSystem
from modelcheck.actors.steps import describe
from modelcheck.model import Model
from modelcheck.render._states import plain_state
from modelcheck.result import CheckResult
from modelcheck.trace import Trace
from modelcheck.values import to_plain

__all__ = ["result_to_json", "step_fields", "trace_to_json"]


def result_to_json(
    result: CheckResult, model: Model[Any], *, timing: bool = True
) -> dict[str, Any]:
    """The check as one JSON-able object; ``timing=False`` drops the fields that vary by run."""
    out: dict[str, Any] = {
        "model": result.model,
        "params": {k: to_plain(v) for k, v in result.params.items()},
        "strategy": result.strategy,
        "distinct": result.distinct,
        "generated": result.generated,
        "depth": result.depth,
    }
    if timing:
        out["seconds"] = round(result.seconds, 3)
        out["states_per_second"] = round(result.states_per_second)
        out["peak_memory_bytes"] = result.peak_memory
    if result.collision_probability is not None:
        out["store"] = result.store
        out["store_bytes"] = result.store_bytes
        out["collision_probability"] = result.collision_probability
    out["complete"] = result.complete
    out["stopped"] = result.stopped
    if result.warnings:
        out["warnings"] = list(result.warnings)
    if result.stop_note:
        out["stop_note"] = result.stop_note
    out["properties"] = {
        p.name: {
            "kind": p.kind,
            "status": p.status,
            "path": p.trace.path if p.trace is not None else None,
            "loop": p.trace.loop if p.trace is not None else None,
            "trace": trace_to_json(model, p.trace) if p.trace is not None else None,
        }
        for p in result.properties
    }
    return out


def step_fields(model: Model[Any], label: Any) -> dict[str, Any]:
    """What a step was, as plain data: for an actor system its kind, node, message or signal
    and fault (:func:`modelcheck.actors.steps.describe`); for any other model ``{"kind":
    "action", "name": ..., "args": [...]}`` (``{"kind": "init"}`` for the initial state).

    >>> step_fields(Model(), ("Send", 1, frozenset({2})))
    {'kind': 'action', 'name': 'Send', 'args': [1, [2]]}
    """
    if isinstance(model, ActorSystem) or label is None:
        return describe(label)
    if isinstance(label, tuple) and label and isinstance(label[0], str):
        return {"kind": "action", "name": label[0], "args": [to_plain(a) for a in label[1:]]}
    return {"kind": "action", "name": to_plain(label), "args": []}


def trace_to_json(model: Model[Any], trace: Trace) -> list[dict[str, Any]]:
    """The steps of a trace: number, action (its text; null for the initial state), what
    the step was (``what``: :func:`step_fields`), choice, state."""
    return [
        {
            "step": number,
            "action": step.action,
            "what": step_fields(model, step.label),
            "choice": step.choice,
            "state": plain_state(model, step.state),
        }
        for number, step in enumerate(trace.steps)
    ]
