"""Actor systems with BEAM semantics, compiled down to an ordinary :class:`~modelcheck.Model`.

Write each process's behaviour as an :class:`Actor`; declare the nodes and the processes
each boots in an :class:`ActorSystem` (``cluster()``, or ``actors()`` for one process per
node); check it like any model. Processes spawn, link, monitor and register names; pids
(:class:`Pid`) are values. Networks (FIFO per pair, unordered, lossy,
duplicating), monitors, links, node up/down events, crashes, restarts and partitions are the
framework's; every one of them is a labelled step of the trace.
"""

from modelcheck.actors.actor import (
    KILLED,
    NOCONNECTION,
    NOPROC,
    NORMAL,
    Actor,
    Boot,
    Chose,
    Note,
    Out,
    Pid,
    Ref,
    Signal,
    Unregistered,
)
from modelcheck.actors.system import BUDGETS, DEAD, ActorSystem, Budget, World
from modelcheck.actors.views import MessageFlow, message_flow, node_steps

__all__ = [
    "BUDGETS",
    "DEAD",
    "KILLED",
    "NOCONNECTION",
    "NOPROC",
    "NORMAL",
    "Actor",
    "ActorSystem",
    "Boot",
    "Budget",
    "Chose",
    "MessageFlow",
    "Note",
    "Out",
    "Pid",
    "Ref",
    "Signal",
    "Unregistered",
    "World",
    "message_flow",
    "node_steps",
]
