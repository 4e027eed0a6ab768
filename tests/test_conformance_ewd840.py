"""EWD840 against TLC: the state counts of EWD840.cfg, and a planted bug."""

from __future__ import annotations

import pytest

from modelcheck import check
from models.classic.ewd840 import EWD840, State

# n -> (distinct, generated, depth). n = 3 is EWD840.cfg and n = 4 is EWD840_json.cfg (the
# same spec with N = 4); both counts are TLC's (tlaplus/Examples manifest.json). n = 2 pins
# this port at a smaller size.
COUNTS = {
    2: (54, 214, 6),
    3: (302, 2001, 9),
    4: (1566, 15986, 12),
}


@pytest.mark.parametrize(("n", "expected"), sorted(COUNTS.items()))
def test_counts_match_tlc(n: int, expected: tuple[int, int, int]) -> None:
    result = check(EWD840(n=n))
    assert (result.distinct, result.generated, result.depth) == expected
    assert result.complete is True
    assert [(p.name, p.status) for p in result.properties] == [
        ("TypeOK", "holds"),
        ("TerminationDetection", "holds"),
        ("Inv", "holds"),
    ]


class UntaintedSender(EWD840):
    """A node that activates a node behind the token (j > i) forgets to turn black."""

    def send_msg(self, s: State, i: int, j: int) -> State:
        return super().send_msg(s, i, j)._replace(color=s.color)


def test_untainted_sender_breaks_detection() -> None:
    result = check(UntaintedSender(n=3), keep_going=True)
    assert result.complete is True
    assert result.status("TypeOK") == "holds"

    # Both invariants fail, and only through a buggy SendMsg(i, j) with j > i: every other
    # step is the correct algorithm's, for which both hold. In each trace below the token
    # must be white, and only InitiateProbe whitens it (it starts black), sending it to
    # node 2. InitiateProbe and PassToken are enabled only once per round of the token.

    # Inv: 3 actions. After InitiateProbe the token is at node 2, where P0 ("every node past
    # the token is passive") holds vacuously, so the token must move on: PassToken(2), which
    # keeps it white only if node 2 is white and passive. Then the buggy SendMsg(0 or 1, 2)
    # wakes node 2 behind the token without blackening anyone: P0, P1, P2 all fail.
    # InitiateProbe, PassToken(2), SendMsg(1, 2) from an all-white state with node 1 active.
    inv = result.verdict("Inv")
    assert inv.status == "violated"
    assert inv.trace is not None
    assert len(inv.trace) == 3

    # TerminationDetection: 5 actions. The token must get round to node 0 and stay white:
    # InitiateProbe, PassToken(2), PassToken(1) (3 steps), plus the buggy SendMsg(i, j),
    # j > i. Its sender is active when it sends and must be passive in the end (node 0
    # because detection needs it passive, node 1 because PassToken(1) needs it passive or
    # black, and black would blacken the token), and only Deactivate makes a node
    # passive: 5 steps. Five suffice: InitiateProbe, PassToken(2), SendMsg(1, 2),
    # Deactivate(1), PassToken(1) from an all-white state with only node 1 active.
    detection = result.verdict("TerminationDetection")
    assert detection.status == "violated"
    assert detection.trace is not None
    assert len(detection.trace) == 5
    final = detection.trace.final
    assert final.tpos == 0 and final.tcolor == "white" and any(final.active)
