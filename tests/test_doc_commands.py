"""The commands the README and the actor pages show with their output print that output
when copied into a shell: every line shown, in order (``...`` stands for lines left out)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
_SHELL = re.compile(r"^```\n\$ (modelcheck [^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)

#: The pages whose shown commands are quick enough to run here (one model each).
PAGES = ("README.md", "docs/otp.md", "docs/actors.md")


def _shown() -> list[tuple[str, str, str]]:
    return [
        (page, command, output)
        for page in PAGES
        for command, output in _SHELL.findall((ROOT / page).read_text())
    ]


def test_each_page_shows_a_command() -> None:
    assert [(page, command) for page, command, _ in _shown()] == [
        ("README.md", "modelcheck check models/messaging/kv_call.py --no-timing"),
        ("docs/otp.md", "modelcheck check models/messaging/kv_call.py --no-timing"),
        (
            "docs/actors.md",
            "modelcheck check models/messaging/late_reply.py:UntaggedReply --no-timing",
        ),
    ]


@pytest.mark.parametrize(("page", "command", "output"), _shown(), ids=lambda v: str(v)[:24])
def test_a_shown_command_prints_what_is_shown(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    command: str,
    output: str,
) -> None:
    monkeypatch.chdir(ROOT)
    run = run_cli(capsys, *shlex.split(command)[1:])
    printed = iter(run.out.splitlines())
    for line in output.splitlines():
        if line == "...":
            continue
        assert line in printed, f"{page}: `{command}` does not print {line!r} (in this order)"
    assert run.code == 1 and run.err == ""
