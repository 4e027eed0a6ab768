"""Commands that look at models rather than judge them: ``list``, ``explore`` (the browser
app) and ``graph`` (the drawn state graph)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from modelcheck.actors import BUDGETS, ActorSystem
from modelcheck.errors import ModelcheckError
from modelcheck.explore import check as run_check
from modelcheck.loader import ModelRef, find_model_files, instantiate, load_models, resolve
from modelcheck.params import parse_assignments
from modelcheck.render.draw import INSTALL_HINT
from modelcheck.trace import call_model

from .group import cli, fault_options, param_option, with_faults
from .output import EXIT_ERROR, report_error, write_files

__all__ = ["explore", "graph_states", "list_models"]


@cli.command(name="list")
@click.argument("path", default=".", metavar="PATH")
def list_models(path: str) -> int:
    """List the models in a file or folder, grouped by folder (topic): a summary line each,
    the parameters with their defaults, and the properties."""
    code = 0
    try:
        files = find_model_files(path)
    except ModelcheckError as exc:
        return report_error(exc, None)
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


@cli.command(name="explore")
@click.argument("target", metavar="PATH[:NAME]")
@param_option
@fault_options
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
        params = with_faults(ref, dict(parse_assignments(assignments)), faults)
        explorer = Explorer(
            ref,
            {name: str(value) for name, value in params.items()},
            path=path,
            find_states=max_states,
            find_seconds=time_limit,
        )
        server = make_server(explorer, port)
    except ModelcheckError as exc:
        return report_error(exc, None)
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


@cli.command(name="graph")
@click.argument("target", metavar="PATH[:NAME]")
@param_option
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
@fault_options
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
        model = instantiate(ref, with_faults(ref, parse_assignments(assignments), faults))
        graph = state_graph(model, max_states=max_states, max_depth=max_depth)
        result = run_check(model, max_depth=max_depth, keep_going=True)
        source = state_graph_dot(model, graph, result)
        files: dict[str, str | bytes] = {"states.dot": source}
        try:
            files["states.svg"] = draw_svg(source)
            files["states.png"] = draw(source, "png")
        except DotMissing:
            drawn = False
        write_files(Path(out), files, force)
    except ModelcheckError as exc:
        return report_error(exc, model)
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
