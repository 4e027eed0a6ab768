"""Running the CLI in-process, the way a user's shell would, and capturing what it prints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from modelcheck.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """Run ``modelcheck ARGS``; return its exit code, stdout and stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    code = info.value.code
    return Run(code if isinstance(code, int) else 0, captured.out, captured.err)
