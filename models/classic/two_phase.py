"""Two-phase commit, as in TLA+'s TwoPhase (transaction_commit/TwoPhase.tla).

A transaction manager (TM) and ``rms`` resource managers (RMs). Each RM, while working,
may prepare (and tell the TM with a Prepared message) or decide on its own to abort. The TM
collects Prepared messages; once every RM is prepared it may broadcast Commit, and at any
time before that it may broadcast Abort. RMs obey the broadcast. Messages are never lost and
stay in the message set forever, exactly as in the TLA+ spec.

Checked: ``TPTypeOK`` and ``TCConsistent`` (no RM commits while another aborts); both hold.
State counts equal TLC's: 288 distinct states for 3 RMs, 1,568 for 4, 8,832 for 5.

The state is packed for speed, ``(rm_states, tm_state, tm_prepared, msgs)``: a tuple of RM
states, the TM state, a bitmask of RMs the TM knows prepared, and a bitmask of messages sent
(bit r: Prepared from RM r, then Commit, then Abort). ``show`` unpacks it for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck import Model, Param, always

WORKING, PREPARED, COMMITTED, ABORTED = range(4)
RM_STATES = ("working", "prepared", "committed", "aborted")
TM_INIT, TM_DONE = 0, 1
TM_STATES = ("init", "done")
_PREPARED, _COMMITTED, _ABORTED = (PREPARED,), (COMMITTED,), (ABORTED,)

State = tuple[tuple[int, ...], int, int, int]


class TwoPhase(Model[State]):
    """Two-phase commit with a transaction manager (TLA+ TwoPhase)."""

    rms = Param(3, help="number of resource managers", min=1, max=30)

    def setup(self) -> None:
        n = self.rms
        self.names = tuple(f"r{r + 1}" for r in range(n))
        self.rm_range = range(n)
        self.all_prepared = (1 << n) - 1
        self.commit_bit = 1 << n
        self.abort_bit = 1 << (n + 1)
        # Labels are built once: actions() runs for every state and must not allocate them.
        self.rcv_prepared = [("TMRcvPrepared", name) for name in self.names]
        self.prepare = [("RMPrepare", name) for name in self.names]
        self.choose_abort = [("RMChooseToAbort", name) for name in self.names]
        self.rcv_commit = [("RMRcvCommitMsg", name) for name in self.names]
        self.rcv_abort = [("RMRcvAbortMsg", name) for name in self.names]

    def init_states(self) -> list[State]:
        return [((WORKING,) * self.rms, TM_INIT, 0, 0)]

    def actions(self, state: State) -> list[tuple[Any, State]]:
        """TLA+'s TPNext: the TM's steps first, then each RM's, in a fixed order."""
        rm, tm, prepared, msgs = state
        out: list[tuple[Any, State]] = []
        append = out.append
        if tm == TM_INIT:
            for r in self.rm_range:
                if msgs >> r & 1:  # TMRcvPrepared(r): stays enabled once heard (a self-loop)
                    append((self.rcv_prepared[r], (rm, tm, prepared | 1 << r, msgs)))
            if prepared == self.all_prepared:
                append(("TMCommit", (rm, TM_DONE, prepared, msgs | self.commit_bit)))
            append(("TMAbort", (rm, TM_DONE, prepared, msgs | self.abort_bit)))
        commit = msgs & self.commit_bit
        abort = msgs & self.abort_bit
        for r in self.rm_range:
            working = rm[r] == WORKING
            if not (working or commit or abort):
                continue
            head, tail = rm[:r], rm[r + 1 :]
            if working:
                append((self.prepare[r], (head + _PREPARED + tail, tm, prepared, msgs | 1 << r)))
                append((self.choose_abort[r], (head + _ABORTED + tail, tm, prepared, msgs)))
            if commit:
                append((self.rcv_commit[r], (head + _COMMITTED + tail, tm, prepared, msgs)))
            if abort:
                append((self.rcv_abort[r], (head + _ABORTED + tail, tm, prepared, msgs)))
        return out

    @always
    def TPTypeOK(self, state: State) -> bool:
        """Every variable holds a value of its type."""
        rm, tm, prepared, msgs = state
        return (
            len(rm) == self.rms
            and min(rm) >= WORKING
            and max(rm) <= ABORTED
            and tm in (TM_INIT, TM_DONE)
            and 0 <= prepared <= self.all_prepared
            and 0 <= msgs < self.abort_bit << 1
        )

    @always
    def TCConsistent(self, state: State) -> bool:
        """No resource manager commits while another aborts."""
        rm = state[0]
        return not (COMMITTED in rm and ABORTED in rm)

    def canonical(self, state: State) -> State:
        """The resource managers are interchangeable (TLC's ``SYMMETRY Permutations(RM)``):
        sort each RM's record (its state, whether the TM heard it prepared, whether it sent
        Prepared) and rebuild the state from the sorted records. Sorting, not trying all
        rms! permutations, gives exactly one representative per orbit."""
        rm, tm, prepared, msgs = state
        records = sorted((rm[r], prepared >> r & 1, msgs >> r & 1) for r in self.rm_range)
        rm_sorted = tuple(record[0] for record in records)
        prepared_sorted = sum(record[1] << r for r, record in enumerate(records))
        sent_sorted = sum(record[2] << r for r, record in enumerate(records))
        decisions = msgs & (self.commit_bit | self.abort_bit)
        return (rm_sorted, tm, prepared_sorted, sent_sorted | decisions)

    def show(self, state: State) -> Mapping[str, Any]:
        rm, tm, prepared, msgs = state
        sent: list[str] = [f"Prepared({self.names[r]})" for r in range(self.rms) if msgs >> r & 1]
        sent += [
            kind
            for kind, bit in (("Commit", self.commit_bit), ("Abort", self.abort_bit))
            if msgs & bit
        ]
        return {
            "rmState": {self.names[r]: RM_STATES[s] for r, s in enumerate(rm)},
            "tmState": TM_STATES[tm],
            "tmPrepared": [self.names[r] for r in range(self.rms) if prepared >> r & 1],
            "msgs": sent,
        }
