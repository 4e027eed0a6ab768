"""Partial-order reduction: the same verdicts with it as without, on random actor systems and
on every actor model; hand-checked counts; what a model declares, held to; the refusals."""

from __future__ import annotations

import enum
from collections.abc import Collection, Hashable, Mapping
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import modelcheck.actors.por as por_module
from benchmarks.por import cases, safety_only
from modelcheck import Model, ModelError, Param, UsageError, always, check, replay, sometimes
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, World
from modelcheck.actors.por import expands_everything
from modelcheck.explore import Limits, SearchOptions
from modelcheck.explore._search import Search
from modelcheck.explore.frontier import OneProcess
from modelcheck.explore.reductions import GaveUp
from modelcheck.result import CheckResult
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_actors import TwoPhaseActors
from models.crdt.replicated import ReplicatedGCounter
from models.election.bully import BullyElection
from models.messaging.fifo_order import SendOrder
from models.messaging.late_reply import TaggedReply, UntaggedReply
from models.supervision.horde_supervisor import HordeSupervisor
from tests.cli_helpers import run_cli
from tests.por_systems import NodeSpec, PropSpec, RandomSystem, make, systems


def _statuses(model: Any, **options: Any) -> list[str]:
    return [p.status for p in check(model, keep_going=True, **options).properties]


# -- the same verdicts ---------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems(), st.sampled_from(["bfs", "dfs"]), st.booleans())
def test_verdicts_agree_on_random_actor_systems(
    model: RandomSystem, strategy: str, deadlock: bool
) -> None:
    full = check(model, strategy=strategy, keep_going=True, deadlock=deadlock, max_states=5_000)
    assume(full.complete)
    reduced = check(model, strategy=strategy, keep_going=True, deadlock=deadlock, por=True)
    # Every verdict: each invariant, each "sometimes" reached or not, and deadlocks.
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]
    assert reduced.complete and reduced.distinct <= full.distinct
    for prop in reduced.properties:  # every trace is a run of the model
        if prop.trace is not None:
            again = replay(model, prop.trace.path)
            assert [s.state for s in again.steps] == [s.state for s in prop.trace.steps]


def _searched(model: Any, **options: Any) -> tuple[CheckResult, frozenset[Any]]:
    """The result of a search and the states it stored (exact store)."""
    opts = SearchOptions(keep_going=True, **options)
    limits = Limits(max_states=opts.max_states)
    search = Search(model, opts.strategy, limits, True, None, opts.deadlock, por=opts.por)
    result = OneProcess(opts).run(search)
    return result, frozenset(search.exact_store().states)


