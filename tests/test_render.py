"""Counterexamples to look at: charts (checked structurally in Graphviz's SVG), ITF round
trips, Mermaid, the per-node view, `render`, `graph`, and what happens without Graphviz.

The byte-for-byte checks of DOT, Mermaid, ITF and text are golden files
(tests/golden/chart_*.txt, itf_*.txt, *node*.txt)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelcheck import Model, always, check
from modelcheck.actors import message_flow
from modelcheck.render.chart import chart_dot
from modelcheck.render.draw import draw_svg
from modelcheck.render.itf import decode_value, encode_value
from modelcheck.render.mermaid import mermaid
from tests.chart_systems import FAULTY_ACTIONS, PingPong, Spin, faulty_trace
from tests.cli_helpers import run_cli
from tests.golden_runner import GOLDEN, expected

ROOT = Path(__file__).parent.parent
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)


def _svg(source: str) -> ET.Element:
    return ET.fromstring(draw_svg(source))


def _classes(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


# -- the sequence chart, structurally ------------------------------------------------------


@needs_dot
def test_the_faulty_trace_chart_has_every_kind_of_event() -> None:
    system, trace = faulty_trace()
    flows = message_flow(system, trace)
    root = _svg(chart_dot(system, trace, None))
    # A lifeline per node (a segment per step and two to the name boxes), a name box at
    # the top and at the bottom of each.
    lanes = {c for g in _classes(root, "lifeline") for c in g.get("class", "").split()}
    assert sorted(lanes - {"lifeline", "edge"}) == [f"lifeline-{i}" for i in range(5)]
    assert len(_classes(root, "lifeline")) == 5 * (len(trace) + 2)
    heads = [g.find(f"{SVG}text") for g in _classes(root, "lifeline-head")]
    assert sorted(t.text or "" for t in heads if t is not None) == sorted(
        ["primary", "b1", "b2", "b3", "b4"] * 2
    )
    # An arrow per message, of each fate; a cross per lost or dropped one.
    assert len(_classes(root, "message")) == len(flows) == 27
    fates = [f.fate for f in flows]
    assert len(_classes(root, "message-delivered")) == fates.count("delivered") == 22
    assert len(_classes(root, "message-lost")) == fates.count("lost") == 2
    assert len(_classes(root, "message-dropped")) == fates.count("dropped") == 1
    assert len(_classes(root, "message-in-flight")) == fates.count("in flight") == 2
    assert len(_classes(root, "cross")) == 3
    assert sum(f.copy_of is not None for f in flows) == 1
    assert len(_classes(root, "duplicate")) == 1
    # The partition and the heal are bands naming the groups; crash and restart on b2.
    bands = {
        g.get("id"): "".join(t.text or "" for t in g.iter(f"{SVG}text"))
        for g in _classes(root, "band")
    }
    assert bands == {
        "band-16": "partition: [primary, b1, b3] | [b2, b4]",
        "band-20": "heal: every link up",
    }
    assert root.find(f".//{SVG}g[@id='split-0']") is not None
    assert len(_classes(root, "crash")) == len(_classes(root, "restart")) == 1
    assert len(_classes(root, "timer")) == FAULTY_ACTIONS.count("timeout(primary, retry)") == 2
    # A step label per step, in order.
    steps = [root.find(f".//{SVG}g[@id='step-{k}']") for k in range(len(trace) + 1)]
    assert all(s is not None for s in steps)


@needs_dot
def test_the_violated_property_is_at_the_bottom() -> None:
    from models.messaging.late_reply import UntaggedReply

    model = UntaggedReply()
    prop = check(model).verdict("answers_are_right")
    assert prop.trace is not None
    root = _svg(chart_dot(model, prop.trace, prop))
    box = root.find(f".//{SVG}g[@id='property']")
    assert box is not None
    text = " ".join(t.text or "" for t in box.iter(f"{SVG}text"))
    assert text.startswith("always answers_are_right violated: false in the last state")
    # It is below every step.
    last = root.find(f".//{SVG}g[@id='step-3']//{SVG}text")
    below = box.find(f".//{SVG}text")
    assert last is not None and below is not None
    assert float(below.get("y", "0")) > float(last.get("y", "0"))


@needs_dot
def test_a_lasso_is_bracketed_in_the_chart_and_looped_in_mermaid() -> None:
    model = PingPong()
    prop = check(model).verdict("done")
    assert prop.status == "violated" and prop.trace is not None
    trace = prop.trace
    assert trace.loop is not None and trace.loop < len(trace)
    root = _svg(chart_dot(model, trace, prop))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert f"loop: steps {trace.loop + 1}-{len(trace)}" in texts
    assert "repeat forever" in texts
    assert any((g.findtext(f"{SVG}title") or "").startswith("lasso_b") for g in root.iter())
    text = mermaid(model, trace, prop)
    assert f"    loop steps {trace.loop + 1}-{len(trace)} repeat forever\n" in text
    assert text.count("\n    end\n") == 1


@needs_dot
def test_a_plain_model_is_a_table_of_states() -> None:
    model = Spin()
    prop = check(model).verdict("reaches_three")
    assert prop.trace is not None and prop.trace.loop is not None
    root = _svg(chart_dot(model, prop.trace, prop))
    cells = [t.text for t in root.iter(f"{SVG}text")]
    assert cells[:3] == ["step", "action", "state"]
    assert "loop (shaded): steps 1-3 repeat forever" in cells
    notes = "\n".join(mermaid(model, prop.trace, prop).splitlines())
    assert "loop steps 1-3 repeat forever" in notes


# -- the trace used by the golden files --------------------------------------------------


def test_the_golden_fault_trace_is_the_one_follow_finds() -> None:
    _, trace = faulty_trace()
    command, _ = expected(GOLDEN / "chart_faults_dot.txt")
    assert f"--path {trace.path} " in command
    assert [s.action for s in trace.steps[1:]] == FAULTY_ACTIONS
    assert len(trace) == 30


# -- ITF ---------------------------------------------------------------------------------


class Point(NamedTuple):
    x: int
    tags: frozenset[str]


values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.text(max_size=5),
    lambda inner: (
        st.tuples(inner, inner)
        | st.frozensets(st.integers(0, 9) | st.text(max_size=3), max_size=4)
        | st.builds(Point, st.integers(), st.frozensets(st.text(max_size=3), max_size=3))
    ),
    max_leaves=12,
)


@given(values)
def test_itf_values_round_trip(value: Any) -> None:
    encoded = encode_value(value)
    assert encode_value(decode_value(encoded)) == encoded
    json.dumps(encoded)  # plain JSON


def test_itf_encodes_as_the_format_says() -> None:
    assert encode_value(7) == {"#bigint": "7"}
    assert encode_value(2**70) == {"#bigint": str(2**70)}
    assert encode_value(frozenset({3, 1})) == {"#set": [{"#bigint": "1"}, {"#bigint": "3"}]}
    assert encode_value(("a", True)) == {"#tup": ["a", True]}
    assert encode_value({"k": 1}) == {"#map": [["k", {"#bigint": "1"}]]}
    assert encode_value(Point(1, frozenset())) == {"x": {"#bigint": "1"}, "tags": {"#set": []}}
    assert encode_value(1.5) == {"#unserializable": "1.5"}


def test_itf_files_load_back_and_tampering_is_caught(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    run = run_cli(
        capsys,
        "check",
        "models/messaging/late_reply.py:UntaggedReply",
        "--no-timing",
        "--out",
        str(out),
    )
    assert run.code == 1
    itf = json.loads((out / "answers_are_right.itf.json").read_text())
    assert itf["vars"] == ["client", "server", "in flight", "timers"]
    assert [s["#meta"]["index"] for s in itf["states"]] == [0, 1, 2, 3]
    assert itf["states"][3]["in flight"] == ["client -> server: [call, 2]"]
    # A state the model did not show ("in flight" after step 3 is empty: shown as []).
    assert all(set(s) == {"#meta", *itf["vars"]} for s in itf["states"])
    replayed = run_cli(
        capsys, "replay", "models/messaging/late_reply.py:UntaggedReply", "--path", "0.0.1.1"
    )
    rendered = run_cli(capsys, "render", str(out / "answers_are_right.itf.json"))
    assert rendered.code == 0
    steps = [line for line in rendered.out.splitlines() if line.startswith("  ")]
    assert steps[2:-1] == replayed.out.splitlines()[1:-2]
    # Change the server's count in the last state: the file no longer matches the model.
    itf["states"][3]["server"] = {"#bigint": "5"}
    (tmp_path / "bad.itf.json").write_text(json.dumps(itf))
    bad = run_cli(capsys, "render", str(tmp_path / "bad.itf.json"))
    assert bad.code == 2
    assert bad.err == (
        f"error: {tmp_path / 'bad.itf.json'}: step 3 of the replayed path differs from the saved "
        "state (the model changed since the trace was saved?)\n"
    )
    # An ITF file from another tool names no modelcheck model.
    del itf["#meta"]["modelcheck"]
    (tmp_path / "foreign.itf.json").write_text(json.dumps(itf))
    foreign = run_cli(capsys, "render", str(tmp_path / "foreign.itf.json"))
    assert foreign.code == 2 and foreign.err.count("\n") == 1
    assert "does not name its modelcheck model" in foreign.err


# -- render and check --out write the same files ------------------------------------------


def test_render_writes_what_check_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    first, second = tmp_path / "first", tmp_path / "second"
    run = run_cli(
        capsys, "check", "tests/chart_systems.py:PingPong", "--no-timing", "--out", str(first)
    )
    assert run.code == 1
    names = sorted(p.name for p in first.iterdir())
    assert names == [
        "done.dot",
        "done.html",
        "done.itf.json",
        "done.json",
        "done.mmd",
        "done.png",
        "done.svg",
        "done.txt",
        "result.json",
    ]
    saved = json.loads((first / "done.json").read_text())
    assert saved["spec"] == "tests/chart_systems.py:PingPong" and saved["loop"] is not None
    again = run_cli(capsys, "render", str(first / "done.json"), "--out", str(second))
    assert again.code == 0
    for name in names:
        if name not in ("result.json", "done.txt", "done.png"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    itf = json.loads((second / "done.itf.json").read_text())
    assert itf["loop"] == saved["loop"]
    # Never overwrite without --force.
    refused = run_cli(capsys, "render", str(first / "done.json"), "--out", str(second))
    assert refused.code == 2
    assert refused.err == (
        f"error: {second / 'done.txt'} already exists: pass --force to overwrite, or choose "
        "another --out folder\n"
    )


def test_bad_trace_files_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    (tmp_path / "y.json").write_text('{"a": 1}')
    for name, message in (
        ("missing.json", "no such file"),
        ("x.json", "not JSON"),
        ("y.json", "not a trace file"),
    ):
        run = run_cli(capsys, "render", str(tmp_path / name))
        assert run.code == 2 and run.err.count("\n") == 1 and message in run.err, run.err


def test_node_needs_an_actor_system_and_one_of_its_nodes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lost = str(ROOT / "models/intro/lost_update.py")
    run = run_cli(capsys, "check", lost, "--node", "n1")
    assert (run.code, run.err) == (
        2,
        "error: --node applies to actor systems (built on "
        "modelcheck.actors.ActorSystem), and LostUpdate is not one\n",
    )
    late = str(ROOT / "models/messaging/late_reply.py") + ":UntaggedReply"
    run = run_cli(capsys, "replay", late, "--path", "0.0", "--node", "klient")
    assert (run.code, run.err) == (
        2,
        "error: UntaggedReply has no node 'klient': did you mean client? "
        "its nodes are client, server\n",
    )


# -- escaping ------------------------------------------------------------------------------

EVIL = "<script>document.body.setAttribute('data-pwned','1')</script>"


class Evil(Model[tuple[str, int]]):
    """States and labels that hold markup."""

    def init_states(self) -> list[tuple[str, int]]:
        return [(EVIL, 0)]

    def actions(self, s: tuple[str, int]) -> list[tuple[Any, tuple[str, int]]]:
        if s[1] >= 2:
            return []
        bad = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
        return [((bad, '"quoted" & \\ back'), (f"{EVIL};#{s[1]}", s[1] + 1))]

    @always
    def short(self, s: tuple[str, int]) -> bool:
        """<b>never</b> two steps"""
        return s[1] < 2


def test_model_text_is_escaped_everywhere(tmp_path: Path) -> None:
    from modelcheck.render.bundle import trace_files

    model = Evil()
    prop = check(model).verdict("short")
    assert prop.trace is not None
    files = trace_files(model, prop, "short", spec=None, search={}).files
    page = str(files["short.html"])
    assert "<script>document" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document" in page
    assert page.count("<script") == 2  # the trace data and the page's own script
    mmd = str(files["short.mmd"])
    assert "<script" not in mmd and "#60;script>" in mmd and "#59;#35;1" in mmd
    assert all(line.startswith(("sequenceDiagram", "    ")) for line in mmd.splitlines())
    if "short.svg" in files:
        ET.fromstring(str(files["short.svg"]))  # well-formed: nothing broke out
        assert "<script" not in str(files["short.svg"])
    (tmp_path / "evil.html").write_text(page)


# -- the state graph ----------------------------------------------------------------------


@needs_dot
def test_graph_draws_a_small_model_with_its_counterexample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = run_cli(
        capsys, "graph", str(ROOT / "models/intro/lost_update.py"), "--out", str(tmp_path)
    )
    assert run.code == 0
    assert run.out == (
        "LostUpdate (procs=2): 13 states, 14 transitions\n"
        "  counterexample for always no_lost_update in red (4 steps)\n"
        "  example for sometimes all_done in green (4 steps)\n"
    )
    root = ET.fromstring((tmp_path / "states.svg").read_text())
    states = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("state-")]
    assert len(states) == 13
    path = _classes(root, "path")
    assert len(path) == 7  # 4 + 4 steps, sharing the first one
    assert "states.dot" in {p.name for p in tmp_path.iterdir()}


def test_graph_refuses_a_large_model_and_suggests_a_depth(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    two_phase = str(ROOT / "models/classic/two_phase.py")
    run = run_cli(capsys, "graph", two_phase, "-p", "rms=4", "--out", str(tmp_path / "g"))
    assert run.code == 2
    assert run.err == (
        "error: TwoPhase has more than 500 reachable states, too many to draw readably: draw "
        "the first levels with --max-depth 5 (288 states), or raise --max-states\n"
    )
    assert not (tmp_path / "g").exists()
    bounded = run_cli(
        capsys, "graph", two_phase, "-p", "rms=4", "--max-depth", "3", "--out", str(tmp_path / "g")
    )
    assert bounded.code == 0
    assert bounded.out.startswith("TwoPhase (rms=4): 46 states, 81 transitions")
    assert ", cut at depth 3\n" in bounded.out


# -- without Graphviz ---------------------------------------------------------------------


def test_without_dot_everything_but_pictures_is_written(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelcheck",
            "check",
            str(ROOT / "models/messaging/late_reply.py:UntaggedReply"),
            "--no-timing",
            "--out",
            str(out),
        ],
        env={**os.environ, "PATH": str(empty)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: Graphviz's dot is not installed, so no SVG or PNG was drawn (DOT, text, JSON, "
        "ITF, Mermaid and HTML were written): install it with 'apt-get install graphviz' or "
        "'brew install graphviz' (make setup does where it can)"
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        "answers_are_right.dot",
        "answers_are_right.html",
        "answers_are_right.itf.json",
        "answers_are_right.json",
        "answers_are_right.mmd",
        "answers_are_right.txt",
        "result.json",
    ]
    page = (out / "answers_are_right.html").read_text()
    assert "<svg" not in page
    assert "No chart: Graphviz&#x27;s dot is not installed (apt-get install graphviz)" in page


# -- the docs' chart (docs/counterexamples.md) --------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@needs_dot
def test_make_chart_still_draws_the_readme_png(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    target = tmp_path / "late_reply.png"
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "chart",
            f"CHART_PNG={target}",
            f"BIN={Path(sys.executable).parent}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    checked_in = (ROOT / "docs/late_reply.png").read_bytes()
    made = target.read_bytes()
    (w0, h0), (w1, h1) = _png_size(checked_in), _png_size(made)
    assert abs(w1 - w0) <= w0 * 0.1 and abs(h1 - h0) <= h0 * 0.1, ((w0, h0), (w1, h1))
    assert len(checked_in) / 2 <= len(made) <= len(checked_in) * 2


def test_the_docs_show_the_golden_mermaid_and_node_view() -> None:
    readme = (ROOT / "docs/counterexamples.md").read_text()
    for name in ("chart_late_reply_mermaid", "late_reply_node_client"):
        _, output = expected(GOLDEN / f"{name}.txt")
        body = output.rsplit("# exit", 1)[0]
        if name.startswith("late_reply_node"):
            body = body[body.index("  node client") :]
        assert body in readme, name
