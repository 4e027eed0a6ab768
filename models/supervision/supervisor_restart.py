"""A supervisor restarting a crashed child, until the restart intensity is exceeded.

What the real system does: a ``Supervisor`` with children ``db`` and ``cache`` restarts a
child that crashes (``one_for_one``: that child; ``one_for_all``: shuts the other down
first, then starts both). More than ``max_restarts`` restarts (within ``max_seconds``) and
the supervisor gives up: it exits with ``shutdown``, its children go with it, and the
failure climbs to its own supervisor. A child that crashes as it starts (a bad config, a
dependency that is down) is the classic way to exhaust the intensity.

The model (:mod:`modelcheck.beam.supervisor`, one node ``a``): the supervisor boots and
starts ``db`` (registered as ``db``) and ``cache``; each ``db`` may crash at any later
step (a timer set in its ``init``), ``cache`` never does. Parameters: ``strategy``,
``max_restarts``.

Checked: ``supervisor_up`` (always: the supervisor runs) and ``db_restarted`` (sometimes: a
second ``db`` runs).

What the checker finds: ``one_for_one``, ``max_restarts=1``: 6 states (a line);
``db_restarted`` is reached in 2 steps (the crash, the ``EXIT`` delivered) and
``supervisor_up`` is violated in 4 (crash, restart, crash again, give up). ``one_for_all``:
8 states, the same verdicts, ``db_restarted`` in 4 steps and the violation in 6 (each
restart waits for ``cache``'s ``DOWN``). ``max_restarts=2``: one more crash to give up
(``one_for_one``: 8 states, 6 steps).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import Param, always, sometimes
from modelcheck.actors import Actor, ActorSystem, Out, World
from modelcheck.beam.supervisor import STRATEGIES, Child, Supervisor


class Db(Actor[str]):
    """Crashes (reason ``crash``) at any step after it starts."""

    def init(self, me: Any, out: Out) -> str:
        out.set_timer("crash")
        return "up"

    def on_timeout(self, me: Any, state: str, timer: Hashable, out: Out) -> str:
        out.stop("crash")
        return state


class Cache(Actor[str]):
    """Never fails."""

    def init(self, me: Any, out: Out) -> str:
        return "up"


class SupervisorRestart(ActorSystem):
    """A supervisor of a crashing ``db`` and a steady ``cache`` on node ``a``."""

    strategy = Param("one_for_one", help="restart strategy", choices=STRATEGIES)
    max_restarts = Param(1, help="restarts before the supervisor gives up", min=0, max=4)

    def supervisor(self) -> Supervisor:
        children = (Child("db", Db(), name="db"), Child("cache", Cache()))
        return Supervisor(children, strategy=self.strategy, max_restarts=self.max_restarts)

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {"a": (self.supervisor(),)}

    @always
    def supervisor_up(self, w: World) -> bool:
        """The supervisor runs."""
        return self.state_of(w, "a") is not None

    @sometimes
    def db_restarted(self, w: World) -> bool:
        """A second ``db`` runs (a restart happened and took)."""
        state = self.state_of(w, "a")
        return state is not None and state.restarts > 0 and state.pids[0] is not None
