"""Paxos consensus, as in Lamport's Paxos (PaxosHowToWinATuringAward/Paxos.tla), MCPaxosTiny.

A set of acceptors must agree on (choose) one value. Ballots are numbered 0..``max_ballot``;
each ballot has its own leader. A value is *chosen* when a quorum of acceptors has voted for
it in the same ballot. The leader of ballot b runs two phases:

- **Phase1a(b)**: broadcast a "1a" message starting ballot b.
- **Phase1b(a)**: acceptor a answers a 1a message of a ballot higher than any it has taken
  part in: it promises to ignore lower ballots (``maxBal[a] := b``) and sends a "1b" report
  of its latest vote, ``<<maxVBal[a], maxVal[a]>>`` (``<<-1, None>>`` if it never voted).
- **Phase2a(b, v)**: once a quorum has sent 1b reports for ballot b, the leader proposes v:
  any value if no one in the quorum reported a vote, otherwise the value of the report with
  the highest ballot. At most one 2a message is ever sent per ballot.
- **Phase2b(a)**: acceptor a votes for the proposal of a 2a message whose ballot is at least
  ``maxBal[a]``, and announces the vote with a "2b" message.

Messages are never removed from the message set: receiving one is an action enabled while
it is in the set, so loss, delay, duplication and reordering are all covered, and so is a
crashed acceptor or leader (one that stops taking steps). Only safety is modelled.

Ported from ``specifications/PaxosHowToWinATuringAward/Paxos.tla`` of tlaplus/Examples,
model ``MCPaxosTiny.cfg`` (module MCPaxos): Acceptor = {a1, a2, a3}, Value = {v1, v2},
Ballot = 0..MaxBallot with MaxBallot = 1, Quorum = {{a1, a2}, {a1, a3}, {a2, a3}}. For
other sizes the quorums are the *minimal* majorities, every set of ``acceptors // 2 + 1``
acceptors, which is what the MC module lists for three (note: it does not list the full
set {a1, a2, a3}, and since TLC tries each quorum in turn, adding it would change the
generated count though not the reachable states).

Checked: ``Inv``, the spec's inductive invariant and the one invariant MCPaxosTiny.cfg
checks (it includes ``TypeOK``), and ``agreement``: at most one value is ever chosen. Both
hold. The cfg also checks ``PROPERTY V!Spec`` (Paxos refines the Voting spec), a property
of steps, not states, so it cannot be an ``@always``; tests/test_conformance_paxos.py checks
it over every reachable step instead. With the defaults the checker finds 3,921 distinct
states, 23,563 generated, depth 17, exactly TLC's numbers. (MCPaxosSmall.cfg, the same
with MaxBallot = 2, gives 185,369 distinct, 1,361,380 generated, depth 25 in about 15 s;
the repository records no TLC counts for it to compare with.)

Counting like TLC: TLC computes one successor for every way an action's existential
quantifiers (and disjunctions) can be satisfied, duplicates included. So ``actions``
returns Phase1a(b) for every ballot (re-sending a 1a message is a stuttering step), one
Phase1b(a) per 1a message a can answer, one Phase2b(a) per 2a message a can vote on, and
one Phase2a(b, v) per *witness* of its enabling condition: per quorum Q whose 1b reports
for b are all in, and, when some of them report votes, per report that has the highest
voted ballot and value v (two acceptors of Q may report the same vote: two successors).
Counting Phase2a once per (b, v) instead gives 22,995 generated; once per (b, v, Q), 23,467.

Labels: ``Phase1a(b)``, ``Phase1b(a, b)`` (a answers the 1a message of ballot b),
``Phase2a(b, v, Q)`` or ``Phase2a(b, v, Q, r)`` (r is the acceptor whose report made v the
proposal), and ``Phase2b(a, b, v)`` (a votes for v in ballot b).

State: ``(maxBal, maxVBal, maxVal, msgs)``. The first three are tuples indexed by acceptor
number (-1 for "no ballot", ``NONE`` = -1 for the spec's None); values are numbered
0..values-1. ``msgs`` is a frozenset of small int tuples tagged by kind:
``(M1A, bal)``, ``(M1B, acc, bal, mbal, mval)``, ``(M2A, bal, val)``, ``(M2B, acc, bal,
val)``. Wherever an order matters the model walks the fixed ballots, values, acceptors
and quorums (testing membership) or sorts: it never relies on a set's iteration order.
``show`` unpacks the state for people, with the messages grouped by kind as records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import combinations
from typing import Any, NamedTuple

from modelcheck import Model, Param, always

#: No ballot (in maxBal, maxVBal and a 1b report's mbal) and no value (the spec's None).
NONE = -1

#: Message kinds: the first element of every message tuple.
M1A, M1B, M2A, M2B = range(4)

Msg = tuple[int, ...]
#: A way Phase2a is enabled: a quorum, and whose 1b report picked the value (or NONE).
Witness = tuple[tuple[int, ...], int]


class State(NamedTuple):
    """The spec's four variables."""

    max_bal: tuple[int, ...]
    max_vbal: tuple[int, ...]
    max_val: tuple[int, ...]
    msgs: frozenset[Msg]


