"""The actor layer's fast path (remembered handler results, shared parts of worlds) makes the
same steps as the general effect machinery: same labels, same successors, in the same order,
with node states and messages of the same types."""

from __future__ import annotations

import pickle
from copy import deepcopy
from typing import Any, ClassVar, NamedTuple

import pytest

import modelcheck.actors.fast as fast_module
from modelcheck import Model, check
from modelcheck.actors import Actor, ActorSystem, Out, World
from modelcheck.loader import instantiate, resolve

CASES = [
    ("models/classic/two_phase_actors.py:TwoPhaseActors", {"rms": 3}),
    ("models/registry/global_registry.py", {"nodes": 3, "crashes": 1, "restarts": 1}),
    ("models/registry/global_registry.py", {"nodes": 3, "partitions": 1, "heals": 1}),
    ("models/supervision/horde_handoff.py", {"crashes": 1}),
    ("models/groups/pg_partition.py:PgPartition", {}),
    ("models/classic/two_phase_actors.py:TwoPhaseActors", {"rms": 2, "crashes": 1, "cuts": 1}),
    ("models/messaging/fifo_order.py", {"network": "unordered", "per_sender": 3}),
    ("models/messaging/late_reply.py:TaggedReply", {"drops": 1, "duplicates": 1}),
    ("models/election/bully.py", {"crashes": 1, "restarts": 1}),
    ("models/registry/horde_registry.py", {"nodes": 3}),
    ("models/supervision/horde_supervisor.py", {"crashes": 1}),
    ("models/crdt/replicated.py:ReplicatedORSet", {"duplicates": 1}),
    ("models/cap/cp_register.py", {"partitions": 1, "heals": 1}),
    ("models/election/raft_election.py", {}),
    # messages by name, looked up as they arrive (tests/test_actors_by_name.py)
    ("tests/test_actors_by_name.py:ReRegistered", {"crashes": 1, "partitions": 1, "heals": 1}),
    (
        "tests/test_actors_by_name.py:FifoByName",
        {"network": "unordered", "drops": 1, "duplicates": 1},
    ),
    ("tests/test_actors_by_name.py:Gossip", {"crashes": 1, "cuts": 1, "mends": 1}),
]


def _load(target: str, params: dict[str, Any]) -> ActorSystem:
    model = instantiate(resolve(target), params)
    assert isinstance(model, ActorSystem)
    return model


def _general(model: ActorSystem, w: World) -> list[tuple[Any, World]]:
    return list(model._actions(w, None))


def _types(w: World) -> list[Any]:
    return (
        [type(s) for s in w.states]
        + [type(m) for _, chan in w.chans for m in chan]
        + [type(entry[1]) for _, entries in w.byname for entry in entries]
    )


def _agree(model: ActorSystem, limit: int) -> int:
    """Walk up to ``limit`` worlds breadth-first; at each, the fast path (``actions`` of
    ``ActorSystem``, whatever the model overrides) must equal the general path. Returns how
    many worlds were compared."""
    start = list(model.init_states())
    seen, queue = set(start), start
    for w in queue:
        if len(queue) >= limit:
            break
        ours, theirs = ActorSystem.actions(model, w), _general(model, w)
        assert [label for label, _ in ours] == [label for label, _ in theirs]
        assert [nxt for _, nxt in ours] == [nxt for _, nxt in theirs]
        assert [_types(nxt) for _, nxt in ours] == [_types(nxt) for _, nxt in theirs]
        for _, nxt in model.actions(w):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return len(queue)


@pytest.mark.parametrize(("target", "params"), CASES)
def test_the_fast_path_makes_the_general_paths_steps(target: str, params: dict[str, Any]) -> None:
    assert _agree(_load(target, params), 1500) > 10


def test_a_copy_starts_afresh() -> None:
    """The fast path remembers by object ids: a deep copy (or a pickle) must not."""
    system = _load("models/classic/two_phase_actors.py:TwoPhaseActors", {"rms": 2})
    first = check(system)
    for copy in (deepcopy(system), pickle.loads(pickle.dumps(system))):
        assert not copy._memo_parts
        again = check(copy)
        assert (again.distinct, again.generated) == (first.distinct, first.generated)


