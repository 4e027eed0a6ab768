"""The actor layer's fast path (remembered handler results, shared parts of worlds) makes the
same steps as the general effect machinery: same labels, same successors, in the same order,
with node states and messages of the same types."""

from __future__ import annotations

import pickle
from copy import deepcopy
from typing import Any, ClassVar, NamedTuple

import pytest

import modelcheck.actors.fast as fast_module
from modelcheck import Model, Param, always, check
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, World
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
    ("models/supervision/horde_supervisor.py", {"kills": 1}),  # (DOWNs of a killed process)
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
    slow = _count_slow_steps(monkeypatch)
    _NodeWatcher.runs = []
    result = check(_Watchers(crashes=1))
    assert (result.distinct, result.generated) == (112, 481)
    assert len(_NodeWatcher.runs) == 6
    assert slow == []


class _Server(Actor[int]):
    """Registered as ``srv``: answers each ping by the client's pid."""

    def init(self, me: Any, out: Out) -> int:
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        out.send(sender, "pong")
        return state


class _Client(Actor[int]):
    """On its timer, pings every other node's ``srv`` by name; the second time it fires,
    connects to every other node instead (``net_kernel:connect_node``). With ``here``, it
    pings by pid instead (the one ``whereis`` finds on each other node, if any) and by name
    its own node's ``srv``: sends the fast path makes from its tables (a send by name to
    another node is looked up when it arrives: the rules make that step)."""

    def __init__(self, others: tuple[str, ...], here: str | None = None) -> None:
        self.others = others
        self.here = here

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("tick")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Any, out: Out) -> int:
        if state < 1 and self.here is not None:
            out.send(("srv", self.here), "ping")
        for node in self.others:
            if state >= 1:
                out.connect(node)
            elif self.here is None:
                out.send(("srv", node), "ping")
            elif (pid := out.whereis("srv", node)) is not None:
                out.send(pid, "ping")
        if state < 1:
            out.set_timer("tick")
        return state + 1

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        return state


class _NamedPings(ActorSystem):
    """Clients send to registered names, servers answer pids: no send names a node. With
    ``local``, clients send by name only on their own node (by pid to the others)."""

    nodes = Param(2, help="number of nodes", min=2, max=3)
    local = Param(False, help="send by name on the own node only")

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        nodes = ("a", "b", "c")[: self.nodes]
        return {
            node: (
                Boot(_Server(), name="srv"),
                _Client(tuple(n for n in nodes if n != node), node if self.local else None),
            )
            for node in nodes
        }


