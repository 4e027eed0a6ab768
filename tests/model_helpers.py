"""Small helpers the model tests share: run a model to the end, read its verdicts, counts
and a property's trace as action texts."""

from __future__ import annotations

from typing import Any

from modelcheck import CheckResult, check


def run(model: Any) -> CheckResult:
    """Check ``model`` judging every property (``keep_going``)."""
    return check(model, keep_going=True)


def verdicts(result: CheckResult) -> dict[str, str]:
    """Each property's status, by name."""
    return {p.name: p.status for p in result.properties}


def actions(result: CheckResult, name: str) -> list[str]:
    """The action texts of a property's trace."""
    trace = result.verdict(name).trace
    assert trace is not None
    return [str(step.action) for step in trace.steps[1:]]


def counts(result: CheckResult) -> tuple[int, int, int]:
    """(distinct, generated, depth)."""
    return result.distinct, result.generated, result.depth
