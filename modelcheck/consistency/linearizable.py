"""Linearizability: is there one order of the operations that respects real time (an
operation that returned before another was invoked comes first) and explains every result?

Decided the Wing–Gong way, as improved by Lowe: a depth-first search that repeatedly picks a
*minimal* operation (one invoked before every operation still to place had returned),
applies it to the sequential specification, and backtracks when its result is wrong. A
configuration is the set of operations placed so far (a bitset) and the object's state;
each is explored once, which makes the search polynomial in the number of configurations
rather than the number of orders. Pending operations (no completion, or ``info``) may take
effect at any point after their invocation, or never: the search is done once every
completed operation is placed. ``fail`` operations are left out.

>>> from modelcheck.consistency import invoke, ok, check_linearizable
>>> stale = [
...     invoke("c1", "write", 1), ok("c1", "write"),
...     invoke("c2", "read"), ok("c2", "read", 0),
... ]
>>> print(check_linearizable(stale))  # doctest: +NORMALIZE_WHITESPACE
not linearizable: the first 4 events cannot be linearized; event 3 completes
c2 read() -> 0, which has no legal place: wherever it can take effect it would return 1
>>> concurrent = [invoke("c1", "write", 1), invoke("c2", "read"), ok("c2", "read", 0),
...               ok("c1", "write")]
>>> print(check_linearizable(concurrent))
linearizable: c2 read() -> 0, c1 write(1)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .history import Event, Operation, operations, show
from .objects import Spec, register
from .verdict import Verdict

__all__ = ["check_linearizable", "is_linearizable", "linearize"]

_NEVER = 1 << 62


def linearize(
    ops: Sequence[Operation], spec: Spec, watch: int | None = None
) -> tuple[list[Operation] | None, list[Any]]:
    """An order of ``ops`` that linearizes them (None if there is none), and the results
    operation number ``watch`` (a position in ``ops``) would give wherever it was tried.

    ``ops`` must be in the order of invocation, as :func:`~modelcheck.consistency.operations`
    gives them.
    """
    live = [op for op in ops if op.status != "fail"]
    n = len(live)
    call = [op.invoked for op in live]
    done = [op.status == "ok" for op in live]
    ret = [
        op.returned if d and op.returned is not None else _NEVER
        for op, d in zip(live, done, strict=True)
    ]
    by_return = sorted((i for i in range(n) if done[i]), key=lambda i: ret[i])
    goal = sum(1 << i for i in range(n) if done[i])
    watched = next((i for i, op in enumerate(live) if op.index == watch), None)
    tried: list[Any] = []
    step = spec.step

    def candidates(mask: int) -> Iterator[int]:
        first_return = next((ret[i] for i in by_return if not mask >> i & 1), _NEVER)
        for i in range(n):
            if call[i] >= first_return:
                return
            if not mask >> i & 1:
                yield i

    seen = {(0, spec.initial)}
    path: list[int] = []
    stack: list[tuple[int, Any, Iterator[int]]] = [(0, spec.initial, candidates(0))]
    while stack:
        mask, state, options = stack[-1]
        if mask & goal == goal:
            return [live[i] for i in path], tried
        for i in options:
            op = live[i]
            after, result = step(state, op.f, op.arg)
            if i == watched and result not in tried:
                tried.append(result)
            if done[i] and result != op.result:
                continue
            key = (mask | 1 << i, after)
            if key in seen:
                continue
            seen.add(key)
            path.append(i)
            stack.append((key[0], after, candidates(key[0])))
            break
        else:
            stack.pop()
            if path:
                path.pop()
    return None, tried


def is_linearizable(history: Iterable[Event | tuple[Any, ...]], spec: Spec | None = None) -> bool:
    """Whether ``history`` is linearizable with respect to ``spec`` (a register by default).

    >>> from modelcheck.consistency import invoke, ok
    >>> is_linearizable([invoke("a", "write", 1), invoke("b", "read"), ok("b", "read", 1)])
    True
    """
    spec = spec or register()
    return linearize(operations(history), spec)[0] is not None


def check_linearizable(
    history: Iterable[Event | tuple[Any, ...]], spec: Spec | None = None
) -> Verdict:
    """Decide linearizability and explain: a witness order, or the shortest prefix of the
    history that cannot be linearized and the operation whose completion ends it."""
    spec = spec or register()
    ops = operations(history)
    order, _ = linearize(ops, spec)
    if order is not None:
        shown = ", ".join(str(op) for op in order) or "no operation"
        return Verdict(True, "linearizable", tuple(order), f"linearizable: {shown}")
    # Linearizability is prefix-closed (a cut-off operation is pending), so the shortest
    # prefix that fails is found by bisection. It ends with an ok event, or with a fail event:
    # until then the failed operation was pending and might have explained a result.
    good, bad = 0, 1 + max(op.returned for op in ops if op.returned is not None)
    while bad - good > 1:
        middle = (good + bad) // 2
        if linearize(_prefix(ops, middle), spec)[0] is None:
            bad = middle
        else:
            good = middle
    culprit = next(op for op in ops if op.returned == bad - 1)
    _, tried = linearize(_prefix(ops, bad), spec, watch=culprit.index)
    if culprit.status == "fail":
        why = (
            "it failed, so it never took effect, and without it no order of the operations "
            "explains their results"
        )
    elif not tried:
        why = "it can never take effect"
    elif culprit.result not in tried:
        why = "wherever it can take effect it would return " + " or ".join(
            sorted(show(r) for r in tried)
        )
    else:
        why = "no order of the operations before it explains its result and theirs"
    explanation = (
        f"not linearizable: the first {bad} events cannot be linearized; event {bad - 1} "
        f"completes {culprit}, which has no legal place: {why}"
    )
    return Verdict(False, "linearizable", None, explanation, bad, culprit)


def _prefix(ops: Sequence[Operation], events: int) -> list[Operation]:
    """The operations of the first ``events`` events: those not yet completed are pending."""
    cut: list[Operation] = []
    for op in ops:
        if op.invoked >= events:
            break
        if op.returned is not None and op.returned >= events:
            op = Operation(
                op.index, op.process, op.f, op.arg, None, op.invoked, None, "pending", op.thread
            )
        cut.append(op)
    return cut
