"""Partial-order reduction with workers: the shards expand each level together and ask the
owners of their successors for the cycle proviso (stored at a level no deeper?), and the
driver samples the first states in one process, so the reduced search is one process's:
the same counts, verdicts, traces and notes, on random systems (with faults, and with
properties whose reads are found by tracing, which may start the search over)."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelcheck import ModelError, UsageError, always, check
from modelcheck.actors import Actor, ActorSystem, Out, Pid, World
from modelcheck.actors import por as por_module
from modelcheck.errors import ModelcheckError, ModelCodeError
from modelcheck.explore import shard
from models.messaging.late_reply import TaggedReply, UntaggedReply
from tests.por_systems import RandomSystem, systems
from tests.test_parallel import signature


def _seen(result: Any) -> tuple[Any, ...]:
    """Everything a run reports but its time and memory, its notes included (but the notes
    on fault budgets never spent, which only a search in one process makes: see
    docs/actors.md)."""
    notes = tuple(w for w in result.warnings if " was never used" not in w)
    return (*signature(result), notes)


@pytest.mark.parametrize("workers", [2, 3])
def test_shards_reduce_as_one_process(workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past a (shortened) sample the shards reduce: one process's counts, verdicts, traces
    and notes, without faults and with a crash and a restart (the give-up rule off)."""
    monkeypatch.setattr(por_module, "SAMPLE", 100)
    plain = UntaggedReply(calls=6)
    one = check(plain, keep_going=True, por=True)
    assert (one.distinct, one.generated, one.depth, one.warnings) == (382, 382, 19, ())  # of 943
    assert _seen(check(plain, keep_going=True, por=True, workers=workers)) == _seen(one)
    monkeypatch.setattr(por_module, "PAYS", 0.0)
    monkeypatch.setattr(por_module, "SAVES", 0.0)
    faulty = TaggedReply(calls=4, crashes=1, restarts=1)
    one = check(faulty, keep_going=True, por=True)
    assert (one.distinct, one.generated, one.depth) == (654, 1_032, 22)  # of 934
    assert _seen(check(faulty, keep_going=True, por=True, workers=workers)) == _seen(one)


def test_the_owners_answers_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shards ask the owners of the successors of persistent sets whether they are
    stored, and the answers decide: owners that always answered "stored" would have more
    states expanded in full than one process does."""
    monkeypatch.setattr(por_module, "SAMPLE", 100)
    monkeypatch.setattr(por_module, "PAYS", 0.0)
    monkeypatch.setattr(por_module, "SAVES", 0.0)
    model = TaggedReply(calls=4, crashes=1, restarts=1)
    answer = shard.Worker.answer

    def stored(self: Any, blobs: Any) -> Any:
        return [None if r is None else b"\x01" * len(r) for r in answer(self, blobs)]

    monkeypatch.setattr(shard.Worker, "answer", stored)
    assert check(model, keep_going=True, por=True, workers=2).distinct > 654


def test_the_fingerprint_store_with_workers_and_por_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        check(UntaggedReply(), por=True, workers=2, store="fingerprint")
    assert str(caught.value) == (
        "--workers 2 with --store fingerprint and --por: partial-order reduction samples its "
        "first states in one process, and workers that keep fingerprints start only from the "
        "initial states; leave out one of the three"
    )
    # and on Ray (refused before Ray is started: it once ended in an AssertionError)
    with pytest.raises(UsageError) as caught:
        check(UntaggedReply(), por=True, ray="local", workers=2, store="fingerprint")
    assert str(caught.value) == (
        "--ray with --store fingerprint and --por: partial-order reduction samples its "
        "first states in one process, and shards that keep fingerprints start only from the "
        "initial states; leave out one of the three"
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems(faults=True, found=True), st.booleans(), st.sampled_from([1, 3, 40]))
def test_two_workers_search_as_one_process_on_random_systems(
    model: RandomSystem, deadlock: bool, learn: int
) -> None:
    """Random systems with fault budgets and properties without ``reads``; the sample
    shortened to ``learn`` states and the give-up rule off (``PAYS`` 0), so that the
    shards reduce wherever they may and learn reads (and start over) themselves."""
    full = check(model, keep_going=True, deadlock=deadlock, max_states=5_000)
    assume(full.complete)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(por_module, "SAMPLE", learn)
        patch.setattr(por_module, "PAYS", 0.0)
        patch.setattr(por_module, "SAVES", 0.0)
        one = check(model, keep_going=True, deadlock=deadlock, por=True)
        two = check(model, keep_going=True, deadlock=deadlock, por=True, workers=2)
    assert _seen(two) == _seen(one)
    assert [p.status for p in two.properties] == [p.status for p in full.properties]
    assert two.distinct <= full.distinct


class _Counts(Actor[int]):
    """Counts 0, 1, 2 on its timer; with ``link``, links to ``b``'s process at 2."""

    def __init__(self, link: bool = False) -> None:
        self.link = link

    def init(self, me: str, out: Out) -> int:
        out.set_timer("t")
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        if state + 1 < 2:
            out.set_timer("t")
        elif self.link:
            out.link(Pid("b", 0))
        return state + 1


