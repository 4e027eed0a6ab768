"""CRDTs replicated over the actor network (models/crdt/replicated.py): what converges, what
does not and why, step by step; and the add-wins LWW map against DeltaCrdt's definition."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck import check, follow
from modelcheck.actors.symmetry import NodeSymmetry
from modelcheck.errors import ModelError
from modelcheck.model import format_label
from modelcheck.result import CheckResult
from modelcheck.symbolic import prove_crdt
from modelcheck.trace import Trace
from models.crdt.aw_lww_map import KEYS, AWLWWMap, AWState
from models.crdt.or_set_no_context import ORSetNoContext
from models.crdt.replicated import (
    ReplicaState,
    ReplicatedAWLWWMap,
    ReplicatedGCounter,
    ReplicatedLWWNoTieBreak,
    ReplicatedLWWRegister,
    ReplicatedORSet,
    ReplicatedORSetNoContext,
    ReplicatedPNCounter,
    ReplicatedSumCounter,
    UpdateId,
    _Replicated,
)
from tests.golden_runner import GOLDEN, expected

ROOT = Path(__file__).parent.parent
SAFETY = ("same_updates_same_state", "converged_when_quiet")


def _walk(system: _Replicated, steps: Sequence[str]) -> Trace:
    """Follow ``steps``, each an action's text or the start of exactly one enabled action's
    text up to a comma (``"deliver(a, b"``: the next message from a to b)."""
    texts: list[str] = []
    for wanted in steps:
        world = follow(system, texts).final
        enabled = [format_label(label) for label, _ in system.actions(world)]
        match = [t for t in enabled if t == wanted or t.startswith(wanted + ",")]
        assert len(match) == 1, (wanted, enabled)
        texts.append(match[0])
    return follow(system, texts)


def _replicas(system: _Replicated, trace: Trace) -> dict[str, ReplicaState]:
    return system.live_states(trace.final)


def _actions(result: CheckResult, prop: str) -> list[str]:
    trace = result.verdict(prop).trace
    assert trace is not None
    return [str(step.action) for step in trace.steps[1:]]


# -- the correct CRDTs converge ------------------------------------------------------------


def test_a_g_counter_converges_and_every_replica_counts_every_increment() -> None:
    system = ReplicatedGCounter(replicas=3)
    result = check(system, keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (600, 1657, 13)
    assert {p.name: p.status for p in result.properties} == {
        "same_updates_same_state": "holds",
        "converged_when_quiet": "holds",
        "converges": "holds",
    }
    trace = _walk(
        system,
        ["timeout(a, increment)", "timeout(a, sync)", "timeout(b, increment)",
         "deliver(a, b", "deliver(a, c", "timeout(b, sync)", "deliver(b, a", "deliver(b, c",
         "timeout(c, increment)", "timeout(c, sync)", "deliver(c, a", "deliver(c, b"],
    )  # fmt: skip
    replicas = _replicas(system, trace)
    counts = frozenset({("a", 1), ("b", 1), ("c", 1)})  # one count per replica, by name
    assert {name: (s.value, s.crdt) for name, s in replicas.items()} == {
        name: (3, counts) for name in "abc"
    }
    assert system.quiet(trace.final)


def test_after_a_heal_the_retry_on_down_reconnects_and_syncs_what_the_partition_lost() -> None:
    system = ReplicatedGCounter(partitions=1, heals=1)
    steps = ["timeout(a, increment)", "partition([a], [b])", "timeout(a, sync)"]
    parted = _walk(system, steps)
    assert system.in_flight(parted.final) == []  # sent across the cut: lost
    assert system.state_of(parted.final, "b").value == 0
    assert not system.quiet(parted.final)  # a link is cut: nobody owes convergence yet
    # The monitor the sync set fired at once (noconnection): a retries, and across the cut
    # the retry is lost and fires again: a step that changes nothing.
    retry = "signal(a, DOWN(b, noconnection))"
    assert (retry, parted.final) in [
        (format_label(lb), w) for lb, w in system.actions(parted.final)
    ]
    healed = _walk(system, [*steps, "heal()"])
    assert not system.connections(healed.final).has_edge("a", "b")  # nothing reconnects...
    resync = _walk(system, [*steps, "heal()", retry])
    assert system.connections(resync.final).has_edge("a", "b")  # ...until a's retry does
    synced = _walk(system, [*steps, "heal()", retry, "deliver(a, b"])
    assert system.state_of(synced.final, "b").value == 1
    assert system.quiet(synced.final)


def test_a_partition_that_never_heals_breaks_only_the_liveness_property() -> None:
    result = check(ReplicatedGCounter(partitions=1), keep_going=True)
    assert [result.status(p) for p in SAFETY] == ["holds", "holds"]
    converges = result.verdict("converges")
    assert converges.status == "violated" and converges.trace is not None
    assert _actions(result, "converges") == [
        "timeout(a, increment)",
        "timeout(a, sync)",
        "partition([a], [b])",
        "signal(a, DOWN(b, noconnection))",
    ]
    assert converges.trace.loop == 3  # the last step, a's retry across the cut, for ever


def test_converging_across_a_heal_needs_the_heal_to_be_fair() -> None:
    class Unfair(ReplicatedGCounter):
        fairness = ()

    assert check(ReplicatedGCounter(partitions=1, heals=1)).status("converges") == "holds"
    result = check(Unfair(partitions=1, heals=1), keep_going=True)
    assert (result.distinct, result.status("converges")) == (83, "violated")
    # The heal stays possible while a retries across the cut, and is never taken.
    assert _actions(result, "converges")[-1] == "signal(a, DOWN(b, noconnection))"


def test_replicas_with_the_same_script_are_interchangeable() -> None:
    assert ReplicatedGCounter(replicas=3).symmetric() == [("a", "b", "c")]
    assert ReplicatedGCounter(replicas=3, readers=1).symmetric() == [("a", "b")]
    assert ReplicatedPNCounter(replicas=4).symmetric() == [("a", "c"), ("b", "d")]
    assert ReplicatedLWWRegister(replicas=3).symmetric() == []  # every replica writes its own
    system = ReplicatedGCounter(replicas=3, partitions=1)
    plain = check(system, safety_only=True)
    reduced = check(ReplicatedGCounter(replicas=3, partitions=1), safety_only=True, symmetry=True)
    assert [p.status for p in reduced.properties] == [p.status for p in plain.properties]
    # One world per orbit: the reachable worlds, grouped by every renaming of a, b and c.
    worlds = set(system.init_states())
    frontier = list(worlds)
    while frontier:
        successors = {nxt for w in frontier for _, nxt in system.actions(w)}
        frontier = list(successors - worlds)
        worlds |= successors
    renamings = list(permutations(range(3)))
    rename = NodeSymmetry(system, ((0, 1, 2),)).rename
    orbits = {frozenset(rename(w, perm) for perm in renamings) for w in worlds}
    assert (plain.distinct, reduced.distinct) == (len(worlds), len(orbits)) == (1875, 357)


def test_a_lost_sync_is_never_sent_again() -> None:
    result = check(ReplicatedGCounter(drops=1), keep_going=True)
    assert result.status("same_updates_same_state") == "holds"
    assert _actions(result, "converged_when_quiet") == [
        "timeout(a, increment)",
        "timeout(a, sync)",
        "drop(a, b, {crdt: [[a, 1], [b, 0]], seen: [a1]})",
    ]


def test_the_or_set_add_wins_over_a_remove_that_did_not_see_it() -> None:
    system = ReplicatedORSet()
    common = ["timeout(a, add(x))", "timeout(a, sync)", "timeout(b, add(x))"]
    concurrent = _walk(system, [*common, "timeout(b, remove(x))", "deliver(a, b"])
    assert system.state_of(concurrent.final, "b").value == frozenset({"x"})
    observed = _walk(system, [*common, "deliver(a, b", "timeout(b, remove(x))"])
    assert system.state_of(observed.final, "b").value == frozenset()
    result = check(system, keep_going=True)
    assert (result.distinct, result.status("converges")) == (62, "holds")
    assert len(_actions(result, "add_wins")) == 5


def test_the_aw_lww_map_keeps_a_concurrent_put_and_reads_the_latest() -> None:
    system = ReplicatedAWLWWMap()
    both = _walk(
        system,
        ["timeout(a, put(k, 1))", "timeout(a, sync)", "timeout(b, put(k, 2))",
         "timeout(b, sync)", "deliver(a, b", "deliver(b, a"],
    )  # fmt: skip
    # Neither put saw the other: both dots survive, and the read picks (dot 1, replica b).
    for state in _replicas(system, both).values():
        assert state.value == (("k", 2),)
        assert state.crdt.dots[KEYS.index("k")] == {("a", 1), ("b", 1)}
    removed = _walk(
        system,
        ["timeout(a, put(k, 1))", "timeout(a, sync)", "timeout(b, put(k, 2))",
         "timeout(b, remove(k))", "deliver(a, b"],
    )  # fmt: skip
    assert system.state_of(removed.final, "b").value == (("k", 1),)
    result = check(system, keep_going=True)
    assert (result.distinct, result.status("converges")) == (82, "holds")


# -- the broken ones, and how they break ---------------------------------------------------


def test_a_sum_merge_counts_an_increment_again_when_it_comes_back() -> None:
    system = ReplicatedSumCounter()
    result = check(system, keep_going=True)
    assert (result.distinct, result.generated) == (20, 27)
    expected = [
        "timeout(a, increment)",
        "timeout(a, sync)",
        "deliver(a, b, {crdt: [[a, 1], [b, 0]], seen: [a1]})",
        "timeout(b, increment)",
        "timeout(b, sync)",
        "deliver(b, a, {crdt: [[a, 1], [b, 1]], seen: [a1, b1]})",
    ]
    assert _actions(result, "same_updates_same_state") == expected
    assert _actions(result, "converged_when_quiet") == expected
    trace = result.verdict("same_updates_same_state").trace
    assert trace is not None
    replicas = _replicas(system, trace)
    assert (replicas["a"].value, replicas["a"].crdt, replicas["b"].value) == (
        3,
        frozenset({("a", 2), ("b", 1)}),
        2,
    )
    assert replicas["a"].seen == replicas["b"].seen == {UpdateId("a", 1), UpdateId("b", 1)}


def test_a_sum_merge_looks_right_until_the_network_duplicates_a_message() -> None:
    assert all(p.status == "holds" for p in check(ReplicatedSumCounter(readers=1)).properties)
    system = ReplicatedSumCounter(readers=1, duplicates=1)
    result = check(system, keep_going=True)
    sync = "{crdt: [[a, 1], [b, 0]], seen: [a1]}"
    assert _actions(result, "same_updates_same_state") == [
        "timeout(a, increment)",
        "timeout(a, sync)",
        f"duplicate(a, b, {sync})",
        f"deliver(a, b, {sync})",
        f"deliver(a, b, {sync})",
    ]
    trace = result.verdict("same_updates_same_state").trace
    assert trace is not None
    assert {n: s.value for n, s in _replicas(system, trace).items()} == {"a": 1, "b": 2}
    # The G-Counter takes the same duplicate in its stride: merge is idempotent.
    assert all(p.status == "holds" for p in check(ReplicatedGCounter(duplicates=1)).properties)


def test_a_sum_merge_counts_the_resync_after_a_heal_twice() -> None:
    system = ReplicatedSumCounter(readers=1, partitions=1, heals=1)
    result = check(system, keep_going=True)
    sync = "{crdt: [[a, 1], [b, 0]], seen: [a1]}"
    assert _actions(result, "same_updates_same_state") == [
        "timeout(a, increment)",
        "timeout(a, sync)",
        f"deliver(a, b, {sync})",
        "partition([a], [b])",
        "heal()",
        "signal(a, DOWN(b, noconnection))",  # a sync may be lost: a sends it again
        f"deliver(a, b, {sync})",
    ]
    assert len(_actions(result, "converged_when_quiet")) == 7


def test_an_lww_register_without_a_tie_break_keeps_a_different_write_on_each_side() -> None:
    system = ReplicatedLWWNoTieBreak()
    result = check(system, keep_going=True)
    assert [result.verdict(p).status for p in SAFETY] == ["violated", "violated"]
    actions = _actions(result, "same_updates_same_state")
    assert len(actions) == 6 and actions[0] == "timeout(a, assign(1))"
    trace = result.verdict("same_updates_same_state").trace
    assert trace is not None
    replicas = _replicas(system, trace)
    assert {n: (s.value, s.crdt.stamp) for n, s in replicas.items()} == {"a": (1, 1), "b": (2, 1)}
    # With the tie-break both keep b's write (same stamp, larger writer).
    fixed = ReplicatedLWWRegister()
    final = _walk(fixed, [step.split(", {")[0] for step in actions]).final
    assert {s.value for s in fixed.live_states(final).values()} == {2}


def test_an_or_set_whose_merge_ignores_the_context_brings_a_removed_element_back() -> None:
    system = ReplicatedORSetNoContext()
    result = check(system, keep_going=True)
    assert (result.distinct, result.generated) == (72, 116)
    actions = [a.split(", {")[0] for a in _actions(result, "same_updates_same_state")]
    assert actions == [
        "timeout(b, add(x))",
        "timeout(b, sync)",
        "deliver(b, a",
        "timeout(b, remove(x))",
        "timeout(b, sync)",
        "deliver(b, a",
    ]
    trace = result.verdict("same_updates_same_state").trace
    assert trace is not None
    values = {n: s.value for n, s in _replicas(system, trace).items()}
    assert values == {"a": frozenset({"x"}), "b": frozenset()}
    # The same steps on the OR-Set: a sees the remove, and x is gone on both sides.
    fixed = ReplicatedORSet()
    assert {s.value for s in _replicas(fixed, _walk(fixed, actions)).values()} == {frozenset()}


def test_a_script_with_an_unknown_update_is_a_model_error() -> None:
    class Typo(ReplicatedORSet):
        def script(self, replica: int) -> tuple[tuple[str, ...], ...]:
            return (("insert", "x"),)

    with pytest.raises(ModelError, match=r"insert\(x\) is not one of ORSet's: add, remove"):
        Typo()
    with pytest.raises(ModelError, match="readers=3 is more than replicas=2"):
        ReplicatedGCounter(readers=3)


# -- the CRDT definitions ------------------------------------------------------------------


def test_the_aw_lww_map_laws_are_proved_and_the_context_free_or_set_is_refuted() -> None:
    statuses = {law.name: law.status for law in prove_crdt(AWLWWMap(), replicas=3).laws}
    assert set(statuses.values()) == {"proved"} and len(statuses) == 8
    broken = {law.name: law.status for law in prove_crdt(ORSetNoContext(), replicas=3).laws}
    assert [name for name, status in broken.items() if status != "proved"] == [
        "remove is an inflation"
    ]


# DeltaCrdt's AWLWWMap, written as beam.md describes it: per key, values-with-timestamps
# map to sets of dots; a causal context of dots; join per key keeps
# (s1 & s2) | (s1 - c2) | (s2 - c1). The compact AWLWWMap must read the same.

Dot = tuple[int, int]
Entry = tuple[str, int, int, Dot]  # key, value, timestamp, dot
Reference = tuple[frozenset[Dot], frozenset[Entry]]


def _ref_put(s: Reference, key: str, value: int, replica: int) -> Reference:
    context, entries = s
    n = 1 + max((c for r, c in context if r == replica), default=0)
    kept = frozenset(e for e in entries if e[0] != key)
    return context | {(replica, n)}, kept | {(key, value, n, (replica, n))}


def _ref_remove(s: Reference, key: str) -> Reference:
    return s[0], frozenset(e for e in s[1] if e[0] != key)


def _ref_join(a: Reference, b: Reference) -> Reference:
    (ca, ea), (cb, eb) = a, b
    kept = (ea & eb) | {e for e in ea if e[3] not in cb} | {e for e in eb if e[3] not in ca}
    return ca | cb, frozenset(kept)


def _ref_value(s: Reference) -> tuple[tuple[str, int], ...]:
    out = []
    for key in KEYS:
        live = [(ts, dot[0], value) for k, value, ts, dot in s[1] if k == key]
        if live:
            out.append((key, max(live)[2]))
    return tuple(out)


Step = tuple[str, int, int, int, str]  # ("put" | "remove" | "merge"), replica, other, value, key

_steps = st.lists(
    st.tuples(
        st.sampled_from(("put", "remove", "merge")),
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(1, 3),
        st.sampled_from(KEYS),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(_steps)
def test_the_aw_lww_map_reads_as_deltacrdts_definition(steps: list[Step]) -> None:
    m = AWLWWMap()
    compact: list[AWState] = [m.initial(3)] * 3
    reference: list[Reference] = [(frozenset(), frozenset())] * 3
    for op, r, other, value, key in steps:
        if op == "put":
            compact[r] = m.put(compact[r], key, value, r)
            reference[r] = _ref_put(reference[r], key, value, r)
        elif op == "remove":
            compact[r] = m.remove(compact[r], key)
            reference[r] = _ref_remove(reference[r], key)
        else:
            compact[r] = m.merge(compact[r], compact[other])
            reference[r] = _ref_join(reference[r], reference[other])
        assert [m.value(s) for s in compact] == [_ref_value(s) for s in reference]
        assert all(m.valid(s) for s in compact)


# -- the docs (docs/crdts.md) -------------------------------------------------------------


def _readme_section() -> str:
    return (ROOT / "docs/crdts.md").read_text()


def test_the_docs_show_the_models_code_and_real_output() -> None:
    section = _readme_section()
    code = section.split("```py\n")[1].split("```")[0]
    assert code in (ROOT / "models/crdt/replicated.py").read_text()
    command, output = expected(GOLDEN / "replicated_sum_counter_duplicate.txt")
    shown = section.split(f"$ {command}\n")[1].split("...\n```")[0]
    assert output.startswith(shown)


@pytest.mark.parametrize(
    ("model", "states"),
    [
        (ReplicatedGCounter, (18, 600)),
        (ReplicatedPNCounter, (18, 600)),
        (ReplicatedLWWRegister, (24, 1446)),
        (ReplicatedORSet, (62, 287)),
        (ReplicatedAWLWWMap, (82, 393)),
    ],
)
def test_the_docs_table_the_correct_crdts_converge(
    model: type[_Replicated], states: tuple[int, int]
) -> None:
    for replicas, distinct in zip((2, 3), states, strict=True):
        result = check(model(replicas=replicas), keep_going=True)
        assert result.distinct == distinct
        assert {p.status for p in result.properties} <= {"holds", "reached"}