def _count_slow_steps(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every delivery, signal and timeout the rules make instead of the tables."""
    slow: list[Any] = []
    deliver, time_out = fast_module.FastPath._deliver_slowly, fast_module.FastPath._time_out_slowly

    def delivered(self: Any, w: World, how: Any, *rest: Any) -> Any:
        slow.append(how[0])
        return deliver(self, w, how, *rest)

    def timed_out(self: Any, w: World, *rest: Any) -> Any:
        slow.append("timer")
        return time_out(self, w, *rest)

    monkeypatch.setattr(fast_module.FastPath, "_deliver_slowly", delivered)
    monkeypatch.setattr(fast_module.FastPath, "_time_out_slowly", timed_out)
    return slow


def test_sends_to_names_and_pids_are_made_from_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A send to a pid or to a name on the sender's own node is resolved once per processes
    table, when the step is learnt: the rules make none of the worlds, and the counts are
    the rules'. So is a send by name to another node (it travels by name) and its arrival
    (looked up in the processes table, which the remembered step is per)."""
    plain = check(Plain(_NamedPings(local=True)))
    slow = _count_slow_steps(monkeypatch)
    result = check(_NamedPings(local=True))
    assert (result.distinct, result.generated) == (plain.distinct, plain.generated)
    assert (result.distinct, result.generated) == (361, 1293)
    assert slow == []
    plain = check(Plain(_NamedPings()))
    result = check(_NamedPings())
    assert (result.distinct, result.generated) == (plain.distinct, plain.generated)
    assert (result.distinct, result.generated) == (49, 113)
    assert slow == []


@pytest.mark.parametrize(
    "faults",
    [
        {"partitions": 1, "heals": 1},
        {"crashes": 1, "restarts": 1},
        {"cuts": 1, "kills": 1},
    ],
)
@pytest.mark.parametrize("local", [False, True])
def test_named_sends_under_faults_are_the_rules_steps(faults: dict[str, int], local: bool) -> None:
    """With a node down, a link cut, a connection apart or a process dead, the tables leave
    out the messages the rules lose (and send the rest) or give the step to the rules."""
    assert _agree(_NamedPings(nodes=3, local=local, **faults), 3000) >= 3000


def test_steps_under_a_partition_and_after_the_heal_are_made_from_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """During a partition a step whose messages cross the cut is made from the tables (its
    messages across left out), and after the heal so is the first send across, which
    brings the connection up (``nodeup``): the rules make no delivery, arrival by name or
    timeout (sends by pid, by name on the own node and by name across)."""
    plain = check(Plain(_NamedPings(local=True, partitions=1, heals=1)))
    slow = _count_slow_steps(monkeypatch)
    result = check(_NamedPings(local=True, partitions=1, heals=1))
    assert (result.distinct, result.generated) == (plain.distinct, plain.generated)
    assert (result.distinct, result.generated) == (819, 3217)
    assert slow == []
    plain = check(Plain(_NamedPings(partitions=1, heals=1)))
    result = check(_NamedPings(partitions=1, heals=1))
    assert (result.distinct, result.generated) == (plain.distinct, plain.generated)
    assert (result.distinct, result.generated) == (115, 305)
    assert slow == []


def test_steps_around_a_crash_and_a_restart_are_made_from_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a node down or restarted (its ``srv`` registered again, under a new pid) the
    pings by pid and by name (on the own node and across, and their arrivals) are made from
    the tables, as the rules make them."""
    plain = check(Plain(_NamedPings(local=True, crashes=1, restarts=1)))
    slow = _count_slow_steps(monkeypatch)
    result = check(_NamedPings(local=True, crashes=1, restarts=1))
    assert (result.distinct, result.generated) == (plain.distinct, plain.generated)
    assert (result.distinct, result.generated) == (1097, 4629)
    assert slow == []
    plain = check(Plain(_NamedPings(crashes=1, restarts=1)))
    result = check(_NamedPings(crashes=1, restarts=1))
    assert (result.distinct, result.generated) == (plain.distinct, plain.generated)
    assert (result.distinct, result.generated) == (153, 445)
    assert slow == []


class _Quiet(Actor[int]):
    """Receives and counts."""

    def init(self, me: Any, out: Out) -> int:
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        return state + 1


class _Mixed(Actor[int]):
    """First sends by pid to b's second process; then, in one step, by pid to b's first
    and by name to b's first: the message by name counts both ahead of it."""

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("go")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Any, out: Out) -> int:
        if state == 0:
            out.send(Pid("b", 1), "first")
            out.set_timer("go")
        else:
            out.send(Pid("b", 0), "second")
            out.send(("srv", "b"), "third")
        return state + 1


class _Ahead(ActorSystem):
    """a's process has messages by pid in flight to two processes of b when it sends by
    name to b, the later-made channel to the lower slot."""

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {"a": (_Mixed(),), "b": (Boot(_Quiet(), name="srv"), _Quiet())}


def test_what_is_ahead_of_a_message_by_name_is_counted_in_slot_order() -> None:
    """A message by name counts the sender's messages by pid ahead of it per slot, sorted by
    slot whatever order the channels were made in, in the rules as in the tables (else one
    world would be two states)."""
    model = _Ahead()
    assert _agree(model, 100) > 5
    w = next(w for w in _reachable(model) if w.byname)
    assert w.byname[0][1][0][2] == ((1, 1), (2, 1))
    plain, fast = check(Plain(_Ahead())), check(_Ahead())
    assert (fast.distinct, fast.generated) == (plain.distinct, plain.generated) == (9, 12)


