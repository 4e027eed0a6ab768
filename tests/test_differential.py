"""Differential tests: every search mode that applies, on the same random system, against
each other and against an oracle.

Two kinds of random systems. *Process systems*: ``n`` identical processes, each a small
random automaton whose steps read and write one shared variable (interchangeable processes,
so a symmetry applies). *Actor systems* (``tests/por_systems.py``) with fault budgets:
crashes, restarts, partitions, heals, drops.

What the modes promise, and what is checked:

- bfs: the counts and shortest trace lengths of an independent oracle (a plain
  breadth-first walk of the whole graph, written here);
- dfs: bfs's counts and verdicts (complete searches);
- the fingerprint store, ``workers=2``, a checkpoint stopped at a random state and resumed:
  bfs's counts, stop points, verdicts and traces, under random bounds too;
- symmetry: one state per class (the oracle's count of classes), bfs's verdicts and
  trace lengths; the fingerprint store and workers with symmetry: the same again;
- por (actor systems): bfs's verdicts and at most bfs's states, with faults too;
- simulate: never contradicts bfs (what it finds exists, no shorter than the shortest).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelcheck.explore.bfs as bfs_module
import modelcheck.explore.compact as compact
from modelcheck import CheckResult, Model, Property, check
from modelcheck.explore._search import Search
from tests.graph_model import GraphModel
from tests.por_systems import RandomSystem
from tests.por_systems import systems as actor_systems
from tests.test_random_systems import systems as random_graphs

Rule = tuple[int, int, int, int]  # (local, shared) -> (local', shared')
State = tuple[int, tuple[int, ...]]  # (shared, each process's local state)


class Processes(Model[State]):
    """``n`` processes run the same rules; ``safe`` fails when ``crowd`` of them are in
    local state ``bad`` at once; ``goal`` holds when the shared variable is ``target``
    and some process is in local state ``bad``. Both are symmetric in the processes."""

    def __init__(
        self, n: int, rules: tuple[Rule, ...], inits: tuple[int, ...], bad: int, crowd: int
    ) -> None:
        super().__init__()
        self.n, self.rules, self.inits = n, rules, inits
        self.bad, self.crowd = bad, crowd

    def init_states(self) -> list[State]:
        return [(g, (0,) * self.n) for g in self.inits]

    def actions(self, s: State) -> list[tuple[Any, State]]:
        g, local = s
        steps = []
        for i, here in enumerate(local):
            for r, (at, when, to, put) in enumerate(self.rules):
                if here == at and g == when:
                    steps.append((("step", i, r), (put, (*local[:i], to, *local[i + 1 :]))))
        return steps

    def properties(self) -> list[Property]:
        bad, crowd = self.bad, self.crowd
        return [
            Property("safe", "always", lambda s: sum(x == bad for x in s[1]) < crowd),
            Property("goal", "sometimes", lambda s: s[0] == 2 and bad in s[1]),
        ]

    def canonical(self, s: State) -> State:
        return (s[0], tuple(sorted(s[1])))


@st.composite
def process_systems(draw: st.DrawFn) -> Processes:
    locals_, shared = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    rule = st.tuples(
        st.integers(0, locals_ - 1),
        st.integers(0, shared - 1),
        st.integers(0, locals_ - 1),
        st.integers(0, shared - 1),
    )
    return Processes(
        n=draw(st.integers(1, 3)),
        rules=tuple(draw(st.lists(rule, min_size=1, max_size=6))),
        inits=tuple(draw(st.lists(st.integers(0, shared - 1), min_size=1, max_size=2))),
        bad=draw(st.integers(0, locals_ - 1)),
        crowd=draw(st.integers(1, 2)),
    )


class Graph(GraphModel):
    """A random graph (``tests/test_random_systems.py``): dead ends at every depth. Its
    symmetry is the identity (one state a class), so that every mode applies."""

    def canonical(self, state: int) -> int:
        return state


def _graphs() -> st.SearchStrategy[Model[Any]]:
    return random_graphs().map(lambda g: Graph(g.edges, init=g.init, bad=g.bad, goal=g.goal))


# -- the oracle ------------------------------------------------------------------------------


def _oracle(model: Model[Any], deadlock: bool) -> dict[str, Any]:
    """Counts and shortest distances by a plain breadth-first walk of the whole graph
    (and of its classes under the symmetry)."""
    inits = list(model.init_states())
    dist: dict[Any, int] = {}
    frontier: list[Any] = []
    for s in inits:
        if s not in dist:
            dist[s] = 0
            frontier.append(s)
    succ: dict[Any, list[Any]] = {}
    i = 0
    while i < len(frontier):
        s = frontier[i]
        i += 1
        succ[s] = [t for _, t in model.actions(s)]
        for t in succ[s]:
            if t not in dist:
                dist[t] = dist[s] + 1
                frontier.append(t)
    shortest: dict[str, int | None] = {
        p.name: min(
            (d for s, d in dist.items() if bool(p.predicate(s)) == (p.kind == "sometimes")),
            default=None,
        )
        for p in model.properties()
    }
    if deadlock:
        shortest["deadlock"] = min((d for s, d in dist.items() if not succ[s]), default=None)
    classes = {model.canonical(s) for s in dist}
    return {
        "distinct": len(dist),
        "generated": len(inits) + sum(len(v) for v in succ.values()),
        "depth": max(dist.values()) + 1,
        "shortest": shortest,
        "classes": len(classes),
        "class_generated": len(inits) + sum(len(list(model.actions(c))) for c in classes),
    }


# -- what a run reports ----------------------------------------------------------------------


def _verdicts(result: CheckResult, lengths: bool = True) -> list[tuple[str, str, int | None]]:
    """Each property's status, with its trace's length (None without a trace, or when
    ``lengths`` is False: where the mode promises no shortest trace)."""
    return [
        (p.name, p.status, None if p.trace is None or not lengths else len(p.trace))
        for p in result.properties
    ]


def _signature(result: CheckResult) -> tuple[Any, ...]:
    """Everything but time and memory: counts, stop, verdicts, traces (paths and states)."""
    traces = [
        None if p.trace is None else (p.trace.path, [s.state for s in p.trace.steps])
        for p in result.properties
    ]
    return (
        result.distinct,
        result.generated,
        result.depth,
        result.complete,
        result.stopped,
        _verdicts(result),
        traces,
    )


@contextlib.contextmanager
def _stopped_at(tick: int) -> Iterator[None]:
    """Make the search look at the clock before every state and find the time up at its
    ``tick``-th look: a stop, with its checkpoint, at a chosen state."""
    looks = 0
    real = Search.tick

    def tick_once(self: Search, depth: int, queue: int) -> bool:
        nonlocal looks
        looks += 1
        if looks == tick:
            self.stopped = "time-limit"
            return True
        return real(self, depth, queue)

    with (
        mock.patch.object(Search, "tick", tick_once),
        mock.patch.object(bfs_module, "TICK_MASK", 0),
        mock.patch.object(compact, "TICK_MASK", 0),
    ):
        yield


def _resumed(model: Model[Any], tick: int, options: dict[str, Any]) -> CheckResult:
    """Run with a checkpoint, stopped at the ``tick``-th state; then resume from it (the
    result of the first run if it ended before that)."""
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder) / "ck"
        with _stopped_at(tick):
            first = check(model, checkpoint=where, **options)
        if first.stopped != "time-limit":
            return first
        return check(model, checkpoint=where, resume=True, **options)


def _never_contradicts(simulated: CheckResult, full: CheckResult) -> None:
    """What simulation reports exists in the full graph, no shorter than bfs's trace."""
    for sim, bfs in zip(simulated.properties, full.properties, strict=True):
        assert sim.status in ("unknown", bfs.status), (sim.name, sim.status, bfs.status)
        if sim.trace is not None:
            assert bfs.trace is not None and len(sim.trace) >= len(bfs.trace)


