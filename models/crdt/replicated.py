"""CRDTs replicated over the network: replicas update locally and merge what they receive.

What the real system does: DeltaCrdt (under Horde's registry and supervisor) runs one
replica process per node. A write changes the local replica at once; every so often (its
``sync`` interval) a replica monitors its neighbours and sends them what changed (a delta
with its causal context), and every replica joins what it receives into its own state.
Horde makes every other member a neighbour. Nothing else reconnects two nodes after a
partition heals: on the BEAM a connection comes back only when a process sends to, or
monitors, the other node, and here that is the next sync. Strong eventual consistency is
the promise: replicas that have received the same updates are equal, whatever the order,
the duplicates and the delays, so once the messages stop every replica reads the same.

The model: one generic :class:`Replica` actor, parameterized by a CRDT definition from
``models/crdt/`` (its concrete ``initial``, ``merge``, updates and ``value``, imported, never
copied). Each model below is a CRDT and a *script*: the updates each replica's client makes,
in order, each when its timer fires (a timer may fire at any later step: a client may write
at any time). After a local update a ``sync`` timer is set; when it fires the replica
monitors every other replica and sends it its whole state (a full mesh, so nobody
forwards), and so several updates may travel in one sync. When a monitor fires (``DOWN
noconnection``: the connection dropped, and a sync may have been lost with it), the replica
monitors that peer again and sends it its state again. Across a cut the send is lost and the
new monitor fires at once, so the replica keeps retrying (a step that changes nothing); after
a heal the retry reconnects the pair and gets through. DeltaCrdt retries at its next sync
interval; with no clocks, the ``DOWN``'s arrival, which may come at any later step, stands
for that moment. Receiving a state merges it. Simplified: whole states instead of deltas;
no periodic sync while the connections stay up (a message that ``--drops`` loses on a
live connection, which TCP never does, is never made good: ``--drops 1`` shows it); the
update ids a replica has seen (``seen``, ``a1`` = a's first update) are ghost data for the
properties, carried along in sync messages; crashes and restarts are not studied (a
restarted replica would start from the initial state and reuse its update ids and dots,
which the real DeltaCrdt avoids with a fresh random id).

A replica keeps its CRDT state keyed by node name (:mod:`models.crdt.by_name`: a G-Counter's
``[[a, 1], [b, 0]]``), not by position, and knows itself only as ``me``, so replicas with the
same script are interchangeable: ``symmetric()`` names them and ``--symmetry`` stores one
world per renaming (the 3 writers of a G-Counter: 6 renamings).

Checked, for every model:

- ``always same_updates_same_state``: replicas that have seen the same updates hold the
  same state;
- ``always converged_when_quiet``: when nothing is in flight, no sync or signal is pending
  and no link is cut, every replica holds the same state (so reads the same value);
- ``eventually_always converges`` (liveness): from some point on, the replicas have seen
  the same updates and hold the same state. The one fairness assumption is that a cut
  network heals while a heal is left (``weak("heal")``): otherwise a replica may retry
  across the cut for ever. Every other step uses up a timer, a message or a signal, and new
  ones come only from a bounded number of updates, faults and duplicates;
- for the OR-Set and the map, ``sometimes add_wins``: a replica has seen b's remove and
  still holds what a added concurrently (5 steps).

What the checker finds, 2 replicas unless said (distinct states; counterexample steps):

- G-Counter, PN-Counter (a and c increment, b decrements), LWW register (every replica
  writes its own value, concurrently), OR-Set (a adds x; b adds x, then removes it) and
  add-wins LWW map (a puts k=1; b puts k=2, then removes k) converge: 18, 18, 24, 62 and
  82 states; with 3 replicas 600, 600, 1,446, 287 and 393; and also with a partition, a
  heal and a duplicate (G-Counter 207 states). The G-Counter with 3 replicas, a partition
  and a heal: 42,305 states, 7,228 with ``--symmetry``.
- Sum-merge counter (``sum_counter.py``): 6 steps. a increments and syncs, b merges,
  increments and syncs its state, which carries a's increment back: a counts it twice
  (a reads 3, b reads 2, both have seen a1 and b1). With one writer (``-p readers=1``) it
  holds on a perfect network (4 states); one duplicated message breaks it (5 steps: b
  reads 2 after a's single increment), and so does a partition and a heal (7 steps: the
  partition fires a's monitor, and the retry after the heal sends b the state it already
  has; anti-entropy *is* a duplicate). Idempotence is what makes the re-sends harmless.
- LWW register without a tie-break (``lww_no_tiebreak.py``): 6 steps; two writes with the
  same stamp, each replica keeps its own.
- OR-Set whose merge ignores the causal context (``or_set_no_context.py``): 6 steps; b adds
  x and syncs, a merges, b removes x and syncs, and a keeps x: a removed dot looks like one
  not yet received.
- G-Counter with ``--drops 1``: ``converged_when_quiet`` fails in 3 steps (the only sync is
  lost); with ``--partitions 1`` and no heal, only ``converges`` fails (4 steps, then a
  retries across the cut for ever).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, ClassVar, NamedTuple

from modelcheck import Param, always, eventually_always, sometimes, weak
from modelcheck.actors import Actor, ActorSystem, Out, World
from modelcheck.errors import ModelError
from modelcheck.fairness import Fairness
from modelcheck.symbolic import CRDT, REPLICA, Update
from models.crdt.aw_lww_map import AWLWWMap
from models.crdt.by_name import ByName
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

#: The timer that sends this replica's state to the peers that may lack it.
SYNC = "sync"

NAMES = ("a", "b", "c", "d")


class UpdateId(NamedTuple):
    """An update, by the replica that made it and its number there: ``a1``, ``b2``."""

    replica: str
    number: int

    def __str__(self) -> str:
        return f"{self.replica}{self.number}"

    def __modelcheck_plain__(self) -> str:
        return str(self)


class ReplicaState(NamedTuple):
    """A replica: what a client reads, the updates it has seen (ghost), the CRDT state (its
    replica axes keyed by node name)."""

    value: Any
    seen: frozenset[UpdateId]  # bookkeeping for the properties only
    crdt: Any


class Sync(NamedTuple):
    """A sync message: the sender's whole CRDT state (and, as ghost data, what it has seen)."""

    crdt: Any
    seen: frozenset[UpdateId]


