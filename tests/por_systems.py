"""Random small actor systems for the partial-order reduction tests.

Every node counts what it receives and remembers the last value; on a message it may
forward another one, depending on its count (so the order of arrivals matters; each message
carries a hop budget), and timers set at start, or once on some message, fire at any time
and send too. A node may have a timer that sets itself again and counts round mod 3: the
only way a run goes on forever (cycles). Some messages leave the receiver's state as it
was. Who sends to whom follows a random topology, which the system declares; each
property reads the states of a random set of nodes and declares that set.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from modelcheck import Property
from modelcheck.actors import Actor, ActorSystem, Out, World

NAMES = ("a", "b", "c", "d")
Counter = tuple[int, int, bool]  # (messages counted, capped at 3; last value; timer armed)


@dataclass(frozen=True)
class NodeSpec:
    """What one node does: everything is a function of its state and what it is given."""

    init_sends: tuple[tuple[str, int, int], ...]  # (to, value, hops)
    init_timers: tuple[str, ...]
    forward: tuple[tuple[str, ...], ...]  # per value 0..2: whom to forward to
    keep: frozenset[int]  # values that leave the state as it was
    timer_on: int | None  # a value that sets timer "t1" when it first arrives
    timer_sends: tuple[tuple[str, int], ...]  # what a timer sends: (to, value), 1 hop
    ticks: bool  # timer "tick", set at start, sets itself again (and sends nothing)


class Node(Actor[Counter]):
    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec

    def init(self, me: str, out: Out) -> Counter:
        for to, value, hops in self.spec.init_sends:
            out.send(to, (value, hops))
        for timer in self.spec.init_timers:
            out.set_timer(timer)
        if self.spec.ticks:
            out.set_timer("tick")
        return (0, 0, False)

    def on_message(self, me: str, state: Counter, sender: str, msg: Any, out: Out) -> Counter:
        value, hops = msg
        count, last, armed = state
        if hops > 0 and (count + value) % 2 == 0:
            for to in self.spec.forward[value]:
                out.send(to, ((value + count + 1) % 3, hops - 1))
        if value == self.spec.timer_on and not armed:
            out.set_timer("t1")
            armed = True
        if value in self.spec.keep:
            return (count, last, armed)
        return (min(count + 1, 3), value, armed)

    def on_timeout(self, me: str, state: Counter, timer: Hashable, out: Out) -> Counter:
        if timer == "tick":
            out.set_timer("tick")
            return (state[0], (state[1] + 1) % 3, state[2])
        for to, value in self.spec.timer_sends:
            out.send(to, (value, 1))
        return (state[0], (state[1] + 1) % 3, state[2])


@dataclass(frozen=True)
class PropSpec:
    kind: str  # "always" or "sometimes"
    reads: tuple[str, ...]
    template: int
    target: int


class RandomSystem(ActorSystem):
    """An actor system built from random specs (set as class attributes by ``make``)."""

    specs: tuple[NodeSpec, ...] = ()
    edges: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - replaced, never mutated
    props: tuple[PropSpec, ...] = ()

    def actors(self) -> dict[str, Actor[Any]]:
        return {NAMES[i]: Node(spec) for i, spec in enumerate(self.specs)}

    def talks_to(self) -> dict[str, tuple[str, ...]]:
        return self.edges

    def properties(self) -> list[Property]:
        return [
            Property(f"p{k}", p.kind, self._predicate(p), reads=p.reads)  # type: ignore[arg-type]
            for k, p in enumerate(self.props)
        ]

    def _predicate(self, p: PropSpec) -> Any:
        def judge(w: World) -> bool:
            # A node that is down (under faults) counts as one that has heard nothing.
            states = [self.state_of(w, name) or (0, 0, False) for name in p.reads]
            if p.template == 0:  # how many messages the nodes counted in all
                return bool(sum(s[0] for s in states) != p.target)
            if p.template == 1:  # every node's last value is the target
                return not all(s[1] == p.target for s in states)
            if p.template == 2:  # one counted twice, and the other's last value is the target
                first, last = states[0], states[-1]
                return not (first[0] >= 2 and last[1] == p.target)
            # every node has heard something, last of all the target
            return not all(s[0] >= 1 and s[1] == p.target for s in states)

        if p.kind == "always":
            return judge
        return lambda w: not judge(w)


def make(
    specs: tuple[NodeSpec, ...],
    edges: dict[str, tuple[str, ...]],
    props: tuple[PropSpec, ...],
    **params: Any,
) -> RandomSystem:
    cls = type("RandomSystem", (RandomSystem,), {"specs": specs, "edges": edges, "props": props})
    return cls(**params)  # type: ignore[no-any-return]


@st.composite
def systems(draw: st.DrawFn, tick_one_in: int = 5, edge_one_in: int = 2) -> RandomSystem:
    """A random system of 2 to 4 nodes with 1 to 3 properties, fifo or unordered; about one
    node in ``tick_one_in`` has the timer that sets itself again (cycles), and one ordered
    pair of nodes in ``edge_one_in`` may talk."""
    n = draw(st.integers(min_value=2, max_value=4))
    names = NAMES[:n]
    edges = {
        a: tuple(b for b in names if b != a and draw(st.integers(0, edge_one_in - 1)) == 0)
        for a in names
    }
    specs = []
    for a in names:
        out = edges[a]
        targets = st.sampled_from(out) if out else st.nothing()
        sends = (
            draw(st.lists(st.tuples(targets, st.integers(0, 2), st.integers(0, 1)), max_size=2))
            if out
            else []
        )
        forward = tuple(
            tuple(draw(st.lists(targets, max_size=2, unique=True))) if out else () for _ in range(3)
        )
        timer_sends = (
            draw(st.lists(st.tuples(targets, st.integers(0, 2)), max_size=1)) if out else []
        )
        specs.append(
            NodeSpec(
                init_sends=tuple(sends),
                init_timers=tuple(draw(st.lists(st.sampled_from(["t0", "t1"]), max_size=2))),
                forward=forward,
                keep=frozenset(draw(st.sets(st.integers(0, 2), max_size=2))),
                timer_on=draw(st.none() | st.integers(0, 2)),
                timer_sends=tuple(timer_sends),
                ticks=draw(st.integers(0, tick_one_in - 1)) == 0,
            )
        )
    props = tuple(
        PropSpec(
            kind=draw(st.sampled_from(["always", "sometimes"])),
            reads=tuple(
                draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
            ),
            template=draw(st.integers(0, 3)),
            target=draw(st.integers(0, 3)),
        )
        for _ in range(draw(st.integers(1, 3)))
    )
    network = draw(st.sampled_from(["fifo", "unordered"]))
    return make(tuple(specs), edges, props, network=network)
