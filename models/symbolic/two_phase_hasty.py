"""The broken two-phase commit of :mod:`models.classic.two_phase_hasty`, symbolically: the
TM commits once a majority of resource managers is prepared.

``modelcheck prove bmc models/symbolic/two_phase_hasty.py --depth 10`` finds the same
shortest counterexample length as ``modelcheck check models/classic/two_phase_hasty.py``:
7 steps with 3 resource managers.
"""

from __future__ import annotations

import z3

from modelcheck.errors import ModelError
from modelcheck.symbolic import Formula, State, action
from models.symbolic.two_phase import TwoPhase


class HastyTwoPhase(TwoPhase):
    """Two-phase commit whose TM commits on a majority of Prepared messages (broken)."""

    def setup(self) -> None:
        if not self.rms:
            raise ModelError("HastyTwoPhase counts its resource managers: give rms >= 1")
        super().setup()

    @action(modifies=("tmState", "msgCommit"))
    def TMCommit(self, s: State, t: State) -> Formula:
        """More than half the resource managers are prepared: the TM commits (too early)."""
        prepared = z3.Sum([z3.If(s.tmPrepared(r), 1, 0) for r in self.rm.elements])
        return z3.And(
            s.tmState == self.tm_init,
            2 * prepared > self.rms,
            t.tmState == self.tm_done,
            t.msgCommit,
        )
