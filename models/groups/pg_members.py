"""pg membership with several processes per node: a joiner and a scope on each node.

Written from the README and ``modelcheck.beam.pg``'s docstring alone, as a new user would:
nodes ``a`` and ``b`` each boot a pg scope (``Boot(PgScope("pg"), name="pg")``) and a
joiner that joins group ``"jobs"`` on its own node's scope, then may leave it (a timer).
The nodes are interchangeable (``symmetric()``).

- ``own_members_seen`` (always, traced): each scope lists every joiner of its own node
  that has joined and not left. Holds: a join is a call to the local scope, answered only
  once the scope has added the joiner.
- ``a_and_b_agree`` (always, ``reads=("a", "b")``): both scopes see the same members.
  Violated in 1 step: a join is local first, and reaches the other scope later (pg is
  available, not consistent, even without faults).
- ``all_see_all`` (sometimes): every scope sees both joiners (6 steps: two joins, the
  two ``discover`` messages, the two ``sync`` casts).

What the checker finds: 3,237 states (1,652 with ``--symmetry``); with ``--partitions 1
--heals 1``, 14,763, the same verdicts. ``--por`` expands every step and says why: pg's
scopes ``discover`` each other by name on the other node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelcheck import always, sometimes
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, World
from modelcheck.beam import pg
from modelcheck.beam.pg import PgScope

__all__ = ["Joiner", "PgMembers", "Worker"]

NODES = ("a", "b")


@dataclass(frozen=True)
class Worker:
    """A joiner's state: whether its join was answered, and whether it left since."""

    joined: bool
    left: bool


class Joiner(Actor[Worker]):
    """Joins "jobs" on its node's scope, then may leave it (a timer)."""

    def init(self, me: Pid, out: Out) -> Worker:
        pg.join(out, "jobs")
        return Worker(joined=False, left=False)

    def on_message(self, me: Pid, state: Worker, sender: Any, msg: Any, out: Out) -> Worker:
        if not state.joined:  # the join's "ok"
            out.set_timer("leave")
            return Worker(joined=True, left=False)
        return state  # the leave's "ok"

    def on_timeout(self, me: Pid, state: Worker, timer: Any, out: Out) -> Worker:
        pg.leave(out, "jobs")
        return Worker(joined=True, left=True)


class PgMembers(ActorSystem):
    """A pg scope and a joiner on each of two nodes."""

    def cluster(self) -> dict[str, Any]:
        return {n: (Boot(PgScope("pg"), name="pg"), Joiner()) for n in NODES}

    def symmetric(self) -> tuple[str, ...]:
        return NODES

    @always
    def own_members_seen(self, w: World) -> bool:
        """Every scope lists each joiner of its node that has joined and not left."""
        return all(
            pid in pg.members(self.state_of(w, pid.node), "jobs")
            for pid, state in self.processes(w).items()
            if isinstance(state, Worker) and state.joined and not state.left
        )

    @always(reads=("a", "b"))
    def a_and_b_agree(self, w: World) -> bool:
        """Both scopes see the same members (not while a join is on its way)."""
        return pg.members(self.state_of(w, "a"), "jobs") == pg.members(
            self.state_of(w, "b"), "jobs"
        )

    @sometimes
    def all_see_all(self, w: World) -> bool:
        """Every scope sees both joiners."""
        return all(len(pg.members(self.state_of(w, n), "jobs")) == 2 for n in NODES)