class _Chooser(Actor[str]):
    """Sends ``to`` the value ``1`` or ``True`` (whichever timer fires first), and keeps
    which; the other timer then does nothing."""

    def __init__(self, timers: tuple[str, str], to: tuple[str, ...] = ("a",)) -> None:
        self.timers, self.to = timers, to

    def init(self, me: Any, out: Out) -> str:
        for timer in self.timers:
            out.set_timer(timer)
        return ""

    def on_timeout(self, me: Any, state: str, timer: Any, out: Out) -> str:
        if state:
            return state
        value: int = 1 if timer.endswith("int") else True
        for node in self.to:
            out.send(node, ("set", value))
        return "bool" if value is True else "int"


class _Keeper(Actor[Any]):
    """Keeps ``(value,)`` as it arrives, then writes it down with ``repr`` on a timer:
    ``"(1,)"`` and ``"(True,)"`` are equal tuples before, different strings after."""

    def init(self, me: Any, out: Out) -> Any:
        return (0,)

    def on_message(self, me: Any, state: Any, sender: Any, msg: Any, out: Out) -> Any:
        out.set_timer("show")
        return (msg[1],)

    def on_timeout(self, me: Any, state: Any, timer: Any, out: Out) -> Any:
        out.send("b", state)
        return repr(state)


class _Echo(Actor[Any]):
    def init(self, me: Any, out: Out) -> Any:
        return ()

    def on_message(self, me: Any, state: Any, sender: Any, msg: Any, out: Out) -> Any:
        return (type(msg[0]).__name__,)


class _OneOrTrue(ActorSystem):
    """``c`` sends ``a`` either ``1`` or ``True``; ``a`` keeps ``(1,)`` or ``(True,)`` (equal,
    so a memo by value alone would hand one's step to the other), then writes it down and
    sends it on to ``b``, which keeps its type's name. ``first`` decides which of the two
    values the search meets first (the timers fire in sorted order)."""

    first = Param("int", help="the value met first", choices=("int", "bool"))

    def actors(self) -> dict[str, Actor[Any]]:
        timers = ("1int", "2bool") if self.first == "int" else ("1bool", "2int")
        return {"a": _Keeper(), "b": _Echo(), "c": _Chooser(timers)}

    @always
    def written_as_sent(self, w: World) -> bool:
        """What ``a`` wrote down and ``b`` kept are those of the value ``c`` sent."""
        a, b, c = (self.state_of(w, node) for node in ("a", "b", "c"))
        wrote, kept = {"int": ("(1,)", ("int",)), "bool": ("(True,)", ("bool",))}.get(c, ("", ()))
        return (type(a) is not str or a == wrote) and (not b or b == kept)


def test_equal_values_of_other_types_deep_inside_stay_apart() -> None:
    """``(1,)`` and ``(True,)`` are equal, but a handler can tell them apart: the memos,
    the shared parts and the interned values never hand one's step to the other, whichever
    the search meets first. The fast path gives the general path's worlds, ``repr`` and
    all; every count and the property agree for both orders."""
    results = []
    for first in ("int", "bool"):
        model = _OneOrTrue(first=first)
        start = list(model.init_states())
        seen, queue = set(start), start
        for w in queue:
            ours, theirs = ActorSystem.actions(model, w), _general(model, w)
            assert [repr(label) for label, _ in ours] == [repr(label) for label, _ in theirs]
            assert [repr(nxt) for _, nxt in ours] == [repr(nxt) for _, nxt in theirs]
            for _, nxt in ours:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        written = {model.state_of(w, "a") for w in queue if type(model.state_of(w, "a")) is str}
        assert written == {"(1,)", "(True,)"}
        result = check(_OneOrTrue(first=first))
        assert result.status("written_as_sent") == "holds"
        results.append((len(queue), result.distinct, result.generated, result.depth))
    assert results == [(17, 17, 23, 6)] * 2
