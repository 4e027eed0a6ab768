"""Trace views for people: each node's own steps, and every message as a pair of steps.

A :class:`MessageFlow` is one message (or signal sent through the network) with the step
that sent it, the step that delivered it, and its fate: ``delivered``, ``lost`` (the
network dropped it, or its connection went down), ``dropped`` (it reached, or was sent to,
a process that is not running, or, sent to ``(name, node)``, arrived where nobody held
the name) or ``in flight`` (still travelling when the trace ends).
A copy made by the network's ``duplicate`` fault is its own record, with ``copy_of`` the
index of the original. ``source`` and ``target`` are the processes it went between (their
pids; the node's name in a one-process-per-node system; a message lost or dropped as it
was sent goes from the process whose handler sent it to the process it was addressed to,
or to the receiving node when the address named nobody: a pid of a process that never
ran there, a name nobody holds; a message sent by name to another node goes to the process
that held the name when it arrived, or, dropped there, to the node). This is the data a
message sequence chart is drawn from.

>>> from modelcheck import replay
>>> from modelcheck.actors import Actor, ActorSystem
>>> class Relay(Actor[int]):
...     def init(self, me, out):
...         if me == "a":
...             out.send("b", "hi")
...             out.send("c", "hey")
...         return 0
...     def on_message(self, me, state, sender, msg, out):
...         if me == "b":
...             out.send("c", "fwd")
...         return state + 1
>>> class Trio(ActorSystem):
...     def actors(self):
...         return {"a": Relay(), "b": Relay(), "c": Relay()}
>>> system = Trio(crashes=1)
>>> trace = replay(system, "0.0.1.3")  # a -> b, b -> c arrive; then c crashes
>>> [step.action for step in trace.steps[1:]]
['deliver(a, b, hi)', 'deliver(b, c, fwd)', 'crash(c)']
>>> [(f.sender, f.receiver, f.message, f.sent, f.received, f.fate)
...  for f in message_flow(system, trace)]
[('a', 'b', 'hi', 0, 1, 'delivered'), ('a', 'c', 'hey', 0, None, 'dropped'), \
('b', 'c', 'fwd', 1, 2, 'delivered')]
>>> node_steps(system, trace, "c")
(0, 2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.trace import Trace

from .actor import Pid
from .system import ActorSystem
from .world import MASK, SHIFT

__all__ = ["MessageFlow", "message_flow", "node_steps"]

_FATES = {"lost": "lost", "dead": "dropped"}


@dataclass(frozen=True)
class MessageFlow:
    """One message: the nodes it went between (``sender``, ``receiver``), at which steps it
    was sent and received, its fate."""

    sender: str
    receiver: str
    message: Any
    sent: int
    received: int | None
    fate: str
    copy_of: int | None = None
    source: Any = None
    target: Any = None


def message_flow(system: ActorSystem, trace: Trace) -> tuple[MessageFlow, ...]:
    """Every message of ``trace``, in the order sent, with its delivery step and fate."""
    names = system.node_names
    records: list[MessageFlow] = []
    queues: dict[Any, list[int]] = {}  # by channel key (an int, or ("byname", key))
    boots = len(system.boot_node)
    before: Any = None  # the world before the step being recorded (None: the start)
    after: Any = None  # and after it

    def address(slot: int) -> Any:
        """The process in ``slot`` while the step runs: a boot slot as it is after the
        step (a restart renews its pid), one spawned earlier as before the step, one
        spawned by the step the next of the pids it added (in order)."""
        known = len(before.states) if before is not None else boots
        if slot < boots:
            return system._addr(after.procs, slot)
        if slot < known:
            return system._addr(before.procs, slot)
        old = (
            {pid for pid, _ in before.procs.spawned}
            if before is not None and before.procs
            else set()
        )
        new = [pid for pid, _ in after.procs.spawned if pid not in old] if after.procs else []
        return new[slot - known] if slot - known < len(new) else None

    def acting(label: Any) -> Any:
        """The process whose handler ran in a step labelled ``label``."""
        if isinstance(label, tuple) and label and label[0] == "deliver":
            return label[2]
        if isinstance(label, tuple) and label and label[0] in ("signal", "timeout"):
            return label[1]
        return None

    def record(step: int, world: Any, event: tuple[Any, ...]) -> None:
        kind, k = event[0], event[1]
        if kind == "renumber":  # spawned processes' slots put in order (see Next.tidy)
            moved = {k[old]: queue for old, queue in queues.items() if old in k}
            queues.clear()
            queues.update(moved)
            return
        queue = queues.setdefault(k, [])
        if kind == "send":
            msg, fate, src, dst = event[2], event[3], event[4], event[5]
            if type(k) is tuple:  # by name: who gets it is known when it arrives
                source, target = address(k[1] >> SHIFT), names[dst]
            elif k >= 0:
                source, target = address(k >> SHIFT), address(k & MASK)
            else:  # lost or dropped as sent: the process it was for, if there was one
                source = acting(label)
                if source is None or (source.node if type(source) is Pid else source) != names[src]:
                    source = names[src]
                target = names[dst] if event[6] is None else event[6]
            records.append(
                MessageFlow(
                    names[src], names[dst], msg, step, None, "in flight",
                    source=names[src] if source is None else source,
                    target=names[dst] if target is None else target,
                )
            )  # fmt: skip
            if fate == "queued":
                queue.append(len(records) - 1)
            else:
                records[-1] = replace(records[-1], fate=_FATES[fate])
        elif kind == "flush":
            for index in queue:
                records[index] = replace(records[index], fate=_FATES[event[2]])
            queue.clear()
        else:
            if type(k) is tuple:  # ("byname", key): entries (name, message, ahead)
                msg = dict(world.byname)[k[1]][event[2]][1]
            else:
                msg = dict(world.chans)[k][event[2]]
            matches = [i for i in queue if records[i].message == msg]
            # A model that rewrites its states (say, renumbering terms) may have changed
            # the message since it was sent: then its place in the channel tells.
            index = matches[0] if matches else queue[min(event[2], len(queue) - 1)]
            if kind == "deliver" and len(event) > 3:  # by name: to whoever held it, if any
                queue.remove(index)
                held = event[3]
                records[index] = replace(
                    records[index],
                    received=step,
                    fate="dropped" if held is None else "delivered",
                    target=records[index].target if held is None else address(held),
                )
            elif kind == "deliver":
                queue.remove(index)
                records[index] = replace(records[index], received=step, fate="delivered")
            elif kind in ("drop", "flushed"):  # (flushed: a DOWN demonitor took back)
                queue.remove(index)
                records[index] = replace(
                    records[index], fate="lost" if kind == "drop" else "dropped"
                )
            else:  # duplicate
                original = records[index]
                records.append(replace(original, sent=step, copy_of=index))
                queue.append(len(records) - 1)

    log: list[tuple[Any, ...]] = []
    system._initial(log)
    world = trace.steps[0].state
    label: Any = None
    after = world
    for event in log:
        record(0, world, event)
    for number, step in enumerate(trace.steps[1:], start=1):
        log = []
        found = False
        # Match by label, not by position: a model may override actions() to leave some
        # out (timing assumptions) or to rewrite successors.
        for label, _ in system._actions(world, log):
            if label == step.label:
                found = True
                break
            log.clear()
        if not found:
            raise UsageError(f"step {number} of the trace is not an action of {system.name}")
        before, after, label = world, step.state, step.label
        for event in log:
            record(number, world, event)
        world = step.state
    return tuple(records)


def node_steps(system: ActorSystem, trace: Trace, node: str) -> tuple[int, ...]:
    """The numbers of the steps that concern ``node``: its processes' handlers ran, a fault
    hit it, or the network changed around it. Step 0 (the start) concerns every node."""
    if node not in system.node_index:
        raise UsageError(
            f"{system.name} has no node {node!r}: its nodes are " + ", ".join(system.node_names)
        )
    steps = [0]
    for number, step in enumerate(trace.steps[1:], start=1):
        label = step.label
        kind, args = label[0], tuple(_node_of(a) for a in label[1:3])
        if kind == "partition" or label == ("heal",):
            involved = True
        elif kind in ("deliver", "drop", "duplicate"):
            involved = node in args[:2] if kind != "deliver" else args[1] == node
        else:
            involved = node in args[:2] if kind in ("cut", "heal") else args[0] == node
        if involved:
            steps.append(number)
    return tuple(steps)


def _node_of(who: Any) -> Any:
    """The node a label's process or address names: a pid's, a ``(name, node)``'s."""
    if type(who) is Pid:
        return who.node
    if type(who) is tuple and len(who) == 2:
        return who[1]
    return who
