"""The ``modelcheck`` command: check, list and replay models; run regression specs.

Exit codes: 0 every property holds (and every ``sometimes`` was reached); 1 a property is
violated or a ``sometimes`` is unreached; 2 a usage or model error (one line on stderr, or
the error and the trace that reached it); 3 nothing failed but the search stopped at a
bound before every property was decided.

The commands live in modules by topic; importing them registers them on :data:`cli`.
"""

from __future__ import annotations

from . import browse, check, otp_replay, prove, regress, traces  # noqa: F401 (registers them)
from .entry import main
from .group import cli

__all__ = ["cli", "main"]
