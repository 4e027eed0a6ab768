"""A broken two-phase commit: the transaction manager commits once a majority is prepared.

Built on :mod:`models.classic.two_phase` to show what the checker does with a real bug: the
TM's ``TMCommit`` waits only for more than half of the resource managers, so one RM can
decide to abort on its own while the others commit. ``TCConsistent`` is violated; with 3 RMs
the shortest counterexample has 7 steps (two RMs prepare and the TM hears of both, the third
aborts, the TM commits, an RM obeys). ``make demo`` writes it to ``demo-out/``.
"""

from __future__ import annotations

from typing import Any

from models.classic.two_phase import TM_DONE, TM_INIT, State, TwoPhase


class HastyTwoPhase(TwoPhase):
    """Two-phase commit whose TM commits on a majority of Prepared messages (broken)."""

    def actions(self, state: State) -> list[tuple[Any, State]]:
        rm, tm, prepared, msgs = state
        out = [(label, nxt) for label, nxt in super().actions(state) if label != "TMCommit"]
        if tm == TM_INIT and 2 * prepared.bit_count() > self.rms:
            out.append(("TMCommit", (rm, TM_DONE, prepared, msgs | self.commit_bit)))
        return out
