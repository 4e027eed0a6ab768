"""The tutorial (docs/tutorial.md): every command it shows prints what it shows, every model
it names exists, every chapter has a command and an exercise with a folded solution, and
each chapter's chart (docs/charts/) is the one its command draws now."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.golden_runner import run
from tests.tutorial_charts import CHARTS, chapter_commands, draw_chapter

ROOT = Path(__file__).parent.parent
PAGE = (ROOT / "docs/tutorial.md").read_text()
# A shown command: a bare fenced block whose first line is "$ modelcheck ...".
SHOWN = re.findall(r"^```\n\$ (modelcheck [^\n]*)\n(.*?)^```$", PAGE, re.MULTILINE | re.DOTALL)
CHAPTERS = re.split(r"^## ", PAGE, flags=re.MULTILINE)[1:]


def test_the_chapters_follow_the_course_outline() -> None:
    titles = [chapter.partition("\n")[0] for chapter in CHAPTERS]
    assert titles == [
        "1. Message passing between remote processes",
        "2. Global registries",
        "3. Supervision across nodes",
        "4. Distributing state and CRDTs",
        "5. Network partitions",
        "6. CAP",
        "7. Leader election",
        "8. The limits of distributed systems",
    ]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.partition(".")[0])
def test_each_chapter_has_a_command_and_an_exercise_with_a_folded_solution(chapter: str) -> None:
    assert "\n$ modelcheck check models/" in chapter
    assert "**Exercise.**" in chapter
    assert chapter.count('<details markdown="1">') == 1 and chapter.count("</details>") == 1
    assert "<summary>Solution</summary>" in chapter


def test_every_model_named_exists() -> None:
    named = set(re.findall(r"(models/[\w/]+\.py)", PAGE))
    assert len(named) == 14
    assert sorted(p for p in named if not (ROOT / p).is_file()) == []


def test_there_are_commands_to_run() -> None:
    assert len(SHOWN) == 17


@pytest.mark.parametrize(("command", "shown"), SHOWN, ids=[c for c, _ in SHOWN])
def test_each_command_prints_what_the_tutorial_shows(command: str, shown: str) -> None:
    printed = run(command)
    assert printed.startswith(shown), printed
    assert printed[len(shown) :].startswith(("\n", "# exit"))  # the whole report's head


# -- each chapter's chart (docs/charts/tutorial-N.svg, drawn by `make tutorial-charts`) -------

REDRAW = "redraw the tutorial's charts with 'make tutorial-charts' and review the diff"
_TEXTS = re.compile(r"<text[^>]*>([^<]*)</text>")


def test_every_chapter_has_a_chart_or_says_its_model_holds() -> None:
    for number, chapter in enumerate(CHAPTERS, 1):
        image = f"](charts/tutorial-{number}.svg)"
        has_chart = (CHARTS / f"tutorial-{number}.svg").is_file()
        assert (image in chapter) == has_chart, f"chapter {number}: {REDRAW}"
        assert has_chart or "holds, so there is no counterexample to draw" in chapter, number
    committed = sorted(p.name for p in CHARTS.glob("tutorial-*"))
    drawn = [f"tutorial-{n}.{ext}" for n in range(1, 9) for ext in ("dot", "svg")]
    assert committed == sorted(n for n in drawn if (CHARTS / n).is_file()), REDRAW


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
@pytest.mark.parametrize(("number", "command"), chapter_commands(PAGE), ids=lambda v: str(v))
def test_each_chapters_chart_is_the_one_its_command_draws(number: int, command: str) -> None:
    chart = draw_chapter(number, command)
    svg, dot = CHARTS / f"tutorial-{number}.svg", CHARTS / f"tutorial-{number}.dot"
    if chart is None:
        assert not svg.exists() and not dot.exists(), f"chapter {number}: {REDRAW}"
        return
    assert dot.is_file() and svg.is_file(), f"chapter {number}: {REDRAW}"
    # The DOT source is ours, byte for byte; the SVG is Graphviz's drawing of it, whose
    # coordinates may move between Graphviz versions, while what it says may not.
    assert dot.read_text() == chart.dot, f"docs/charts/{dot.name} is out of date: {REDRAW}"
    shown = _TEXTS.findall(svg.read_text())
    assert shown == _TEXTS.findall(chart.svg), f"docs/charts/{svg.name} is out of date: {REDRAW}"
    assert f"{chart.prop} violated" in " ".join(shown)