def _searched_eagerly(
    model: Any, strategy: str, deadlock: bool, learn: int
) -> tuple[CheckResult, frozenset[Any]]:
    """:func:`_searched` with the reduction learning what properties read over ``learn``
    states (the sample, shortened) and never giving up (``PAYS`` and ``SAVES`` 0), so that
    it reduces wherever it may."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(por_module, "SAMPLE", learn)
        patch.setattr(por_module, "PAYS", 0.0)
        patch.setattr(por_module, "SAVES", 0.0)
        return _searched(model, strategy=strategy, deadlock=deadlock, por=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    systems(faults=True, found=True),
    st.sampled_from(["bfs", "dfs"]),
    st.booleans(),
    st.sampled_from([1, 3, 2048]),
)
def test_under_faults_and_with_reads_found_verdicts_agree_on_random_systems(
    model: RandomSystem, strategy: str, deadlock: bool, learn: int
) -> None:
    """Random systems with fault budgets (crashes, restarts, kills, partitions, cuts, heals,
    mends, drops, duplicates), nodes that hear nodedown and DOWN, and properties that do
    not declare what they read (read as the state asks): the same verdicts with and without
    the reduction, every reduced state one of the full search's, every trace a run. It
    learns what properties read over ``learn`` states (the sample, here shortened), and
    never gives up (``PAYS`` and ``SAVES`` 0), so that it reduces wherever it may."""
    full, everything = _searched(model, strategy=strategy, deadlock=deadlock, max_states=5_000)
    assume(full.complete)
    reduced, kept = _searched_eagerly(model, strategy, deadlock, learn)
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]
    assert reduced.complete and kept <= everything
    assert reduced.distinct == len(kept)
    for prop in reduced.properties:  # every trace is a run of the model
        if prop.trace is not None:
            again = replay(model, prop.trace.path)
            assert [s.state for s in again.steps] == [s.state for s in prop.trace.steps]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    systems(faults=True, found=True, cluster=True),
    st.sampled_from(["bfs", "dfs"]),
    st.booleans(),
    st.sampled_from([1, 3, 2048]),
)
def test_per_process_on_random_clusters_verdicts_agree(
    model: RandomSystem, strategy: str, deadlock: bool, learn: int
) -> None:
    """``cluster()`` systems of one or two processes per node, which send to each other by
    pid (on their own node too), under every fault budget: the reduction commutes steps of
    processes, not nodes, and still gives the same verdicts, only states of the full
    search, and traces that replay."""
    full, everything = _searched(model, strategy=strategy, deadlock=deadlock, max_states=5_000)
    assume(full.complete)
    reduced, kept = _searched_eagerly(model, strategy, deadlock, learn)
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]
    assert reduced.complete and kept <= everything
    assert reduced.distinct == len(kept)
    for prop in reduced.properties:
        if prop.trace is not None:
            again = replay(model, prop.trace.path)
            assert [s.state for s in again.steps] == [s.state for s in prop.trace.steps]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    systems(faults=True, found=True, cluster=True, by_name=True),
    st.sampled_from(["bfs", "dfs"]),
    st.booleans(),
    st.sampled_from([1, 3, 2048]),
)
def test_messages_by_name_on_random_clusters_verdicts_agree(
    model: RandomSystem, strategy: str, deadlock: bool, learn: int
) -> None:
    """``cluster()`` systems whose processes also send by name: to ``svc``, which a process
    of a node may hold from boot (the receiver is read from the registry as the message
    arrives, on another node; on the sender's own node at once), now and then to a name
    nobody holds, or a process registers ``late`` (those two stop the reduction), under
    every fault budget: the same verdicts, only states of the full search, traces that
    replay."""
    full, everything = _searched(model, strategy=strategy, deadlock=deadlock, max_states=5_000)
    assume(full.complete)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(por_module, "SAMPLE", learn)
        patch.setattr(por_module, "PAYS", 0.0)
        patch.setattr(por_module, "SAVES", 0.0)
        reduced, kept = _searched(model, strategy=strategy, deadlock=deadlock, por=True)
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]
    assert reduced.complete and kept <= everything
    assert reduced.distinct == len(kept)
    # Stronger than the verdicts: the reduced graph is stuttering-equivalent to the full
    # one over what the properties declare they read, so every combination of those
    # processes' states that the full search meets, the reduced one meets too.
    seen = [
        s
        for s, node in enumerate(model.boot_node)
        if any(p.declared and model.node_names[node] in p.reads for p in model.props)
    ]
    assert {tuple(w.states[s] for s in seen) for w in kept} == {
        tuple(w.states[s] for s in seen) for w in everything
    }
    _persistent_everywhere(model, everything)
    for prop in reduced.properties:
        if prop.trace is not None:
            again = replay(model, prop.trace.path)
            assert [s.state for s in again.steps] == [s.state for s in prop.trace.steps]


def _persistent_everywhere(model: Any, worlds: frozenset[Any]) -> None:
    """At every world of the full search, the steps the reduction would keep (cycle proviso
    aside) are persistent, one step deep: after any other step, the kept processes have
    exactly the same steps (none enabled, none disabled), and each commutes with it."""
    order = por_module.PartialOrder(model, model.properties(), lambda s, t: False, lambda w: None)
    order.deferred = True  # (a step it does not support: GaveUp, and it goes on)

    def unit(label: Any) -> int | None:
        address = label[2] if label[0] == "deliver" else label[1]
        found = order.index.get(address)
        return order._unit(address) if found is None and type(address) is Pid else found

    for w in worlds:
        try:
            succs, kept = order.persistent(w)
        except GaveUp:
            continue
        if len(kept) == len(succs):
            continue
        units = {unit(label) for label, _ in kept}
        mine = dict(kept)
        for label, other in succs:
            if label in mine:
                continue
            after = dict(model.actions(other))
            assert {
                step: nxt
                for step, nxt in after.items()
                if step[0] in ("deliver", "signal", "timeout") and unit(step) in units
            }.keys() == mine.keys()
            for step, nxt in mine.items():
                assert dict(model.actions(nxt))[label] == after[step]


@pytest.mark.parametrize(
    ("cls", "params"),
    [pytest.param(cls, params, id=f"{cls.__name__}-{params}") for cls, params in cases()],
)
def test_verdicts_agree_on_every_actor_model(
    cls: type[ActorSystem], params: dict[str, Any]
) -> None:
    """Every actor system in models/ (its safety properties: --por does not judge liveness),
    with its defaults and the bigger configurations of the benchmark."""
    variant, _ = safety_only(cls)
    model = variant(**params)
    if type(model).actions is not cast(Any, ActorSystem.actions):
        with pytest.raises(UsageError, match="overrides actions"):
            check(model, por=True)
        return
    full = check(model, keep_going=True)
    reduced = check(model, keep_going=True, por=True)
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]
    assert reduced.distinct <= full.distinct
    if isinstance(model, ActorSystem) and expands_everything(model) is not None:
        assert (reduced.distinct, reduced.generated) == (full.distinct, full.generated)


def test_the_declared_models_show_the_reduction() -> None:
    assert check(UntaggedReply(calls=6), keep_going=True, por=True).distinct == 382  # of 943
    assert check(TaggedReply(calls=6), keep_going=True, por=True).distinct == 336  # of 586


# -- counts by hand ------------------------------------------------------------------------


def test_send_order_counts_by_hand() -> None:
    # SendOrder(): s1 starts with 1 -> receiver and go -> s2 in flight; s2, on go, sends 2.
    # Without the reduction, 7 states: W0; W1 (receiver got 1); W2 (s2 got go); W3 (both:
    # from W1 or W2); W4 (receiver got 2 first, from W2); W5 = log (1, 2); W6 = log (2, 1),
    # the violation. Generated: 1 + 2 (W0) + 1 (W1) + 2 (W2) + 1 (W3) + 1 (W4) = 8.
    # With it: in W0 the receiver (read by the property) and s2 have a step. s2's closure is
    # {s2}: only s1 sends to it and s1 never acts again; nobody reads s2: W0 -> W2 alone.
    # W2, W3 and W4 have only the receiver's steps: all taken. States W0 W2 W3 W4 W5 W6: 6;
    # generated 1 + 1 + 2 + 1 + 1 = 6. (The receiver's closure in W0 holds s2, which may send
    # to it on an empty channel: all of W0's steps, no reduction.)
    full = check(SendOrder(), keep_going=True)
    reduced = check(SendOrder(), keep_going=True, por=True)
    assert (full.distinct, full.generated) == (7, 8)
    assert (reduced.distinct, reduced.generated, reduced.depth) == (6, 6, 4)
    trace = reduced.verdict("in_send_order").trace
    assert trace is not None
    assert [str(s.action) for s in trace.steps[1:]] == [
        "deliver(s1, s2, go)",
        "deliver(s2, receiver, 2)",
        "deliver(s1, receiver, 1)",
    ]


def _spec(**fields: Any) -> NodeSpec:
    base: dict[str, Any] = {
        "init_sends": (),
        "init_timers": (),
        "forward": ((), (), ()),
        "keep": frozenset(),
        "timer_on": None,
        "timer_sends": (),
        "ticks": False,
    }
    return NodeSpec(**{**base, **fields})


#: ``a`` forwards to ``d`` what it gets, depending on how much it has had (so the order of
#: arrivals at ``a`` matters); ``d`` is the only node a property reads.
_FORWARDS = _spec(forward=(("d",), ("d",), ("d",)))
#: ``d`` heard something and the last thing it heard was 0: only if ``a`` got 2 first.
_HEARD_0 = (PropSpec("sometimes", ("d",), 3, 0),)


def test_a_node_that_may_send_on_an_empty_channel_joins_the_closure() -> None:
    # b sends 0 to a at once; c's timer sends 2 to a. a forwards the first it gets when
    # (count + value) is even: 0 first -> forwards 1, then not 2; 2 first -> forwards 0.
    # Nobody reads a or c, so {a} alone would pass the visibility test; but c may put 2 on
    # the empty channel c -> a, so a's closure holds c. Taking a's step alone would lose
    # "2 first": 5 states, and the example below unreached.
    specs = (
        _FORWARDS,
        _spec(init_sends=(("a", 0, 1),)),
        _spec(init_timers=("t0",), timer_sends=(("a", 2),)),
        _spec(),
    )
    model = make(specs, {"a": ("d",), "b": ("a",), "c": ("a",), "d": ()}, _HEARD_0)
    full = check(model, keep_going=True)
    reduced = check(model, keep_going=True, por=True)
    assert full.status("p0") == reduced.status("p0") == "reached"
    assert (full.distinct, full.generated, reduced.distinct, reduced.generated) == (12, 16, 8, 8)


def test_on_the_unordered_network_a_message_in_flight_shields_nothing() -> None:
    # b sends 0 to a, and its timer sends 2 to a. Under FIFO, 0 is ahead of 2 for good: a's
    # step alone is persistent. Unordered, 2 may overtake 0 once sent: b joins a's closure.
    specs = (
        _FORWARDS,
        _spec(init_sends=(("a", 0, 1),), init_timers=("t0",), timer_sends=(("a", 2),)),
        _spec(),
        _spec(),
    )
    edges = {"a": ("d",), "b": ("a",), "c": (), "d": ()}
    fifo = make(specs, edges, _HEARD_0)
    unordered = make(specs, edges, _HEARD_0, network="unordered")
    assert _statuses(fifo) == _statuses(fifo, por=True) == ["unreached"]
    assert _statuses(unordered) == _statuses(unordered, por=True) == ["reached"]
    assert check(unordered, por=True).distinct == 8  # of 12


@pytest.mark.parametrize("strategy", ["bfs", "dfs"])
def test_every_cycle_has_a_fully_expanded_state(strategy: str) -> None:
    # a's timer "tick" fires forever, counting round mod 3; b's timer fires once; a
    # property reads b. Nobody reads a or sends to it: a's tick alone is a persistent,
    # invisible set. Taken alone forever, b would never fire (a's three states, b's example
    # unreached); the proviso expands every step where a tick closes the cycle.
    # bfs: (a0,b0) -> (a1,b0) -> (a2,b0); there the tick leads back to (a0,b0), numbered
    # before it: both steps, (a0,b0) and (a2,b1); then a ticks alone: (a0,b1), (a1,b1).
    # 6 states (all of them); generated 1 + 1 + 1 + 2 + 1 + 1 + 1 = 8 (10 without).
    specs = (_spec(ticks=True), _spec(init_timers=("t0",)))
    model = make(specs, {}, (PropSpec("sometimes", ("b",), 1, 1),))
    reduced = check(model, strategy=strategy, keep_going=True, por=True)
    assert reduced.status("p0") == "reached"
    assert (reduced.distinct, reduced.generated) == (6, 8)
    assert check(model, keep_going=True).generated == 10


class Flag(Actor[bool]):
    """Raises its flag when its timer fires."""

    def init(self, me: str, out: Out) -> bool:
        out.set_timer("raise")
        return False

    def on_timeout(self, me: str, state: bool, timer: Hashable, out: Out) -> bool:
        return True


class Flags(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Flag(), "b": Flag()}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {}

    @sometimes(reads=("a", "b"))
    def b_first(self, w: World) -> bool:
        return not self.state_of(w, "a") and self.state_of(w, "b")


def test_a_step_that_a_property_sees_is_never_left_for_later() -> None:
    # a's and b's timers commute (nobody sends), and {a} alone is persistent; but the
    # property reads a, and a's step changes a's state: taking it first would lose the
    # state where b's flag is up and a's is not. So both steps, all 4 states.
    full, reduced = check(Flags(), keep_going=True), check(Flags(), keep_going=True, por=True)
    assert full.status("b_first") == reduced.status("b_first") == "reached"
    assert reduced.distinct == full.distinct == 4


def test_under_faults_it_reduces_and_says_why_when_it_does_not() -> None:
    # A crash may touch every node (the default talks_to), so while its budget lasts
    # nothing is left out; on this small model that is every state, and it says so.
    model = TaggedReply(crashes=1)
    assert expands_everything(model) is None
    full, reduced = check(model, keep_going=True), check(model, keep_going=True, por=True)
    assert (reduced.distinct, reduced.generated) == (full.distinct, full.generated) == (30, 71)
    assert full.warnings == ()
    assert reduced.warnings == (
        "--por reduced nothing: at no state could it leave a step out (one node acts at a "
        "time, or another may send first, or a property sees the steps, or a fault may "
        "touch them)",
    )


class _Counts(Actor[int]):
    """Starts at ``start`` and counts up on its timer until ``stop``."""

    def __init__(self, start: int, stop: int) -> None:
        self.start, self.stop = start, stop

    def init(self, me: str, out: Out) -> int:
        out.set_timer("t")
        return self.start

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        if state + 1 < self.stop:
            out.set_timer("t")
        return state + 1


class _ReadsLater(ActorSystem):
    """``a`` counts 0, 1, 2; ``b`` 4, 5. The property reads ``b`` only once ``a`` is at 2:
    it fails at (2, 4) alone."""

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _Counts(0, 2), "b": _Counts(4, 5)}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {}

    @always
    def a_small_or_b_done(self, w: World) -> bool:
        return bool(self.state_of(w, "a") < 2 or self.state_of(w, "b") == 5)


def test_reads_found_while_searching_start_the_search_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Learning over the first state only, the property read a alone: from (1, 4), b's
    # step goes first (invisible), and (2, 4) would never be reached. At (2, 5) the
    # property reads b: the search starts over with b read, and finds the violation.
    monkeypatch.setattr(por_module, "SAMPLE", 1)
    full = check(_ReadsLater(), keep_going=True)
    reduced = check(_ReadsLater(), keep_going=True, por=True)
    assert full.status("a_small_or_b_done") == reduced.status("a_small_or_b_done") == "violated"
    assert reduced.distinct == full.distinct == 6
    assert reduced.warnings == (
        "--por started the search over 1 time: a_small_or_b_done read more of the world "
        "than in the states it had learnt from",
        "--por reduced nothing: at no state could it leave a step out (one node acts at a "
        "time, or another may send first, or a property sees the steps, or a fault may "
        "touch them)",
    )


def test_a_reduction_that_reduces_nothing_says_why_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_cli(
        capsys, "check", "models/messaging/late_reply.py:TaggedReply", "--por", "--crashes", "1"
    )
    assert run.code == 0
    assert run.err.splitlines()[-1] == (
        "warning: --por reduced nothing: at no state could it leave a step out (one node "
        "acts at a time, or another may send first, or a property sees the steps, or a "
        "fault may touch them)"
    )


class _Ping(Actor[int]):
    def init(self, me: str, out: Out) -> int:
        if me == "a":
            out.send("b", 1)
        return 0

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        if state < 2:
            out.send(sender, msg)
        return state + 1


class _PingPong(ActorSystem):
    """One node acts at a time: there is never a step to leave out."""

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": _Ping(), "b": _Ping()}

    @always(reads=("a", "b"))
    def small(self, w: World) -> bool:
        return all(s < 9 for s in w.states)


def test_a_reduction_that_left_nothing_out_says_so() -> None:
    reduced = check(_PingPong(), por=True)
    assert (reduced.distinct, reduced.generated) == (6, 6)
    assert reduced.warnings == (
        "--por reduced nothing: at no state could it leave a step out (one node acts at a "
        "time, or another may send first, or a property sees the steps, or a fault may "
        "touch them)",
    )


def test_a_reduction_that_does_not_pay_stops_after_weighing_and_one_that_does_goes_on() -> None:
    """Over the first ``WEIGH`` states it reduces, a reduction weighs what it saves: the
    steps it left out whose successors the search did not reach by other steps.
    TwoPhaseActors leaves out a fifth of the steps, but the coordinator's steps it leaves for
    later lead to states the search reaches anyway: it starts over, expanding every step, and
    says so (weighed over 2,048 states it used to reduce this model to the end, 1,374
    states). The late reply under a crash and a restart saves the states behind the
    steps it leaves out, but leaves out too few (it is slower reduced). The late reply
    without faults saves enough: it goes on. Verdicts stay."""
    model = TwoPhaseActors(rms=3)
    full = check(model, keep_going=True)
    declined = check(model, keep_going=True, por=True)
    assert (full.distinct, full.generated) == (1394, 4927)
    assert (declined.distinct, declined.generated) == (1394, 4927)  # started over
    assert declined.warnings == (
        "--por left out 22% of the steps of the first 256 states, and the search reached 90% "
        "of the states they lead to by other steps: too little to pay for itself: every step "
        "was expanded (the search started over)",
    )
    assert [p.status for p in declined.properties] == [p.status for p in full.properties]
    faulty = TaggedReply(calls=6, crashes=1, restarts=1)
    assert check(faulty, keep_going=True, por=True).warnings == (
        "--por left out 10% of the steps of the first 256 states, and the search reached 8% "
        "of the states they lead to by other steps: too little to pay for itself: every step "
        "was expanded (the search started over)",
    )
    paying = check(UntaggedReply(calls=6), keep_going=True, por=True)
    assert (paying.distinct, paying.generated, paying.warnings) == (382, 382, ())


def test_a_reduction_that_left_nothing_out_when_weighed_stops_there() -> None:
    # The crash may touch both nodes until it happens: nothing is left out of the first
    # 256 states, so from there on it stops choosing sets (no start over: it reduced none).
    model = TaggedReply(calls=6, crashes=1)
    full, reduced = check(model, keep_going=True), check(model, keep_going=True, por=True)
    assert (reduced.distinct, reduced.generated) == (full.distinct, full.generated) == (720, 2253)
    assert reduced.warnings == (
        "--por left out no step of the first 256 states: every step was expanded from there on",
    )


class _UnreadTwoPhase(TwoPhaseActors):
    """TwoPhaseActors whose property does not declare what it reads; counts its judgements."""

    judged = 0

    @always
    def consistent(self, w: World) -> bool:
        type(self).judged += 1
        return TwoPhaseActors.consistent(self, w)


def test_while_learning_a_reduction_that_would_not_pay_stops_early_and_keeps_its_states() -> None:
    """While it learns what a property reads it expands every step, so when it finds after
    ``WEIGH`` states that it would leave out too few, it stops there and the search goes
    on: nothing to start over (each state judged once), no more tracing."""
    _UnreadTwoPhase.judged = 0
    check(_UnreadTwoPhase(rms=3), keep_going=True)
    plain, _UnreadTwoPhase.judged = _UnreadTwoPhase.judged, 0
    reduced = check(_UnreadTwoPhase(rms=3), keep_going=True, por=True)
    assert (reduced.distinct, reduced.generated) == (1394, 4927)
    assert _UnreadTwoPhase.judged == plain == 1395  # the initial state twice
    assert reduced.warnings == (
        "--por would leave out 23% of the steps of the first 256 states, too few to pay for "
        "itself: every step was expanded",
    )


class _TwoOnOne(ActorSystem):
    """Node ``a`` hosts two processes, ``b`` one; each counts 0, 1, 2 on its timer, and
    nobody sends. The property reads ``b``."""

    def cluster(self) -> dict[str, tuple[Actor[Any], ...]]:
        return {"a": (_Counts(0, 2), _Counts(0, 2)), "b": (_Counts(0, 2),)}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {}

    @always(reads=("b",))
    def b_small(self, w: World) -> bool:
        return bool(self.state_of(w, "b") < 5)


def test_processes_on_one_node_commute_by_hand() -> None:
    # Without the reduction, 3 * 3 * 3 = 27 worlds. With it, per process: at each world
    # the first process of a with a step goes alone (b's steps are seen; a's two processes
    # do not talk to each other, since a does not list itself), so a.0 counts to 2, then
    # a.1, then b: 7 worlds, one path. Taken per node, a's two processes would go together.
    full, reduced = check(_TwoOnOne()), check(_TwoOnOne(), por=True)
    assert (full.distinct, full.generated) == (27, 55)
    assert (reduced.distinct, reduced.generated, reduced.warnings) == (7, 7, ())


def test_a_cluster_that_spawns_or_links_stops_reducing_and_says_so() -> None:
    # HordeSupervisor's supervisors link as they boot: no step is left out.
    model = safety_only(HordeSupervisor)[0]()
    full, reduced = check(model, keep_going=True), check(model, keep_going=True, por=True)
    assert (reduced.distinct, reduced.generated) == (full.distinct, full.generated)
    assert reduced.warnings == (
        "--por expanded every step: partial-order reduction does not support links (out.link)",
    )


class _ByName(Actor[Any]):
    """Sends ``hi`` to each of ``names`` on node b as it starts; counts what it receives."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def init(self, me: Any, out: Out) -> int:
        for name in self.names:
            out.send((name, "b"), "hi")
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        return state + 1


class _LateSvc(_Counts):
    """Counts 0, 1 on its timer, and registers as ``svc`` on the first."""

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        if state == 0:
            out.register("svc")
        return super().on_timeout(me, state, timer, out)


class _SendsByName(ActorSystem):
    """a's process sends ``hi`` by name to ``svc1`` and ``svc2`` on b, two processes that
    hold the names from boot; b's third process counts 0, 1, 2 on its timer. The property
    reads a. ``late``: the counter registers ``svc`` as it first counts (1), and a sends to
    that name only (2)."""

    late = Param(0, help="a name registered at run time", min=0, max=2)

    def cluster(self) -> dict[str, tuple[Actor[Any] | Boot, ...]]:
        if self.late:
            to = "svc" if self.late == 2 else "svc1"
            return {"a": (_ByName(to),), "b": (Boot(_ByName(), name="svc1"), _LateSvc(0, 2))}
        return {
            "a": (_ByName("svc1", "svc2"),),
            "b": (Boot(_ByName(), name="svc1"), Boot(_ByName(), name="svc2"), _Counts(0, 2)),
        }

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {"a": ("b",)}

    @always(reads=("a",))
    def a_hears_nothing(self, w: World) -> bool:
        return all(state == 0 for state in w.states[:1])


def test_messages_by_name_to_names_held_from_boot_commute_by_hand() -> None:
    # Without the reduction: svc1 takes its hi before svc2 can take its own (one channel
    # by name from a's process to b, in the order sent), while the counter counts: 3 * 3
    # worlds, 12 steps. With it, per process: svc1 goes alone (its hi arrives, the
    # counter's steps commute with it), then svc2, then the counter: one path of 5 worlds.
    full, reduced = check(_SendsByName()), check(_SendsByName(), por=True)
    assert (full.distinct, full.generated) == (9, 13)
    assert (reduced.distinct, reduced.generated, reduced.warnings) == (5, 5, ())
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]


