"""The ``modelcheck`` command: check, list and replay models.

Exit codes: 0 every property holds (and every ``sometimes`` was reached); 1 a property is
violated or a ``sometimes`` is unreached; 2 a usage or model error (one line on stderr, or
the error and the trace that reached it); 3 nothing failed but the search stopped at a
bound before every property was decided.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from modelcheck import __version__
from modelcheck.errors import ModelcheckError, ModelCodeError, ModelError, UsageError
from modelcheck.explore import check as run_check
from modelcheck.loader import ModelRef, find_model_files, instantiate, load_models, resolve
from modelcheck.model import Model
from modelcheck.params import parse_assignments
from modelcheck.render import (
    format_progress,
    format_result,
    format_trace,
    result_to_json,
    trace_to_json,
)
from modelcheck.result import CheckResult, Progress
from modelcheck.trace import judge, replay
from modelcheck.values import format_value, to_plain

__all__ = ["cli", "main"]

EXIT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI and exit with its code; user mistakes are one line on stderr, exit 2."""
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="modelcheck",
            standalone_mode=False,
        )
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        code = EXIT_ERROR
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "modelcheck"
        click.echo(f"error: {exc.format_message()} (see '{command} --help')", err=True)
        code = EXIT_ERROR
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        code = EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelcheck")
def cli() -> None:
    """A deterministic model checker for distributed protocols.

    \b
    modelcheck list models/                      what models there are
    modelcheck check models/classic/two_phase.py -p rms=4
    modelcheck replay models/classic/two_phase.py --path 0.3.1
    """


_param_option = click.option(
    "-p",
    "--param",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a model parameter (repeatable), e.g. -p rms=5.",
)


@cli.command()
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@click.option(
    "--strategy",
    type=click.Choice(["bfs", "dfs"]),
    default="bfs",
    show_default=True,
    help="Breadth-first gives shortest counterexamples.",
)
@click.option("--max-depth", type=click.IntRange(min=1), help="Explore at most N levels.")
@click.option("--max-states", type=click.IntRange(min=1), help="Stop after N distinct states.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop after this many seconds.",
)
@click.option(
    "--continue",
    "keep_going",
    is_flag=True,
    help="Keep exploring after a violation, to judge every property.",
)
@click.option(
    "--deadlock/--no-deadlock",
    default=None,
    help="Report states with no enabled action (default: as the model says).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Also write the report and every trace to files in DIR.",
)
@click.option("--force", is_flag=True, help="With --out, overwrite files already there.")
@click.option("--no-timing", is_flag=True, help="Leave out times and memory (stable output).")
def check(
    target: str,
    assignments: tuple[str, ...],
    strategy: str,
    max_depth: int | None,
    max_states: int | None,
    time_limit: float | None,
    keep_going: bool,
    deadlock: bool | None,
    fmt: str,
    out: str | None,
    force: bool,
    no_timing: bool,
) -> int:
    """Explore every reachable state of a model and judge its properties."""
    ref = model = None
    try:
        ref = resolve(target)
        model = instantiate(ref, dict(parse_assignments(assignments)))
        with _ProgressLine() as progress:
            result = run_check(
                model,
                strategy=strategy,
                max_depth=max_depth,
                max_states=max_states,
                time_limit=time_limit,
                keep_going=keep_going,
                deadlock=deadlock,
                progress=progress,
            )
        files = _out_files(result, model, not no_timing) if out else {}
        if out:
            _write_files(Path(out), files, force)
    except ModelcheckError as exc:
        return _report_error(exc, model)
    timing = not no_timing
    if fmt == "json":
        click.echo(json.dumps(result_to_json(result, model, timing=timing), indent=2))
    else:
        command = _replay_command(ref, model)
        click.echo(format_result(result, model, timing=timing, replay_command=command), nl=False)
    if out:
        click.echo(f"wrote {', '.join(str(Path(out) / name) for name in files)}", err=True)
    return result.exit_code


@cli.command(name="list")
@click.argument("path", default=".", metavar="PATH")
def list_models(path: str) -> int:
    """List the models in a file or folder: parameters with defaults, and properties."""
    code = 0
    try:
        files = find_model_files(path)
    except ModelcheckError as exc:
        return _report_error(exc, None)
    for file in files:
        try:
            classes = load_models(file)
        except ModelcheckError as exc:
            click.echo(f"error: {exc}", err=True)
            code = EXIT_ERROR
            continue
        if not classes:
            continue
        click.echo(str(file))
        for cls in classes:
            click.echo(f"  {cls.__name__}  {cls.summary()}".rstrip())
            params = cls.declared_params()
            if params:
                click.echo("    parameters: " + ", ".join(p.describe() for p in params.values()))
            try:
                props = instantiate(ModelRef(str(file), cls), {}).properties()
                listed = ", ".join(f"{p.kind} {p.name}" for p in props) or "none"
                click.echo(f"    properties: {listed}")
            except ModelcheckError as exc:
                click.echo(f"    error: {exc}", err=True)
                code = EXIT_ERROR
    return code


