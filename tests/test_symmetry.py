"""Symmetry reduction: exact orbit counts, concrete replayed traces, clear refusals."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import UsageError, check, replay
from models.classic.two_phase import State, TwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase
from models.intro.lossy_ping import FairLossyPing
from tests.graph_model import GraphModel


@pytest.mark.parametrize(
    ("rms", "orbits", "generated", "depth"),
    # TLC with SYMMETRY Permutations(RM) (../shared/reference/tlc.md): 553, 920, 1,461
    # orbits; our generated counts happen to equal TLC's too (4,328, 8,410, 15,287).
    [(6, 553, 4_328, 20), (7, 920, 8_410, 23), (8, 1_461, 15_287, 26)],
)
def test_two_phase_orbits_equal_tlc(rms: int, orbits: int, generated: int, depth: int) -> None:
    result = check(TwoPhase(rms=rms), symmetry=True)
    assert (result.distinct, result.generated, result.depth) == (orbits, generated, depth)
    assert result.complete and {p.status for p in result.properties} == {"holds"}


def test_orbits_partition_the_full_state_space() -> None:
    model = TwoPhase(rms=4)
    full = check(model, keep_going=True)
    assert full.distinct == 1_568
    store_orbits = {model.canonical(s) for s in _all_states(model)}
    assert check(model, symmetry=True).distinct == len(store_orbits)


def _all_states(model: TwoPhase) -> set[State]:
    seen: set[State] = set(model.init_states())
    frontier = list(seen)
    while frontier:
        state = frontier.pop()
        for _, nxt in model.actions(state):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def test_a_violation_found_on_orbits_is_a_concrete_shortest_run() -> None:
    reduced = check(HastyTwoPhase(rms=5), symmetry=True)
    plain = check(HastyTwoPhase(rms=5))
    trace = reduced.verdict("TCConsistent").trace
    assert trace is not None and plain.verdict("TCConsistent").trace is not None
    assert len(trace) == len(plain.verdict("TCConsistent").trace) == 9  # type: ignore[arg-type]
    assert reduced.distinct == 230 and plain.distinct == 5_237
    again = replay(HastyTwoPhase(rms=5), trace.path)
    assert [s.state for s in again.steps] == [s.state for s in trace.steps]
    assert [s.action for s in trace.steps[-2:]] == ["TMCommit", "RMRcvCommitMsg(r5)"]


def test_symmetry_is_refused_where_it_is_not_declared_or_not_sound() -> None:
    with pytest.raises(UsageError) as info:
        check(GraphModel({0: [1]}), symmetry=True)
    assert str(info.value) == (
        "GraphModel declares no symmetry: define canonical(state) to use --symmetry"
    )

    class SymmetricPing(FairLossyPing):
        def canonical(self, state: Any) -> Any:
            return state

    with pytest.raises(UsageError) as unsound:
        check(SymmetricPing(), symmetry=True)
    assert str(unsound.value) == (
        "symmetry reduction cannot judge liveness properties (answered): a cycle of "
        "representatives need not be a cycle of states, nor fair per node (TLC's is unsound "
        "here): run without --symmetry (or with --safety-only)"
    )
