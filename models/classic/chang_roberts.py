"""Leader election on a unidirectional ring, as in TLA+'s ChangRoberts (chang_roberts/).

Chang and Roberts' algorithm (CACM 22(5), 1979). ``n`` nodes, numbered 1..n, sit on a ring
and each has a distinct identity; node i can send only to its successor (i+1, and n wraps
round to 1). Every node starts either as an initiator (a candidate) or not (already lost):
the model leaves that choice open, so all 2^n combinations are initial states. The node
with the smallest identity among the initiators is elected:

- ``n0`` (each node, once): an initiator sends its own identity to its successor.
- ``n1`` (each node, for ever): the node takes one identity ``id`` out of its mailbox. A
  node that has lost forwards it. A candidate that receives a smaller identity forwards it
  and loses. A candidate that receives a larger identity swallows it, and one that receives
  its own identity back (it went all the way round) swallows it and has won.

Ported from Stephan Merz's ChangRoberts.tla in the tlaplus/Examples repository, a PlusCal
algorithm; this follows its TLA+ translation. The config is MCChangRoberts.cfg with
MCChangRoberts.tla, which sets N = 3 and ``Id == [i \\in 1..N |-> i]``: node i has identity
i, for every ``n`` (so node 1 wins whenever it is an initiator). Mailboxes are sets, so a
message is neither duplicated nor lost but may overtake others.

TLC's next-state relation is ``(\\E self \\in Node: n0(self) \\/ n1(self)) \\/ Terminating``,
and ``n1(self)`` is ``\\E id \\in msgs[self]: ...``. So the actions, in order, are, for each
node ``self``: ``n0(self)`` if it has not run yet, then ``n1(self, id)`` for every ``id`` in
its mailbox, smallest first; last comes ``Terminating``, the stuttering step the translator
adds for when every process is done. It is never enabled here: ``n1`` loops for ever, so no
node's ``pc`` ever becomes ``"Done"`` (it is kept so the port matches ``Next`` line by line).

The state is a :class:`State` named tuple of the spec's four variables, each a tuple with
one entry per node (node 1 first): ``msgs`` (a frozenset of the identities waiting in the
node's mailbox), ``pc`` (``"n0"`` or ``"n1"``), ``initiator`` (a bool) and ``state``
(``"cand"``, ``"lost"`` or ``"won"``).

Checked, as the config asks: ``TypeOK`` and ``Correctness`` (a node that has won is an
initiator, every other node has lost and every other initiator has a larger identity); both
hold. The counts equal TLC's: 137 distinct states, 227 generated, depth 10 for N = 3 (25 /
31 / 6 for n = 2, 823 / 1,791 / 15 for n = 4). The config also checks the liveness property
``Liveness`` (if some node is a candidate, some node eventually wins); it holds, as TLC
says, under the spec's fairness ``\\A self \\in Node : WF_vars(node(self))``: weak fairness
of each node's actions, ``weak("n0", "n1", per=node)``. As in TLA+, a behaviour may stutter
(``stuttering = "always"``): without that fairness it could stop anywhere. The config turns
off deadlock checking, as does this model: once every mailbox is empty and every node is at
``n1``, nothing is enabled, and such a state repeats forever. (Another version of
MCChangRoberts.cfg lists ``PROPERTIES Termination Liveness`` and leaves deadlock checking
on; that cannot pass against this spec, since ``Termination`` asks that every ``pc`` become
``"Done"``, which never happens, and the states above with nothing enabled are deadlocks.)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

from modelcheck import Fairness, Model, Param, always, eventually, weak
from modelcheck.model import Stuttering

# Values of pc: the PlusCal labels (and "Done", which the translation defines but this
# algorithm never reaches).
N0, N1, DONE = "n0", "n1", "Done"
# Values of state.
CAND, LOST, WON = "cand", "lost", "won"


class State(NamedTuple):
    """The spec's variables; entry i of each tuple belongs to node i + 1."""

    msgs: tuple[frozenset[int], ...]  # identities waiting to be received by each node
    pc: tuple[str, ...]  # where each node is in its program: "n0" or "n1"
    initiator: tuple[bool, ...]  # whether the node started as a candidate
    state: tuple[str, ...]  # "cand", "lost" or "won"


