"""One node's view of an actor trace (``--node NAME``): only the steps that concern it.

The steps are those of :func:`~modelcheck.actors.node_steps` (its handlers ran, a fault hit
it, or the network changed around it). Each is shown, like a whole trace, as its action and
what it changed (old -> new), but only in what belongs to the node: its own state (in a
``cluster()`` system, its processes' states), the messages in flight to or from it, its
timers and signals, and the monitors, links and cut links that involve it. Runs of steps
that concern other nodes are one line.

In a ``cluster()`` system ``NAME`` may also be one process: its pid as the trace writes it
(``<b.2>``) or a name it is registered under (``store``). Its view keeps the steps of its
node in which it acted (its handler ran, it was killed) and the faults around the node.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from modelcheck.actors import ActorSystem, node_steps
from modelcheck.actors.world import NO_PROCS
from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.render._sequence import notes_of
from modelcheck.render._states import plain_state
from modelcheck.render.text import _changes
from modelcheck.trace import Step, Trace
from modelcheck.values import format_value

__all__ = ["Selected", "format_node_trace", "node_view", "select"]

_PID = re.compile(r"<([^<>@]+)\.(\d+)(?:@(\d+))?>")


class Selected(NamedTuple):
    """What ``--node`` names: a node, or one process (``pid``: as the trace writes it)."""

    node: str
    pid: str | None = None


def select(system: ActorSystem, name: str, trace: Trace | None = None) -> Selected:
    """The node or process ``name`` names in ``system``: a node's name; in a ``cluster()``
    system also a pid (``<b.2>``) on a known node, or a registered name (a boot process's,
    or, given ``trace``, one registered in any of its states). Otherwise a one-line
    ``UsageError`` with the names it may have meant."""
    if name in system.node_index:
        return Selected(name)
    if not system.named:
        match = _PID.fullmatch(name)
        if match and match.group(1) in system.node_index:
            return Selected(match.group(1), name)
        for slot, boot in enumerate(system.boot_names):
            if boot is not None and str(boot) == name:
                node = system.node_names[system.boot_node[slot]]
                return Selected(node, str(system._pid(NO_PROCS, slot)))
        for step in trace.steps if trace is not None else ():
            procs = step.state.procs
            for (where, held), slot in procs.names if procs else ():
                if str(held) == name:
                    return Selected(system.node_names[where], str(system._pid(procs, slot)))
    known = list(system.node_names)
    if not system.named:
        known += [str(system._pid(NO_PROCS, s)) for s in range(len(system.boot_node))]
        known += [str(b) for b in system.boot_names if b is not None]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    nodes = ", ".join(system.node_names)
    if system.named:
        raise UsageError(f"{system.name} has no node {name!r}: {hint}its nodes are {nodes}")
    raise UsageError(
        f"{system.name} has no node or process {name!r}: {hint}its nodes are {nodes} "
        "(a process: its pid, as <node.2>, or a name it is registered under)"
    )


def _owner(key: str) -> str:
    """The node a shown process (its pid's text, or a node's name) is on."""
    match = _PID.fullmatch(key)
    return match.group(1) if match else key


def _receiver(to: str, names: dict[str, Any]) -> str:
    """Who a message in flight goes to, as the view keys it: ``store on b`` is the process
    registered there now, or node ``b`` when nobody is.

    >>> _receiver("store on b", {"store on b": "<b.0>"}), _receiver("db on b", {})
    ('<b.0>', 'b')
    """
    if to in names:
        return str(names[to])
    _, on, node = to.rpartition(" on ")
    return node if on else to


def node_view(system: ActorSystem, shown: dict[str, Any], node: str) -> dict[str, Any]:
    """The part of a shown world (``plain_state``) that belongs to ``node`` (a node's name,
    or a process's pid as the trace writes it)."""
    process = _PID.fullmatch(node) is not None

    def mine(key: str) -> bool:
        return key == node or (not process and _owner(key) == node)

    view: dict[str, Any] = {key: value for key, value in shown.items() if mine(key)}
    if not view:
        view[node] = None
    flight = []
    held = shown.get("names", {})
    for item in shown.get("in flight", []):
        source, rest = item.split(" -> ", 1)
        if mine(source) or mine(_receiver(rest.split(": ", 1)[0], held)):
            flight.append(item)
    if flight:
        view["in flight"] = flight
    for key in ("signals", "timers"):
        held = {who: items for who, items in shown.get(key, {}).items() if mine(who)}
        if held:
            view[key] = held[node] if list(held) == [node] else held
    for key, sep in (("monitors", " watches "), ("links", " - "), ("cut", " -/- ")):
        found = [item for item in shown.get(key, []) if any(mine(p) for p in item.split(sep))]
        if found:
            view[key] = found
    names = {name: pid for name, pid in shown.get("names", {}).items() if mine(str(pid))}
    if names:
        view["names"] = names
    return view


def format_node_trace(model: Model[Any], trace: Trace, node: str, indent: str = "  ") -> list[str]:
    """The steps of ``trace`` that concern ``node``, with what they changed of its part."""
    if not isinstance(model, ActorSystem):
        raise UsageError(
            f"--node applies to actor systems (built on modelcheck.actors.ActorSystem), "
            f"and {model.name} is not one"
        )
    chosen = select(model, node, trace)
    wanted = node_steps(model, trace, chosen.node)
    if chosen.pid is not None:
        steps = trace.steps
        wanted = tuple(
            k
            for k in wanted
            if _acts(steps[k].label, chosen.pid, _holder(model, steps[k - 1] if k else steps[0]))
        )
        node = chosen.pid
    what, others = ("node", "other nodes") if chosen.pid is None else ("process", "others")
    views = [node_view(model, plain_state(model, step.state), node) for step in trace.steps]
    n = len(trace)
    width = len(str(n))
    shown = len(wanted) - 1
    lines = [
        f"{indent}{what} {node}: {shown} of {n} step{'s' if n != 1 else ''} concern it"
        + (f" ({', '.join(str(k) for k in wanted[1:])})" if shown else "")
    ]
    loop = trace.loop
    last = 0
    for number in wanted:
        marker = f"{indent}{number:>{width}}  "
        pad = " " * len(marker)
        if number - last > 1:
            lines.append(f"{indent}{' ' * width}  {_skipped(last + 1, number - 1, others)}")
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
        lines.append(f"{indent}{' ' * width}  {_skipped(last + 1, n, others)}")
    if loop is not None:
        if loop < n:
            lines.append(f"{indent}-- back to the state of step {loop}: the loop repeats --")
        else:
            lines.append(f"{indent}-- stays in this state forever: no further step --")
    return lines


def _acts(label: Any, pid: str, holder: Callable[[Any], str]) -> bool:
    """Whether process ``pid`` acted in the step labelled ``label`` (a step of its node's):
    its handler ran, it was killed, or the step is a fault that names no process.
    ``holder`` says which process a label's receiver is (a ``(name, node)``: the one
    that held the name as the step began)."""
    if not isinstance(label, tuple) or not label:
        return True
    kind = label[0]
    if kind == "deliver":
        return holder(label[2]) == pid
    if kind in ("signal", "timeout", "kill"):
        return str(label[1]) == pid
    if kind in ("drop", "duplicate"):
        return pid in (str(label[1]), holder(label[2]))
    return True


def _holder(system: ActorSystem, before: Step) -> Callable[[Any], str]:
    """Which process a label's receiver (a pid, or ``(name, node)``) was in the world
    before the step, as the trace writes it."""

    def holder(to: Any) -> str:
        if type(to) is tuple and len(to) == 2 and to[1] in system.node_index:
            return str(system.pid_of(before.state, to[1], to[0]))
        return str(to)

    return holder


def _skipped(first: int, last: int, others: str) -> str:
    if first == last:
        return f"(step {first}: {others})"
    return f"(steps {first}-{last}: {others})"
