"""Paxos Commit (models/classic/paxos_commit.py): counts, a transcription, refinement, a bug.

TLC's numbers for PaxosCommit.cfg (2 RMs, 3 acceptors, ballots {0, 1}; tlaplus/Examples,
transaction_commit/manifest.json, and ../shared/reference/tlc.md) are 1,321,761 distinct
states, 16,959,159 generated, depth 28: specs/paxos_commit.toml (slow) and
benchmarks/paxos_commit.py pin them, as a check takes 10 s or more. The smaller
configurations here have no TLC reference, so their counts are cross-checked against an
independent breadth-first search over a literal transcription of PaxosCommit.tla written
below on plain values (no packing, no caching), successor by successor, and against a plain
BFS over the model's own ``actions``.
"""

from __future__ import annotations

from collections import Counter
from math import prod
from typing import Any

import pytest

from modelcheck import check
from models.classic.paxos_commit import RM_STATES, Acc, Instance, InstanceStep, PaxosCommit
from models.classic.tcommit import TCommit

# A plain state: rmState (strings), aState[rm][acc] as (mbal, bal, val), msgs as tuples
# (kind, ins, ...fields in the spec's order): ("phase1a", ins, bal), ("phase1b", ins, mbal,
# bal, val, acc), ("phase2a", ins, bal, val), ("phase2b", ins, acc, bal, val), ("Commit",),
# ("Abort",): the form PaxosCommit.decode gives.
Plain = tuple[tuple[str, ...], tuple[tuple[tuple[int, int, str], ...], ...], frozenset[Any]]

SMALL = {
    # params: (distinct, generated, depth), no TLC reference: see the module docstring.
    "rms=1": ({"rms": 1}, (1_461, 9_936, 15)),
    "max_ballot=0": ({"max_ballot": 0}, (545, 4_413, 12)),
    "acceptors=2": ({"acceptors": 2}, (10_821, 85_671, 22)),
}


def _put_plain(row: tuple[Any, ...], i: int, x: Any) -> tuple[Any, ...]:
    return (*row[:i], x, *row[i + 1 :])


