"""The ``modelcheck`` command: check, list and replay models; run regression specs.

Exit codes: 0 every property holds (and every ``sometimes`` was reached); 1 a property is
violated or a ``sometimes`` is unreached; 2 a usage or model error (one line on stderr, or
the error and the trace that reached it); 3 nothing failed but the search stopped at a
bound before every property was decided.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import click

from modelcheck import __version__
from modelcheck.actors import BUDGETS, ActorSystem
from modelcheck.errors import ModelcheckError, ModelCodeError, ModelError, UsageError
from modelcheck.explore import check as run_check
from modelcheck.explore.memory import parse_size
from modelcheck.explore.parallel import MAX_WORKERS
from modelcheck.loader import (
    ModelRef,
    find_model_files,
    instantiate,
    load_models,
    resolve,
    split_target,
)
from modelcheck.model import Model
from modelcheck.params import parse_assignments
from modelcheck.render import (
    format_progress,
    format_result,
    format_trace,
    result_to_json,
    trace_to_json,
)
from modelcheck.render.bundle import itf_meta, search_stats, trace_files, write_all
from modelcheck.render.chart import chart_dot
from modelcheck.render.colour import colour_error, colour_report, use_colour
from modelcheck.render.command import model_command
from modelcheck.render.draw import INSTALL_HINT
from modelcheck.render.itf import trace_to_itf
from modelcheck.render.junit import junit_xml
from modelcheck.render.mermaid import mermaid
from modelcheck.render.nodeview import format_node_trace, select
from modelcheck.render.regress import format_changes, format_details, format_summary, format_table
from modelcheck.render.savetest import regression_test
from modelcheck.result import EXIT_UNKNOWN, CheckResult, Progress, PropertyResult, Status
from modelcheck.specs import Outcome, default_jobs, find_specs, run_specs, updated_text
from modelcheck.trace import Trace, call_model, judge, replay
from modelcheck.values import to_plain

__all__ = ["cli", "main"]

EXIT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI and exit with its code; user mistakes are one line on stderr, exit 2.
    SIGTERM is taken as a Ctrl-C: a search stops with its partial statistics (exit 3)."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
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
    except OSError as exc:  # the output could not be written: a full disk, a closed pipe
        code = _output_failed(exc)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code if isinstance(code, int) else 0)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: whatever a Ctrl-C does now (stop the search, or ask it to save and stop);
    where Ctrl-C is ignored (a worker process), end the process as SIGTERM always did."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _output_failed(exc: OSError) -> int:
    """Say in one line that writing failed; point stdout at the null device so that the
    interpreter's last flush does not fail again with a traceback-like report."""
    where = exc.filename or "the output"
    try:
        sys.stderr.write(f"error: cannot write {where}: {exc.strerror or exc}\n")
        sys.stderr.flush()
    except OSError:
        pass
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing left to flush
    return EXIT_ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelcheck")
def cli() -> None:
    """A deterministic model checker for distributed protocols.

    \b
    modelcheck list models/                      what models there are
    modelcheck check models/classic/two_phase.py -p rms=4
    modelcheck replay models/classic/two_phase.py --path 0.3.1
    modelcheck regress specs/                    run the regression specs
    """


_param_option = click.option(
    "-p",
    "--param",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a model parameter (repeatable), e.g. -p rms=5.",
)

_node_option = click.option(
    "--node",
    metavar="NAME",
    help="Actor systems: show each trace as this node sees it (only the steps that concern it).",
)


def _fault_options(fn: Any) -> Any:
    """``--network`` and one ``--BUDGET N`` option per fault kind, for actor systems."""
    for name in reversed(BUDGETS):
        fn = click.option(
            f"--{name}",
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help=f"Actor systems: how many {name} may happen (default 0).",
        )(fn)
    return click.option(
        "--network",
        type=click.Choice(["fifo", "unordered"]),
        default=None,
        help="Actor systems: message order (default fifo: per sender-receiver pair).",
    )(fn)


def _with_faults(ref: ModelRef, params: dict[str, Any], faults: dict[str, Any]) -> dict[str, Any]:
    """Fold ``--crashes 1`` and friends into the parameters of an actor system."""
    given = {name: value for name, value in faults.items() if value is not None}
    if given and not issubclass(ref.cls, ActorSystem):
        first = next(iter(given))
        raise UsageError(
            f"--{first} applies to actor systems (built on modelcheck.actors.ActorSystem), "
            f"and {ref.cls.__name__} is not one"
        )
    for name, value in given.items():
        if name in params:
            raise UsageError(f"{name} is given twice: as --{name} and as -p {name}=...")
        params[name] = value
    return params


