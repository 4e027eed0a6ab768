"""The console script: run the command group, turn what escapes it into one line and an
exit code, and take SIGTERM as a Ctrl-C."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

import click

from .group import cli
from .output import EXIT_ERROR

__all__ = ["main"]


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
