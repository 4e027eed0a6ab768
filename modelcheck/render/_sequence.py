"""What a sequence chart shows, computed once for every drawing of an actor trace.

:func:`sequence` turns a trace of an :class:`~modelcheck.actors.ActorSystem` into lanes
(one per process, grouped by node; in a one-process-per-node system, one per node), what
each step was (a delivery, a timer, a crash, a partition...), whether
each node's process was running after each step, and every message with the steps that sent
it and delivered it (from :func:`~modelcheck.actors.message_flow`) and, for a message that
was lost or dropped, the step where that happened. ``message_flow`` does not record that
step, so it is found here from the public view of each state: the first step, from the one
that sent it on, whose label drops that message, or after which the two nodes cannot talk
(lost) or the receiver is not running (dropped).

A boot process keeps its lane through its node's crashes and restarts (the restarted one
is a new pid in the same place); a spawned process's lane starts at the step that spawned
it and ends where it exited, with the reason when the trace shows it (the reason of the
DOWN or EXIT it caused, the exit signal that killed it, or ``killed`` by the ``kills``
fault).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from modelcheck.actors import ActorSystem, Pid, Signal, message_flow
from modelcheck.actors.actor import Note
from modelcheck.actors.terms import erlang_term
from modelcheck.trace import Trace
from modelcheck.values import format_value, to_plain

__all__ = ["Lane", "Message", "Sequence", "StepInfo", "notes_of", "sequence", "text_of"]


@dataclass(frozen=True)
class Lane:
    """A lifeline: ``key`` (how messages and steps name it), the ``node`` it runs on, its
    ``title`` (the registered name and the pid; the node's name in a one-process-per-node
    system), the step where it starts (0, or the step that spawned it) and, for a spawned
    process, the step where it ended and why (``reason``: None when the trace does not
    say, or when its node crashed)."""

    key: str
    node: str
    title: str
    start: int = 0
    end: int | None = None
    reason: str | None = None
    spawned: bool = False


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
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sequence:
    """An actor trace, ready to draw. ``status[k][i]``: ``up``, ``dead`` (the process is
    not running) or ``down`` (the node crashed) after step ``k``."""

    nodes: tuple[str, ...]
    steps: tuple[StepInfo, ...]
    messages: tuple[Message, ...]
    status: tuple[tuple[str, ...], ...]
    lanes: tuple[Lane, ...] = ()
    processes: bool = False  # lanes are processes (a cluster() system), not nodes
    #: (step, lane, reason) where a process stopped or was killed (not by its node's crash)
    ends: tuple[tuple[int, str, str | None], ...] = ()

    def lanes_of(self, node: str) -> list[Lane]:
        """The lanes of ``node``'s processes, left to right."""
        return [lane for lane in self.lanes if lane.node == node]

    def lane(self, key: str) -> Lane:
        """The lane named ``key``."""
        return next(lane for lane in self.lanes if lane.key == key)


def text_of(value: Any) -> str:
    """A message, timer or signal as one line of text."""
    if isinstance(value, Signal):
        return str(value)
    return format_value(to_plain(value))


def sequence(system: ActorSystem, trace: Trace) -> Sequence:
    """The lanes, steps, statuses and messages of an actor trace."""
    nodes = system.node_names
    worlds = [step.state for step in trace.steps]
    flows = message_flow(system, trace)
    lanes, where = _lanes(system, trace, flows)
    status = tuple(_status(system, w, lanes, where, k) for k, w in enumerate(worlds))
    # A message by name is drawn to whoever held the name as it arrived (or to its node).
    arrived = {flow.received: where(flow.target) for flow in flows if flow.received is not None}
    steps = tuple(
        _by_name(_step_info(number, step.label, step.action, where), step.label, arrived)
        for number, step in enumerate(trace.steps)
    )
    links = [system.connectivity(w) for w in worlds]
    used_drops: set[int] = set()
    messages = []
    for index, flow in enumerate(flows):
        text = text_of(flow.message)
        ended = None
        if flow.fate in ("lost", "dropped") and flow.received is None:
            ended = _end_of(flow.fate, flow.sender, flow.receiver, flow.message, flow.sent,
                            trace, status, nodes, links, used_drops,
                            [lane.key for lane in lanes].index(where(flow.target)))  # fmt: skip
        messages.append(
            Message(
                index=index,
                sender=where(flow.source),
                receiver=where(flow.target),
                text=text,
                signal=isinstance(flow.message, Signal),
                sent=flow.sent,
                received=flow.received,
                ended=ended,
                fate=flow.fate,
                copy_of=flow.copy_of,
            )
        )
    ends = []
    for k in range(1, len(status)):
        for i, lane in enumerate(lanes):
            crash = steps[k].kind == "crash" and steps[k].node == lane.node
            if status[k - 1][i] == "up" and status[k][i] in ("dead", "gone") and not crash:
                reason = lane.reason if lane.spawned else _reason(lane.key, k, trace, flows, where)
                ends.append((k, lane.key, reason))
    return Sequence(nodes, steps, tuple(messages), status, lanes, not system.named, tuple(ends))


def _by_name(info: StepInfo, label: Any, arrived: dict[int, str]) -> StepInfo:
    """A delivery of a message sent to ``(name, node)`` drawn on the lane it arrived at."""
    if info.kind == "deliver" and type(label[2]) is tuple and info.number in arrived:
        return replace(info, node=arrived[info.number])
    return info


def notes_of(label: Any) -> tuple[str, ...]:
    """What the handler of a step wrote with ``out.note``, in order."""
    if not isinstance(label, tuple):
        return ()
    return tuple(part.text for part in label if isinstance(part, Note))


