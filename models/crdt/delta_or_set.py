"""A delta OR-set written as actors: each operation ships only its delta to the peer.

Written from the README alone, as a new user would, without the library's ``Replica``: two
replicas, ``a`` and ``b``, each run a script, one operation per timer, and send the
operation's delta to the other. An add tags the element with a dot ``(replica, n)``; a
remove tombstones the dots of the element its replica holds, and ships those dots, so it
removes only the adds it has seen (add wins over a concurrent remove). ``a`` adds ``x``;
``b`` adds ``x``, then removes it. ``DeltaRemoveByElement`` ships the element instead, and
the receiver removes every ``x`` it holds, the adds it never saw included.

- ``converged_when_quiet`` (always, traced: it reads the messages in flight and the
  timers): with nothing in flight and no timer set, both replicas hold the same set.
- ``concurrent_add_survives`` (sometimes, ``reads=("b",)``): ``b`` has removed ``x`` and
  holds ``x`` again, because ``a``'s add, which the remove had not seen, came after it.
- ``both_hold_x`` (sometimes): both are done and hold ``x``.

What the checker finds: ``DeltaORSet`` converges, 21 states; still with ``--duplicates 1``
(89: a delta is a join, and a join is idempotent) and with ``--network unordered`` (25);
with ``--drops 1`` it ends apart in 6 steps (46: a lost delta is never sent again).
``DeltaRemoveByElement`` ends apart in 6 steps without any fault (23 states): ``b``'s
remove reaches ``a`` and takes ``a``'s own add, which ``b`` still holds.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import always, sometimes
from modelcheck.actors import Actor, ActorSystem, Out, World

__all__ = ["DeltaORSet", "DeltaRemoveByElement", "ORSetState", "Replica"]

Dot = tuple[str, int]  # (replica, n): the unique tag of one add
Script = tuple[tuple[str, str], ...]  # ("add" | "remove", element), in order


class ORSetState(NamedTuple):
    """A replica: its tagged adds, the dots removed, its add counter, its script left."""

    adds: frozenset[tuple[str, Dot]]
    removed: frozenset[Dot]
    counter: int
    todo: Script

    def value(self) -> frozenset[str]:
        """The elements with an add not removed."""
        return frozenset(e for e, dot in self.adds if dot not in self.removed)


class Replica(Actor[ORSetState]):
    """Runs its script, one operation per timer, and sends each delta to its peer."""

    def __init__(self, peer: str, script: Script, by_element: bool) -> None:
        self.peer, self.script, self.by_element = peer, script, by_element

    def init(self, me: Any, out: Out) -> ORSetState:
        if self.script:
            out.set_timer("op")
        return ORSetState(frozenset(), frozenset(), 0, self.script)

    def on_timeout(self, me: Any, state: ORSetState, timer: Any, out: Out) -> ORSetState:
        (op, elem), rest = state.todo[0], state.todo[1:]
        if op == "add":
            added = frozenset({(elem, (me, state.counter + 1))})
            out.send(self.peer, (added, frozenset()))
            new = state._replace(adds=state.adds | added, counter=state.counter + 1)
        else:
            seen = frozenset(dot for e, dot in state.adds if e == elem)
            out.send(self.peer, (frozenset(), elem if self.by_element else seen))
            new = state._replace(removed=state.removed | seen)
        if rest:
            out.set_timer("op")
        return new._replace(todo=rest)

    def on_message(self, me: Any, state: ORSetState, sender: Any, msg: Any, out: Out) -> ORSetState:
        adds, removed = msg
        if isinstance(removed, str):  # an element: every dot of it held here
            removed = frozenset(dot for e, dot in state.adds if e == removed)
        return state._replace(adds=state.adds | adds, removed=state.removed | removed)


class DeltaORSet(ActorSystem):
    """a adds x; b adds x, then removes the x it has seen; each ships its delta."""

    by_element = False

    def actors(self) -> dict[str, Actor[Any]]:
        return {
            "a": Replica("b", (("add", "x"),), self.by_element),
            "b": Replica("a", (("add", "x"), ("remove", "x")), self.by_element),
        }

    @always
    def converged_when_quiet(self, w: World) -> bool:
        """With nothing in flight and no timer set, both replicas hold the same set."""
        if self.in_flight(w) or any(timers for _, timers in w.timers):
            return True
        a, b = self.state_of(w, "a"), self.state_of(w, "b")
        return a is None or b is None or a.value() == b.value()

    @sometimes(reads=("b",))
    def concurrent_add_survives(self, w: World) -> bool:
        """b has removed x and holds x: a's add, which the remove had not seen, won."""
        b = self.state_of(w, "b")
        return b is not None and not b.todo and "x" in b.value()

    @sometimes
    def both_hold_x(self, w: World) -> bool:
        """Both replicas are done and hold x."""
        a, b = self.state_of(w, "a"), self.state_of(w, "b")
        return bool(a and b and not a.todo and not b.todo and "x" in a.value() & b.value())


class DeltaRemoveByElement(DeltaORSet):
    """The remove ships the element, and the receiver removes every x it holds."""

    by_element = True
