"""EWD840 against TLC: the state counts and verdicts of EWD840.cfg (its Liveness included),
and planted bugs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import pytest

from modelcheck import Fairness, check
from models.classic.ewd840 import BLACK, EWD840, WHITE, State

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
        ("Liveness", "holds"),
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


class Unfair(EWD840):
    """The spec without WF_vars(System)."""

    fairness: ClassVar[Sequence[Fairness]] = ()


def test_without_fairness_the_token_may_never_move() -> None:
    # Initial state 0 has every node passive and white, the token black at node 0: the
    # condition holds, detection does not, and with no fairness the behaviour may stutter
    # there forever (TLC reports the same kind of counterexample).
    verdict = check(Unfair()).verdict("Liveness")
    assert verdict.status == "violated"
    assert verdict.trace is not None
    assert (len(verdict.trace), verdict.trace.loop, verdict.trace.path) == (0, 0, "0")


class Stain(EWD840):
    """Node 2 stains every token it passes on, so no round ever comes back white."""

    def pass_token(self, s: State, i: int) -> State:
        nxt = super().pass_token(s, i)
        return nxt._replace(tcolor=BLACK) if i == 2 else nxt


def test_a_node_that_stains_the_token_loops_forever() -> None:
    result = check(Stain())
    assert result.distinct == 256
    verdict = result.verdict("Liveness")
    assert verdict.status == "violated"
    trace = verdict.trace
    assert trace is not None
    # From initial state 0 (all passive and white, black token at node 0) the token goes
    # round for ever: InitiateProbe, PassToken(2) (stained), PassToken(1), back to node 0
    # with a black token. The loop takes System, so it is fair.
    assert (len(trace), trace.loop, trace.path) == (3, 0, "0.0.0.0")
    assert [s.action for s in trace.steps[1:]] == ["InitiateProbe", "PassToken(2)", "PassToken(1)"]
    assert trace.final == trace.steps[0].state
    assert trace.final == State((False,) * 3, (WHITE,) * 3, 0, BLACK)
    assert verdict.note == (
        "at step 0 the condition of Liveness holds and its goal does not; the goal is false "
        "from there on, and steps 1..3 repeat forever; the loop is fair: it takes "
        "InitiateProbe at step 1"
    )
