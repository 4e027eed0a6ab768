"""pg views converge once a partition heals, if something reconnects: a liveness property.

What the real system does: each node runs a pg scope; a process on each node joins a
group. A partition drops each side's view of the other's members (the peer's monitor fires
``noconnection``). After the heal, pg merges the views on ``nodeup``, and on the BEAM a
connection comes back only when some process reaches across. ``PgConverge`` runs a
connector on ``a`` that retries ``Node.connect(:b)`` on a timer after a ``nodedown``
(libcluster's loop); ``PgNoReconnect`` runs none.

The model (:mod:`modelcheck.beam.pg`): nodes ``a`` and ``b``, each with a scope
(registered as ``pg``) and a member that joins group ``"g"`` as it starts. Fairness:
``weak()``, every step that stays enabled is taken at last, the heal included (a
partition that never heals keeps any cluster apart).

Checked: ``views_converge`` (eventually always: from some point on both scopes list the
same members). ``models/groups/pg_partition.py`` checks the same system's safety side.

What the checker finds: without faults, 423 states, it holds (the connector never acts).
With ``--partitions 1 --heals 1``: ``PgConverge``, 5,191 states,
holds. ``PgNoReconnect``, 1,709 states: violated, a lasso of 8 steps that stays in its last
state (both join, the partition loses the scopes' ``discover`` messages, both hear
``nodedown``, the heal, then nothing is enabled). Without fairness ``PgConverge`` is
violated too, by a loop of one step: the connector retries forever and the partition never
heals.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import eventually_always, weak
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, World
from modelcheck.beam.pg import PgScope, join, members

GROUP = "g"


class Member(Actor[str]):
    """Joins ``GROUP`` as it starts (the scope's ``ok`` comes back as a message)."""

    def init(self, me: Pid, out: Out) -> str:
        join(out, GROUP)
        return "in"


class Connector(Actor[int]):
    """After a ``nodedown``, connects to ``peer`` on a timer until ``nodeup``."""

    def __init__(self, peer: str) -> None:
        self.peer = peer

    def init(self, me: Pid, out: Out) -> int:
        out.monitor_nodes()
        return 0

    def on_nodedown(self, me: Pid, state: int, node: str, out: Out) -> int:
        out.set_timer("reconnect")
        return state

    def on_nodeup(self, me: Pid, state: int, node: str, out: Out) -> int:
        out.cancel_timer("reconnect")
        return state

    def on_timeout(self, me: Pid, state: int, timer: Hashable, out: Out) -> int:
        out.connect(self.peer)  # nothing while the network does not reach
        out.set_timer("reconnect")
        return state


class PgConverge(ActorSystem):
    """A scope and a member per node, and a connector on ``a`` (the views converge)."""

    fairness = (weak(),)
    reconnect = True

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        a: tuple[Any, ...] = (Boot(PgScope("pg"), name="pg"), Member())
        b: tuple[Any, ...] = (Boot(PgScope("pg"), name="pg"), Member())
        return {"a": (*a, Connector("b")) if self.reconnect else a, "b": b}

    @eventually_always
    def views_converge(self, w: World) -> bool:
        """From some point on both scopes list the same members."""
        return members(self.state_of(w, "a"), GROUP) == members(self.state_of(w, "b"), GROUP)


class PgNoReconnect(PgConverge):
    """The same without the connector: after the heal the views stay apart (broken)."""

    reconnect = False
