"""``modelcheck check``: its options, one model or every model of a file or folder (then a
summary table), and the live progress line."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from modelcheck.actors import ActorSystem
from modelcheck.errors import ModelcheckError, UsageError
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
from modelcheck.params import parse_assignments
from modelcheck.render import format_progress, format_result, result_to_json
from modelcheck.render.draw import INSTALL_HINT
from modelcheck.result import Progress

from .check_files import out_files, write_saved_test
from .group import check_node, cli, fault_options, node_option, param_option, with_faults
from .output import EXIT_ERROR, coloured, replay_command, report_error, write_files

__all__ = ["check"]


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
@param_option
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
@node_option
@fault_options
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
        model = instantiate(ref, with_faults(ref, parse_assignments(assignments), faults))
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
            check_node(model, node)
        timing = not no_timing
        # Rendered before anything is written: model code (show()) runs here too.
        if fmt == "json":
            report = json.dumps(result_to_json(result, model, timing=timing), indent=2) + "\n"
        else:
            command = replay_command(ref, model)
            report = format_result(result, model, timing=timing, replay_command=command, node=node)
        files, drawn = out_files(result, model, not no_timing, ref) if out else ({}, True)
        if out:
            write_files(Path(out), files, force)
        if save_test:
            saved = write_saved_test(Path(save_test), ref, model, result, force)
    except ModelcheckError as exc:
        return report_error(exc, model)
    click.echo(report if fmt == "json" else coloured(report), nl=False)
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
        return report_error(exc, None)
    from modelcheck.explore.cluster import session

    with contextlib.ExitStack() as stack:
        try:  # --ray: Ray started (or joined) once for every model, not once per model
            stack.enter_context(session(options["ray"], options["workers"]))
        except ModelcheckError as exc:
            return report_error(exc, None)
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
            model = instantiate(ref, with_faults(ref, own, faults if actor else {}))
            with _ProgressLine() as progress:
                result = run_check(model, progress=progress, **options)
        except ModelcheckError as exc:
            codes.append(report_error(exc, model))
            rows.append((ref.spec, None, []))
            continue
        codes.append(result.exit_code)
        rows.append((ref.spec, result.distinct, [(p.name, p.status) for p in result.properties]))
        if fmt == "json":
            reports.append(result_to_json(result, model, timing=timing))
        else:
            command = replay_command(ref, model)
            text = format_result(result, model, timing=timing, replay_command=command)
            click.echo(coloured(text), nl=False)
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
