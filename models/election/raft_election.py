"""Raft-style leader election, as in rabbitmq/ra: terms, one vote per term, a majority.

(docstring to be written)
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Param, always, eventually, weak
from modelcheck.actors import DEAD, Actor, ActorSystem, Out, World

FOLLOWER, CANDIDATE, LEADER = "follower", "candidate", "leader"
TERMED = ("request_vote", "vote", "heartbeat")


def rank(node: str) -> int:
    """A node's id: ``n3`` is 3."""
    return int(node[1:])


class Member(NamedTuple):
    term: int  # the current term (relative: see the module docstring)
    voted_for: str  # whom this member voted for in its term ("" nobody yet)
    role: str  # follower, candidate or leader
    votes: tuple[str, ...]  # a candidate's votes, itself included, in id order
    leader: str  # the leader of its term it follows ("" none known)


class RaftMember(Actor[Member]):
    """One member: votes once per term, stands for election when its timer fires."""

    def __init__(self, majority: int, durable_vote: bool) -> None:
        self.majority = majority
        self.durable_vote = durable_vote

    def init(self, me: str, out: Out) -> Member:
        term, voted_for = out.durable if out.durable is not None else (0, "")  # type: ignore[misc]
        out.set_timer("election")
        return Member(term, voted_for, FOLLOWER, (), "")

    def durable(self, state: Member) -> Hashable:
        """The term and the vote are on disk (only the term, without ``durable_vote``)."""
        return (state.term, state.voted_for if self.durable_vote else "")

    def on_timeout(self, me: str, state: Member, timer: Hashable, out: Out) -> Member:
        if state.role == LEADER:
            return state
        if state.leader:
            out.demonitor(state.leader)
        term = state.term + 1
        out.broadcast(("request_vote", term))
        out.set_timer("election")
        return self._count(me, Member(term, me, CANDIDATE, (me,), ""), out)

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
            state = Member(term, "", FOLLOWER, (), "")
        if kind == "request_vote":
            grant = term == state.term and state.voted_for in ("", sender)
            if grant:
                state = state._replace(voted_for=sender)
            out.send(sender, ("vote", state.term, grant))
            return state
        if kind == "vote":
            if state.role != CANDIDATE or term != state.term or not msg[2]:
                return state
            votes = tuple(sorted({*state.votes, sender}, key=rank))
            return self._count(me, state._replace(votes=votes), out)
        # heartbeat: the leader of a term
        if term < state.term:
            return state
        if state.leader != sender:
            out.monitor(sender)
        out.cancel_timer("election")
        return Member(term, state.voted_for, FOLLOWER, (), sender)

    def on_down(self, me: str, state: Member, who: str, reason: str, out: Out) -> Member:
        if state.role == FOLLOWER and who == state.leader:
            out.set_timer("election")
            return state._replace(leader="")
        return state


def _channel(label: Any) -> Hashable:
    return (label[1], label[2])


def _node(label: Any) -> Hashable:
    return label[1]


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
        choices=("randomized", "identical", "any"),
    )
    durable_vote = Param(True, help="the vote is on disk with the term")
    max_term = Param(2, help="how far a member's term may run ahead of the lowest", min=1)
    fairness = (
        weak("deliver", per=_channel),
        weak("signal", per=_node),
        weak("timeout", per=_node),
    )

    def actors(self) -> dict[str, Actor[Any]]:
        majority = self.nodes // 2 + 1
        return {f"n{i + 1}": RaftMember(majority, self.durable_vote) for i in range(self.nodes)}

    def actions(self, w: World) -> list[tuple[Any, World]]:
        blocked = self._blocked(w)
        return [
            (label, self._relative(nxt))
            for label, nxt in super().actions(w)
            if label[0] != "timeout" or label[1] not in blocked
        ]

    def _blocked(self, w: World) -> set[str]:
        blocked = {n for n, s in self.live_states(w).items() if s.term >= self.max_term}
        if self.timeouts == "any":
            return blocked
        for src, dst, msg in self.in_flight(w):
            blocked.add(src)
            if self.timeouts == "randomized" or (type(msg) is tuple and msg[0] != "request_vote"):
                blocked.add(dst)
        return blocked

    def _relative(self, w: World) -> World:
        durable = dict(w.durable)
        base = min(
            durable[i][0] if s is DEAD else s.term for i, s in enumerate(w.states)
        )
        if base == 0:
            return w
        return w._replace(
            states=tuple(s if s is DEAD else s._replace(term=s.term - base) for s in w.states),
            chans=tuple((k, tuple(_shift(m, base) for m in chan)) for k, chan in w.chans),
            durable=tuple((i, (t - base, v)) for i, (t, v) in w.durable),
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
