"""A supervisor as library code: children started with spawn_link and restarted on EXIT.

``Supervisor(children, strategy=..., max_restarts=...)`` is a behaviour like any other: boot
it on a node or spawn it. It traps exits, starts each :class:`Child` in order with
``spawn_link`` (registered under the child's ``name``, if any), and when a child exits it
applies the restart type and the strategy, as OTP's ``supervisor`` does:

- restart types: ``permanent`` (always restarted), ``transient`` (restarted unless it
  exited ``normal``, ``shutdown`` or ``("shutdown", _)``), ``temporary`` (never);
- strategies: ``one_for_one`` (restart the child that exited), ``one_for_all`` (shut down
  all the others, then start them all again, in order) and ``rest_for_one`` (the same for
  the children started after it). Shutting down a sibling is OTP's: unlink, monitor,
  ``exit(pid, shutdown)``, and wait for its ``DOWN`` before starting anything again;
- restart intensity: a restart that would be the ``max_restarts + 1``-th makes the
  supervisor exit with reason ``shutdown``, which reaches its children and its parent
  through the links (a parent supervisor then applies its own policy).

Simplified against OTP, on purpose:

- There is no clock: the intensity counts every restart in the supervisor's lifetime
  (``max_seconds`` is infinite).
- A supervisor that gives up exits at once: its children get ``EXIT shutdown`` through
  their links rather than being stopped one by one, in reverse order, with a shutdown
  timeout and ``brutal_kill``. Children that trap exits receive it as a message.
- An ``EXIT`` from a process that is not a child (nor a child being shut down) is taken to
  come from the parent: the supervisor exits with the same reason (OTP compares the pid
  with its parent's; a model's supervisor links only to its children and its parent).
- A temporary child's spec stays in the state (with no pid) after it exits; there is no
  ``start_child``, ``terminate_child``, ``delete_child`` or ``which_children`` call, and
  children are always started on the supervisor's node. Read the children from the state
  with :meth:`Supervisor.which_children`.

>>> from modelcheck import check
>>> from modelcheck.actors import Actor, ActorSystem
>>> class Flaky(Actor[str]):  # exits with "crash" at any step after it starts
...     def init(self, me, out):
...         out.set_timer("crash")
...         return "up"
...     def on_timeout(self, me, state, timer, out):
...         out.stop("crash")
...         return state
>>> sup = Supervisor((Child("w", Flaky()),), max_restarts=1)
>>> class OneChild(ActorSystem):
...     def cluster(self):
...         return {"a": (sup,)}
>>> system = OneChild()
>>> sup.which_children(system.state_of(system.init_states()[0], "a"))
{'w': <a.1>}
>>> check(system).distinct  # crash, restart, crash, give up: a line of 5 states
5
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

from modelcheck.actors import NORMAL, Actor, Out
from modelcheck.errors import ModelError

__all__ = ["RESTARTS", "SHUTDOWN", "STRATEGIES", "Child", "SupState", "Supervisor"]

#: The restart types and strategies OTP offers (``simple_one_for_one`` is not modelled).
RESTARTS = ("permanent", "transient", "temporary")
STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one")

#: The reason a supervisor exits with, and shuts its children down with.
SHUTDOWN = "shutdown"


class Child(NamedTuple):
    """A child spec: its ``id``, the behaviour it runs, its restart type, and the name it
    is registered under as it starts (or None)."""

    id: Hashable
    behaviour: Actor[Any]
    restart: str = "permanent"
    name: Hashable | None = None


class SupState(NamedTuple):
    """A supervisor's state: each child's pid in spec order (None while it is not
    running), the restarts so far, the children told to shut down whose ``DOWN`` it waits
    for, and the children it starts once they are all down."""

    pids: tuple[Any, ...]
    restarts: int = 0
    stopping: tuple[Any, ...] = ()
    to_start: tuple[int, ...] = ()


class Supervisor(Actor[SupState]):
    """A supervisor of ``children`` (see the module's docstring)."""

    trap_exit = True

    def __init__(
        self,
        children: Sequence[Child],
        *,
        strategy: str = "one_for_one",
        max_restarts: int = 3,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ModelError(
                f"supervisor strategy {strategy!r} is not one of {', '.join(STRATEGIES)}"
            )
        for child in children:
            if child.restart not in RESTARTS:
                raise ModelError(
                    f"child {child.id!r} has restart {child.restart!r}, not one of "
                    f"{', '.join(RESTARTS)}"
                )
        self.children = tuple(children)
        self.strategy = strategy
        self.max_restarts = max_restarts

    def init(self, me: Any, out: Out) -> SupState:
        return SupState(tuple(self._start(i, out) for i in range(len(self.children))))

    def on_exit(self, me: Any, state: SupState, who: Any, reason: Any, out: Out) -> SupState:
        if who in state.stopping:
            return state  # an EXIT sent before we unlinked: its DOWN follows
        if who not in state.pids:
            out.stop(reason)  # the parent exited
            return state
        i = state.pids.index(who)
        pids = _set(state.pids, i, None)
        if not self._restarts(self.children[i].restart, reason):
            return state._replace(pids=pids)
        if state.restarts == self.max_restarts:
            out.stop(SHUTDOWN)
            return state._replace(pids=pids)
        state = state._replace(pids=pids, restarts=state.restarts + 1)
        if self.strategy == "one_for_one":
            return state._replace(pids=_set(pids, i, self._start(i, out)))
        later = range(len(self.children)) if self.strategy == "one_for_all" else range(i, len(pids))
        affected = [j for j in later if j == i or self.children[j].restart != "temporary"]
        stopping = state.stopping
        for j in later:
            pid = pids[j]
            if j != i and pid is not None:
                out.unlink(pid)
                out.monitor(pid)
                out.exit(pid, SHUTDOWN)
                stopping = (*stopping, pid)
                pids = _set(pids, j, None)
        to_start = tuple(sorted({*state.to_start, *affected}))
        state = state._replace(pids=pids, stopping=stopping, to_start=to_start)
        return self._start_waiting(state, out)

    def on_down(self, me: Any, state: SupState, who: Any, reason: Any, out: Out) -> SupState:
        if who not in state.stopping:
            return state
        stopping = tuple(p for p in state.stopping if p != who)
        return self._start_waiting(state._replace(stopping=stopping), out)

    def which_children(self, state: SupState | None) -> dict[Any, Any]:
        """The running children in ``state`` (a supervisor's state, or None when it is not
        running), by id: ``which_children``, read by a property."""
        if state is None:
            return {}
        return {
            c.id: pid for c, pid in zip(self.children, state.pids, strict=True) if pid is not None
        }

    def _start_waiting(self, state: SupState, out: Out) -> SupState:
        """Once no child is still shutting down, start the ones waiting, in order."""
        if state.stopping or not state.to_start:
            return state
        pids = state.pids
        for j in state.to_start:
            pids = _set(pids, j, self._start(j, out))
        return state._replace(pids=pids, to_start=())

    def _start(self, i: int, out: Out) -> Any:
        child = self.children[i]
        return out.spawn_link(child.behaviour, name=child.name)

    @staticmethod
    def _restarts(restart: str, reason: Any) -> bool:
        if restart == "permanent":
            return True
        if restart == "temporary":
            return False
        shutdown = reason == SHUTDOWN or (
            type(reason) is tuple and len(reason) == 2 and reason[0] == SHUTDOWN
        )
        return not (reason == NORMAL or shutdown)


def _set(values: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    return (*values[:i], value, *values[i + 1 :])