class _Size(click.ParamType[int]):
    """A size in bytes, written like 2G, 500M or 64K."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except UsageError as exc:
            self.fail(exc.message, param, ctx)


_SIZE = _Size()

#: What ``check`` exits with, shown at the end of ``check --help``.
_CHECK_EPILOG = """\b
Exit codes:
  0  every property holds (or was reached)
  1  a property is violated (or a sometimes-property unreached)
  2  an error: a mistake in the command or the model, or model code raised
  3  unknown: nothing failed, but a bound (or a simulation) stopped before
     every property was decided"""


@cli.command(epilog=_CHECK_EPILOG)
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@click.option(
    "--strategy",
    type=click.Choice(["bfs", "dfs", "simulate"]),
    default="bfs",
    show_default=True,
    help="Breadth-first gives shortest counterexamples; simulate takes random walks.",
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
    "--max-memory",
    type=_SIZE,
    metavar="SIZE",
    help="Stop when the process (and its workers) holds more memory than SIZE (2G, 500M).",
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
@click.option(
    "--force", is_flag=True, help="With --out or --save-test, overwrite files already there."
)
@click.option("--no-timing", is_flag=True, help="Leave out times and memory (stable output).")
@click.option("--seed", type=int, default=0, show_default=True, help="Simulation: the seed.")
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Simulation: how many random walks.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Simulation: the most steps a walk takes.",
)
@click.option(
    "--symmetry",
    is_flag=True,
    help="Store one state per symmetry class the model declares (its canonical()).",
)
@click.option(
    "--por",
    is_flag=True,
    help="Partial-order reduction (actor systems, safety properties): skip interleavings "
    "that change no verdict.",
)
@click.option(
    "--store",
    type=click.Choice(["exact", "fingerprint"]),
    default="exact",
    show_default=True,
    help="fingerprint: keep 64-bit fingerprints, not states (bfs, dfs, workers).",
)
@click.option(
    "--checkpoint",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Save progress to DIR now and then (bfs), to --resume it after a stop.",
)
@click.option(
    "--resume",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Go on from the checkpoint in DIR (and keep saving there).",
)
@click.option(
    "--checkpoint-every",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="How often --checkpoint saves.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Breadth-first search in N processes: the same result as one.",
)
@click.option(
    "--ray",
    "ray_address",
    metavar="ADDRESS",
    help="Run on Ray (the ray extra): 'local' starts one here with --workers CPUs, 'auto' "
    "or HOST:PORT joins a cluster; bfs in --workers shards, or simulate's walks spread.",
)
@click.option(
    "--save-test",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write a pytest test that replays each counterexample, to keep the bug fixed.",
)
@click.option(
    "--property",
    "only",
    multiple=True,
    metavar="NAME",
    help="Judge only this property (repeatable); the others are left out.",
)
@click.option(
    "--safety-only",
    is_flag=True,
    help="Leave out the liveness properties, so that --symmetry and --por apply to the rest.",
)
@_node_option
@_fault_options
def check(
    target: str,
    assignments: tuple[str, ...],
    strategy: str,
    max_depth: int | None,
    max_states: int | None,
    time_limit: float | None,
    max_memory: int | None,
    keep_going: bool,
    deadlock: bool | None,
    fmt: str,
    out: str | None,
    force: bool,
    no_timing: bool,
    seed: int,
    runs: int,
    depth: int,
    symmetry: bool,
    por: bool,
    store: str,
    checkpoint: str | None,
    resume: str | None,
    checkpoint_every: float,
    workers: int,
    ray_address: str | None,
    save_test: str | None,
    only: tuple[str, ...],
    safety_only: bool,
    node: str | None,
    **faults: Any,
) -> int:
    """Explore every reachable state of a model and judge its properties.

    With --out DIR, every trace is also written as text, JSON, ITF (PROPERTY.itf.json),
    Mermaid (.mmd), a chart (.dot, .svg, .png) and a self-contained HTML report (.html).

    PATH may be a folder, or a file that defines several models: every model in it is
    checked with its defaults and the same options (-p sets the parameters of the models
    that declare them; fault options apply to actor systems), then a table sums up; the
    exit code is the worst of them.
    """
    ref = model = None
    saved = None
    if workers > MAX_WORKERS:
        click.echo(
            f"--workers {workers}: using {MAX_WORKERS}, the most modelcheck starts", err=True
        )
        workers = MAX_WORKERS
    if _several_models(target):
        options = {
            "strategy": strategy,
            "max_depth": max_depth,
            "max_states": max_states,
            "time_limit": time_limit,
            "max_memory": max_memory,
            "keep_going": keep_going,
            "deadlock": deadlock,
            "symmetry": symmetry,
            "por": por,
            "store": store,
            "seed": seed,
            "runs": runs,
            "depth": depth,
            "workers": workers,
            "ray": ray_address,
            "properties": only or None,
            "safety_only": safety_only,
        }
        unsupported = {
            "--out": out,
            "--save-test": save_test,
            "--node": node,
            "--checkpoint": checkpoint,
            "--resume": resume,
        }
        return _check_folder(target, assignments, options, fmt, no_timing, faults, unsupported)
    try:
        if save_test and Path(save_test).exists() and not force:
            raise UsageError(f"{save_test} already exists: pass --force to overwrite it")
        if checkpoint and resume and Path(checkpoint) != Path(resume):
            raise UsageError("--resume DIR saves to DIR: leave out --checkpoint")
        ref = resolve(target)
        model = instantiate(ref, _with_faults(ref, parse_assignments(assignments), faults))
        with _ProgressLine() as progress:
            result = run_check(
                model,
                strategy=strategy,
                max_depth=max_depth,
                max_states=max_states,
                time_limit=time_limit,
                max_memory=max_memory,
                keep_going=keep_going,
                deadlock=deadlock,
                symmetry=symmetry,
                por=por,
                store=store,
                checkpoint=resume or checkpoint,
                resume=resume is not None,
                checkpoint_every=checkpoint_every,
                progress=progress,
                seed=seed,
                runs=runs,
                depth=depth,
                workers=workers,
                properties=only or None,
                safety_only=safety_only,
                ray=ray_address,
            )
        if node is not None:
            _check_node(model, node)
        timing = not no_timing
        # Rendered before anything is written: model code (show()) runs here too.
        if fmt == "json":
            report = json.dumps(result_to_json(result, model, timing=timing), indent=2) + "\n"
        else:
            command = _replay_command(ref, model)
            report = format_result(result, model, timing=timing, replay_command=command, node=node)
        files, drawn = _out_files(result, model, not no_timing, ref) if out else ({}, True)
        if out:
            _write_files(Path(out), files, force)
        if save_test:
            saved = _save_test(Path(save_test), ref, model, result, force)
    except ModelcheckError as exc:
        return _report_error(exc, model)
    click.echo(report if fmt == "json" else _coloured(report), nl=False)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if out:
        click.echo(f"wrote {', '.join(str(Path(out) / name) for name in files)}", err=True)
        if not drawn:
            click.echo(INSTALL_HINT, err=True)
    if saved is not None:
        click.echo(saved, err=True)
    return result.exit_code


def _several_models(target: str) -> bool:
    """True if ``check`` checks several models: ``target`` is a folder, or a file, not
    named ``FILE:NAME``, that defines more than one (its load errors are left to
    :func:`resolve`)."""
    path, name = split_target(target)
    if Path(target).is_dir():
        return True
    if name is not None or not Path(path).is_file() or Path(path).suffix != ".py":
        return False
    try:
        return len(load_models(path)) > 1
    except ModelcheckError:
        return False


#: Exit codes of a folder check, from best to worst: an error beats a failure, which beats
#: an undecided property.
_SEVERITY = (0, 3, 1, EXIT_ERROR)


def _check_folder(
    folder: str,
    assignments: tuple[str, ...],
    options: dict[str, Any],
    fmt: str,
    no_timing: bool,
    faults: dict[str, Any],
    unsupported: dict[str, Any],
) -> int:
    """``check FOLDER``: check every model in it, print each report, then a summary table."""
    try:
        given = [flag for flag, value in unsupported.items() if value is not None]
        if given and Path(folder).is_dir():
            raise UsageError(f"{given[0]} needs one model: name a file, not the folder {folder}")
        params = parse_assignments(assignments)
        refs = [
            ModelRef(file.as_posix(), cls)
            for file in find_model_files(folder)
            for cls in load_models(file)
        ]
        if given:
            raise UsageError(f"{given[0]} needs one model: name one, as in {refs[0].spec}")
        if not refs:
            raise UsageError(f"{folder} holds no model (modelcheck list {folder} shows them)")
        unknown = sorted(set(params) - {n for r in refs for n in r.cls.declared_params()})
        if unknown:
            raise UsageError(f"no model in {folder} has a parameter '{unknown[0]}'")
    except ModelcheckError as exc:
        return _report_error(exc, None)
    from modelcheck.explore.cluster import session

    with contextlib.ExitStack() as stack:
        try:  # --ray: Ray started (or joined) once for every model, not once per model
            stack.enter_context(session(options["ray"], options["workers"]))
        except ModelcheckError as exc:
            return _report_error(exc, None)
        return _check_models(refs, params, options, fmt, no_timing, faults)


def _check_models(
    refs: list[ModelRef],
    params: dict[str, Any],
    options: dict[str, Any],
    fmt: str,
    no_timing: bool,
    faults: dict[str, Any],
) -> int:
    """Check each model of ``check FOLDER``, print each report, then a summary table."""
    from modelcheck.render.summary import Row, format_models_table

    timing = not no_timing
    codes: list[int] = []
    rows: list[Row] = []
    reports: list[dict[str, Any]] = []
    for ref in refs:
        model = None
        if codes and fmt == "text":
            click.echo("")
        try:
            own = {k: v for k, v in params.items() if k in ref.cls.declared_params()}
            actor = issubclass(ref.cls, ActorSystem)
            model = instantiate(ref, _with_faults(ref, own, faults if actor else {}))
            with _ProgressLine() as progress:
                result = run_check(model, progress=progress, **options)
        except ModelcheckError as exc:
            codes.append(_report_error(exc, model))
            rows.append((ref.spec, None, []))
            continue
        codes.append(result.exit_code)
        rows.append((ref.spec, result.distinct, [(p.name, p.status) for p in result.properties]))
        if fmt == "json":
            reports.append(result_to_json(result, model, timing=timing))
        else:
            command = _replay_command(ref, model)
            text = format_result(result, model, timing=timing, replay_command=command)
            click.echo(_coloured(text), nl=False)
        for warning in result.warnings:  # (as check FILE says them, naming the model)
            click.echo(f"warning: {model.name}: {warning}", err=True)
        if result.stopped == "interrupted":  # Ctrl-C stops the folder, not just this model
            break
    if fmt == "json":
        click.echo(json.dumps(reports, indent=2))
    else:
        click.echo("")
        for line in format_models_table(rows):
            click.echo(line)
    return max(codes, key=_SEVERITY.index)


@cli.command(name="list")
@click.argument("path", default=".", metavar="PATH")
def list_models(path: str) -> int:
    """List the models in a file or folder, grouped by folder (topic): a summary line each,
    the parameters with their defaults, and the properties."""
    code = 0
    try:
        files = find_model_files(path)
    except ModelcheckError as exc:
        return _report_error(exc, None)
    topic = None
    for file in files:
        try:
            classes = load_models(file)
        except ModelcheckError as exc:
            click.echo(f"error: {exc}", err=True)
            code = EXIT_ERROR
            continue
        if not classes:
            continue
        if file.parent != topic:
            if topic is not None:
                click.echo("")
            topic = file.parent
            click.echo(f"{topic}/")
        for cls in classes:
            click.echo(f"  {file.name}:{cls.__name__}  {cls.summary()}".rstrip())
            own = [p for p in cls.declared_params().values() if not p.quiet]
            if own:
                click.echo("    parameters: " + ", ".join(p.describe() for p in own))
            if issubclass(cls, ActorSystem):
                options = ", ".join(f"--{b}" for b in BUDGETS)
                click.echo(f"    actor system: --network, {options} apply")
            try:
                model = instantiate(ModelRef(str(file), cls), {})
                props = call_model(model.properties, "properties()")
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
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "itf", "mermaid", "dot"]),
    default="text",
    show_default=True,
    help="itf: Informal Trace Format JSON; mermaid: a sequenceDiagram; dot: the chart.",
)
@_node_option
@_fault_options
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
        model = instantiate(ref, _with_faults(ref, parse_assignments(assignments), faults))
        trace = replay(model, path)
        verdicts = judge(model, trace)
        if node is not None:
            _check_node(model, node)
        if fmt in ("itf", "mermaid", "dot"):
            prop = _replay_property(model, trace, verdicts)
            if fmt == "itf":
                doc = trace_to_itf(model, trace, itf_meta(model, trace, ref.spec, prop))
                rendered = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            else:
                rendered = (mermaid if fmt == "mermaid" else chart_dot)(model, trace, prop)
    except ModelcheckError as exc:
        return _report_error(exc, model)
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
            click.echo(_coloured(line))
    return 1 if violated else 0


@cli.command(name="explore")
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@_fault_options
@click.option(
    "--path",
    "path",
    metavar="PATH",
    help="Start at this path (the encoding printed with a trace, e.g. 0.3.1).",
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    help="Listen on this port of 127.0.0.1 (default: a free one).",
)
@click.option(
    "--max-states",
    type=click.IntRange(min=1),
    default=200_000,
    show_default=True,
    help="'Find a path from here' explores at most N states.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=20.0,
    show_default=True,
    metavar="SECONDS",
    help="'Find a path from here' stops after this long.",
)
@click.option("--no-browser", is_flag=True, help="Only print the address; open no browser.")
def explore(
    target: str,
    assignments: tuple[str, ...],
    path: str | None,
    port: int,
    max_states: int,
    time_limit: float,
    no_browser: bool,
    **faults: Any,
) -> int:
    """Walk the state space in a browser: a local web app (127.0.0.1, a random token).

    See every enabled step with what it would change, take one, go back, jump; the chart
    and the state grow with the path; properties are judged on each state; a saved
    counterexample can be opened and branched off. Ctrl-C stops it.
    """
    import webbrowser

    from modelcheck.explorer import Explorer, make_server, page_url

    try:
        ref = resolve(target)
        params = _with_faults(ref, dict(parse_assignments(assignments)), faults)
        explorer = Explorer(
            ref,
            {name: str(value) for name, value in params.items()},
            path=path,
            find_states=max_states,
            find_seconds=time_limit,
        )
        server = make_server(explorer, port)
    except ModelcheckError as exc:
        return _report_error(exc, None)
    url = page_url(server)
    click.echo(f"exploring {ref.spec} at {url}")
    click.echo("(Ctrl-C stops the explorer)", err=True)
    if not no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
    return 0


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
@_node_option
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
            _check_node(model, node)
        command = _replay_command(loaded.ref, model)
        text = _saved_text(loaded.model, loaded.prop, command, node)
        if out:
            stem = _safe_name(loaded.prop.name)
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
            _write_files(Path(out), files, force)
    except ModelcheckError as exc:
        return _report_error(exc, model)
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


@cli.command(name="otp-replay")
@click.argument("trace_file", metavar="TRACE.json", type=click.Path(dir_okay=False))
@click.option(
    "--runs",
    type=click.IntRange(1, 200),
    default=20,
    show_default=True,
    help="Runs, each on fresh nodes.",
)
def otp_replay(trace_file: str, runs: int) -> int:
    """Run a saved counterexample on real Erlang nodes, RUNS times.

    TRACE.json is a PROPERTY.json or PROPERTY.itf.json that 'check --out' wrote, of
    :global's model (models/registry/global_registry.py). Partitions, cuts, heals, node
    crashes and registrations are forced; OTP's own messages are left to happen. Each run
    reproduces the trace when the real nodes show, after each forced step, what the model
    does; exit 0 when every run did, 1 when one diverged. Needs Erlang/OTP (erl, erlc); all
    nodes listen on 127.0.0.1.
    """
    import os

    from modelcheck.otp import find_otp
    from modelcheck.otp.replay import replay_on_otp, schedule_of
    from modelcheck.render.otp import format_otp_replay
    from modelcheck.render.saved import load_saved

    model = None
    try:
        loaded = load_saved(Path(trace_file))
        model = loaded.model
        schedule_of(model, loaded.trace)  # no real counterpart: say so before looking for OTP
        otp = find_otp()
        result = replay_on_otp(model, loaded.trace, runs=runs, otp=otp, tag=f"r{os.getpid()}")
    except ModelcheckError as exc:
        return _report_error(exc, model)
    click.echo(format_otp_replay(model, loaded.prop, result), nl=False)
    return 0 if result.reproduced == runs else 1


@cli.command(name="graph")
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write states.dot, states.svg and states.png to DIR.",
)
@click.option("--force", is_flag=True, help="Overwrite files already there.")
@click.option(
    "--max-states",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Refuse to draw more states than this (drawings of more are not readable).",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=1),
    help="Draw only the first N levels (the initial states are level 1).",
)
@_fault_options
def graph_states(
    target: str,
    assignments: tuple[str, ...],
    out: str,
    force: bool,
    max_states: int,
    max_depth: int | None,
    **faults: Any,
) -> int:
    """Draw the state graph of a small model, with the traces the check finds highlighted."""
    from modelcheck.render.draw import DotMissing, draw, draw_svg
    from modelcheck.render.stategraph import state_graph_dot
    from modelcheck.statespace import state_graph

    model = None
    drawn = True
    try:
        ref = resolve(target)
        model = instantiate(ref, _with_faults(ref, parse_assignments(assignments), faults))
        graph = state_graph(model, max_states=max_states, max_depth=max_depth)
        result = run_check(model, max_depth=max_depth, keep_going=True)
        source = state_graph_dot(model, graph, result)
        files: dict[str, str | bytes] = {"states.dot": source}
        try:
            files["states.svg"] = draw_svg(source)
            files["states.png"] = draw(source, "png")
        except DotMissing:
            drawn = False
        _write_files(Path(out), files, force)
    except ModelcheckError as exc:
        return _report_error(exc, model)
    edges = graph.number_of_edges()
    cut = "" if graph.graph["complete"] else f", cut at depth {max_depth}"
    click.echo(
        f"{model.heading()}: {len(graph)} state{'s' if len(graph) != 1 else ''}, "
        f"{edges} transition{'s' if edges != 1 else ''}{cut}"
    )
    for prop in result.properties:
        if prop.trace is not None and prop.status in ("violated", "reached"):
            what = "counterexample" if prop.status == "violated" else "example"
            color = "red" if prop.status == "violated" else "green"
            click.echo(f"  {what} for {prop.kind} {prop.name} in {color} ({len(prop.trace)} steps)")
    click.echo(f"wrote {', '.join(str(Path(out) / name) for name in files)}", err=True)
    if not drawn:
        click.echo(INSTALL_HINT, err=True)
    return 0


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="SPEC_OR_FOLDER...")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Run N specs at a time, each in its own process  [default: one per core]",
)
@click.option(
    "--slow/--no-slow",
    default=False,
    help="Also run the specs marked slow = true (a spec file named here always runs).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Rewrite the expectations of the specs that differ, after showing the change.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write a JUnit XML report to FILE, for CI.",
)
@click.option("--force", is_flag=True, help="With --junit, overwrite FILE.")
@click.option("--no-timing", is_flag=True, help="Leave out times (stable output).")
def regress(
    paths: tuple[str, ...],
    jobs: int | None,
    slow: bool,
    update: bool,
    junit: str | None,
    force: bool,
    no_timing: bool,
) -> int:
    """Run regression specs (specs/*.toml): compare each model's verdicts and state counts
    with what its spec expects.

    Exit codes: 0 every spec matches, 1 a spec differs, 2 a spec cannot be read or run.
    """
    try:
        specs = find_specs(paths)
        if junit and Path(junit).exists() and not force:
            raise UsageError(f"{junit} already exists: pass --force to overwrite it")
    except ModelcheckError as exc:
        return _report_error(exc, None)
    chosen = [s for s in specs if slow or s.named or not s.slow]
    jobs = max(1, min(jobs or default_jobs(), len(chosen)))
    start = time.perf_counter()
    with _SpecProgress(len(chosen)) as progress:
        ran = iter(run_specs(chosen, jobs))
        outcomes = [progress(next(ran)) if s in chosen else Outcome(s, skipped=True) for s in specs]
    seconds = time.perf_counter() - start
    timing = not no_timing
    for line in format_table(outcomes, timing=timing):
        click.echo(line)
    for outcome in outcomes:
        details = format_details(outcome)
        if details:
            click.echo("")
            for line in details:
                click.echo(line)
    click.echo("")
    click.echo(format_summary(outcomes, seconds=seconds if timing else None, jobs=jobs))
    statuses = {o.status for o in outcomes}
    code = EXIT_ERROR if "error" in statuses else 1 if "mismatch" in statuses else 0
    if update:
        # An expectation of a property the model no longer has is an error that --update
        # fixes, by dropping it.
        fixable = [o for o in outcomes if o.status == "mismatch" or (o.error is None and o.missing)]
        rest = {o.status for o in outcomes if o not in fixable}
        code = _update_specs(fixable, EXIT_ERROR if "error" in rest else 0)
    if code == 0 and "interrupted" in statuses:
        code = EXIT_UNKNOWN  # like a check stopped by Ctrl-C: not every spec was judged
    if junit:
        try:
            Path(junit).parent.mkdir(parents=True, exist_ok=True)
            Path(junit).write_text(junit_xml(outcomes, timing=timing), encoding="utf-8")
        except OSError as exc:
            click.echo(f"error: --junit {junit}: {exc.strerror or exc}", err=True)
            return EXIT_ERROR
        click.echo(f"wrote {junit}", err=True)
    return code


def _update_specs(outcomes: list[Outcome], code: int) -> int:
    """Show, then write, the new expectations of ``outcomes``; the exit code after that."""
    written = 0
    for outcome in outcomes:
        spec = outcome.spec
        try:
            expect, counts = outcome.recorded()
            text = updated_text(spec, spec.file.read_text(encoding="utf-8"), expect, counts)
            click.echo("")
            for line in format_changes(outcome):
                click.echo(line)
            spec.file.write_text(text, encoding="utf-8")
            written += 1
        except ModelcheckError as exc:
            click.echo(f"error: {exc.message}", err=True)
        except OSError as exc:
            click.echo(f"error: {spec.display}: {exc.strerror or exc}", err=True)
    if outcomes:
        click.echo("")
        click.echo(f"updated {written} spec{'s' if written != 1 else ''}")
    return EXIT_ERROR if written < len(outcomes) or code == EXIT_ERROR else 0


class _SpecProgress:
    """``3 of 12 specs done`` on stderr while specs run, only on a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.enabled = sys.stderr.isatty() and total > 1

    def __enter__(self) -> _SpecProgress:
        return self

    def __call__(self, outcome: Outcome) -> Outcome:
        self.done += 1
        if self.enabled:
            sys.stderr.write(f"\r{self.done} of {self.total} specs done\033[K")
            sys.stderr.flush()
        return outcome

    def __exit__(self, *exc: object) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _replay_status(kind: str, step: int | None) -> str:
    if kind in ("always", "step"):
        return "holds" if step is None else "violated"
    return "unreached" if step is None else "reached"


def _coloured(text: str) -> str:
    """The report with its verdicts coloured, when stdout is a terminal and NO_COLOR unset."""
    return colour_report(text) if use_colour(sys.stdout) else text


def _report_error(exc: ModelcheckError, model: Model[Any] | None) -> int:
    line = f"error: {exc.message}"
    click.echo(colour_error(line) if use_colour(sys.stderr) else line, err=True)
    if isinstance(exc, ModelCodeError) and exc.location:
        click.echo(f"  at {exc.location}", err=True)
    trace = exc.trace if isinstance(exc, ModelError) else None
    if trace is not None and model is not None:
        click.echo(f"the trace that reached it (path {trace.path}):", err=True)
        try:
            lines = format_trace(model, trace)
        except (ModelcheckError, RecursionError):  # a state too deep to show
            lines = [
                f"  {i}  {step.action or 'initial state'}" for i, step in enumerate(trace.steps)
            ]
        for line in lines:
            click.echo(line, err=True)
    return exc.exit_code


def _replay_command(ref: ModelRef | None, model: Model[Any]) -> str | None:
    return None if ref is None else model_command(ref, model)


def _out_files(
    result: CheckResult, model: Model[Any], timing: bool, ref: ModelRef | None
) -> tuple[dict[str, str | bytes], bool]:
    """``result.json`` and every trace's files; False when ``dot`` is missing (no pictures)."""
    report = result_to_json(result, model, timing=timing)
    files: dict[str, str | bytes] = {"result.json": json.dumps(report, indent=2) + "\n"}
    drawn = True
    command = _replay_command(ref, model)
    for prop in result.properties:
        if prop.trace is None:
            continue
        stem = _safe_name(prop.name)
        single = CheckResult(**{**result.__dict__, "properties": (prop,)})
        files[f"{stem}.txt"] = format_result(single, model, timing=timing, replay_command=command)
        bundle = trace_files(
            model,
            prop,
            stem,
            spec=ref.spec if ref is not None else None,
            search=search_stats(result, timing),
            replay_command=command,
        )
        files.update(bundle.files)
        drawn = drawn and bundle.drawn
    return files, drawn


def _write_files(folder: Path, files: dict[str, str | bytes], force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder}: exists and is not a folder")
    if not force:
        for name in files:
            if (folder / name).exists():
                raise UsageError(
                    f"{folder / name} already exists: pass --force to overwrite, or choose "
                    "another --out folder"
                )
    try:
        write_all(folder, files)
    except OSError as exc:
        raise UsageError(f"--out {folder}: {exc.strerror or exc}") from None


def _check_node(model: Model[Any], node: str) -> None:
    """``--node`` must name a node of an actor system."""
    if not isinstance(model, ActorSystem):
        raise UsageError(
            f"--node applies to actor systems (built on modelcheck.actors.ActorSystem), "
            f"and {model.name} is not one"
        )
    select(model, node)  # a node, or (cluster()) a pid on one or a boot process's name


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


def _save_test(
    file: Path, ref: ModelRef, model: Model[Any], result: CheckResult, force: bool
) -> str:
    """Write the ``--save-test`` file; return the line that tells what was done."""
    violated = [p for p in result.properties if p.status == "violated" and p.trace is not None]
    found = [p for p in violated if p.kind in ("always", "deadlock")]
    # A liveness counterexample is a lasso: replaying its path cannot tell whether it loops;
    # a step property is not a property of the last state, which the saved tests judge.
    live = [p.name for p in violated if p not in found and p.kind != "step"]
    steps = [p.name for p in violated if p.kind == "step"]
    left = [f"liveness: {', '.join(live)}"] if live else []
    left += [f"step properties: {', '.join(steps)}"] if steps else []
    note = f" (not saved, {'; '.join(left)})" if left else ""
    if not found:
        return f"no invariant or deadlock counterexample to save: {file} not written{note}"
    if file.exists() and not force:
        raise UsageError(f"{file} already exists: pass --force to overwrite it")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(regression_test(model, Path(ref.path), file, found), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--save-test {file}: {exc.strerror or exc}") from None
    tests = "1 test that replays the counterexample"
    if len(found) > 1:
        tests = f"{len(found)} tests that replay the counterexamples"
    return f"wrote {file}: {tests}{note}"


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
            width = shutil.get_terminal_size().columns - 1
            sys.stderr.write("\r" + format_progress(progress)[:width] + "\033[K")
            sys.stderr.flush()
            self.shown = True

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


# -- modelcheck prove: symbolic checks with z3 (imported lazily: z3 is slow to load) ------------


@cli.group(name="prove")
def prove() -> None:
    """Prove properties for every state with z3: CRDT laws, inductive invariants, BMC.

    \b
    modelcheck prove crdt models/crdt/g_counter.py
    modelcheck prove inductive models/symbolic/ring.py
    modelcheck prove bmc models/symbolic/two_phase_hasty.py --depth 10
    """


_timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Time limit per z3 query; a query that runs out is reported unknown.",
)
_no_timing_option = click.option(
    "--no-timing", is_flag=True, help="Leave out times (stable output)."
)


def _inv_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--inv", "invariants", multiple=True, metavar="NAME", help=help)


@prove.command(name="crdt")
@click.argument("target", metavar="PATH[:NAME]")
@click.option(
    "--replicas",
    type=click.IntRange(min=1, max=16),
    default=3,
    show_default=True,
    help="Number of replicas in the symbolic states.",
)
@_timeout_option
@_no_timing_option
def prove_crdt_command(target: str, replicas: int, timeout: float, no_timing: bool) -> int:
    """Prove a CRDT's merge laws, inflation and delta soundness for every state."""
    from modelcheck.loader import resolve_kind
    from modelcheck.render.proof import format_crdt
    from modelcheck.symbolic import CRDT, prove_crdt
    from modelcheck.trace import call_model

    try:
        _, cls = resolve_kind(target, CRDT, "CRDT (a subclass of modelcheck.symbolic.CRDT)")
        crdt = call_model(cls, f"{cls.__name__}()")
        report = prove_crdt(crdt, replicas=replicas, timeout=timeout)
    except ModelcheckError as exc:
        return _report_error(exc, None)
    click.echo(format_crdt(report, timing=not no_timing), nl=False)
    return report.exit_code


def _load_system(target: str, assignments: tuple[str, ...]) -> Any:
    from modelcheck.loader import resolve_kind
    from modelcheck.symbolic import System
    from modelcheck.trace import call_model

    _, cls = resolve_kind(
        target, System, "symbolic system (a subclass of modelcheck.symbolic.System)"
    )
    params = dict(parse_assignments(assignments))
    return call_model(lambda: cls(**params), f"{cls.__name__}.setup()")


def _split_names(values: tuple[str, ...]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@prove.command(name="inductive")
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@_inv_option(
    "An invariant (repeatable, or comma-separated); their conjunction is checked "
    "(default: the system's `inductive` list, else every invariant)."
)
@_timeout_option
@_no_timing_option
def prove_inductive_command(
    target: str,
    assignments: tuple[str, ...],
    invariants: tuple[str, ...],
    timeout: float,
    no_timing: bool,
) -> int:
    """Check that init implies the invariant and every action keeps it (any number of nodes).

    Without --inv, the system's `inductive` conjunction (or all its invariants) is used.
    """
    from modelcheck.render.proof import format_induction
    from modelcheck.symbolic import prove_inductive

    try:
        system = _load_system(target, assignments)
        report = prove_inductive(system, _split_names(invariants), timeout=timeout)
        text = format_induction(report, system, timing=not no_timing)
    except ModelcheckError as exc:
        return _report_error(exc, None)
    click.echo(text, nl=False)
    return report.exit_code


@prove.command(name="bmc")
@click.argument("target", metavar="PATH[:NAME]")
@_param_option
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    metavar="K",
    help="Look for violations in paths of up to K steps.",
)
@_inv_option(
    "An invariant to check (repeatable, or comma-separated; default: the safety "
    "properties, else every invariant)."
)
@_timeout_option
@_no_timing_option
def prove_bmc_command(
    target: str,
    assignments: tuple[str, ...],
    depth: int,
    invariants: tuple[str, ...],
    timeout: float,
    no_timing: bool,
) -> int:
    """Bounded model checking: a shortest violating trace, or none up to depth K."""
    from modelcheck.render.proof import format_bmc
    from modelcheck.symbolic import bmc

    try:
        system = _load_system(target, assignments)
        report = bmc(system, depth, _split_names(invariants), timeout=timeout)
        text = format_bmc(report, system, timing=not no_timing)
    except ModelcheckError as exc:
        return _report_error(exc, None)
    click.echo(text, nl=False)
    return report.exit_code