class Transcription:
    """PaxosCommit.tla's PCNext, action by action, on plain values: one successor per way
    each existential, \\A-of-existentials and disjunction is satisfied, as TLC counts."""

    def __init__(self, rms: int, acceptors: int, max_ballot: int, majorities: Any) -> None:
        self.rm, self.acc = range(rms), range(acceptors)
        self.ballot = range(max_ballot + 1)
        self.majority = majorities

    def init(self) -> Plain:
        rm_state = tuple("working" for _ in self.rm)
        a_state = tuple(tuple((0, -1, "none") for _ in self.acc) for _ in self.rm)
        return rm_state, a_state, frozenset()

    def decided(self, msgs: frozenset[Any], rm: int, v: str) -> int:
        """The number of (b, MS) witnessing Decided(rm, v)."""
        return sum(
            all(("phase2b", rm, ac, b, v) in msgs for ac in ms)
            for b in self.ballot
            for ms in self.majority
        )

    def next(self, state: Plain) -> list[Plain]:
        rm_state, a_state, msgs = state
        out: list[Plain] = []
        # \E rm \in RM : RMPrepare(rm) \/ RMChooseToAbort(rm) \/ RMRcvCommitMsg(rm) \/ ...
        for rm in self.rm:
            if rm_state[rm] == "working":
                m = ("phase2a", rm, 0, "prepared")
                out.append((_put_plain(rm_state, rm, "prepared"), a_state, msgs | {m}))
                m = ("phase2a", rm, 0, "aborted")
                out.append((_put_plain(rm_state, rm, "aborted"), a_state, msgs | {m}))
            if ("Commit",) in msgs:
                out.append((_put_plain(rm_state, rm, "committed"), a_state, msgs))
            if ("Abort",) in msgs:
                out.append((_put_plain(rm_state, rm, "aborted"), a_state, msgs))
        # \E bal \in Ballot \ {0}, rm \in RM : Phase1a(bal, rm) \/ Phase2a(bal, rm)
        for bal in self.ballot[1:]:
            for rm in self.rm:
                out.append((rm_state, a_state, msgs | {("phase1a", rm, bal)}))
                if any(m[0] == "phase2a" and m[2] == bal and m[1] == rm for m in msgs):
                    continue
                for ms in self.majority:
                    mset = [
                        m
                        for m in msgs
                        if m[0] == "phase1b" and m[1] == rm and m[2] == bal and m[5] in ms
                    ]
                    maxbal = max((m[3] for m in mset), default=-1)
                    top = {m[4] for m in mset if m[3] == maxbal}
                    assert len(top) <= 1  # so which one CHOOSE picks does not matter
                    val = "aborted" if maxbal == -1 else top.pop()
                    ways = prod(sum(1 for m in mset if m[5] == ac) for ac in ms)
                    out += [(rm_state, a_state, msgs | {("phase2a", rm, bal, val)})] * ways
        # Decide: \A rm : Decided(rm, "prepared") multiplies the witnesses; \E rm adds them.
        commit = prod(self.decided(msgs, rm, "prepared") for rm in self.rm)
        out += [(rm_state, a_state, msgs | {("Commit",)})] * commit
        abort = sum(self.decided(msgs, rm, "aborted") for rm in self.rm)
        out += [(rm_state, a_state, msgs | {("Abort",)})] * abort
        # \E acc \in Acceptor : Phase1b(acc) \/ Phase2b(acc)
        for acc in self.acc:
            for m in msgs:
                if m[0] == "phase1a":
                    _, ins, bal = m
                    mbal, vbal, val = a_state[ins][acc]
                    if mbal < bal:
                        row = _put_plain(a_state[ins], acc, (bal, vbal, val))
                        report = ("phase1b", ins, bal, vbal, val, acc)
                        out.append((rm_state, _put_plain(a_state, ins, row), msgs | {report}))
            for m in msgs:
                if m[0] == "phase2a":
                    _, ins, bal, val = m
                    if a_state[ins][acc][0] <= bal:
                        row = _put_plain(a_state[ins], acc, (bal, bal, val))
                        vote = ("phase2b", ins, acc, bal, val)
                        out.append((rm_state, _put_plain(a_state, ins, row), msgs | {vote}))
        return out


def _bfs(
    init: Any, successors: Any, record: dict[Any, Any] | None = None
) -> tuple[list[Any], int, int]:
    """Every reachable state in BFS order, the generated count (TLC's), the depth; each
    state's successors go in ``record`` if one is given."""
    seen = {init}
    level = [init]
    order = [init]
    generated, depth = 1, 0
    while level:
        depth += 1
        following = []
        for state in level:
            found = successors(state)
            if record is not None:
                record[state] = found
            for nxt in found:
                generated += 1
                if nxt not in seen:
                    seen.add(nxt)
                    following.append(nxt)
        order += following
        level = following
    return order, generated, depth


@pytest.mark.parametrize("name", list(SMALL))
def test_counts_of_small_configurations(name: str) -> None:
    params, counts = SMALL[name]
    result = check(PaxosCommit(**params))
    assert (result.distinct, result.generated, result.depth) == counts
    assert result.complete is True
    assert [(p.name, p.status) for p in result.properties] == [
        ("PCTypeOK", "holds"),
        ("TCConsistent", "holds"),
    ]


