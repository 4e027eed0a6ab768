"""Paxos (models/classic/paxos.py) against TLC: counts, invariants, refinement, a broken variant.

TLC's numbers for MCPaxosTiny.cfg (tlaplus/Examples, PaxosHowToWinATuringAward/manifest.json):
3,921 distinct states, 23,563 generated, depth 17, no error.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from modelcheck import check
from models.classic.paxos import M1A, M1B, M2A, M2B, NONE, Paxos, State, Witness

VoteSets = tuple[frozenset[tuple[int, int]], ...]


def test_counts_equal_tlc_mcpaxostiny() -> None:
    result = check(Paxos())
    assert (result.distinct, result.generated, result.depth) == (3921, 23563, 17)
    assert result.complete is True
    assert [p.name for p in result.properties] == ["Inv", "agreement"]
    assert all(p.status == "holds" for p in result.properties)


def test_default_quorums_are_the_mc_modules() -> None:
    # MCPaxos.tla: Quorum == {{a1, a2}, {a1, a3}, {a2, a3}} (not the full set).
    assert Paxos().quorums == ((0, 1), (0, 2), (1, 2))
    # Other sizes: every set of a minimal majority, in lexicographic order.
    assert Paxos(acceptors=4).quorums == tuple(combinations(range(4), 3))
    assert len(Paxos(acceptors=5).quorums) == 10


def _reachable_steps(model: Paxos) -> tuple[list[State], list[tuple[State, State]]]:
    """Every reachable state and every step between them, by a plain BFS."""
    inits = list(model.init_states())
    seen = set(inits)
    queue = list(inits)
    steps: list[tuple[State, State]] = []
    for state in queue:
        for _label, nxt in model.actions(state):
            steps.append((state, nxt))
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return queue, steps


def _voting_step(model: Paxos, before: State, after: State) -> bool:
    """The step maps to a step of Voting's Next, or leaves <<votes, maxBal>> unchanged."""
    votes, votes2 = model.votes(before.msgs), model.votes(after.msgs)
    bal, bal2 = before.max_bal, after.max_bal
    if (votes, bal) == (votes2, bal2):
        return True
    for a in range(model.acceptors):
        for b in model.ballots:
            bal_a = (*bal[:a], b, *bal[a + 1 :])
            # IncreaseMaxBal(a, b)
            if b > bal[a] and bal2 == bal_a and votes2 == votes:
                return True
            # VoteFor(a, b, v)
            for v in range(model.values):
                new_votes: VoteSets = (*votes[:a], votes[a] | {(b, v)}, *votes[a + 1 :])
                if (
                    bal[a] <= b
                    and all(vt[0] != b for vt in votes[a])
                    and all(
                        vt[1] == v
                        for c in range(model.acceptors)
                        if c != a
                        for vt in votes[c]
                        if vt[0] == b
                    )
                    and any(model.shows_safe_at(bal, votes, q, b, v) for q in model.quorums)
                    and votes2 == new_votes
                    and bal2 == bal_a
                ):
                    return True
    return False


def test_refines_voting() -> None:
    # MCPaxosTiny.cfg also checks PROPERTY V!Spec: with votes[a] = the 2b messages of a, and
    # maxBal as is, every behaviour of Paxos is one of Voting. A property of steps, so it is
    # checked here over every reachable step rather than as an @always.
    model = Paxos()
    states, steps = _reachable_steps(model)
    assert len(states) == 3921 and len(steps) == 23563 - 1
    init = states[0]
    assert model.votes(init.msgs) == (frozenset(),) * 3 and init.max_bal == (NONE,) * 3
    bad = [(s, t) for s, t in steps if not _voting_step(model, s, t)]
    assert bad == []
    # And not vacuously: some reachable state has a value chosen, for each value.
    chosen = set().union(*(model.chosen(s.msgs) for s in states))
    assert chosen == {0, 1}


class PaxosAnyValue(Paxos):
    """Broken: once a quorum's 1b reports for b are in, the leader proposes any value,
    ignoring the votes those reports carry."""

    def phase2a_witnesses(self, state: State, b: int, v: int) -> list[Witness]:
        msgs = state.msgs
        if any(m[0] == M2A and m[1] == b for m in msgs):
            return []
        promised = {m[1] for m in msgs if m[0] == M1B and m[2] == b}
        return [(q, NONE) for q in self.quorums if promised.issuperset(q)]


def test_ignoring_the_reports_breaks_agreement() -> None:
    result = check(PaxosAnyValue(), keep_going=True)
    inv, agreement = result.verdict("Inv"), result.verdict("agreement")
    assert inv.status == "violated" and agreement.status == "violated"
    assert inv.trace is not None and agreement.trace is not None

    # BFS traces are shortest. Every action adds at most one message to msgs, so a trace is
    # at least as long as the number of distinct messages its last state must contain.
    #
    # Inv fails first, as soon as a 2a message is not "shown safe": 9 actions. A proposal in
    # ballot 0 is always shown safe (no lower ballot), so the bad 2a is 2a(1, v2) (say). The
    # quorum whose 1b(1) reports enabled it has all promised ballot 1, so ShowsSafeAt fails
    # for it only if a member voted in ballot 0 for another value, v1, and none for v2. So
    # the last state holds 1a(0), two 1b(0) (a quorum, needed for any 2a(0)), 2a(0, v1),
    # 2b(0, v1), 1a(1), two 1b(1) (needed for the 2a(1)) and 2a(1, v2): 9 distinct messages.
    # The voter votes in ballot 0 before it promises ballot 1, and then 9 steps do it.
    assert len(inv.trace) == 9
    assert inv.trace.steps[-1].label[:3] == ("Phase2a", 1, "v2")

    # agreement fails when two values are chosen: they must be chosen in different ballots
    # (one 2a message per ballot), 0 and 1. Each needs 1a(b), a quorum of two 1b(b), 2a(b, v)
    # and a quorum of two 2b(b, v): 6 messages per ballot, 12 in all; 12 steps suffice
    # (a1 and a2 promise, are proposed v1 and vote in ballot 0, then the same in ballot 1
    # for v2, which the broken leader proposes although a1 reports its vote for v1).
    assert len(agreement.trace) == 12
    last = agreement.trace.final
    assert PaxosAnyValue().chosen(last.msgs) == {0, 1}


def _labels(model: Paxos, state: State) -> list[Any]:
    return [label for label, _ in model.actions(state)]


def test_phase2a_is_counted_once_per_witness() -> None:
    # TLC makes one successor per quorum whose reports enable Phase2a, and per tying report:
    # a state where a1, a2, a3 all voted v1 in ballot 0 and all promised ballot 1 enables
    # Phase2a(1, v1) 3 quorums x 2 tying reports = 6 ways, and Phase2a(1, v2) none.
    model = Paxos()
    msgs = frozenset(
        {(M1A, 0), (M1B, 0, 0, NONE, NONE), (M1B, 1, 0, NONE, NONE), (M2A, 0, 0)}
        | {(M2B, a, 0, 0) for a in range(3)}
        | {(M1A, 1)}
        | {(M1B, a, 1, 0, 0) for a in range(3)}
    )
    state = State((1, 1, 1), (0, 0, 0), (0, 0, 0), msgs)
    states, _steps = _reachable_steps(model)
    assert state in states
    phase2a = [lab for lab in _labels(model, state) if lab[0] == "Phase2a"]
    assert len(phase2a) == 6
    assert {lab[:3] for lab in phase2a} == {("Phase2a", 1, "v1")}
