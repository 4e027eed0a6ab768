"""``modelcheck prove``: symbolic checks with z3 (imported lazily: z3 is slow to load)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from modelcheck.errors import ModelcheckError
from modelcheck.params import parse_assignments
from modelcheck.trace import call_model

from .group import cli, param_option
from .output import report_error

__all__ = ["prove"]


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

    try:
        _, cls = resolve_kind(target, CRDT, "CRDT (a subclass of modelcheck.symbolic.CRDT)")
        crdt = call_model(cls, f"{cls.__name__}()")
        report = prove_crdt(crdt, replicas=replicas, timeout=timeout)
    except ModelcheckError as exc:
        return report_error(exc, None)
    click.echo(format_crdt(report, timing=not no_timing), nl=False)
    return report.exit_code


def _load_system(target: str, assignments: tuple[str, ...]) -> Any:
    from modelcheck.loader import resolve_kind
    from modelcheck.symbolic import System

    _, cls = resolve_kind(
        target, System, "symbolic system (a subclass of modelcheck.symbolic.System)"
    )
    params = dict(parse_assignments(assignments))
    return call_model(lambda: cls(**params), f"{cls.__name__}.setup()")


def _split_names(values: tuple[str, ...]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@prove.command(name="inductive")
@click.argument("target", metavar="PATH[:NAME]")
@param_option
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
        return report_error(exc, None)
    click.echo(text, nl=False)
    return report.exit_code


@prove.command(name="bmc")
@click.argument("target", metavar="PATH[:NAME]")
@param_option
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
        return report_error(exc, None)
    click.echo(text, nl=False)
    return report.exit_code
