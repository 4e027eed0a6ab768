"""Partial-order reduction with workers: the shards expand each level together and ask the
owners of their successors for the cycle proviso (stored at a level no deeper?), and the
driver samples the first states in one process, so the reduced search is one process's:
the same counts, verdicts, traces and notes, on random systems (with faults, and with
properties whose reads are found by tracing, which may start the search over)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelcheck import CheckResult, check
from modelcheck.actors import por as por_module
from models.classic.two_phase_actors import TwoPhaseActors
from tests.por_systems import RandomSystem, systems


def _seen(result: CheckResult) -> tuple[Any, ...]:
    """Everything a run reports but its time and memory."""
    return (
        result.distinct,
        result.generated,
        result.depth,
        result.complete,
        result.warnings,
        [(p.name, p.status, p.trace and p.trace.path) for p in result.properties],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems(faults=True, found=True), st.booleans(), st.sampled_from([1, 3, 40]))
def test_two_workers_search_as_one_process_on_random_systems(
    model: RandomSystem, deadlock: bool, learn: int
) -> None:
    """Random systems with fault budgets and properties without ``reads``; the sample
    shortened to ``learn`` states and the give-up rule off (``PAYS`` 0), so that the
    shards reduce wherever they may and learn reads (and start over) themselves."""
    full = check(model, keep_going=True, deadlock=deadlock, max_states=5_000)
    assume(full.complete)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(por_module, "SAMPLE", learn)
        patch.setattr(por_module, "PAYS", 0.0)
        one = check(model, keep_going=True, deadlock=deadlock, por=True)
        two = check(model, keep_going=True, deadlock=deadlock, por=True, workers=2)
    assert _seen(two) == _seen(one)
    assert [p.status for p in two.properties] == [p.status for p in full.properties]
    assert two.distinct <= full.distinct
