"""What every command prints the same way: errors (one line, and the trace that reached
them), coloured verdicts, the replay command, files written to ``--out``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from modelcheck.errors import ModelcheckError, ModelCodeError, ModelError, UsageError
from modelcheck.loader import ModelRef
from modelcheck.model import Model
from modelcheck.render import format_trace
from modelcheck.render.bundle import write_all
from modelcheck.render.colour import colour_error, colour_report, use_colour
from modelcheck.render.command import model_command

__all__ = ["EXIT_ERROR", "coloured", "replay_command", "report_error", "safe_name", "write_files"]


EXIT_ERROR = 2


def coloured(text: str) -> str:
    """The report with its verdicts coloured, when stdout is a terminal and NO_COLOR unset."""
    return colour_report(text) if use_colour(sys.stdout) else text


def report_error(exc: ModelcheckError, model: Model[Any] | None) -> int:
    """Print ``exc`` as one line (and the trace that reached it); return its exit code."""
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


def replay_command(ref: ModelRef | None, model: Model[Any]) -> str | None:
    """The command that checks ``model`` again, for the report (none without a file)."""
    return None if ref is None else model_command(ref, model)


def write_files(folder: Path, files: dict[str, str | bytes], force: bool) -> None:
    """Write ``files`` to ``folder``; refuse to overwrite one without ``force``."""
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


def safe_name(name: str) -> str:
    """A property name made safe as a file name stem."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "property"
