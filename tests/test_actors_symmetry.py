"""Declared node symmetry of actor systems (modelcheck.actors.symmetry): exact counts, one
representative per orbit against every permutation, refusals and determinism."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest

from modelcheck import Param, always, check, eventually
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, Ref, World
from modelcheck.errors import ModelError, UsageError
from models.classic.two_phase_actors import COMMITTED, Participant, TwoPhaseActors
from tests.test_actors_fast import _Chooser

ROOT = Path(__file__).resolve().parent.parent


def _reachable(model: ActorSystem) -> set[World]:
    seen = set(model.init_states())
    todo = list(seen)
    while todo:
        w = todo.pop()
        for _, nxt in model.actions(w):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _orbits(model: ActorSystem, worlds: set[World]) -> int:
    """The number of orbits, by renaming each world with every permutation of each group."""
    sym = model._symmetry
    assert sym is not None
    perms = []
    for combo in itertools.product(*(itertools.permutations(g) for g in sym.groups)):
        moved = list(range(model.n))
        for group, order in zip(sym.groups, combo, strict=True):
            for old, new in zip(group, order, strict=True):
                moved[old] = new
        perms.append(tuple(moved))
    left, count = set(worlds), 0
    while left:
        w = left.pop()
        count += 1
        for perm in perms:
            left.discard(sym.rename(w, perm))
    return count


class Hub(Actor[frozenset[Pid]]):
    """Remembers who said hello, forgets a helper whose node it hears is down."""

    def init(self, me: Pid, out: Out) -> frozenset[Pid]:
        out.monitor_nodes()
        return frozenset()

    def on_message(
        self, me: Pid, state: frozenset[Pid], sender: Pid, msg: Any, out: Out
    ) -> frozenset[Pid]:
        out.monitor(sender)
        return state | {sender}

    def on_down(
        self, me: Pid, state: frozenset[Pid], who: Any, reason: Any, out: Out
    ) -> frozenset[Pid]:
        return state - {who}


class Helper(Actor[str]):
    def init(self, me: Pid, out: Out) -> str:
        out.send(Pid("hub", 0), "hello")
        return "sent"


class Worker(Actor[Any]):
    """Spawns a linked helper that greets the hub; remembers the helper's pid."""

    def init(self, me: Pid, out: Out) -> Any:
        return out.spawn(Helper(), link=True)


class Helpers(ActorSystem):
    """A hub and interchangeable workers whose spawned helpers the hub monitors."""

    trap = False

    def cluster(self) -> dict[str, Any]:
        return {"hub": (Boot(Hub(), name="hub"),), **{w: (Worker(),) for w in self.symmetric()}}

    def symmetric(self) -> tuple[str, ...]:
        return ("w1", "w2", "w3")


class Keeper(Actor[frozenset[Ref]]):
    """Monitors every other node's process twice and holds the references; on a DOWN of one
    it holds, drops it, and monitors again when the connection went (noconnection)."""

    def init(self, me: Pid, out: Out) -> frozenset[Ref]:
        return frozenset(out.monitor(n) for n in KEEPERS if n != me.node for _ in range(2))

    def on_down_ref(
        self, me: Pid, state: frozenset[Ref], ref: Ref, who: Any, reason: Any, out: Out
    ) -> frozenset[Ref]:
        if ref not in state:
            return state
        again = {out.monitor(who)} if reason == "noconnection" else set()
        return (state - {ref}) | again


KEEPERS = ("a", "b", "c")


class Keepers(ActorSystem):
    """Interchangeable nodes whose states hold monitor references (two per pair: 0 and 1),
    which renaming must rename with the nodes."""

    def cluster(self) -> dict[str, Any]:
        return {n: (Keeper(),) for n in KEEPERS}

    def symmetric(self) -> tuple[str, ...]:
        return KEEPERS


