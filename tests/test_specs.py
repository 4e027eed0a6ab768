"""Regression specs and ``modelcheck regress``: reading, running, reporting, updating, JUnit."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from modelcheck.errors import UsageError
from modelcheck.specs import Spec, find_specs, read_spec, run_spec, updated_text
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent

COUNTER = '''from typing import Any

from modelcheck import Model, Param, always, sometimes


class Counter(Model[int]):
    """Counts up to a limit."""

    limit = Param(3, min=0)

    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return [("inc", n + 1)] if n < self.limit else []

    @always
    def small(self, n: int) -> bool:
        return n <= 2

    @sometimes
    def top(self, n: int) -> bool:
        return n == self.limit
'''

# limit = 3: states 0..3, so 4 distinct, 4 generated, depth 4; small fails at 3 (3 steps).
GOOD = """# a comment that --update must keep
model = "models/counter.py:Counter"
description = "counting to three"

[params]
limit = 3  # the default, said again

[expect]
small = "violated"   # on purpose
top = "reached"

[counts]
distinct = 4
depth = 4
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with models/counter.py and an empty specs/, as the current folder."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "counter.py").write_text(COUNTER)
    (tmp_path / "specs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _spec(project: Path, name: str, text: str) -> Path:
    path = project / "specs" / name
    path.write_text(text)
    return path


def _error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    run = run_cli(capsys, "regress", *args)
    assert run.code == 2, run
    assert run.out == ""
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# -- reading -------------------------------------------------------------------------------


def test_a_good_spec_is_read_with_its_tables(project: Path) -> None:
    spec = read_spec(_spec(project, "counter.toml", GOOD), display="specs/counter.toml")
    assert spec.model_path == project / "models" / "counter.py"
    assert spec.root == project
    assert spec.params == {"limit": 3}
    assert spec.expect == {"small": "violated", "top": "reached"}
    assert spec.counts == {"distinct": 4, "depth": 4}
    assert spec.check_options == {"keep_going": True}
    assert spec.command() == "modelcheck check models/counter.py:Counter -p limit=3 --continue"


def test_model_paths_resolve_the_same_from_any_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "specs" / "deep").mkdir()
    _spec(project, "deep/counter.toml", GOOD)
    monkeypatch.chdir(project / "models")
    (spec,) = find_specs([str(project / "specs")])
    assert spec.model_path == project / "models" / "counter.py"
    assert spec.display == str(project / "specs" / "deep" / "counter.toml")
    assert run_spec(spec).status == "ok"


