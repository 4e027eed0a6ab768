"""Partial-order reduction on every actor model in models/: states without and with it,
and the verdicts, which must be the same (the benchmark fails otherwise).

Usage: python -m benchmarks.por   (`make bench` runs it; the README's table is its output)

Every actor system in models/ with its defaults, then bigger fault-free configurations where
the reduction has something to show. ``--por`` does not judge liveness, so a model with
liveness properties is checked on its safety properties alone, with and without it (marked
"safety"). Each run judges every property (``keep_going``). What the last column says:

- a percentage: the share of distinct states ``--por`` leaves out;
- ``refused``: ``--por`` does not apply (the model overrides ``actions()``, say);
- ``all steps``: ``--por`` applies but must expand every step, and why: fault budgets, or
  properties that do not declare what they read (``reads``), so any step may be seen.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from modelcheck import CheckResult, Model, UsageError, check
from modelcheck.actors import ActorSystem
from modelcheck.actors.por import expands_everything
from modelcheck.loader import find_model_files, load_models
from modelcheck.properties import LIVENESS, Property

ROOT = Path(__file__).resolve().parent.parent

#: Bigger fault-free configurations, and two with faults (one where a crash may touch every
#: node while its budget lasts, one where the reduction pays under a crash and a restart).
EXTRA: tuple[tuple[str, dict[str, Any]], ...] = (
    ("UntaggedReply", {"calls": 6}),
    ("TaggedReply", {"calls": 6}),
    ("TaggedReply", {"calls": 2, "crashes": 1}),
    ("TaggedReply", {"calls": 6, "crashes": 1, "restarts": 1}),
    ("SendOrder", {"senders": 3, "per_sender": 3}),
    ("TwoPhaseActors", {"rms": 4}),
    ("TwoPhaseActors", {"rms": 5}),
)


def actor_models() -> list[type[ActorSystem]]:
    """Every actor system in models/, in file and definition order."""
    found: list[type[ActorSystem]] = []
    for path in find_model_files(str(ROOT / "models")):
        found.extend(c for c in load_models(path) if issubclass(c, ActorSystem))
    return found


def cases() -> list[tuple[type[ActorSystem], dict[str, Any]]]:
    """Each actor model with its defaults, then the :data:`EXTRA` configurations."""
    models = actor_models()
    by_name = {cls.__name__: cls for cls in models}
    return [(cls, {}) for cls in models] + [(by_name[name], params) for name, params in EXTRA]


def safety_only(cls: type[Model[Any]]) -> tuple[type[Model[Any]], bool]:
    """``cls``, or when it has liveness properties a subclass without them (and True)."""
    if not any(p.kind in LIVENESS for p in cls().properties()):
        return cls, False

    def properties(self: Model[Any]) -> list[Property]:
        return [p for p in cls.properties(self) if p.kind not in LIVENESS]

    variant = type(cls.__name__, (cls,), {"properties": properties, "__module__": cls.__module__})
    return variant, True


class Row:
    """One configuration checked without and with partial-order reduction."""

    def __init__(self, cls: type[ActorSystem], params: dict[str, Any]) -> None:
        variant, self.safety = safety_only(cls)
        model = variant(**params)
        self.name = cls.__name__
        self.params = ", ".join(f"{k}={v}" for k, v in params.items())
        start = time.process_time()  # CPU seconds: steadier on a shared machine
        self.full = check(model, keep_going=True)
        self.full_seconds = time.process_time() - start
        self.reduced: CheckResult | None = None
        self.refused = ""
        try:
            start = time.process_time()
            self.reduced = check(model, keep_going=True, por=True)
            self.reduced_seconds = time.process_time() - start
        except UsageError as exc:
            self.refused = exc.message
        why = expands_everything(model) if isinstance(model, ActorSystem) else None
        self.why_not = "" if self.refused else why or ""

    @property
    def same(self) -> bool:
        """Whether the verdicts agree (a refused reduction has nothing to disagree with)."""
        if self.reduced is None:
            return True
        return [p.status for p in self.full.properties] == [
            p.status for p in self.reduced.properties
        ]

    def cells(self) -> list[str]:
        full, reduced = self.full, self.reduced
        name = self.name + (" (safety)" if self.safety else "")
        if reduced is None:
            tail = ["", "", "refused", "", _refusal(self.refused)]
        else:
            saved = 1 - reduced.distinct / full.distinct
            note = f"all steps ({_short(self.why_not)})" if self.why_not else f"{saved:.0%}"
            tail = [
                f"{reduced.distinct:,}",
                f"{reduced.generated:,}",
                "same" if self.same else "DIFFER",
                f"{self.reduced_seconds:.2f}",
                note,
            ]
        return [
            name,
            self.params or "defaults",
            f"{full.distinct:,}",
            f"{full.generated:,}",
            f"{self.full_seconds:.2f}",
            *tail,
        ]


def _refusal(message: str) -> str:
    """The reason in a refusal, shortened for the table."""
    if "overrides actions()" in message:
        return "refused: overrides actions()"
    return f"refused: {message.split(': run without')[0]}"


def _short(why: str) -> str:
    """Why every step is expanded, shortened for the table."""
    if why.startswith("properties without reads"):
        return "properties without reads"
    return why


HEADER = [
    "model",
    "parameters",
    "distinct",
    "generated",
    "CPU s",
    "--por distinct",
    "--por generated",
    "verdicts",
    "--por CPU s",
    "saved",
]


def main() -> int:
    rows = [Row(cls, params) for cls, params in cases()]
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" for _ in HEADER) + "|")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    differ = [row.name for row in rows if not row.same]
    if differ:
        print(f"verdicts differ with --por: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
