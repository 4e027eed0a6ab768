"""The state graph of a small model as DOT: a box per state (its fields, shortened), an arrow
per transition labelled with its action, the initial states bold, and each trace found by
the check (a counterexample in red, an example in green) drawn over it with its step
numbers; a state where an invariant fails is filled red."""

from __future__ import annotations

import math
from typing import Any

import graphviz
import networkx as nx

from modelcheck.model import Model
from modelcheck.render._states import plain_state
from modelcheck.result import CheckResult
from modelcheck.values import format_value

__all__ = ["state_graph_dot"]

_PALETTE = {"violated": ("#c0392b", "#fadbd8"), "reached": ("#1e8449", "#d5f5e3")}


def _label_text(shown: dict[str, Any], limit: int = 48) -> str:
    lines = []
    for key, value in shown.items():
        text = f"{key} = {format_value(value)}"
        lines.append(text if len(text) <= limit else text[: limit - 1] + "…")
    return "".join(graphviz.escape(line) + "\\l" for line in lines)


#: Graphs with more states than this are laid out here, on a grid, not by ``dot``.
GRID_ABOVE = 60
_CHAR = 5.4  # the width of a Courier character at 9 pt
_LINE = 10.0  # the height of a line of a state's label


def _grid(dot: graphviz.Digraph, graph: nx.MultiDiGraph, labels: dict[int, str]) -> str:
    """Pin every state on a grid: rows by breadth-first level, top to bottom, a level wider
    than the grid wrapped onto the next rows; the grid about 16:10, so a large graph is not
    one very long line (``dot`` drew TwoPhase with 3 RMs, 288 states, 26,514 pt wide).
    Returns where the legend goes: above the first row."""
    lines = [label.split("\\l") for label in labels.values()]
    width = max(len(line) for parts in lines for line in parts) * _CHAR + 24
    height = max(len(parts) for parts in lines) * _LINE + 60
    columns = max(4, math.ceil(math.sqrt(len(graph) * height / width * 1.6)))
    by_level: dict[int, list[int]] = {}
    for number, level in graph.nodes(data="level"):
        by_level.setdefault(level, []).append(number)
    dot.attr(layout="neato", inputscale="72", splines="line", overlap="true")
    row = 0
    for level in sorted(by_level):
        numbers = sorted(by_level[level])
        for start in range(0, len(numbers), columns):
            for column, number in enumerate(numbers[start : start + columns]):
                x, y = column * width, -row * height
                dot.node(str(number), pos=f"{x:.0f},{y:.0f}!")
            row += 1
    return f"0,{height:.0f}!"


def state_graph_dot(model: Model[Any], graph: nx.MultiDiGraph, result: CheckResult | None) -> str:
    """DOT for ``graph`` (from :func:`modelcheck.statespace.state_graph`), with the traces of
    ``result`` highlighted."""
    index = {data["state"]: number for number, data in graph.nodes(data=True)}
    on_path: dict[tuple[int, int, int], tuple[str, list[int]]] = {}
    marked: dict[int, str] = {}
    legend = []
    for prop in result.properties if result is not None else ():
        if prop.trace is None or prop.status not in _PALETTE:
            continue
        color, fill = _PALETTE[prop.status]
        numbers = [index.get(step.state) for step in prop.trace.steps]
        if any(n is None for n in numbers):
            continue
        what = "counterexample" if prop.status == "violated" else "example"
        legend.append((color, f"{what} for {prop.kind} {prop.name} ({len(prop.trace)} steps)"))
        for k, step in enumerate(prop.trace.steps[1:], start=1):
            a, b = numbers[k - 1], numbers[k]
            assert a is not None and b is not None
            key = next((key for key, d in graph[a][b].items() if d["choice"] == step.choice), None)
            if key is not None:
                old = on_path.get((a, b, key))
                steps = (old[1] if old else []) + [k]
                on_path[(a, b, key)] = (old[0] if old else color, steps)
        last = numbers[-1]
        assert last is not None
        if prop.status == "violated" and prop.kind in ("always", "deadlock"):
            marked.setdefault(last, fill)
    dot = graphviz.Digraph("states")
    dot.attr(rankdir="TB", bgcolor="white", fontname="Helvetica", pad="0.3", nodesep="0.3")
    dot.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fillcolor="white",
        fontsize="9",
        fontname="Courier",
        color="#566573",
    )
    dot.attr("edge", fontsize="8", fontname="Helvetica", color="#95a5a6", fontcolor="#566573")
    labels: dict[int, str] = {}
    for number, data in graph.nodes(data=True):
        label = f"state {number}\\l" + _label_text(plain_state(model, data["state"]))
        labels[number] = label
        attrs = {"fillcolor": marked.get(number, "white")}
        if data["initial"]:
            attrs.update(penwidth="2.5", color="#1f2d3d")
        dot.node(str(number), label=graphviz.nohtml(label), id=f"state-{number}", **attrs)
    legend_at = _grid(dot, graph, labels) if len(graph) > GRID_ABOVE else None
    for a, b, key, data in graph.edges(keys=True, data=True):
        text = graphviz.escape(data["label"])
        if (a, b, key) in on_path:
            color, steps = on_path[(a, b, key)]
            where = ", ".join(str(k) for k in steps)
            dot.edge(
                str(a),
                str(b),
                label=graphviz.nohtml(f"{where}: {text}"),
                color=color,
                fontcolor=color,
                penwidth="2.5",
                **{"class": "path"},
            )
        else:
            dot.edge(str(a), str(b), label=graphviz.nohtml(text))
    if legend or not graph.graph.get("complete", True):
        lines = [f"{len(graph)} states, {graph.number_of_edges()} transitions"]
        if not graph.graph.get("complete", True):
            lines.append("(cut at the depth bound: deeper states are not drawn)")
        rows = "".join(f"{graphviz.escape(line)}\\l" for line in lines)
        rows += "".join(f"{graphviz.escape(text)}\\l" for _, text in legend)
        dot.node(
            "legend",
            label=graphviz.nohtml(rows),
            shape="note",
            style="filled",
            fillcolor="#fdfefe",
            fontname="Helvetica",
            fontsize="10",
            id="legend",
            **({"pos": legend_at} if legend_at else {}),
        )
    source: str = dot.source
    return source