@pytest.mark.parametrize("name", list(SMALL))
def test_a_literal_transcription_agrees_successor_by_successor(name: str) -> None:
    params, counts = SMALL[name]
    model = PaxosCommit(**params)
    spec = Transcription(model.rms, model.acceptors, model.max_ballot, model.majorities)
    successors: dict[Plain, list[Plain]] = {}
    plain, generated, depth = _bfs(spec.init(), spec.next, successors)
    assert (len(plain), generated, depth) == counts
    # The same with a plain BFS over the model's own actions (not modelcheck's search).
    states, generated, depth = _bfs(0, lambda s: [nxt for _, nxt in model.actions(s)])
    assert (len(states), generated, depth) == counts
    # The packed states are the transcription's, one for one, and every state has the same
    # successors, duplicates included (so the generated counts agree state by state).
    assert model.decode(model.init_states()[0]) == spec.init()
    assert {model.decode(s) for s in states} == set(plain)
    for s in states:
        ours = Counter(model.decode(nxt) for _, nxt in model.actions(s))
        assert ours == Counter(successors[model.decode(s)])


def test_default_majorities_are_the_cfgs() -> None:
    # PaxosCommit.cfg: Majority = {{a1, a2}, {a1, a3}, {a2, a3}} (not the full set).
    assert PaxosCommit().majorities == ((0, 1), (0, 2), (1, 2))
    # Other sizes: every set of a minimal majority, in lexicographic order.
    assert PaxosCommit(acceptors=1).majorities == ((0,),)
    assert PaxosCommit(acceptors=2).majorities == ((0, 1),)
    assert len(PaxosCommit(acceptors=5).majorities) == 10


def test_decide_makes_one_commit_step_per_combination_of_witnesses() -> None:
    # Ballot 0 only. r1 prepared and all three acceptors voted for it: Decided(r1,
    # "prepared") holds for 3 majorities; r2 prepared and a1, a2 voted: 1 majority.
    # TLC evaluates \A rm : Decided(rm, "prepared") as a conjunction of existentials, so
    # Decide's Commit disjunct has 3 x 1 = 3 successors (all the same state).
    model = PaxosCommit(max_ballot=0)
    path = ["RMPrepare(r1)", "RMPrepare(r2)"]
    path += [f"Phase2b(a{a}, r1, 0, prepared)" for a in (1, 2, 3)]
    path += [f"Phase2b(a{a}, r2, 0, prepared)" for a in (1, 2)]
    state = model.init_states()[0]
    for action in path:
        state = _take(model, state, action)
    commits = [label for label, _ in model.actions(state) if label[:2] == ("Decide", "Commit")]
    assert len(commits) == 3
    assert commits[0] == ("Decide", "Commit", ("r1", 0, ("a1", "a2")), ("r2", 0, ("a1", "a2")))


def _take(model: PaxosCommit, state: int, action: str) -> int:
    from modelcheck import format_label

    found = [nxt for label, nxt in model.actions(state) if format_label(label) == action]
    assert found, f"{action} is not enabled"
    return found[0]


def test_refines_tcommit() -> None:
    # PaxosCommit.tla states THEOREM PCSpec => TC!TCSpec: every step leaves rmState unchanged
    # or is a step of TCommit (Prepare, or Decide's commit or abort disjunct). A property of
    # steps, so it is checked here over every reachable step of a small configuration.
    model = PaxosCommit(acceptors=2)
    tcommit = TCommit(rms=model.rms)
    states, _, _ = _bfs(0, lambda s: [nxt for _, nxt in model.actions(s)])
    rm_steps = set()
    for s in states:
        before = model.decode(s)[0]
        allowed = {before} | {after for _, after in tcommit.actions(before)}
        for _, nxt in model.actions(s):
            after = tuple(RM_STATES[st] for st in model.rm_states(nxt))
            assert after in allowed, (before, after)
            rm_steps.add((before, after))
    # Not vacuously: both outcomes happen.
    assert ((("prepared", "prepared"), ("committed", "prepared"))) in rm_steps
    assert ((("prepared", "aborted"), ("aborted", "aborted"))) in rm_steps


