"""The smallest actor models of the conformance scenarios (``otp_probe.erl`` runs them on
real nodes). Node names are the real nodes' letters where the real run reports nodes."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import Param
from modelcheck.actors import Actor, ActorSystem, Budget, Out

__all__ = [
    "ConnectionLoss",
    "DownAfterMessages",
    "Idle",
    "NodeEvents",
    "PerPairFifo",
    "PgGroups",
    "ReconnectOnSend",
    "SendsAcrossPartition",
]


class Idle(Actor[int]):
    """A process that does nothing (it is there to be watched, or to be sent to)."""

    def init(self, me: str, out: Out) -> int:
        return 0


class _Counter(Actor[int]):
    """Sends ``count`` messages ``(me, i)`` to ``to`` as it starts."""

    def __init__(self, to: str, count: int) -> None:
        self.to, self.count = to, count

    def init(self, me: str, out: Out) -> int:
        for i in range(1, self.count + 1):
            out.send(self.to, (me, i))
        return 0


class PerPairFifo(ActorSystem):
    """``s1`` and ``s2`` each send ``per_sender`` numbered messages to ``r``."""

    per_sender = Param(20, help="messages per sender", min=1)

    def actors(self) -> dict[str, Actor[Any]]:
        count = int(self.per_sender)
        return {"s1": _Counter("r", count), "s2": _Counter("r", count), "r": Idle()}


class _Watcher(Actor[int]):
    """Monitors ``b`` (and, with ``link``, links to it and watches the nodes), then tells it
    to go."""

    trap_exit = True

    def __init__(self, link: bool) -> None:
        self.link = link

    def init(self, me: str, out: Out) -> int:
        if self.link:
            out.link("b")
            out.monitor_nodes()
        out.monitor("b")
        if not self.link:
            out.send("b", "go")
        return 0


class _Burst(Actor[int]):
    """On ``go``: sends ``count`` messages ``("m", i)`` to ``a``, then exits with ``done``."""

    def __init__(self, count: int) -> None:
        self.count = count

    def init(self, me: str, out: Out) -> int:
        return 0

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        if msg == "go":
            for i in range(1, self.count + 1):
                out.send("a", ("m", i))
            out.stop("done")
        return state


class DownAfterMessages(ActorSystem):
    """``a`` monitors ``b``; ``b`` sends ``count`` messages to ``a`` and exits."""

    count = Param(10, help="messages before the exit", min=1)

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _Watcher(link=False), "b": _Burst(int(self.count))}


class ConnectionLoss(ActorSystem):
    """``a`` traps exits, links to and monitors ``b`` and watches the nodes; one partition."""

    partitions = Budget(1, help="network partitions allowed", min=0, quiet=True)

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _Watcher(link=True), "b": Idle()}


class _Pinger(Actor[int]):
    """Watches the nodes; each time its timer (``name``) fires it sends ``name`` to ``b`` and
    sets the timer again."""

    def __init__(self, name: str) -> None:
        self.name = name

    def init(self, me: str, out: Out) -> int:
        out.monitor_nodes()
        out.set_timer(self.name)
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.send("b", timer)
        out.set_timer(timer)
        return state


class NodeEvents(ActorSystem):
    """``a`` watches the nodes and sends ``ping`` to ``b`` whenever its timer fires; two
    partitions and two heals."""

    partitions = Budget(2, help="network partitions allowed", min=0, quiet=True)
    heals = Budget(2, help="heals allowed", min=0, quiet=True)

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _Pinger("ping"), "b": Idle()}


class SendsAcrossPartition(ActorSystem):
    """``a`` sends ``("during", i)`` for i up to ``during`` and ``("after_heal", 1)`` to ``b``,
    each when its own timer fires; one partition, one heal."""

    during = Param(5, help="messages sent during the partition", min=1)
    partitions = Budget(1, help="network partitions allowed", min=0, quiet=True)
    heals = Budget(1, help="heals allowed", min=0, quiet=True)

    def actors(self) -> dict[str, Actor[Any]]:
        once = tuple(("during", i) for i in range(1, int(self.during) + 1))
        return {"a": _Once((*once, ("after_heal", 1)), watch=False), "b": Idle()}


class ReconnectOnSend(ActorSystem):
    """``a`` watches the nodes and sends ``("hello", 1)`` to ``b`` when its timer fires; one
    partition, one heal."""

    partitions = Budget(1, help="network partitions allowed", min=0, quiet=True)
    heals = Budget(1, help="heals allowed", min=0, quiet=True)

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _Once((("hello", 1),), watch=True), "b": Idle()}


class _Once(Actor[int]):
    """Sends each of ``timers`` to ``b`` when that timer fires; with ``watch``, watches the
    nodes."""

    def __init__(self, timers: tuple[Hashable, ...], watch: bool) -> None:
        self.timers, self.watch = timers, watch

    def init(self, me: str, out: Out) -> int:
        if self.watch:
            out.monitor_nodes()
        for timer in self.timers:
            out.set_timer(timer)
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.send("b", timer)
        return state


class _PgScope(Actor[frozenset[str]]):
    """A pg scope with one local member in group g: the nodes whose member it knows.
    Joining is broadcast; on nodeup the scopes exchange members (``discover``); on nodedown
    that node's members are dropped."""

    def init(self, me: str, out: Out) -> frozenset[str]:
        out.monitor_nodes()
        out.broadcast(("join", me))
        return frozenset({me})

    def on_message(
        self, me: str, state: frozenset[str], sender: str, msg: Any, out: Out
    ) -> frozenset[str]:
        return state | {msg[1]}

    def on_nodeup(self, me: str, state: frozenset[str], node: str, out: Out) -> frozenset[str]:
        out.send(node, ("sync", me))
        return state

    def on_nodedown(self, me: str, state: frozenset[str], node: str, out: Out) -> frozenset[str]:
        if me == "a":  # the probe's connect_node, from a, once the network is back
            out.set_timer(("connect", node))
        return state - {node}

    def on_timeout(self, me: str, state: frozenset[str], timer: Hashable, out: Out) -> Any:
        """``net_kernel:connect_node``: nothing while the network does not reach ``b``,
        so it is tried again."""
        assert type(timer) is tuple
        out.connect(timer[1])
        out.set_timer(timer)
        return state


class PgGroups(ActorSystem):
    """pg on ``a`` and ``b``, one member each in group g; one partition, one heal. The
    probe's heal restores the cookies and calls ``net_kernel:connect_node`` on ``a``: here
    ``a`` connects on a timer after its ``nodedown`` (nothing reconnects by itself)."""

    partitions = Budget(1, help="network partitions allowed", min=0, quiet=True)
    heals = Budget(1, help="heals allowed", min=0, quiet=True)

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _PgScope(), "b": _PgScope()}
