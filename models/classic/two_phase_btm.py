r"""Two-phase commit with a backup transaction manager, as in TLA+'s 2PCwithBTM.

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
disjunction over those steps. They are listed here in the translation's order:

- TM (process 0): ``TSCommit`` and ``TSAbort`` (the two branches of label TS, which only
  move the pc to TC or TA), ``TC`` (decide commit), ``F1`` (crash, or do nothing if the TM
  may not fail), ``TA`` (decide abort), ``F2`` (like F1).
- BTM (process 10): ``BTSCommit`` and ``BTSAbort`` (the branches of BTS, which need a
  hidden TM), then ``BTC`` or ``BTA`` (decide).
- each RM, in the order rm1, rm2, ...: while the loop runs, label RS offers ``Prepare``,
  ``DecideCommit``, ``DecideAbort`` and ``Fail``; ``RSExit`` leaves the loop (pc becomes
  "Done") once the RM has committed, aborted or failed. ``Fail`` leaves the state unchanged
  when failures are off or some RM has failed already (the translation of the PlusCal
  ``if`` without ``else`` keeps rmState), but it is still a step, and TLC counts it.
- ``Terminating``: once every process is Done, a step that changes nothing.

One TLC rule matters for the generated count, not for the states: TLC evaluates a guard
inside an action by splitting every ``\/`` and every ``\E`` into separate branches, so a
guard that holds in k ways gives the same successor k times, and all k are counted. Three
guards split: canAbort (``\E rm`` that aborted or failed), canCommit (for every RM, itself
prepared or ``\E rm`` committed) and DecideAbort's ``working \/ tmState = "abort"``. The
model lists one step per way, and the label says which way: ``TSAbort(rm2)`` (rm2 has
aborted or failed), ``BTSCommit(rm3, rm3, rm3)`` (rm3 has committed and vouches for every
RM), ``DecideAbort(rm1, working)`` or ``DecideAbort(rm1, tm-abort)``. With one step per
guard instead, the search finds the same 1,245 states but generates 4,851. The repeats grow
fast with more RMs (with c RMs committed, BTS lists at least c ** rms BTSCommit steps): for 5
RMs the search takes about a second, for 6 (the most allowed) over a minute.

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
WORKING, PREPARED = "working", "prepared"
COMMITTED, ABORTED, FAILED = "committed", "aborted", "failed"
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

    rms = Param(3, help="number of resource managers", min=1, max=6)
    rm_may_fail = Param(True, help="RMMAYFAIL: one resource manager may fail")
    tm_may_fail = Param(True, help="TMMAYFAIL: the transaction manager may fail")

    def setup(self) -> None:
        self.names = tuple(f"rm{r + 1}" for r in range(self.rms))

    def init_states(self) -> list[State]:
        n = self.rms
        return [State((WORKING,) * n, INIT, ("RS",) * n, "TS", "BTS")]

    # -- the algorithm's definitions ------------------------------------------------------
    #
    # TLC evaluates a guard inside an action by splitting every \/ and every \E into
    # branches, each continuing with the rest of the action, so a guard that holds in k ways
    # yields the same successor k times, and TLC counts all k. These functions list the ways.

    def can_commit_ways(self, state: State) -> list[tuple[str, ...]]:
        r"""The ways canCommit holds; each names, for every RM, the RM that vouches for it.

        canCommit is ``\A rmc: rmState[rmc] = "prepared" \/ \E rm: rmState[rm] =
        "committed"``: the \E lies inside the \A (a quantifier reaches to the end of the
        definition). So every RM is vouched for either by itself, being prepared, or by any
        committed RM (the BTM may then follow a commit the hidden TM had made).
        """
        rm = state.rm_state
        committed = [self.names[c] for c, s in enumerate(rm) if s == COMMITTED]
        ways: list[tuple[str, ...]] = [()]
        for r, s in enumerate(rm):
            vouchers = ([self.names[r]] if s == PREPARED else []) + committed
            ways = [(*way, v) for way in ways for v in vouchers]
        return ways

    def can_abort_ways(self, state: State) -> list[str]:
        """The ways canAbort holds: each RM that has aborted or failed, if none committed."""
        rm = state.rm_state
        if COMMITTED in rm:
            return []
        return [self.names[r] for r, s in enumerate(rm) if s in (ABORTED, FAILED)]

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
            for vouchers in self.can_commit_ways(s):
                out.append((("TSCommit", *vouchers), s._replace(tm_pc="TC")))
            for culprit in self.can_abort_ways(s):
                out.append((("TSAbort", culprit), s._replace(tm_pc="TA")))
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
            if s.tm_state != HIDDEN:  # both branches of BTS wait for the TM to crash
                return
            for vouchers in self.can_commit_ways(s):
                out.append((("BTSCommit", *vouchers), s._replace(btm_pc="BTC")))
            for culprit in self.can_abort_ways(s):
                out.append((("BTSAbort", culprit), s._replace(btm_pc="BTA")))
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
        # Abort if still working or if the TM says abort: a disjunction, so one step per
        # disjunct that holds (see can_commit_ways above).
        if mine == WORKING:
            out.append((("DecideAbort", name, "working"), self.set_rm(s, r, ABORTED)))
        if s.tm_state == ABORT:
            out.append((("DecideAbort", name, "tm-abort"), self.set_rm(s, r, ABORTED)))
        if self.rm_may_fail and FAILED not in s.rm_state:
            out.append((("Fail", name), self.set_rm(s, r, FAILED)))
        else:
            out.append((("Fail", name), s))  # the if is false: a step that changes nothing

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