def op_text(op: Op) -> str:
    """How an update is named in timers and traces: ``increment``, ``add(x)``, ``put(k, 1)``."""
    name, args = op[0], op[1:]
    return f"{name}({', '.join(map(str, args))})" if args else str(name)


class Replica(Actor[ReplicaState]):
    """One replica: makes its client's updates in order (each when its timer fires), sends
    its state to the peers that may lack it (the ``sync`` timer), monitoring each, sends
    again to a peer whose monitor fires (a sync may have been lost), and merges every state
    it receives. Every replica of a model with the same script is the same behaviour: it
    knows itself only as ``me``."""

    def __init__(
        self,
        crdt: CRDT[Any],
        names: tuple[str, ...],
        script: Sequence[Op],
        updates: dict[str, Update],
    ) -> None:
        self.crdt, self.names, self.script, self.updates = crdt, names, tuple(script), updates
        self.by_name = ByName(crdt, names)

    def init(self, me: str, out: Out) -> ReplicaState:
        if self.script:
            out.set_timer(op_text(self.script[0]))
        initial = self.crdt.initial(len(self.names))
        return ReplicaState(self.crdt.value(initial), frozenset(), self.by_name.named(initial))

    def on_timeout(self, me: str, state: ReplicaState, timer: Hashable, out: Out) -> ReplicaState:
        if timer == SYNC:
            for peer in self.names:
                if peer != me:
                    self._sync(state, peer, out)
            return state
        done = sum(1 for update in state.seen if update.replica == me)
        op = self.script[done]
        crdt = self._apply(self.by_name.positional(state.crdt), self.names.index(me), op)
        if done + 1 < len(self.script):
            out.set_timer(op_text(self.script[done + 1]))
        out.set_timer(SYNC)
        seen = state.seen | {UpdateId(me, done + 1)}
        return ReplicaState(self.crdt.value(crdt), seen, self.by_name.named(crdt))

    def on_message(
        self, me: str, state: ReplicaState, sender: str, msg: Any, out: Out
    ) -> ReplicaState:
        position = self.by_name.positional
        crdt = self.crdt.merge(position(state.crdt), position(msg.crdt))
        return state._replace(
            value=self.crdt.value(crdt), seen=state.seen | msg.seen, crdt=self.by_name.named(crdt)
        )

    def on_down(
        self, me: str, state: ReplicaState, who: str, reason: Any, out: Out
    ) -> ReplicaState:
        self._sync(state, who, out)  # what was sent to ``who`` may be lost: again
        return state

    def _sync(self, state: ReplicaState, peer: str, out: Out) -> None:
        """Monitor ``peer`` (DeltaCrdt's ``monitor_neighbours``: if a sync is lost, a DOWN
        will say so) and send it this replica's state. Either reaches across a healed link
        and brings the connection back; across a cut the send is lost and the monitor
        fires ``DOWN noconnection`` at once. One monitor per peer, as DeltaCrdt keeps one
        per neighbour: the one in place is dropped and made again (the same reference;
        DeltaCrdt keeps it, which differs only while a DOWN is on its way: then the model
        monitors again at once)."""
        out.demonitor(peer)
        out.monitor(peer)
        out.send(peer, Sync(state.crdt, state.seen))

    def _apply(self, crdt: Any, index: int, op: Op) -> Any:
        update = self.updates[str(op[0])]
        rest = iter(op[1:])
        args = [index if dom is REPLICA else next(rest) for _, dom in update.arguments]
        return update.fn(crdt, *args)


