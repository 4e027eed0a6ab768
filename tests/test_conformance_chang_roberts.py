"""ChangRoberts against TLC: the state counts of MCChangRoberts.cfg, and a planted bug."""

from __future__ import annotations

import pytest

from modelcheck import check
from models.classic.chang_roberts import CAND, LOST, WON, ChangRoberts, State

# n -> (distinct, generated, depth). n = 3 is MCChangRoberts.cfg, whose counts are TLC's
# (tlaplus/Examples manifest.json); the others pin this port at neighbouring sizes.
COUNTS = {
    2: (25, 31, 6),
    3: (137, 227, 10),
    4: (823, 1791, 15),
}


@pytest.mark.parametrize(("n", "expected"), sorted(COUNTS.items()))
def test_counts_match_tlc(n: int, expected: tuple[int, int, int]) -> None:
    result = check(ChangRoberts(n=n))
    assert (result.distinct, result.generated, result.depth) == expected
    assert result.complete is True
    assert [(p.name, p.status) for p in result.properties] == [
        ("TypeOK", "holds"),
        ("Correctness", "holds"),
    ]


class ForgetfulLoser(ChangRoberts):
    """A candidate that sees a smaller identity passes it on but forgets to record the loss."""

    def n1(self, s: State, k: int, id_: int) -> State:
        nxt = super().n1(s, k, id_)
        if s.state[k] == CAND and nxt.state[k] == LOST:
            return nxt._replace(state=s.state)  # the bug: still "cand"
        return nxt


def test_forgotten_loss_breaks_correctness() -> None:
    result = check(ForgetfulLoser(n=3))
    verdict = result.verdict("Correctness")
    assert verdict.status == "violated"
    # Shortest counterexample: 6 actions. Correctness only speaks about a node that has
    # won, and a node wins only when its own identity has gone all the way round the ring:
    # it must send it (its n0) and all 3 nodes must receive it (3 n1 steps), each only
    # after it has run its own n0 (a node receives only at n1). That is 3 n0 + 3 n1 = 6
    # steps, and 6 suffice when two nodes initiate: the smaller identity passes the larger
    # initiator, which (by the bug) stays a candidate, so when the smaller one wins, another
    # node has not lost. (BFS finds initiators 2 and 3: node 2 wins, node 3 is a candidate.)
    assert verdict.trace is not None
    assert len(verdict.trace) == 6
    final = verdict.trace.final
    assert final.state.count(WON) == 1
    assert CAND in final.state
