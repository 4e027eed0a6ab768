"""TwoPhase (tlaplus/Examples transaction_commit/TwoPhase.tla): counts equal TLC's exactly.

Rows up to 100k distinct states run here; RM = 7 and 8 run in benchmarks/twophase.py.
"""

from __future__ import annotations

import pytest

from modelcheck import check
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase


@pytest.mark.parametrize(
    ("rms", "distinct", "generated", "depth"),
    [
        (3, 288, 1_146, 11),
        (4, 1_568, 8_258, 14),
        (5, 8_832, 58_146, 17),
        (6, 50_816, 402_306, 20),
    ],
)
def test_counts_equal_tlc(rms: int, distinct: int, generated: int, depth: int) -> None:
    result = check(TwoPhase(rms=rms))
    assert (result.distinct, result.generated, result.depth) == (distinct, generated, depth)
    assert result.complete
    assert {p.name: p.status for p in result.properties} == {
        "TPTypeOK": "holds",
        "TCConsistent": "holds",
    }


def test_dfs_visits_the_same_states() -> None:
    result = check(TwoPhase(rms=4), strategy="dfs")
    assert (result.distinct, result.generated) == (1_568, 8_258)


@pytest.mark.parametrize(("rms", "steps"), [(3, 7), (4, 9), (5, 9), (6, 11)])
def test_hasty_commit_is_caught_with_a_shortest_trace(rms: int, steps: int) -> None:
    # A majority (m = rms // 2 + 1) must prepare and be heard (2m steps), one other RM
    # aborts, the TM commits, one prepared RM obeys: 2m + 3 steps.
    result = check(HastyTwoPhase(rms=rms))
    verdict = result.verdict("TCConsistent")
    assert verdict.status == "violated"
    assert verdict.trace is not None and len(verdict.trace) == steps
    labels = [s.action for s in verdict.trace.steps[1:]]
    assert labels[-2:] == ["TMCommit", "RMRcvCommitMsg(r1)"]
