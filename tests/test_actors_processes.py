"""Processes on nodes: pids, spawn, names, per-process order, exit signals, the order of
signals on connection loss, connections that come back on contact, choices, scoped faults.

Each count is worked out by hand in the test's comment."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from modelcheck import check, follow, replay
from modelcheck.actors import (
    DEAD,
    Actor,
    ActorSystem,
    Boot,
    Out,
    Pid,
    Signal,
    World,
    message_flow,
)
from modelcheck.errors import ModelError
from modelcheck.params import Param
from tests.cli_helpers import run_cli
from tests.test_actors_fast import _agree

Log = tuple[Any, ...]


class Logger(Actor[Log]):
    """Logs every message, signal and node event it hears; traps exits."""

    trap_exit = True

    def __init__(self, link: Any = None, monitor: Any = None, subscribe: bool = False) -> None:
        self.link = link
        self.monitor = monitor
        self.subscribe = subscribe

    def init(self, me: Any, out: Out) -> Log:
        if self.subscribe:
            out.monitor_nodes()
        if self.link is not None:
            out.link(self.link)
        if self.monitor is not None:
            out.monitor(self.monitor)
        return ()

    def on_message(self, me: Any, state: Log, sender: Any, msg: Any, out: Out) -> Log:
        return (*state, msg)

    def on_down(self, me: Any, state: Log, who: Any, reason: Any, out: Out) -> Log:
        return (*state, ("DOWN", who, reason))

    def on_exit(self, me: Any, state: Log, who: Any, reason: Any, out: Out) -> Log:
        return (*state, ("EXIT", who, reason))

    def on_nodedown(self, me: Any, state: Log, node: str, out: Out) -> Log:
        return (*state, ("nodedown", node))

    def on_nodeup(self, me: Any, state: Log, node: str, out: Out) -> Log:
        return (*state, ("nodeup", node))


class Still(Actor[int]):
    """Does nothing."""

    def init(self, me: Any, out: Out) -> int:
        return 0


# -- the order of signals when a connection is lost ----------------------------------------


class LinkAndMonitor(ActorSystem):
    """``w`` links to and monitors ``t`` and subscribes to node events; both trap exits."""

    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"w": Logger(link="t", monitor="t", subscribe=True), "t": Logger()}


def test_on_connection_loss_exit_comes_before_down_before_nodedown() -> None:
    # After the partition w's queue about t holds EXIT, DOWN, nodedown (3 signals) and t's
    # queue about w holds EXIT (the link is both ways). States: the initial one, then
    # (w's progress 0..3) x (t's progress 0..1) = 8: 9 in all.
    system = LinkAndMonitor(partitions=1)
    result = check(system)
    assert result.complete and result.distinct == 9
    trace = follow(system, ["partition([w], [t])"])
    assert system.show(trace.final)["signals"] == {
        "w": ["EXIT(t, noconnection)", "DOWN(t, noconnection)", "nodedown(t)"],
        "t": ["EXIT(w, noconnection)"],
    }
    trace = follow(
        system,
        [
            "partition([w], [t])",
            "signal(w, EXIT(t, noconnection))",
            "signal(w, DOWN(t, noconnection))",
            "signal(w, nodedown(t))",
        ],
    )
    assert system.state_of(trace.final, "w") == (
        ("EXIT", "t", "noconnection"),
        ("DOWN", "t", "noconnection"),
        ("nodedown", "t"),
    )


class Quitter(Actor[int]):
    """Says hello to ``w``, then stops with ``shutdown`` when its timer fires."""

    def init(self, me: Any, out: Out) -> int:
        out.send("w", "hello")
        out.set_timer("quit")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.stop("shutdown")
        return state


class WatchQuitter(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"w": Logger(link="t", monitor="t"), "t": Quitter()}


def test_a_process_exit_sends_exit_to_links_then_down_to_monitors_after_its_messages() -> None:
    # One channel t -> w: hello, then (t quits) EXIT, then DOWN; w takes them in order.
    # States: hello delivered or not before the quit: (timer set, 0..1 delivered) = 2, then
    # after the quit 0..3 of the three delivered = 4: 6 in all.
    system = WatchQuitter()
    assert check(system).distinct == 6
    trace = follow(system, ["timeout(t, quit)"])
    assert system.show(trace.final)["in flight"] == [
        "t -> w: hello",
        "t -> w: EXIT(t, shutdown)",
        "t -> w: DOWN(t, shutdown)",
    ]


# -- pids, incarnations, names, spawn --------------------------------------------------------


class Keeper(Actor[Any]):
    """Reads the pid registered as ``echo`` on ``b`` at start; sends it ``hi`` on a timer."""

    def init(self, me: Any, out: Out) -> Any:
        out.set_timer("go")
        return out.whereis("echo", "b")

    def on_timeout(self, me: Any, state: Any, timer: Hashable, out: Out) -> Any:
        out.send(state, "hi")
        return state


class Counter(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        return state + 1


class OldPid(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Keeper()], "b": [Boot(Counter(), name="echo")]}


def test_a_message_to_a_pid_from_before_a_restart_is_dropped() -> None:
    # Only b may crash (crash_nodes). States: S0; timeout -> S1 (hi in flight); crash ->
    # S2; S1: deliver -> S3 (count 1), crash -> S4 (b down, timer fired, hi lost); S2:
    # timeout -> S4 too (hi sent to a dead pid), restart -> S5 (b in incarnation 1, count
    # 0, timer set); S3: crash -> S4; S4: restart -> S6; S5: timeout: <b.0> is of
    # incarnation 0, so hi is dropped -> S6 again. 7 states; where a node name stood for
    # the process (the one-process-per-node rule), hi reached the restarted b.
    system = OldPid(crashes=1, restarts=1, crash_nodes="b")
    result = check(system)
    assert result.complete and result.distinct == 7
    trace = follow(system, ["crash(b)", "restart(b)", "timeout(<a.0>, go)"])
    assert system.processes(trace.final) == {Pid("a", 0): Pid("b", 0), Pid("b", 0, 1): 0}
    assert system.pid_of(trace.final, "b", "echo") == Pid("b", 0, 1)
    assert [(f.message, f.fate) for f in message_flow(system, trace)] == [("hi", "dropped")]


class Worker(Actor[Any]):
    def init(self, me: Any, out: Out) -> Any:
        return "idle"

    def on_message(self, me: Any, state: Any, sender: Any, msg: Any, out: Out) -> Any:
        return ("got", msg, sender)


class Starter(Actor[Any]):
    """Spawns a worker on ``b``, registered as ``worker``, and sends it a job by name."""

    def init(self, me: Any, out: Out) -> Any:
        pid = out.spawn(Worker(), "b", name="worker")
        out.send(("worker", "b"), "job")
        return pid


class RemoteSpawn(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Starter()], "b": []}


def test_remote_spawn_register_and_send_to_a_name_on_a_node() -> None:
    # b boots nothing, so the worker is <b.0>. States: the job in flight (by name: looked
    # up when it arrives), then delivered: 2.
    system = RemoteSpawn()
    result = check(system)
    assert result.complete and result.distinct == 2
    trace = follow(system, ["deliver(<a.0>, [worker, b], job)"])
    assert system.processes(trace.final) == {
        Pid("a", 0): Pid("b", 0),
        Pid("b", 0): ("got", "job", Pid("a", 0)),
    }
    assert system.show(trace.final)["names"] == {"worker on b": "<b.0>"}


def test_a_node_crash_kills_spawned_processes_and_a_restart_boots_only_the_boot_ones() -> None:
    # Crash b (the worker dies, its name goes), restart b: b boots nothing, so nothing
    # runs there, and the next pid b hands out would be <b.0@1>.
    system = RemoteSpawn(crashes=1, restarts=1)
    trace = follow(system, ["crash(b)", "restart(b)"])
    assert system.processes(trace.final) == {Pid("a", 0): Pid("b", 0)}
    assert "names" not in system.show(trace.final)
    assert trace.final.procs.incarnations == ((1, 1),)


class Killer(Actor[Log]):
    """Monitors <a.1>; sends it exit shutdown, then kill; sends <a.2> exit normal."""

    def init(self, me: Any, out: Out) -> Log:
        out.monitor(Pid("a", 1))
        out.exit(Pid("a", 1), "shutdown")
        out.exit(Pid("a", 1), "kill")
        out.exit(Pid("a", 2), "normal")
        return ()

    def on_down(self, me: Any, state: Log, who: Any, reason: Any, out: Out) -> Log:
        return (*state, ("DOWN", who, reason))


class ExitSignals(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Killer(), Logger(), Still()]}


def test_exit_signals_trappable_unless_kill_and_normal_ignored_without_trap() -> None:
    # <a.1> (traps exits) takes EXIT shutdown (logged), then kill (dies: killed), then the
    # DOWN goes to <a.0>: 4 stages; <a.2> (no trap) takes EXIT normal and lives: 2
    # stages. 4 x 2 = 8 states.
    system = ExitSignals()
    result = check(system)
    assert result.complete and result.distinct == 8
    trace = follow(
        system,
        [
            "deliver(<a.0>, <a.1>, EXIT(<a.0>, shutdown))",
            "deliver(<a.0>, <a.1>, kill(<a.0>))",
            "deliver(<a.0>, <a.2>, EXIT(<a.0>, normal))",
            "deliver(<a.1>, <a.0>, DOWN(<a.1>, killed))",
        ],
    )
    assert trace.steps[1].state.states[1] == (("EXIT", Pid("a", 0), "shutdown"),)
    assert trace.final.states[1] is DEAD
    assert trace.final.states[2] == 0
    assert trace.final.states[0] == (("DOWN", Pid("a", 1), "killed"),)


# -- per-process order ---------------------------------------------------------------------


class Sender(Actor[int]):
    def __init__(self, msgs: tuple[str, ...]) -> None:
        self.msgs = msgs

    def init(self, me: Any, out: Out) -> int:
        for msg in self.msgs:
            out.send("b", msg)
        return 0


class TwoSenders(ActorSystem):
    same_process = Param(False, help="one process sends all four")

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        if self.same_process:
            return {"a": [Sender(("x1", "x2", "y1", "y2"))], "b": [Logger()]}
        return {"a": [Sender(("x1", "x2")), Sender(("y1", "y2"))], "b": [Logger()]}


def test_two_processes_on_one_node_interleave_at_one_receiver() -> None:
    # Two channels <a.0> -> <b.0> (x1, x2) and <a.1> -> <b.0> (y1, y2): a state per
    # interleaved prefix: for i of x and j of y taken, C(i + j, i) logs; summed over
    # i, j in 0..2: 1 + 1 + 1 + 2 + 1 + 1 + 3 + 3 + 6 = 19. One sender: 5 (one order).
    assert check(TwoSenders()).distinct == 19
    assert check(TwoSenders(same_process=True)).distinct == 5


# -- connections come back on contact ------------------------------------------------------


class Pinger(Actor[Log]):
    """Subscribes to node events; sends ``b`` a ping when its timer fires."""

    def init(self, me: Any, out: Out) -> Log:
        out.monitor_nodes()
        out.set_timer("ping")
        return ()

    on_nodedown = Logger.on_nodedown
    on_nodeup = Logger.on_nodeup

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.send("b", "ping")
        return state


class Reconnect(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Pinger(), "b": Logger()}


def test_after_a_heal_a_send_brings_the_connection_back_with_nodeup() -> None:
    # Phases: connected (C), cut (X), healed but apart (H), reconnected by the ping (R).
    # C: S0, S1 (ping in flight), S3 (delivered). X: S2 (timer set, nodedown queued), S4
    # (no timer, queued), S5 (timer, nodedown heard), S8 (delivered before the cut,
    # queued), S9 (no timer, heard), S14 (delivered, heard). H: S7 (timer, queued), S10
    # (no timer, queued), S12 (timer, heard), S15 (delivered, queued), S16 (no timer,
    # heard), S20 (delivered, heard). R (the ping after the heal): S13 (ping in flight,
    # nodedown and nodeup queued), S17 (in flight, nodeup queued), S19 (delivered, both
    # queued), S21 (in flight, both heard), S22 (delivered, nodeup queued), S23
    # (delivered, both heard). 21 states.
    system = Reconnect(partitions=1, heals=1)
    result = check(system)
    assert result.complete and result.distinct == 21
    healed = follow(system, ["partition([a], [b])", "heal()", "signal(a, nodedown(b))"])
    # Nothing reconnects by itself: no nodeup is on its way.
    assert [label for label, _ in system.actions(healed.final)] == [("timeout", "a", "ping")]
    assert system.show(healed.final)["disconnected"] == ["a -x- b"]
    pinged = follow(
        system, ["partition([a], [b])", "heal()", "signal(a, nodedown(b))", "timeout(a, ping)"]
    )
    assert [label for label, _ in system.actions(pinged.final)] == [
        ("signal", "a", Signal("nodeup", "b")),
        ("deliver", "a", "b", "ping"),
    ]


class QuietPeer(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"w": Logger(subscribe=True), "t": Quitter()}


def test_a_node_rebooted_unnoticed_after_a_heal_reconnects_with_nodeup() -> None:
    # t quits (its node stays up, running nothing), a partition (w hears nodedown(t)), the
    # heal leaves the pair apart; t reboots (a restart of an up node that runs nothing),
    # connected to w: w hears nodeup(t), so a crash's nodedown then alternates with it.
    system = QuietPeer(partitions=1, heals=1, restarts=1)
    rebooted = follow(
        system,
        [
            "timeout(t, quit)",
            "partition([w], [t])",
            "signal(w, nodedown(t))",
            "heal()",
            "restart(t)",
        ],
    ).final
    assert system.show(rebooted)["signals"] == {"w": ["nodeup(t)"]}
    assert "disconnected" not in system.show(rebooted)


class Three(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Still(), "b": Still(), "c": Still()}


def test_mends_heal_one_link_at_a_time() -> None:
    system = Three(cuts=2, mends=1)
    cut = follow(system, ["cut(a, b)", "cut(b, c)"])
    heals = [label for label, _ in system.actions(cut.final) if label[0] == "heal"]
    assert heals == [("heal", "a", "b"), ("heal", "b", "c")]
    mended = follow(system, ["cut(a, b)", "cut(b, c)", "heal(b, c)"])
    assert system.show(mended.final)["cut"] == ["a -/- b"]


# -- choices and notes ----------------------------------------------------------------------


class Roller(Actor[Any]):
    def init(self, me: Any, out: Out) -> Any:
        out.set_timer("roll")
        return 0

    def on_timeout(self, me: Any, state: Any, timer: Hashable, out: Out) -> Any:
        value = out.choose([1, 2])
        side = out.choose(["x", "y"])
        if side == "y":
            out.note("took y")
        out.send("b", (value, side))
        return value


class Dice(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Roller(), "b": Logger()}


def test_choose_explores_each_option_and_the_label_records_it() -> None:
    # The timeout has 2 x 2 outcomes; each sends one message, then it is delivered:
    # 1 + 4 + 4 = 9 states.
    system = Dice()
    assert check(system).distinct == 9
    labels = [str(label[3:]) for label, _ in system.actions(system.init_states()[0])]
    assert labels == [
        "(Chose(values=(1, 'x')),)",
        "(Chose(values=(1, 'y')), Note(text='took y'))",
        "(Chose(values=(2, 'x')),)",
        "(Chose(values=(2, 'y')), Note(text='took y'))",
    ]
    trace = follow(
        system, ['timeout(a, roll, {chose: [2, y]}, {note: "took y"})', "deliver(a, b, [2, y])"]
    )
    assert system.state_of(trace.final, "b") == ((2, "y"),)
    assert replay(system, trace.path).final == trace.final


def test_choose_in_init_is_refused() -> None:
    class Chooser(Actor[int]):
        def init(self, me: Any, out: Out) -> int:
            return int(out.choose([1, 2]))

    class Bad(ActorSystem):
        def actors(self) -> Mapping[str, Actor[Any]]:
            return {"a": Chooser()}

    with pytest.raises(ModelError, match=r"a's init called out.choose\(\)"):
        Bad().init_states()


# -- scoped faults ----------------------------------------------------------------------------


def test_crashes_scoped_to_named_nodes_from_the_parameter_or_the_model() -> None:
    # Unscoped: S0 and one crashed world per node: 4. Scoped to b: 2.
    assert check(Three(crashes=1)).distinct == 4
    assert check(Three(crashes=1, crash_nodes="b")).distinct == 2

    class OnlyC(Three):
        def crashable(self) -> Sequence[str]:
            return ["c"]

    labels = [label for label, _ in OnlyC(crashes=1).actions(OnlyC().init_states()[0])]
    assert labels == [("crash", "c")]
    with pytest.raises(ModelError, match="crash_nodes names unknown node 'd' "):
        Three(crashes=1, crash_nodes="b, d")


def test_kills_hit_one_process_scoped_by_name() -> None:
    # Any of the 3 processes, or only those named: "db" (registered), "b" (b's first).
    class Quiet(ActorSystem):
        def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
            return {"a": [Still(), Boot(Still(), name="db")], "b": [Still()]}

    start = Quiet().init_states()[0]
    assert [label for label, _ in Quiet(kills=1).actions(start)] == [
        ("kill", Pid("a", 0)),
        ("kill", Pid("a", 1)),
        ("kill", Pid("b", 0)),
    ]
    assert [label for label, _ in Quiet(kills=1, kill_processes="db,b").actions(start)] == [
        ("kill", Pid("a", 1)),
        ("kill", Pid("b", 0)),
    ]


class Spawner(Actor[int]):
    """Spawns a worker here when its timer fires (one that stops at once, if ``brief``)."""

    def __init__(self, brief: bool) -> None:
        self.brief = brief

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("spawn")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.spawn(Quick() if self.brief else Still())
        return state + 1


class Quick(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        out.stop()
        return 0


class TwoSpawners(ActorSystem):
    brief = Param(False, help="the workers stop at once")

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Spawner(self.brief)], "b": [Spawner(self.brief)]}


def test_spawned_slots_are_canonical_and_dead_ones_go() -> None:
    # S0; a spawned; b spawned; both spawned, whichever first (slots sorted by pid): 4.
    system = TwoSpawners()
    assert check(system).distinct == 4
    ab = follow(system, ["timeout(<a.0>, spawn)", "timeout(<b.0>, spawn)"]).final
    ba = follow(system, ["timeout(<b.0>, spawn)", "timeout(<a.0>, spawn)"]).final
    assert ab == ba and ab.procs.spawned == ((Pid("a", 1), Still()), (Pid("b", 1), Still()))
    # Workers that stop at once leave no slot behind, only the serials they used.
    brief = TwoSpawners(brief=True)
    done = follow(brief, ["timeout(<a.0>, spawn)", "timeout(<b.0>, spawn)"]).final
    assert len(done.states) == 2 and done.procs.spawned == ()
    assert done.procs.serials == ((0, 2), (1, 2))


THREE = """
from modelcheck.actors import Actor, ActorSystem


