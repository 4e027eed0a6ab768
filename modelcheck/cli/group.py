"""The ``modelcheck`` command group, and the options several of its commands share: model
parameters, fault budgets, ``--node``."""

from __future__ import annotations

from typing import Any

import click

from modelcheck import __version__
from modelcheck.actors import BUDGETS, ActorSystem
from modelcheck.errors import UsageError
from modelcheck.loader import ModelRef
from modelcheck.model import Model
from modelcheck.render.nodeview import select

__all__ = ["check_node", "cli", "fault_options", "node_option", "param_option", "with_faults"]


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


param_option = click.option(
    "-p",
    "--param",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a model parameter (repeatable), e.g. -p rms=5.",
)

node_option = click.option(
    "--node",
    metavar="NAME",
    help="Actor systems: show each trace as this node sees it (only the steps that concern it).",
)


def fault_options(fn: Any) -> Any:
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


def with_faults(ref: ModelRef, params: dict[str, Any], faults: dict[str, Any]) -> dict[str, Any]:
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


def check_node(model: Model[Any], node: str) -> None:
    """``--node`` must name a node of an actor system."""
    if not isinstance(model, ActorSystem):
        raise UsageError(
            f"--node applies to actor systems (built on modelcheck.actors.ActorSystem), "
            f"and {model.name} is not one"
        )
    select(model, node)  # a node, or (cluster()) a pid on one or a boot process's name
