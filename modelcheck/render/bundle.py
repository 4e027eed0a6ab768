"""Every file written for one trace: the JSON trace (which ``modelcheck render`` reads back),
ITF, Mermaid, the chart as DOT, SVG and PNG, and the HTML report."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.model import Model
from modelcheck.render.chart import chart_dot
from modelcheck.render.draw import NO_DOT, DotMissing, draw, draw_svg
from modelcheck.render.html import html_report
from modelcheck.render.itf import ITF_SPEC, trace_to_itf
from modelcheck.render.json import trace_to_json
from modelcheck.render.mermaid import mermaid
from modelcheck.result import CheckResult, PropertyResult
from modelcheck.trace import Trace
from modelcheck.values import to_plain

__all__ = [
    "TraceFiles",
    "itf_meta",
    "search_stats",
    "stats_table",
    "trace_document",
    "trace_files",
    "write_all",
]


@dataclass
class TraceFiles:
    """File names and contents for one trace; ``drawn`` is False when ``dot`` is missing."""

    files: dict[str, str | bytes] = field(default_factory=dict)
    drawn: bool = True


def write_all(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (name: content, text as UTF-8) into ``folder``, all of them whole or
    none: each goes to a temporary file in the folder first, and only when every one is
    written are they renamed into place. On a failure (an OSError, or an interrupt) the
    temporary files are removed, the files that were there are left as they were, and the
    error is raised."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            temporary = folder / f".{name}.{os.getpid()}.tmp"
            written.append((temporary, folder / name))
            with temporary.open("wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        for temporary, final in written:
            os.replace(temporary, final)
    except BaseException:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise


def search_stats(result: CheckResult, timing: bool) -> dict[str, Any]:
    """What a saved trace records of the search that found it."""
    stats: dict[str, Any] = {
        "strategy": result.strategy,
        "distinct": result.distinct,
        "generated": result.generated,
        "depth": result.depth,
        "complete": result.complete,
        "stopped": result.stopped,
    }
    if timing:
        stats["seconds"] = round(result.seconds, 3)
    return stats


def stats_table(model: Model[Any], search: Mapping[str, Any], trace: Trace) -> dict[str, str]:
    """The statistics the HTML report shows, as (label, text) rows."""
    rows = {"model": model.name}
    if model.params:
        rows["parameters"] = model.describe_params() or "defaults"
    rows["steps"] = str(len(trace))
    rows["path"] = trace.path
    if search:
        rows["distinct states"] = f"{search.get('distinct', 0):,}"
        rows["generated"] = f"{search.get('generated', 0):,}"
        rows["depth"] = str(search.get("depth"))
        rows["strategy"] = str(search.get("strategy"))
        stopped = search.get("stopped")
        rows["search"] = "complete" if search.get("complete") else f"stopped: {stopped}"
        if "seconds" in search:
            rows["seconds"] = f"{search['seconds']:.2f}"
    return rows


def trace_document(
    model: Model[Any],
    prop: PropertyResult,
    spec: str | None,
    search: Mapping[str, Any],
) -> dict[str, Any]:
    """The per-property JSON: the trace, and what ``modelcheck render`` needs to replay it."""
    assert prop.trace is not None
    doc: dict[str, Any] = {
        "model": model.name,
        "spec": spec,
        "params": {k: to_plain(v) for k, v in model.params.items()},
        "property": prop.name,
        "kind": prop.kind,
        "status": prop.status,
    }
    if prop.note:
        doc["note"] = prop.note
    doc["path"] = prop.trace.path
    doc["loop"] = prop.trace.loop
    if search:
        doc["search"] = dict(search)
    doc["trace"] = trace_to_json(model, prop.trace)
    return doc


def itf_meta(
    model: Model[Any],
    trace: Trace,
    spec: str | None,
    prop: PropertyResult | None,
    search: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``#meta`` of an ITF trace: the format, and what ``modelcheck render`` needs."""
    ours: dict[str, Any] = {
        "model": model.name,
        "spec": spec,
        "params": {k: to_plain(v) for k, v in model.params.items()},
        "path": trace.path,
    }
    description = f"a trace of {model.name}"
    if prop is not None:
        ours.update(property=prop.name, kind=prop.kind, status=prop.status)
        if prop.note:
            ours["note"] = prop.note
        what = {"violated": "counterexample", "reached": "example"}.get(prop.status, "trace")
        description = f"{what} for {prop.kind} {prop.name} ({prop.status}) of {model.name}"
    if search:
        ours["search"] = {k: v for k, v in search.items() if k != "seconds"}
    meta: dict[str, Any] = {
        "format": "ITF",
        "format-description": ITF_SPEC,
        "description": description,
        "generated-by": "modelcheck",
    }
    if spec:
        meta["source"] = spec.rpartition(":")[0] if ":" in spec else spec
    meta["modelcheck"] = ours
    return meta


def trace_files(
    model: Model[Any],
    prop: PropertyResult,
    stem: str,
    *,
    spec: str | None,
    search: Mapping[str, Any],
    replay_command: str | None = None,
) -> TraceFiles:
    """``STEM.json``, ``.itf.json``, ``.mmd``, ``.dot``, ``.svg``, ``.png`` and ``.html`` for
    ``prop``'s trace; without ``dot``, no SVG or PNG, and the report says why."""
    trace = prop.trace
    assert trace is not None
    out = TraceFiles()
    doc = trace_document(model, prop, spec, search)
    out.files[f"{stem}.json"] = json.dumps(doc, indent=2) + "\n"
    itf = trace_to_itf(model, trace, itf_meta(model, trace, spec, prop, search))
    out.files[f"{stem}.itf.json"] = json.dumps(itf, indent=2, ensure_ascii=False) + "\n"
    out.files[f"{stem}.mmd"] = mermaid(model, trace, prop)
    source = chart_dot(model, trace, prop)
    out.files[f"{stem}.dot"] = source
    svg: str | None = None
    try:
        svg = draw_svg(source)
        out.files[f"{stem}.svg"] = svg
        out.files[f"{stem}.png"] = draw(source, "png")
    except DotMissing:
        out.drawn = False
    what = {"violated": "Counterexample", "reached": "Example"}.get(prop.status, "Trace")
    title = f"{what} for {prop.kind} {prop.name}: {model.heading()}"
    out.files[f"{stem}.html"] = html_report(
        model,
        trace,
        prop,
        title=title,
        svg=svg,
        no_chart=NO_DOT,
        stats=stats_table(model, search, trace),
        replay_command=replay_command,
    )
    return out
