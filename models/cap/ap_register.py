"""CAP, the available side: a replicated register that always answers.

What the real system does: this is Mnesia's behaviour with a table replicated on every node
(and of many "eventually consistent" stores). A write is applied on the node that received
it and sent to every replica that node believes is up; it returns once those replicas have
acknowledged it, or once the runtime has told the node (``nodedown``) that the silent ones
are unreachable. A read answers from the local copy. So while the network is whole every
replica takes every write before the write returns; during a partition each side goes on
alone, both sides accept writes, and when the partition heals the replicas exchange their
copies and keep the last writer's (Mnesia reports ``inconsistent_database`` and leaves the
merge to the application; this model merges with last-writer-wins).

The model: clients ``c1`` (write 1, then read) and ``c2`` (read, then write 2) use their home
replicas ``r1`` and ``r2``. A replica's copy is the last-writer-wins register of
``models/crdt/lww_register.py`` (a write stamps itself one past the stamp it overwrites, ties
broken by the replica's number; ``modelcheck prove crdt`` proves its merge). Replicas
subscribe to node events (``net_kernel:monitor_nodes``): ``nodedown`` releases the writes
waiting for that replica and starts a ``reconnect`` timer, ``nodeup`` sends it this
replica's copy. As on the BEAM, a heal brings no connection back by itself, and Mnesia does
not reconnect either: the ``reconnect`` timer polls ``net_kernel:connect_node`` for the
replicas heard to be down, as libcluster's strategies do, until they are back (across a cut
a poll changes nothing). Parameters: ``replicas`` (2), ``clients`` (2), ``ops`` per client
(1); faults as for every actor system.

Checked (see ``models/cap/_harness.py``): ``linearizable`` and ``sequentially_consistent``
on the clients' history; ``leads_to answered_when_reachable`` (a client waiting while it can
reach its home replica is answered, with every message, signal and timer weakly fair);
``sometimes answered_while_cut_off`` (availability: a client cut off from a majority of the
replicas is answered) and ``sometimes all_done``.

What the checker finds: without faults, 63 distinct states and every property holds but
``answered_while_cut_off`` (unreached: nobody is cut off); with ``-p ops=2`` (concurrent
writes on both replicas) 1,443 states, the same verdicts. With ``--partitions 1``: 24,111
distinct states; ``linearizable`` is violated by an 8-step stale read (``c1``'s write of 1
returns at ``r1`` once ``r1`` hears that ``r2`` is down; then ``c2`` reads 0 at ``r2``), the
history stays sequentially consistent, every client that can reach its replica is answered,
and in 4 steps a client cut off from the majority is. The register is available and not
consistent, as CAP says it must be. (With ``--heals 1`` as well the state space grows to
331,641 states, minutes: no spec; there ``answered_when_reachable`` fails in 8 steps, as
it did under the older all-at-once heal: ``c1``'s request is lost in the partition and
``c1``, which never retries, waits after the heal. The tests replay a heal, the poll that
reconnects, and check that both replicas settle on the last writer.)
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck.actors import Actor, Out
from models.cap._harness import RegisterSystem, reply
from models.crdt.lww_register import LWWRegister, Register

LWW = LWWRegister()

#: The timer that polls ``net_kernel:connect_node`` for the replicas heard to be down.
RECONNECT = "reconnect"


class Write(NamedTuple):
    """A write this replica accepted, waiting for the replicas it sent it to."""

    client: str
    number: int
    copy: Register
    waiting: frozenset[str]


class Copy(NamedTuple):
    copy: Register  # the replica's copy: (stamp, writer, value), last writer wins
    down: frozenset[str]  # replicas this one has heard are down (nodedown, no nodeup since)
    writes: tuple[Write, ...]  # writes waiting for acknowledgements


class APReplica(Actor[Copy]):
    """Answers every request from its own copy; replicates to the replicas it believes up."""

    def __init__(self, replicas: tuple[str, ...]) -> None:
        self.replicas = replicas

    def init(self, me: str, out: Out) -> Copy:
        out.monitor_nodes()
        return Copy(LWW.initial(len(self.replicas)), frozenset(), ())

    def on_message(self, me: str, state: Copy, sender: str, msg: Any, out: Out) -> Copy:
        kind = msg[0]
        if kind == "request":
            _, number, f, arg = msg
            if f == "read":
                reply(out, sender, number, state.copy.value)
                return state
            copy = LWW.assign(state.copy, self.replicas.index(me), arg)
            peers = frozenset(r for r in self.replicas if r != me) - state.down
            for peer in sorted(peers):
                out.send(peer, ("replicate", copy))
            write = Write(sender, number, copy, peers)
            return self._release(state._replace(copy=copy, writes=(*state.writes, write)), out)
        if kind == "replicate":
            out.send(sender, ("ack", msg[1]))
            return state._replace(copy=LWW.merge(state.copy, msg[1]))
        if kind == "ack":
            writes = tuple(
                w._replace(waiting=w.waiting - {sender}) if w.copy == msg[1] else w
                for w in state.writes
            )
            return self._release(state._replace(writes=writes), out)
        # "sync": a replica's copy, after a partition healed
        return state._replace(copy=LWW.merge(state.copy, msg[1]))

    def on_timeout(self, me: str, state: Copy, timer: Hashable, out: Out) -> Copy:
        # RECONNECT: poll the replicas heard to be down; across a cut nothing happens and
        # the poll comes again (a step that changes nothing), after a heal it reconnects.
        for peer in sorted(state.down):
            out.connect(peer)
        out.set_timer(RECONNECT)
        return state

    def on_nodedown(self, me: str, state: Copy, node: str, out: Out) -> Copy:
        if node not in self.replicas:
            return state
        writes = tuple(w._replace(waiting=w.waiting - {node}) for w in state.writes)
        out.set_timer(RECONNECT)
        return self._release(state._replace(down=state.down | {node}, writes=writes), out)

    def on_nodeup(self, me: str, state: Copy, node: str, out: Out) -> Copy:
        if node not in self.replicas:
            return state
        out.send(node, ("sync", state.copy))
        down = state.down - {node}
        if not down:
            out.cancel_timer(RECONNECT)
        return state._replace(down=down)

    def _release(self, state: Copy, out: Out) -> Copy:
        """Answer the writes no replica is still awaited for."""
        for w in state.writes:
            if not w.waiting:
                reply(out, w.client, w.number, None)
        return state._replace(writes=tuple(w for w in state.writes if w.waiting))


class APRegister(RegisterSystem):
    """A register replicated for availability: every replica answers, even partitioned."""

    def replica(self) -> Actor[Any]:
        return APReplica(tuple(f"r{r + 1}" for r in range(self.replicas)))
