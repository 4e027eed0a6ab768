r"""Two-phase commit refines transaction commit, as TwoPhase.tla states of TCommit.tla.

TwoPhase.tla ends with ``THEOREM TPSpec => TC!TCSpec``, where ``TC == INSTANCE TCommit``:
every behaviour of two-phase commit, seen through its RMs' states alone, is a behaviour of
the specification. ``@refines(TCommit)`` checks that on every step: the RMs' states map to
TCommit's state, and each step is one of TCommit's steps or leaves the RMs' states as they
were (a message sent or received, the TM deciding).

``TwoPhaseRefinesTCommit`` holds (288 distinct states, as TwoPhase). ``HastyRefinesTCommit``
does not: its TM commits once a majority is prepared, and an RM's commit while another is
still working is no step of TCommit (an RM may commit only when every RM is prepared or
committed). The counterexample has 6 steps, the last one that commit: one step shorter
than TCConsistent's, which needs the third RM to abort as well.
"""

from __future__ import annotations

from modelcheck import refines
from models.classic.tcommit import State as TCState
from models.classic.tcommit import TCommit
from models.classic.two_phase import RM_STATES, State, TwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase


def rm_states(state: State) -> TCState:
    """TwoPhase's RM states as TCommit's: ``rmState`` is the variable both specs share."""
    return tuple(RM_STATES[rm] for rm in state[0])


class TwoPhaseRefinesTCommit(TwoPhase):
    """Two-phase commit, checked to implement transaction commit (TPSpec => TC!TCSpec)."""

    @refines(TCommit)
    def implements_tcommit(self, state: State) -> TCState:
        """Every behaviour, seen through the RMs' states, is one of TCommit's."""
        return rm_states(state)


class HastyRefinesTCommit(HastyTwoPhase):
    """The hasty two-phase commit, checked to implement transaction commit (it does not)."""

    @refines(TCommit)
    def implements_tcommit(self, state: State) -> TCState:
        """Every behaviour, seen through the RMs' states, is one of TCommit's."""
        return rm_states(state)
