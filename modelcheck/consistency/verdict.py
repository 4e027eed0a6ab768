"""The answer of a consistency checker: yes with a witness order, or no with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from .history import Operation

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """Whether a history meets a consistency model (``bool(verdict)``), and why.

    ``order`` is a witness when it does: the operations in an order that explains every
    result (pending operations that took effect included, the others left out).
    ``explanation`` is one sentence either way. ``prefix`` (linearizability only) is the
    number of events of the shortest prefix that cannot be linearized, and ``culprit`` the
    operation whose completion ends it.
    """

    ok: bool
    model: str
    order: tuple[Operation, ...] | None
    explanation: str
    prefix: int | None = None
    culprit: Operation | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.explanation
