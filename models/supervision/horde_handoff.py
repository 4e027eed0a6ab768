"""A Horde-like distributed supervisor on processes: the child is handed over when its node
goes down, and started twice when the node is only cut off.

What the real system does: Horde.DynamicSupervisor runs a member on every node; a child is
placed on the member a hash ring picks among the members alive. Each member monitors the
others; when one goes ``DOWN`` (its node crashed, or the connection went: ``noconnection``),
the member the ring now picks starts the child. A crash hands the child over; a partition
looks the same from the other side, so the child runs on both sides.

The model (:mod:`modelcheck.beam.gen_server`, processes on nodes): nodes ``a``, ``b``,
``c`` each boot a member registered as ``horde``, which monitors the other members. The
child ``w`` is a worker process that the chosen member spawns and links to: the live
members, sorted, at index 119 mod their number (``c`` among three, ``b`` among ``a`` and
``b``), as :func:`models.supervision.horde_supervisor.choose` places it. Simplified: no
CRDT of children (each member decides from its own monitors), no restart of a crashed
worker, nothing deduplicates after a heal.

Checked: ``one_instance`` (always: at most one worker runs) and ``handed_over`` (sometimes:
a worker runs on a node other than ``c``).

What the checker finds: no faults, 1 state. ``--crashes 1``: 13 states, ``one_instance``
holds and ``handed_over`` is reached in 2 steps (``crash(c)``, then ``b`` hears ``DOWN
noconnection`` and starts the worker). ``--partitions 1``: 113 states, ``one_instance`` is
violated in 2 steps (``partition([a, b], [c])``, ``b`` hears the ``DOWN``: ``c``'s worker
runs on). ``--crashes 1 --restarts 1``: 25 states, ``one_instance`` is violated in 3 steps:
``c`` restarts after ``b`` took the child over, and its new member, hearing of no one
down, starts the child again.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import always, sometimes
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, Signal, World
from modelcheck.beam import Ctx, GenServer
from models.supervision.horde_supervisor import choose

NODES = ("a", "b", "c")


class Running(NamedTuple):
    """A worker's state: it runs child ``child``."""

    child: str


class Worker(Actor[Running]):
    def init(self, me: Any, out: Out) -> Running:
        return Running("w")


class Member(NamedTuple):
    dead: tuple[str, ...]  # nodes whose member went DOWN, sorted
    child: Pid | None  # the worker this member started


class HordeMember(GenServer[Member]):
    """Monitors the other members; starts the child when the ring picks this node."""

    trap_exit = True

    def init_state(self, ctx: Ctx) -> Member:
        for node in NODES:
            if node != ctx.me.node:
                ctx.monitor(("horde", node))
        return self._place(Member((), None), ctx)

    def handle_info(self, msg: Any, state: Member, ctx: Ctx) -> Member:
        if type(msg) is Signal and msg.kind == "DOWN":
            node = msg.who.node if type(msg.who) is Pid else msg.who[1]
            return self._place(state._replace(dead=tuple(sorted({*state.dead, node}))), ctx)
        return state

    def _place(self, state: Member, ctx: Ctx) -> Member:
        alive = tuple(n for n in NODES if n not in state.dead)
        if state.child is None and choose("w", alive) == ctx.me.node:
            return state._replace(child=ctx.spawn_link(Worker()))
        return state


class HordeHandoff(ActorSystem):
    """Three members and one child, handed over on a crash, duplicated by a partition."""

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {node: (Boot(HordeMember(), name="horde"),) for node in NODES}

    def _workers(self, w: World) -> list[Any]:
        return [pid for pid, s in self.processes(w).items() if type(s) is Running]

    @always
    def one_instance(self, w: World) -> bool:
        """At most one worker runs."""
        return len(self._workers(w)) <= 1

    @sometimes
    def handed_over(self, w: World) -> bool:
        """A worker runs on a node other than ``c``, where it started."""
        return any(pid.node != "c" for pid in self._workers(w))
