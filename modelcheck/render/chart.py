"""Charts of a trace, as Graphviz DOT: a message sequence chart for an actor system, a
state-by-step table for any other model.

The sequence chart has a lifeline per node (a column) and a row per step; in a system of
processes on nodes (``cluster()``), a lifeline per process, headed by its registered name
and pid, the lifelines of a node in a box named after it. A spawned process's lifeline
starts at the step that spawned it (a dotted ``spawn`` arrow from its parent) and ends with
a mark saying why (``killed``, ``exit: reason``); a node's crash and restart span its
lifelines; what a handler wrote with ``out.note`` is a note on its lifeline at that step. A
message is an arrow from the row of the step that sent it to the row of the step that
delivered it; a lost or dropped message ends in a cross where it was lost; a copy made by
the network's ``duplicate`` is dashed and says so; crashes, restarts and exits sit on the
lifeline, which is dashed while the node is down or its process is not running; partitions
and cuts are bands across the chart naming the groups, and the time until the heal is
shaded; timer firings and runtime signals are notes beside the lifeline. The property the
trace is about is written at the bottom, and a lasso's cycle is bracketed on the right.

Every position is computed here and pinned (``layout=neato``, ``inputscale=72``): the
drawing is the same on every machine, and ``dot -Tsvg chart.dot`` reproduces it.

A model that is not an actor system has no lifelines to draw: its chart is a table, a row
per step (number and action) and a column per field of ``show(state)``, with the fields a
step changed highlighted.
"""

from __future__ import annotations

import html
import itertools
from typing import Any

import graphviz

from modelcheck.actors import ActorSystem
from modelcheck.model import Model
from modelcheck.render._sequence import Message, Sequence, sequence
from modelcheck.render._states import plain_state
from modelcheck.result import PropertyResult
from modelcheck.trace import Trace
from modelcheck.values import format_value

__all__ = ["chart_dot", "property_line"]

LABEL_W = 270  # the step column
LANE_W = 180  # between lifelines
NODE_GAP = 30  # more between the lifelines of two nodes (when lifelines are processes)
ROW_H = 30
TOP = 0
FONT = "Helvetica"

_COLORS = {
    "delivered": "#1f2d3d",
    "lost": "#c0392b",
    "dropped": "#7f8c8d",
    "in flight": "#2e86c1",
}


def chart_dot(model: Model[Any], trace: Trace, prop: PropertyResult | None) -> str:
    """The chart of ``trace`` as DOT source (see the module's documentation)."""
    if isinstance(model, ActorSystem):
        return _sequence_chart(model, trace, prop)
    return _table_chart(model, trace, prop)


def property_line(prop: PropertyResult) -> str:
    """One line saying what the trace shows about the property."""
    assert prop.trace is not None
    about = f": {prop.description}" if prop.description else ""
    if prop.kind == "deadlock" and prop.status == "violated":
        return "deadlock: no action is enabled in the last state"
    if prop.note:
        return f"{prop.kind} {prop.name} {prop.status}: {prop.note}"
    if prop.status == "violated":
        return f"{prop.kind} {prop.name} violated: false in the last state{about}"
    if prop.status == "reached":
        return f"{prop.kind} {prop.name} reached: true in the last state{about}"
    return f"{prop.kind} {prop.name} {prop.status}{about}"


# -- helpers ----------------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(text: str) -> graphviz.quoting.NoHtml:
    """Model text as a DOT label: never HTML, backslashes literal, one line."""
    return graphviz.nohtml(graphviz.escape(" ".join(text.split())))


def _pos(x: float, y: float) -> str:
    return f"{x:g},{y:g}!"


def _inches(points: float) -> str:
    return f"{points / 72:.3f}"


# -- actor systems: the message sequence chart ---------------------------------------------


