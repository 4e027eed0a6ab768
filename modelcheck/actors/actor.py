"""Actors: a node's behaviour as handlers, and ``Out``, through which a handler acts.

Every handler takes the node's current state and returns its next one; states must be
immutable values. Handlers act on the world only through ``out``: send messages, set and
cancel timers, monitor, link, subscribe to node up/down events, stop, or kill another
process. The framework applies those effects with BEAM semantics (see
:mod:`modelcheck.actors.system`).

>>> class Echo(Actor[int]):
...     def init(self, me, out):
...         return 0
...     def on_message(self, me, state, sender, msg, out):
...         out.send(sender, msg)
...         return state + 1
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from modelcheck.errors import ModelError

__all__ = [
    "KILLED",
    "NOCONNECTION",
    "NOPROC",
    "NORMAL",
    "Actor",
    "Out",
    "Signal",
]

S = TypeVar("S")

#: Exit and DOWN reasons, as the BEAM names them.
NORMAL = "normal"
NOPROC = "noproc"
NOCONNECTION = "noconnection"
KILLED = "killed"


@dataclass(frozen=True, slots=True)
class Signal:
    """A BEAM signal delivered to a node: ``DOWN`` (a monitor fired), ``EXIT`` (from a link),
    ``nodedown`` or ``nodeup`` (to nodes that monitor nodes), or ``kill``.

    >>> str(Signal("DOWN", "n2", "noconnection"))
    'DOWN(n2, noconnection)'
    """

    kind: str
    who: str
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.kind}({self.who}{', ' + self.reason if self.reason else ''})"

    def __modelcheck_plain__(self) -> str:
        return str(self)


class Actor(Generic[S]):
    """The behaviour of one node. Override the handlers you need; each returns the new state.

    A handler must be a function of its arguments (``me``, the state, the sender and
    message, the timer, ...) and of nothing else that changes: the framework runs it once
    per distinct input and remembers what it returned and did. Equal inputs of the same
    type are one input (as equal worlds are one state).

    ``trap_exit`` (default False): like ``process_flag(trap_exit, true)``. Without it, an
    exit signal with a reason other than ``normal`` from a linked node kills this one; with
    it, the signal arrives at :meth:`on_exit`.
    """

    trap_exit: ClassVar[bool] = False

    def init(self, me: str, out: Out) -> S:
        """The state a node starts with (and restarts with: ``out.durable`` is then set)."""
        raise NotImplementedError(f"{type(self).__name__} must define init(me, out)")

    def on_message(self, me: str, state: S, sender: str, msg: Any, out: Out) -> S:
        """A message from ``sender`` arrived. By default it is ignored."""
        return state

    def on_timeout(self, me: str, state: S, timer: Hashable, out: Out) -> S:
        """A timer set with ``out.set_timer(timer)`` fired. By default nothing happens."""
        return state

    def on_down(self, me: str, state: S, who: str, reason: str, out: Out) -> S:
        """A monitor on ``who`` fired (reason: its exit reason, noproc or noconnection)."""
        return state

    def on_exit(self, me: str, state: S, who: str, reason: str, out: Out) -> S:
        """An exit signal from linked ``who`` (only when ``trap_exit``)."""
        return state

    def on_nodedown(self, me: str, state: S, node: str, out: Out) -> S:
        """The connection to ``node`` went down (after ``out.monitor_nodes()``)."""
        return state

    def on_nodeup(self, me: str, state: S, node: str, out: Out) -> S:
        """The connection to ``node`` came (back) up (after ``out.monitor_nodes()``)."""
        return state

    def durable(self, state: S) -> Hashable:
        """What survives a crash (say, what is on disk); ``init`` gets it as ``out.durable``."""
        return None


class Out:
    """What a handler does to the world, applied in order after the handler returns.

    Do not keep it: the framework reuses one ``Out`` for every handler call.
    """

    __slots__ = ("_index", "durable", "me", "nodes", "ops")

    def __init__(self, nodes: Sequence[str]) -> None:
        self.nodes: tuple[str, ...] = tuple(nodes)
        self._index = {name: i for i, name in enumerate(self.nodes)}
        self.me = ""
        self.durable: Hashable = None
        self.ops: list[tuple[Any, ...]] = []

    def _reset(self, me: str, durable: Hashable = None) -> None:
        self.me = me
        self.durable = durable
        self.ops = []

    def _node(self, name: str, what: str) -> int:
        index = self._index.get(name)
        if index is None:
            known = ", ".join(self.nodes)
            raise ModelError(f"{self.me} tried to {what} unknown node {name!r} (nodes: {known})")
        return index

    def send(self, to: str, msg: Any) -> None:
        """Send ``msg`` to node ``to`` (a message to a dead or unreachable node is lost)."""
        self.ops.append((SEND, self._node(to, "send to"), msg))

    def broadcast(self, msg: Any, *, include_me: bool = False) -> None:
        """Send ``msg`` to every node (but this one, unless ``include_me``), in node order."""
        for name in self.nodes:
            if include_me or name != self.me:
                self.send(name, msg)

    def set_timer(self, timer: Hashable) -> None:
        """Set a timer; it may fire at any later step, unless cancelled."""
        self.ops.append((TIMER, timer, True))

    def cancel_timer(self, timer: Hashable) -> None:
        """Cancel a timer (nothing happens if it is not set)."""
        self.ops.append((TIMER, timer, False))

    def monitor(self, node: str) -> None:
        """Monitor ``node``: one DOWN arrives when it exits, dies or becomes unreachable."""
        self.ops.append((MONITOR, self._node(node, "monitor"), True))

    def demonitor(self, node: str) -> None:
        """Remove the monitor on ``node``."""
        self.ops.append((MONITOR, self._node(node, "demonitor"), False))

    def link(self, node: str) -> None:
        """Link to ``node``: when either exits abnormally, the other gets an exit signal."""
        self.ops.append((LINK, self._node(node, "link to"), True))

    def unlink(self, node: str) -> None:
        """Remove the link to ``node``."""
        self.ops.append((LINK, self._node(node, "unlink from"), False))

    def monitor_nodes(self) -> None:
        """Subscribe to nodedown/nodeup for every other node (``net_kernel:monitor_nodes``)."""
        self.ops.append((SUBSCRIBE,))

    def stop(self, reason: str = NORMAL) -> None:
        """Exit with ``reason`` once this handler returns: monitors and links fire with it."""
        self.ops.append((STOP, reason))

    def kill(self, node: str) -> None:
        """``exit(Pid, kill)``: an untrappable exit signal; the target dies, its state lost."""
        self.ops.append((KILL, self._node(node, "kill")))


SEND, TIMER, MONITOR, LINK, SUBSCRIBE, STOP, KILL = range(7)
