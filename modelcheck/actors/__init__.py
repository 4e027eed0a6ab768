"""Actor systems with BEAM semantics, compiled down to an ordinary :class:`~modelcheck.Model`.

Write each node's behaviour as an :class:`Actor`; list the nodes in an
:class:`ActorSystem`; check it like any model. Networks (FIFO per pair, unordered, lossy,
duplicating), monitors, links, node up/down events, crashes, restarts and partitions are the
framework's; every one of them is a labelled step of the trace.
"""

from modelcheck.actors.actor import KILLED, NOCONNECTION, NOPROC, NORMAL, Actor, Out, Signal
from modelcheck.actors.system import BUDGETS, DEAD, ActorSystem, World
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
    "MessageFlow",
    "Out",
    "Signal",
    "World",
    "message_flow",
    "node_steps",
]