class _Chart:
    def __init__(self, seq: Sequence, trace: Trace) -> None:
        self.seq = seq
        self.n = len(trace)
        self.lanes: dict[str, float] = {}
        x = LABEL_W + 70
        for i, lane in enumerate(seq.lanes):
            if i and seq.processes and lane.node != seq.lanes[i - 1].node:
                x += NODE_GAP  # the nodes' boxes apart
            self.lanes[lane.key] = x
            x += LANE_W
        self.right = x - LANE_W
        self.dot = graphviz.Digraph("chart")
        self.dot.attr(
            layout="neato",
            inputscale="72",
            splines="line",
            bgcolor="white",
            fontname=FONT,
            pad="0.3",
        )
        self.dot.attr("node", fontname=FONT, fontsize="10", margin="0.02,0.01")
        self.dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")

    def y(self, row: float) -> float:
        return TOP - 40 - row * ROW_H

    def box(self, name: str, x: float, y: float, w: float, h: float, **attrs: str) -> None:
        self.dot.node(
            name,
            pos=_pos(x, y),
            width=_inches(w),
            height=_inches(h),
            fixedsize="true",
            **attrs,
        )

    def point(self, name: str, x: float, y: float) -> None:
        # Transparent, not invisible: Graphviz leaves invisible nodes out of its output, and
        # an edge between two of them would then be drawn first, under everything.
        self.dot.node(
            name, label="", shape="point", width="0.01", color="transparent", pos=_pos(x, y)
        )


def _sequence_chart(system: ActorSystem, trace: Trace, prop: PropertyResult | None) -> str:
    seq = sequence(system, trace)
    c = _Chart(seq, trace)
    n = c.n
    left, right = LABEL_W + 20, c.right + 90
    width = right - left
    full = right + 10
    # Declaration order is drawing order: what is declared first is underneath.
    _stripes(c, left, right)
    if seq.processes:
        _node_boxes(c)
    _lifelines(c)
    for info in seq.steps:
        if info.kind in ("partition", "cut", "heal"):
            heal = info.kind == "heal"
            c.box(
                f"band{info.number}",
                (left + right) / 2,
                c.y(info.number),
                width,
                ROW_H - 8,
                shape="box",
                style="filled,rounded",
                fillcolor="#abebc6c0" if heal else "#f8c471c0",
                color="#1e8449" if heal else "#b9770e",
                label=_label(f"{info.kind}: {info.detail}"),
                fontsize="10",
                id=f"band-{info.number}",
                **{"class": "band"},
            )
    for m in seq.messages:
        _message(c, m)
    _spawns(c)
    _activations(c)
    for info in seq.steps:
        text = f"{info.number}   {_short(info.action, 42)}"
        c.box(
            f"step{info.number}",
            LABEL_W / 2,
            c.y(info.number),
            LABEL_W,
            ROW_H - 4,
            shape="plaintext",
            label=graphviz.nohtml(_label(text) + "\\l"),
            id=f"step-{info.number}",
            tooltip=_label(info.action),
            fontname="Courier",
            fontsize="10",
        )
    for lane, (node, x) in zip(seq.lanes, c.lanes.items(), strict=True):
        rows: list[tuple[float, str]] = [(lane.start if lane.spawned else -1, "top")]
        if seq.status[n][seq.lanes.index(lane)] != "gone":
            rows.append((n + 1.4, "bottom"))
        for row, where in rows:
            c.box(
                f"head_{where}_{node}",
                x,
                c.y(row),
                LANE_W - 40,
                22,
                shape="box",
                style="filled,rounded",
                fillcolor="#d6eaf8",
                color="#2874a6",
                fontsize="11",
                label=_label(lane.title),
                **{"class": "lifeline-head"},
            )
    _lasso(c, trace)
    if prop is not None and prop.trace is not None:
        line = property_line(prop)
        bad = prop.status == "violated"
        c.box(
            "property",
            full / 2,
            c.y(n + 2.8),
            full,
            34,
            shape="box",
            style="filled,rounded,bold",
            fillcolor="#fadbd8" if bad else "#d5f5e3",
            color="#c0392b" if bad else "#1e8449",
            fontsize="11",
            id="property",
            label=_wrapped(line, int(full / 6.2), 2),
            tooltip=_label(line),
        )
    source: str = c.dot.source
    return source


def _wrapped(text: str, width: int, lines: int) -> graphviz.quoting.NoHtml:
    """``text`` on at most ``lines`` centred lines of about ``width`` characters."""
    words, out, line = " ".join(text.split()).split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    if len(out) > lines:
        out = out[: lines - 1] + [_short(" ".join(out[lines - 1 :]), width)]
    return graphviz.nohtml("\\n".join(graphviz.escape(part) for part in out))