@pytest.mark.parametrize(
    ("system", "params", "plain", "orbits"),
    [
        (TwoPhaseActors, {"rms": 2}, 136, 75),
        (TwoPhaseActors, {"rms": 3}, 1_394, 305),
        (TwoPhaseActors, {"rms": 3, "crashes": 1}, 2_436, 515),
        (TwoPhaseActors, {"rms": 3, "crashes": 1, "restarts": 1}, 10_583, 2_091),
        # 749 and 402 with the old heal; now which connections are still down after the
        # heal (until a send across) is part of the world
        (TwoPhaseActors, {"rms": 2, "partitions": 1, "heals": 1}, 1_250, 668),
        (Helpers, {}, 0, 0),
        (Helpers, {"crashes": 1}, 0, 0),
        (Helpers, {"partitions": 1, "restarts": 1, "crashes": 1}, 0, 0),
        # references in the states and in the DOWNs on their way (renamed, or the swap
        # check refuses the declared symmetry)
        (Keepers, {"crashes": 1, "partitions": 1}, 1_756, 322),
    ],
)
def test_one_state_per_orbit(
    system: type[ActorSystem], params: dict[str, Any], plain: int, orbits: int
) -> None:
    """The symmetric search stores exactly as many states as there are orbits, counted by
    renaming every reachable world with every permutation."""
    worlds = _reachable(system(**params))
    assert check(system(**params), keep_going=True).distinct == len(worlds)
    reduced = check(system(**params), symmetry=True, keep_going=True)
    assert reduced.complete
    assert reduced.distinct == _orbits(system(**params), worlds)
    if plain:
        assert (len(worlds), reduced.distinct) == (plain, orbits)


def test_renaming_keeps_the_world_well_formed() -> None:
    """Renaming there and back gives the world again; any renaming of a world is reachable."""
    model = Helpers(crashes=1)
    worlds = _reachable(model)
    sym = model._symmetry
    assert sym is not None
    for w in list(worlds)[:200]:
        for perm in ((0, 2, 3, 1), (0, 3, 1, 2)):
            renamed = sym.rename(w, perm)
            assert renamed in worlds
            back = tuple(perm.index(i) for i in range(4))
            assert sym.rename(renamed, back) == w


def test_every_member_of_an_orbit_has_one_representative() -> None:
    model = TwoPhaseActors(rms=3, crashes=1)
    sym = model._symmetry
    assert sym is not None
    for w in list(_reachable(model))[:300]:
        rep = sym.canonical(w)
        for order in itertools.permutations((1, 2, 3)):
            assert sym.canonical(sym.rename(w, (0, *order))) == rep


class Late(TwoPhaseActors):
    @eventually
    def decided(self, w: World) -> bool:
        return all(self.state_of(w, rm) != "working" for rm in self.participants())


def test_liveness_is_refused_with_the_reason() -> None:
    with pytest.raises(UsageError) as err:
        check(Late(rms=2), symmetry=True)
    assert str(err.value) == (
        "symmetry reduction cannot judge liveness properties (decided): a cycle of "
        "representatives need not be a cycle of states, nor fair per node (TLC's is unsound "
        "here): run without --symmetry (or with --safety-only)"
    )
    assert check(Late(rms=2), symmetry=True, safety_only=True).distinct == 75


class Partial(Participant):
    """Only rm1 may prepare: a handler that reads its own name."""

    def on_timeout(self, me: str, state: str, timer: Hashable, out: Out) -> str:
        if timer == "prepare" and me != "rm1":
            return state
        return super().on_timeout(me, state, timer, out)


class Unfair(TwoPhaseActors):
    def actors(self) -> dict[str, Actor[Any]]:
        nodes = super().actors()
        nodes.update((rm, Partial()) for rm in self.participants())
        return nodes


def test_a_handler_that_reads_its_name_is_caught() -> None:
    with pytest.raises(ModelError) as err:
        check(Unfair(rms=2), symmetry=True)
    assert str(err.value) == (
        "Unfair.symmetric(): nodes rm1 and rm2 are not interchangeable: swapping them changes "
        "what the handlers do (a handler reads its node's name beyond equality)"
    )


class Unknown(TwoPhaseActors):
    def symmetric(self) -> tuple[str, ...]:
        return ("rm1", "rm9")


class Mixed(TwoPhaseActors):
    def symmetric(self) -> tuple[str, ...]:
        return ("tm", "rm1")


