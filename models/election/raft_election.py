"""Raft-style leader election, as in rabbitmq/ra: terms, one vote per term, a majority.

What the real system does: every member of a ra cluster has a current term and votes at most
once per term; term and vote are written to disk before the vote is sent (ra's meta store),
so a restart cannot make a member vote twice. A follower that stops hearing from its leader
(its election timeout, or the leader's node going down) becomes a candidate: it moves to the
next term, votes for itself and asks every member for a vote. A member grants its vote to a
candidate whose term is at least its own if it has not voted for another in that term; a
higher term seen in any message makes a member a follower of that term. A candidate with
votes from a majority is the leader of its term and says so to everyone (ra's heartbeats).
Election timeouts are randomized so that members rarely stand at the same moment; ra also
runs a pre-vote round first, which this model leaves out, as it leaves out the log.

The model: ``nodes`` members ``n1`` .. ``nN``, each with an ``election`` timer. A follower
that hears its leader's heartbeat cancels its timer and monitors the leader; ``DOWN`` (a
crash, or ``noconnection`` on a partition) sets the timer again. ``durable`` keeps the term
and the vote (only the term with ``durable_vote=false``: the bug Raft's rule prevents).
After a heal a connection comes back, as on the BEAM, with the first request or heartbeat
sent across it.

Terms are relative. Only comparisons between terms matter, so after every step all terms are
shifted so that the lowest term that matters (the live members', and a crashed member's on
disk while it may restart) is 0, and messages from older terms are all marked -1 (stale).
This is what makes a round of split votes come back to the same state, a loop the checker
can show; in a trace, ``n1.term: 1 -> 0`` on another member's step means that member caught
up, so everybody is one term further on. ``max_term`` (1) bounds how far one member may run
ahead of the lowest (a partitioned member would otherwise count up alone forever): a bound of
the model, not of Raft.

Timers may fire at any step, so the timing assumptions Raft's liveness rests on are guards on
the ``election`` timeouts, chosen by ``timeouts``. (With no guard at all, a member could stand
again and again while its requests pile up unanswered: the state space is infinite.)

- ``identical``: every member has the same fixed timeout, longer than a round trip and than
  a heartbeat's delay: a member's timer does not fire while a message it sent, or a vote or
  a heartbeat addressed to it, is in flight. Members may still time out together.
- ``randomized`` (the default): also not while a vote request addressed to it is in flight.
  Random timeouts make it overwhelmingly likely that the first member to time out reaches
  the others before their timers fire; the model grants it every time.

Checked: ``one_leader_per_term`` (always: no two live members lead the same term) and
``elects_a_leader`` (eventually some member leads, under weak fairness on each channel's
deliveries, each member's runtime signals and each member's timer).

What the checker finds (3 members):

- randomized, no faults: 73 states; both hold.
- ``-p timeouts=identical``: 4,526 states; safety holds, and ``elects_a_leader`` is violated
  by a lasso of split votes (3 steps to a loop of 30 steps): round after round, two members
  stand in the same term and refuse each other, and the third member's vote reaches its
  candidate only after a newer candidacy has made that candidate step down. The plainest
  loop takes 15 steps: all three stand in the same term, each refuses the other two (six
  requests, six refusals), and the state is the one the round began with.
- randomized, ``--partitions 1 --heals 1 --crashes 1``: 7,712 states; one leader per term
  holds; ``elects_a_leader`` is violated (4 steps to a loop of 2 steps) when a crash and a
  partition leave no majority anywhere: the two live members stand again and again.
- ``-p timeouts=identical --partitions 1 --heals 1``: 34,252 states; one leader per term
  still holds with members standing together on both sides of a partition.
- randomized, ``--crashes 1 --restarts 1 --partitions 1``: 10,122 states; one leader per
  term holds (and, with no heal, a three-way partition again leaves no majority). With
  ``-p durable_vote=false`` (10,044 states) it is violated in 9 steps: n2 votes n1 into
  office in term 1, crashes and restarts having forgotten its vote, the partition
  ``[n1] | [n2, n3]`` keeps n1's heartbeat from n3, n3 stands in term 1 too, and n2 votes
  for it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually, weak
from modelcheck.actors import BUDGETS, DEAD, Actor, ActorSystem, Out, World

FOLLOWER, CANDIDATE, LEADER = "follower", "candidate", "leader"
TERMED = ("request_vote", "vote", "heartbeat")
RESTARTS = BUDGETS.index("restarts")
NOBODY: frozenset[str] = frozenset()


class Member(NamedTuple):
    term: int  # the current term (relative: see the module docstring)
    voted_for: str  # whom this member voted for in its term ("" nobody yet)
    role: str  # follower, candidate or leader
    votes: frozenset[str]  # a candidate's votes, itself included
    leader: str  # the leader of its term it follows ("" none known)


class RaftMember(Actor[Member]):
    """One member: votes once per term, stands for election when its timer fires."""

    def __init__(self, majority: int, durable_vote: bool) -> None:
        self.majority = majority
        self.durable_vote = durable_vote

    def init(self, me: str, out: Out) -> Member:
        disk = out.durable  # after a restart: (term, vote) as ``durable`` kept them
        term, voted_for = disk if isinstance(disk, tuple) else (0, "")
        out.set_timer("election")
        return Member(term, voted_for, FOLLOWER, NOBODY, "")

    def durable(self, state: Member) -> Hashable:
        """The term and the vote are on disk (only the term, without ``durable_vote``)."""
        return (state.term, state.voted_for if self.durable_vote else "")

    def on_timeout(self, me: str, state: Member, timer: Hashable, out: Out) -> Member:
        if state.role == LEADER:
            return state
        term = state.term + 1
        out.broadcast(("request_vote", term))
        out.set_timer("election")
        return self._count(me, Member(term, me, CANDIDATE, frozenset((me,)), ""), out)

    def _count(self, me: str, state: Member, out: Out) -> Member:
        if len(state.votes) < self.majority:
            return state
        out.cancel_timer("election")
        out.broadcast(("heartbeat", state.term))
        return state._replace(role=LEADER, leader=me)

    def on_message(self, me: str, state: Member, sender: str, msg: Any, out: Out) -> Member:
        kind, term = msg[0], msg[1]
        if term > state.term:  # a newer term: follow it, with no vote cast yet
            if state.leader and state.leader != me:
                out.demonitor(state.leader)
            out.set_timer("election")
            state = Member(term, "", FOLLOWER, NOBODY, "")
        if kind == "request_vote":
            grant = term == state.term and state.voted_for in ("", sender)
            if grant:
                state = state._replace(voted_for=sender)
            out.send(sender, ("vote", state.term, grant))
            return state
        if kind == "vote":
            if state.role != CANDIDATE or term != state.term or not msg[2]:
                return state
            return self._count(me, state._replace(votes=state.votes | {sender}), out)
        # heartbeat: the leader of a term
        if term < state.term:
            return state
        if state.leader != sender:
            out.monitor(sender)
        out.cancel_timer("election")
        return Member(term, state.voted_for, FOLLOWER, NOBODY, sender)

    def on_down(self, me: str, state: Member, who: str, reason: str, out: Out) -> Member:
        if state.role == FOLLOWER and who == state.leader:
            out.set_timer("election")
            return state._replace(leader="")
        return state


def _channel(label: Any) -> Hashable:
    return (label[1], label[2])


def _node(label: Any) -> str:
    return str(label[1])


def _shift(msg: Any, base: int) -> Any:
    if type(msg) is tuple and msg[0] in TERMED:
        return (msg[0], max(msg[1] - base, -1), *msg[2:])
    return msg


class RaftElection(ActorSystem):
    """Raft's leader election: terms, one durable vote per term, a majority wins."""

    nodes = Param(3, help="number of members", min=2, max=5)
    timeouts = Param(
        "randomized",
        help="election timeouts",
        choices=("randomized", "identical"),
    )
    durable_vote = Param(True, help="the vote is on disk with the term")
    max_term = Param(1, help="how far a member's term may run ahead of the lowest", min=1)
    fairness = (
        weak("deliver", per=_channel),
        weak("signal", per=_node),
        weak("timeout", per=_node),
    )

    def actors(self) -> dict[str, Actor[Any]]:
        majority = self.nodes // 2 + 1
        return {f"n{i + 1}": RaftMember(majority, self.durable_vote) for i in range(self.nodes)}

    def symmetric(self) -> tuple[str, ...]:
        """The members are interchangeable (``--symmetry``): names are only compared and
        sent to."""
        return tuple(self.actors())

    def timer_enabled(self, w: World, node: str, timer: Hashable) -> bool:
        """Whether ``node``'s election timer may fire now: the timing assumptions ``timeouts``
        names, and the bound ``max_term``."""
        if self.state_of(w, node).term >= self.max_term:
            return False
        for src, dst, msg in self.in_flight(w):
            if src == node:
                return False  # its own request, vote or heartbeat is still on its way
            request = type(msg) is tuple and msg[0] == "request_vote"
            if dst == node and (self.timeouts == "randomized" or not request):
                return False  # a vote or heartbeat for it (or, randomized, any message)
        return True

    def actions(self, w: World) -> list[tuple[Any, World]]:
        """The actor system's steps, less the timeouts ``timer_enabled`` rules out, each
        successor with its terms made relative."""
        return [
            (label, self._relative(nxt))
            for label, nxt in super().actions(w)
            if label[0] != "timeout" or self.timer_enabled(w, label[1], label[2])
        ]

    def _relative(self, w: World) -> World:
        """``w`` with every term shifted so that the lowest term that matters is 0.

        The terms that matter are the live members' and, while a restart is still possible,
        the dead members' terms on disk. A message from an older term is stale whatever its
        age: it is shifted to -1. The framework's copy of a live member's disk (kept from
        its last crash, read only at a restart) is stale too and is dropped, as is the disk
        of a member that can no longer restart.
        """
        can_restart = w.used[RESTARTS] < self.restarts
        disks = tuple((i, disk) for i, disk in w.durable if can_restart and w.states[i] is DEAD)
        base = min([s.term for s in w.states if s is not DEAD] + [t for _, (t, _) in disks])
        if base == 0 and disks == w.durable:
            return w
        return w._replace(
            states=tuple(s if s is DEAD else s._replace(term=s.term - base) for s in w.states),
            chans=tuple((k, tuple(_shift(m, base) for m in chan)) for k, chan in w.chans),
            durable=tuple((i, (t - base, vote)) for i, (t, vote) in disks),
        )

    @always
    def one_leader_per_term(self, w: World) -> bool:
        """No two live members are leaders of the same term."""
        terms = [s.term for s in self.live_states(w).values() if s.role == LEADER]
        return len(terms) == len(set(terms))

    @eventually
    def elects_a_leader(self, w: World) -> bool:
        """Some member becomes leader."""
        return any(s.role == LEADER for s in self.live_states(w).values())
