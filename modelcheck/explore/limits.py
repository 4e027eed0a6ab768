"""A search's bounds, and the rhythm of its loops: how often they look at the clock, which
states they check deeply for immutability and which they expand twice more to catch a model
that is not a function of its state."""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelcheck.errors import UsageError

__all__ = [
    "PROGRESS_EVERY",
    "SAMPLE_FIRST",
    "SAMPLE_MASK",
    "TICK_MASK",
    "VALIDATE_FIRST",
    "Limits",
    "check_seconds",
]

#: The first this many distinct states are checked deeply for immutability.
VALIDATE_FIRST = 1000
#: How often (in expanded states) the search looks at the clock.
TICK_MASK = 1023
#: The states whose ``actions()`` are run twice more and compared, to catch a model that is
#: not a function of its state (``random``, a global counter): the first SAMPLE_FIRST by
#: number, then every state whose number is a multiple of SAMPLE_MASK + 1. The sample
#: depends only on the numbering, never on a seed or the clock.
SAMPLE_FIRST = 100
SAMPLE_MASK = 255
#: Seconds between two progress reports.
PROGRESS_EVERY = 0.5


@dataclass(frozen=True)
class Limits:
    """Bounds on a search; None means unbounded. ``max_depth`` counts levels, initial = 1."""

    max_depth: int | None = None
    max_states: int | None = None
    time_limit: float | None = None
    max_memory: int | None = None  # bytes of resident memory

    def __post_init__(self) -> None:
        for name in ("max_depth", "max_states", "max_memory"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1, not {value}")
        if self.time_limit is not None:
            check_seconds("time-limit", self.time_limit)


def check_seconds(name: str, value: float) -> None:
    """A duration option must be a positive, finite number of seconds (not nan, not inf).

    >>> check_seconds("time-limit", float("nan"))
    Traceback (most recent call last):
    ...
    modelcheck.errors.UsageError: time-limit must be a positive, finite number of seconds, not nan
    """
    if not 0 < value < math.inf:
        raise UsageError(f"{name} must be a positive, finite number of seconds, not {value}")