def test_bad_declarations() -> None:
    with pytest.raises(ModelError, match=r"^Unknown.symmetric\(\) names unknown node 'rm9' "):
        Unknown(rms=2)
    with pytest.raises(ModelError) as err:
        Mixed(rms=2)
    assert str(err.value) == (
        "Mixed.symmetric(): nodes tm and rm1 are not interchangeable: they boot different processes"
    )
    with pytest.raises(ModelError, match="takes some of rm1, rm2 and not the others"):
        TwoPhaseActors(rms=2, crashes=1, crash_nodes="rm1")


def test_nothing_to_reduce_is_said() -> None:
    with pytest.raises(UsageError) as err:
        check(TwoPhaseActors(rms=1), symmetry=True)
    assert str(err.value) == (
        "TwoPhaseActors declares no two interchangeable nodes here (symmetric() names fewer "
        "than two): --symmetry would reduce nothing"
    )


class NoCommit(TwoPhaseActors):
    @always
    def nobody_commits(self, w: World) -> bool:
        return COMMITTED not in self.live_states(w).values()


_TRACE = """
from modelcheck import check
from modelcheck.values import to_plain
from tests.test_actors_symmetry import NoCommit
result = check(NoCommit(rms=3, crashes=1), symmetry=True)
for step in result.properties[1].trace.steps:
    print(step.label, to_plain(NoCommit(rms=3).show(step.state)))
"""


def test_the_representatives_do_not_depend_on_the_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _TRACE], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "commit" in outputs.pop()


def test_every_search_mode_finds_the_same_orbits() -> None:
    counts = {
        (r.distinct, r.generated)
        for r in (
            check(TwoPhaseActors(rms=3, crashes=1), symmetry=True, **options)
            for options in ({}, {"workers": 2}, {"store": "fingerprint"}, {"strategy": "dfs"})
        )
    }
    assert counts == {(515, 2_828)}


class _Holder(Actor[Any]):
    """Keeps ``(value,)`` as it arrives, then writes it down with ``repr`` on a timer."""

    def init(self, me: Any, out: Out) -> Any:
        return (0,)

    def on_message(self, me: Any, state: Any, sender: Any, msg: Any, out: Out) -> Any:
        out.set_timer("show")
        return (msg[1],)

    def on_timeout(self, me: Any, state: Any, timer: Any, out: Out) -> Any:
        return repr(state)


class _OneOrTrueHolders(ActorSystem):
    """``c`` sends the interchangeable ``p1`` and ``p2`` either ``1`` or ``True``; each
    keeps ``(1,)`` or ``(True,)``, equal values a renaming remembered by value alone would
    mix up, then writes it down. ``first``: the value the search meets first."""

    first = Param("int", help="the value met first", choices=("int", "bool"))

    def actors(self) -> dict[str, Actor[Any]]:
        timers = ("1int", "2bool") if self.first == "int" else ("1bool", "2int")
        return {"c": _Chooser(timers, to=("p1", "p2")), "p1": _Holder(), "p2": _Holder()}

    def symmetric(self) -> tuple[str, ...]:
        return ("p1", "p2")

    @always
    def written_as_sent(self, w: World) -> bool:
        """What each holder wrote down is what ``c`` sent."""
        wrote = {"int": "(1,)", "bool": "(True,)"}.get(self.state_of(w, "c"), "")
        return all(
            type(state) is not str or state == wrote
            for state in (self.state_of(w, "p1"), self.state_of(w, "p2"))
        )


def test_equal_values_of_other_types_deep_inside_stay_apart_under_symmetry() -> None:
    """The renaming, the signatures and the representatives are remembered by value, but
    never handed from ``(1,)`` to ``(True,)``: the same orbits and the verdict whichever
    value the search meets first."""
    found = []
    for first in ("int", "bool"):
        result = check(_OneOrTrueHolders(first=first), symmetry=True)
        assert result.status("written_as_sent") == "holds"
        found.append((result.distinct, result.generated, result.depth))
    assert found == [(25, 47, 7)] * 2
