"""What a step of an actor system was, as plain data: so that tools read traces without
parsing display strings.

``describe(label)`` turns an :class:`~modelcheck.actors.ActorSystem` step label into a dict
with ``kind`` (deliver, signal, timeout, crash, restart, partition, cut, heal, drop,
duplicate), the ``node`` it happened on where there is one, ``from`` for messages, the
``message`` (plain JSON data) or the ``signal`` (``kind``, ``about``, ``reason``), the
``timer``, and for faults ``fault`` (the budget it spends) and ``groups`` or ``nodes``.
A message sent to ``(name, node)`` also has the ``name`` (``node`` is the node), and
``dropped`` when nobody held the name as it arrived.
The initial state is ``{"kind": "init"}``; a label that is none of these becomes ``{"kind":
"action", "name": ..., "args": [...]}``, as a label of any other model does.

>>> describe(("deliver", "a", "b", ("ping", 1)))
{'kind': 'deliver', 'node': 'b', 'from': 'a', 'message': ['ping', 1]}
>>> from modelcheck.actors import Signal
>>> describe(("signal", "a", Signal("nodedown", "b")))
{'kind': 'signal', 'node': 'a', 'signal': {'kind': 'nodedown', 'about': 'b'}}
>>> describe(("partition", ("a",), ("b", "c")))
{'kind': 'partition', 'fault': 'partition', 'groups': [['a'], ['b', 'c']]}
>>> describe(None), describe(("RMPrepare", "r1"))
({'kind': 'init'}, {'kind': 'action', 'name': 'RMPrepare', 'args': ['r1']})
"""

from __future__ import annotations

from typing import Any

from modelcheck.values import to_plain

from .actor import Signal, Unregistered

__all__ = ["KINDS", "describe", "signal_fields"]

#: The kinds of step an actor system takes (and ``init``, the initial state).
KINDS = (
    "init",
    "deliver",
    "signal",
    "timeout",
    "crash",
    "restart",
    "partition",
    "cut",
    "heal",
    "drop",
    "duplicate",
)


def signal_fields(signal: Signal) -> dict[str, Any]:
    """A runtime signal as plain fields: its kind, the process or node it is about, and the
    reason (when it has one)."""
    fields: dict[str, Any] = {"kind": signal.kind, "about": signal.who}
    if signal.reason:
        fields["reason"] = signal.reason
    return fields


def describe(label: Any) -> dict[str, Any]:
    """The structure of a step label (None: the initial state); see the module's notes."""
    if label is None:
        return {"kind": "init"}
    if not (isinstance(label, tuple) and label and isinstance(label[0], str)):
        return {"kind": "action", "name": to_plain(label), "args": []}
    kind, args = label[0], label[1:]
    dropped = len(args) == 4 and isinstance(args[3], Unregistered)
    if kind in ("deliver", "drop", "duplicate") and (len(args) == 3 or dropped):
        src, dst, msg = args[:3]
        step: dict[str, Any] = {"kind": kind, "node": dst, "from": src}
        if type(dst) is tuple:  # sent to (name, node)
            step["node"], step["name"] = dst[1], to_plain(dst[0])
        if dropped:
            step["dropped"] = str(args[3])
        if isinstance(msg, Signal):
            step["signal"] = signal_fields(msg)
        else:
            step["message"] = to_plain(msg)
        if kind != "deliver":
            step["fault"] = kind
        return step
    if kind == "signal" and len(args) == 2 and isinstance(args[1], Signal):
        return {"kind": kind, "node": args[0], "signal": signal_fields(args[1])}
    if kind == "timeout" and len(args) == 2:
        return {"kind": kind, "node": args[0], "timer": to_plain(args[1])}
    if kind in ("crash", "restart") and len(args) == 1:
        return {"kind": kind, "fault": kind, "node": args[0]}
    if kind == "partition":
        return {"kind": kind, "fault": kind, "groups": [list(g) for g in args]}
    if kind == "cut" and len(args) == 2:
        return {"kind": kind, "fault": kind, "nodes": list(args)}
    if kind == "heal" and not args:
        return {"kind": kind, "fault": kind}
    return {"kind": "action", "name": kind, "args": [to_plain(a) for a in args]}
