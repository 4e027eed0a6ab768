"""ChangRoberts against TLC: the state counts and verdicts of MCChangRoberts.cfg (liveness
included), and planted bugs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import pytest

from modelcheck import Fairness, check
from modelcheck.model import Stuttering
from models.classic.chang_roberts import CAND, LOST, N1, WON, ChangRoberts, State, put

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
        ("Liveness", "holds"),
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


class Unfair(ChangRoberts):
    """The spec without its fairness condition WF_vars(node(self))."""

    fairness: ClassVar[Sequence[Fairness]] = ()


def test_without_fairness_a_behaviour_may_stop_before_anyone_wins() -> None:
    # As in TLA+ (and TLC), a behaviour may stutter forever: with no fairness it stays in
    # the first initial state that has a candidate, initiator = <<FALSE, FALSE, TRUE>>
    # (init_states() lists initiator vectors in itertools.product order; vector 0 has no
    # candidate, so Liveness holds there).
    verdict = check(Unfair()).verdict("Liveness")
    assert verdict.status == "violated"
    assert verdict.trace is not None
    assert (len(verdict.trace), verdict.trace.loop, verdict.trace.path) == (0, 0, "1")
    assert verdict.trace.final.initiator == (False, False, True)
    assert verdict.note == (
        "Liveness is false in every state, and the behaviour may stay at step 0 forever, as "
        "no fairness condition covers an action enabled there"
    )


class UnfairButBusy(Unfair):
    """No fairness, and no stuttering except where nothing is enabled."""

    stuttering: ClassVar[Stuttering] = "deadlock"


def test_without_stuttering_every_behaviour_ends_with_a_winner() -> None:
    # The graph has no cycle (every n1 step consumes a message, and none circulates
    # forever), so a behaviour that must take a step while one is enabled ends in a state
    # with empty mailboxes, where the smallest initiator has won.
    assert check(UnfairButBusy()).status("Liveness") == "holds"


class Echo(ChangRoberts):
    """Node 1 passes its own identity on instead of declaring itself the winner."""

    def n1(self, s: State, k: int, id_: int) -> State:
        if k == 0 and id_ == self.ids[0]:
            msgs = put(s.msgs, 0, s.msgs[0] - {id_})
            return s._replace(msgs=put(msgs, 1, msgs[1] | {id_}))
        return super().n1(s, k, id_)


def test_an_identity_that_circulates_forever_is_a_fair_loop() -> None:
    verdict = check(Echo()).verdict("Liveness")
    assert verdict.status == "violated"
    trace = verdict.trace
    assert trace is not None
    # Only node 1 initiates (initial state 4, initiator = <<TRUE, FALSE, FALSE>>); every
    # node must first run n0 (3 steps, pc never returns to n0), then identity 1 goes round
    # the ring for ever, each node taking its own n1 step, so each node's weak fairness is
    # met: 3 steps to a loop of 3.
    assert (len(trace), trace.loop) == (6, 3)
    assert [s.action for s in trace.steps[1:]] == [
        "n0(1)",
        "n0(2)",
        "n0(3)",
        "n1(2, 1)",
        "n1(3, 1)",
        "n1(1, 1)",
    ]
    assert trace.steps[0].choice == 4
    assert trace.final == trace.steps[3].state
    assert trace.final.pc == (N1, N1, N1) and trace.final.state == (CAND, LOST, LOST)