class _Aux(Actor[str]):
    """Times out once; a message that arrives before that sends ``early`` to c's log."""

    def init(self, me: Any, out: Out) -> str:
        out.set_timer("t")
        return "idle"

    def on_timeout(self, me: Any, state: str, timer: Hashable, out: Out) -> str:
        return "timed"

    def on_message(self, me: Any, state: str, sender: Any, msg: Any, out: Out) -> str:
        if state == "idle":
            out.send(("log", "c"), "early")
        return state


class _Log(Actor[Any]):
    def init(self, me: Any, out: Out) -> Any:
        return ""

    def on_message(self, me: Any, state: Any, sender: Any, msg: Any, out: Out) -> Any:
        return msg


class _BehindByName(ActorSystem):
    """a's process sends to ``svc`` then to ``aux`` on b, one channel by name: aux's
    message arrives only after svc took its own. aux (b's first process) also has a
    timer; if its message comes first, it tells c's log. The property reads c."""

    def cluster(self) -> dict[str, tuple[Actor[Any] | Boot, ...]]:
        return {
            "a": (_ByName("svc", "aux"),),
            "b": (Boot(_Aux(), name="aux"), Boot(_ByName(), name="svc")),
            "c": (Boot(_Log(), name="log"),),
        }

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {"a": ("b",), "b": ("c",)}

    @sometimes(reads=("c",))
    def early(self, w: World) -> bool:
        return bool(w.states[3] == "early")