def _stripes(c: _Chart, left: float, right: float) -> None:
    """Every other row shaded, and the time between a partition (or cut) and its heal."""
    n = c.n
    full = right + 10
    for k in range(1, n + 1, 2):
        c.box(
            f"zebra{k}",
            full / 2,
            c.y(k),
            full,
            ROW_H,
            shape="box",
            style="filled",
            color="#f4f6f7",
            fillcolor="#f4f6f7",
            label="",
        )
    since: int | None = None
    periods: list[tuple[int, int]] = []
    for info in c.seq.steps:
        if info.kind in ("partition", "cut") and since is None:
            since = info.number
        elif info.kind == "heal" and since is not None:
            periods.append((since, info.number))
            since = None
    if since is not None:
        periods.append((since, n))
    for p, (start, end) in enumerate(periods):
        top, bottom = c.y(start), c.y(end)
        c.box(
            f"split{p}",
            (left + right) / 2,
            (top + bottom) / 2,
            right - left,
            top - bottom,
            shape="box",
            style="filled",
            color="#fae5d3",
            fillcolor="#fdf2e9c0",
            label="",
            id=f"split-{p}",
        )


def _lifelines(c: _Chart) -> None:
    """A lifeline per node: a segment per step, dashed while its process is not running."""
    n, seq = c.n, c.seq
    styles = {
        "up": ("solid", "#95a5a6"),
        "dead": ("dashed", "#bdc3c7"),
        "down": ("dashed", "#e6b0aa"),
    }
    for i, (node, x) in enumerate(c.lanes.items()):
        head = seq.lanes[i].start if seq.lanes[i].spawned else -1
        c.point(f"l_{node}_top", x, c.y(head) - 11)
        for k in range(n + 1):
            c.point(f"l_{node}_{k}", x, c.y(k))
        c.point(f"l_{node}_bottom", x, c.y(n + 1.4) + 11)
        names = [f"l_{node}_top", *(f"l_{node}_{k}" for k in range(n + 1)), f"l_{node}_bottom"]
        for k, (a, b) in enumerate(itertools.pairwise(names)):
            # The segment below row k - 1: the node as it is after step k - 1.
            status = "up" if k == 0 and head < 0 else seq.status[max(k - 1, 0)][i]
            if status == "gone":  # not spawned yet, or ended
                continue
            style, color = styles[status]
            c.dot.edge(
                a,
                b,
                arrowhead="none",
                style=style,
                color=color,
                penwidth="1.5",
                **{"class": f"lifeline lifeline-{i}"},
            )


