"""pg group membership across a partition and a heal (OTP 25's pg).

What the real system does: each node runs a pg scope process; a process joins a group on
its own node's scope, which tells the scopes it knows. When the connection between two
nodes goes, each scope's monitor on the other fires (``noconnection``) and it drops the
other side's members: during a partition each side sees only its own members. When the
network heals, pg does nothing by itself: it merges again on ``nodeup``, and on the BEAM a
connection comes back only when some process reaches across (a send, a monitor, or
``Node.connect``). In a cluster where nothing else talks across, the views stay apart
after the heal. Real clusters have something that reconnects (``:global``, libcluster's
polling, an application's own traffic).

The model (:mod:`modelcheck.beam.pg`): nodes ``a`` and ``b``, each with a scope
(registered as ``pg``) and a worker that joins group ``"workers"``. ``PgPartition``: nothing
else; ``PgReconnect``: node ``a`` also runs a connector that, after a ``nodedown``, tries to
connect to ``b`` on a timer until ``nodeup`` (libcluster's retry loop; one side is
enough: a connection is a pair's).

Checked, in states where the system is quiet (no message, signal or timer pending):

- ``quiet_views_agree`` (always): every running scope has the same members in
  ``"workers"``. Violated during a partition: pg is available, not consistent.
- ``healed_views_agree`` (always): when the network reaches between the scopes, they
  agree. Violated by ``PgPartition`` after a heal; holds for ``PgReconnect``.

What the checker finds: without faults, 423 states, both hold. With ``--partitions 1
--heals 1``: ``PgPartition``, 1,709 states: ``quiet_views_agree`` is violated in 7 steps
(both workers join before the scopes' ``discover`` messages arrive, the partition loses
them, both hear ``nodedown``) and ``healed_views_agree`` in 8 (then the heal, which
reconnects nothing); ``PgReconnect``, 11,003 states: both hold (while the connector's
timer is set the system is not quiet).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import always
from modelcheck.actors import Actor, ActorSystem, Boot, Out, World
from modelcheck.beam.pg import PgScope, join, members

GROUP = "workers"


class Worker(Actor[str]):
    """Joins ``GROUP`` as it starts (the scope's ``ok`` comes back as a message)."""

    def init(self, me: Any, out: Out) -> str:
        join(out, GROUP)
        return "joining"

    def on_message(self, me: Any, state: str, sender: Any, msg: Any, out: Out) -> str:
        return "joined"


class Connector(Actor[int]):
    """After a ``nodedown``, tries to connect to ``peer`` again and again (a timer each
    time) until ``nodeup``: libcluster's retry loop. The state counts the tries."""

    def __init__(self, peer: str) -> None:
        self.peer = peer

    def init(self, me: Any, out: Out) -> int:
        out.monitor_nodes()
        return 0

    def on_nodedown(self, me: Any, state: int, node: str, out: Out) -> int:
        out.set_timer("reconnect")
        return state

    def on_nodeup(self, me: Any, state: int, node: str, out: Out) -> int:
        out.cancel_timer("reconnect")
        return state

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.connect(self.peer)
        out.set_timer("reconnect")
        return min(state + 1, 2)  # (1: tried once, 2: more than once)


class PgPartition(ActorSystem):
    """Two nodes, a pg scope and a group member on each; nothing reconnects after a heal."""

    reconnect = False

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        a: tuple[Any, ...] = (Boot(PgScope("pg"), name="pg"), Worker())
        b: tuple[Any, ...] = (Boot(PgScope("pg"), name="pg"), Worker())
        return {"a": (*a, Connector("b")) if self.reconnect else a, "b": b}

    def _views(self, w: World) -> list[frozenset[Any]]:
        return [members(self.state_of(w, node), GROUP) for node in ("a", "b")]

    def _quiet(self, w: World) -> bool:
        return not (w.chans or w.byname or w.sysq or w.timers)

    @always
    def quiet_views_agree(self, w: World) -> bool:
        """When nothing is pending, the scopes have the same members."""
        if not self._quiet(w):
            return True
        a, b = self._views(w)
        return a == b

    @always
    def healed_views_agree(self, w: World) -> bool:
        """When nothing is pending and the network reaches, the scopes agree."""
        if not self._quiet(w) or not self.connectivity(w).has_edge("a", "b"):
            return True
        a, b = self._views(w)
        return a == b


class PgReconnect(PgPartition):
    """The same, with a connector on each node that reconnects after a nodedown (fixed)."""

    reconnect = True
