"""Histories: what clients saw, as a sequence of invoke and completion events.

The format is Jepsen's. A client (a *process*) invokes an operation ``f`` with an argument,
and later the operation completes: ``ok`` with a result, ``fail`` (it certainly did not take
effect) or ``info`` (nobody knows: it may have taken effect, at any time after its
invocation). An operation with no completion at all is *pending*, and is treated like
``info``. A process has at most one operation outstanding; after an ``info`` it may start
again (it is then, for sequential consistency, a new thread of the same name).

>>> history = [invoke("c1", "write", 1), ok("c1", "write"),
...            invoke("c2", "read"), ok("c2", "read", 0)]
>>> [str(op) for op in operations(history)]
['c1 write(1)', 'c2 read() -> 0']
>>> str(invoke("c1", "write", 1)), str(ok("c2", "read", 0))
('c1 invoke write 1', 'c2 ok read 0')
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from modelcheck.values import format_value, to_plain

__all__ = [
    "Event",
    "EventType",
    "HistoryError",
    "Operation",
    "fail",
    "info",
    "invoke",
    "ok",
    "operations",
    "show",
]

EventType = Literal["invoke", "ok", "fail", "info"]
_COMPLETIONS = ("ok", "fail", "info")


class HistoryError(ValueError):
    """A history that is not well formed (a completion with no invocation, two operations
    of one process outstanding at once, an unknown event type)."""


def show(value: Any) -> str:
    """A value as modelcheck prints values in traces: ``1``, ``none``, ``[1, 2]``."""
    return format_value(to_plain(value))


class Event(NamedTuple):
    """One event of a history: ``type`` is invoke, ok, fail or info; ``value`` is the
    argument of an invocation and the result of an ``ok``."""

    type: EventType
    process: Hashable
    f: str
    value: Any = None

    def __str__(self) -> str:
        text = f"{self.process} {self.type} {self.f}"
        if self.value is not None:
            text += f" {show(self.value)}"
        return text

    def __modelcheck_plain__(self) -> str:
        return str(self)


def invoke(process: Hashable, f: str, arg: Any = None) -> Event:
    """``process`` invokes ``f`` with ``arg``."""
    return Event("invoke", process, f, arg)


def ok(process: Hashable, f: str, result: Any = None) -> Event:
    """``process``'s operation ``f`` completed with ``result``."""
    return Event("ok", process, f, result)


def fail(process: Hashable, f: str) -> Event:
    """``process``'s operation ``f`` certainly did not take effect."""
    return Event("fail", process, f)


def info(process: Hashable, f: str) -> Event:
    """``process``'s operation ``f`` may or may not have taken effect (a timeout, a crash)."""
    return Event("info", process, f)


@dataclass(frozen=True)
class Operation:
    """An operation of a history: who invoked what, and how it ended.

    ``invoked`` and ``returned`` are event positions (``returned`` is None for a pending
    operation); ``status`` is ``ok``, ``fail`` or ``pending`` (``info`` or no completion);
    ``thread`` numbers the process's runs (it goes up after a pending operation).
    """

    index: int
    process: Hashable
    f: str
    arg: Any
    result: Any
    invoked: int
    returned: int | None
    status: Literal["ok", "fail", "pending"]
    thread: int = 0

    def __str__(self) -> str:
        text = f"{self.process} {self.f}({'' if self.arg is None else show(self.arg)})"
        if self.status == "ok" and self.result is not None:
            text += f" -> {show(self.result)}"
        elif self.status != "ok":
            text += f" ({self.status})"
        return text

    @property
    def completed(self) -> bool:
        """Whether the operation returned ``ok`` (its result must then be explained)."""
        return self.status == "ok"


def operations(history: Iterable[Event | tuple[Any, ...]]) -> list[Operation]:
    """Pair each invocation with its completion, in the order of invocation.

    Events may be :class:`Event` values or plain tuples ``(type, process, f, value)``.

    >>> ops = operations([invoke("a", "write", 1), invoke("b", "read"), ok("b", "read", 1)])
    >>> [(str(op), op.invoked, op.returned) for op in ops]
    [('a write(1) (pending)', 0, None), ('b read() -> 1', 1, 2)]
    >>> try:
    ...     operations([ok("a", "read", 0)])
    ... except HistoryError as error:
    ...     print(error)
    event 0 (a ok read 0): a has no operation outstanding
    """
    ops: list[Operation] = []
    open_: dict[Hashable, int] = {}
    threads: dict[Hashable, int] = {}
    for position, raw in enumerate(history):
        event = raw if isinstance(raw, Event) else _event(position, raw)
        where = f"event {position} ({event})"
        if event.type == "invoke":
            if event.process in open_:
                raise HistoryError(
                    f"{where}: {event.process} already has an operation outstanding "
                    f"(invoked at event {ops[open_[event.process]].invoked})"
                )
            open_[event.process] = len(ops)
            ops.append(
                Operation(
                    len(ops),
                    event.process,
                    event.f,
                    event.value,
                    None,
                    position,
                    None,
                    "pending",
                    threads.get(event.process, 0),
                )
            )
        elif event.type in _COMPLETIONS:
            at = open_.pop(event.process, None)
            if at is None:
                raise HistoryError(f"{where}: {event.process} has no operation outstanding")
            op = ops[at]
            if op.f != event.f:
                raise HistoryError(
                    f"{where}: completes {event.f}, but {event.process} invoked {op.f}"
                )
            if event.type == "ok":
                ops[at] = _replace(op, result=event.value, returned=position, status="ok")
            elif event.type == "fail":
                ops[at] = _replace(op, returned=position, status="fail")
            else:
                threads[event.process] = op.thread + 1
        else:
            raise HistoryError(
                f"{where}: unknown event type {event.type!r} (invoke, ok, fail or info)"
            )
    return ops


def _replace(op: Operation, **changes: Any) -> Operation:
    fields = {**op.__dict__, **changes}
    return Operation(**fields)


def _event(position: int, raw: tuple[Any, ...]) -> Event:
    if not isinstance(raw, tuple) or not 3 <= len(raw) <= 4:
        raise HistoryError(
            f"event {position} ({raw!r}): an event is (type, process, f, value) or an Event"
        )
    return Event(*raw)
