"""Fault budgets that a search never spent, said in one line each (no silent no-ops).

``FaultWatch`` watches the fault steps an actor system offers while a search in this process
runs (:meth:`~modelcheck.Model.watch_search`): a budget above 0 that no state explored
offered a step for (``--restarts 1`` with nothing ever down, ``--heals 1`` with nothing ever
cut, ``--kills 1`` scoped to a name no process holds), a ``kill_processes`` name that no
running process held when a kill was possible, and a scope (``crash_nodes``,
``kill_processes``) given with its budget at 0. It watches only until it has seen all it
watches for, so a search pays for it only for its first fault steps.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .rules import BUDGETS, CRASHES, HEALS, KILLS, MENDS
from .world import DEAD, World

if TYPE_CHECKING:
    from .system import ActorSystem

__all__ = ["FaultWatch"]

#: The budget each fault step spends, by its label's first word (``heal`` of one link: mends).
_SPENDS = {
    "crash": CRASHES,
    "restart": BUDGETS.index("restarts"),
    "partition": BUDGETS.index("partitions"),
    "cut": BUDGETS.index("cuts"),
    "heal": HEALS,
    "drop": BUDGETS.index("drops"),
    "duplicate": BUDGETS.index("duplicates"),
    "kill": KILLS,
}

#: Why a budget was never spent: what no state had.
_WANTED = {
    "crashes": "a node up that may crash",
    "restarts": "a node down, or running no process, to restart",
    "partitions": "two nodes to split apart",
    "cuts": "a link to cut",
    "heals": "a cut link to heal",
    "mends": "a cut link to heal",
    "drops": "a message in flight to lose",
    "duplicates": "a message in flight to copy",
    "kills": "a running process it may kill",
}


class FaultWatch:
    """What one search's fault steps have shown so far of ``system``'s budgets."""

    def __init__(self, system: ActorSystem) -> None:
        self.system = system
        self.unseen = {i for i, amount in enumerate(system.budget) if amount}
        scoped = system._killable if system.budget[KILLS] else None
        self.names = set(scoped) if scoped is not None else set()

    @property
    def done(self) -> bool:
        """True once nothing is left to watch for."""
        return not self.unseen and not self.names

    def faults(self, w: World, steps: Iterator[tuple[Any, World]]) -> Iterator[tuple[Any, World]]:
        """``steps``, the fault steps of ``w``, passed on, each marking its budget spent."""
        kills = False
        for label, nxt in steps:
            kind = label[0]
            spent = MENDS if kind == "heal" and len(label) > 1 else _SPENDS[kind]
            self.unseen.discard(spent)
            kills = kills or spent == KILLS
            yield label, nxt
        if kills and self.names:
            self._match_names(w)

    def _match_names(self, w: World) -> None:
        """Mark the scope's names that name a running process of ``w``."""
        system, states = self.system, w.states
        held = {
            name
            for (_, name), slot in (w.procs.names if w.procs else ())
            if states[slot] is not DEAD
        }
        for name in list(self.names):
            node = system.node_index.get(name) if isinstance(name, str) else None
            boot = system.first_boot[node] if node is not None else -1
            if name in held or (boot >= 0 and states[boot] is not DEAD):
                self.names.discard(name)

    def notes(self, complete: bool) -> tuple[str, ...]:
        """One line per budget never spent, per scope name never matched, per scope given
        with no budget to scope."""
        system = self.system
        params = system.params
        where = "reachable state" if complete else "state explored"
        lines = []
        for scope, budget in (("crash_nodes", "crashes"), ("kill_processes", "kills")):
            if params[scope] and not params[budget]:
                lines.append(f"{scope}={params[scope]} scopes nothing: {budget} is 0")
        for spent in sorted(self.unseen):
            budget = BUDGETS[spent]
            if spent == KILLS and self.names:
                continue  # said below, with the names
            lines.append(
                f"{budget}={params[budget]} was never used: no {where} has {_WANTED[budget]}"
            )
        if self.names:
            given = str(params["kill_processes"])
            source = f"kill_processes={given}" if given else f"{system.name}.killable()"
            missing = sorted(map(str, self.names))
            hint = _known(system, missing)
            if KILLS in self.unseen:
                lines.append(
                    f"kills={params['kills']} was never used: {source} names no running "
                    f"process in any {where}{hint}"
                )
            else:
                lines.append(
                    f"{source}: {', '.join(missing)} named no running process in any {where}{hint}"
                )
        return tuple(lines)


def _known(system: ActorSystem, missing: list[str]) -> str:
    """What to say of the ``missing`` names: a node that boots no process, or
    ``: did you mean ...?`` for names close to a node's or a boot process's name, else the
    names there are."""
    index, first = system.node_index, system.first_boot
    empty = [name for name in missing if name in index and first[index[name]] < 0]
    if empty:
        return f" ({', '.join(empty)} boot{'s' if len(empty) == 1 else ''} no process)"
    known = list(system.node_names) + [str(n) for n in system.boot_names if n is not None]
    known = list(dict.fromkeys(known))
    close = [c for name in missing for c in difflib.get_close_matches(name, known, n=3, cutoff=0.5)]
    if close:
        return f": did you mean {' or '.join(dict.fromkeys(close))}?"
    return f" (nodes and booted names: {', '.join(known)})"
