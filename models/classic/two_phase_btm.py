"""Two-phase commit with a backup transaction manager, as in TLA+'s 2PCwithBTM.

A transaction manager (TM), a backup transaction manager (BTM) and ``rms`` resource
managers (RMs) share their states directly (there are no messages). Each RM loops while it
is working or prepared: it may prepare, commit once the TM's state is "commit", abort if it
is still working or the TM's state is "abort", or fail (enter "failed" for good), provided
failures are allowed and no RM has failed yet. The TM waits until it can commit (every RM
prepared, or some RM already committed) or can abort (some RM aborted or failed and none
committed), records its decision, and then, if the TM may fail, crashes: its state becomes
"hidden". The BTM waits for a hidden TM and then takes the same kind of decision again.

Ported from Murat Demirbas's 2PCwithBTM.tla in the tlaplus/Examples repository, a PlusCal
algorithm, following its TLA+ translation, with the config 2PCwithBTM.cfg: three RMs,
``RMMAYFAIL = TRUE`` and ``TMMAYFAIL = TRUE`` (the defaults of the ``rm_may_fail`` and
``tm_may_fail`` parameters).

Each process steps from one PlusCal label to the next, and TLC's next-state relation is a
disjunction over them, enumerated here in the translation's order, one action per
disjunct that is enabled:

- TM (process 0): ``TSCommit`` and ``TSAbort`` (the two branches of label TS, which only
  move the pc to TC or TA), ``TC`` (decide commit), ``F1`` (fail, or do nothing if the TM
  may not fail), ``TA`` (decide abort), ``F2`` (like F1).
- BTM (process 10): ``BTSCommit`` and ``BTSAbort`` (the branches of BTS, which need a
  hidden TM), ``BTC`` and ``BTA`` (decide).
- each RM, in the order rm1, rm2, ...: label RS is one action with five disjuncts,
  ``Prepare``, ``DecideCommit``, ``DecideAbort`` and ``Fail`` while the loop runs (``Fail``
  leaves the state unchanged when failures are off or some RM has failed already, as the
  spec's ``if`` does, but it is still a step, which TLC counts), and ``RSExit`` which leaves
  the loop (pc becomes "Done") once the RM is committed, aborted or failed.
- ``Terminating``: once every process is Done, a step that changes nothing.

The state is ``(rm_state, tm_state, rm_pc, tm_pc, btm_pc)``: the spec's ``rmState`` (one
entry per RM), ``tmState``, and its ``pc`` function split by process (a tuple for the RMs,
then the TM's and the BTM's label). ``show`` writes them with the spec's names.

Checked: ``TypeOK`` (rmState and tmState hold values of their type) and ``Consistency``
(no RM has aborted while another has committed); both hold. The counts equal TLC's for the
config: 1,245 distinct states, 5,841 generated, depth 15.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from modelcheck import Model, Param, always

# RM states (rmState[rm]).
WORKING, PREPARED, COMMITTED, ABORTED, FAILED = (
    "working",
    "prepared",
    "committed",
    "aborted",
    "failed",
)
RM_STATES = frozenset({WORKING, PREPARED, COMMITTED, ABORTED, FAILED})
# TM states (tmState): "hidden" is a crashed TM.
INIT, COMMIT, ABORT, HIDDEN = "init", "commit", "abort", "hidden"
TM_STATES = frozenset({INIT, COMMIT, ABORT, HIDDEN})
# The PlusCal labels each process's pc may hold, and "Done" when it has finished.
DONE = "Done"


class State(NamedTuple):
    """One state of the algorithm: the spec's variables, its ``pc`` split by process."""

    rm_state: tuple[str, ...]  # rmState, RMs in order rm1, rm2, ...
    tm_state: str  # tmState
    rm_pc: tuple[str, ...]  # pc[rm]: "RS" or "Done"
    tm_pc: str  # pc[0]: "TS", "TC", "F1", "TA", "F2" or "Done"
    btm_pc: str  # pc[10]: "BTS", "BTC", "BTA" or "Done"


