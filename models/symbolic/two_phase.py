"""Two-phase commit (TLA+ TwoPhase) as a symbolic transition system, for bounded model
checking beside the explicit :mod:`models.classic.two_phase`.

The same protocol, action names and labels as the explicit model, with one finite sort of
resource managers (``rms`` of them) and enumerations for their states. ``show`` presents a
state exactly as the explicit model does, so a counterexample found by
``modelcheck prove bmc`` reads the same as one found by ``modelcheck check``.

``TCConsistent`` is not inductive alone; with the six invariants of ``inductive`` below it
is. With ``-p rms=0`` the resource managers are an uninterpreted sort, so
``modelcheck prove inductive models/symbolic/two_phase.py -p rms=0`` proves consistency for
every number of resource managers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import z3

from modelcheck import Param
from modelcheck.symbolic import (
    Formula,
    State,
    System,
    Term,
    action,
    exists,
    forall,
    invariant,
    safety,
)


class TwoPhase(System):
    """Two-phase commit with a transaction manager (TLA+ TwoPhase), symbolically."""

    rms = Param(3, help="number of resource managers (0: any number)", min=0, max=12)

    inductive: ClassVar[tuple[str, ...]] = (
        "TCConsistent",
        "committed_after_commit",
        "commit_or_abort",
        "commit_after_all_prepared",
        "heard_only_sent",
        "prepared_stays_until_told",
        "undecided_while_init",
    )

    def setup(self) -> None:
        if self.rms:
            self.rm = self.enum("rm", [f"r{r + 1}" for r in range(self.rms)])
        else:
            self.rm = self.sort("rm")
        self.rm_state = self.enum("rm_state", ["working", "prepared", "committed", "aborted"])
        self.tm_state = self.enum("tm_state", ["init", "done"])
        self.rmState = self.function("rmState", self.rm, result=self.rm_state)
        self.tmState = self.constant("tmState", self.tm_state)
        self.tmPrepared = self.relation("tmPrepared", self.rm)
        self.msgPrepared = self.relation("msgPrepared", self.rm)
        self.msgCommit = self.constant("msgCommit", self.BOOL)
        self.msgAbort = self.constant("msgAbort", self.BOOL)
        self.working, self.prepared, self.committed, self.aborted = self.rm_state.elements
        self.tm_init, self.tm_done = self.tm_state.elements

    def init(self, s: State) -> Formula:
        return z3.And(
            forall(self.rm, lambda r: s.rmState(r) == self.working),
            s.tmState == self.tm_init,
            forall(self.rm, lambda r: z3.Not(z3.Or(s.tmPrepared(r), s.msgPrepared(r)))),
            z3.Not(s.msgCommit),
            z3.Not(s.msgAbort),
        )

    def _rm_becomes(self, s: State, t: State, r: Term, value: Term) -> Formula:
        return t.rmState.becomes(lambda x: z3.If(x == r, value, s.rmState(x)))

    @action("rm", modifies="tmPrepared")
    def TMRcvPrepared(self, s: State, t: State, r: Term) -> Formula:
        """The TM hears that a resource manager is prepared."""
        return z3.And(
            s.tmState == self.tm_init,
            s.msgPrepared(r),
            t.tmPrepared.becomes(lambda x: z3.Or(s.tmPrepared(x), x == r)),
        )

    @action(modifies=("tmState", "msgCommit"))
    def TMCommit(self, s: State, t: State) -> Formula:
        """Every resource manager is prepared: the TM commits."""
        return z3.And(
            s.tmState == self.tm_init,
            forall(self.rm, lambda r: s.tmPrepared(r)),
            t.tmState == self.tm_done,
            t.msgCommit,
        )

    @action(modifies=("tmState", "msgAbort"))
    def TMAbort(self, s: State, t: State) -> Formula:
        """The TM aborts."""
        return z3.And(s.tmState == self.tm_init, t.tmState == self.tm_done, t.msgAbort)

    @action("rm", modifies=("rmState", "msgPrepared"))
    def RMPrepare(self, s: State, t: State, r: Term) -> Formula:
        """A working resource manager prepares and tells the TM."""
        return z3.And(
            s.rmState(r) == self.working,
            self._rm_becomes(s, t, r, self.prepared),
            t.msgPrepared.becomes(lambda x: z3.Or(s.msgPrepared(x), x == r)),
        )

    @action("rm", modifies="rmState")
    def RMChooseToAbort(self, s: State, t: State, r: Term) -> Formula:
        """A working resource manager aborts on its own."""
        return z3.And(s.rmState(r) == self.working, self._rm_becomes(s, t, r, self.aborted))

    @action("rm", modifies="rmState")
    def RMRcvCommitMsg(self, s: State, t: State, r: Term) -> Formula:
        """A resource manager obeys the Commit message."""
        return z3.And(s.msgCommit, self._rm_becomes(s, t, r, self.committed))

    @action("rm", modifies="rmState")
    def RMRcvAbortMsg(self, s: State, t: State, r: Term) -> Formula:
        """A resource manager obeys the Abort message."""
        return z3.And(s.msgAbort, self._rm_becomes(s, t, r, self.aborted))

    @safety
    def TCConsistent(self, s: State) -> Formula:
        """No resource manager commits while another aborts."""
        return z3.Not(
            z3.And(
                exists(self.rm, lambda r: s.rmState(r) == self.committed),
                exists(self.rm, lambda r: s.rmState(r) == self.aborted),
            )
        )

    @invariant
    def committed_after_commit(self, s: State) -> Formula:
        """A resource manager commits only once Commit was sent."""
        return forall(self.rm, lambda r: z3.Implies(s.rmState(r) == self.committed, s.msgCommit))

    @invariant
    def commit_or_abort(self, s: State) -> Formula:
        """The TM never sends both Commit and Abort."""
        return z3.Not(z3.And(s.msgCommit, s.msgAbort))

    @invariant
    def commit_after_all_prepared(self, s: State) -> Formula:
        """Commit is sent only once the TM heard every resource manager is prepared."""
        return z3.Implies(s.msgCommit, forall(self.rm, lambda r: s.tmPrepared(r)))

    @invariant
    def heard_only_sent(self, s: State) -> Formula:
        """The TM knows a resource manager is prepared only from its message."""
        return forall(self.rm, lambda r: z3.Implies(s.tmPrepared(r), s.msgPrepared(r)))

    @invariant
    def prepared_stays_until_told(self, s: State) -> Formula:
        """A resource manager that said Prepared stays prepared until the TM decides."""
        return forall(
            self.rm,
            lambda r: z3.Implies(
                s.msgPrepared(r),
                z3.Or(
                    s.rmState(r) == self.prepared,
                    z3.And(s.rmState(r) == self.committed, s.msgCommit),
                    z3.And(s.rmState(r) == self.aborted, s.msgAbort),
                ),
            ),
        )

    @invariant
    def undecided_while_init(self, s: State) -> Formula:
        """No decision is sent while the TM is in its initial state."""
        return z3.Implies(s.tmState == self.tm_init, z3.Not(z3.Or(s.msgCommit, s.msgAbort)))

    def show(self, state: Mapping[str, Any]) -> Mapping[str, Any]:
        """The explicit model's view: messages as one list, Prepared(r) first."""
        msgs = [f"Prepared({r})" for r in state["msgPrepared"]]
        msgs += [name for name in ("Commit", "Abort") if state[f"msg{name}"]]
        return {
            "rmState": state["rmState"],
            "tmState": state["tmState"],
            "tmPrepared": state["tmPrepared"],
            "msgs": msgs,
        }