@cli.command(name="replay")
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@click.option(
    "--path",
    "path",
    required=True,
    metavar="PATH",
    help="The path encoding printed with a trace, e.g. 0.3.1.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def replay_path(target: str, assignments: tuple[str, ...], path: str, fmt: str) -> int:
    """Re-run a trace by its path and judge the properties along it."""
    model = None
    try:
        model = instantiate(resolve(target), dict(parse_assignments(assignments)))
        trace = replay(model, path)
        verdicts = judge(model, trace)
    except ModelcheckError as exc:
        return _report_error(exc, model)
    violated = any(p.kind == "always" and step is not None for p, step in verdicts)
    if fmt == "json":
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
        params = f" ({model.describe_params()})" if model.params else ""
        n = len(trace)
        click.echo(f"{model.name}{params}: replayed {n} step{'s' if n != 1 else ''} of path {path}")
        for line in format_trace(model, trace):
            click.echo(line)
        for p, step in verdicts:
            where = f" at step {step}" if step is not None else ""
            click.echo(f"  {_replay_status(p.kind, step):<10} {p.kind:<10}{p.name}{where}")
    return 1 if violated else 0


def _replay_status(kind: str, step: int | None) -> str:
    if kind == "always":
        return "holds" if step is None else "violated"
    return "unreached" if step is None else "reached"


def _report_error(exc: ModelcheckError, model: Model[Any] | None) -> int:
    click.echo(f"error: {exc.message}", err=True)
    if isinstance(exc, ModelCodeError) and exc.location:
        click.echo(f"  at {exc.location}", err=True)
    trace = exc.trace if isinstance(exc, ModelError) else None
    if trace is not None and model is not None:
        click.echo(f"the trace that reached it (path {trace.path}):", err=True)
        try:
            lines = format_trace(model, trace)
        except ModelcheckError:
            lines = [
                f"  {i}  {step.action or 'initial state'}" for i, step in enumerate(trace.steps)
            ]
        for line in lines:
            click.echo(line, err=True)
    return exc.exit_code


def _replay_command(ref: ModelRef | None, model: Model[Any]) -> str | None:
    if ref is None:
        return None
    several = len(load_models(ref.path)) > 1
    words = ["modelcheck", "replay", ref.spec if several else ref.path]
    defaults = {name: p.default for name, p in type(model).declared_params().items()}
    for name, value in model.params.items():
        if value != defaults.get(name):
            words.append(f"-p {name}={format_value(to_plain(value))}")
    return " ".join(words)


def _out_files(result: CheckResult, model: Model[Any], timing: bool) -> dict[str, str]:
    report = result_to_json(result, model, timing=timing)
    files = {"result.json": json.dumps(report, indent=2) + "\n"}
    for prop in result.properties:
        if prop.trace is None:
            continue
        stem = _safe_name(prop.name)
        single = CheckResult(**{**result.__dict__, "properties": (prop,)})
        files[f"{stem}.txt"] = format_result(single, model, timing=timing)
        files[f"{stem}.json"] = (
            json.dumps(
                {
                    "model": result.model,
                    "params": report["params"],
                    "property": prop.name,
                    "kind": prop.kind,
                    "status": prop.status,
                    "path": prop.trace.path,
                    "trace": trace_to_json(model, prop.trace),
                },
                indent=2,
            )
            + "\n"
        )
    return files


def _write_files(folder: Path, files: dict[str, str], force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder}: exists and is not a folder")
    if not force:
        for name in files:
            if (folder / name).exists():
                raise UsageError(
                    f"{folder / name} already exists: pass --force to overwrite, or choose "
                    "another --out folder"
                )
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "property"


class _ProgressLine:
    """Shows the live progress line on stderr, only on a terminal and after a second."""

    def __init__(self) -> None:
        self.shown = False
        self.enabled = sys.stderr.isatty()

    def __enter__(self) -> _ProgressLine | None:
        return self if self.enabled else None

    def __call__(self, progress: Progress) -> None:
        if progress.seconds >= 1.0:
            sys.stderr.write("\r" + format_progress(progress) + "\033[K")
            sys.stderr.flush()
            self.shown = True

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
