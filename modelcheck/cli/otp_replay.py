"""``modelcheck otp-replay``: run a saved counterexample of :global's model on real Erlang
nodes."""

from __future__ import annotations

import os
from pathlib import Path

import click

from modelcheck.errors import ModelcheckError

from .group import cli
from .output import report_error

__all__ = ["otp_replay"]


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
        return report_error(exc, model)
    click.echo(format_otp_replay(model, loaded.prop, result), nl=False)
    return 0 if result.reproduced == runs else 1