def _message(c: _Chart, m: Message) -> None:
    """One message: an arrow from its send to its delivery, or to a cross where it was lost."""
    n = c.n
    x0, x1 = c.lanes[m.sender], c.lanes[m.receiver]
    direction = 1 if x1 >= x0 else -1
    start: tuple[float, float] = (x0 + 7 * direction, c.y(m.sent))
    end: tuple[float, float]
    color = _COLORS.get(m.fate, "#1f2d3d")
    style = "dotted" if m.signal else "solid"
    text = _short(m.text, 28)
    if m.copy_of is not None:
        style, color, text = "dashed", "#8e44ad", _short(f"copy: {m.text}", 28)
    if x1 == x0:  # to itself: a short hook to the right
        x1 = x0 + 2 * 40
    if m.received is not None:
        end = (x1 - 7 * direction, c.y(m.received))
        head = "normal"
    elif m.ended is not None:
        row = m.ended if m.ended > m.sent else m.sent + 0.5
        # The cross sits in the gap before the receiver's lifeline, never on another one.
        end = (x1 - direction * min(LANE_W * 0.3, abs(x1 - x0) * 0.5), c.y(row))
        head = "none"
    else:  # still in flight when the trace ends
        end = (x0 + (x1 - x0) * 0.7, c.y(n + 0.75))
        head = "open"
        style = "dashed"
    a, b = f"m{m.index}_from", f"m{m.index}_to"
    c.point(a, *start)
    c.point(b, *end)
    c.dot.edge(
        a,
        b,
        arrowhead=head,
        color=color,
        style=style,
        penwidth="1.3",
        tooltip=_label(f"{m.sender} -> {m.receiver}: {m.text} ({m.fate})"),
        **{"class": f"message message-{m.fate.replace(' ', '-')}"},
    )
    # The text sits in the last gap the arrow crosses, before the receiver: never on a
    # lifeline, and apart from the other messages of a broadcast.
    dx = end[0] - start[0]
    t = max(0.5, 1 - (LANE_W * 0.45) / abs(dx)) if dx else 0.5
    lx, ly = start[0] + dx * t, start[1] + (end[1] - start[1]) * t
    c.dot.node(
        f"m{m.index}_label",
        label=_label(text),
        shape="plaintext",
        fontsize="9",
        fontcolor=color,
        pos=_pos(lx, ly + 6),
        style="filled",
        fillcolor="#ffffffd8",
        color="transparent",
        height="0.15",
        width="0.1",
        margin="0.01,0",
    )
    if m.received is None and m.ended is not None:
        why = "lost" if m.fate == "lost" else "dropped: not running"
        c.dot.node(
            f"m{m.index}_x",
            label="×",
            shape="plaintext",
            fontsize="20",
            fontcolor=color,
            pos=_pos(*end),
            tooltip=why,
            **{"class": "cross"},
        )
        c.dot.node(
            f"m{m.index}_why",
            label=why,
            shape="plaintext",
            fontsize="8",
            fontcolor=color,
            pos=_pos(end[0], end[1] - 12),
        )
    elif m.received is None:
        c.dot.node(
            f"m{m.index}_why",
            label="in flight",
            shape="plaintext",
            fontsize="8",
            fontcolor=color,
            pos=_pos(end[0] + 24 * direction, end[1]),
        )


def _activations(c: _Chart) -> None:
    """What each step did on its lifeline: handler runs, crashes, restarts, exits, notes."""
    seq = c.seq
    for info in seq.steps:
        if info.node is None or (
            info.node not in c.lanes and info.kind not in ("crash", "restart")
        ):
            continue
        home = info.node if info.node in c.lanes else seq.lanes_of(info.node)[0].key
        x, y = c.lanes[home], c.y(info.number)
        name = f"act{info.number}"
        if info.kind in ("crash", "restart"):
            crash = info.kind == "crash"
            span = 0.0
            if c.seq.processes:  # across the lifelines it stops, or the ones it boots
                xs = [c.lanes[key] for key in _hit(seq, info.number, info.node, crash)]
                x, span = (min(xs) + max(xs)) / 2, max(xs) - min(xs)
            c.box(
                name,
                x,
                y,
                50 + span,
                18,
                shape="box",
                style="filled,bold",
                fillcolor="#f5b7b1" if crash else "#abebc6",
                color="#c0392b" if crash else "#1e8449",
                fontcolor="#922b21" if crash else "#145a32",
                label=info.kind,
                **{"class": info.kind},
            )
        elif info.kind == "deliver":
            c.box(
                name,
                x,
                y,
                10,
                20,
                shape="box",
                style="filled",
                fillcolor="white",
                color="#34495e",
                label="",
                **{"class": "activation"},
            )
        elif info.kind in ("timeout", "signal"):
            # A timer firing or a runtime signal: a note on the lifeline, naming it.
            timer = info.kind == "timeout"
            text = _short(f"timer {info.detail}" if timer else info.detail, 26)
            c.dot.node(
                name,
                label=_label(text),
                shape="note",
                style="filled",
                fillcolor="#fcf3cf" if timer else "#d6eaf8",
                color="#9a7d0a" if timer else "#2874a6",
                fontsize="9",
                pos=_pos(x, y),
                height="0.25",
                margin="0.05,0.01",
                **{"class": "timer" if timer else "signal"},
            )
        elif info.kind == "duplicate":
            c.dot.node(
                name,
                label="copied",
                shape="plaintext",
                fontsize="8",
                fontcolor="#8e44ad",
                pos=_pos(x + 24, y + 8),
                **{"class": "duplicate"},
            )
    for k, key, reason in seq.ends:
        text = "exit" if reason is None else "killed" if reason == "killed" else f"exit: {reason}"
        text = _short(text, 24)
        c.box(
            f"exit{k}_{key}",
            c.lanes[key],
            c.y(k),
            max(40, 6 * len(text) + 12),
            16,
            shape="box",
            style="filled",
            fillcolor="#e5e7e9",
            color="#7f8c8d",
            fontsize="9",
            label=_label(text),
            **{"class": "exit"},
        )
    _notes(c)


