"""What a newcomer met in the first hour (issue 17): progress lines that wrap, descriptions
cut mid-sentence, ``None`` overrides, ``D ()``, RST markup in the terminal, files with two
models, fault options that differ between commands, a graph too wide to look at."""

from __future__ import annotations

import importlib
import re
import shutil
from pathlib import Path

import pytest

from modelcheck import Model, Param, Progress, always, check
from modelcheck.render.text import format_progress, format_result
from tests.chart_systems import PingPong
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
LATE = str(ROOT / "models/messaging/late_reply.py") + ":UntaggedReply"


# -- the progress line ------------------------------------------------------------------------


@pytest.mark.parametrize("walks", [None, 123_456])
def test_the_progress_line_fits_an_80_column_terminal(walks: int | None) -> None:
    big = Progress(123_456_789, 2_345_678_901, 1_234, 98_765_432, 123_456.0, walks)
    line = format_progress(big)
    assert len(line) <= 79, line


def test_the_progress_line_of_a_search() -> None:
    line = format_progress(Progress(1_745_408, 18_507_778, 26, 123_456, 61.5))
    assert line == "1.75M distinct (28.4k/s)  18.5M generated  depth 26  queue 123k  1:01"


class Walker(Model[int]):
    """Walks up and down between 0 and 3."""

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        return [("up", min(3, n + 1)), ("down", max(0, n - 1))]

    @always
    def small(self, n: int) -> bool:
        return n <= 3


def test_a_simulation_reports_walks_and_steps_per_second(monkeypatch: pytest.MonkeyPatch) -> None:
    walks = importlib.import_module("modelcheck.explore.simulate")  # the module, not the function
    monkeypatch.setattr(walks, "_PROGRESS_EVERY", 0.0)
    seen: list[Progress] = []
    result = check(Walker(), strategy="simulate", runs=3, depth=5, progress=seen.append)
    assert [(p.walks, p.generated, p.depth) for p in seen] == [(0, 0, 0), (1, 6, 6), (2, 12, 6)]
    assert result.generated == 18
    line = format_progress(seen[-1])
    pattern = r"2 walks  12 steps \(\d+(\.\d+)?k?/s\)  \d distinct  longest 6  0:00"
    assert re.fullmatch(pattern, line), line


# -- descriptions, None overrides, headings ---------------------------------------------------


def test_a_description_is_the_docstrings_first_sentence_not_its_first_line() -> None:
    from models.registry.global_registry import GlobalRegistry

    described = {p.name: p.description for p in GlobalRegistry().properties()}
    assert described["one_holder"] == (
        "At most one running process is registered under the name, across the tables of "
        "all running nodes."
    )


class Documented(Model[int]):
    """A model whose ``docstrings`` use reStructuredText. More follows."""

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        return [("inc", n + 1)] if n < 2 else []

    @always
    def small(self, n: int) -> bool:
        """``n`` stays below 2, as :func:`modelcheck.check` shows. It does not."""
        return n < 2

    @always
    def nonnegative(self, n: int) -> bool:
        return n >= 0


class WithoutSmall(Documented):
    small = None  # type: ignore[assignment]


def test_rst_markup_is_made_plain_in_the_terminal() -> None:
    result = check(Documented())
    text = format_result(result, Documented(), timing=False)
    assert "counterexample for always small (violated): `n` stays below 2, as " in text
    assert "modelcheck.check shows.\n" in text
    assert "``" not in text
    assert Documented.summary() == "A model whose `docstrings` use reStructuredText."


def test_a_property_set_to_none_in_a_subclass_is_removed() -> None:
    assert [p.name for p in WithoutSmall().properties()] == ["nonnegative"]
    result = check(WithoutSmall())
    assert [(p.name, p.status) for p in result.properties] == [("nonnegative", "holds")]


class Quiet(Model[int]):
    mode = Param("plain", help="how to count", choices=("plain",), quiet=True)

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[str, int]]:
        return []


def test_a_model_without_shown_parameters_is_named_without_parentheses() -> None:
    assert Quiet().heading() == "Quiet"
    assert PingPong().heading() == "PingPong"
    assert PingPong(crashes=1).heading() == "PingPong (crashes=1)"
    first = format_result(check(PingPong()), PingPong(), timing=False).splitlines()[0]
    assert first.startswith("PingPong: ")


# -- the command line ------------------------------------------------------------------------

TWO_MODELS = """
from modelcheck import Model, always


class Fine(Model):
    def init_states(self):
        return [0]

    def actions(self, n):
        return [("inc", n + 1)] if n < 2 else []

    @always
    def small(self, n):
        return n <= 2


class Broken(Fine):
    @always
    def tiny(self, n):
        return n < 2
"""


def test_check_of_a_file_with_two_models_checks_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "two.py").write_text(TWO_MODELS)
    run = run_cli(capsys, "check", "two.py", "--no-timing")
    assert run.code == 1
    assert run.out.endswith(
        "model          distinct  small    tiny\n"
        "two.py:Fine           3  holds    -\n"
        "two.py:Broken         3  unknown  violated\n"
    )
    assert "replay: modelcheck replay two.py:Broken --path 0.0.0\n" in run.out
    out = run_cli(capsys, "check", "two.py", "--out", "o")
    assert (out.code, out.err) == (2, "error: --out needs one model: name one, as in two.py:Fine\n")
    replay = run_cli(capsys, "replay", "two.py", "--path", "0")
    assert replay.code == 2
    assert "two.py defines 2 models (Fine, Broken): name one" in replay.err


def test_replay_takes_the_fault_options_check_takes_and_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry = str(ROOT / "models/registry/global_registry.py")
    run = run_cli(capsys, "check", registry, "--partitions", "1", "--no-timing")
    assert run.code == 1
    command = re.search(r"replay: (modelcheck replay .*)\n", run.out)
    assert command is not None
    words = command.group(1).split()
    assert words[2:] == [registry, "--partitions", "1", "--path", words[-1]]
    replayed = run_cli(capsys, *words[1:])
    assert replayed.code == 1
    with_p = run_cli(capsys, "replay", registry, "-p", "partitions=1", "--path", words[-1])
    assert (with_p.code, with_p.out) == (1, replayed.out)
    twice = run_cli(capsys, "replay", registry, "-p", "partitions=1", "--partitions", "1")
    assert twice.code == 2


def test_check_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "check", "--help")
    assert "  Exit codes:\n    0  every property holds (or was reached)\n" in run.out
    assert "\n    3  unknown: " in run.out


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


@needs_dot
def test_graph_writes_a_png_and_wraps_a_wide_graph(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    two_phase = str(ROOT / "models/classic/two_phase.py")
    run = run_cli(capsys, "graph", two_phase, "--out", str(tmp_path))
    assert run.out.startswith("TwoPhase (rms=3): 288 states, 1145 transitions\n")
    assert (tmp_path / "states.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "states.svg").read_text()
    size = re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', svg)
    assert size is not None
    width, height = int(size.group(1)), int(size.group(2))
    assert width < 5000 and height < 4000, (width, height)  # dot alone: 26,514 x 1,131
