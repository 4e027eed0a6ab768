"""CRDTs replicated over the network: replicas update locally and merge what they receive.

DOCSTRING TODO
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, ClassVar, NamedTuple

from modelcheck import Param, always, eventually_always, sometimes
from modelcheck.actors import Actor, ActorSystem, Out, World
from modelcheck.errors import ModelError
from modelcheck.symbolic import CRDT, REPLICA, Update
from models.crdt.aw_lww_map import AWLWWMap
from models.crdt.g_counter import GCounter
from models.crdt.lww_no_tiebreak import LWWNoTieBreak
from models.crdt.lww_register import LWWRegister
from models.crdt.or_set import ORSet
from models.crdt.or_set_no_context import ORSetNoContext
from models.crdt.pn_counter import PNCounter
from models.crdt.sum_counter import SumCounter

#: An update a client makes: the CRDT's update method and its arguments, without the
#: replica (which is the replica's own number), e.g. ``("add", "x")`` or ``("increment",)``.
Op = tuple[Hashable, ...]

#: The timer that sends this replica's state to its peers.
SYNC = "sync"

NAMES = ("a", "b", "c", "d")


class ReplicaState(NamedTuple):
    """A replica: what a client reads, the updates it has seen (ghost), the CRDT state."""

    value: Any
    seen: frozenset[str]  # update ids "a1", "b2": bookkeeping for the properties only
    crdt: Any


class Sync(NamedTuple):
    """A sync message: the sender's whole CRDT state (and, as ghost data, what it has seen)."""

    crdt: Any
    seen: frozenset[str]


def op_text(op: Op) -> str:
    """How an update is named in timers and traces: ``increment``, ``add(x)``, ``put(k, 1)``."""
    name, args = op[0], op[1:]
    return f"{name}({', '.join(map(str, args))})" if args else str(name)


class Replica(Actor[ReplicaState]):
    """One replica: makes its client's updates in order (each when its timer fires), sends
    its state to every peer after a change (the ``sync`` timer) and when a peer comes back
    (``nodeup``), and merges every state it receives."""

    def __init__(
        self,
        crdt: CRDT[Any],
        name: str,
        index: int,
        replicas: int,
        script: Sequence[Op],
        peers: Sequence[str],
        updates: dict[str, Update],
    ) -> None:
        self.crdt, self.index, self.replicas = crdt, index, replicas
        self.script, self.peers, self.updates = tuple(script), tuple(peers), updates
        self.own = frozenset(f"{name}{k}" for k in range(1, len(self.script) + 1))

    def init(self, me: str, out: Out) -> ReplicaState:
        out.monitor_nodes()
        if self.script:
            out.set_timer(op_text(self.script[0]))
        initial = self.crdt.initial(self.replicas)
        return ReplicaState(self.crdt.value(initial), frozenset(), initial)

    def on_timeout(self, me: str, state: ReplicaState, timer: Hashable, out: Out) -> ReplicaState:
        if timer == SYNC:
            for peer in self.peers:
                out.send(peer, Sync(state.crdt, state.seen))
            return state
        done = len(state.seen & self.own)
        op = self.script[done]
        crdt = self._apply(state.crdt, op)
        if done + 1 < len(self.script):
            out.set_timer(op_text(self.script[done + 1]))
        out.set_timer(SYNC)
        return ReplicaState(self.crdt.value(crdt), state.seen | {f"{me}{done + 1}"}, crdt)

    def on_message(
        self, me: str, state: ReplicaState, sender: str, msg: Any, out: Out
    ) -> ReplicaState:
        crdt = self.crdt.merge(state.crdt, msg.crdt)
        return ReplicaState(self.crdt.value(crdt), state.seen | msg.seen, crdt)

    def on_nodeup(self, me: str, state: ReplicaState, node: str, out: Out) -> ReplicaState:
        out.set_timer(SYNC)
        return state

    def _apply(self, crdt: Any, op: Op) -> Any:
        update = self.updates[str(op[0])]
        rest = iter(op[1:])
        args = [self.index if dom is REPLICA else next(rest) for _, dom in update.arguments]
        return update.fn(crdt, *args)


