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

:func:`rich_cluster` draws richer ``cluster()`` systems (processes that talk on their own
node, timers cancelled, monitors set on a message, links, durable counts, properties that
read a world field), uniformly from a seed, for ``tests/test_por_random.py``.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from modelcheck import Property
from modelcheck.actors import DEAD, Actor, ActorSystem, Boot, Out, Pid, World
from modelcheck.actors.world import MASK, SHIFT

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
    monitors: tuple[Any, ...] = ()  # nodes (or pids) whose process it monitors from the start
    cancel_on: int | None = None  # a value that cancels its timer "t0" when it arrives
    monitor_on: tuple[int, Any] | None = None  # (value, whom it then monitors)
    link_on: tuple[int, Any] | None = None  # (value, whom it then links to)
    durable: bool = False  # its count survives a crash, and a restart sends it on
    registers: bool = False  # registers ("late", itself) when its timer t0 fires (out.register)
    by_last: bool = False  # whether it forwards depends on its last value too


class Node(Actor[Counter]):
    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec

    def init(self, me: str, out: Out) -> Counter:
        count = int(out.durable) if self.spec.durable and out.durable is not None else 0  # type: ignore[call-overload]
        for to, value, hops in self.spec.init_sends:
            out.send(to, ((value + count) % 3, hops))
        for timer in self.spec.init_timers:
            out.set_timer(timer)
        if self.spec.ticks:
            out.set_timer("tick")
        if self.spec.subscribes:
            out.monitor_nodes()
        for node in self.spec.monitors:
            out.monitor(node)
        return (count, 0, False)

    def durable(self, state: Counter) -> Any:
        return state[0] if self.spec.durable else None

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
        if value == self.spec.cancel_on:
            out.cancel_timer("t0")
        if self.spec.monitor_on is not None and value == self.spec.monitor_on[0] and count < 3:
            out.monitor(self.spec.monitor_on[1])
        if self.spec.link_on is not None and value == self.spec.link_on[0]:
            out.link(self.spec.link_on[1])
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
                init_timers=tuple(
                    draw(st.lists(st.sampled_from(["t0", "t1"]), min_size=1, max_size=2))
                ),
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


# -- richer clusters: what a wrong reduction would show -------------------------------------


@dataclass(frozen=True)
class Look:
    """A property of a :class:`RichCluster`: it reads the processes ``procs`` (node, serial),
    and, found by tracing when it does not declare its reads, maybe a world field too."""

    kind: str  # "always" or "sometimes"
    procs: tuple[tuple[str, int], ...]
    template: int
    target: int
    declared: bool


#: Templates of :class:`Look` that read a world field a property with ``reads`` may not.
UNDECLARABLE = (4, 5, 7, 8)


class RichCluster(ActorSystem):
    """A ``cluster()`` system built from random specs (set as class attributes by
    :func:`rich_cluster`)."""

    specs: tuple[NodeSpec, ...] = ()
    per_node: tuple[int, ...] = ()
    edges: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - replaced, never mutated
    looks: tuple[Look, ...] = ()
    crash_scope: tuple[str, ...] | None = None
    given: dict[str, Any] = {}  # noqa: RUF012 - its parameters, for variants (never mutated)

    def looking(self, *looks: Look) -> RichCluster:
        """The same system with other properties."""
        variant = type("RichCluster", (type(self),), {"looks": looks})
        return variant(**self.given)  # type: ignore[no-any-return]

    def cluster(self) -> dict[str, tuple[Actor[Any], ...]]:
        found: dict[str, tuple[Actor[Any], ...]] = {}
        first = 0
        for i, count in enumerate(self.per_node):
            found[NAMES[i]] = tuple(Node(spec) for spec in self.specs[first : first + count])
            first += count
        return found

    def talks_to(self) -> dict[str, tuple[str, ...]]:
        return self.edges

    def crashable(self) -> tuple[str, ...] | None:
        return self.crash_scope

    def properties(self) -> list[Property]:
        return [
            Property(
                f"p{k}",
                look.kind,  # type: ignore[arg-type]
                self._predicate(look),
                reads=tuple(dict.fromkeys(node for node, _ in look.procs))
                if look.declared
                else None,
            )
            for k, look in enumerate(self.looks)
        ]

    def _predicate(self, look: Look) -> Any:
        slots = [self.boot_slots[self.node_index[node]][serial] for node, serial in look.procs]
        first, last = slots[0], slots[-1]
        down_bit = 1 << self.node_index[look.procs[0][0]]
        t = look.target

        def judge(w: World) -> bool:
            # States are read only as needed, so what a property reads depends on the state.
            def of(slot: int) -> Counter:
                state = w.states[slot]
                return (0, 0, False) if state is DEAD else state

            if look.template == 0:  # how many messages they counted in all
                return sum(of(s)[0] for s in slots) != t
            if look.template == 1:  # every one's last value is the target
                return not all(of(s)[1] == t for s in slots)
            if look.template == 2:  # one counted twice, the other's last value is the target
                return not (of(first)[0] >= 2 and of(last)[1] == t)
            if look.template == 3:  # every one heard something, last of all the target
                return not all(of(s)[0] >= 1 and of(s)[1] == t for s in slots)
            if look.template == 4:  # nothing in flight to the first, and it has heard
                return not (of(first)[0] >= 1 and all(k & MASK != first for k, _ in w.chans))
            if look.template == 5:  # the first's timer t0 is set while the last's value is t
                armed = any(slot == first and "t0" in set_ for slot, set_ in w.timers)
                return not (of(last)[1] == t % 3 and armed)
            if look.template == 6:  # the first's node is down, and the last has heard
                return not (w.down & down_bit and of(last)[0] >= 1)
            if look.template == 7:  # the first holds a monitor, and the last's value is t
                return not (of(last)[1] == t % 3 and any(m[0] == first for m in w.monitors))
            # a runtime signal waits for the first, and the last has counted t
            return not (of(last)[0] == t and any(k >> SHIFT == first for k, _ in w.sysq))

        if look.kind == "always":
            return judge
        return lambda w: not judge(w)


