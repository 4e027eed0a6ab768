"""``modelcheck regress``: run the regression specs, report, and ``--update`` them."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from modelcheck.errors import ModelcheckError, UsageError
from modelcheck.render.junit import junit_xml
from modelcheck.render.regress import format_changes, format_details, format_summary, format_table
from modelcheck.result import EXIT_UNKNOWN
from modelcheck.specs import Outcome, default_jobs, find_specs, run_specs, updated_text

from .group import cli
from .output import EXIT_ERROR, report_error

__all__ = ["regress"]


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
        return report_error(exc, None)
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
