"""Mermaid ``sequenceDiagram`` text of a trace, to paste into Markdown (GitHub draws it).

For an actor system: a participant per node, or, for processes on nodes (``cluster()``), a
participant per process (its registered name and pid) in a ``box`` per node, a spawn as a
dotted arrow from the parent, an exit or kill as a note saying why, a node's crash and
restart as a note across its processes, and what a handler wrote with ``out.note`` as a
note beside it; a message is an arrow at the step that
delivered it (Mermaid draws each arrow at one moment), saying at which step it was sent; a
lost or dropped message is an arrow ending in a cross at the step where it was lost; timer
firings, signals, crashes and restarts are notes over their node; a partition is a shaded
block until the heal; a lasso's cycle is a ``loop`` block. Any other model is one
participant, ``system``, with a note per step: the action and the fields it changed.

Text from the model is escaped with Mermaid's entity codes (``#35;`` for ``#``, ``#59;``
for ``;``, ``#60;`` for ``<``) and kept on one line, so no state can end a statement early
or inject markup.
"""

from __future__ import annotations

from typing import Any

from modelcheck.actors import ActorSystem
from modelcheck.model import Model
from modelcheck.render._sequence import sequence
from modelcheck.render._states import plain_state
from modelcheck.render.chart import _hit, property_line
from modelcheck.render.text import _changes
from modelcheck.result import PropertyResult
from modelcheck.trace import Trace
from modelcheck.values import format_value

__all__ = ["mermaid"]

_ENTITIES = {"#": "#35;", ";": "#59;", "<": "#60;", "\n": " ", "\r": " "}


def _esc(text: str) -> str:
    """Model text made safe for one Mermaid line (entity codes, no line breaks)."""
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def mermaid(model: Model[Any], trace: Trace, prop: PropertyResult | None) -> str:
    """The ``sequenceDiagram`` of ``trace`` (see the module's documentation)."""
    if isinstance(model, ActorSystem):
        lines, lanes = _actors(model, trace)
        every = _span(lanes)
    else:
        lines = _plain(model, trace)
        every = "system"
    if prop is not None and prop.trace is not None:
        lines.append(f"    Note over {every}: {_esc(property_line(prop))}")
    return "\n".join(lines) + "\n"


def _id(i: int) -> str:
    return f"n{i}"


def _span(nodes: int) -> str:
    """What a note over every participant is over."""
    return _id(0) if nodes == 1 else f"{_id(0)},{_id(nodes - 1)}"


def _actors(system: ActorSystem, trace: Trace) -> tuple[list[str], int]:
    seq = sequence(system, trace)
    ids = {lane.key: _id(i) for i, lane in enumerate(seq.lanes)}
    first, every = _id(0), _span(len(seq.lanes))
    lines = ["sequenceDiagram"]
    for node in seq.nodes:
        if seq.processes:
            lines.append(f"    box rgb(244,246,247) node {_esc(node)}")
        lines.extend(
            f"    participant {ids[lane.key]} as {_esc(lane.title)}" for lane in seq.lanes_of(node)
        )
        if seq.processes:
            lines.append("    end")
    loop, n = trace.loop, len(trace)
    depth = 1
    split = False

    def add(text: str) -> None:
        lines.append("    " * depth + text)

    for info in seq.steps:
        k = info.number
        if loop is not None and loop < n and k == loop + 1:
            add(f"loop steps {loop + 1}-{n} repeat forever")
            depth += 1
        if info.kind in ("partition", "cut") and not split:
            add("rect rgb(253, 235, 208)")
            depth += 1
            split = True
        if k == 0:
            add(f"Note over {every}: 0 initial state")
        elif info.kind in ("partition", "cut", "heal"):
            add(f"Note over {every}: {k} {_esc(info.kind)}: {_esc(info.detail)}")
        elif info.kind in ("timeout", "signal", "crash", "restart", "duplicate"):
            where = ids.get(info.node or "", first)
            if info.kind in ("crash", "restart") and seq.processes and info.node is not None:
                mine = [ids[key] for key in _hit(seq, k, info.node, info.kind == "crash")]
                where = mine[0] if len(mine) == 1 else f"{mine[0]},{mine[-1]}"
            what = {"timeout": f"timer {info.detail}", "crash": "crash", "restart": "restart"}
            text = what.get(info.kind, info.detail)
            if info.kind == "duplicate":
                text = f"the network copies {info.detail}"
            add(f"Note over {where}: {k} {_esc(text)}")
        for lane in seq.lanes:
            parent = ids.get(info.node or "")
            if lane.spawned and lane.start == k and k > 0 and parent is not None:
                add(f"{parent}-->>{ids[lane.key]}: {k} spawn {_esc(lane.key)}")
        for m in seq.messages:
            a, b = ids[m.sender], ids[m.receiver]
            copy = "copy of " if m.copy_of is not None else ""
            if m.received == k:
                add(f"{a}->>{b}: {k} {copy}{_esc(m.text)} (sent at {m.sent})")
            elif m.received is None and m.ended == k:
                why = "lost" if m.fate == "lost" else "dropped, not running"
                add(f"{a}-x{b}: {k} {copy}{_esc(m.text)} ({why}, sent at {m.sent})")
        for note in info.notes:
            add(f"Note right of {ids.get(info.node or '', first)}: {k} note: {_esc(note)}")
        for step, key, reason in seq.ends:
            if step == k:
                end = "exit" if reason is None else "killed" if reason == "killed" else None
                add(f"Note over {ids[key]}: {k} {end or 'exit: ' + _esc(reason or '')}")
        if info.kind == "heal" and split:
            depth -= 1
            add("end")
            split = False
    for m in seq.messages:
        if m.received is None and m.ended is None:
            a, b = ids[m.sender], ids[m.receiver]
            add(f"{a}--){b}: {_esc(m.text)} (sent at {m.sent}, still in flight)")
    while depth > 1:
        depth -= 1
        add("end")
    if loop is not None and loop >= n:
        add(f"Note over {every}: stays in this state forever")
    return lines, len(seq.lanes)


def _plain(model: Model[Any], trace: Trace) -> list[str]:
    lines = ["sequenceDiagram", "    participant system"]
    loop, n = trace.loop, len(trace)
    depth = 1
    previous: dict[str, Any] | None = None
    for k, step in enumerate(trace.steps):
        state = plain_state(model, step.state)
        if loop is not None and loop < n and k == loop + 1:
            lines.append("    " * depth + f"loop steps {loop + 1}-{n} repeat forever")
            depth += 1
        if previous is None:
            parts = [f"{key} = {format_value(value)}" for key, value in state.items()]
            head = "0 initial state"
        else:
            parts = _changes(previous, state) or ["(no change)"]
            head = f"{k} {step.action}"
        body = "<br/>".join(_esc(part) for part in [head, *parts])
        lines.append("    " * depth + f"Note over system: {body}")
        previous = state
    while depth > 1:
        depth -= 1
        lines.append("    " * depth + "end")
    if loop is not None and loop >= n:
        lines.append("    Note over system: stays in this state forever")
    return lines
