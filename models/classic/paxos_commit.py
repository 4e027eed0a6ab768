r"""Paxos Commit, as in Gray and Lamport's PaxosCommit (transaction_commit/PaxosCommit.tla).

Two-phase commit blocks when its transaction manager fails; Paxos Commit replaces the TM's
one decision by a Paxos consensus per resource manager (RM), run by a set of acceptors, on
whether that RM prepared. Each RM starts working and either prepares or decides on its own
to abort; either way it proposes its choice in ballot 0 of *its* instance of Paxos (a
"phase2a" message with value "prepared" or "aborted"). Acceptors vote ("phase2b"); an
instance has chosen a value once a majority voted for it in one ballot. The transaction
commits when every instance chose "prepared" and aborts when some instance chose "aborted":
a leader announces the outcome (Decide: a Commit or an Abort message) and the RMs obey it.
If an RM goes quiet, a leader may run a higher ballot of its instance (Phase1a, Phase1b,
Phase2a, as in Paxos): if a majority report no vote it proposes "aborted", otherwise the
value of the highest vote reported. Messages are never removed from ``msgs``, so loss,
delay, duplication and reordering are all covered; leaders are not modelled (anyone may
act as one); only safety is specified.

Ported from ``specifications/transaction_commit/PaxosCommit.tla`` of tlaplus/Examples,
model ``PaxosCommit.cfg``: RM = {r1, r2}, Acceptor = {a1, a2, a3}, Majority = {{a1, a2},
{a1, a3}, {a2, a3}}, Ballot = {0, 1} (parameters ``rms``, ``acceptors``, ``max_ballot``).
For other numbers of acceptors the majorities are the *minimal* ones, every set of
``acceptors // 2 + 1`` (the cfg, too, leaves out the full set; TLC tries each majority in
turn, so adding it would change the generated count though not the reachable states).

Counting like TLC, which computes one successor per way each existential, and each
``\A`` of existentials, is satisfied (see paxos.py): Phase1a(bal, rm) once per ballot and
RM; Phase2a(bal, rm) once per majority whose 1b messages are in (times the choices of one
1b message per member, always one); Phase1b(acc) and Phase2b(acc) once per message they
answer (voting again for the same 2a message is a self-loop); Decide's Abort once per
(rm, ballot, majority) witnessing ``Decided(rm, "aborted")``, and its Commit once per
*combination* of witnesses of ``Decided(rm, "prepared")`` (``\A rm`` becomes a
conjunction of existentials: up to 6 x 6 = 36 successors in one state). Counting Decide
once per disjunct gives 15,242,979 generated; Phase2a once per (bal, rm), 16,849,587.
RMRcvCommitMsg and RMRcvAbortMsg are enabled whatever the RM's state, as in the spec.

Labels: ``RMPrepare(r)``, ``RMChooseToAbort(r)``, ``RMRcvCommitMsg(r)``,
``RMRcvAbortMsg(r)``, ``Phase1a(bal, r)``, ``Phase2a(bal, r, MS)``, ``Phase1b(a, r, bal)``
(a answers instance r's 1a message of ballot bal), ``Phase2b(a, r, bal, val)``,
``Decide(Abort, r, bal, MS)`` and ``Decide(Commit, [r1, bal, MS], [r2, bal, MS], ...)``.
In ``actions``: the RMs' steps, then each instance's steps (per ballot Phase1a, Phase2a;
per acceptor Phase1b, Phase2b; its Abort steps), then the Commit steps.

State: one int. Bits 0 .. 2*rms-1 hold rmState (2 bits per RM: working 0, prepared 1,
committed 2, aborted 3), then one bit each for the Commit and Abort messages, then one field
per instance (per RM): per acceptor, ``aState[rm][acc]`` as an index into the table of
type-correct ``(mbal, bal, val)`` (4 bits), then a bitmask over the instance's message
universe, every message the actions can send from type-correct states: 1 phase1a, 15
phase1b (per acceptor, one per (bal, val) it could report), 4 phase2a and 12 phase2b with
the defaults, 44 bits per instance and 94 in all. The initial state is 0. The state space
factors by instance: each instance's successors depend on its own bits only, so they are
computed once per value those bits take (721 values with the defaults) and kept as amounts
to add to the packed state; the RMs' steps are listed for every value of the low bits up
front. ``show`` and ``decode`` unpack a state into the spec's records.

Checked: ``PCTypeOK``, the invariant PaxosCommit.cfg checks (it decodes every field and
message and tests it against the spec's sets, once per value of the RM and instance bits),
and ``TCConsistent``, TCommit's invariant that PaxosCommit implements (``THEOREM PCSpec =>
TC!TCSpec``; tests/test_conformance_paxos_commit.py checks that refinement step by step on
a small configuration): no RM commits while another aborts. Both hold. With the defaults
the checker finds 1,321,761 distinct states, 16,959,159 generated, depth 28, exactly TLC's
numbers, in 9 to 13 s (the machine busy with other work) and 191 MB on the project's
2-core machine (TLC: 147 s with one worker, 77 s with two; benchmarks/paxos_commit.py).
With 1 RM: 1,461 / 9,936 / 15; with ballot 0 only: 545 / 4,413 / 12; with 2 acceptors:
10,821 / 85,671 / 22 (no TLC reference; an independent transcription of the spec in the
tests agrees, successor by successor).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations, product
from math import prod
from typing import Any, NamedTuple

from modelcheck import Model, Param, always

#: rmState values, as numbers (2 bits per RM in the packed state).
WORKING, PREPARED, COMMITTED, ABORTED = range(4)
RM_STATES = ("working", "prepared", "committed", "aborted")
#: The two values an instance of Paxos can choose, and an acceptor's "no vote yet".
VALUES = ("prepared", "aborted")
NONE = "none"

#: A message of one instance, without its ``ins`` field (the instance is where it is kept):
#: ``("phase1a", bal)``, ``("phase1b", mbal, bal, val, acc)``, ``("phase2a", bal, val)``,
#: ``("phase2b", acc, bal, val)``; acceptors are numbers, values strings.
Msg = tuple[str | int, ...]
#: The packed state: one int (see the module docstring for the layout).
State = int
#: A step of one instance: the label and the instance after it.
InstanceStep = tuple[Any, "Instance"]
#: What ``actions`` needs of one instance's part of the state, computed once per value of that
#: part: its steps and the Abort steps its decision enables, as (label, amount to add to the
#: packed state), once for when Abort was not sent yet and once for when it was; then the
#: ways ``Decided(rm, "prepared")`` holds (as label parts).
Entry = tuple[tuple[tuple[Any, int], ...], tuple[tuple[Any, int], ...], tuple[Any, ...]]


class Acc(NamedTuple):
    """``aState[ins][acc]``: the highest ballot the acceptor has joined (``mbal``) and its
    latest vote in the instance (``bal`` -1 and ``val`` "none" if it never voted)."""

    mbal: int
    bal: int
    val: str


class Instance(NamedTuple):
    """One instance of Paxos, the one that decides whether one RM prepared: ``aState[rm]``
    (one ``Acc`` per acceptor) and the phase messages with ``ins = rm``."""

    acc: tuple[Acc, ...]
    msgs: frozenset[Msg]


class PaxosCommit(Model[State]):
    """Paxos Commit: one Paxos consensus per RM decides prepared or aborted (TLA+ PaxosCommit)."""

    rms = Param(2, help="number of resource managers", min=1, max=5)
    acceptors = Param(3, help="number of acceptors", min=1, max=5)
    max_ballot = Param(1, help="highest ballot number (ballots are 0..max_ballot)", min=0, max=3)

    def setup(self) -> None:
        n_rms, n_acc = self.rms, self.acceptors
        self.rm_names = tuple(f"r{r + 1}" for r in range(n_rms))
        self.acc_names = tuple(f"a{a + 1}" for a in range(n_acc))
        self.ballots = tuple(range(self.max_ballot + 1))
        self.leader_ballots = self.ballots[1:]  # Ballot \ {0}: the ballots a leader starts
        # Minimal majorities, in a fixed order: for 3 acceptors {a1,a2}, {a1,a3}, {a2,a3}, as
        # PaxosCommit.cfg lists them (not the full set).
        self.majorities = tuple(combinations(range(n_acc), n_acc // 2 + 1))

        # An acceptor's state in an instance is a number: its index in this table of every
        # type-correct (mbal, bal, val) with bal = -1 exactly when val = "none".
        votes = [(-1, NONE)] + [(b, v) for b in self.ballots for v in VALUES]
        self.acc_states = tuple(Acc(mbal, bal, val) for mbal in self.ballots for bal, val in votes)
        self.acc_index = {a: i for i, a in enumerate(self.acc_states)}
        self.acc_bits = max(1, (len(self.acc_states) - 1).bit_length())
        # The message universe of one instance: every message the actions can send from a
        # type-correct state (1b messages answer 1a messages, so their mbal is never 0).
        universe: list[Msg] = [("phase1a", b) for b in self.leader_ballots]
        universe += [
            ("phase1b", mbal, bal, val, a)
            for a in range(n_acc)
            for mbal in self.leader_ballots
            for bal, val in votes
        ]
        universe += [("phase2a", b, v) for b in self.ballots for v in VALUES]
        universe += [
            ("phase2b", a, b, v) for a in range(n_acc) for b in self.ballots for v in VALUES
        ]
        self.universe = tuple(universe)
        first = n_acc * self.acc_bits
        self.msg_bit = {m: first + i for i, m in enumerate(self.universe)}
        self.width = first + len(self.universe)  # bits per instance

        # The layout: rmState (2 bits per RM), Commit, Abort, then one field per instance.
        self.rm_mask = (1 << 2 * n_rms) - 1
        self.commit_bit = 1 << 2 * n_rms
        self.abort_bit = 1 << 2 * n_rms + 1
        self.low_mask = (1 << 2 * n_rms + 2) - 1
        self.shifts = tuple(2 * n_rms + 2 + r * self.width for r in range(n_rms))
        self.inst_mask = (1 << self.width) - 1
        self.total_bits = 2 * n_rms + 2 + n_rms * self.width

        # The RMs' actions depend only on the low bits: every case is listed up front, as
        # (label, amount added, message bit or'ed in).
        self.rm_moves = tuple(self._rm_moves(low) for low in range(self.low_mask + 1))
        # The rmState part of PCTypeOK, and TCConsistent, per value of the rmState bits.
        rm_values = [self.rm_states(x) for x in range(self.rm_mask + 1)]
        self.rm_type_ok = tuple(all(0 <= st < len(RM_STATES) for st in rm) for rm in rm_values)
        self.tc_ok = tuple(not (COMMITTED in rm and ABORTED in rm) for rm in rm_values)
        # Each instance's moves, per value of its bits: filled in as values are met.
        self.caches: tuple[dict[int, Entry], ...] = tuple({} for _ in range(n_rms))
        self.instances = tuple((self.shifts[r], self.caches[r], r) for r in range(n_rms))
        self.type_ok_cache: dict[int, bool] = {}
        self.decoded: dict[int, Instance] = {}

    # -- the protocol, on readable values ----------------------------------------------------

    def init_states(self) -> list[State]:
        # Every RM working (0), every acceptor at index 0 (mbal 0, bal -1, none), no messages.
        return [0]

    def send(self, inst: Instance, m: Msg) -> Instance:
        """``Send(m)`` within one instance."""
        return inst._replace(msgs=inst.msgs | {m})

    def present(self, inst: Instance, kind: str) -> list[Msg]:
        """The instance's messages of one kind, in the fixed order of the universe."""
        return [m for m in self.universe if m[0] == kind and m in inst.msgs]

    def phase1a(self, r: int, inst: Instance, b: int) -> list[InstanceStep]:
        """Phase1a(b, rm): a leader starts ballot b of instance rm (always enabled)."""
        return [(("Phase1a", b, self.rm_names[r]), self.send(inst, ("phase1a", b)))]

    def phase2a(self, r: int, inst: Instance, b: int) -> list[InstanceStep]:
        """Phase2a(b, rm): once a majority's 1b messages for b are in and no 2a message for b
        was sent, propose the value of the highest vote they report, or "aborted" if none
        voted. One step per majority MS that enables it (and per choice of one 1b message
        per member, always one), as TLC counts ``\\E MS`` and ``\\A ac: \\E m``."""
        msgs = inst.msgs
        if any(("phase2a", b, v) in msgs for v in VALUES):
            return []
        reports = [m for m in self.present(inst, "phase1b") if m[1] == b]
        out: list[InstanceStep] = []
        for ms in self.majorities:
            mset = [m for m in reports if m[4] in ms]
            ways = prod(sum(1 for m in mset if m[4] == a) for a in ms)
            if not ways:
                continue
            maxbal = max(int(m[2]) for m in mset)  # Maximum; -1 when no member voted
            # CHOOSE m \in mset : m.bal = maxbal. All votes of one ballot are for the value of
            # its one 2a message, so which report is chosen does not change the value.
            val = "aborted" if maxbal == -1 else next(m[3] for m in mset if m[2] == maxbal)
            label = ("Phase2a", b, self.rm_names[r], self.names(ms))
            out += [(label, self.send(inst, ("phase2a", b, val)))] * ways
        return out

    def phase1b(self, r: int, inst: Instance, a: int) -> list[InstanceStep]:
        """Phase1b(acc) in one instance: answer a 1a message of a ballot above mbal with the
        acceptor's latest vote, and join that ballot."""
        me = inst.acc[a]
        out: list[InstanceStep] = []
        for m in self.present(inst, "phase1a"):
            b = int(m[1])
            if me.mbal < b:
                after = Instance(_put(inst.acc, a, me._replace(mbal=b)), inst.msgs)
                report = ("phase1b", b, me.bal, me.val, a)
                label = ("Phase1b", self.acc_names[a], self.rm_names[r], b)
                out.append((label, self.send(after, report)))
        return out

    def phase2b(self, r: int, inst: Instance, a: int) -> list[InstanceStep]:
        """Phase2b(acc) in one instance: vote for the value of a 2a message whose ballot is at
        least mbal (voting again in the same ballot changes nothing: a self-loop)."""
        me = inst.acc[a]
        out: list[InstanceStep] = []
        for m in self.present(inst, "phase2a"):
            b, v = int(m[1]), str(m[2])
            if me.mbal <= b:
                after = Instance(_put(inst.acc, a, Acc(b, b, v)), inst.msgs)
                label = ("Phase2b", self.acc_names[a], self.rm_names[r], b, v)
                out.append((label, self.send(after, ("phase2b", a, b, v))))
        return out

    def instance_steps(self, r: int, inst: Instance) -> list[InstanceStep]:
        """Every step that touches only instance r: for each ballot Phase1a then Phase2a,
        then for each acceptor Phase1b then Phase2b (PCNext's order within the instance)."""
        out: list[InstanceStep] = []
        for b in self.leader_ballots:
            out += self.phase1a(r, inst, b)
            out += self.phase2a(r, inst, b)
        for a in range(self.acceptors):
            out += self.phase1b(r, inst, a)
            out += self.phase2b(r, inst, a)
        return out

    def decided(self, inst: Instance, v: str) -> list[tuple[int, tuple[int, ...]]]:
        """Decided(rm, v) as its witnesses: each (ballot, majority) whose members all sent a
        2b message for v in that ballot (TLC makes one Decide step per witness)."""
        return [
            (b, ms)
            for b in self.ballots
            for ms in self.majorities
            if all(("phase2b", a, b, v) in inst.msgs for a in ms)
        ]

    # -- packing -------------------------------------------------------------------------------

    def rm_states(self, state: State) -> tuple[int, ...]:
        """rmState, as numbers."""
        return tuple(state >> 2 * r & 3 for r in range(self.rms))

    def instance(self, state: State, r: int) -> Instance:
        """Instance r of the packed state, unpacked."""
        return self.decode_instance(state >> self.shifts[r] & self.inst_mask)

    def decode_instance(self, bits: int) -> Instance:
        """An instance's bits, unpacked (remembered: traces and tests ask again and again)."""
        known = self.decoded.get(bits)
        if known is not None:
            return known
        width = self.acc_bits
        mask = (1 << width) - 1
        acc = tuple(self.acc_states[bits >> a * width & mask] for a in range(self.acceptors))
        msgs = frozenset(m for m in self.universe if bits >> self.msg_bit[m] & 1)
        inst = self.decoded[bits] = Instance(acc, msgs)
        return inst

    def encode_instance(self, inst: Instance) -> int:
        """An instance packed into its bits (the inverse of ``decode_instance``)."""
        bits = 0
        for a, me in enumerate(inst.acc):
            bits |= self.acc_index[me] << a * self.acc_bits
        for m in inst.msgs:
            if m not in self.msg_bit:
                raise ValueError(f"message {m!r} is outside the message universe")
            bits |= 1 << self.msg_bit[m]
        return bits

    def _rm_moves(self, low: int) -> tuple[tuple[Any, int, int], ...]:
        """The RMs' steps when the low bits (rmState, Commit, Abort) are ``low``, in PCNext's
        order: per RM, RMPrepare, RMChooseToAbort, RMRcvCommitMsg, RMRcvAbortMsg."""
        out: list[tuple[Any, int, int]] = []
        for r, st in enumerate(self.rm_states(low)):
            name, at = self.rm_names[r], 2 * r
            if st == WORKING:
                sent = 1 << self.shifts[r] + self.msg_bit["phase2a", 0, "prepared"]
                out.append((("RMPrepare", name), PREPARED - st << at, sent))
                sent = 1 << self.shifts[r] + self.msg_bit["phase2a", 0, "aborted"]
                out.append((("RMChooseToAbort", name), ABORTED - st << at, sent))
            if low & self.commit_bit:
                out.append((("RMRcvCommitMsg", name), COMMITTED - st << at, 0))
            if low & self.abort_bit:
                out.append((("RMRcvAbortMsg", name), ABORTED - st << at, 0))
        return tuple(out)

    def _entry(self, r: int, bits: int) -> Entry:
        """Instance r's steps and decisions when its bits are ``bits`` (cached): its steps
        followed by the Abort steps its decision enables, once as they are when Abort was not
        sent yet and once as they are when it was (then they add nothing: self-loops), and the
        ways Decided(rm, "prepared") holds."""
        inst = self.decode_instance(bits)
        shift, name = self.shifts[r], self.rm_names[r]
        moves = tuple(
            (label, self.encode_instance(after) - bits << shift)
            for label, after in self.instance_steps(r, inst)
        )
        aborts = [
            ("Decide", "Abort", name, b, self.names(ms)) for b, ms in self.decided(inst, "aborted")
        ]
        ways = tuple((name, b, self.names(ms)) for b, ms in self.decided(inst, "prepared"))
        entry = (
            moves + tuple((label, self.abort_bit) for label in aborts),
            moves + tuple((label, 0) for label in aborts),
            ways,
        )
        self.caches[r][bits] = entry
        return entry

    # -- the hot path ----------------------------------------------------------------------------

    def actions(self, state: State) -> list[tuple[Any, State]]:
        """PCNext: the RMs' steps; each instance's leader and acceptor steps, and the Abort
        steps of Decide it enables (one per witness); then Commit steps (one per combination
        of the instances' witnesses)."""
        out = [
            (label, state + add | sent) for label, add, sent in self.rm_moves[state & self.low_mask]
        ]
        inst_mask = self.inst_mask
        sent_abort = 1 if state & self.abort_bit else 0
        commit_ways = []
        for shift, cache, r in self.instances:
            bits = state >> shift & inst_mask
            entry = cache.get(bits) or self._entry(r, bits)
            out += [(label, state + add) for label, add in entry[sent_abort]]
            commit_ways.append(entry[2])
        if all(commit_ways):
            commit = state | self.commit_bit
            out += [(("Decide", "Commit", *c), commit) for c in product(*commit_ways)]
        return out

    # -- properties --------------------------------------------------------------------------

    @always
    def PCTypeOK(self, state: State) -> bool:
        """rmState, aState and every message are of the spec's types.

        The invariant PaxosCommit.cfg checks. Judged per RM and per instance, once per
        distinct value of their bits."""
        if state < 0 or state >> self.total_bits or not self.rm_type_ok[state & self.rm_mask]:
            return False
        cache, inst_mask = self.type_ok_cache, self.inst_mask
        for shift in self.shifts:
            bits = state >> shift & inst_mask
            ok = cache.get(bits)
            if ok is None:
                ok = cache[bits] = self.instance_type_ok(bits)
            if not ok:
                return False
        return True

    def instance_type_ok(self, bits: int) -> bool:
        """aState[rm] and the messages of instance rm are of the spec's types."""
        mask = (1 << self.acc_bits) - 1
        for a in range(self.acceptors):
            index = bits >> a * self.acc_bits & mask
            if index >= len(self.acc_states):
                return False
            me = self.acc_states[index]
            if not (
                me.mbal in self.ballots
                and me.bal in (-1, *self.ballots)
                and me.val in (*VALUES, NONE)
            ):
                return False
        inst = self.decode_instance(bits)
        return all(self.is_message(m) for m in inst.msgs)

    def is_message(self, m: Msg) -> bool:
        """m (with any ins) is in the spec's set Message."""
        ballots, accs = self.ballots, range(self.acceptors)
        if m[0] == "phase1a":
            return len(m) == 2 and m[1] in self.leader_ballots
        if m[0] == "phase1b":
            return (
                len(m) == 5
                and m[1] in ballots
                and m[2] in (-1, *ballots)
                and m[3] in (*VALUES, NONE)
                and m[4] in accs
            )
        if m[0] == "phase2a":
            return len(m) == 3 and m[1] in ballots and m[2] in VALUES
        if m[0] == "phase2b":
            return len(m) == 4 and m[1] in accs and m[2] in ballots and m[3] in VALUES
        return False

    @always
    def TCConsistent(self, state: State) -> bool:
        """No RM has committed while another has aborted.

        TCommit's invariant, which PaxosCommit implements (TC!TCConsistent)."""
        return self.tc_ok[state & self.rm_mask]

    # -- for people and tests ----------------------------------------------------------------

    def names(self, accs: tuple[int, ...]) -> tuple[str, ...]:
        """Acceptor numbers as names: (0, 2) is ("a1", "a3")."""
        return tuple(self.acc_names[a] for a in accs)

    def decode(
        self, state: State
    ) -> tuple[tuple[str, ...], tuple[tuple[Acc, ...], ...], frozenset[Msg]]:
        """The spec's three variables: rmState, aState (per RM, per acceptor) and msgs, each
        message a tuple with its ins: ``(kind, ins, ...the instance message's fields)``,
        ``("Commit",)`` and ``("Abort",)``; RMs and acceptors are numbers."""
        rm = tuple(RM_STATES[st] for st in self.rm_states(state))
        insts = [self.instance(state, r) for r in range(self.rms)]
        msgs: set[Msg] = {(m[0], r, *m[1:]) for r, inst in enumerate(insts) for m in inst.msgs}
        if state & self.commit_bit:
            msgs.add(("Commit",))
        if state & self.abort_bit:
            msgs.add(("Abort",))
        return rm, tuple(inst.acc for inst in insts), frozenset(msgs)

    def record(self, ins: int, m: Msg) -> dict[str, Any]:
        """A phase message as the spec's record, without its type."""
        rm, acc = self.rm_names[ins], self.acc_names
        if m[0] == "phase1a":
            return {"ins": rm, "bal": m[1]}
        if m[0] == "phase1b":
            return {"ins": rm, "mbal": m[1], "bal": m[2], "val": m[3], "acc": acc[int(m[4])]}
        if m[0] == "phase2a":
            return {"ins": rm, "bal": m[1], "val": m[2]}
        return {"acc": acc[int(m[1])], "ins": rm, "bal": m[2], "val": m[3]}

    def show(self, state: State) -> Mapping[str, Any]:
        insts = [self.instance(state, r) for r in range(self.rms)]
        kinds = ("phase1a", "phase1b", "phase2a", "phase2b")
        msgs: dict[str, Any] = {
            kind: [
                self.record(r, m) for r, inst in enumerate(insts) for m in self.present(inst, kind)
            ]
            for kind in kinds
        }
        msgs["decision"] = [
            word
            for word, bit in (("Commit", self.commit_bit), ("Abort", self.abort_bit))
            if state & bit
        ]
        return {
            "rmState": {
                self.rm_names[r]: RM_STATES[st] for r, st in enumerate(self.rm_states(state))
            },
            "aState": {
                self.rm_names[r]: {self.acc_names[a]: me._asdict() for a, me in enumerate(inst.acc)}
                for r, inst in enumerate(insts)
            },
            "msgs": msgs,
        }


def _put(row: tuple[Acc, ...], i: int, x: Acc) -> tuple[Acc, ...]:
    """``row`` with position i set to x (the spec's ``[f EXCEPT ![i] = x]``)."""
    return (*row[:i], x, *row[i + 1 :])
