"""The consistency checkers: known histories, a brute-force oracle, histories generated from a
real sequential register, and known-bad ones."""

from __future__ import annotations

from itertools import combinations, permutations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.consistency import (
    Event,
    HistoryError,
    Operation,
    Spec,
    cas_register,
    check_linearizable,
    check_sequential,
    fail,
    info,
    invoke,
    is_linearizable,
    is_sequentially_consistent,
    ok,
    operations,
    register,
)


def w(p: str, v: int) -> list[Event]:
    """A write by ``p`` that completes before anything else happens."""
    return [invoke(p, "write", v), ok(p, "write")]


def r(p: str, v: int) -> list[Event]:
    """A read by ``p`` that completes before anything else happens."""
    return [invoke(p, "read"), ok(p, "read", v)]


# -- known histories -------------------------------------------------------------------------


def test_a_stale_read_after_a_completed_write_is_caught_and_explained() -> None:
    history = w("c1", 1) + r("c2", 0)
    verdict = check_linearizable(history)
    assert not verdict and verdict.order is None
    assert verdict.prefix == 4
    assert verdict.culprit is not None and str(verdict.culprit) == "c2 read() -> 0"
    assert verdict.explanation == (
        "not linearizable: the first 4 events cannot be linearized; event 3 completes "
        "c2 read() -> 0, which has no legal place: wherever it can take effect it would return 1"
    )
    # Without real time the read may come first: sequentially consistent.
    assert str(check_sequential(history)) == (
        "sequentially consistent: c2 read() -> 0, c1 write(1)"
    )


def test_the_shortest_bad_prefix_is_reported_not_the_whole_history() -> None:
    history = w("a", 1) + r("b", 0) + w("a", 2) + r("b", 2) + r("a", 2)
    verdict = check_linearizable(history)
    assert (verdict.prefix, str(verdict.culprit)) == (4, "b read() -> 0")


def test_a_read_concurrent_with_a_write_may_see_either_value() -> None:
    for seen in (0, 1):
        history = [invoke("a", "write", 1), invoke("b", "read"), ok("b", "read", seen)]
        history.append(ok("a", "write"))
        verdict = check_linearizable(history)
        assert verdict and verdict.order is not None
        assert [op.f for op in verdict.order] == (["read", "write"] if seen == 0 else
                                                  ["write", "read"])  # fmt: skip


def test_a_new_then_old_read_during_one_write_is_not_linearizable() -> None:
    # b reads the new value and returns; then c, invoked later, reads the old one.
    history = [invoke("a", "write", 1), *r("b", 1), *r("c", 0), ok("a", "write")]
    verdict = check_linearizable(history)
    assert (verdict.ok, verdict.prefix, str(verdict.culprit)) == (False, 5, "c read() -> 0")
    assert is_sequentially_consistent(history)  # c's read can go first


def test_concurrent_writes_seen_in_both_orders() -> None:
    writes = [invoke("a", "write", 1), invoke("b", "write", 2)]
    done = [ok("a", "write"), ok("b", "write")]
    # c sees 1 then 2, d sees 2 then 1: no single order of the writes explains both.
    both = writes + r("c", 1) + r("c", 2) + r("d", 2) + r("d", 1) + done
    assert not is_linearizable(both)
    verdict = check_sequential(both)
    assert not verdict and verdict.culprit is not None
    assert verdict.explanation.startswith(
        "not sequentially consistent: no order that keeps each process's own order explains "
        "every result; at best 5 of 6 operations are explained"
    )
    # Both see 1 then 2: fine.
    agree = writes + r("c", 1) + r("d", 1) + r("c", 2) + r("d", 2) + done
    assert is_linearizable(agree) and is_sequentially_consistent(agree)
    # Once both writes have returned, the value no longer changes.
    after = writes + done + r("c", 1) + r("d", 2)
    assert not is_linearizable(after) and is_sequentially_consistent(after)


def test_a_pending_write_may_take_effect_or_not_but_not_before_its_invocation() -> None:
    pending = [invoke("a", "write", 1)]
    assert is_linearizable(pending + r("b", 1))
    assert is_linearizable(pending + r("b", 0) + r("b", 1))
    assert not is_linearizable(pending + r("b", 1) + r("b", 0))
    verdict = check_linearizable(pending + r("b", 1))
    assert verdict.order is not None and [str(op) for op in verdict.order] == [
        "a write(1) (pending)",
        "b read() -> 1",
    ]
    assert [str(op) for op in check_linearizable(pending + r("b", 0)).order or ()] == [
        "b read() -> 0"
    ]
    # A read that returned before the write was invoked cannot see it.
    early = [*r("b", 1), invoke("a", "write", 1)]
    assert not is_linearizable(early)
    assert is_sequentially_consistent(early)