def put(row: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    """``[row EXCEPT ![i] = value]`` for a tuple indexed from 0."""
    return (*row[:i], value, *row[i + 1 :])


def node_of(label: Any) -> Any:
    """The node an action belongs to: ``("n0", node)`` and ``("n1", node, id)``."""
    return label[1]


class ChangRoberts(Model[State]):
    """Chang-Roberts leader election on a unidirectional ring (TLA+ ChangRoberts)."""

    n = Param(3, help="number of nodes on the ring", min=1, max=7)

    # Spec's \A self \in Node : WF_vars(node(self)), node(self) == n0(self) \/ n1(self).
    fairness: ClassVar[Sequence[Fairness]] = (weak("n0", "n1", per=node_of),)
    stuttering: ClassVar[Stuttering] = "always"

    def setup(self) -> None:
        # Python index k is TLA+ node k + 1; Id[k + 1] = k + 1, as in MCChangRoberts.tla.
        self.nodes = range(self.n)
        self.ids = tuple(k + 1 for k in self.nodes)
        self.succ = tuple((k + 1) % self.n for k in self.nodes)

    def init_states(self) -> list[State]:
        # initiator \in [Node -> BOOLEAN]; state follows from it; mailboxes empty; pc = n0.
        return [
            State(
                msgs=(frozenset(),) * self.n,
                pc=(N0,) * self.n,
                initiator=initiator,
                state=tuple(CAND if i else LOST for i in initiator),
            )
            for initiator in itertools.product((False, True), repeat=self.n)
        ]

    def actions(self, s: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        for k in self.nodes:
            node = k + 1
            if s.pc[k] == N0:
                out.append((("n0", node), self.n0(s, k)))
            if s.pc[k] == N1:
                # \E id \in msgs[self]: one successor for each identity in the mailbox.
                for id_ in sorted(s.msgs[k]):
                    out.append((("n1", node, id_), self.n1(s, k, id_)))
        # Terminating: every process is done; stutter. Never enabled in this algorithm.
        if all(pc == DONE for pc in s.pc):
            out.append(("Terminating", s))
        return out

    def n0(self, s: State, k: int) -> State:
        """Node k at label n0: an initiator sends its identity to its successor."""
        msgs = s.msgs
        if s.initiator[k]:
            succ = self.succ[k]
            msgs = put(msgs, succ, msgs[succ] | {self.ids[k]})
        return s._replace(msgs=msgs, pc=put(s.pc, k, N1))

    def n1(self, s: State, k: int, id_: int) -> State:
        """Node k at label n1 takes identity ``id_`` out of its mailbox (pc stays n1)."""
        succ = self.succ[k]
        msgs = put(s.msgs, k, s.msgs[k] - {id_})  # the LET's _msgs
        forwarded = put(msgs, succ, msgs[succ] | {id_})
        if s.state[k] == LOST:  # already lost: pass it on
            return s._replace(msgs=forwarded)
        if id_ < self.ids[k]:  # a smaller identity is about: lose, and pass it on
            return s._replace(msgs=forwarded, state=put(s.state, k, LOST))
        if id_ == self.ids[k]:  # my own identity went all the way round: won
            return s._replace(msgs=msgs, state=put(s.state, k, WON))
        return s._replace(msgs=msgs)  # a larger identity: swallow it

    @always
    def TypeOK(self, s: State) -> bool:
        """Every variable holds a value of its type."""
        ids = frozenset(self.ids)
        return (
            len(s.pc) == len(s.msgs) == len(s.initiator) == len(s.state) == self.n
            and all(pc in (N0, N1, DONE) for pc in s.pc)
            and all(m <= ids for m in s.msgs)
            and all(isinstance(i, bool) for i in s.initiator)
            and all(st in (CAND, LOST, WON) for st in s.state)
        )

    @always
    def Correctness(self, s: State) -> bool:
        """A node that has won is the initiator with the smallest identity; all others lost."""
        return all(
            s.initiator[k]
            and all(
                s.state[m] == LOST and (not s.initiator[m] or self.ids[m] > self.ids[k])
                for m in self.nodes
                if m != k
            )
            for k in self.nodes
            if s.state[k] == WON
        )

    @eventually
    def Liveness(self, s: State) -> bool:
        """If some node starts as a candidate, some node eventually wins."""
        # TLA+: (\E n : state[n] = "cand") => <>(\E n : state[n] = "won"). The left side is
        # about the initial state, where a node is a candidate exactly when it is an
        # initiator, and initiator never changes: so this is <>(no initiator \/ some won).
        return not any(s.initiator) or WON in s.state

    def show(self, s: State) -> Mapping[str, Any]:
        # As TLC prints them: functions over 1..n as sequences, node 1 first.
        return {
            "msgs": tuple(tuple(sorted(m)) for m in s.msgs),
            "pc": s.pc,
            "initiator": s.initiator,
            "state": s.state,
        }
