"""The environment's steps (faults) are never forced by a liveness check: with the default
``"deadlock"`` stuttering a behaviour may stop where only they are enabled, unless a
fairness condition covers one; on a plain model, on the bully election with a spare crash,
on :global with a fair heal, over both stores, and in the lasso's re-check."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import Model, ModelError, Property, check, eventually, weak
from modelcheck.explore.liveness import lasso_problem
from modelcheck.trace import Step, Trace
from models.election.bully_claims import BullyHighestClaim, BullyLatestClaim
from models.registry.global_registry import GlobalRegistry, fair_step


class Split(Model[str]):
    """A cluster splits; only a heal (the environment's) joins it again."""

    def init_states(self) -> list[str]:
        return ["up"]

    def actions(self, s: str) -> list[tuple[Any, str]]:
        if s == "up":
            return [("split", "split")]
        if s == "split":
            return [("heal", "up2")]
        return []

    @eventually
    def rejoined(self, s: str) -> bool:
        """The cluster is whole again after the split."""
        return s == "up2"


class EnvironmentSplit(Split):
    environment = ("heal",)


class FairHealSplit(EnvironmentSplit):
    fairness = (weak("heal"),)


class WrongEnvironment(Split):
    def environment_steps(self) -> tuple[str, ...]:
        return (3,)  # type: ignore[return-value]


def _rejoined(model: Model[str]) -> Property:
    return next(p for p in model.properties() if p.name == "rejoined")


def test_a_plain_model_is_still_forced_to_take_its_one_step() -> None:
    assert check(Split()).status("rejoined") == "holds"


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_a_behaviour_may_stop_where_only_the_environment_acts(store: str) -> None:
    verdict = check(EnvironmentSplit(), store=store).verdict("rejoined")
    assert verdict.status == "violated"
    trace = verdict.trace
    assert trace is not None
    assert [s.action for s in trace.steps[1:]] == ["split"]
    assert (trace.loop, len(trace)) == (1, 1)
    assert verdict.note == (
        "rejoined is false in every state, and only the environment's steps (heal) are "
        "enabled at step 1, none of which a behaviour must take, so it may stay there forever"
    )


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_a_fair_environment_step_is_still_forced(store: str) -> None:
    assert check(FairHealSplit(), store=store).status("rejoined") == "holds"


def test_the_lasso_recheck_accepts_a_stop_only_where_the_environment_alone_acts() -> None:
    stop = Trace((Step(0, None, "up"), Step(0, "split", "split")), loop=1)
    assert lasso_problem(EnvironmentSplit(), _rejoined(Split()), stop, ()) is None
    assert lasso_problem(Split(), _rejoined(Split()), stop, ()) == (
        "it stops in a state where an action other than the environment's is enabled"
    )
    fair = FairHealSplit()
    assert lasso_problem(fair, _rejoined(fair), stop, fair.fairness_conditions()) == (
        "it is unfair to weak(heal)"
    )


def test_environment_steps_must_be_names() -> None:
    with pytest.raises(ModelError, match=r"^WrongEnvironment.environment_steps\(\) must give"):
        check(WrongEnvironment())


# -- actor systems: their faults are the environment's ----------------------------------------


def test_an_actor_system_names_its_faults_only_when_a_budget_allows_one() -> None:
    assert BullyLatestClaim().environment_steps() == ()
    assert BullyLatestClaim(crashes=1).environment_steps() == (
        "crash",
        "restart",
        "kill",
        "partition",
        "cut",
        "heal",
        "drop",
        "duplicate",
    )


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_a_spare_crash_does_not_rescue_a_stuck_election(store: str) -> None:
    result = check(BullyLatestClaim(crashes=1), keep_going=True, store=store)
    assert (result.distinct, result.generated) == (30, 82)
    verdict = result.verdict("agree_on_highest")
    assert verdict.status == "violated"
    trace = verdict.trace
    assert trace is not None
    assert trace.path == "0.0.0.1.0.0.0"
    assert (trace.loop, len(trace)) == (6, 6)  # stays in its last state forever
    assert [s.action for s in trace.steps[1:]] == [
        "deliver(n1, n2, [election, n1])",
        "deliver(n2, n1, [coordinator, n2])",
        "timeout(n1, no_ok)",
        "deliver(n1, n2, [coordinator, n1])",
        "deliver(n2, n1, [ok, n2])",
        "deliver(n2, n1, [coordinator, n2])",
    ]
    assert verdict.note == (
        "agree_on_highest is false at step 6, in the loop, and only the environment's steps "
        "(crash(n1), ...) are enabled at step 6, none of which a behaviour must take, so it "
        "may stay there forever"
    )


def test_the_fixed_election_holds_with_a_spare_crash() -> None:
    result = check(BullyHighestClaim(crashes=1), keep_going=True)
    assert result.status("agree_on_highest") == "holds"


class UnfairHeal(GlobalRegistry):
    """:global whose heal is not fair: a partition may last for ever."""

    fairness = (weak("deliver", "signal", "timeout", per=fair_step),)


def test_a_fair_heal_is_still_forced_and_an_unfair_one_is_not() -> None:
    fair = check(GlobalRegistry(partitions=1, heals=1), keep_going=True)
    assert (fair.distinct, fair.status("settles_on_one_holder")) == (3530, "holds")
    unfair = check(UnfairHeal(partitions=1, heals=1), keep_going=True)
    verdict = unfair.verdict("settles_on_one_holder")
    assert verdict.status == "violated"
    trace = verdict.trace
    assert trace is not None
    # Split for ever, the heal never taken: a's server pings b again and again.
    assert (trace.loop, len(trace)) == (9, 10)
    assert trace.steps[3].action == "partition([a], [b])"
    assert trace.steps[10].action == "timeout(<a.0>, [ping, b])"
    assert trace.steps[10].state.cut
