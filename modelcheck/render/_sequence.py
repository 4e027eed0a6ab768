"""What a sequence chart shows, computed once for every drawing of an actor trace.

:func:`sequence` turns a trace of an :class:`~modelcheck.actors.ActorSystem` into lanes
(one per node), what each step was (a delivery, a timer, a crash, a partition...), whether
each node's process was running after each step, and every message with the steps that sent
it and delivered it (from :func:`~modelcheck.actors.message_flow`) and, for a message that
was lost or dropped, the step where that happened. ``message_flow`` does not record that
step, so it is found here from the public view of each state: the first step, from the one
that sent it on, whose label drops that message, or after which the two nodes cannot talk
(lost) or the receiver is not running (dropped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelcheck.actors import ActorSystem, Pid, Signal, message_flow
from modelcheck.trace import Trace
from modelcheck.values import format_value, to_plain

__all__ = ["Message", "Sequence", "StepInfo", "sequence", "text_of"]


@dataclass(frozen=True)
class Message:
    """One message of the trace, as drawn: ``ended`` is where a lost or dropped one ended."""

    index: int
    sender: str
    receiver: str
    text: str
    signal: bool
    sent: int
    received: int | None
    ended: int | None
    fate: str
    copy_of: int | None


@dataclass(frozen=True)
class StepInfo:
    """What one step was: its kind (``init``, ``deliver``, ``signal``, ``timeout``,
    ``crash``, ``restart``, ``partition``, ``cut``, ``heal``, ``drop``, ``duplicate``), the
    node it concerns, and a short detail (the timer, the signal, the groups...)."""

    number: int
    action: str
    kind: str
    node: str | None
    detail: str
    groups: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Sequence:
    """An actor trace, ready to draw. ``status[k][i]``: ``up``, ``dead`` (the process is
    not running) or ``down`` (the node crashed) after step ``k``."""

    nodes: tuple[str, ...]
    steps: tuple[StepInfo, ...]
    messages: tuple[Message, ...]
    status: tuple[tuple[str, ...], ...]

    def exits(self) -> list[tuple[int, str]]:
        """(step, node) where a process stopped or was killed (not by a crash)."""
        found = []
        for k in range(1, len(self.status)):
            for i, node in enumerate(self.nodes):
                before, after = self.status[k - 1][i], self.status[k][i]
                if before == "up" and after == "dead":
                    found.append((k, node))
        return found


def text_of(value: Any) -> str:
    """A message, timer or signal as one line of text."""
    if isinstance(value, Signal):
        return str(value)
    return format_value(to_plain(value))


def sequence(system: ActorSystem, trace: Trace) -> Sequence:
    """The lanes, steps, statuses and messages of an actor trace."""
    nodes = system.node_names
    worlds = [step.state for step in trace.steps]
    status = tuple(tuple(system.node_status(w, i) for i in range(len(nodes))) for w in worlds)
    steps = tuple(
        _step_info(number, step.label, step.action) for number, step in enumerate(trace.steps)
    )
    links = [system.connectivity(w) for w in worlds]
    used_drops: set[int] = set()
    messages = []
    for index, flow in enumerate(message_flow(system, trace)):
        text = text_of(flow.message)
        ended = None
        if flow.fate in ("lost", "dropped"):
            ended = _end_of(flow.fate, flow.sender, flow.receiver, flow.message, flow.sent,
                            trace, status, nodes, links, used_drops)  # fmt: skip
        messages.append(
            Message(
                index=index,
                sender=flow.sender,
                receiver=flow.receiver,
                text=text,
                signal=isinstance(flow.message, Signal),
                sent=flow.sent,
                received=flow.received,
                ended=ended,
                fate=flow.fate,
                copy_of=flow.copy_of,
            )
        )
    return Sequence(nodes, steps, tuple(messages), status)


def _end_of(
    fate: str,
    sender: str,
    receiver: str,
    message: Any,
    sent: int,
    trace: Trace,
    status: tuple[tuple[str, ...], ...],
    nodes: tuple[str, ...],
    links: list[Any],
    used_drops: set[int],
) -> int:
    """The step where a lost or dropped message ended (the last step, if none fits)."""
    j = nodes.index(receiver)
    for t in range(sent, len(trace.steps)):
        label = trace.steps[t].label
        if fate == "dropped" and status[t][j] != "up":
            return t
        if fate == "lost":
            if t > sent and t not in used_drops and label == ("drop", sender, receiver, message):
                used_drops.add(t)
                return t
            if sender != receiver and not links[t].has_edge(sender, receiver):
                return t
    return len(trace.steps) - 1


def _step_info(number: int, label: Any, action: str | None) -> StepInfo:
    if number == 0 or action is None:
        return StepInfo(number, "initial state", "init", None, "")
    kind = label[0] if isinstance(label, tuple) and label and isinstance(label[0], str) else ""
    # Lanes are nodes: a process (a Pid) is drawn on its node's lane, its pid in the text.
    args: tuple[Any, ...] = label[1:] if kind else ()
    if kind == "deliver":
        return StepInfo(number, action, kind, _lane(args[1]), _by(args[1], text_of(args[2])))
    if kind in ("signal", "timeout"):
        return StepInfo(number, action, kind, _lane(args[0]), _by(args[0], text_of(args[1])))
    if kind in ("crash", "restart", "kill"):
        return StepInfo(number, action, kind, _lane(args[0]), "")
    if kind == "partition":
        groups = tuple(tuple(str(n) for n in group) for group in args)
        detail = " | ".join("[" + ", ".join(group) + "]" for group in groups)
        return StepInfo(number, action, kind, None, detail, groups)
    if kind == "cut":
        return StepInfo(number, action, kind, None, f"{args[0]} -/- {args[1]}")
    if kind == "heal":
        detail = f"{args[0]} --- {args[1]}" if args else "every link up"
        return StepInfo(number, action, kind, None, detail)
    if kind in ("drop", "duplicate"):
        return StepInfo(number, action, kind, _lane(args[0]), text_of(args[2]))
    return StepInfo(number, action, kind or "other", None, "")


def _lane(who: Any) -> str:
    """The lane of a process named in a label: its node."""
    return who.node if isinstance(who, Pid) else str(who)


def _by(who: Any, text: str) -> str:
    """``text``, with the pid of the process it concerns when that is not the node's name."""
    return f"{who}: {text}" if isinstance(who, Pid) else text
