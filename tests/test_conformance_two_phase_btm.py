"""2PCwithBTM agrees with TLC, and the inconsistency its author warns about is found."""

from __future__ import annotations

import pytest

from modelcheck import check
from models.classic.two_phase_btm import ABORTED, FAILED, State, TwoPhaseBTM


@pytest.mark.parametrize(
    ("params", "distinct", "generated", "depth"),
    [
        # TLC's counts for 2PCwithBTM.cfg: RM = {rm1, rm2, rm3}, RMMAYFAIL = TMMAYFAIL = TRUE.
        ({"rms": 3, "rm_may_fail": True, "tm_may_fail": True}, 1245, 5841, 15),
        ({}, 1245, 5841, 15),  # the defaults are the config's values
    ],
)
def test_counts_match_tlc(
    params: dict[str, object], distinct: int, generated: int, depth: int
) -> None:
    result = check(TwoPhaseBTM(**params))
    assert result.complete is True
    assert (result.distinct, result.generated, result.depth) == (distinct, generated, depth)
    assert [p.name for p in result.properties] == ["TypeOK", "Consistency"]
    assert all(p.status == "holds" for p in result.properties)


class AbortDespiteCommit(TwoPhaseBTM):
    """canAbort without its second conjunct, the one the spec marks "inconsistent if
    commented": a TM may decide abort although some RM has already committed."""

    def can_abort_ways(self, state: State) -> list[str]:
        return [self.names[r] for r, s in enumerate(state.rm_state) if s in (ABORTED, FAILED)]


def test_abort_despite_commit_breaks_consistency() -> None:
    result = check(AbortDespiteCommit())
    verdict = result.verdict("Consistency")
    assert verdict.status == "violated"
    assert verdict.trace is not None
    # An RM commits only once tmState = "commit", which only TC can set first (BTC needs a
    # crashed TM and canCommit, impossible after an abort): the TM needs all 3 RMs prepared
    # (3 steps), then TSCommit and TC (2), then an RM commits (1). The others are prepared
    # now, so they abort only once tmState = "abort": only the BTM can set that, after the
    # TM crashes (F1, 1 step) and some RM has failed or aborted (Fail, 1 step), by BTSAbort
    # and BTA (2); then a prepared RM aborts (1). 3 + 2 + 1 + 1 + 1 + 2 + 1 = 11.
    assert len(verdict.trace) == 11
    assert verdict.trace.steps[-1].action is not None
    assert verdict.trace.steps[-1].action.startswith("DecideAbort(")