def test_info_is_pending_and_the_process_may_go_on_and_fail_never_took_effect() -> None:
    history = [invoke("a", "write", 1), info("a", "write"), *r("a", 0), *r("b", 1)]
    assert is_linearizable(history) and is_sequentially_consistent(history)
    failed = [invoke("a", "write", 1), fail("a", "write"), *r("b", 1)]
    assert not is_linearizable(failed) and not is_sequentially_consistent(failed)
    assert [op.status for op in operations(failed)] == ["fail", "ok"]


def test_the_empty_history_and_a_history_of_reads_of_the_initial_value() -> None:
    assert str(check_linearizable([])) == "linearizable: no operation"
    assert is_linearizable(r("a", 0) + r("b", 0))
    assert not is_linearizable(r("a", 5))
    assert is_linearizable(r("a", 5), register(initial=5))


def test_compare_and_set_and_a_plugged_in_spec() -> None:
    twice = [invoke("a", "cas", (0, 1)), invoke("b", "cas", (0, 2))]
    twice += [ok("a", "cas", True), ok("b", "cas", True)]
    assert not is_linearizable(twice, cas_register())
    one = [*twice[:2], ok("a", "cas", True), ok("b", "cas", False), *r("c", 1)]
    assert is_linearizable(one, cas_register())

    def queue(state: tuple[int, ...], f: str, arg: Any) -> tuple[tuple[int, ...], Any]:
        if f == "enq":
            return (*state, arg), None
        return (state[1:], state[0]) if state else (state, None)

    fifo = Spec("queue", (), queue)
    enqs = [invoke("a", "enq", 1), ok("a", "enq"), invoke("a", "enq", 2), ok("a", "enq")]
    assert is_linearizable([*enqs, invoke("b", "deq"), ok("b", "deq", 1)], fifo)
    assert not is_linearizable([*enqs, invoke("b", "deq"), ok("b", "deq", 2)], fifo)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([ok("a", "read", 0)], "event 0 (a ok read 0): a has no operation outstanding"),
        (
            [invoke("a", "read"), invoke("a", "write", 1)],
            "event 1 (a invoke write 1): a already has an operation outstanding (invoked at "
            "event 0)",
        ),
        (
            [invoke("a", "read"), ok("a", "write")],
            "event 1 (a ok write): completes write, but a invoked read",
        ),
        ([("crash", "a", "read", None)], "unknown event type 'crash'"),
        ([("invoke",)], "an event is (type, process, f, value) or an Event"),
    ],
)
def test_malformed_histories_are_refused(history: list[Any], message: str) -> None:
    with pytest.raises(HistoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_linearizable(history)


# -- a brute-force oracle ------------------------------------------------------------------------


def _legal(order: tuple[Operation, ...], spec: Spec) -> bool:
    state = spec.initial
    for op in order:
        state, result = spec.step(state, op.f, op.arg)
        if op.completed and result != op.result:
            return False
    return True


def _choices(ops: list[Operation]) -> list[list[Operation]]:
    """Every set of operations a witness may hold: all completed ones, any pending ones."""
    done = [op for op in ops if op.completed]
    pending = [op for op in ops if op.status == "pending"]
    return [
        done + list(extra) for k in range(len(pending) + 1) for extra in combinations(pending, k)
    ]


def brute_linearizable(history: list[Event], spec: Spec) -> bool:
    def real_time(order: tuple[Operation, ...]) -> bool:
        return all(
            not (b.returned is not None and b.completed and b.returned < a.invoked)
            for i, a in enumerate(order)
            for b in order[i + 1 :]
        )

    return any(
        real_time(order) and _legal(order, spec)
        for chosen in _choices(operations(history))
        for order in permutations(chosen)
    )


def brute_sequential(history: list[Event], spec: Spec) -> bool:
    def program_order(order: tuple[Operation, ...]) -> bool:
        return all(
            not ((a.process, a.thread) == (b.process, b.thread) and b.invoked < a.invoked)
            for i, a in enumerate(order)
            for b in order[i + 1 :]
        )

    return any(
        program_order(order) and _legal(order, spec)
        for chosen in _choices(operations(history))
        for order in permutations(chosen)
    )


@st.composite
def histories(
    draw: st.DrawFn, *, honest: bool, size: int = 6, settled: bool = False
) -> list[Event]:
    """A history of up to ``size`` operations of 1-3 processes on a register.

    ``honest``: every operation takes effect atomically at some point of its window (or
    never, for a failed one; at any later time, for one completed with ``info`` or still
    pending), and reports what the register gave it. Otherwise results are arbitrary.
    ``settled``: every operation ends ``ok`` or ``fail`` (none pending, no ``info``).
    """
    processes = ["a", "b", "c"][: draw(st.integers(1, 3))]
    total = draw(st.integers(0, size))
    events: list[Event] = []
    value = 0
    active: dict[str, tuple[str, Any, bool, Any]] = {}  # process -> (f, arg, applied, result)
    loose: list[tuple[str, Any]] = []  # info-completed operations that may still apply
    started = 0
    while started < total or active:
        moves = ["invoke"] if started < total and len(active) < len(processes) else []
        moves += ["apply", "complete"] if active else []
        moves += ["apply loose"] if loose else []
        if not settled and started >= total and draw(st.integers(0, 4)) == 0:
            break  # leave the rest pending
        move = draw(st.sampled_from(moves))
        if move == "invoke":
            p = draw(st.sampled_from([q for q in processes if q not in active]))
            f = draw(st.sampled_from(["read", "write"]))
            arg = draw(st.integers(1, 2)) if f == "write" else None
            active[p] = (f, arg, False, None)
            events.append(invoke(p, f, arg))
            started += 1
        elif move == "apply":
            p = draw(st.sampled_from(sorted(active)))
            f, arg, applied, _ = active[p]
            if not applied:
                result = value if f == "read" else None
                value = arg if f == "write" else value
                active[p] = (f, arg, True, result)
        elif move == "apply loose":
            f, arg = loose.pop(draw(st.integers(0, len(loose) - 1)))
            value = arg if f == "write" else value
        else:
            p = draw(st.sampled_from(sorted(active)))
            f, arg, applied, result = active.pop(p)
            ends = ["ok", "ok", "ok", "fail"] + ([] if settled else ["info"])
            end = draw(st.sampled_from(ends))
            if end == "fail" and not applied:
                events.append(fail(p, f))
            elif end == "info":
                events.append(info(p, f))
                if not applied:
                    loose.append((f, arg))
            else:
                if not applied:  # it takes effect now, at the last moment
                    result = value if f == "read" else None
                    value = arg if f == "write" else value
                if not honest:
                    result = draw(st.integers(0, 2)) if f == "read" else None
                events.append(ok(p, f, result))
    return events


@settings(max_examples=150, deadline=None)
@given(histories(honest=False, size=5))
def test_the_checkers_agree_with_brute_force(history: list[Event]) -> None:
    spec = register()
    assert is_linearizable(history, spec) == brute_linearizable(history, spec)
    assert is_sequentially_consistent(history, spec) == brute_sequential(history, spec)


@settings(max_examples=120, deadline=None)
@given(histories(honest=True, size=8))
def test_a_register_run_atomically_inside_each_window_is_linearizable(
    history: list[Event],
) -> None:
    verdict = check_linearizable(history)
    assert verdict, verdict.explanation
    assert verdict.order is not None and _legal(verdict.order, register())
    assert is_sequentially_consistent(history)


@settings(max_examples=60, deadline=None)
@given(histories(honest=True, size=6, settled=True), st.integers(0, 2))
def test_a_stale_read_after_everything_else_is_rejected(history: list[Event], stale: int) -> None:
    # Once every operation has completed or failed (none pending), a write of a fresh value
    # that completes is what any later read must see.
    ops = operations(history)
    bad = history + w("z", 3) + r("z", stale)
    verdict = check_linearizable(bad)
    assert not verdict
    assert verdict.prefix == len(bad) and verdict.culprit is not None
    assert verdict.culprit.index == len(ops) + 1
    assert verdict.explanation.endswith("wherever it can take effect it would return 3")


@settings(max_examples=150, deadline=None)
@given(histories(honest=False, size=6))
def test_linearizable_implies_sequentially_consistent(history: list[Event]) -> None:
    if is_linearizable(history):
        assert is_sequentially_consistent(history)
    verdict = check_linearizable(history)
    if not verdict:  # the explanation's prefix is minimal: one event less is linearizable
        assert verdict.prefix is not None
        assert not is_linearizable(history[: verdict.prefix])
        assert is_linearizable(history[: verdict.prefix - 1])


def test_a_failure_that_ends_the_last_explanation_ends_the_shortest_prefix() -> None:
    # Found by hypothesis: a's read returns 1 while b's write of 1 is pending, so the first
    # three events are linearizable; only b's failure (event 3) rules the write out.
    history = [
        invoke("a", "read"),
        invoke("b", "write", 1),
        ok("a", "read", 1),
        fail("b", "write"),
        invoke("a", "write", 1),
    ]
    verdict = check_linearizable(history)
    assert not verdict and verdict.prefix == 4
    assert is_linearizable(history[:3])
    assert verdict.explanation == (
        "not linearizable: the first 4 events cannot be linearized; event 3 completes "
        f"{verdict.culprit}, which has no legal place: it failed, so it never took effect, "
        "and without it no order of the operations explains their results"
    )