def test_the_holder_of_the_first_message_by_name_joins_a_set_with_its_node() -> None:
    # At the start aux's timer and svc's arrival are the steps, one each. aux alone would
    # not be persistent: svc taking its message lets aux's own arrive, before aux's timer
    # (then c hears early). So a set with aux holds svc: svc goes first, and both orders
    # of aux's steps follow: 7 worlds of the full 9. (Leaving svc out of it, the reduction
    # took aux's timer first, and never reached early.)
    full = check(_BehindByName(), keep_going=True)
    reduced = check(_BehindByName(), keep_going=True, por=True)
    assert (full.distinct, full.generated, full.properties[0].status) == (9, 11, "reached")
    assert (reduced.distinct, reduced.generated, reduced.properties[0].status) == (
        7,
        7,
        "reached",
    )


@pytest.mark.parametrize(
    ("late", "why"),
    [
        (1, "spawned processes or names registered after boot (out.spawn, out.register)"),
        (2, "sends by name to a name not registered as a process boots ('svc' on b: "),
    ],
)
def test_a_name_registered_at_run_time_stops_the_reduction_and_says_so(late: int, why: str) -> None:
    # Who gets a message by name is read from b's registry as it arrives: a registry
    # that changes (svc registered on the counter's first timeout) stops the reduction
    # there; a message to a name not held from boot, as it is sent (here in a's init).
    model = _SendsByName(late=late)
    full, reduced = check(model), check(model, por=True)
    assert (reduced.distinct, reduced.generated) == (full.distinct, full.generated)
    assert reduced.warnings == (
        f"--por expanded every step: partial-order reduction does not support {why}"
        + ("out.send((name, node), ...))" if late == 2 else ""),
    )


