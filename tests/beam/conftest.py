"""Prints, at the end of the run, what the real nodes did for each rule (runs, outcomes)."""

from __future__ import annotations

from _pytest.terminal import TerminalReporter

from tests.beam.otp import OTP, summary


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    lines = summary()
    if lines:
        terminalreporter.section(f"real OTP {OTP.version if OTP else ''}: what the nodes did")
        for line in lines:
            terminalreporter.write_line(line)