class _Replicated(ActorSystem):
    """Base of the replicated CRDT models: set ``crdt`` and define ``script``.

    (The leading underscore keeps the loader from taking this base for a model.)
    """

    crdt: ClassVar[CRDT[Any]]
    replicas = Param(2, help="number of replicas", min=2, max=len(NAMES))

    #: ``converges`` assumes that a cut network heals, if a heal is left, rather than
    #: leaving replicas to retry forever across the cut (faults are otherwise not fair).
    fairness: ClassVar[Sequence[Fairness]] = (weak("heal"),)

    def script(self, replica: int) -> tuple[Op, ...]:
        """The updates replica number ``replica`` makes, in order."""
        raise NotImplementedError(f"{type(self).__name__} must define script(replica)")

    def _scripts(self) -> dict[str, tuple[Op, ...]]:
        """Every replica's script, by node name, checked against the CRDT's updates."""
        updates = {u.name: u for u in self.crdt.updates()}
        scripts = {}
        for i, name in enumerate(NAMES[: self.replicas]):
            script = self.script(i)
            for op in script:
                update = updates.get(str(op[0]))
                wanted = 0 if update is None else sum(d is not REPLICA for _, d in update.arguments)
                if update is None or len(op) - 1 != wanted:
                    raise ModelError(
                        f"{self.name}: replica {name}'s update {op_text(op)} is not one of "
                        f"{self.crdt.name}'s: {', '.join(sorted(updates))}"
                    )
            scripts[name] = script
        return scripts

    def actors(self) -> dict[str, Actor[Any]]:
        names = NAMES[: self.replicas]
        updates = {u.name: u for u in self.crdt.updates()}
        return {
            name: Replica(self.crdt, names, script, updates)
            for name, script in self._scripts().items()
        }

    def symmetric(self) -> list[tuple[str, ...]]:
        """Replicas that run the same script are interchangeable (``--symmetry``): the CRDTs
        treat replicas alike but for tie-breaks between writers, which differ in script."""
        groups: dict[tuple[Op, ...], list[str]] = {}
        for name, script in self._scripts().items():
            groups.setdefault(script, []).append(name)
        return [tuple(group) for group in groups.values() if len(group) > 1]

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
        by_seen: dict[frozenset[UpdateId], set[Any]] = {}
        for s in self.live_states(w).values():
            by_seen.setdefault(s.seen, set()).add(s.crdt)
        return all(len(states) == 1 for states in by_seen.values())

    @always
    def converged_when_quiet(self, w: World) -> bool:
        """When nothing is in flight, no sync is pending and no link is cut, all states are equal.

        Equal states read the same value.
        """
        states = {s.crdt for s in self.live_states(w).values()}
        return len(states) <= 1 or not self.quiet(w)

    @eventually_always
    def converges(self, w: World) -> bool:
        """From some point on, the replicas have seen the same updates and hold the same state."""
        return self.converged(w)


# -- one model per CRDT -------------------------------------------------------------------


class ReplicatedGCounter(_Replicated):
    """A G-Counter replicated over the network: every replica but the readers increments."""

    crdt = GCounter()
    readers = Param(0, help="replicas that only merge, never increment (the last ones)", min=0)
    updates = Param(1, help="increments per replica that is not a reader", min=0, max=3)

    def script(self, replica: int) -> tuple[Op, ...]:
        if self.readers > self.replicas:
            raise ModelError(f"readers={self.readers} is more than replicas={self.replicas}")
        return (("increment",),) * self.updates if replica < self.replicas - self.readers else ()


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
        b2 = UpdateId("b", 2)
        return any(b2 in s.seen and "x" in s.value for s in self.live_states(w).values())


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
        b2 = UpdateId("b", 2)
        return any(b2 in s.seen and ("k", 1) in s.value for s in self.live_states(w).values())
