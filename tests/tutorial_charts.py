"""The tutorial's charts: ``docs/charts/tutorial-N.svg``, one per chapter of docs/tutorial.md.

Each chapter's first command (the one before its exercise) is run with ``--out`` into a
temporary folder, and the chart of its first violated property is kept: the DOT source
(``tutorial-N.dot``, which the test compares byte for byte) and the SVG the docs show. A
chapter whose first command finds no counterexample gets no chart, and its text must say
that the model holds. To redraw them all after a change of a model or of the charts, run
``make tutorial-charts`` (or ``python -m tests.tutorial_charts``) and review the diff.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CHARTS", "TUTORIAL", "Chart", "chapter_commands", "draw_chapter", "update"]

ROOT = Path(__file__).parent.parent
TUTORIAL = ROOT / "docs/tutorial.md"
CHARTS = ROOT / "docs/charts"
# A shown command: a bare fenced block whose first line is "$ modelcheck check ...".
_COMMAND = re.compile(r"^```\n\$ (modelcheck check [^\n]*)\n", re.MULTILINE)


@dataclass(frozen=True)
class Chart:
    """A chapter's chart: the property it shows and its DOT and SVG texts."""

    chapter: int
    prop: str
    dot: str
    svg: str

    @property
    def stem(self) -> str:
        return f"tutorial-{self.chapter}"


def chapter_commands(page: str) -> list[tuple[int, str]]:
    """Each chapter's number and its first command (the one before its exercise)."""
    found = []
    for number, chapter in enumerate(re.split(r"^## ", page, flags=re.MULTILINE)[1:], 1):
        command = _COMMAND.search(chapter.partition("**Exercise.**")[0])
        assert command is not None, f"chapter {number} shows no 'modelcheck check' command"
        found.append((number, command.group(1)))
    return found


def draw_chapter(number: int, command: str) -> Chart | None:
    """Run ``command`` with ``--out``; the chart of its first violated property, or None
    when it violates none."""
    words = shlex.split(command)
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-m", "modelcheck", *words[1:], "--out", folder],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), f"{command}: exit {done.returncode}: {done.stderr}"
        result = json.loads((Path(folder) / "result.json").read_text())
        violated = [n for n, p in result["properties"].items() if p["status"] == "violated"]
        if not violated:
            return None
        # ``check --out`` names a trace's files after its property (safe as a file name).
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", violated[0]) or "property"
        dot = (Path(folder) / f"{stem}.dot").read_text()
        svg = (Path(folder) / f"{stem}.svg").read_text()
    return Chart(number, violated[0], dot, svg)


def update() -> None:
    """Redraw every chapter's chart into docs/charts/ and remove those no longer drawn."""
    CHARTS.mkdir(exist_ok=True)
    kept = set()
    for number, command in chapter_commands(TUTORIAL.read_text()):
        chart = draw_chapter(number, command)
        if chart is None:
            print(f"chapter {number}: no counterexample, no chart ({command})")  # noqa: T201
            continue
        for ext, text in (("dot", chart.dot), ("svg", chart.svg)):
            target = CHARTS / f"{chart.stem}.{ext}"
            target.write_text(text)
            kept.add(target.name)
        print(f"wrote docs/charts/{chart.stem}.svg ({chart.prop})")  # noqa: T201
    for stale in sorted(CHARTS.glob("tutorial-*")):
        if stale.name not in kept:
            stale.unlink()
            print(f"removed docs/charts/{stale.name}")  # noqa: T201


if __name__ == "__main__":
    update()
