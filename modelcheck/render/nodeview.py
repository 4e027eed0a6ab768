"""One node's view of an actor trace (``--node NAME``): only the steps that concern it.

The steps are those of :func:`~modelcheck.actors.node_steps` (its handlers ran, a fault hit
it, or the network changed around it). Each is shown, like a whole trace, as its action and
what it changed (old -> new), but only in what belongs to the node: its own state, the
messages in flight to or from it, its timers and signals, and the monitors, links and cut
links that involve it. Runs of steps that concern other nodes are one line.
"""

from __future__ import annotations

import re
from typing import Any

from modelcheck.actors import ActorSystem, node_steps
from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.render._sequence import notes_of
from modelcheck.render._states import plain_state
from modelcheck.render.text import _changes
from modelcheck.trace import Trace
from modelcheck.values import format_value

__all__ = ["format_node_trace", "node_view"]


def node_view(system: ActorSystem, shown: dict[str, Any], node: str) -> dict[str, Any]:
    """The part of a shown world (``plain_state``) that belongs to ``node``: its state in a
    system of ``actors()``, its processes' states (``<node.0>``, ...) in one of ``cluster()``."""
    view: dict[str, Any] = {key: value for key, value in shown.items() if _on(key, node)}
    if not view:
        view[node] = None
    flight = [
        item for item in shown.get("in flight", []) if any(_on(end, node) for end in _ends(item))
    ]
    if flight:
        view["in flight"] = flight
    for key in ("signals", "timers"):
        held = {who: what for who, what in shown.get(key, {}).items() if _on(who, node)}
        if held:
            view[key] = held[node] if list(held) == [node] else held
    for key, sep in (("monitors", " watches "), ("links", " - "), ("cut", " -/- ")):
        mine = [
            item for item in shown.get(key, []) if any(_on(end, node) for end in item.split(sep))
        ]
        if mine:
            view[key] = mine
    names = {name: pid for name, pid in shown.get("names", {}).items() if _on(pid, node)}
    if names:
        view["names"] = names
    return view


def _on(shown: Any, node: str) -> bool:
    """Whether a shown node name or pid (``<b.2>``, ``<b.2@1>``) is ``node`` or one of its
    processes."""
    return isinstance(shown, str) and (
        shown == node or re.fullmatch(rf"<{re.escape(node)}\.\d+(@\d+)?>", shown) is not None
    )


def _ends(item: str) -> tuple[str, str]:
    """The sender and receiver of a shown message in flight, ``"a -> b: msg"``."""
    sender, _, rest = item.partition(" -> ")
    return sender, rest.partition(": ")[0]


def format_node_trace(model: Model[Any], trace: Trace, node: str, indent: str = "  ") -> list[str]:
    """The steps of ``trace`` that concern ``node``, with what they changed of its part."""
    if not isinstance(model, ActorSystem):
        raise UsageError(
            f"--node applies to actor systems (built on modelcheck.actors.ActorSystem), "
            f"and {model.name} is not one"
        )
    wanted = node_steps(model, trace, node)
    views = [node_view(model, plain_state(model, step.state), node) for step in trace.steps]
    n = len(trace)
    width = len(str(n))
    shown = len(wanted) - 1
    lines = [
        f"{indent}node {node}: {shown} of {n} step{'s' if n != 1 else ''} concern it"
        + (f" ({', '.join(str(k) for k in wanted[1:])})" if shown else "")
    ]
    loop = trace.loop
    last = 0
    for number in wanted:
        marker = f"{indent}{number:>{width}}  "
        pad = " " * len(marker)
        if number - last > 1:
            lines.append(f"{indent}{' ' * width}  {_skipped(last + 1, number - 1)}")
        if loop is not None and loop < n and last <= loop < number and number > 0:
            lines.append(
                f"{indent}-- the loop starts at step {loop}: steps {loop + 1}..{n} repeat --"
            )
        if number == 0:
            lines.append(f"{marker}initial state")
            lines.extend(f"{pad}{key} = {format_value(value)}" for key, value in views[0].items())
        else:
            lines.append(f"{marker}{trace.steps[number].action}")
            lines.extend(f"{pad}note: {note}" for note in notes_of(trace.steps[number].label))
            changes = _changes(views[number - 1], views[number])
            lines.extend(f"{pad}{change}" for change in changes or ["(no change here)"])
        last = number
    if last < n:
        lines.append(f"{indent}{' ' * width}  {_skipped(last + 1, n)}")
    if loop is not None:
        if loop < n:
            lines.append(f"{indent}-- back to the state of step {loop}: the loop repeats --")
        else:
            lines.append(f"{indent}-- stays in this state forever: no further step --")
    return lines


def _skipped(first: int, last: int) -> str:
    if first == last:
        return f"(step {first}: other nodes)"
    return f"(steps {first}-{last}: other nodes)"