def test_the_fingerprint_store_and_depth_first_search_reduce_too() -> None:
    exact = check(UntaggedReply(calls=4), keep_going=True, por=True)
    compact = check(UntaggedReply(calls=4), keep_going=True, por=True, store="fingerprint")
    assert (compact.distinct, compact.generated) == (exact.distinct, exact.generated)
    assert [p.status for p in compact.properties] == [p.status for p in exact.properties]
    dfs = check(UntaggedReply(calls=4), keep_going=True, por=True, strategy="dfs")
    assert [p.status for p in dfs.properties] == [p.status for p in exact.properties]


# -- what a model declares, held to --------------------------------------------------------


class Pinger(Actor[int]):
    """Counts what it hears; when its timer fires, sends to ``b``."""

    def init(self, me: str, out: Out) -> int:
        out.set_timer("go")
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.send("b", "hi")
        return state

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        return state + 1


class Undeclared(ActorSystem):
    """``a`` sends to ``b``, which its ``talks_to`` does not allow."""

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Pinger(), "b": Pinger()}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {"a": (), "b": ()}

    @sometimes(reads="b")
    def b_heard(self, w: World) -> bool:
        return bool(self.state_of(w, "b"))


def test_a_send_outside_talks_to_is_a_model_error_with_its_trace() -> None:
    with pytest.raises(ModelError) as info:
        check(Undeclared(), por=True)
    assert str(info.value) == (
        "a sent to b, but Undeclared.talks_to() does not let it (a may send to: nobody)"
    )
    trace = info.value.trace
    assert trace is not None
    assert [str(s.action) for s in trace.steps[1:]] == ["timeout(a, go)"]
    assert check(Undeclared()).status("b_heard") == "reached"  # without --por: not used