class _LinksLate(ActorSystem):
    """Two processes on ``a``, one on ``b``; ``a``'s second links to ``b``'s when it has
    counted to 2, a step partial-order reduction does not support."""

    def cluster(self) -> dict[str, tuple[Actor[Any], ...]]:
        return {"a": (_Counts(), _Counts(link=True)), "b": (_Counts(),)}

    def talks_to(self) -> Mapping[str, Collection[str]] | None:
        return {}

    @always(reads=("b",))
    def b_small(self, w: World) -> bool:
        return bool(self.state_of(w, "b") < 5)


def test_a_shard_that_meets_an_unsupported_step_stops_the_reduction_as_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Past a one-state weighing the shards reduce, until one meets the link: the driver
    # stops the reduction there, as one process does, and the search starts over in full.
    monkeypatch.setattr(por_module, "WEIGH", 1)
    monkeypatch.setattr(por_module, "SAVES", 0.0)
    full = check(_LinksLate())
    one = check(_LinksLate(), por=True)
    assert (one.distinct, one.generated) == (full.distinct, full.generated)
    assert one.warnings == (
        "--por expanded every step: partial-order reduction does not support links "
        "(out.link) (the search started over)",
    )
    assert _seen(check(_LinksLate(), por=True, workers=2)) == _seen(one)


class _Climbs(Actor[int]):
    """Counts 0, 1, 2, 3 on its timer; with ``boom``, its handler raises on the way to 2."""

    def __init__(self, boom: bool = False) -> None:
        self.boom = boom

    def init(self, me: str, out: Out) -> int:
        out.set_timer("t")
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        if self.boom and state == 1:
            raise ValueError("a's handler gave up at 1")
        if state + 1 < 3:
            out.set_timer("t")
        return state + 1


def _climbing(how: str) -> ActorSystem:
    """Three nodes that count and never talk; one property declares it reads ``a``, and
    once ``a`` is at 2 it raises (``how`` = "raises"), or fetches ``b``'s state, which it
    does not declare ("touches"); or ``a``'s handler raises on the way there ("handler")."""

    class Climbing(ActorSystem):
        def actors(self) -> dict[str, Actor[Any]]:
            return {"a": _Climbs(boom=how == "handler"), "b": _Climbs(), "c": _Climbs()}

        def talks_to(self) -> Mapping[str, Collection[str]] | None:
            return {}

        @always(reads=("a",))
        def a_small(self, w: World) -> bool:
            if self.state_of(w, "a") == 2:
                if how == "raises":
                    raise ZeroDivisionError("a reached 2")
                return bool(self.state_of(w, "b") < 9)
            return True

    return Climbing()


def _failure(model: ActorSystem, **options: Any) -> tuple[type, str, str | None]:
    """The error a reduced search ends in: its type, message, and trace's path."""
    with pytest.raises(ModelcheckError) as info:
        check(model, por=True, **options)
    trace = info.value.trace if isinstance(info.value, ModelError) else None
    return type(info.value), info.value.message, None if trace is None else trace.path


#: b and c (unread) count to 3 first, one at a time, then a: at 2 after 8 steps.
_A_AT_2 = "0.1.1.1.1.1.1.0.0"


@pytest.mark.parametrize(
    ("how", "error"),
    [
        (
            "raises",
            (ModelCodeError, "property 'a_small' raised ZeroDivisionError: a reached 2", _A_AT_2),
        ),
        (
            "touches",
            (
                ModelError,
                "property 'a_small' read the state of node 'b', but declares reads=('a',): "
                "add 'b' to its reads",
                _A_AT_2,
            ),
        ),
        (
            "handler",
            (ModelCodeError, "actions() raised ValueError: a's handler gave up at 1", _A_AT_2[:-2]),
        ),
    ],
)
def test_a_model_error_a_shard_meets_in_a_reads_view_is_one_processs(
    how: str, error: tuple[type, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a one-state weighing the shards reduce and judge the property on its ``reads``
    view; the error they meet there from the second level on (the property raising, or
    fetching a node it does not declare; or a handler raising) comes out as one process
    gives it: the same type, message and trace. (A shard's view once came out as "the model
    raised ModelError ... but not when re-run from the same state", traced to the parent.)"""
    monkeypatch.setattr(por_module, "WEIGH", 1)
    monkeypatch.setattr(por_module, "SAVES", 0.0)
    assert _failure(_climbing(how)) == error
    assert _failure(_climbing(how), workers=2) == error
    assert _failure(_climbing(how), workers=3) == error