def test_a_spec_outside_a_specs_folder_is_relative_to_its_own_folder(project: Path) -> None:
    (project / "models" / "local.toml").write_text('model = "counter.py"\n')
    spec = read_spec(project / "models" / "local.toml")
    assert spec.model_path == project / "models" / "counter.py"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'modle = "models/counter.py"\n',
            "error: specs/bad.toml: unknown key 'modle' (did you mean 'model'?)",
        ),
        (
            GOOD + "\n[options]\nmax_deph = 3\n",
            "error: specs/bad.toml: unknown key 'options.max_deph' (did you mean 'max_depth'?)",
        ),
        (
            GOOD.replace("distinct", "states"),
            "error: specs/bad.toml: unknown key 'counts.states' "
            "(known: distinct, generated, depth)",
        ),
        (
            'model = "models/counter.py\nslow = true\n',
            "error: specs/bad.toml: not valid TOML: Illegal character '\\n' (at line 1, column 27)",
        ),
        (
            "[params]\nlimit = 3\n",
            "error: specs/bad.toml: missing key 'model' "
            '(the model file, as in model = "models/x.py:Name")',
        ),
        (
            'model = "models/nope.py"\n',
            "error: specs/bad.toml: model file 'models/nope.py' not found at models/nope.py "
            "(model paths are relative to the folder that holds specs/)",
        ),
        (
            GOOD.replace('"violated"', '"held"'),
            'error: specs/bad.toml: expect.small: "held" is not a status '
            "(use holds, violated, reached, unreached or unknown)",
        ),
        (
            GOOD.replace("depth = 4", 'depth = "4"'),
            'error: specs/bad.toml: counts.depth must be a whole number, not "4"',
        ),
        (
            GOOD + '\n[options]\nstrategy = "random"\n',
            'error: specs/bad.toml: options.strategy must be "bfs" or "dfs", not "random"',
        ),
        (
            GOOD + "\n[options]\nmax_depth = 0\n",
            "error: specs/bad.toml: options.max_depth must be a positive integer, not 0",
        ),
        (
            GOOD.replace('description = "counting to three"', "slow = 1"),
            "error: specs/bad.toml: slow must be true or false, not 1",
        ),
        (
            'model = "models/counter.py"\nparams = 3\n',
            "error: specs/bad.toml: params must be a table ([params]), not 3",
        ),
    ],
)
def test_a_bad_spec_is_one_line_naming_file_and_key(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    _spec(project, "good.toml", GOOD)
    _spec(project, "bad.toml", text)
    assert _error(capsys, "specs/") == message


def test_bad_arguments(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _error(capsys, "nowhere/") == "error: nowhere/: no such file or folder"
    assert _error(capsys, "specs") == "error: specs: no spec files (*.toml) in this folder"
    assert _error(capsys, "models/counter.py") == (
        "error: models/counter.py: not a spec file (a spec file ends in .toml)"
    )
    _spec(project, "counter.toml", GOOD)
    (project / "report.xml").write_text("mine")
    assert _error(capsys, "specs", "--junit", "report.xml") == (
        "error: report.xml already exists: pass --force to overwrite it"
    )
    assert (project / "report.xml").read_text() == "mine"


# -- running and reporting -----------------------------------------------------------------


def test_matching_specs_pass_with_a_table(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD)
    two = GOOD.replace("limit = 3", "limit = 2").replace('small = "violated"', 'small = "holds"')
    _spec(project, "counter_2.toml", two.replace("= 4", "= 3"))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 0, run
    assert run.out == (
        "    spec                  expected               got                    states\n"
        "ok  specs/counter.toml    1 violated, 1 reached  1 violated, 1 reached       4\n"
        "ok  specs/counter_2.toml  1 holds, 1 reached     1 holds, 1 reached          3\n"
        "\n"
        "2 specs: 2 ok\n"
    )


def test_a_specs_warnings_are_printed_under_its_row(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As check prints them: a fault budget no reachable state could spend is no silent no-op.
    shutil.copy(ROOT / "models/messaging/kv_call.py", project / "models" / "kv_call.py")
    _spec(project, "counter.toml", GOOD)
    kv = 'model = "models/kv_call.py:KvCall"\n\n[params]\n{}\n[expect]\n'
    kv += 'timed_out_put_not_written = "violated"\n\n[counts]\ndistinct = 11\n'
    _spec(project, "kv.toml", kv.format(""))
    _spec(project, "kv_faults.toml", kv.format("restarts = 1\nheals = 1\n"))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 0, run
    assert run.out == (
        "    spec                  expected               got                    states\n"
        "ok  specs/counter.toml    1 violated, 1 reached  1 violated, 1 reached       4\n"
        "ok  specs/kv.toml         1 violated             1 violated                 11\n"
        "ok  specs/kv_faults.toml  1 violated             1 violated                 11\n"
        "    warning: restarts=1 was never used: no reachable state has a node down, or "
        "running no process, to restart\n"
        "    warning: heals=1 was never used: no reachable state has a cut link to heal\n"
        "\n"
        "3 specs: 3 ok\n"
    )
    assert run.err == ""


def test_a_changed_model_fails_with_the_row_and_how_to_reproduce(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD.replace("limit = 3", "limit = 4"))
    run = run_cli(capsys, "regress", "specs/counter.toml", "--no-timing")
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert lines[1] == (
        "FAIL  specs/counter.toml  distinct 4, depth 4  distinct 5, depth 5       5"
    )
    assert lines[3:] == [
        "specs/counter.toml: 2 expectations differ",
        "  counts.distinct: expected 4, got 5",
        "  counts.depth: expected 4, got 5",
        "  reproduce: modelcheck check models/counter.py:Counter -p limit=4 --continue",
        "",
        "1 spec: 0 ok, 1 failed",
    ]


def test_a_verdict_that_moves_is_named_with_its_trace(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD.replace('"violated"', '"holds"'))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert lines[1] == "FAIL  specs/counter.toml  small holds  small violated       4"
    assert lines[4] == "  expect.small: expected holds, got violated (3 steps, path 0.0.0.0)"


def test_a_property_the_spec_does_not_name_is_a_mismatch(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD.replace('top = "reached"\n', ""))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 1, run
    assert run.out.splitlines()[1] == ("FAIL  specs/counter.toml  top (none)  top reached       4")


def test_a_property_the_model_does_not_have_is_an_error_update_drops(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(project, "counter.toml", GOOD.replace('top = "reached"', 'gone = "holds"'))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 2, run
    lines = run.out.splitlines()
    assert lines[1] == "ERROR  specs/counter.toml  1 holds, 1 violated  error (below)       -"
    assert lines[3] == (
        "specs/counter.toml: error: expects property 'gone', which Counter does not have "
        "(its properties: small, top; regress --update drops the expectation)"
    )
    assert lines[-1] == "1 spec: 0 ok, 1 error"
    updated = run_cli(capsys, "regress", "specs/", "--no-timing", "--update")
    assert updated.code == 0, updated
    assert updated.out.splitlines()[-5:] == [
        "update specs/counter.toml:",
        '  expect.top: (none) -> "reached"',
        '  expect.gone: "holds" -> (removed)',
        "",
        "updated 1 spec",
    ]
    assert "gone" not in spec.read_text()
    assert run_cli(capsys, "regress", "specs/", "--no-timing").code == 0


def test_a_model_that_fails_to_load_is_an_error_row_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD)
    _spec(project, "wrong.toml", GOOD.replace("limit = 3", "limit = -1"))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 2, run
    lines = run.out.splitlines()
    assert lines[2] == (
        "ERROR  specs/wrong.toml    1 violated, 1 reached  error (below)               -"
    )
    assert lines[4] == (
        "specs/wrong.toml: error: parameter 'limit' of Counter must be at least 0, not -1"
    )
    assert lines[-1] == "2 specs: 1 ok, 1 error"


def test_slow_specs_run_only_when_asked_or_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD)
    _spec(project, "slow.toml", GOOD.replace("# a comment", "slow = true\n# a comment"))
    run = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert run.code == 0, run
    assert run.out.splitlines()[2] == (
        "skip  specs/slow.toml     1 violated, 1 reached  skipped: slow (--slow runs it)       -"
    )
    assert run.out.splitlines()[-1] == "2 specs: 1 ok, 1 skipped (slow; --slow runs them)"
    assert run_cli(capsys, "regress", "specs/", "--slow", "--no-timing").out.splitlines()[-1] == (
        "2 specs: 2 ok"
    )
    named = run_cli(capsys, "regress", "specs/slow.toml", "--no-timing")
    assert named.out.splitlines()[-1] == "1 spec: 1 ok"


def test_the_report_is_the_same_with_one_job_or_two(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for limit in range(1, 6):
        _spec(project, f"c{limit}.toml", GOOD.replace("limit = 3", f"limit = {limit}"))
    one = run_cli(capsys, "regress", "specs/", "--no-timing", "-j", "1")
    two = run_cli(capsys, "regress", "specs/", "--no-timing", "-j", "2")
    assert one == two
    assert [line.split()[1] for line in one.out.splitlines()[1:6]] == [
        f"specs/c{limit}.toml" for limit in range(1, 6)
    ]


def test_timing_adds_a_seconds_column_and_the_total(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "counter.toml", GOOD)
    run = run_cli(capsys, "regress", "specs/", "-j", "1")
    header, row = run.out.splitlines()[:2]
    assert header.split() == ["spec", "expected", "got", "states", "seconds"]
    assert float(row.split()[-1]) < 5
    assert run.out.splitlines()[-1].startswith("1 spec: 1 ok; ")
    assert run.out.splitlines()[-1].endswith(" s with 1 job")


# -- --update ------------------------------------------------------------------------------


def test_update_shows_the_change_then_rewrites_keeping_comments(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _spec(project, "counter.toml", GOOD.replace("limit = 3", "limit = 2"))
    run = run_cli(capsys, "regress", "specs/", "--no-timing", "--update")
    assert run.code == 0, run
    assert run.out.split("\n\n")[-2:] == [
        'update specs/counter.toml:\n  expect.small: "violated" -> "holds"\n'
        "  counts.distinct: 4 -> 3\n  counts.depth: 4 -> 3",
        "updated 1 spec\n",
    ]
    assert path.read_text() == GOOD.replace("limit = 3", "limit = 2").replace(
        'small = "violated"   # on purpose', 'small = "holds"   # on purpose'
    ).replace("= 4", "= 3")
    again = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert again.code == 0, again


def test_update_records_a_new_spec(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _spec(project, "new.toml", 'model = "models/counter.py"  # just the model\n')
    first = run_cli(capsys, "regress", "specs/", "--no-timing")
    assert first.code == 1
    assert first.out.splitlines()[1:5] == [
        "FAIL  specs/new.toml  nothing recorded  1 violated, 1 reached       4",
        "",
        "specs/new.toml: no [expect] table yet: regress --update records what this run found",
        "  reproduce: modelcheck check models/counter.py --continue",
    ]
    assert run_cli(capsys, "regress", "specs/", "--update").code == 0
    assert path.read_text() == (
        'model = "models/counter.py"  # just the model\n'
        "\n"
        "[expect]\n"
        'small = "violated"\n'
        'top = "reached"\n'
        "\n"
        "[counts]\n"
        "distinct = 4\n"
        "generated = 4\n"
        "depth = 4\n"
    )


def test_updated_text_edits_in_place() -> None:
    spec = Spec(Path("s.toml"), "s.toml", Path("."), "m.py", expect={})
    text = (
        "model = 'm.py'\r\n"
        "[expect]\r\n"
        "# why it holds\r\n"
        "'odd name' = 'holds'  # quoted key, literal string\r\n"
        "[counts]\r\n"
        "generated = 50_816 # kept: unchanged\r\n"
        "distinct = 9\r\n"
        "[params]\r\n"
        "x = 1"
    )
    new = updated_text(
        spec,
        text,
        {"odd name": "violated", "x-y": "holds"},
        {"distinct": 12345, "generated": 50816},
    )
    assert new == (
        "model = 'm.py'\r\n"
        "[expect]\r\n"
        "# why it holds\r\n"
        "'odd name' = \"violated\"  # quoted key, literal string\r\n"
        'x-y = "holds"\r\n'
        "[counts]\r\n"
        "generated = 50_816 # kept: unchanged\r\n"
        "distinct = 12_345\r\n"
        "[params]\r\n"
        "x = 1\r\n"
    )


def test_update_refuses_a_layout_it_cannot_edit(project: Path) -> None:
    inline = 'model = "models/counter.py"\nexpect = { small = "violated", top = "reached" }\n'
    spec = read_spec(_spec(project, "s.toml", inline), display="s.toml")
    assert spec.expect == {"small": "violated", "top": "reached"}
    with pytest.raises(UsageError) as info:
        updated_text(spec, inline, {"small": "holds", "top": "reached"}, {})
    assert str(info.value) == (
        "s.toml: cannot update the expectations in place: write them as [expect] and "
        "[counts] tables of key = value lines"
    )


# -- JUnit ---------------------------------------------------------------------------------


def test_junit_report_counts_tests_failures_errors_and_skips(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(project, "a_ok.toml", GOOD)
    _spec(project, "b_fail.toml", GOOD.replace('"reached"', '"unreached"'))
    _spec(project, "c_error.toml", GOOD.replace("limit = 3", 'limit = "x"'))
    _spec(project, "d_slow.toml", GOOD.replace("# a comment", "slow = true\n# a comment"))
    run = run_cli(capsys, "regress", "specs", "--junit", "report.xml")
    assert run.code == 2, run
    assert run.err == "wrote report.xml\n"
    root = ET.parse(project / "report.xml").getroot()
    assert root.tag == "testsuites"
    (suite,) = list(root)
    for element in (root, suite):
        assert {k: element.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
            "tests": "4",
            "failures": "1",
            "errors": "1",
            "skipped": "1",
        }
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("specs", "a_ok"),
        ("specs", "b_fail"),
        ("specs", "c_error"),
        ("specs", "d_slow"),
    ]
    assert [[child.tag for child in c] for c in cases] == [[], ["failure"], ["error"], ["skipped"]]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "expect.top: expected unreached, got reached"
    assert float(cases[0].get("time") or "nan") >= 0
    error = cases[2].find("error")
    assert error is not None
    assert error.get("message") == "parameter 'limit' of Counter takes an integer, not 'x'"
    again = run_cli(capsys, "regress", "specs", "--junit", "report.xml", "--force", "--no-timing")
    assert again.code == 2
    assert "time" not in (project / "report.xml").read_text()


def test_update_leaves_a_file_it_cannot_edit_alone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = 'model = "models/counter.py"\nexpect = { small = "holds", top = "reached" }\n'
    path = _spec(project, "inline.toml", text)
    run = run_cli(capsys, "regress", "specs/", "--no-timing", "--update")
    assert run.code == 2
    assert run.err == (
        "error: specs/inline.toml: cannot update the expectations in place: write them as "
        "[expect] and [counts] tables of key = value lines\n"
    )
    assert run.out.splitlines()[-1] == "updated 0 specs"
    assert path.read_text() == text


def test_options_reach_check_and_the_reproduce_command(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = '\n[options]\nstrategy = "dfs"\nmax_depth = 3\nkeep_going = false\ndeadlock = true\n'
    _spec(project, "opts.toml", GOOD + options)
    (spec,) = find_specs(["specs"])
    assert spec.command() == (
        "modelcheck check models/counter.py:Counter -p limit=3 --strategy dfs --max-depth 3 "
        "--deadlock"
    )
    outcome = run_spec(spec)
    assert [(v.name, v.status) for v in outcome.verdicts] == [
        ("small", "unknown"),
        ("top", "unknown"),
        ("deadlock", "unknown"),
    ]
    assert (outcome.distinct, outcome.depth) == (3, 3)
    run = run_cli(capsys, "regress", "specs/", "--no-timing", "--junit", "out/ci/report.xml")
    assert run.code == 1
    assert (project / "out" / "ci" / "report.xml").exists()


def test_a_spec_may_choose_its_properties(project: Path) -> None:
    only = GOOD.replace(
        "[expect]", '[options]\nproperties = ["top"]\nsafety_only = true\n\n[expect]'
    ).replace('small = "violated"   # on purpose\n', "")
    spec = read_spec(_spec(project, "top.toml", only))
    assert spec.command() == (
        "modelcheck check models/counter.py:Counter -p limit=3 --continue --property top "
        "--safety-only"
    )
    assert run_spec(spec).status == "ok"
    bad = only.replace('properties = ["top"]', "properties = []")
    with pytest.raises(UsageError, match=r"options\.properties must be a list of property names"):
        read_spec(_spec(project, "bad.toml", bad))