# -- process systems -------------------------------------------------------------------------

_PERCENT = st.integers(1, 100)
#: Bounds in percent of the whole graph's states and depth, so that they cut it anywhere.
BOUNDS = st.fixed_dictionaries(
    {
        "keep_going": st.sampled_from([True, True, False]),
        "deadlock": st.sampled_from([True, True, False]),
        "max_states": st.one_of(st.none(), _PERCENT, _PERCENT),
        "max_depth": st.one_of(st.none(), st.none(), _PERCENT),
    }
)


def _bounds(drawn: dict[str, Any], oracle: dict[str, Any]) -> dict[str, Any]:
    """The drawn bounds, percentages made counts of the oracle's states and levels."""
    bounds = dict(drawn)
    for key, whole in (("max_states", oracle["distinct"]), ("max_depth", oracle["depth"])):
        if drawn[key] is not None:
            bounds[key] = max(1, round(drawn[key] * whole / 100))
    return bounds


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.nested_given],
)
@given(
    st.one_of(process_systems(), _graphs()),
    BOUNDS,
    st.integers(1, 40),
    st.sampled_from([1, 3, 1 << 16]),
    st.integers(0, 2**16),
)
def test_every_mode_agrees_on_random_transition_systems(
    model: Model[Any], drawn: dict[str, Any], tick: int, chunk: int, seed: int
) -> None:
    deadlock = drawn["deadlock"]
    oracle = _oracle(model, deadlock)
    bounds = _bounds(drawn, oracle)
    # bfs, whole: the oracle's counts and shortest traces.
    full = check(model, keep_going=True, deadlock=deadlock)
    assert (full.distinct, full.generated, full.depth) == (
        oracle["distinct"],
        oracle["generated"],
        oracle["depth"],
    )
    assert [(n, length) for n, _, length in _verdicts(full)] == list(oracle["shortest"].items())
    # dfs: the same counts and verdicts.
    dfs = check(model, strategy="dfs", keep_going=True, deadlock=deadlock)
    assert (dfs.distinct, dfs.generated) == (full.distinct, full.generated)
    assert _verdicts(dfs, lengths=False) == _verdicts(full, lengths=False)
    # Under random bounds: the fingerprint store, workers, a checkpoint resumed.
    bounded = _signature(check(model, **bounds))
    with mock.patch.object(compact, "_CHUNK", chunk):
        assert _signature(check(model, store="fingerprint", **bounds)) == bounded
        assert _signature(_resumed(model, tick, {"store": "fingerprint", **bounds})) == bounded
    assert _signature(check(model, workers=2, **bounds)) == bounded
    assert _signature(_resumed(model, tick, bounds)) == bounded
    # Symmetry: one state per class, the same verdicts and trace lengths, in every store.
    sym = check(model, keep_going=True, deadlock=deadlock, symmetry=True)
    assert (sym.distinct, sym.generated) == (oracle["classes"], oracle["class_generated"])
    assert _verdicts(sym) == _verdicts(full)
    assert _signature(check(model, **bounds, symmetry=True, workers=2)) == _signature(
        check(model, **bounds, symmetry=True)
    )
    assert _signature(check(model, **bounds, symmetry=True, store="fingerprint")) == _signature(
        check(model, **bounds, symmetry=True)
    )
    # Simulation never contradicts.
    simulated = check(
        model, strategy="simulate", seed=seed, runs=20, depth=12, keep_going=True, deadlock=deadlock
    )
    _never_contradicts(simulated, full)