#: Fault budgets a rich cluster may have, a few at a time (the others 0).
FAULT_SETS: tuple[dict[str, int], ...] = (
    {},
    {},
    {},
    {},
    {},
    {"crashes": 1},
    {"crashes": 1, "restarts": 1},
    {"crashes": 1},
    {"crashes": 1, "restarts": 1},
    {"kills": 1},
    {"partitions": 1, "heals": 1},
    {"cuts": 1, "mends": 1},
    {"drops": 1},
    {"duplicates": 1},
)


#: At most this many processes in a rich cluster.
PROCESSES = 4


def rich_cluster(rnd: random.Random) -> RichCluster:
    """A random ``cluster()`` system: 2 or 3 nodes of 1 to 3 processes (4 at most), which
    send to each other by pid, on their own node too where it lists itself; timers set at
    start or on a message, cancelled by one, and one that sets itself again (cycles);
    monitors set at start and on a message, node subscriptions, now and then a link (the
    reduction then stops, and starts over); counts that survive a crash and that a restart
    sends on; a few fault budgets (crashes scoped to one node, or to all); fifo or
    unordered. 1 to 3 properties each read one or two processes: the first declares their
    nodes, the others may too, or read as the state asks (found by tracing), some a world
    field too (messages in flight, timers, monitors, signals waiting; or, declared or not,
    the nodes down).

    Drawn from ``rnd`` (uniformly: hypothesis, which starts from the simplest values and
    stays near them, drew the same few small systems over and over and caught no planted
    bug; see :func:`rich_clusters`)."""

    def one_in(n: int) -> bool:
        return rnd.randrange(n) == 0

    def some(items: Sequence[Any], size: int) -> tuple[Any, ...]:
        return tuple(rnd.sample(items, rnd.randint(0, min(size, len(items)))))

    names = NAMES[: rnd.randint(2, 3)]
    per_node = [rnd.randint(1, 3) for _ in names]
    while sum(per_node) > PROCESSES:
        per_node[per_node.index(max(per_node))] -= 1
    edges = {  # each node lists itself one time in two, and another one time in three
        a: tuple(b for b in names if one_in(2 if b == a else 3)) for a in names
    }
    processes = [(a, k) for a, count in zip(names, per_node, strict=True) for k in range(count)]
    specs = []
    for a, serial in processes:
        out = [Pid(b, k) for b, k in processes if b in edges[a] and (b, k) != (a, serial)]
        others = [Pid(b, k) for b, k in processes if (b, k) != (a, serial)]
        specs.append(
            NodeSpec(
                init_sends=tuple((to, rnd.randint(0, 2), rnd.randint(0, 1)) for to in some(out, 1)),
                init_timers=("t0", "t1") if one_in(4) else (rnd.choice(["t0", "t1"]),),
                forward=tuple(some(out, 1) for _ in range(3)),
                keep=frozenset(some(range(3), 2)),
                timer_on=rnd.randint(0, 2) if one_in(2) else None,
                timer_sends=tuple((to, rnd.randint(0, 2)) for to in some(out, 1)),
                ticks=one_in(3),
                subscribes=one_in(10),
                monitors=(rnd.choice(others),) if one_in(4) else (),
                cancel_on=rnd.randint(0, 2) if one_in(3) else None,
                monitor_on=(rnd.randint(0, 2), rnd.choice(others)) if one_in(4) else None,
                link_on=(rnd.randint(0, 2), rnd.choice(others)) if one_in(30) else None,
                durable=one_in(2),
            )
        )
    looks = []
    for k in range(rnd.randint(1, 2)):
        declared = k == 0 or one_in(2)  # the first declares its nodes
        # One in four reads a world field (which makes every step that changes it seen).
        template = rnd.choice(UNDECLARABLE) if one_in(4) else rnd.choice((0, 1, 2, 3, 6))
        if template in UNDECLARABLE:
            declared = False
        looks.append(
            Look(
                kind=rnd.choice(["always", "sometimes"]),
                procs=tuple(rnd.sample(processes, 2 if one_in(4) else 1)),
                template=template,
                target=rnd.randint(0, 3),
                declared=declared,
            )
        )
    params: dict[str, Any] = {"network": "unordered" if one_in(3) else "fifo"}
    params.update(rnd.choice(FAULT_SETS))
    attrs = {
        "specs": tuple(specs),
        "per_node": tuple(per_node),
        "edges": edges,
        "looks": tuple(looks),
        "crash_scope": rnd.choice([*((name,) for name in names), None]),
        "given": params,
    }
    return type("RichCluster", (RichCluster,), attrs)(**params)  # type: ignore[no-any-return]


def rich_clusters() -> st.SearchStrategy[RichCluster]:
    """:func:`rich_cluster` from a seed hypothesis draws (a failure shows the seed)."""
    return st.integers(0, 2**32 - 1).map(lambda seed: rich_cluster(random.Random(seed)))