class TwoPhaseBTM(Model[State]):
    """Two-phase commit with a backup TM; RMs and TM may fail (TLA+ 2PCwithBTM)."""

    rms = Param(3, help="number of resource managers", min=1, max=8)
    rm_may_fail = Param(True, help="RMMAYFAIL: one resource manager may fail")
    tm_may_fail = Param(True, help="TMMAYFAIL: the transaction manager may fail")

    def setup(self) -> None:
        self.names = tuple(f"rm{r + 1}" for r in range(self.rms))

    def init_states(self) -> list[State]:
        n = self.rms
        return [State((WORKING,) * n, INIT, ("RS",) * n, "TS", "BTS")]

    # -- the algorithm's definitions ------------------------------------------------------

    @staticmethod
    def can_commit(state: State) -> bool:
        """canCommit: every RM is prepared, or some RM has committed (the BTM may follow)."""
        rm = state.rm_state
        return all(s == PREPARED for s in rm) or COMMITTED in rm

    @staticmethod
    def can_abort(state: State) -> bool:
        """canAbort: some RM has aborted or failed, and none has committed."""
        rm = state.rm_state
        return (ABORTED in rm or FAILED in rm) and COMMITTED not in rm

    # -- the processes' steps -------------------------------------------------------------

    def actions(self, state: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        self.tm_actions(state, out)
        self.btm_actions(state, out)
        for r in range(self.rms):
            self.rm_actions(state, r, out)
        # Terminating: every process is done; the step changes nothing.
        if state.tm_pc == DONE and state.btm_pc == DONE and all(p == DONE for p in state.rm_pc):
            out.append(("Terminating", state))
        return out

    def tm_actions(self, s: State, out: list[tuple[Any, State]]) -> None:
        """The TM: wait at TS for a decision it can take, take it, then maybe crash."""
        if s.tm_pc == "TS":
            if self.can_commit(s):
                out.append(("TSCommit", s._replace(tm_pc="TC")))
            if self.can_abort(s):
                out.append(("TSAbort", s._replace(tm_pc="TA")))
        elif s.tm_pc == "TC":
            out.append(("TC", s._replace(tm_state=COMMIT, tm_pc="F1")))
        elif s.tm_pc == "TA":
            out.append(("TA", s._replace(tm_state=ABORT, tm_pc="F2")))
        elif s.tm_pc in ("F1", "F2"):
            tm_state = HIDDEN if self.tm_may_fail else s.tm_state
            out.append((s.tm_pc, s._replace(tm_state=tm_state, tm_pc=DONE)))

    def btm_actions(self, s: State, out: list[tuple[Any, State]]) -> None:
        """The backup TM: once the TM is hidden, take the decision it can take."""
        if s.btm_pc == "BTS":
            if self.can_commit(s) and s.tm_state == HIDDEN:
                out.append(("BTSCommit", s._replace(btm_pc="BTC")))
            if self.can_abort(s) and s.tm_state == HIDDEN:
                out.append(("BTSAbort", s._replace(btm_pc="BTA")))
        elif s.btm_pc == "BTC":
            out.append(("BTC", s._replace(tm_state=COMMIT, btm_pc=DONE)))
        elif s.btm_pc == "BTA":
            out.append(("BTA", s._replace(tm_state=ABORT, btm_pc=DONE)))

    def rm_actions(self, s: State, r: int, out: list[tuple[Any, State]]) -> None:
        """RM ``r`` at label RS: one step of its loop, or leaving the loop."""
        if s.rm_pc[r] != "RS":
            return
        name = self.names[r]
        mine = s.rm_state[r]
        if mine not in (WORKING, PREPARED):
            # The loop's condition is false: the RM finishes, its state unchanged.
            done = (*s.rm_pc[:r], DONE, *s.rm_pc[r + 1 :])
            out.append((("RSExit", name), s._replace(rm_pc=done)))
            return
        # The loop body's four choices; pc stays at RS, so only rm_state changes.
        if mine == WORKING:
            out.append((("Prepare", name), self.set_rm(s, r, PREPARED)))
        if s.tm_state == COMMIT:
            out.append((("DecideCommit", name), self.set_rm(s, r, COMMITTED)))
        if mine == WORKING or s.tm_state == ABORT:
            out.append((("DecideAbort", name), self.set_rm(s, r, ABORTED)))
        if self.rm_may_fail and FAILED not in s.rm_state:
            out.append((("Fail", name), self.set_rm(s, r, FAILED)))
        else:
            out.append((("Fail", name), s))  # the if's missing else: a step that changes nothing

    @staticmethod
    def set_rm(s: State, r: int, value: str) -> State:
        """``rmState' = [rmState EXCEPT ![r] = value]``, everything else unchanged."""
        return s._replace(rm_state=(*s.rm_state[:r], value, *s.rm_state[r + 1 :]))

    # -- the invariants -------------------------------------------------------------------

    @always
    def TypeOK(self, state: State) -> bool:
        """rmState and tmState hold values of their types."""
        return (
            len(state.rm_state) == self.rms
            and all(s in RM_STATES for s in state.rm_state)
            and state.tm_state in TM_STATES
        )

    @always
    def Consistency(self, state: State) -> bool:
        """No resource manager has aborted while another has committed."""
        return not (ABORTED in state.rm_state and COMMITTED in state.rm_state)

    def show(self, state: State) -> Mapping[str, Any]:
        pc: dict[str, str] = dict(zip(self.names, state.rm_pc, strict=True))
        pc["0 (TM)"] = state.tm_pc
        pc["10 (BTM)"] = state.btm_pc
        return {
            "rmState": dict(zip(self.names, state.rm_state, strict=True)),
            "tmState": state.tm_state,
            "pc": pc,
        }
