"""Inductive invariants and bounded model checking: proofs for any number of nodes, small
counterexamples to induction that are real steps, and BMC that agrees with the explicit
explorer on TwoPhase."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import Model, check
from modelcheck.errors import ModelError
from modelcheck.model import format_label
from modelcheck.render._states import plain_state
from modelcheck.render.text import format_trace
from modelcheck.symbolic import Formula, State, System, bmc, invariant, prove_inductive, trace_view
from modelcheck.trace import Step, Trace
from models.classic.two_phase import TwoPhase as ExplicitTwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase as ExplicitHasty
from models.symbolic.lock_server import LockServer
from models.symbolic.ring import RingLeader
from models.symbolic.ring_missing_conjunct import RingMissingConjunct
from models.symbolic.two_phase import TwoPhase
from models.symbolic.two_phase_hasty import HastyTwoPhase
from tests.symbolic_models import Cubes, ExplicitMutated, GreedyLockServer, SymbolicMutated

# -- induction ------------------------------------------------------------------------------


def test_ring_leader_election_is_inductive_for_any_ring() -> None:
    report = prove_inductive(RingLeader())
    assert report.invariants == (
        "one_leader",
        "leader_max",
        "self_pending_max",
        "pending_passes_max",
    )
    assert report.unbounded_sorts == ("node",)
    assert [(o.name, o.status) for o in report.obligations] == [
        ("initiation", "proved"),
        ("send", "proved"),
        ("recv", "proved"),
    ]
    assert report.exit_code == 0


def test_lock_server_is_inductive_for_any_number_of_clients() -> None:
    report = prove_inductive(LockServer())
    assert {o.status for o in report.obligations} == {"proved"}
    assert [o.name for o in report.obligations] == [
        "initiation",
        "send_lock",
        "recv_lock",
        "recv_grant",
        "unlock",
        "recv_unlock",
    ]


def _nodes(state: dict[str, Any]) -> list[str]:
    return [a for a, b in state["le"] if a == b]


def _ring_axioms_hold(state: dict[str, Any]) -> None:
    nodes = _nodes(state)
    le = {tuple(p) for p in state["le"]}
    btw = {tuple(t) for t in state["btw"]}
    for x in nodes:
        for y in nodes:
            assert ((x, y) in le) != ((y, x) in le) or x == y  # total and antisymmetric
            for z in nodes:
                if (x, y) in le and (y, z) in le:
                    assert (x, z) in le
                if len({x, y, z}) == 3:
                    assert ((x, y, z) in btw) != ((x, z, y) in btw)
                    assert ((x, y, z) in btw) == ((y, z, x) in btw)


def test_a_missing_conjunct_gives_a_small_counterexample_to_induction() -> None:
    report = prove_inductive(RingMissingConjunct())
    assert report.invariants == ("one_leader", "leader_max", "self_pending_max")
    init, send, recv = report.obligations
    assert (init.status, send.status, recv.status) == ("proved", "proved", "refuted")
    assert report.exit_code == 1
    assert recv.broken == ("self_pending_max",)
    assert recv.sizes == (("node", 3),)  # with two nodes there is no node to skip
    assert recv.cti is not None and len(recv.cti) == 1
    before, after = recv.cti.steps[0].state, recv.cti.steps[1].state
    label = recv.cti.steps[1].label
    assert label[0] == "recv"
    sender, n, nxt = label[1:]
    _ring_axioms_hold(before)
    le = {tuple(p) for p in before["le"]}
    nodes = _nodes(before)

    def self_pending_max(state: dict[str, Any]) -> bool:
        return all((m, top) in le for a, top in state["pending"] if a == top for m in nodes)

    assert len(before["leader"]) <= 1
    assert all((m, top) in le for top in before["leader"] for m in nodes)
    assert self_pending_max(before) and not self_pending_max(after)
    # and it is a real recv step: the message was pending, n's next node gets it
    assert [sender, n] in before["pending"] and sender != n and (n, sender) in le
    assert [sender, nxt] in after["pending"] and after["leader"] == before["leader"]


def test_mutual_exclusion_alone_is_not_inductive() -> None:
    report = prove_inductive(LockServer(), ["mutex"])
    refuted = [o for o in report.obligations if o.status == "refuted"]
    assert [o.name for o in refuted] == ["recv_grant"]
    (o,) = refuted
    assert o.broken == ("mutex",) and o.sizes == (("node", 2),)
    assert o.cti is not None
    before, after = (step.state for step in o.cti.steps)
    (n,) = o.cti.steps[1].label[1:]
    assert len(before["holds_lock"]) == 1 and n in before["grant_msg"]
    assert after["holds_lock"] == sorted({*before["holds_lock"], n})
    assert after["grant_msg"] == [m for m in before["grant_msg"] if m != n]
    for unchanged in ("lock_msg", "unlock_msg", "server_holds_lock"):
        assert after[unchanged] == before[unchanged]


def test_two_phase_commit_is_consistent_for_any_number_of_resource_managers() -> None:
    report = prove_inductive(TwoPhase(rms=0))
    assert report.unbounded_sorts == ("rm",)
    assert len(report.invariants) == 7 and report.invariants[0] == "TCConsistent"
    assert len(report.obligations) == 8
    assert {o.status for o in report.obligations} == {"proved"}
    alone = prove_inductive(TwoPhase(rms=0), ["TCConsistent"])
    assert [o.name for o in alone.obligations if o.status == "refuted"] == [
        "RMChooseToAbort",
        "RMRcvCommitMsg",
        "RMRcvAbortMsg",
    ]
    assert {o.sizes for o in alone.obligations if o.cti} == {(("rm", 2),)}


def test_hasty_commit_needs_a_number_of_resource_managers() -> None:
    with pytest.raises(ModelError, match="HastyTwoPhase counts its resource managers"):
        HastyTwoPhase(rms=0)


class _DoneAtOnce(TwoPhase):
    @invariant
    def decided(self, s: State) -> Formula:
        """The TM has decided (false at first)."""
        return s.tmState == self.tm_done


def test_an_initial_state_that_breaks_the_invariant_is_shown() -> None:
    report = prove_inductive(_DoneAtOnce(rms=2), ["TCConsistent", "decided"])
    first = report.obligations[0]
    assert (first.name, first.status, first.broken) == ("initiation", "refuted", ("decided",))
    assert first.cti is not None and len(first.cti) == 0
    assert first.cti.steps[0].state["tmState"] == "init"
    assert report.exit_code == 1


def test_an_undecided_obligation_is_unknown() -> None:
    report = prove_inductive(Cubes(), timeout=0.2)
    assert [(o.name, o.status, o.reason) for o in report.obligations] == [
        ("initiation", "proved", ""),
        ("jump", "unknown", "timeout"),
    ]
    assert report.exit_code == 3


def test_unknown_invariant_names_are_clear_errors() -> None:
    with pytest.raises(ModelError) as info:
        prove_inductive(RingLeader(), ["one_leader", "leaders_max"])
    assert info.value.message == (
        "RingLeader has no invariant 'leaders_max' (its invariants: one_leader, leader_max, "
        "self_pending_max, pending_passes_max)"
    )


# -- bounded model checking -----------------------------------------------------------------


def _explicit_replay(explicit: Model[Any], system: System, trace: Trace) -> Trace:
    """Follow the BMC trace in the explicit model: same labels, same shown states."""
    view = trace_view(system)
    shown = [plain_state(view, step.state) for step in trace.steps]
    inits = list(explicit.init_states())
    first = next(i for i, s in enumerate(inits) if plain_state(explicit, s) == shown[0])
    out = Trace((Step(first, None, inits[first]),))
    for step, want in zip(trace.steps[1:], shown[1:], strict=True):
        options = list(explicit.actions(out.final))
        matches = [
            (i, label, nxt)
            for i, (label, nxt) in enumerate(options)
            if format_label(label) == step.action and plain_state(explicit, nxt) == want
        ]
        assert matches, f"no explicit step {step.action} to {want}"
        out = out.extend(*matches[0])
    return out


CASES = [
    (ExplicitHasty, HastyTwoPhase, "TCConsistent", 3),
    (ExplicitHasty, HastyTwoPhase, "TCConsistent", 4),
    *(
        (ExplicitMutated, SymbolicMutated, prop, rms)
        for prop in ("NoCommit", "TMNotDone", "PreparedNotAborted", "NotAllPrepared")
        for rms in (2, 3)
    ),
]


@pytest.mark.parametrize(("explicit_cls", "symbolic_cls", "prop", "rms"), CASES)
def test_bmc_and_explicit_bfs_agree_on_the_shortest_counterexample(
    explicit_cls: type[Model[Any]], symbolic_cls: type[System], prop: str, rms: int
) -> None:
    explicit = explicit_cls(rms=rms)
    verdict = check(explicit, keep_going=True).verdict(prop)
    assert verdict.status == "violated" and verdict.trace is not None
    shortest = len(verdict.trace)
    system = symbolic_cls(rms=rms)
    report = bmc(system, shortest + 1, [prop])
    (result,) = report.results
    assert (result.status, result.depth) == ("violated", shortest)
    assert result.trace is not None and len(result.trace) == shortest
    # the BMC counterexample is a run of the explicit model, and it reads the same
    same = _explicit_replay(explicit, system, result.trace)
    assert format_trace(explicit, same) == format_trace(trace_view(system), result.trace)
    assert report.exit_code == 1


def test_hasty_commit_is_harmless_with_two_managers_and_both_checkers_say_so() -> None:
    explicit = check(ExplicitHasty(rms=2))
    assert explicit.status("TCConsistent") == "holds"
    report = bmc(HastyTwoPhase(rms=2), explicit.depth - 1)
    assert [(r.status, r.trace) for r in report.results] == [("holds", None)]


def test_hasty_commit_needs_seven_steps_with_three_managers() -> None:
    report = bmc(HastyTwoPhase(), 6)
    (result,) = report.results
    assert (result.status, result.depth, result.trace) == ("unknown", 6, None)
    assert not report.complete and report.exit_code == 3
    report = bmc(HastyTwoPhase(), 12)
    assert [(r.status, r.depth) for r in report.results] == [("violated", 7)]


def test_bmc_proves_an_invariant_once_no_loop_free_path_is_longer() -> None:
    explicit_depth = check(ExplicitTwoPhase(rms=3)).depth  # BFS levels, the initial one is 1
    assert bmc(TwoPhase(rms=3), explicit_depth - 2).results[0].status == "unknown"
    report = bmc(TwoPhase(rms=3), explicit_depth - 1)
    assert report.complete
    assert [(r.name, r.status) for r in report.results] == [("TCConsistent", "holds")]
    assert report.exit_code == 0


def test_bmc_with_uninterpreted_sorts_finds_a_small_violation() -> None:
    report = bmc(GreedyLockServer(), 6, ["mutex"])
    (result,) = report.results
    assert report.results == bmc(GreedyLockServer(), 6).results  # mutex is the safety goal
    assert result.status == "violated" and result.trace is not None
    assert report.unbounded_sorts == ("node",)
    final = result.trace.final
    assert len(final["holds_lock"]) == 2
    actions = [step.label[0] for step in result.trace.steps[1:]]
    assert actions.count("recv_grant") == 2 and len(actions) == result.depth


def test_bmc_over_unbounded_sorts_is_never_a_proof() -> None:
    report = bmc(LockServer(), 3)
    assert [(r.name, r.status, r.note) for r in report.results] == [
        ("mutex", "unknown", "not a proof: sort node is unbounded")
    ]
    assert report.exit_code == 3


def test_bmc_reports_timeouts_as_unknown() -> None:
    report = bmc(Cubes(), 3, timeout=0.2)
    assert [(r.status, r.reason) for r in report.results] == [("unknown", "timeout at depth 1")]
    assert report.exit_code == 3


def test_bmc_rejects_unknown_invariants() -> None:
    with pytest.raises(ModelError, match="TwoPhase has no invariant 'Consistent'"):
        bmc(TwoPhase(), 3, ["Consistent"])