class _Replicated(ActorSystem):
    """Base of the replicated CRDT models: set ``crdt`` and define ``script``.

    (The leading underscore keeps the loader from taking this base for a model.)
    """

    crdt: ClassVar[CRDT[Any]]
    replicas = Param(2, help="number of replicas", min=2, max=len(NAMES))

    def script(self, replica: int) -> tuple[Op, ...]:
        """The updates replica number ``replica`` makes, in order."""
        raise NotImplementedError(f"{type(self).__name__} must define script(replica)")

    def actors(self) -> dict[str, Actor[Any]]:
        names = NAMES[: self.replicas]
        updates = {u.name: u for u in self.crdt.updates()}
        nodes: dict[str, Actor[Any]] = {}
        for i, name in enumerate(names):
            script = self.script(i)
            for op in script:
                update = updates.get(str(op[0]))
                wanted = 0 if update is None else sum(d is not REPLICA for _, d in update.arguments)
                if update is None or len(op) - 1 != wanted:
                    raise ModelError(
                        f"{self.name}: replica {name}'s update {op_text(op)} is not one of "
                        f"{self.crdt.name}'s: {', '.join(sorted(updates))}"
                    )
            peers = [p for p in names if p != name]
            nodes[name] = Replica(self.crdt, name, i, self.replicas, script, peers, updates)
        return nodes

    # -- the properties -------------------------------------------------------------------

    def quiet(self, w: World) -> bool:
        """Nothing in flight, no runtime signal waiting, no sync pending, no link cut."""
        return (
            not w.chans
            and not w.sysq
            and not w.cut
            and not any(SYNC in timers for _, timers in w.timers)
        )

    def converged(self, w: World) -> bool:
        """Every running replica has seen the same updates and holds the same state."""
        return len({(s.seen, s.crdt) for s in self.live_states(w).values()}) <= 1

    @always
    def same_updates_same_state(self, w: World) -> bool:
        """Replicas that have seen the same updates hold the same state."""
        first: dict[frozenset[str], Any] = {}
        for s in self.live_states(w).values():
            if first.setdefault(s.seen, s.crdt) != s.crdt:
                return False
        return True

    @always
    def converged_when_quiet(self, w: World) -> bool:
        """Once nothing is in flight, no sync is pending and no link is cut, every replica
        holds the same state (and so reads the same value)."""
        states = {s.crdt for s in self.live_states(w).values()}
        return len(states) <= 1 or not self.quiet(w)

    @eventually_always
    def converges(self, w: World) -> bool:
        """From some point on, every replica has seen the same updates and holds the same
        state."""
        return self.converged(w)


# -- one model per CRDT -------------------------------------------------------------------


class ReplicatedGCounter(_Replicated):
    """A G-Counter replicated over the network: the first ``writers`` replicas increment."""

    crdt = GCounter()
    writers = Param(2, help="replicas that increment (the first ones)", min=0, max=len(NAMES))
    updates = Param(1, help="increments per writer", min=0, max=3)

    def script(self, replica: int) -> tuple[Op, ...]:
        if self.writers > self.replicas:
            raise ModelError(f"writers={self.writers} is more than replicas={self.replicas}")
        return (("increment",),) * self.updates if replica < self.writers else ()


class ReplicatedSumCounter(ReplicatedGCounter):
    """A counter whose merge adds instead of taking the maximum (broken)."""

    crdt = SumCounter()


class ReplicatedPNCounter(_Replicated):
    """A PN-Counter replicated over the network: a increments, b decrements, c increments."""

    crdt = PNCounter()

    def script(self, replica: int) -> tuple[Op, ...]:
        return (("increment",),) if replica % 2 == 0 else (("decrement",),)


class ReplicatedLWWRegister(_Replicated):
    """A last-writer-wins register: every replica writes its own value, concurrently."""

    crdt = LWWRegister()

    def script(self, replica: int) -> tuple[Op, ...]:
        return (("assign", replica + 1),)


class ReplicatedLWWNoTieBreak(ReplicatedLWWRegister):
    """The same writes to an LWW register without a tie-break (broken)."""

    crdt = LWWNoTieBreak()


class ReplicatedORSet(_Replicated):
    """An add-wins OR-Set: a adds x; b adds x, then removes it."""

    crdt = ORSet()

    def script(self, replica: int) -> tuple[Op, ...]:
        if replica == 0:
            return (("add", "x"),)
        if replica == 1:
            return (("add", "x"), ("remove", "x"))
        return ()

    @sometimes
    def add_wins(self, w: World) -> bool:
        """A replica has seen b's remove and still holds x (a's concurrent add won)."""
        return any(
            "b2" in s.seen and "x" in s.value for s in self.live_states(w).values()
        )


class ReplicatedORSetNoContext(ReplicatedORSet):
    """The same updates on an OR-Set whose merge ignores the causal context (broken)."""

    crdt = ORSetNoContext()


class ReplicatedAWLWWMap(_Replicated):
    """An add-wins LWW map (DeltaCrdt's AWLWWMap): a puts k=1; b puts k=2, then removes k."""

    crdt = AWLWWMap()

    def script(self, replica: int) -> tuple[Op, ...]:
        if replica == 0:
            return (("put", "k", 1),)
        if replica == 1:
            return (("put", "k", 2), ("remove", "k"))
        return ()

    @sometimes
    def add_wins(self, w: World) -> bool:
        """A replica has seen b's remove of k and still maps k to 1 (a's concurrent put)."""
        return any(
            "b2" in s.seen and ("k", 1) in s.value for s in self.live_states(w).values()
        )