class ReadsTooMuch(Undeclared):
    """Its property reads ``a`` too, and declares only ``b``."""

    def talks_to(self) -> None:
        return None

    @sometimes(reads=("b",))
    def b_heard(self, w: World) -> bool:
        return bool(self.state_of(w, "b")) and self.state_of(w, "a") == 0


def test_a_property_that_reads_an_undeclared_node_is_a_model_error() -> None:
    with pytest.raises(ModelError) as info:
        check(ReadsTooMuch(), por=True)
    assert str(info.value) == (
        "property 'b_heard' read the state of node 'a', but declares reads=('b',): "
        "add 'a' to its reads"
    )
    assert info.value.trace is not None


class ReadsTheNetwork(Undeclared):
    def talks_to(self) -> None:
        return None

    @sometimes(reads=("b",))
    def b_heard(self, w: World) -> bool:
        return not w.chans


def test_a_property_with_reads_may_not_read_the_messages_in_flight() -> None:
    with pytest.raises(ModelError, match="read the messages in flight, but declares"):
        check(ReadsTheNetwork(), por=True)


class Phase(enum.Enum):
    PENDING = 1
    CRIT = 2
    DONE = 3


class Worker(Actor[Phase]):
    """Enters its critical section when its timer fires, leaves it on the next one."""

    def init(self, me: str, out: Out) -> Phase:
        out.set_timer("enter")
        return Phase.PENDING

    def on_timeout(self, me: str, state: Phase, timer: Hashable, out: Out) -> Phase:
        if timer == "enter":
            out.set_timer("leave")
            return Phase.CRIT
        return Phase.DONE


