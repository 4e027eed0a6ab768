"""TCommit agrees with TLC, and a broken variant is caught with a shortest counterexample."""

from __future__ import annotations

import pytest

from modelcheck import check
from models.classic.tcommit import ABORTED, PREPARED, WORKING, State, TCommit


@pytest.mark.parametrize(
    ("params", "distinct", "generated", "depth"),
    [
        # TLC's counts (distinct states, states generated, depth) for RM = {r1, ..., rN}.
        ({"rms": 3}, 34, 94, 7),
        ({"rms": 4}, 96, 357, 9),
        ({"rms": 5}, 274, 1296, 11),
    ],
)
def test_counts_match_tlc(
    params: dict[str, object], distinct: int, generated: int, depth: int
) -> None:
    result = check(TCommit(**params))
    assert result.complete is True
    assert (result.distinct, result.generated, result.depth) == (distinct, generated, depth)
    assert [p.name for p in result.properties] == ["TCTypeOK", "TCConsistent"]
    assert all(p.status == "holds" for p in result.properties)


class AbortAfterCommit(TCommit):
    """TCommit without notCommitted: an undecided RM may abort even after another committed."""

    def actions(self, state: State) -> list[tuple[object, State]]:
        out = super().actions(state)
        for r, name in enumerate(self.names):
            if state[r] in (WORKING, PREPARED) and not self.not_committed(state):
                out.append((("DecideAbort", name), self.set_rm(state, r, ABORTED)))
        return out


@pytest.mark.parametrize("rms", [3, 4])
def test_abort_after_commit_breaks_consistency(rms: int) -> None:
    result = check(AbortAfterCommit(rms=rms))
    verdict = result.verdict("TCConsistent")
    assert verdict.status == "violated"
    assert verdict.trace is not None
    # A commit needs canCommit, so every RM must first prepare (rms steps) while none has
    # aborted; then one commits (1 step) and another, still prepared, aborts (1 step). Any
    # abort before the commit would disable it forever, so no shorter trace exists: rms + 2.
    assert len(verdict.trace) == rms + 2
    assert verdict.trace.steps[-1].action == "DecideAbort(r2)"