def test_show_is_readable() -> None:
    model = PaxosCommit()
    state = _take(model, model.init_states()[0], "RMPrepare(r1)")
    state = _take(model, state, "Phase2b(a2, r1, 0, prepared)")
    shown = model.show(state)
    assert shown["rmState"] == {"r1": "prepared", "r2": "working"}
    assert shown["aState"]["r1"]["a2"] == {"mbal": 0, "bal": 0, "val": "prepared"}
    assert shown["aState"]["r2"]["a1"] == {"mbal": 0, "bal": -1, "val": "none"}
    assert shown["msgs"]["phase2a"] == [{"ins": "r1", "bal": 0, "val": "prepared"}]
    assert shown["msgs"]["phase2b"] == [{"acc": "a2", "ins": "r1", "bal": 0, "val": "prepared"}]
    assert shown["msgs"]["decision"] == []


class BrokenPromise(PaxosCommit):
    """Broken: Phase2b without ``aState[m.ins][acc].mbal \\leq m.bal``. An acceptor votes in
    a ballot lower than one it promised (in a 1b message) to ignore."""

    def phase2b(self, r: int, inst: Instance, a: int) -> list[InstanceStep]:
        out: list[InstanceStep] = []
        for m in self.present(inst, "phase2a"):
            b, v = int(m[1]), str(m[2])
            after = Instance(_put_plain(inst.acc, a, Acc(b, b, v)), inst.msgs)
            label = ("Phase2b", self.acc_names[a], self.rm_names[r], b, v)
            out.append((label, self.send(after, ("phase2b", a, b, v))))
        return out


def test_breaking_the_promise_breaks_consistency() -> None:
    # 2 acceptors: majorities of 2, as with the cfg's 3 (which gives the same 16-step trace
    # after 7,104,165 states and 100 s: too slow for a test).
    result = check(BrokenPromise(acceptors=2))
    verdict = result.verdict("TCConsistent")
    assert verdict.status == "violated" and verdict.trace is not None
    # Why 16 steps, and no fewer. An RM commits only on a Commit message, so every instance
    # decided "prepared"; then every RM prepared (an RM that chose to abort sent 2a(0,
    # aborted), so no one could ever propose, or vote for, "prepared" in its instance). So
    # the other RM aborted on an Abort message: some instance r decided both values, and
    # "aborted" in ballot 1 (ballot 0's proposal is r's "prepared"). The last state then
    # holds at least: for r, 2a(0, prepared), 1a(1), a majority's two 1b(1) reporting no
    # vote, 2a(1, aborted), two 2b(1, aborted), two 2b(0, prepared) (9); for the other RM,
    # 2a(0, prepared) and two 2b(0, prepared) (3); Commit and Abort (2). Each step sends at
    # most one message, and RMRcvCommitMsg and RMRcvAbortMsg, both needed, send none:
    # 14 + 2 = 16 steps. (The two majorities of instance r share an acceptor that voted in
    # ballot 0 after promising ballot 1: the broken step.) BFS traces are shortest, and
    # 16 steps do it.
    assert len(verdict.trace) == 16
    model = BrokenPromise(acceptors=2)
    assert sorted(model.decode(verdict.trace.final)[0]) == ["aborted", "committed"]
    # The broken step: an acceptor votes in ballot 0 after joining ballot 1 (here both do,
    # as the only majority of two acceptors is both of them).
    promised: set[tuple[str, str]] = set()  # (acceptor, instance) that joined ballot 1
    late_votes = []
    for step in verdict.trace.steps[1:]:
        if step.label[0] == "Phase1b":
            promised.add(step.label[1:3])
        elif step.label[0] == "Phase2b" and step.label[3] == 0 and step.label[1:3] in promised:
            late_votes.append(step.label)
    assert late_votes


def test_with_one_acceptor_the_broken_commit_fails_in_12_steps() -> None:
    # The same argument with majorities of one: 6 + 2 + 2 messages, 2 receipts.
    result = check(BrokenPromise(acceptors=1), keep_going=True)
    assert result.verdict("TCConsistent").status == "violated"
    trace = result.verdict("TCConsistent").trace
    assert trace is not None and len(trace) == 12
    assert result.verdict("PCTypeOK").status == "holds"
