"""The README's examples are the real thing."""

from __future__ import annotations

from pathlib import Path

from modelcheck import check
from models.intro.lost_update import LostUpdate

ROOT = Path(__file__).parent.parent


def test_readme_shows_the_intro_model_verbatim() -> None:
    source = (ROOT / "models/intro/lost_update.py").read_text()
    body = source[source.index("class State") :]
    assert body in (ROOT / "README.md").read_text()


def test_the_intro_model_finds_the_lost_update() -> None:
    result = check(LostUpdate(), keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (13, 15, 5)
    lost = result.verdict("no_lost_update")
    assert lost.status == "violated" and lost.trace is not None
    steps = [s.action for s in lost.trace.steps[1:]]
    assert steps == ["read(0)", "read(1)", "write(0)", "write(1)"]
    assert result.status("all_done") == "reached"


def test_readme_demo_output_is_what_the_demo_prints() -> None:
    golden = (ROOT / "tests/golden/hasty_text.txt").read_text().splitlines()[1:-1]
    readme = (ROOT / "README.md").read_text()
    for line in golden[:4] + golden[-8:]:
        assert line in readme, line