def _hit(seq: Sequence, k: int, node: str, crash: bool) -> list[str]:
    """The lanes of ``node`` that a crash at step ``k`` stops (those running before it),
    or that a restart boots again (its boot processes')."""
    index = {lane.key: i for i, lane in enumerate(seq.lanes)}
    if crash:
        keys = [
            lane.key for lane in seq.lanes_of(node) if seq.status[k - 1][index[lane.key]] == "up"
        ]
    else:
        keys = [lane.key for lane in seq.lanes_of(node) if not lane.spawned]
    return keys or [seq.lanes_of(node)[0].key]


def _node_boxes(c: _Chart) -> None:
    """A box per node around its processes' lifelines, named at the top."""
    seq, n = c.seq, c.n
    for node in seq.nodes:
        xs = [c.lanes[lane.key] for lane in seq.lanes_of(node)]
        if not xs:
            continue
        top, bottom = c.y(-1) + 34, c.y(n + 1.4) - 17
        c.box(
            f"node_{node}",
            (min(xs) + max(xs)) / 2,
            (top + bottom) / 2,
            max(xs) - min(xs) + LANE_W - 16,
            top - bottom,
            shape="box",
            style="rounded,dashed,filled",
            fillcolor="#fbfcfc80",
            color="#85929e",
            labelloc="t",
            fontsize="11",
            fontcolor="#34495e",
            label=_label(f"node {node}"),
            id=f"node-{node}",
            **{"class": "node-box"},
        )


def _spawns(c: _Chart) -> None:
    """A dotted arrow from the process that spawned a lifeline to its head."""
    seq = c.seq
    for i, lane in enumerate(seq.lanes):
        if not lane.spawned or lane.start == 0:
            continue
        parent = seq.steps[lane.start].node
        if parent is None or parent not in c.lanes or parent == lane.key:
            continue
        x0, x1, y = c.lanes[parent], c.lanes[lane.key], c.y(lane.start)
        direction = 1 if x1 >= x0 else -1
        a, b = f"spawn{i}_from", f"spawn{i}_to"
        c.point(a, x0 + 7 * direction, y)
        c.point(b, x1 - (LANE_W - 40) / 2 * direction, y)
        c.dot.edge(
            a,
            b,
            arrowhead="open",
            style="dotted",
            color="#1e8449",
            penwidth="1.3",
            label="",
            **{"class": "spawn"},
        )
        c.dot.node(
            f"spawn{i}_label",
            label="spawn",
            shape="plaintext",
            fontsize="9",
            fontcolor="#1e8449",
            pos=_pos((x0 + x1) / 2, y + 8),
            height="0.15",
            width="0.1",
            margin="0.01,0",
        )


def _notes(c: _Chart) -> None:
    """What a handler wrote with ``out.note``: a note beside its lifeline, at its step."""
    for info in c.seq.steps:
        if not info.notes or info.node not in c.lanes:
            continue
        text = _short("; ".join(info.notes), 30)
        width = 5.5 * len(text) + 16
        x = c.lanes[info.node]
        # On the side where no message leaves this lifeline at this step.
        right = not any(
            m.sent == info.number and m.sender == info.node and c.lanes[m.receiver] > x
            for m in c.seq.messages
        )
        side = 1 if right else -1
        c.dot.node(
            f"note{info.number}",
            label=_label(text),
            shape="note",
            style="filled",
            fillcolor="#fef5e7",
            color="#ca6f1e",
            fontcolor="#784212",
            fontsize="9",
            pos=_pos(x + side * (10 + width / 2), c.y(info.number) - 9),
            width=_inches(width),
            height="0.2",
            fixedsize="true",
            tooltip=_label("; ".join(info.notes)),
            **{"class": "note"},
        )


