"""What a check returns: per-property verdicts with their traces, and the search statistics.

Statuses: ``holds`` (an invariant, after a complete search), ``violated`` (with a shortest
trace under BFS), ``reached`` (a ``sometimes``, with an example trace), ``unreached`` (a
``sometimes`` never reached in a complete search) and ``unknown`` (the search stopped at a
bound, or at another property's violation, before this one was decided).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from modelcheck.properties import PropertyKind
from modelcheck.trace import Trace

__all__ = [
    "EXIT_HOLDS",
    "EXIT_UNKNOWN",
    "EXIT_VIOLATED",
    "CheckResult",
    "Progress",
    "PropertyResult",
    "Status",
]

Status = Literal["holds", "violated", "reached", "unreached", "unknown"]

EXIT_HOLDS = 0
EXIT_VIOLATED = 1
EXIT_UNKNOWN = 3


@dataclass(frozen=True)
class PropertyResult:
    """The verdict on one property; ``trace`` is the counterexample or example, if any.

    A liveness counterexample is a lasso (``trace.loop`` is set); ``note`` then says in one
    sentence why it violates the property.
    """

    name: str
    kind: PropertyKind
    status: Status
    trace: Trace | None = None
    description: str = ""
    note: str = ""


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running search, handed to the progress callback.

    A simulation sets ``walks`` (the random walks so far); ``generated`` then counts the
    steps taken, ``distinct`` the states seen and ``depth`` the longest walk.
    """

    distinct: int
    generated: int
    depth: int
    queue: int
    seconds: float
    walks: int | None = None

    @property
    def states_per_second(self) -> float:
        """Distinct states found per second so far."""
        return self.distinct / self.seconds if self.seconds > 0 else 0.0

    @property
    def steps_per_second(self) -> float:
        """Steps (generated states) per second so far: a simulation's speed."""
        return self.generated / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`modelcheck.check`.

    ``complete`` is True when every reachable state within no bound was visited;
    otherwise ``stopped`` says why the search ended early (``violation``, ``max-depth``,
    ``max-states``, ``time-limit`` or ``interrupted``). Counts follow TLC: ``generated``
    includes the initial states and every successor computed, ``depth`` counts BFS levels
    with the initial level as 1. ``store`` is ``exact`` or ``fingerprint``; with the
    fingerprint store, ``store_bytes`` is what the stored states took and
    :attr:`collision_probability` estimates the chance that two states were taken for one.
    ``warnings`` are one-line notes on what went wrong around the search without changing
    its verdicts (a checkpoint that could not be written). ``stop_note`` says more about a
    stop when there is more to say (the time limit passed inside model code, and where).
    """

    model: str
    params: dict[str, object]
    strategy: str
    distinct: int
    generated: int
    depth: int
    complete: bool
    stopped: str | None
    seconds: float
    peak_memory: int
    properties: tuple[PropertyResult, ...] = field(default=())
    store: str = "exact"
    store_bytes: int | None = None
    warnings: tuple[str, ...] = ()
    stop_note: str = ""
    #: The model that was checked, for showing the result in a notebook (its charts); not
    #: compared, not shown by repr, not pickled.
    checked: Any = field(default=None, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "checked": None}

    def _repr_html_(self) -> str:
        """Jupyter: the text report, and each trace's chart inline (with Graphviz)."""
        from modelcheck.render.notebook import result_html

        return result_html(self, self.checked)

    def status(self, name: str) -> Status:
        """The status of the property called ``name``."""
        return self.verdict(name).status

    def verdict(self, name: str) -> PropertyResult:
        """The result for the property called ``name`` (KeyError if there is none)."""
        for result in self.properties:
            if result.name == name:
                return result
        raise KeyError(name)

    @property
    def states_per_second(self) -> float:
        """Distinct states per second of search."""
        return self.distinct / self.seconds if self.seconds > 0 else 0.0

    @property
    def collision_probability(self) -> float | None:
        """TLC's optimistic estimate of the probability that two distinct states had the
        same fingerprint, ``distinct * (generated - distinct) / 2**64``; None for the exact
        store, which cannot confuse states.

        >>> r = CheckResult("M", {}, "bfs", 1_745_408, 18_507_778, 26, True, None, 1.0, 0,
        ...                 store="fingerprint")
        >>> f"{r.collision_probability:.1e}"
        '1.6e-06'
        """
        if self.store == "exact":
            return None
        return self.distinct * (self.generated - self.distinct) / 2**64

    @property
    def exit_code(self) -> int:
        """0 if every property holds or was reached, 1 if one is violated or unreached,
        3 if none failed but some are unknown (the search stopped at a bound)."""
        statuses = {p.status for p in self.properties}
        if statuses & {"violated", "unreached"}:
            return EXIT_VIOLATED
        if "unknown" in statuses:
            return EXIT_UNKNOWN
        return EXIT_HOLDS