def _both_critical(model: ActorSystem, w: World, how: str) -> bool:
    """Whether a and b are in their critical sections, b's state looked at as ``how`` says
    (some ways see only whether it is a Phase: those say a alone is in)."""
    if model.state_of(w, "a") is not Phase.CRIT:
        return False
    b = model.state_of(w, "b") if how in ONE_VALUE else None
    if how == "is":
        return b is Phase.CRIT
    if how == "isinstance":
        return isinstance(b, Phase)
    if how == "match":
        match b:
            case Phase():
                return True
            case _:
                return False
    if how == "type":
        return type(b) is Phase
    if how == "repr":
        return "CRIT" in repr(b)
    if how == "id":
        return id(b) == id(Phase.CRIT)
    if how == "swallowed":
        try:
            return bool(b == Phase.CRIT)
        except BaseException:
            return False
    if how == "unpacked":
        _, b = w.states
        return b is Phase.CRIT
    if how == "sliced":
        return Phase.CRIT in w.states[1:]
    if how == "counted":
        return w.states.count(Phase.CRIT) == 2
    if how == "live_states":
        return all(s is Phase.CRIT for s in model.live_states(w).values())
    if how == "compared":
        return w.states == (Phase.CRIT, Phase.CRIT)
    if how == "world_repr":
        return "CRIT: 2>, <Phase.CRIT" in repr(w)
    assert how == "timers"
    return isinstance(w.timers, tuple)


#: Ways of looking at b's state once fetched, ways of getting at it through the world.
ONE_VALUE = ["is", "isinstance", "match", "type", "repr", "id", "swallowed"]
THROUGH_THE_WORLD = ["unpacked", "sliced", "counted", "live_states", "compared", "world_repr"]


def _mutex(how: str) -> ActorSystem:
    class Mutex(ActorSystem):
        def actors(self) -> dict[str, Actor[Any]]:
            return {"a": Worker(), "b": Worker()}

        def talks_to(self) -> Mapping[str, Collection[str]] | None:
            return {}

        @always(reads=("a",))
        def mutex(self, w: World) -> bool:
            return not _both_critical(self, w, how)

    return Mutex()


@pytest.mark.parametrize("how", [*ONE_VALUE, *THROUGH_THE_WORLD, "timers"])
def test_a_property_that_looks_at_an_undeclared_node_in_any_way_is_a_model_error(
    how: str,
) -> None:
    # Without --por the property is violated in 2 steps (a enters, then b; or a alone, for
    # the ways that only ask whether b's state is a Phase). With it, b's steps are invisible
    # (nobody declares b) and go first: the state where both are in is never met, and
    # judged on a stand-in for b's state the property held.
    model = _mutex(how)
    steps = 1 if how in ("isinstance", "match", "type", "timers") else 2
    trace = check(model).verdict("mutex").trace
    assert trace is not None and len(trace) == steps
    with pytest.raises(ModelError) as info:
        check(model, por=True)
    what = {"timers": "the timers", "world_repr": "the messages in flight"}.get(
        how, "the state of node 'b'"
    )
    assert info.value.message.startswith(
        f"property 'mutex' read {what}, but declares reads=('a',): "
    )
    # Once a is in, after b's steps (b enters, leaves, then a enters).
    assert info.value.trace is not None and info.value.trace.path == "0.1.1.0"