def _lasso(c: _Chart, trace: Trace) -> None:
    """A bracket on the right from the loop's first state to the last one."""
    k, n = trace.loop, len(trace)
    if k is None:
        return
    x = c.right + 100
    if k >= n:
        c.dot.node(
            "lasso_text",
            label="stays here forever",
            shape="plaintext",
            fontsize="10",
            fontcolor="#6c3483",
            pos=_pos(x + 10, c.y(n)),
        )
        return
    top, bottom = c.y(k), c.y(n)
    for name, px, py in (
        ("lasso_a", x - 12, top),
        ("lasso_b", x, top),
        ("lasso_c", x, bottom),
        ("lasso_d", x - 12, bottom),
    ):
        c.point(name, px, py)
    for a, b in (("lasso_a", "lasso_b"), ("lasso_b", "lasso_c"), ("lasso_c", "lasso_d")):
        c.dot.edge(a, b, arrowhead="none", color="#6c3483", penwidth="2.5")
    c.dot.node(
        "lasso_text",
        label=f"loop: steps {k + 1}-{n}\\nrepeat forever\\l",
        shape="plaintext",
        fontsize="10",
        fontcolor="#6c3483",
        pos=_pos(x + 48, (top + bottom) / 2),
    )


# -- other models: a state-by-step table ----------------------------------------------------


def _table_chart(model: Model[Any], trace: Trace, prop: PropertyResult | None) -> str:
    states = [plain_state(model, step.state) for step in trace.steps]
    fields: list[str] = []
    for state in states:
        fields.extend(k for k in state if k not in fields)
    loop = trace.loop
    esc = html.escape
    rows = ['<TR><TD BGCOLOR="#d6eaf8"><B>step</B></TD><TD BGCOLOR="#d6eaf8"><B>action</B></TD>']
    rows[0] += "".join(f'<TD BGCOLOR="#d6eaf8"><B>{esc(_short(f, 30))}</B></TD>' for f in fields)
    rows[0] += "</TR>"
    previous: dict[str, Any] | None = None
    for number, (step, state) in enumerate(zip(trace.steps, states, strict=True)):
        in_loop = loop is not None and loop < len(trace) and number >= loop
        shade = ' BGCOLOR="#e8daef"' if in_loop else ""
        action = step.action or "initial state"
        cells = [
            f'<TD ALIGN="RIGHT"{shade}>{number}</TD>',
            f'<TD ALIGN="LEFT"{shade}>{esc(_short(action, 40))}</TD>',
        ]
        for f in fields:
            value = esc(_short(format_value(state.get(f)), 40)) if f in state else "-"
            changed = previous is not None and previous.get(f) != state.get(f)
            if changed:
                cells.append(f'<TD ALIGN="LEFT" BGCOLOR="#fcf3cf"><B>{value}</B></TD>')
            elif previous is None:
                cells.append(f'<TD ALIGN="LEFT">{value}</TD>')
            else:
                cells.append(f'<TD ALIGN="LEFT"><FONT COLOR="#95a5a6">{value}</FONT></TD>')
        rows.append(f"<TR>{''.join(cells)}</TR>")
        previous = state
    table = (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" COLOR="#bdc3c7">'
        + "".join(rows)
        + "</TABLE>>"
    )
    dot = graphviz.Digraph("chart")
    dot.attr(rankdir="TB", bgcolor="white", fontname=FONT, pad="0.3", nodesep="0.2", ranksep="0.2")
    dot.attr("node", fontname=FONT, fontsize="10", shape="plaintext")
    dot.node("table", label=table, id="states")
    notes = []
    if loop is not None:
        n = len(trace)
        notes.append(
            "stays in the last state forever"
            if loop >= n
            else f"loop (shaded): steps {loop + 1}-{n} repeat forever"
        )
    if prop is not None and prop.trace is not None:
        notes.append(property_line(prop))
    previous_name = "table"
    for i, note in enumerate(notes):
        name = f"note{i}"
        bad = prop is not None and prop.status == "violated" and i == len(notes) - 1
        dot.node(
            name,
            label=_label(_short(note, 140)),
            shape="box",
            style="filled,rounded",
            fillcolor="#fadbd8" if bad else "#e8daef",
            color="#c0392b" if bad else "#6c3483",
            fontsize="11",
            id="property" if i == len(notes) - 1 and prop else f"note{i}",
        )
        dot.edge(previous_name, name, style="invis")
        previous_name = name
    source: str = dot.source
    return source
