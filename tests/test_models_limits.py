"""The limits of distributed systems: the two generals never agree for certain."""

from __future__ import annotations

import pytest

from modelcheck import check, follow, format_label
from models.limits.two_generals import TwoGenerals


@pytest.mark.parametrize(
    ("rounds", "distinct"),
    [(0, 9), (1, 14), (2, 19), (3, 24)],
)
def test_capturing_the_last_messenger_splits_the_generals_whatever_the_rounds(
    rounds: int, distinct: int
) -> None:
    system = TwoGenerals(rounds=rounds)
    result = check(system, keep_going=True)
    assert result.complete and result.distinct == distinct
    assert result.status("agree") == "violated"
    trace = result.properties[0].trace
    assert trace is not None and len(trace) == rounds + 3
    actions = [format_label(step.label) for step in trace.steps[1:]]
    # Every messenger but the last arrives; the last one is captured; then dawn, twice.
    senders = ["a", "b"] * (rounds + 1)
    arrived = [f"deliver({senders[m]}, {senders[m + 1]}, {m + 1})" for m in range(rounds)]
    last = f"drop({senders[rounds]}, {senders[rounds + 1]}, {rounds + 1})"
    assert actions[: rounds + 1] == [*arrived, last]
    assert sorted(actions[rounds + 1 :]) == ["timeout(a, dawn)", "timeout(b, dawn)"]
    decisions = {name: s.decision for name, s in system.live_states(trace.final).items()}
    # The last messenger's sender got everything due to it and attacks; the other does not.
    attacker = senders[rounds]
    assert decisions[attacker] == "attack"
    assert set(decisions.values()) == {"attack", "retreat"}


def test_without_losses_the_generals_agree_and_attack() -> None:
    system = TwoGenerals(rounds=1, drops=0)
    result = check(system, keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (6, 7, 5)
    assert [(p.name, p.status) for p in result.properties] == [
        ("agree", "holds"),
        ("both_attack", "reached"),
    ]


def test_dawn_waits_until_no_messenger_is_on_the_road() -> None:
    system = TwoGenerals(rounds=1)
    start = follow(system, []).final
    labels = [format_label(label) for label, _ in system.actions(start)]
    assert labels == ["deliver(a, b, 1)", "drop(a, b, 1)"]
    # A captured first messenger: nobody attacks, and both say so at dawn.
    trace = follow(system, ["drop(a, b, 1)", "timeout(a, dawn)", "timeout(b, dawn)"])
    assert {s.decision for s in system.live_states(trace.final).values()} == {"retreat"}