class Report(NamedTuple):
    """What a 1b message tells the ballot's leader: acceptor ``acc`` last voted for ``val``
    in ballot ``bal`` (``NONE`` and ``NONE`` if it never voted)."""

    acc: int
    bal: int
    val: int


class Paxos(Model[State]):
    """Paxos consensus: acceptors, ballots, 1a/1b/2a/2b messages (TLA+ Paxos, MCPaxosTiny)."""

    acceptors = Param(3, help="number of acceptors", min=1, max=5)
    values = Param(2, help="number of values that can be proposed", min=1, max=4)
    max_ballot = Param(1, help="highest ballot number (ballots are 0..max_ballot)", min=0, max=3)

    def setup(self) -> None:
        self.acc_names = tuple(f"a{i + 1}" for i in range(self.acceptors))
        self.val_names = tuple(f"v{i + 1}" for i in range(self.values))
        self.ballots = tuple(range(self.max_ballot + 1))
        # Minimal majorities, in a fixed order: for 3 acceptors (a1,a2), (a1,a3), (a2,a3).
        self.quorums = tuple(combinations(range(self.acceptors), self.acceptors // 2 + 1))

    # -- the protocol ---------------------------------------------------------------------

    def init_states(self) -> list[State]:
        nobody = (NONE,) * self.acceptors
        return [State(nobody, nobody, nobody, frozenset())]

    def actions(self, state: State) -> list[tuple[Any, State]]:
        """Next: for each ballot, Phase1a and Phase2a; then for each acceptor, Phase1b and
        Phase2b. One entry per satisfying binding of the existentials, as TLC counts."""
        out: list[tuple[Any, State]] = []
        for b in self.ballots:
            out.append((("Phase1a", b), self.send(state, (M1A, b))))
            for v in range(self.values):
                for quorum, reporter in self.phase2a_witnesses(state, b, v):
                    label: tuple[Any, ...] = ("Phase2a", b, self.val_names[v], self.names(quorum))
                    if reporter != NONE:
                        label += (self.acc_names[reporter],)
                    out.append((label, self.send(state, (M2A, b, v))))
        for a in range(self.acceptors):
            out.extend(self.phase1b(state, a))
            out.extend(self.phase2b(state, a))
        return out

    def send(self, state: State, msg: Msg) -> State:
        """``state`` with ``msg`` added to the message set (a no-op if it was sent before)."""
        return state._replace(msgs=state.msgs | {msg})

    def phase1b(self, state: State, a: int) -> Iterator[tuple[Any, State]]:
        """Acceptor a answers a 1a message for a ballot above its maxBal."""
        max_bal, max_vbal, max_val, msgs = state
        for b in self.ballots:
            if b > max_bal[a] and (M1A, b) in msgs:
                report = (M1B, a, b, max_vbal[a], max_val[a])
                after = state._replace(max_bal=_put(max_bal, a, b), msgs=msgs | {report})
                yield ("Phase1b", self.acc_names[a], b), after

    def phase2b(self, state: State, a: int) -> Iterator[tuple[Any, State]]:
        """Acceptor a votes in a ballot not below its maxBal, as that ballot's 2a message asks."""
        max_bal, max_vbal, max_val, msgs = state
        for b in self.ballots:
            if b < max_bal[a]:
                continue
            for v in range(self.values):
                if (M2A, b, v) in msgs:
                    after = State(
                        _put(max_bal, a, b),
                        _put(max_vbal, a, b),
                        _put(max_val, a, v),
                        msgs | {(M2B, a, b, v)},
                    )
                    yield ("Phase2b", self.acc_names[a], b, self.val_names[v]), after

    def phase2a_witnesses(self, state: State, b: int, v: int) -> list[Witness]:
        """The ways Phase2a(b, v) is enabled, as (quorum, reporter) pairs.

        Enabled when no 2a message for b was sent yet and some quorum has all sent their
        1b reports for b, and either none of them reports a vote (reporter ``NONE``: any v
        will do) or the report of ``reporter``, one with the highest voted ballot among
        them, is a vote for v. Two reporters may tie: two ways, two successors, as in TLC.
        """
        msgs = state.msgs
        if any((M2A, b, w) in msgs for w in range(self.values)):
            return []
        reports = self.reports(msgs, b)
        out: list[Witness] = []
        for quorum in self.quorums:
            if not all(a in reports for a in quorum):
                continue
            voted = [reports[a] for a in quorum if reports[a].bal != NONE]
            if not voted:
                out.append((quorum, NONE))
                continue
            top = max(r.bal for r in voted)
            out.extend((quorum, r.acc) for r in voted if r.bal == top and r.val == v)
        return out

    def reports(self, msgs: frozenset[Msg], b: int) -> dict[int, Report]:
        """The 1b reports for ballot b, by acceptor (an acceptor sends at most one per ballot,
        since Phase1b(a) raises maxBal[a] to the ballot it answers)."""
        found: dict[int, Report] = {}
        for m in sorted(msgs):
            if m[0] == M1B and m[2] == b:
                found.setdefault(m[1], Report(m[1], m[3], m[4]))
        return found

    # -- what the spec defines on top: votes, ShowsSafeAt, chosen -------------------------

    def votes(self, msgs: frozenset[Msg]) -> tuple[frozenset[tuple[int, int]], ...]:
        """votes[a]: the (ballot, value) pairs acceptor a voted for (its 2b messages)."""
        return tuple(
            frozenset((m[2], m[3]) for m in msgs if m[0] == M2B and m[1] == a)
            for a in range(self.acceptors)
        )

    def shows_safe_at(
        self,
        max_bal: tuple[int, ...],
        votes: tuple[frozenset[tuple[int, int]], ...],
        quorum: tuple[int, ...],
        b: int,
        v: int,
    ) -> bool:
        """Voting's ShowsSafeAt(Q, b, v): every member of Q has promised ballot b, and for
        some c < b (or c = -1), some member voted for v in c and none voted in c+1..b-1."""
        if any(max_bal[a] < b for a in quorum):
            return False
        for c in range(-1, b):
            if c != NONE and not any((c, v) in votes[a] for a in quorum):
                continue
            if all(vote[0] not in range(c + 1, b) for a in quorum for vote in votes[a]):
                return True
        return False

    def chosen(self, msgs: frozenset[Msg]) -> set[int]:
        """The values a quorum has voted for in one ballot (Voting's ``chosen``)."""
        votes = self.votes(msgs)
        return {
            v
            for b in self.ballots
            for v in range(self.values)
            for quorum in self.quorums
            if all((b, v) in votes[a] for a in quorum)
        }

    # -- properties -----------------------------------------------------------------------

    def type_ok(self, state: State) -> bool:
        """TypeOK: maxBal and maxVBal are ballots or -1, maxVal a value or None, and every
        message is in the spec's set Message."""
        max_bal, max_vbal, max_val, msgs = state
        n = self.acceptors
        bal_or_none = range(NONE, self.max_ballot + 1)
        val_or_none = range(NONE, self.values)
        return (
            len(max_bal) == len(max_vbal) == len(max_val) == n
            and all(x in bal_or_none for x in max_bal + max_vbal)
            and all(x in val_or_none for x in max_val)
            and all(self.is_message(m) for m in msgs)
        )

    def is_message(self, m: Msg) -> bool:
        """m is in the spec's set Message."""
        ballots, values, accs = self.ballots, range(self.values), range(self.acceptors)
        if m[0] == M1A:
            return len(m) == 2 and m[1] in ballots
        if m[0] == M1B:
            return (
                len(m) == 5
                and m[1] in accs
                and m[2] in ballots
                and m[3] in range(NONE, self.max_ballot + 1)
                and m[4] in range(NONE, self.values)
            )
        if m[0] == M2A:
            return len(m) == 3 and m[1] in ballots and m[2] in values
        if m[0] == M2B:
            return len(m) == 4 and m[1] in accs and m[2] in ballots and m[3] in values
        return False

    @always
    def Inv(self, state: State) -> bool:  # the TLA+ name
        """The spec's inductive invariant: TypeOK, and what each variable and message
        implies about the votes cast (the invariant MCPaxosTiny.cfg checks)."""
        if not self.type_ok(state):
            return False
        max_bal, max_vbal, max_val, msgs = state
        votes = self.votes(msgs)
        for a in range(self.acceptors):
            if max_bal[a] < max_vbal[a]:
                return False
            if max_vbal[a] == NONE:
                if max_val[a] != NONE:
                    return False
            elif (max_vbal[a], max_val[a]) not in votes[a]:
                return False
        for m in msgs:
            if m[0] == M1B:
                _, acc, bal, mbal, mval = m
                if max_bal[acc] < bal or (mbal >= 0 and (mbal, mval) not in votes[acc]):
                    return False
            elif m[0] == M2A:
                _, bal, val = m
                if not any(self.shows_safe_at(max_bal, votes, q, bal, val) for q in self.quorums):
                    return False
                if any((M2A, bal, w) in msgs for w in range(self.values) if w != val):
                    return False
            elif m[0] == M2B:
                _, acc, bal, val = m
                if max_vbal[acc] < bal or (M2A, bal, val) not in msgs:
                    return False
        return True

    @always
    def agreement(self, state: State) -> bool:
        """At most one value is chosen (accepted by a quorum in one ballot)."""
        return len(self.chosen(state.msgs)) <= 1

    # -- for people -----------------------------------------------------------------------

    def names(self, accs: tuple[int, ...]) -> tuple[str, ...]:
        """Acceptor numbers as names: (0, 2) is ("a1", "a3")."""
        return tuple(self.acc_names[a] for a in accs)

    def record(self, m: Msg) -> dict[str, Any]:
        """A message as the spec's record, without its type: 1b as {acc, bal, mbal, mval}."""
        acc, val = self.acc_names, self.val_names
        if m[0] == M1A:
            return {"bal": m[1]}
        if m[0] == M1B:
            return {"acc": acc[m[1]], "bal": m[2], "mbal": m[3], "mval": self.value_name(m[4])}
        if m[0] == M2A:
            return {"bal": m[1], "val": val[m[2]]}
        return {"acc": acc[m[1]], "bal": m[2], "val": val[m[3]]}

    def value_name(self, v: int) -> str:
        """A value's name, or "None"."""
        return "None" if v == NONE else self.val_names[v]

    def show(self, state: State) -> Mapping[str, Any]:
        max_bal, max_vbal, max_val, msgs = state
        names = self.acc_names
        return {
            "maxBal": dict(zip(names, max_bal, strict=True)),
            "maxVBal": dict(zip(names, max_vbal, strict=True)),
            "maxVal": {n: self.value_name(v) for n, v in zip(names, max_val, strict=True)},
            "msgs": {
                kind: [self.record(m) for m in sorted(msgs) if m[0] == tag]
                for tag, kind in enumerate(("1a", "1b", "2a", "2b"))
            },
            "chosen": [self.val_names[v] for v in sorted(self.chosen(msgs))],
        }


def _put(row: tuple[int, ...], i: int, x: int) -> tuple[int, ...]:
    """``row`` with position i set to x (the spec's ``[f EXCEPT ![i] = x]``)."""
    return (*row[:i], x, *row[i + 1 :])
