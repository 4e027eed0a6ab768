"""Network semantics on a tiny system: counts worked out by hand in each test's comment.

One sender ``a`` sends m1 then m2 to ``b`` at start; ``b`` logs what arrives.
"""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck import check, follow, replay
from modelcheck.actors import Actor, ActorSystem, Out


class Sender(Actor[int]):
    def init(self, me: str, out: Out) -> int:
        out.send("b", "m1")
        out.send("b", "m2")
        return 0


class Logger(Actor[tuple[str, ...]]):
    def init(self, me: str, out: Out) -> tuple[str, ...]:
        return ()

    def on_message(
        self, me: str, state: tuple[str, ...], sender: str, msg: Any, out: Out
    ) -> tuple[str, ...]:
        return (*state, msg)


class TwoMessages(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Sender(), "b": Logger()}


def _counts(**params: Any) -> tuple[int, int, int]:
    result = check(TwoMessages(**params))
    assert result.complete
    return result.distinct, result.generated, result.depth


def test_fifo_delivers_in_send_order() -> None:
    # start [m1, m2] -> b got m1 -> b got m1, m2: 3 states, 1 + 2 generated, 3 levels.
    assert _counts() == (3, 3, 3)


def test_unordered_delivers_in_any_order() -> None:
    # start; b got m1 | b got m2; b got (m1, m2) | b got (m2, m1): 5 states,
    # generated 1 + 2 + 1 + 1 = 5, 3 levels.
    assert _counts(network="unordered") == (5, 5, 3)


def test_lossy_network_drops_within_its_budget() -> None:
    # From start: deliver m1 (S1), drop m1 (D1), drop m2 (D2). S1: deliver m2 (S2) or drop
    # m2 (S1D). D1: deliver m2. D2: deliver m1, which is S1D again (b got m1, nothing in
    # flight, one drop used). Distinct: start, S1, D1, D2, S2, S1D, D1+m2 = 7;
    # generated: 1 + 3 + 2 + 1 + 1 = 8; levels 3.
    assert _counts(drops=1) == (7, 8, 3)


def test_duplicating_network_copies_within_its_budget() -> None:
    # From start [m1, m2]: deliver m1 (A), duplicate m1 (B: [m1, m2, m1]), duplicate m2
    # (C: [m1, m2, m2]). A [m2]: deliver (A2), duplicate (A': b got m1, [m2, m2]).
    # B: deliver m1 (B1: [m2, m1]). C: deliver m1 = A'. A': deliver m2 (E: [m2]).
    # B1: deliver m2 (F: [m1]). E -> G (m1, m2, m2), F -> H (m1, m2, m1).
    # Distinct 11; generated 1 + 3 + 2 + 1 + 1 + 1 + 1 + 1 + 1 = 12; levels 5.
    assert _counts(duplicates=1) == (11, 12, 5)


def test_each_delivery_is_a_step_naming_sender_receiver_and_message() -> None:
    trace = replay(TwoMessages(network="unordered"), "0.1.0")
    assert [s.action for s in trace.steps[1:]] == ["deliver(a, b, m2)", "deliver(a, b, m1)"]
    trace = replay(TwoMessages(drops=1, duplicates=1), "0.2.0")
    assert [s.action for s in trace.steps[1:]] == ["drop(a, b, m2)", "deliver(a, b, m1)"]


def test_show_names_what_is_in_flight() -> None:
    system = TwoMessages()
    start = system.init_states()[0]
    assert system.show(start) == {"a": 0, "b": (), "in flight": ["a -> b: m1", "a -> b: m2"]}
    assert system.in_flight(start) == [("a", "b", "m1"), ("a", "b", "m2")]


@pytest.mark.parametrize("network", ["fifo", "unordered"])
def test_budgets_are_spent_and_shown(network: str) -> None:
    system = TwoMessages(network=network, drops=1)
    trace = follow(system, ["drop(a, b, m1)"])
    assert system.show(trace.final)["faults"] == {"drops": 1}
    labels = [label for label, _ in system.actions(trace.final)]
    assert labels == [("deliver", "a", "b", "m2")]