def test_forgetting_changes_no_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its bound the fast path starts afresh, between two worlds: counts stay."""
    target = "models/classic/two_phase_actors.py:TwoPhaseActors"
    full = check(_load(target, {"rms": 3}))
    monkeypatch.setattr(fast_module, "_MEMO_LIMIT", 50)
    small = _load(target, {"rms": 3})
    again = check(small)
    assert (again.distinct, again.generated, again.depth) == (1394, 4927, 10)
    assert (full.distinct, full.generated, full.depth) == (1394, 4927, 10)
    assert small._memo_count <= 50 + 200  # one world's worth past the bound at most


class Ack(NamedTuple):
    n: int


class Nack(NamedTuple):
    n: int


class Sender(Actor[int]):
    def init(self, me: str, out: Out) -> int:
        if me == "a":
            out.send("b", Ack(1))
            out.send("b", Nack(1))  # equal to Ack(1), as tuples are
        return 0

    def on_message(self, me: str, state: Any, sender: str, msg: Any, out: Out) -> Any:
        return "nacked" if isinstance(msg, Nack) else state


class AckNack(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Sender(), "b": Sender()}


class Plain(Model[World]):
    """The same system stepped by the general path alone."""

    def __init__(self, inner: ActorSystem) -> None:
        self.inner = inner
        super().__init__()

    def init_states(self) -> list[World]:
        return list(self.inner.init_states())

    def actions(self, w: World) -> list[tuple[Any, World]]:
        return _general(self.inner, w)


def test_equal_messages_of_two_types_stay_apart() -> None:
    # Ack(1) leaves b at 0; Nack(1) == Ack(1), arriving to the same state, must still be
    # handled as a Nack: the remembered steps are keyed by the message's type too.
    system = AckNack()
    result = check(system)
    assert (result.distinct, result.generated) == (3, 3)
    plain = check(Plain(AckNack()))
    assert (plain.distinct, plain.generated) == (3, 3)
    last = [w for w in _reachable(system) if not w.chans]
    assert [w.states for w in last] == [(0, "nacked")]


def _reachable(model: ActorSystem) -> list[World]:
    start = list(model.init_states())
    seen, queue = set(start), start
    for w in queue:
        for _, nxt in model.actions(w):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return queue


class _NodeWatcher(Actor[int]):
    """Counts the nodes it hears are down; records every run of its nodedown handler."""

    runs: ClassVar[list[tuple[Any, ...]]] = []

    def init(self, me: str, out: Out) -> int:
        out.monitor_nodes()
        out.broadcast("hello")
        return 0

    def on_message(self, me: str, state: Any, sender: str, msg: Any, out: Out) -> Any:
        return state

    def on_nodedown(self, me: str, state: int, node: str, out: Out) -> int:
        type(self).runs.append((me, state, node))
        return state + 1


class _Watchers(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {name: _NodeWatcher() for name in ("a", "b", "c")}


def test_a_signal_handler_runs_once_per_input() -> None:
    """Runtime signals are remembered like deliveries: the same nodedown to the same
    process in the same state, in many worlds, runs the handler once."""
    _NodeWatcher.runs = []
    result = check(_Watchers(crashes=1))
    assert (result.distinct, result.generated) == (112, 481)
    assert sorted(_NodeWatcher.runs) == sorted(set(_NodeWatcher.runs))
    assert len(_NodeWatcher.runs) == 6


def test_a_signal_that_only_changes_state_is_made_from_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A runtime signal whose handler only changes the state, sends to nodes and sets
    timers is applied from the tables, as deliveries are: the rules make none of its
    worlds (and the counts stay)."""
    slow: list[Any] = []
    receive, prepare = fast_module.FastPath._receive, fast_module.FastPath._prepare

    def received(self: Any, w: World, log: Any, label: Any, *rest: Any) -> Any:
        slow.append(label[0])
        return receive(self, w, log, label, *rest)

    def prepared(self: Any, nxt: Any, how: Any) -> None:
        slow.append(how[0])
        prepare(self, nxt, how)

    monkeypatch.setattr(fast_module.FastPath, "_receive", received)
    monkeypatch.setattr(fast_module.FastPath, "_prepare", prepared)
    _NodeWatcher.runs = []
    result = check(_Watchers(crashes=1))
    assert (result.distinct, result.generated) == (112, 481)
    assert len(_NodeWatcher.runs) == 6
    assert slow == []