# -- actor systems with faults ---------------------------------------------------------------

FAULTS = st.sampled_from(
    [
        {},
        {"crashes": 1},
        {"crashes": 1, "restarts": 1},
        {"partitions": 1},
        {"partitions": 1, "heals": 1},
        {"drops": 1},
        {"drops": 1, "crashes": 1},
    ]
)
#: Actor systems are bigger: searches past this many states are compared as bounded runs.
_ACTOR_STATES = 1500


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # Many cycles (a timer that sets itself again) and few channels: where the reduction
    # has most to leave out, and where its cycle proviso matters.
    actor_systems(tick_one_in=2, edge_one_in=3),
    st.booleans(),
)
def test_the_reduction_keeps_every_verdict_of_random_actor_systems(
    system: RandomSystem, deadlock: bool
) -> None:
    options: dict[str, Any] = {"keep_going": True, "deadlock": deadlock}
    whole = check(system, max_states=_ACTOR_STATES, **options)
    if not whole.complete:
        return
    for strategy in ("bfs", "dfs"):
        reduced = check(system, strategy=strategy, por=True, **options)
        assert _verdicts(reduced, lengths=False) == _verdicts(whole, lengths=False)
        assert reduced.complete and reduced.distinct <= whole.distinct


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.nested_given],
)
@given(actor_systems(), FAULTS, st.booleans(), st.integers(1, 60), st.integers(0, 2**16))
def test_every_mode_agrees_on_random_actor_systems_with_faults(
    system: RandomSystem, faults: dict[str, int], deadlock: bool, tick: int, seed: int
) -> None:
    options: dict[str, Any] = {
        "keep_going": True,
        "deadlock": deadlock,
        "max_states": _ACTOR_STATES,
    }
    model = type(system)(network=system.network, **faults)
    full = check(model, **options)
    reference = _signature(full)
    assert _signature(check(model, store="fingerprint", **options)) == reference
    assert _signature(check(model, workers=2, **options)) == reference
    assert _signature(_resumed(model, tick, options)) == reference
    if not full.complete:
        return
    dfs = check(model, strategy="dfs", **options)
    assert (dfs.distinct, dfs.generated) == (full.distinct, full.generated)
    assert _verdicts(dfs, lengths=False) == _verdicts(full, lengths=False)
    if faults:  # the reduction under faults: the same verdicts, no more states
        reduced = check(model, por=True, **options)
        assert reduced.complete and reduced.distinct <= full.distinct
        assert _verdicts(reduced, lengths=False) == _verdicts(full, lengths=False)
    simulated = check(
        model, strategy="simulate", seed=seed, runs=20, depth=15, keep_going=True, deadlock=deadlock
    )
    _never_contradicts(simulated, full)
