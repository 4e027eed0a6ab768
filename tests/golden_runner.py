"""Golden files: ``tests/golden/*.txt``, each starting with the command that produces it.

The first line is ``$ modelcheck ARGS``; the rest is what that command prints on stdout,
byte for byte, followed by a last line ``# exit N``. To regenerate every file after a
deliberate change of output, run ``make golden`` (or ``python -m tests.golden_runner``) and
review the diff.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent


def run(command_line: str) -> str:
    """Run a golden file's command from the repository root; return stdout and the exit line."""
    words = shlex.split(command_line)
    assert words[0] == "modelcheck", command_line
    done = subprocess.run(
        [sys.executable, "-m", "modelcheck", *words[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return f"{done.stdout}# exit {done.returncode}\n"


def expected(path: Path) -> tuple[str, str]:
    """The command line and the expected output of a golden file."""
    first, _, rest = path.read_text().partition("\n")
    assert first.startswith("$ "), f"{path}: the first line must be '$ modelcheck ...'"
    return first[2:], rest


def update() -> None:
    for path in sorted(GOLDEN.glob("*.txt")):
        command, _ = expected(path)
        path.write_text(f"$ {command}\n{run(command)}")
        print(f"wrote {path.relative_to(ROOT)}")  # noqa: T201


if __name__ == "__main__":
    update()
