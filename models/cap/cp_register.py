"""CAP, the consistent side: a replicated register that answers only with a majority.

What the real system does: majority quorums are how consistent replicated stores (etcd,
Consul, rabbitmq's quorum queues and Khepri, all through Raft; Riak's strongly consistent
buckets) survive a partition: an operation completes only once more than half the replicas
have taken part, so any two operations meet at some replica. The register here is the
classic quorum register of Attiya, Bar-Noy and Dolev (ABD), with the client's home replica
coordinating: a write asks a majority for their stamps, then stores its value with a larger
stamp at a majority; a read asks a majority, then *writes back* the newest value it saw to
a majority before it answers, so that no later read can see an older one.

The model: clients ``c1`` (write 1, then read) and ``c2`` (read, then write 2) send their
requests to their home replicas ``r1`` and ``r2``. A stamp is (counter, client), and a
replica keeps the value with the largest stamp it has seen. A coordinator never gives up on
a majority: cut off from it, the coordinator waits, and so does its client. Parameters:
``replicas`` (2: a majority is both, so a partition between them stops every client; with
``-p replicas=3`` the side holding two replicas goes on), ``clients`` (2), ``ops`` per
client (1); faults as for every actor system.

Checked (see ``models/cap/_harness.py``): ``linearizable`` and ``sequentially_consistent``
on the clients' history; ``leads_to answered_when_reachable`` (a client waiting while it can
reach its home replica is answered, with every message, signal and timer weakly fair);
``sometimes answered_while_cut_off`` (a client cut off from a majority of the replicas is
answered) and ``sometimes all_done``.

What the checker finds: without faults, 163 distinct states, and every property holds but
``answered_while_cut_off`` (unreached: nobody is cut off). With ``--partitions 1``: 2,089
distinct states; the history is linearizable in every one of them; ``answered_while_cut_off``
is unreached over the whole state space (a client cut off from a majority is never answered
while it is cut off); and ``answered_when_reachable`` is violated by a 4-step lasso: ``c1``
asks ``r1``, a partition leaves ``c1`` and ``r1`` without ``r2``, and ``c1`` waits forever.
The register is consistent and not available, as CAP says it must be. The same verdicts
with ``--heals 1`` too (6,998 states: the partition may last forever; after a heal each
connection comes back with the first message across it), with ``-p ops=2``
(3,649 states without faults, all holding; 48,163 with a partition), and with ``-p
replicas=3`` (10,401 states; 109,524 with a partition, about a minute, where the lasso
leaves a client on the side without a majority: ``specs/cap_cp_register_3_partition.toml``
is marked slow).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import Param
from modelcheck.actors import Actor, Out
from models.cap._harness import RegisterSystem, reply

Stamp = tuple[int, str]  # (counter, the client that wrote): larger is newer


class Round(NamedTuple):
    """An operation this replica coordinates: which phase, and who has answered it."""

    client: str
    number: int
    f: str
    arg: Any
    phase: str  # "query" (collect stamps), then "store" (write to a majority)
    heard: frozenset[str]  # replicas that answered this phase (the coordinator included)
    stamp: Stamp  # query: the newest stamp heard; store: the stamp being stored
    value: Any  # the value that goes with it


class Quorum(NamedTuple):
    stamp: Stamp
    value: Any
    rounds: tuple[Round, ...]


class CPReplica(Actor[Quorum]):
    """Keeps the newest (stamp, value) it has seen; coordinates its clients' operations."""

    def __init__(self, replicas: tuple[str, ...]) -> None:
        self.replicas = replicas
        self.majority = len(replicas) // 2 + 1

    def init(self, me: str, out: Out) -> Quorum:
        return Quorum((0, ""), 0, ())

    def on_message(self, me: str, state: Quorum, sender: str, msg: Any, out: Out) -> Quorum:
        kind = msg[0]
        if kind == "request":
            _, number, f, arg = msg
            query = Round(
                sender, number, f, arg, "query", frozenset({me}), state.stamp, state.value
            )
            self._tell(me, out, ("query", sender, number))
            return self._advance(me, state._replace(rounds=(*state.rounds, query)), out)
        if kind == "query":
            out.send(sender, ("stamp", msg[1], msg[2], state.stamp, state.value))
            return state
        if kind == "store":
            _, client, number, stamp, value = msg
            out.send(sender, ("stored", client, number))
            return self._keep(state, stamp, value)
        # "stamp" or "stored": an answer to a round this replica coordinates
        client, number = msg[1], msg[2]
        phase = "query" if kind == "stamp" else "store"
        rounds = []
        for r in state.rounds:
            if (r.client, r.number, r.phase) == (client, number, phase):
                r = r._replace(heard=r.heard | {sender})
                if kind == "stamp" and msg[3] > r.stamp:
                    r = r._replace(stamp=msg[3], value=msg[4])
            rounds.append(r)
        return self._advance(me, state._replace(rounds=tuple(rounds)), out)

    def _advance(self, me: str, state: Quorum, out: Out) -> Quorum:
        """Move every round that has heard from a majority to its next phase."""
        rounds = []
        for r in state.rounds:
            if len(r.heard) < self.majority:
                rounds.append(r)
            elif r.phase == "query":
                stamp, value = r.stamp, r.value
                if r.f == "write":
                    stamp, value = (r.stamp[0] + 1, r.client), r.arg
                state = self._keep(state, stamp, value)
                self._tell(me, out, ("store", r.client, r.number, stamp, value))
                stored = r._replace(phase="store", heard=frozenset({me}), stamp=stamp, value=value)
                rounds.append(stored)
            else:
                reply(out, r.client, r.number, r.value if r.f == "read" else None)
        state = state._replace(rounds=tuple(rounds))
        if any(len(r.heard) >= self.majority for r in rounds):
            return self._advance(me, state, out)
        return state

    def _tell(self, me: str, out: Out, msg: Any) -> None:
        for peer in self.replicas:
            if peer != me:
                out.send(peer, msg)

    @staticmethod
    def _keep(state: Quorum, stamp: Stamp, value: Any) -> Quorum:
        return state._replace(stamp=stamp, value=value) if stamp > state.stamp else state


class CPRegister(RegisterSystem):
    """A register replicated for consistency: every operation needs a majority of replicas."""

    replicas = Param(2, help="replicas of the register (r1, r2, ...)", min=1, max=5)

    def replica(self) -> Actor[Any]:
        return CPReplica(tuple(f"r{r + 1}" for r in range(self.replicas)))