class Declared(ActorSystem):
    """Properties that read what they declare in many ways, all allowed."""

    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Worker(), "b": Worker()}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {}

    @always(reads=("a",))
    def a_out(self, w: World) -> bool:
        (first,) = w.states[:1]
        stable = not w.links and w.down == 0 and w.cut == 0 and sum(w.used) == 0
        return not (first is w.states[-2] is Phase.CRIT and len(w.states) == 2 and stable)

    @always(reads=("a", "b"))
    def not_both(self, w: World) -> bool:
        same = hash(w.states) == hash(tuple(w.states)) and repr(w.states).startswith("(<")
        return same and len(self.live_states(w)) == 2 and w.states != (Phase.CRIT,) * 2


def test_a_property_may_read_what_it_declares_in_any_way() -> None:
    full = check(Declared(), keep_going=True)
    reduced = check(Declared(), keep_going=True, por=True)
    assert [(p.status, len(p.trace or ())) for p in full.properties] == [
        ("violated", 1),
        ("violated", 2),
    ]
    assert [p.status for p in reduced.properties] == ["violated", "violated"]


class PendingB(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Worker(), "b": Worker()}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {}

    @always(reads=("a",))
    def b_started(self, w: World) -> bool:
        return self.state_of(w, "b") is not Phase.PENDING


def test_a_property_that_compares_an_undeclared_node_by_identity_is_a_model_error() -> None:
    assert check(PendingB()).status("b_started") == "violated"  # at the initial state
    with pytest.raises(ModelError) as info:
        check(PendingB(), por=True)
    assert info.value.message == (
        "property 'b_started' read the state of node 'b', but declares reads=('a',): "
        "add 'b' to its reads"
    )


class Quitter(Actor[int]):
    def init(self, me: str, out: Out) -> int:
        out.set_timer("quit")
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.stop()
        return state


class Linker(Actor[int]):
    def init(self, me: str, out: Out) -> int:
        out.set_timer("link")
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.link("a")
        return state


def _system(behaviour: Actor[int]) -> ActorSystem:
    class System(ActorSystem):
        def actors(self) -> dict[str, Actor[Any]]:
            return {"a": Pinger(), "b": behaviour}

        @sometimes(reads=("a",))
        def a_heard(self, w: World) -> bool:
            return bool(self.state_of(w, "a"))

    return System()


def test_exits_and_links_are_refused_with_the_trace_that_reached_them() -> None:
    with pytest.raises(ModelError) as info:
        check(_system(Quitter()), por=True)
    assert str(info.value) == (
        "partial-order reduction does not support processes that exit, and b's process exits "
        "here "
        "(out.stop, out.kill or an exit signal): run without --por"
    )
    assert info.value.trace is not None
    assert str(info.value.trace.steps[-1].action) == "timeout(b, quit)"
    with pytest.raises(ModelError, match="does not support links"):
        check(_system(Linker()), por=True)


# -- refusals ------------------------------------------------------------------------------


class SymmetricOrder(SendOrder):
    def canonical(self, state: World) -> World:
        return state


def test_refused_where_it_does_not_apply() -> None:
    refusals: list[tuple[Model[Any], dict[str, Any], str]] = [
        (TwoPhase(), {}, "applies to actor systems (modelcheck.actors.ActorSystem), and "),
        (BullyElection(), {}, "BullyElection overrides actions()"),
        (ReplicatedGCounter(), {}, "not supported with liveness properties (converges)"),
        (SendOrder(), {"strategy": "simulate"}, "applies to bfs and dfs, not simulate"),
        (SymmetricOrder(), {"symmetry": True}, "symmetry and partial-order reduction do not"),
        (SendOrder(), {"workers": 2, "store": "fingerprint"}, "--workers 2 with --store fing"),
    ]
    for model, options, message in refusals:
        with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check(model, por=True, **options)


def test_the_cli_refuses_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "check", "models/classic/two_phase.py", "--por")
    assert run.code == 2 and run.out == ""
    assert run.err.splitlines() == [
        "error: partial-order reduction applies to actor systems "
        "(modelcheck.actors.ActorSystem), and TwoPhase is not one: run without --por"
    ]
    run = run_cli(
        capsys, "check", "models/messaging/late_reply.py:UntaggedReply", "--por", "--no-timing"
    )
    assert run.code == 1
    assert run.out.startswith("UntaggedReply (calls=2): 9 distinct states, 9 generated")


def test_a_checkpoint_needs_declared_reads(tmp_path: Any) -> None:
    # Reads found by tracing may start the search over, which a checkpoint cannot resume.
    with pytest.raises(UsageError) as info:
        check(ReplicatedGCounter(), por=True, safety_only=True, checkpoint=tmp_path / "c")
    assert str(info.value) == (
        "--por learns what properties without reads= read, and may start the search over, "
        "which a checkpoint cannot resume: declare reads on same_updates_same_state, "
        "converged_when_quiet (or leave out --checkpoint)"
    )
