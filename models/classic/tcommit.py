r"""Transaction commit, as in TLA+'s TCommit (transaction_commit/TCommit.tla).

The specification of *what* a commit protocol must achieve, with no messages and no
coordinator: ``rms`` resource managers (RMs) each start out working. A working RM may
prepare. An RM may commit once every RM is prepared or committed (so nobody can still
abort), and a working or prepared RM may abort as long as no RM has committed. TwoPhase and
2PCwithBTM are protocols that implement this specification.

Ported from Lamport's TCommit.tla in the tlaplus/Examples repository (config TCommit.cfg:
three RMs, no deadlock check). The next-state relation is ``\E rm: Prepare(rm) \/ Decide(rm)``
and ``Decide(rm)`` has two disjuncts, so each RM contributes up to three actions, in this
order: ``Prepare(rm)``, ``DecideCommit(rm)`` (the commit disjunct of Decide) and
``DecideAbort(rm)`` (the abort disjunct).

The state is ``rmState``: a tuple holding one of ``"working"``, ``"prepared"``,
``"committed"`` or ``"aborted"`` per RM, the RMs in the order r1, r2, ...

Checked: ``TCTypeOK`` (every RM state is one of the four) and ``TCConsistent`` (no RM has
committed while another has aborted); both hold. The counts equal TLC's: 34 distinct
states, 94 generated, depth 7 for 3 RMs; 96 / 357 / 9 for 4; 274 / 1,296 / 11 for 5.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck import Model, Param, always

WORKING, PREPARED, COMMITTED, ABORTED = "working", "prepared", "committed", "aborted"
RM_STATES = frozenset({WORKING, PREPARED, COMMITTED, ABORTED})

#: rmState: the state of each resource manager, in the order r1, r2, ...
State = tuple[str, ...]


class TCommit(Model[State]):
    """Transaction commit: the RMs prepare, then all commit or all abort (TLA+ TCommit)."""

    rms = Param(3, help="number of resource managers", min=1, max=12)

    def setup(self) -> None:
        self.names = tuple(f"r{r + 1}" for r in range(self.rms))

    def init_states(self) -> list[State]:
        return [(WORKING,) * self.rms]

    # -- the protocol's definitions -------------------------------------------------------

    @staticmethod
    def can_commit(state: State) -> bool:
        """canCommit: every RM is prepared or committed."""
        return all(s in (PREPARED, COMMITTED) for s in state)

    @staticmethod
    def not_committed(state: State) -> bool:
        """notCommitted: no RM has committed."""
        return COMMITTED not in state

    @staticmethod
    def set_rm(state: State, r: int, value: str) -> State:
        """``[rmState EXCEPT ![r] = value]``."""
        return (*state[:r], value, *state[r + 1 :])

    def actions(self, state: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        can_commit = self.can_commit(state)
        not_committed = self.not_committed(state)
        for r, name in enumerate(self.names):
            # Prepare(rm): a working RM becomes prepared.
            if state[r] == WORKING:
                out.append((("Prepare", name), self.set_rm(state, r, PREPARED)))
            # Decide(rm), first disjunct: a prepared RM commits once all could commit.
            if state[r] == PREPARED and can_commit:
                out.append((("DecideCommit", name), self.set_rm(state, r, COMMITTED)))
            # Decide(rm), second disjunct: an undecided RM aborts while nobody committed.
            if state[r] in (WORKING, PREPARED) and not_committed:
                out.append((("DecideAbort", name), self.set_rm(state, r, ABORTED)))
        return out

    # -- the invariants -------------------------------------------------------------------

    @always
    def TCTypeOK(self, state: State) -> bool:
        """Every resource manager is working, prepared, committed or aborted."""
        return len(state) == self.rms and all(s in RM_STATES for s in state)

    @always
    def TCConsistent(self, state: State) -> bool:
        """No resource manager has committed while another has aborted."""
        return not (COMMITTED in state and ABORTED in state)

    def show(self, state: State) -> Mapping[str, Any]:
        return {"rmState": dict(zip(self.names, state, strict=True))}
