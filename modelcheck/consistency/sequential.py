"""Sequential consistency: is there one order of the operations that keeps each process's
own order (real time between processes does not count) and explains every result?

The search is over interleavings of the processes' operation sequences: a configuration is
how far each process has got and the object's state, each explored once. A pending
operation is the last of its thread and may be left out. After an ``info`` a process that
starts again is a new thread: its earlier operation may take effect at any later point.

>>> from modelcheck.consistency import invoke, ok, check_sequential
>>> stale = [
...     invoke("c1", "write", 1), ok("c1", "write"),
...     invoke("c2", "read"), ok("c2", "read", 0),
... ]
>>> print(check_sequential(stale))
sequentially consistent: c2 read() -> 0, c1 write(1)
>>> both = [invoke("a", "write", 1), ok("a", "write"), invoke("a", "read"), ok("a", "read", 2),
...         invoke("b", "write", 2), ok("b", "write"), invoke("b", "read"), ok("b", "read", 1)]
>>> print(check_sequential(both))  # doctest: +NORMALIZE_WHITESPACE
not sequentially consistent: no order that keeps each process's own order explains every
result; at best 3 of 4 operations are explained (a write(1), b write(2), a read() -> 2),
then b read() -> 1 would return 2
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from .history import Event, Operation, operations, show
from .objects import Spec, register
from .verdict import Verdict

__all__ = ["check_sequential", "is_sequentially_consistent", "sequentialize"]


def sequentialize(
    ops: Sequence[Operation], spec: Spec
) -> tuple[list[Operation] | None, list[Operation], list[tuple[Operation, Any]]]:
    """An order of ``ops`` that keeps each thread's order and explains every result (None
    if there is none); and, for the explanation, the longest explained order the search
    found first and what each completed operation that could come next would return."""
    threads: dict[tuple[Hashable, int], list[Operation]] = {}
    for op in ops:
        if op.status != "fail":
            threads.setdefault((op.process, op.thread), []).append(op)
    lines = list(threads.values())
    need = tuple(len(t) - (0 if t[-1].status == "ok" else 1) for t in lines)
    start = (tuple(0 for _ in lines), spec.initial)
    seen = {start}
    path: list[Operation] = []
    best: tuple[int, list[Operation], list[tuple[Operation, Any]]] = (-1, [], [])
    # A frame: how far each thread got, the object's state, the next thread to try, and
    # the completed operations that could come next but would return something else.
    stack: list[tuple[tuple[int, ...], Any, int, list[tuple[Operation, Any]]]] = [
        (start[0], start[1], 0, [])
    ]
    while stack:
        at, state, next_line, wrong = stack[-1]
        if all(p >= k for p, k in zip(at, need, strict=True)):
            return list(path), [], []
        for t in range(next_line, len(lines)):
            if at[t] == len(lines[t]):
                continue
            op = lines[t][at[t]]
            after, result = spec.step(state, op.f, op.arg)
            if op.status == "ok" and result != op.result:
                wrong.append((op, result))
                continue
            moved = (*at[:t], at[t] + 1, *at[t + 1 :])
            if (moved, after) in seen:
                continue
            seen.add((moved, after))
            stack[-1] = (at, state, t + 1, wrong)
            path.append(op)
            stack.append((moved, after, 0, []))
            break
        else:
            placed = sum(1 for op in path if op.status == "ok")
            if placed > best[0]:
                best = (placed, list(path), wrong)
            stack.pop()
            if path:
                path.pop()
    return None, best[1], best[2]


def is_sequentially_consistent(
    history: Iterable[Event | tuple[Any, ...]], spec: Spec | None = None
) -> bool:
    """Whether ``history`` is sequentially consistent with respect to ``spec`` (a register
    by default).

    >>> from modelcheck.consistency import invoke, ok
    >>> is_sequentially_consistent([invoke("a", "read"), ok("a", "read", 1),
    ...                             invoke("b", "write", 1), ok("b", "write")])
    True
    """
    spec = spec or register()
    return sequentialize(operations(history), spec)[0] is not None


def check_sequential(
    history: Iterable[Event | tuple[Any, ...]], spec: Spec | None = None
) -> Verdict:
    """Decide sequential consistency and explain: a witness order, or how far the best
    interleaving gets and what the next operations would have returned."""
    spec = spec or register()
    ops = operations(history)
    order, best, stuck = sequentialize(ops, spec)
    model = "sequentially consistent"
    if order is not None:
        shown = ", ".join(str(op) for op in order) or "no operation"
        return Verdict(True, model, tuple(order), f"{model}: {shown}")
    total = sum(1 for op in ops if op.status == "ok")
    placed = sum(1 for op in best if op.status == "ok")
    listed = ", ".join(str(op) for op in best)
    then = "; ".join(f"{op} would return {show(result)}" for op, result in stuck)
    explanation = (
        f"not {model}: no order that keeps each process's own order explains every result; "
        f"at best {placed} of {total} operations are explained"
        + (f" ({listed})" if listed else "")
        + (f", then {then}" if then else "")
    )
    culprit = stuck[0][0] if stuck else None
    return Verdict(False, model, None, explanation, None, culprit)
