"""Running ``otp_probe.erl`` on the Erlang/OTP installed here, once per scenario per session,
and what the conformance tests saw (printed at the end of the run by ``conftest.py``).

Where Erlang is missing the tests are skipped, and ``-rs`` prints why."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from modelcheck.otp import ErlangMissing, Otp, find_otp

__all__ = ["OTP", "RUNS", "header", "note", "observe", "report", "requires_otp", "summary"]

#: Runs of each scenario on real nodes (each starts fresh nodes: about a second a run).
RUNS = 6

PROBE = Path(__file__).with_name("otp_probe.erl")

OTP: Otp | None
try:
    OTP = find_otp()
    _MISSING = ""
except ErlangMissing as exc:
    OTP = None
    _MISSING = exc.message

requires_otp = pytest.mark.skipif(
    OTP is None,
    reason=f"{_MISSING} (make test installs it where apt-get and root or sudo are available)",
)

_OBSERVED: dict[str, list[dict[str, Any]]] = {}
_REPORT: dict[str, str] = {}


def observe(scenario: str) -> list[dict[str, Any]]:
    """What each run of ``scenario`` showed on the real nodes. The first call runs every
    scenario (side by side, ``RUNS`` times each, about 35 s); the others read the result."""
    assert OTP is not None
    if not _OBSERVED:
        lines = OTP.run(PROBE, ["all", str(RUNS), f"p{os.getpid()}"])
        assert lines[0].get("version") == OTP.version, lines[0]
        for line in lines[1:]:
            _OBSERVED.setdefault(line["scenario"], []).append(line)
        for name, runs in _OBSERVED.items():
            assert [r["run"] for r in runs] == list(range(1, RUNS + 1)), name
    return _OBSERVED[scenario]


def report(rule: str, outcomes: Counter[str]) -> None:
    """Record, for the end of the run, how many runs showed each outcome of ``rule``."""
    runs = sum(outcomes.values())
    seen = "; ".join(f"{n} x {what}" for what, n in sorted(outcomes.items()))
    _REPORT.setdefault(rule, f"{rule}: {runs} runs: {seen}")


def note(rule: str, text: str) -> None:
    """Record a line for the end of the run: ``rule: text``."""
    _REPORT.setdefault(rule, f"{rule}: {text}")


def header() -> str:
    """The line the test session starts with."""
    if OTP is None:
        return f"erlang: none ({_MISSING}); the BEAM conformance tests are skipped"
    return f"erlang: OTP {OTP.version} ({OTP.erl}); BEAM conformance: {RUNS} runs a scenario"


def summary() -> list[str]:
    """What the conformance tests saw on the real nodes, a line per rule."""
    return list(_REPORT.values())
