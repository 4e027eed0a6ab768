"""Random small actor systems for the partial-order reduction tests.

Every node counts what it receives and remembers the last value; on a message it may
forward another one, depending on its count (so the order of arrivals matters; each message
carries a hop budget), and timers set at start, or once on some message, fire at any time
and send too. A node may have a timer that sets itself again and counts round mod 3: the
only way a run goes on forever (cycles). Some messages leave the receiver's state as it
was. Who sends to whom follows a random topology, which the system declares; each
property reads the states of a random set of nodes and declares that set. In a
``cluster()`` system a node hosts one or two processes, which address each other by pid:
on their own node, or on one their node talks to; a property reads some of the processes
of the nodes it declares. With ``by_name``, a node may boot one of its processes registered
as ``svc`` and its other one as ``aux``, and processes send by name too (``("svc", node)``,
``("aux", node)``: to another node, resolved as
the message arrives, or to their own); now and then one sends to a name nobody holds, or
registers ``late`` when its timer ``t0`` fires (both stop the reduction).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from modelcheck import Property
from modelcheck.actors import DEAD, Actor, ActorSystem, Boot, Out, Pid, World

NAMES = ("a", "b", "c", "d")
Counter = tuple[int, int, bool]  # (messages counted, capped at 3; last value; timer armed)


@dataclass(frozen=True)
class NodeSpec:
    """What one node does: everything is a function of its state and what it is given."""

    init_sends: tuple[tuple[Any, int, int], ...]  # (to: a node's name or a pid, value, hops)
    init_timers: tuple[str, ...]
    forward: tuple[tuple[Any, ...], ...]  # per value 0..2: whom to forward to
    keep: frozenset[int]  # values that leave the state as it was
    timer_on: int | None  # a value that sets timer "t1" when it first arrives
    timer_sends: tuple[tuple[Any, int], ...]  # what a timer sends: (to, value), 1 hop
    ticks: bool  # timer "tick", set at start, sets itself again (and sends nothing)
    subscribes: bool = False  # hears nodedown and nodeup (out.monitor_nodes)
    monitors: tuple[str, ...] = ()  # nodes whose process it monitors from the start
    registers: bool = False  # registers ("late", itself) when its timer t0 fires (out.register)
    by_last: bool = False  # whether it forwards depends on its last value too


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
        if self.spec.subscribes:
            out.monitor_nodes()
        for node in self.spec.monitors:
            out.monitor(node)
        return (0, 0, False)

    def _heard(self, state: Counter, out: Out, value: int) -> Counter:
        """A runtime signal: the last value moves on, and a timer that sends may be set."""
        if self.spec.timer_sends and not state[2]:
            out.set_timer("t1")
        return (state[0], (state[1] + value) % 3, state[2] or bool(self.spec.timer_sends))

    def on_nodedown(self, me: str, state: Counter, node: str, out: Out) -> Counter:
        return self._heard(state, out, 1)

    def on_nodeup(self, me: str, state: Counter, node: str, out: Out) -> Counter:
        return self._heard(state, out, 2)

    def on_down(self, me: str, state: Counter, who: Any, reason: Any, out: Out) -> Counter:
        return self._heard(state, out, 1)

    def on_message(self, me: str, state: Counter, sender: str, msg: Any, out: Out) -> Counter:
        value, hops = msg
        count, last, armed = state
        if hops > 0 and (count + value + (last if self.spec.by_last else 0)) % 2 == 0:
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
        if timer == "t0" and self.spec.registers:
            out.register(("late", me))  # (t0 is set once an incarnation)
        for to, value in self.spec.timer_sends:
            out.send(to, (value, 1))
        return (state[0], (state[1] + 1) % 3, state[2])


@dataclass(frozen=True)
class PropSpec:
    kind: str  # "always" or "sometimes"
    reads: tuple[str, ...]
    template: int
    target: int
    declared: bool = True  # declares its reads (else the reduction finds them)
    serials: tuple[int, ...] = ()  # in a cluster: which process of each node it reads


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
            Property(
                f"p{k}",
                p.kind,  # type: ignore[arg-type]
                self._predicate(p),
                reads=p.reads if p.declared else None,
            )
            for k, p in enumerate(self.props)
        ]

    def _predicate(self, p: PropSpec) -> Any:
        def judge(w: World) -> bool:
            # A node that is down (under faults) counts as one that has heard nothing.
            # States are read only as needed, so what a property reads depends on the state.
            def of(name: str) -> Counter:
                if p.serials:  # a cluster: the process it reads on that node
                    slots = self.boot_slots[self.node_index[name]]
                    state = w.states[slots[p.serials[p.reads.index(name)] % len(slots)]]
                    return (0, 0, False) if state is DEAD else state
                return self.state_of(w, name) or (0, 0, False)

            if p.template == 0:  # how many messages the nodes counted in all
                return bool(sum(of(name)[0] for name in p.reads) != p.target)
            if p.template == 1:  # every node's last value is the target
                return not all(of(name)[1] == p.target for name in p.reads)
            if p.template == 2:  # one counted twice, and the other's last value is the target
                return not (of(p.reads[0])[0] >= 2 and of(p.reads[-1])[1] == p.target)
            if p.template == 4:  # (reads found only) nothing in flight, the first has heard
                return not (not w.chans and of(p.reads[0])[0] >= 1)
            # every node has heard something, last of all the target
            return not all(of(name)[0] >= 1 and of(name)[1] == p.target for name in p.reads)

        if p.kind == "always":
            return judge
        return lambda w: not judge(w)


class ClusterSystem(RandomSystem):
    """A random system whose nodes host ``per_node`` processes each (``cluster()``)."""

    per_node: tuple[int, ...] = ()
    svc: tuple[tuple[str | None, ...], ...] = ()  # per node: the names its processes boot with

    def cluster(self) -> dict[str, tuple[Actor[Any] | Boot, ...]]:
        found: dict[str, tuple[Actor[Any] | Boot, ...]] = {}
        first = 0
        for i, count in enumerate(self.per_node):
            held = self.svc[i] if self.svc else (None,) * count
            found[NAMES[i]] = tuple(
                Boot(Node(spec), name=held[k])
                for k, spec in enumerate(self.specs[first : first + count])
            )
            first += count
        return found


def make(
    specs: tuple[NodeSpec, ...],
    edges: dict[str, tuple[str, ...]],
    props: tuple[PropSpec, ...],
    per_node: tuple[int, ...] = (),
    svc: tuple[tuple[str | None, ...], ...] = (),
    **params: Any,
) -> RandomSystem:
    attrs = {"specs": specs, "edges": edges, "props": props, "per_node": per_node}
    if svc:
        attrs["svc"] = svc
    base = ClusterSystem if per_node else RandomSystem
    cls = type(base.__name__, (base,), attrs)
    return cls(**params)  # type: ignore[no-any-return]


#: The fault budgets a random system may have (each 0 or 1).
FAULTS = ("crashes", "restarts", "partitions", "cuts", "heals", "mends", "drops", "duplicates")


@st.composite
def systems(
    draw: st.DrawFn,
    tick_one_in: int = 5,
    edge_one_in: int = 2,
    faults: bool = False,
    found: bool = False,
    cluster: bool = False,
    by_name: bool = False,
) -> RandomSystem:
    """A random system of 2 to 4 nodes with 1 to 3 properties, fifo or unordered; about one
    node in ``tick_one_in`` has the timer that sets itself again (cycles), and one ordered
    pair of nodes in ``edge_one_in`` may talk. With ``faults``: fault budgets (0 or 1 each,
    and ``kills``), and nodes that subscribe to nodedown/nodeup or monitor others. With
    ``found``: some properties do not declare what they read. With ``cluster``: 2 or 3
    nodes of one or two processes each, which send to each other by pid (on their own
    node too, where it lists itself). With ``by_name`` (a cluster): by name too, see above."""
    n = draw(st.integers(min_value=2, max_value=3 if cluster else 4))
    names = NAMES[:n]
    edges = {  # in a cluster, a node that lists itself: its processes talk to each other
        a: tuple(
            b for b in names if (b != a or cluster) and draw(st.integers(0, edge_one_in - 1)) == 0
        )
        for a in names
    }
    per_node = tuple(draw(st.integers(1, 2)) for _ in names) if cluster else ()
    svc: tuple[tuple[str | None, ...], ...] = ()
    if cluster and by_name:  # which process of each node holds "svc", which "aux" (or none)
        svc = tuple(
            tuple(draw(st.sampled_from(["svc", "aux", None])) for _ in range(count))
            for count in per_node
        )
        svc = tuple(  # (one process a name)
            tuple(name if name not in held[:k] else None for k, name in enumerate(held))
            for held in svc
        )
    processes = (
        [(a, serial) for a, count in zip(names, per_node, strict=True) for serial in range(count)]
        if cluster
        else [(a, 0) for a in names]
    )
    specs = []
    for a, serial in processes:
        out: tuple[Any, ...] = edges[a]
        if cluster:  # by pid, to the processes of its node's peers and of its own node
            peers = out
            out = tuple(Pid(b, k) for b, k in processes if b in peers and (b, k) != (a, serial))
        targets = st.sampled_from(out) if out else st.nothing()
        if cluster and by_name:  # and by name (about half the sends), to names held
            by_names: tuple[Any, ...] = tuple(
                (name, b) for b in peers for name in svc[names.index(b)] if name is not None
            )
            if peers and not draw(st.integers(0, 29)):  # (now and then to "nobody")
                by_names += (("nobody", draw(st.sampled_from(peers))),)
            if by_names:
                out += by_names
                targets = st.sampled_from(by_names) | targets
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
                subscribes=faults and draw(st.booleans()),
                monitors=tuple(
                    draw(st.lists(st.sampled_from([b for b in names if b != a]), max_size=1))
                )
                if faults
                else (),
                registers=by_name  # (a process holds one name at most)
                and svc[names.index(a)][serial] is None
                and not draw(st.integers(0, 29)),
                by_last=by_name and draw(st.booleans()),
            )
        )
    props = []
    for _ in range(draw(st.integers(1, 3))):
        declared = not found or draw(st.booleans())
        props.append(
            PropSpec(
                kind=draw(st.sampled_from(["always", "sometimes"])),
                reads=tuple(
                    draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
                ),
                template=draw(st.integers(0, 3 if declared else 4)),
                target=draw(st.integers(0, 3)),
                declared=declared,
            )
        )
        if cluster:
            reads = props[-1].reads
            serials = tuple(draw(st.integers(0, 1)) for _ in reads)
            props[-1] = PropSpec(**{**props[-1].__dict__, "serials": serials})
    params: dict[str, Any] = {"network": draw(st.sampled_from(["fifo", "unordered"]))}
    if faults:
        for budget in (*FAULTS, "kills"):
            params[budget] = draw(st.integers(0, 1))
    return make(tuple(specs), edges, tuple(props), per_node, svc, **params)
