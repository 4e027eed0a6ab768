"""Pictures of processes on nodes: a lifeline per process in its node's box, spawns, exits
with their reasons, registered names, notes, and crashes across a node's lifelines.

The byte-for-byte DOT, Mermaid and text of the Shop trace are golden files
(tests/golden/chart_processes_*.txt, processes_text.txt)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from modelcheck import check
from modelcheck.actors import Actor, ActorSystem, Out, message_flow
from modelcheck.render._sequence import Lane, sequence
from modelcheck.render.chart import chart_dot
from modelcheck.render.draw import draw_svg
from modelcheck.render.html import html_report
from modelcheck.render.mermaid import mermaid
from modelcheck.render.nodeview import format_node_trace
from modelcheck.trace import follow
from models.supervision.supervisor_restart import SupervisorRestart
from tests.chart_systems import faulty_trace, shop_trace
from tests.golden_runner import GOLDEN, expected

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)


def _classes(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def _text(g: ET.Element) -> str:
    return "".join(t.text or "" for t in g.iter(f"{SVG}text"))


def test_the_golden_processes_trace_is_the_one_follow_finds() -> None:
    _, trace = shop_trace()
    command, _ = expected(GOLDEN / "chart_processes_dot.txt")
    assert f"--path {trace.path} " in command


def test_messages_name_the_processes_they_went_between() -> None:
    system, trace = shop_trace()
    # put (the writer to the store), ok (back), done (to the boss), the kill signal.
    assert [
        (str(f.source), str(f.target), f.sent, f.received) for f in message_flow(system, trace)
    ] == [
        ("<client.1>", "<server.0>", 1, 2),
        ("<server.0>", "<client.1>", 2, 3),
        ("<client.1>", "<client.0>", 3, 4),
        ("<client.0>", "<client.1>", 4, 5),
    ]
    # A one-process-per-node system: the nodes' names, as the senders and receivers.
    replicate, trace = faulty_trace()
    flows = message_flow(replicate, trace)
    assert all((f.source, f.target) == (f.sender, f.receiver) for f in flows)


def test_lanes_are_processes_grouped_by_node() -> None:
    system, trace = shop_trace()
    seq = sequence(system, trace)
    assert seq.processes
    # The store (registered), the boss (booted), the writer: spawned at 1, killed at 5.
    assert seq.lanes == (
        Lane("<server.0>", "server", "store <server.0>"),
        Lane("<client.0>", "client", "<client.0>"),
        Lane("<client.1>", "client", "<client.1>", 1, 5, "killed", True),
    )
    assert [s[2] for s in seq.status] == ["gone", "up", "up", "up", "up", "gone", "gone"]
    assert [s[0] for s in seq.status][-1] == "down"
    assert seq.ends == ((5, "<client.1>", "killed"),)
    assert [(info.number, info.notes) for info in seq.steps if info.notes] == [
        (2, ("holds 1",)),
        (4, ("writer done",)),
    ]


def test_an_exit_reason_is_the_one_its_links_hear() -> None:
    # one_for_one, max_restarts=1: db <a.1> stops with crash (1), the supervisor restarts
    # it as <a.3> (2), that one crashes too (3), and the supervisor gives up with
    # shutdown (4). The cache <a.2> keeps running.
    model = SupervisorRestart()
    prop = check(model).verdict("supervisor_up")
    assert prop.trace is not None and len(prop.trace) == 4
    seq = sequence(model, prop.trace)
    assert [lane.title for lane in seq.lanes] == ["<a.0>", "db <a.1>", "<a.2>", "db <a.3>"]
    assert seq.ends == ((1, "<a.1>", "crash"), (3, "<a.3>", "crash"), (4, "<a.0>", "shutdown"))


def test_mermaid_boxes_each_node_and_marks_spawns_notes_and_kills() -> None:
    system, trace = shop_trace()
    text = mermaid(system, trace, None)
    assert text.splitlines()[:8] == [
        "sequenceDiagram",
        "    box rgb(244,246,247) node server",
        "    participant n0 as store #60;server.0>",
        "    end",
        "    box rgb(244,246,247) node client",
        "    participant n1 as #60;client.0>",
        "    participant n2 as #60;client.1>",
        "    end",
    ]
    for line in (
        "    n1-->>n2: 1 spawn #60;client.1>",
        "    Note right of n0: 2 note: holds 1",
        "    Note over n2: 5 killed",
        "    Note over n0: 6 crash",
    ):
        assert line in text.splitlines()


@needs_dot
def test_the_chart_draws_node_boxes_spawns_exits_and_notes() -> None:
    system, trace = shop_trace()
    root = ET.fromstring(draw_svg(chart_dot(system, trace, None)))
    boxes = {g.get("id"): _text(g) for g in _classes(root, "node-box")}
    assert boxes == {"node-server": "node server", "node-client": "node client"}
    heads = sorted(_text(g) for g in _classes(root, "lifeline-head"))
    # The writer has a head where it was spawned and none at the bottom: it was killed.
    assert heads == ["<client.0>", "<client.0>", "<client.1>", "store <server.0>"] + [
        "store <server.0>"
    ]
    assert len(_classes(root, "spawn")) == 1
    assert [_text(g) for g in _classes(root, "exit")] == ["killed"]
    assert sorted(_text(g) for g in _classes(root, "note")) == ["holds 1", "writer done"]
    assert [_text(g) for g in _classes(root, "crash")] == ["crash"]
    # The writer's lifeline runs from its spawn (row 1) to its kill (row 5): 4 segments.
    assert len(_classes(root, "lifeline-2")) == 4


def test_notes_are_lines_of_the_html_report_and_the_node_view() -> None:
    system, trace = shop_trace()
    page = html_report(system, trace, None, title="t", svg=None, no_chart="none", stats={})
    assert "<td>note: holds 1<br>&lt;server.0&gt;: 0 -&gt; 1<br>in flight:" in page
    lines = format_node_trace(system, trace, "client")
    at = lines.index('  4  deliver(<client.1>, <client.0>, done, {note: "writer done"})')
    assert lines[at + 1] == "     note: writer done"


class _Idle(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        out.send("x", "hi")
        return 0


class _Empty(ActorSystem):
    """Node ``x`` runs no process."""

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {"a": (_Idle(),), "x": ()}


def test_a_node_without_processes_has_a_lifeline_of_its_own() -> None:
    system = _Empty(crashes=1)
    trace = follow(system, ["crash(x)"])
    seq = sequence(system, trace)
    assert [(lane.key, lane.title) for lane in seq.lanes] == [("<a.0>", "<a.0>"), ("<x.0>", "x")]
    assert [s[1] for s in seq.status] == ["dead", "down"]
    assert mermaid(system, trace, None).splitlines()[-2:] == [
        "    n0-xn1: 0 hi (dropped, not running, sent at 0)",
        "    Note over n1: 1 crash",
    ]


def test_the_node_view_of_a_cluster_shows_the_nodes_processes() -> None:
    # Processes are keyed by pid (<client.0>, <client.1>), not by the node's name: the view
    # once showed "client = none" and "(no change here)" at every step of a cluster().
    system, trace = shop_trace()
    assert format_node_trace(system, trace, "client") == [
        "  node client: 4 of 6 steps concern it (1, 3, 4, 5)",
        "  0  initial state",
        "     <client.0> = 0",
        "     timers = {<client.0>: [go]}",
        "  1  timeout(<client.0>, go)",
        "     timers: {<client.0>: [go]} -> none",
        "     <client.1>: none -> 0",
        '     in flight: none -> ["<client.1> -> store on server: [put, 1]"]',  # (by name)
        "     (step 2: other nodes)",
        "  3  deliver(<server.0>, <client.1>, [ok, 1])",
        "     <client.1>: 0 -> 1",
        "     in flight: - <server.0> -> <client.1>: [ok, 1], + <client.1> -> <client.0>: done",
        '  4  deliver(<client.1>, <client.0>, done, {note: "writer done"})',
        "     note: writer done",
        "     <client.0>: 0 -> 1",
        "     in flight: - <client.1> -> <client.0>: done, "
        "+ <client.0> -> <client.1>: kill(<client.0>)",
        "  5  deliver(<client.0>, <client.1>, kill(<client.0>))",
        "     <client.1>: 1 -> none",
        '     in flight: ["<client.0> -> <client.1>: kill(<client.0>)"] -> none',
        "     (step 6: other nodes)",
    ]
