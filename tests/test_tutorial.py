"""The tutorial (docs/tutorial.md): every command it shows prints what it shows, every model
it names exists, and every chapter has a command and an exercise with a folded solution."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.golden_runner import run

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