class Still(Actor):
    def init(self, me, out):
        return 0


class Three(ActorSystem):
    def actors(self):
        return {"a": Still(), "b": Still(), "c": Still()}
"""


def test_fault_scopes_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Three idle nodes, one crash: the start and a crashed world per node that may crash:
    # 4 unscoped, 2 scoped to b; replay takes the same parameter (path 0.0: crash(b)).
    target = tmp_path / "three.py"
    target.write_text(THREE)
    every = run_cli(capsys, "check", str(target), "--no-timing", "--crashes", "1")
    assert every.out.startswith("Three (crashes=1): 4 distinct states"), every.err
    scoped = run_cli(
        capsys, "check", str(target), "--no-timing", "--crashes", "1", "-p", "crash_nodes=b"
    )
    assert scoped.out.startswith("Three (crashes=1, crash_nodes=b): 2 distinct states")
    replayed = run_cli(
        capsys, "replay", str(target), "--path", "0.0", "-p", "crashes=1", "-p", "crash_nodes=b"
    )
    assert replayed.code == 0 and "crash(b)" in replayed.out, replayed.err
    wrong = run_cli(capsys, "check", str(target), "--crashes", "1", "-p", "crash_nodes=d")
    assert wrong.code == 2
    assert wrong.err == "error: crash_nodes names unknown node 'd' (nodes: a, b, c)\n"


def test_a_system_that_sets_reconnect_on_heal_is_refused_with_what_replaced_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "older.py"
    target.write_text(THREE + "    reconnect_on_heal = True\n")
    older = run_cli(capsys, "check", str(target))
    assert older.code == 2 and older.out == ""
    assert older.err == (
        "error: Three sets reconnect_on_heal, which is gone: as on the BEAM a heal reconnects "
        "nothing, so have a process send, monitor or out.connect() to the other node after "
        "its nodedown (docs/actors.md)\n"
    )


# -- one implementation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "system",
    [
        LinkAndMonitor(partitions=1),
        OldPid(crashes=1, restarts=1),
        RemoteSpawn(crashes=1, restarts=1, crash_nodes="b"),
        ExitSignals(kills=1),
        TwoSenders(),
        Reconnect(partitions=1, heals=1),
        Dice(drops=1),
        TwoSpawners(),
        TwoSpawners(brief=True),
    ],
    ids=lambda s: type(s).__name__,
)
def test_the_fast_path_agrees_with_the_rules_on_processes(system: ActorSystem) -> None:
    assert _agree(system, 500) > 1


def test_a_world_is_hashable_and_equal_worlds_from_two_runs_are_equal() -> None:
    a, b = RemoteSpawn(), RemoteSpawn()
    wa: World = a.init_states()[0]
    assert wa == b.init_states()[0] and hash(wa) == hash(b.init_states()[0])


def test_the_docs_example_of_processes_runs_as_the_docs_say() -> None:
    # 4 states: the job in flight; delivered (reply, then DOWN, on one channel); the reply
    # taken; the DOWN taken.
    readme = (Path(__file__).parent.parent / "docs/actors.md").read_text()
    start = readme.index("```python", readme.index("## Processes on nodes")) + len("```python")
    namespace: dict[str, Any] = {}
    exec(readme[start : readme.index("```", start)], namespace)
    system = namespace["Jobs"]()
    assert check(system).distinct == 4
    trace = follow(
        system,
        [
            "deliver(<a.0>, <b.0>, job)",
            "deliver(<b.0>, <a.0>, [done, job])",
            "deliver(<b.0>, <a.0>, DOWN(<b.0>, normal))",
        ],
    )
    assert system.processes(trace.final) == {
        Pid("a", 0): (("done", "job"), ("DOWN", Pid("b", 0), "normal"))
    }


def test_partial_order_reduction_takes_clusters_per_process_and_refuses_spawns() -> None:
    from modelcheck.actors.por import fallback_reason

    # Several processes on a node no longer stop it before the search (per process now);
    # here both senders feed one logger, so no step can be left out, and it says so.
    assert fallback_reason(TwoSenders()) is None
    reduced = check(TwoSenders(), por=True)
    assert (reduced.distinct, reduced.generated) == (19, 19)
    assert reduced.warnings == (
        "--por reduced nothing: at no state could it leave a step out (one node acts at a "
        "time, or another may send first, or a property sees the steps, or a fault may "
        "touch them)",
    )

    class SpawnsOne(ActorSystem):
        def actors(self) -> Mapping[str, Actor[Any]]:
            return {"a": Spawner(False), "b": Still()}

    with pytest.raises(
        ModelError,
        match=r"^partial-order reduction does not support spawned processes or names "
        r"registered after boot \(out\.spawn, out\.register\): run without --por$",
    ):
        check(SpawnsOne(), por=True)


class Joiner(Actor[Log]):
    """Subscribes to node events; on its timer, connects to ``b`` (net_kernel:connect_node)."""

    def init(self, me: Any, out: Out) -> Log:
        out.monitor_nodes()
        out.set_timer("join")
        return ()

    on_nodedown = Logger.on_nodedown
    on_nodeup = Logger.on_nodeup

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.connect("b")
        return state


class Join(ActorSystem):
    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Joiner(), "b": Logger(subscribe=True)}


def test_connect_brings_a_healed_connection_back_and_does_nothing_while_cut() -> None:
    system = Join(partitions=1, heals=1)
    heard = ["signal(a, nodedown(b))", "signal(b, nodedown(a))"]
    cut = follow(system, ["partition([a], [b])", *heard, "timeout(a, join)"])
    assert "signals" not in system.show(cut.final)  # the network does not reach: nothing
    joined = follow(system, ["partition([a], [b])", *heard, "heal()", "timeout(a, join)"])
    assert system.show(joined.final)["signals"] == {"a": ["nodeup(b)"], "b": ["nodeup(a)"]}
    assert "disconnected" not in system.show(joined.final)


class Failing(Actor[int]):
    """Exits with ``boom`` when its timer fires."""

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("fail")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.stop("boom")
        return state


class Parent(Logger):
    """Spawn-links a failing child on its own node (traps exits if ``trap``)."""

    def __init__(self, trap: bool) -> None:
        super().__init__()
        self.trap_exit = trap  # type: ignore[misc]

    def init(self, me: Any, out: Out) -> Log:
        out.spawn_link(Failing())
        return ()


class Family(ActorSystem):
    trap = Param(False, help="the parent traps exits")

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Parent(self.trap)]}


def test_a_linked_child_that_fails_takes_its_parent_unless_it_traps_exits() -> None:
    # S0 (child's timer set); the child stops with boom (EXIT in flight to the parent);
    # the EXIT delivered: the parent dies (no trap) or logs it (trap). 3 states either way.
    for trap, after in ((False, DEAD), (True, (("EXIT", Pid("a", 1), "boom"),))):
        system = Family(trap=trap)
        assert check(system).distinct == 3
        trace = follow(system, ["timeout(<a.1>, fail)", "deliver(<a.1>, <a.0>, EXIT(<a.1>, boom))"])
        assert trace.final.states == (after,)  # the child's slot is gone
