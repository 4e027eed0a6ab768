"""Commands on one trace: ``replay`` (re-run a path and judge it) and ``render`` (show a
saved trace again, and draw it in every format)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from modelcheck.errors import ModelcheckError
from modelcheck.loader import instantiate, resolve
from modelcheck.model import Model
from modelcheck.params import parse_assignments
from modelcheck.render import format_trace, trace_to_json
from modelcheck.render.bundle import itf_meta, trace_files
from modelcheck.render.chart import chart_dot
from modelcheck.render.draw import INSTALL_HINT
from modelcheck.render.itf import trace_to_itf
from modelcheck.render.mermaid import mermaid
from modelcheck.render.nodeview import format_node_trace
from modelcheck.result import PropertyResult, Status
from modelcheck.trace import Trace, judge, replay
from modelcheck.values import to_plain

from .group import check_node, cli, fault_options, node_option, param_option, with_faults
from .output import coloured, replay_command, report_error, safe_name, write_files

__all__ = ["render_trace", "replay_path"]


@cli.command(name="replay")
@click.argument("target", metavar="PATH[:NAME]")
@param_option
@click.option(
    "--path",
    "path",
    required=True,
    metavar="PATH",
    help="The path encoding printed with a trace, e.g. 0.3.1.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "itf", "mermaid", "dot"]),
    default="text",
    show_default=True,
    help="itf: Informal Trace Format JSON; mermaid: a sequenceDiagram; dot: the chart.",
)
@node_option
@fault_options
def replay_path(
    target: str,
    assignments: tuple[str, ...],
    path: str,
    fmt: str,
    node: str | None,
    **faults: Any,
) -> int:
    """Re-run a trace by its path and judge the properties along it."""
    model = None
    try:
        ref = resolve(target)
        model = instantiate(ref, with_faults(ref, parse_assignments(assignments), faults))
        trace = replay(model, path)
        verdicts = judge(model, trace)
        if node is not None:
            check_node(model, node)
        if fmt in ("itf", "mermaid", "dot"):
            prop = _replay_property(model, trace, verdicts)
            if fmt == "itf":
                doc = trace_to_itf(model, trace, itf_meta(model, trace, ref.spec, prop))
                rendered = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            else:
                rendered = (mermaid if fmt == "mermaid" else chart_dot)(model, trace, prop)
    except ModelcheckError as exc:
        return report_error(exc, model)
    violated = any(p.kind in ("always", "step") and step is not None for p, step in verdicts)
    if fmt in ("itf", "mermaid", "dot"):
        click.echo(rendered, nl=False)
    elif fmt == "json":
        doc = {
            "model": model.name,
            "params": {k: to_plain(v) for k, v in model.params.items()},
            "path": trace.path,
            "properties": {
                p.name: {
                    "kind": p.kind,
                    "status": _replay_status(p.kind, step),
                    "step": step,
                }
                for p, step in verdicts
            },
            "trace": trace_to_json(model, trace),
        }
        click.echo(json.dumps(doc, indent=2))
    else:
        n = len(trace)
        click.echo(f"{model.heading()}: replayed {n} step{'s' if n != 1 else ''} of path {path}")
        shown = format_node_trace(model, trace, node) if node else format_trace(model, trace)
        for line in shown:
            click.echo(line)
        for p, step in verdicts:
            where = f" at step {step}" if step is not None else ""
            line = f"  {_replay_status(p.kind, step):<10} {p.kind:<10}{p.name}{where}"
            click.echo(coloured(line))
    return 1 if violated else 0


@cli.command(name="render")
@click.argument("trace_file", metavar="TRACE.json", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write the trace as text, JSON, ITF, Mermaid, a chart (DOT, SVG, PNG) and HTML to DIR.",
)
@click.option("--force", is_flag=True, help="With --out, overwrite files already there.")
@click.option(
    "--allow-outside",
    is_flag=True,
    help="Run the model file the trace names even if it is outside the current folder "
    "(only for trace files you trust: loading a model runs its code).",
)
@node_option
def render_trace(
    trace_file: str, out: str | None, force: bool, allow_outside: bool, node: str | None
) -> int:
    """Show a saved trace again, and with --out draw it in every format.

    TRACE.json is a PROPERTY.json or PROPERTY.itf.json that 'check --out' wrote. The model is
    loaded again from the PATH:NAME and parameters recorded in it, and the trace replayed by
    its path; a file that no longer matches its model is an error (exit 2). The file is
    validated before anything is loaded, and a model file outside the current folder is
    not run without --allow-outside.
    """
    from modelcheck.render.saved import load_saved

    model = None
    files: dict[str, str | bytes] = {}
    drawn = True
    try:
        loaded = load_saved(Path(trace_file), allow_outside)
        model = loaded.model
        if node is not None:
            check_node(model, node)
        command = replay_command(loaded.ref, model)
        text = _saved_text(loaded.model, loaded.prop, command, node)
        if out:
            stem = safe_name(loaded.prop.name)
            files[f"{stem}.txt"] = _saved_text(loaded.model, loaded.prop, command, None)
            bundle = trace_files(
                model,
                loaded.prop,
                stem,
                spec=loaded.saved.spec,
                search=loaded.saved.search,
                replay_command=command,
            )
            files.update(bundle.files)
            drawn = bundle.drawn
            write_files(Path(out), files, force)
    except ModelcheckError as exc:
        return report_error(exc, model)
    click.echo(text, nl=False)
    if out:
        click.echo(f"wrote {', '.join(str(Path(out) / name) for name in files)}", err=True)
        if not drawn:
            click.echo(INSTALL_HINT, err=True)
    return 0


def _saved_text(
    model: Model[Any], prop: PropertyResult, command: str | None, node: str | None
) -> str:
    """A saved trace as text: a heading line, then the trace as ``check`` shows it."""
    from modelcheck.render.text import _trace_section

    lines = [model.heading(), *_trace_section(prop, model, command, node)]
    return "\n".join(lines) + "\n"


def _replay_status(kind: str, step: int | None) -> str:
    if kind in ("always", "step"):
        return "holds" if step is None else "violated"
    return "unreached" if step is None else "reached"


def _replay_property(
    model: Model[Any], trace: Trace, verdicts: list[tuple[Any, int | None]]
) -> PropertyResult | None:
    """What a replayed trace shows: the first invariant it violates, else the first
    ``sometimes`` it reaches (for the line at the bottom of a chart)."""
    for wanted in ("always", "sometimes"):
        for p, step in verdicts:
            if p.kind == wanted and step is not None:
                status: Status = "violated" if wanted == "always" else "reached"
                truth = "false" if wanted == "always" else "true"
                note = "" if step == len(trace) else f"{truth} at step {step}"
                return PropertyResult(p.name, p.kind, status, trace, p.description, note)
    return None
