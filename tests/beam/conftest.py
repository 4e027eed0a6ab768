"""Prints, at the end of the run, which Erlang/OTP the BEAM tests ran on (or why they were
skipped) and what the real nodes did for each rule (runs, outcomes)."""

from __future__ import annotations

from _pytest.terminal import TerminalReporter

from tests.beam.otp import header, summary


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    terminalreporter.section("real Erlang nodes")
    for line in [header(), *summary()]:
        terminalreporter.write_line(line)
