"""A lock server (mypyvy's ``lockserv``): clients ask a server for one lock by messages.

A client sends a lock request; the server, while it holds the lock, grants it to one
requester; the client then holds the lock until it unlocks, and the unlock message gives
the lock back to the server. Mutual exclusion (``mutex``) is not inductive on its own: the
other invariants say that the lock is in exactly one place (at the server, in one grant
message, at one client, or in one unlock message). Together they are, for any number of
clients: ``modelcheck prove inductive models/symbolic/lock_server.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import z3

from modelcheck.symbolic import Formula, State, System, Term, action, forall, invariant, safety


class LockServer(System):
    """One lock, a server and any number of clients exchanging messages."""

    inductive: ClassVar[tuple[str, ...]] = (
        "mutex",
        "one_grant",
        "one_unlock",
        "holder_not_granted",
        "holder_not_unlocking",
        "grant_not_unlock",
        "server_not_granted",
        "server_not_held",
        "server_not_unlocking",
    )

    def setup(self) -> None:
        self.node = self.sort("node")
        self.lock_msg = self.relation("lock_msg", self.node)
        self.grant_msg = self.relation("grant_msg", self.node)
        self.unlock_msg = self.relation("unlock_msg", self.node)
        self.holds_lock = self.relation("holds_lock", self.node)
        self.server_holds_lock = self.constant("server_holds_lock", self.BOOL)

    def init(self, s: State) -> Formula:
        nobody = forall(
            self.node,
            lambda n: z3.Not(
                z3.Or(s.lock_msg(n), s.grant_msg(n), s.unlock_msg(n), s.holds_lock(n))
            ),
        )
        return z3.And(nobody, s.server_holds_lock)

    @action("node", modifies="lock_msg")
    def send_lock(self, s: State, t: State, n: Term) -> Formula:
        """A client asks for the lock."""
        return t.lock_msg.becomes(lambda m: z3.Or(s.lock_msg(m), m == n))

    @action("node", modifies=("lock_msg", "server_holds_lock", "grant_msg"))
    def recv_lock(self, s: State, t: State, n: Term) -> Formula:
        """The server, holding the lock, grants it to a client that asked."""
        return z3.And(
            s.server_holds_lock,
            s.lock_msg(n),
            z3.Not(t.server_holds_lock),
            t.lock_msg.becomes(lambda m: z3.And(s.lock_msg(m), m != n)),
            t.grant_msg.becomes(lambda m: z3.Or(s.grant_msg(m), m == n)),
        )

    @action("node", modifies=("grant_msg", "holds_lock"))
    def recv_grant(self, s: State, t: State, n: Term) -> Formula:
        """A client receives the grant and holds the lock."""
        return z3.And(
            s.grant_msg(n),
            t.grant_msg.becomes(lambda m: z3.And(s.grant_msg(m), m != n)),
            t.holds_lock.becomes(lambda m: z3.Or(s.holds_lock(m), m == n)),
        )

    @action("node", modifies=("holds_lock", "unlock_msg"))
    def unlock(self, s: State, t: State, n: Term) -> Formula:
        """The holder lets go and tells the server."""
        return z3.And(
            s.holds_lock(n),
            t.holds_lock.becomes(lambda m: z3.And(s.holds_lock(m), m != n)),
            t.unlock_msg.becomes(lambda m: z3.Or(s.unlock_msg(m), m == n)),
        )

    @action("node", modifies=("unlock_msg", "server_holds_lock"))
    def recv_unlock(self, s: State, t: State, n: Term) -> Formula:
        """The server gets the lock back."""
        return z3.And(
            s.unlock_msg(n),
            t.unlock_msg.becomes(lambda m: z3.And(s.unlock_msg(m), m != n)),
            t.server_holds_lock,
        )

    def _at_most_one(self, rel: Callable[..., Formula]) -> Formula:
        return forall(
            [self.node, self.node], lambda a, b: z3.Implies(z3.And(rel(a), rel(b)), a == b)
        )

    def _never_both(self, p: Callable[..., Formula], q: Callable[..., Formula]) -> Formula:
        return forall([self.node, self.node], lambda a, b: z3.Not(z3.And(p(a), q(b))))

    @safety
    def mutex(self, s: State) -> Formula:
        """At most one client holds the lock."""
        return self._at_most_one(s.holds_lock)

    @invariant
    def one_grant(self, s: State) -> Formula:
        """At most one grant message is in flight."""
        return self._at_most_one(s.grant_msg)

    @invariant
    def one_unlock(self, s: State) -> Formula:
        """At most one unlock message is in flight."""
        return self._at_most_one(s.unlock_msg)

    @invariant
    def holder_not_granted(self, s: State) -> Formula:
        """No grant is in flight while a client holds the lock."""
        return self._never_both(s.holds_lock, s.grant_msg)

    @invariant
    def holder_not_unlocking(self, s: State) -> Formula:
        """No unlock is in flight while a client holds the lock."""
        return self._never_both(s.holds_lock, s.unlock_msg)

    @invariant
    def grant_not_unlock(self, s: State) -> Formula:
        """A grant and an unlock are never in flight together."""
        return self._never_both(s.grant_msg, s.unlock_msg)

    @invariant
    def server_not_granted(self, s: State) -> Formula:
        """The server does not hold the lock while a grant is in flight."""
        return forall(self.node, lambda n: z3.Not(z3.And(s.grant_msg(n), s.server_holds_lock)))

    @invariant
    def server_not_held(self, s: State) -> Formula:
        """The server does not hold the lock while a client does."""
        return forall(self.node, lambda n: z3.Not(z3.And(s.holds_lock(n), s.server_holds_lock)))

    @invariant
    def server_not_unlocking(self, s: State) -> Formula:
        """The server does not hold the lock while an unlock is in flight."""
        return forall(self.node, lambda n: z3.Not(z3.And(s.unlock_msg(n), s.server_holds_lock)))