def _lanes(system: ActorSystem, trace: Trace, flows: Any) -> tuple[tuple[Lane, ...], Any]:
    """The lanes of the trace and a function from a process (or node) to its lane's key."""
    nodes = system.node_names
    if system.named:
        return tuple(Lane(node, node, node) for node in nodes), _node_lane(nodes)
    boots: dict[str, int] = {}
    boot_keys = []
    for index in system.boot_node:
        node = nodes[index]
        boot_keys.append(str(Pid(node, boots.get(node, 0))))
        boots[node] = boots.get(node, 0) + 1

    def where(who: Any) -> str:
        if type(who) is tuple:  # (name, node): the node's, until it arrives somewhere
            who = who[1]
        if type(who) is Pid:
            return (
                str(Pid(who.node, who.serial)) if who.serial < boots.get(who.node, 0) else str(who)
            )
        return str(Pid(str(who), 0))  # a node: its first boot process

    seen: dict[str, tuple[str, int, Any]] = {}  # key -> (node, start, pid)
    titles: dict[str, str] = {}
    for slot, key in enumerate(boot_keys):
        seen[key] = (nodes[system.boot_node[slot]], 0, key)
        name = system.boot_names[slot]
        if name is not None:
            titles[key] = f"{text_of(name)} {key}"
    lasts: dict[str, int] = {}
    for k, step in enumerate(trace.steps):
        w = step.state
        for pid in system.processes(w):
            key = where(pid)
            lasts[key] = k
            seen.setdefault(key, (pid.node, k, pid))
        if w.procs:
            for (_, name), slot in w.procs.names:
                titles.setdefault(where(system._addr(w.procs, slot)), f"{text_of(name)} ")
    for flow in flows:  # a process that exited in the step that spawned it
        for who in (flow.source, flow.target):
            if type(who) is Pid and where(who) not in seen:
                seen[where(who)] = (who.node, flow.sent, who)
                lasts[where(who)] = flow.sent - 1
    placeholders = set()
    for node in nodes:  # a node that never runs a process still has a (dashed) lifeline
        if not any(seen[key][0] == node for key in seen):
            placeholders.add(where(node))
            seen[where(node)] = (node, 0, where(node))
            titles[where(node)] = node
    last = len(trace.steps) - 1
    lanes = []
    order = sorted(
        seen,
        key=lambda key: (
            nodes.index(seen[key][0]),
            key not in boot_keys,
            seen[key][1],
            str(seen[key][2]),
        ),
    )
    for key in order:
        node, start, _ = seen[key]
        title = titles.get(key, "")
        title = title + key if title.endswith(" ") else title or key
        if key in placeholders:
            lanes.append(Lane(key, node, title))
            continue
        if key in boot_keys or lasts.get(key, last) >= last:
            lanes.append(Lane(key, node, title, start, spawned=key not in boot_keys))
            continue
        end = lasts[key] + 1
        lanes.append(
            Lane(key, node, title, start, end, _reason(key, end, trace, flows, where), True)
        )
    return tuple(lanes), where


def _node_lane(nodes: tuple[str, ...]) -> Any:
    def where(who: Any) -> str:
        if type(who) is tuple:  # (name, node)
            return str(who[1])
        return who.node if type(who) is Pid else str(who)

    return where


def _reason(key: str, end: int, trace: Trace, flows: Any, where: Any) -> str | None:
    """Why the process of lane ``key`` exited at step ``end`` (None: unknown, or a crash)."""
    label = trace.steps[end].label
    kind = label[0] if isinstance(label, tuple) and label else None
    if kind == "crash":
        return None
    for flow in flows:
        m = flow.message
        down = isinstance(m, Signal) and m.kind in ("DOWN", "EXIT")
        if flow.sent == end and down and where(m.who) == key:
            return erlang_term(m.reason)
    if kind == "deliver" and isinstance(label[3], Signal) and where(label[2]) == key:
        signal = label[3]
        if signal.kind == "kill":
            return "killed"
        if signal.kind == "EXIT":
            return erlang_term(signal.reason)
    if kind == "kill" and where(label[1]) == key:
        return "killed"
    return None


def _status(
    system: ActorSystem, w: Any, lanes: tuple[Lane, ...], where: Any, k: int
) -> tuple[str, ...]:
    """Each lane after step ``k``: up, dead (not running), down (its node crashed), or
    ``gone`` (a spawned process not started yet, or ended)."""
    running = {where(who) for who in system.processes(w)}
    out = []
    for lane in lanes:
        if lane.key in running:
            out.append("up")
        elif lane.spawned:
            out.append("gone")
        else:
            out.append("down" if w.down >> system.node_index[lane.node] & 1 else "dead")
    return tuple(out)


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
    j: int,
) -> int:
    """The step where a lost or dropped message ended (the last step, if none fits)."""
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


def _step_info(number: int, label: Any, action: str | None, where: Any) -> StepInfo:
    if number == 0 or action is None:
        return StepInfo(number, "initial state", "init", None, "")
    info = _what(number, label, action, where)
    notes = notes_of(label)
    return replace(info, notes=notes) if notes else info


def _what(number: int, label: Any, action: str, where: Any) -> StepInfo:
    kind = label[0] if isinstance(label, tuple) and label and isinstance(label[0], str) else ""
    args: tuple[Any, ...] = label[1:] if kind else ()

    def _lane(who: Any) -> str:
        return str(where(who))

    if kind == "deliver":
        return StepInfo(number, action, kind, _lane(args[1]), text_of(args[2]))
    if kind in ("signal", "timeout"):
        return StepInfo(number, action, kind, _lane(args[0]), text_of(args[1]))
    if kind in ("crash", "restart"):
        return StepInfo(number, action, kind, str(args[0]), "")
    if kind == "kill":
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
