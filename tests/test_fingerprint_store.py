"""The fingerprint store (``--store fingerprint``): stable fingerprints, and a search that
gives the exact store's counts, verdicts and traces in about 20 bytes a state."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modelcheck.explore.compact as compact
import modelcheck.explore.store as store_module
from modelcheck import CheckResult, ModelError, Property, UsageError, check
from modelcheck.fingerprint import fingerprint
from models.classic.two_phase import TwoPhase
from tests.cli_helpers import run_cli
from tests.graph_model import GraphModel
from tests.test_random_systems import systems

TLC_TWO_PHASE = {3: (288, 1_146, 11), 4: (1_568, 8_258, 14), 5: (8_832, 58_146, 17)}


def _summary(result: CheckResult) -> tuple[Any, ...]:
    props = [(p.name, p.status, p.trace.path if p.trace else None) for p in result.properties]
    return (result.distinct, result.generated, result.depth, result.stopped, props)


def _printed_under_three_hash_seeds(code: str) -> set[str]:
    """What ``code`` prints in fresh processes with three hash seeds (one answer: stable)."""
    return {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "12345")
    }


def test_fingerprints_are_the_same_in_every_process_whatever_the_hash_seed() -> None:
    code = (
        "from modelcheck.fingerprint import fingerprint as f;"
        "print(f(('a', None, frozenset({'x', 'y', 'z'}), (1, 2.5, b'b', True))))"
    )
    outputs = _printed_under_three_hash_seeds(code)
    assert outputs == {"6306396016144685015\n"}


def test_equal_values_have_equal_fingerprints_however_they_were_built() -> None:
    # 1 and 9 collide in a small set's table: the two frozensets iterate in other orders.
    assert list(frozenset([1, 9])) == [1, 9] and list(frozenset([9, 1])) == [9, 1]
    assert fingerprint(frozenset([1, 9])) == fingerprint(frozenset([9, 1]))
    part = (1, "two")
    shared = (part, part)
    copied = ((1, "two"), tuple([1, "tw" + "o"]))
    assert shared == copied
    assert fingerprint(shared) == fingerprint(copied)
    # More frozensets than CPython's fast pickler takes (it refuses at 50 levels).
    many = tuple(frozenset({i, i + 1}) for i in range(80))
    assert fingerprint(many) == fingerprint(tuple(frozenset({i + 1, i}) for i in range(80)))


class _Holder(NamedTuple):
    name: str
    members: frozenset[Any]


@dataclass(frozen=True)
class _Box:
    inner: Any


def test_frozensets_inside_named_tuples_dataclasses_and_frozensets() -> None:
    one = _Holder("a", frozenset({(1, "x"), (9, "y"), frozenset({3, 11})}))
    other = _Holder("a", frozenset({frozenset({11, 3}), (9, "y"), (1, "x")}))
    assert one == other
    assert fingerprint(one) == fingerprint(other)
    assert fingerprint(_Box(one)) == fingerprint(_Box(other))
    assert fingerprint(_Box(frozenset({_Box(1), _Box(2)}))) == fingerprint(
        _Box(frozenset({_Box(2), _Box(1)}))
    )
    assert fingerprint(one) != fingerprint(_Holder("b", one.members))
    assert fingerprint(one) != fingerprint(("a", one.members))  # the type counts


class _Late(NamedTuple):
    left: Any
    right: Any


def test_walking_a_value_or_not_gives_the_same_fingerprint() -> None:
    # A type once seen holding a frozenset is walked at once from then on; a value of it
    # that holds none must keep the fingerprint it has when pickled directly.
    plain = _Late((1, "a"), _Box(2))
    before = fingerprint(plain)
    fingerprint(_Late(frozenset({1}), None))  # _Late is now walked
    assert fingerprint(plain) == before


def test_different_values_have_different_fingerprints() -> None:
    values = [(), (0,), (1,), (0, 0), "0", b"0", None, frozenset(), frozenset({0}), ((),)]
    assert len({fingerprint(v) for v in values}) == len(values)


@pytest.mark.parametrize("rms", [3, 4, 5])
def test_two_phase_counts_equal_tlcs_in_about_20_bytes_a_state(rms: int) -> None:
    result = check(TwoPhase(rms=rms), store="fingerprint")
    assert (result.distinct, result.generated, result.depth) == TLC_TWO_PHASE[rms]
    assert result.store == "fingerprint" and result.complete
    assert result.store_bytes is not None
    assert 20 <= result.store_bytes / result.distinct <= 24
    distinct, generated, _depth = TLC_TWO_PHASE[rms]
    assert result.collision_probability == distinct * (generated - distinct) / 2**64


def test_the_exact_store_reports_no_collision_probability() -> None:
    result = check(TwoPhase(rms=3))
    assert (result.store, result.store_bytes, result.collision_probability) == (
        "exact",
        None,
        None,
    )


@contextmanager
def _chunks_of(size: int) -> Iterator[None]:
    """Expand levels ``size`` states at a time (to test levels cut into many chunks)."""
    old = compact._CHUNK
    compact._CHUNK = size
    try:
        yield
    finally:
        compact._CHUNK = old


@settings(max_examples=300, deadline=None)
@given(
    systems(),
    st.booleans(),
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from([None, 2, 5]),
    st.sampled_from([1, 2, 1 << 16]),
)
def test_the_same_counts_verdicts_and_traces_as_the_exact_store(
    model: GraphModel,
    keep_going: bool,
    max_depth: int | None,
    max_states: int | None,
    chunk: int,
) -> None:
    options: dict[str, Any] = {
        "keep_going": keep_going,
        "max_depth": max_depth,
        "max_states": max_states,
    }
    exact = check(model, **options)
    with _chunks_of(chunk):
        compact_ = check(model, store="fingerprint", **options)
    assert _summary(compact_) == _summary(exact)


@settings(max_examples=100, deadline=None)
@given(
    systems(),
    st.booleans(),
    st.sampled_from([None, 2]),
    st.sampled_from([None, 2, 4]),
    st.sampled_from([1, 3, 1 << 16]),
)
def test_the_same_deadlock_as_the_exact_store(
    model: GraphModel,
    keep_going: bool,
    max_depth: int | None,
    max_states: int | None,
    chunk: int,
) -> None:
    options: dict[str, Any] = {
        "keep_going": keep_going,
        "deadlock": True,
        "max_depth": max_depth,
        "max_states": max_states,
    }
    exact = check(model, **options)
    with _chunks_of(chunk):
        assert _summary(check(model, store="fingerprint", **options)) == _summary(exact)


@pytest.mark.parametrize("max_states", [3, 4])
def test_a_deadlock_before_the_state_bound_is_reported(max_states: int) -> None:
    # 0 -> 1 (a dead end), 2; 2 -> 3 -> 4 -> 5. The exact search expands 1, finds it dead,
    # then stops at the bound while expanding 2 (the 4th state) or 3 (the 5th). With 3,
    # the bound falls while expanding 0, before the dead end is looked at.
    model = GraphModel({0: [1, 2], 2: [3], 3: [4], 4: [5]})
    options: dict[str, Any] = {"deadlock": True, "keep_going": True, "max_states": max_states}
    exact, compact_ = check(model, **options), check(model, store="fingerprint", **options)
    assert _summary(compact_) == _summary(exact)
    status = compact_.verdict("deadlock").status
    assert (max_states, status) in ((3, "unknown"), (4, "violated"))


class _Ratio(GraphModel):
    def properties(self) -> list[Property]:
        return [Property("ratio", "always", lambda n: 6 // (2 - n) > 0)]


def test_a_property_that_raises_is_reported_with_its_trace() -> None:
    with pytest.raises(ModelError) as info:
        check(_Ratio({0: [1], 1: [2], 2: [3]}), store="fingerprint")
    assert info.value.message == (
        "property 'ratio' raised ZeroDivisionError: integer division or modulo by zero"
    )
    assert info.value.trace is not None and info.value.trace.path == "0.0.0"


def test_a_violation_stops_with_the_exact_stores_counts_and_trace() -> None:
    # 0 -> 1, 2; 1 -> 3 (bad), 4; 2 -> 5 (bad). The exact search stops on finding 3, the
    # 4th distinct state and the 5th generated (the initial state, then 1, 2, 3).
    model = GraphModel({0: [1, 2], 1: [3, 4], 2: [5]}, bad={3, 5})
    result = check(model, store="fingerprint")
    assert (result.distinct, result.generated, result.depth) == (4, 4, 3)
    trace = result.verdict("safe").trace
    assert trace is not None and [s.state for s in trace.steps] == [0, 1, 3]


def test_states_whose_fingerprints_collide_are_taken_for_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With a 1-bit "fingerprint", state 2 is taken for the initial state 0: the chain
    # 0 -> 1 -> 2 -> ... ends there, at 2 of its 6 states.
    monkeypatch.setattr(compact, "fingerprint", lambda state: state % 2)
    monkeypatch.setattr(store_module, "fingerprint", lambda state: state % 2)
    model = GraphModel({0: [1], 1: [2], 2: [3], 3: [4], 4: [5]})
    result = check(model, store="fingerprint")
    assert (result.distinct, check(model).distinct) == (2, 6)


def test_depth_first_search_over_fingerprints_is_the_exact_ones() -> None:
    for bound in (None, 6):
        exact = check(TwoPhase(rms=5), strategy="dfs", max_depth=bound)
        compact = check(TwoPhase(rms=5), strategy="dfs", max_depth=bound, store="fingerprint")
        assert (compact.distinct, compact.generated, compact.depth, compact.stopped) == (
            exact.distinct,
            exact.generated,
            exact.depth,
            exact.stopped,
        )
        assert compact.collision_probability is not None and exact.store == "exact"
    chain = GraphModel({k: [k + 1, k // 2] for k in range(3000)}, bad={2999})
    trace = check(chain, strategy="dfs", store="fingerprint").verdict("safe").trace
    assert trace is not None and [s.state for s in trace.steps] == list(range(3000))


def test_other_strategies_and_stores_are_refused() -> None:
    with pytest.raises(UsageError, match="simulation keeps no store"):
        check(TwoPhase(rms=3), strategy="simulate", store="fingerprint")
    with pytest.raises(UsageError, match="unknown store 'disk': choose exact, fingerprint"):
        check(TwoPhase(rms=3), store="disk")


def test_the_cli_reports_the_store_and_judges_liveness(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["models/classic/two_phase.py", "-p", "rms=4", "--store", "fingerprint"]
    out = run_cli(capsys, "check", *args, "--no-timing")
    assert out.code == 0
    assert out.out.splitlines()[:2] == [
        "TwoPhase (rms=4): 1,568 distinct states, 8,258 generated, depth 14, bfs, complete",
        "  fingerprint store: 20.6 bytes/state, probability of a collision 5.7e-13 "
        "(TLC's optimistic estimate)",
    ]
    # Liveness is judged too, the states regenerated by replay: the exact store's report.
    bully = ["check", "models/election/bully.py", "--no-timing"]
    live = run_cli(capsys, *bully, "--store", "fingerprint")
    exact = run_cli(capsys, *bully)
    assert live.code == exact.code == 0
    lines = live.out.splitlines()
    assert lines[1].startswith("  fingerprint store: ")
    assert lines[:1] + lines[2:] == exact.out.splitlines()
    assert "  holds      eventually elects_a_leader" in lines


_WORLDS = (
    "from modelcheck.fingerprint import fingerprint as f\n"
    "from models.registry.global_registry import GlobalRegistry\n"
    "model = GlobalRegistry(crashes=1, restarts=1, partitions=1)\n"
    "worlds = list(model.init_states())\n"
    "for w in worlds:\n"
    "    worlds.extend(n for _, n in model.actions(w) if n not in worlds)\n"
    "    if len(worlds) > 300: break\n"
    "print(len(worlds), sum(f(w) for w in worlds[:300]) % 2**64)\n"
)


def test_world_fingerprints_are_the_same_in_every_process_whatever_the_hash_seed() -> None:
    """Worlds are fingerprinted part by part (``fingerprint_world``): still one answer
    in every process, whatever the hash seed."""
    outputs = _printed_under_three_hash_seeds(_WORLDS)
    # (10687313549036275257 before worlds held messages by name to another node: their
    # byname part, field 12; 14633270065828634096 before monitors carried their reference
    # numbers and the processes' table the monitors a handler reads; 4519512579534167698
    # before channels and signal queues were digested entry by entry; 4606150054196339731
    # before the parts' digests were combined by CPython's tuple hash instead of BLAKE2b;
    # 1222409623343641441 before the channels by name were digested entry by entry too:
    # the same worlds, encoded differently)
    assert outputs == {"302 2067870695711267807\n"}


def test_a_world_fingerprinted_by_parts_equals_its_copy_built_apart() -> None:
    """A world and an equal one sharing no part with it (its timer sets built in another
    order) have one fingerprint; worlds that differ in one part do not."""
    from modelcheck.actors.world import World, fingerprint_world
    from models.registry.global_registry import GlobalRegistry

    model = GlobalRegistry(crashes=1, restarts=1, partitions=1)
    worlds = list(model.init_states())
    for w in worlds:
        worlds.extend(n for _, n in model.actions(w) if n not in worlds)
        if len(worlds) > 200:
            break
    assert len(worlds) > 200
    for w in worlds:
        copy = World(*pickle.loads(pickle.dumps(tuple(w))))
        copy = copy._replace(
            timers=tuple((i, frozenset(sorted(t, key=repr, reverse=True))) for i, t in copy.timers)
        )
        assert copy == w and copy[0] is not w[0]
        assert fingerprint(copy) == fingerprint(w) == fingerprint_world(w)
    assert len({fingerprint(w) for w in worlds}) == len(worlds)
    timed = next(w for w in worlds if w.timers)
    assert fingerprint(timed._replace(timers=())) != fingerprint(timed)
    assert fingerprint(timed._replace(down=timed.down ^ 1)) != fingerprint(timed)


def test_a_part_holding_a_frozenset_makes_only_its_own_role_walked() -> None:
    """A process state that is a plain tuple holding a frozenset (TwoPhaseActors') marks
    plain tuples to be walked as process states only, not as channels or anywhere else:
    walking every tuple part made a world's fingerprint several times slower."""
    from modelcheck.fingerprint import Parts, halves

    parts = Parts()
    state, channels = ("init", frozenset({"a", "b"})), ((1, ("prepared", "rm1")),)
    assert parts.of(state, 0) == parts.of(("init", frozenset({"b", "a"})), 0)
    assert parts.of(channels, 1) == halves(fingerprint(channels).to_bytes(8, "little"))
    assert parts._walked == {0: {tuple}, 1: set()}


_SIGNAL = (
    "import pickle, sys\n"
    "from modelcheck.actors import Signal\n"
    "from modelcheck.fingerprint import fingerprint as f\n"
    "s = Signal('DOWN', 'b', frozenset({'x', 'y', 'z'}))\n"
    "if len(sys.argv) > 1:\n"
    "    print(pickle.loads(bytes.fromhex(sys.argv[1])).get(s))\n"
    "else:\n"
    "    print(f(s), pickle.dumps({s: 'found'}).hex())\n"
)


def test_a_signal_keeps_its_hash_to_itself_across_processes() -> None:
    """A ``Signal`` remembers its hash (it is hashed with every world holding it), but
    neither its fingerprint nor its pickle carries it: another hash seed finds it again."""

    def run(seed: str, *args: str) -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", _SIGNAL, *args],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.split()

    made = {seed: run(seed) for seed in ("0", "1", "12345")}
    assert len({fp for fp, _ in made.values()}) == 1
    assert run("1", made["0"][1]) == ["found"]


def test_a_part_equal_to_one_met_before_is_not_encoded_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new object equal to a part digested before (as the rules make them) is found by
    its pickle, not encoded and digested again; a part that is equal only by ``==`` (a
    ``True`` where the first had ``1``) is encoded anew, and its digest differs."""
    import modelcheck.fingerprint as fingerprint_module
    from modelcheck.fingerprint import Parts

    encoded: list[Any] = []
    real = fingerprint_module._digest_in

    def counted(value: Any, walked: set[type]) -> bytes:
        encoded.append(value)
        return real(value, walked)

    monkeypatch.setattr(fingerprint_module, "_digest_in", counted)
    parts = Parts()
    first = _Holder("a", frozenset({(1, 2), (9, 3)}))  # (ints: one iteration order, any seed)
    digest = parts.of(first)
    assert encoded == [first]
    copy = pickle.loads(pickle.dumps(first))
    assert copy == first and copy is not first
    assert parts.of(copy) == digest and encoded == [first]
    truthy = _Holder("a", frozenset({(True, 2), (9, 3)}))
    assert truthy == first
    assert parts.of(truthy) != digest and encoded == [first, truthy]


def _reachable(model: Any) -> list[Any]:
    """Every state ``model`` reaches, breadth first."""
    seen = list(model.init_states())
    known = set(seen)
    for state in seen:
        for _, nxt in model.actions(state):
            if nxt not in known:
                known.add(nxt)
                seen.append(nxt)
    return seen


def _actor_models() -> list[Any]:
    from models.classic.two_phase_actors import TwoPhaseActors
    from models.crdt.replicated import ReplicatedGCounter
    from models.registry.global_registry import GlobalRegistry

    return [
        TwoPhaseActors(rms=3),
        GlobalRegistry(crashes=1, restarts=1),
        ReplicatedGCounter(replicas=2, partitions=1, heals=1),
        ReplicatedGCounter(replicas=3, crashes=1),
    ]


@pytest.mark.parametrize(
    "model", _actor_models(), ids=["two_phase", "global", "counter_heal", "counter_crash"]
)
def test_every_world_of_a_whole_search_has_a_fingerprint_of_its_own(model: Any) -> None:
    """No two worlds of these state spaces share a fingerprint, a copy sharing no part
    with its world has the world's, and the fingerprint store counts what the exact store
    counts."""
    from modelcheck.actors.world import World

    worlds = _reachable(model)
    exact = check(model, safety_only=True, keep_going=True)
    assert exact.complete and len(worlds) == exact.distinct
    assert len({fingerprint(w) for w in worlds}) == len(worlds)
    for w in worlds[::7]:
        copy = World(*pickle.loads(pickle.dumps(tuple(w))))
        assert copy == w and copy[0] is not w[0] and fingerprint(copy) == fingerprint(w)
    compact_ = check(model, safety_only=True, keep_going=True, store="fingerprint")
    assert (compact_.distinct, compact_.generated) == (exact.distinct, exact.generated)


@dataclass(frozen=True)
class _Pair:
    left: Any
    right: Any


class _Odd(NamedTuple):
    value: Any

    def __reduce__(self) -> tuple[Any, ...]:  # (a pickle of its own: not made of its items)
        return _Odd, (self.value,)


def test_a_new_value_made_of_the_items_of_one_met_before_is_not_pickled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new tuple, NamedTuple, dataclass or signal whose items are the very objects of
    one digested before is found by them, not pickled; a type with a pickle of its own
    (unless declared with ``made_of``, as ``Signal`` is) is pickled."""
    import modelcheck.fingerprint as fingerprint_module
    from modelcheck.actors import Signal
    from modelcheck.fingerprint import Parts

    pickled: list[Any] = []
    real = fingerprint_module._dumps

    def counted(value: Any, protocol: int) -> bytes:
        pickled.append(value)
        return real(value, protocol)

    monkeypatch.setattr(fingerprint_module, "_dumps", counted)
    parts = Parts()
    inner = frozenset({"x", "y"})
    for make in (tuple, _Holder._make, lambda items: _Pair(*items)):
        first, second = make(("a", inner)), make(("a", inner))
        assert first is not second
        pickled.clear()
        assert parts.of(first) == parts.of(second) and pickled == [first]
    signal = Signal("DOWN", "b", inner)
    pickled.clear()
    assert parts.of(signal) == parts.of(Signal("DOWN", "b", inner)) and pickled == [signal]
    odd = _Odd(inner)
    pickled.clear()
    assert parts.of(odd) == parts.of(_Odd(inner)) and len(pickled) == 2


def test_the_pickles_kept_as_keys_stay_within_their_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pickles kept to find equal parts again are bounded in bytes, not only in number (a
    large process state must not make the fingerprint store's memory grow); digests do not
    depend on what was forgotten."""
    import modelcheck.fingerprint as fingerprint_module
    from modelcheck.fingerprint import Parts

    monkeypatch.setattr(fingerprint_module, "_PICKLED_BYTES", 200)
    parts, fresh = Parts(), Parts()
    digests = [parts.of(("x" * 40, i)) for i in range(50)]
    assert 0 < sum(map(len, parts._by_pickle)) <= 200
    assert digests == [fresh.of(("x" * 40, i)) for i in reversed(range(50))][::-1]


@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
def test_a_broken_step_property_stops_both_stores_at_the_same_counts(chunk: int) -> None:
    # The successors a chunk found before the step that broke the refinement are judged
    # and stored, as the exact store does (the chunk was once dropped: 174 states, 553).
    from models.classic.two_phase_refinement import HastyRefinesTCommit

    exact = check(HastyRefinesTCommit(rms=3))
    with _chunks_of(chunk):
        compact_ = check(HastyRefinesTCommit(rms=3), store="fingerprint")
    assert (exact.distinct, exact.generated, exact.depth) == (197, 660, 7)
    assert _summary(compact_) == _summary(exact)
