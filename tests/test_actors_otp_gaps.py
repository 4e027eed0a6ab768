"""The actor layer against the BEAM, issue 14's remaining gaps: trap_exit switched at run
time, monitor references, gen_server calls that monitor their server, framework parameter
names, where a message lost as it is sent is drawn, and ``--node`` on one process.

Each count is worked out by hand in the test's comment."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from modelcheck import Param, check, follow
from modelcheck.actors import (
    DEAD,
    Actor,
    ActorSystem,
    Boot,
    Budget,
    Out,
    Pid,
    Ref,
    message_flow,
)
from modelcheck.actors.world import NO_PROCS
from modelcheck.beam import Ctx, GenServer, Reply
from modelcheck.errors import ModelError, UsageError
from modelcheck.render._sequence import sequence
from modelcheck.render.nodeview import format_node_trace, select
from tests.cli_helpers import run_cli
from tests.test_actors_fast import _agree

Log = tuple[Any, ...]


class Still(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        return 0


# -- trap_exit at run time -------------------------------------------------------------------


class Flipper(Actor[Log]):
    """Starts not trapping, turns trapping on in init (logging the old flag), and off again
    at the second exit signal it traps (logging the old flag)."""

    def init(self, me: Any, out: Out) -> Log:
        return (("was", out.trap_exit(True)),)

    def on_exit(self, me: Any, state: Log, who: Any, reason: Any, out: Out) -> Log:
        state = (*state, ("EXIT", reason))
        if reason == "shutdown":
            state = (*state, ("was", out.trap_exit(False)))
        return state


class Exiter(Actor[int]):
    """Sends <a.0> exit signals: normal, shutdown, normal, bye."""

    def init(self, me: Any, out: Out) -> int:
        for reason in ("normal", "shutdown", "normal", "bye"):
            out.exit(Pid("a", 0), reason)
        return 0


class Flip(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Flipper(), Exiter()]}


def test_trap_exit_turned_on_and_off_while_running_decides_each_exit_signal() -> None:
    # One channel <a.1> -> <a.0> holding four exit signals, taken in order: a line of
    # states. Trapping: normal and shutdown reach on_exit (the second turns trapping off);
    # not trapping: normal is ignored, bye kills. The initial state + 4 = 5 states, 5
    # generated (the initial one counts).
    system = Flip()
    result = check(system)
    assert result.complete and (result.distinct, result.generated) == (5, 5)
    steps = [f"deliver(<a.1>, <a.0>, EXIT(<a.1>, {r}))" for r in ("normal", "shutdown")]
    trace = follow(system, steps)
    assert trace.final.states[0] == (
        ("was", False),
        ("EXIT", "normal"),
        ("EXIT", "shutdown"),
        ("was", True),
    )
    assert trace.steps[0].state.procs.traps == 1  # flipped from the class's False
    assert not trace.final.procs  # back to the class's value: nothing to remember
    trace = follow(system, [*steps, "deliver(<a.1>, <a.0>, EXIT(<a.1>, normal))"])
    assert len(trace.final.states[0]) == 4  # the second normal was ignored
    last = "deliver(<a.1>, <a.0>, EXIT(<a.1>, bye))"
    trace = follow(system, [*steps, "deliver(<a.1>, <a.0>, EXIT(<a.1>, normal))", last])
    assert trace.final.states[0] is DEAD


# -- monitor references ----------------------------------------------------------------------


class Watcher(Actor[Log]):
    """Monitors <a.1> three times and demonitors the second; monitors <a.7>, never spawned."""

    def init(self, me: Any, out: Out) -> Log:
        first, second, third = (out.monitor(Pid("a", 1)) for _ in range(3))
        out.demonitor(second)
        nobody = out.monitor(Pid("a", 7))
        return (first, second, third, nobody)

    def on_down_ref(self, me: Any, state: Log, ref: Ref, who: Any, reason: Any, out: Out) -> Log:
        return (*state, (ref, who, reason))


class Quits(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        out.stop("bye")
        return 0


class Monitors(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Watcher(), Quits()]}


def test_monitors_are_independent_references_and_a_dead_pid_gives_noproc_at_once() -> None:
    # References 0, 1, 2 on <a.1> (1 demonitored at once) and 0 on <a.7> (numbered per
    # pair). <a.1> exits with
    # bye: DOWN for 0 and 2 on its channel to <a.0>; DOWN noproc for 3 waits among the
    # runtime's signals. <a.0> logs them in the order they come: the start, 2 logs of one
    # DOWN, 3 of two (0 then 2; 0 then 3; 3 then 0), 3 of all three (3 first, between, or
    # last): 9 states.
    system = Monitors()
    result = check(system)
    assert result.complete and result.distinct == 9
    me = Pid("a", 0)
    refs = (*(Ref(me, Pid("a", 1), n) for n in range(3)), Ref(me, Pid("a", 7), 0))
    world = system.init_states()[0]
    assert world.states[0] == refs
    # Only monitors in place hold numbers, and none is left: a new one would get 0 again.
    assert world.procs == NO_PROCS
    trace = follow(
        system,
        [
            "signal(<a.0>, DOWN(<a.7>, noproc))",
            "deliver(<a.1>, <a.0>, DOWN(<a.1>, bye))",
            "deliver(<a.1>, <a.0>, DOWN(<a.1>, bye))",
        ],
    )
    assert trace.final.states[0][4:] == (
        (refs[3], Pid("a", 7), "noproc"),
        (refs[0], Pid("a", 1), "bye"),
        (refs[2], Pid("a", 1), "bye"),
    )


class PairWatcher(Actor[frozenset[Ref]]):
    """Monitors <b.0> when timer b fires and <c.0> when timer c fires, holding the refs."""

    def init(self, me: Any, out: Out) -> frozenset[Ref]:
        out.set_timer("b")
        out.set_timer("c")
        return frozenset()

    def on_timeout(
        self, me: Any, state: frozenset[Ref], timer: Hashable, out: Out
    ) -> frozenset[Ref]:
        return state | {out.monitor(Pid(str(timer), 0))}


class Pairs(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [PairWatcher()], "b": [Still()], "c": [Still()]}


def test_references_are_numbered_per_pair_so_the_order_of_monitors_does_not_split_worlds() -> None:
    # Timers b and c fire in either order: the start, b only, c only, both: 4 states. Were
    # references numbered per process, b then c (b: 0, c: 1) and c then b (c: 0, b: 1)
    # would be 2 worlds, and 5 states.
    system = Pairs()
    result = check(system)
    assert result.complete and (result.distinct, result.generated) == (4, 5)
    me = Pid("a", 0)
    trace = follow(system, ["timeout(<a.0>, c)", "timeout(<a.0>, b)"])
    assert trace.final.states[0] == {Ref(me, Pid("b", 0), 0), Ref(me, Pid("c", 0), 0)}
    assert trace.final.monitors == {(0, 1, 0), (0, 2, 0)}
    assert trace.final.procs.refs == ((0, ((1, 0), (2, 0))),)


class Forgetter(Actor[Log]):
    """Monitors <a.1>, tells it to stop; when its timer fires, demonitors (flush or not)."""

    def __init__(self, flush: bool) -> None:
        self.flush = flush

    def init(self, me: Any, out: Out) -> Log:
        out.monitor(Pid("a", 1))
        out.send(Pid("a", 1), "stop")
        out.set_timer("forget")
        return ()

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.demonitor(Ref(me, Pid("a", 1), 0), flush=self.flush)
        return state

    def on_down(self, me: Any, state: Log, who: Any, reason: Any, out: Out) -> Log:
        return (*state, ("DOWN", who, reason))


class Stopper(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        out.stop()
        return state


class Forget(ActorSystem):
    flush = Param(True, help="demonitor with flush")

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Forgetter(bool(self.flush)), Stopper()]}


@pytest.mark.parametrize(("flush", "distinct"), [(True, 6), (False, 7)])
def test_demonitor_with_flush_takes_a_down_on_its_way_back(flush: bool, distinct: int) -> None:
    # S: <a.1> gets stop and exits (DOWN normal on its way to <a.0>); T: <a.0>'s timer
    # fires and demonitors; D: the DOWN arrives (on_down, which sees no reference). States:
    # start, S, T, SD, SDT, and after S then T: with flush the DOWN is gone, the same world
    # as T then S (the monitor was removed before the exit): 6. Without flush it is still
    # on its way (a world of its own), and D after it is SDT: 7.
    system = Forget(flush=flush)
    result = check(system)
    assert result.complete and result.distinct == distinct
    trace = follow(system, ["deliver(<a.0>, <a.1>, stop)", "timeout(<a.0>, forget)"])
    assert bool(trace.final.chans) is not flush


def test_demonitor_flush_needs_a_reference_and_a_reference_of_ones_own() -> None:
    out = Out(["a"])
    out._reset(Pid("a", 0))
    with pytest.raises(ModelError, match=r"^<a\.0> tried to demonitor #Ref<b\.0/a\.0/0>, which "):
        out.demonitor(Ref(Pid("b", 0), Pid("a", 0), 0))

    class Bad(ActorSystem):
        def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
            return {"a": [_FlushByPid(), Still()]}

    with pytest.raises(ModelError) as caught:
        check(Bad(), max_states=10)
    assert str(caught.value).splitlines()[0] == (
        "<a.0> called out.demonitor(<a.1>, flush=True): flush takes the reference that "
        "out.monitor returned"
    )


class _FlushByPid(Actor[int]):
    def init(self, me: Any, out: Out) -> int:
        out.monitor(Pid("a", 1))
        out.demonitor(Pid("a", 1), flush=True)
        return 0


class Remonitor(Actor[Log]):
    """Each ``again`` timer: demonitor <a.1> (every monitor on it) and monitor it anew."""

    def init(self, me: Any, out: Out) -> Log:
        out.set_timer("again")
        return (out.monitor(Pid("a", 1)),)

    def on_timeout(self, me: Any, state: Log, timer: Hashable, out: Out) -> Log:
        out.demonitor(Pid("a", 1))
        ref = out.monitor(Pid("a", 1))
        out.set_timer("again")
        return (ref,)


class Again(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Remonitor(), Still()]}


def test_a_reference_number_freed_by_demonitor_is_given_again() -> None:
    # The demonitor frees number 0 within the handler, so the new monitor is 0 again and
    # the timeout leads back to the start: 1 state; 2 generated (the initial one, and the
    # self-loop).
    result = check(Again())
    assert (result.distinct, result.generated) == (1, 2)


# -- gen_server calls monitor their server -----------------------------------------------------


class Server(GenServer[int]):
    def init_state(self, ctx: Ctx) -> int:
        return 0

    def handle_call(self, request: Any, frm: Any, state: int, ctx: Ctx) -> Reply[int]:
        return Reply("ok", state + 1)


class Client(GenServer[Log]):
    def __init__(self, catch: bool) -> None:
        self.catch = catch

    def init_state(self, ctx: Ctx) -> Log:
        ctx.call(Pid("b", 0), "ping", timeout=False)
        return ()

    def handle_reply(self, ref: int, value: Any, state: Log, ctx: Ctx) -> Log:
        return (*state, ("reply", value))

    def handle_call_failed(self, ref: int, reason: Any, state: Log, ctx: Ctx) -> Log:
        if not self.catch:
            return super().handle_call_failed(ref, reason, state, ctx)
        return (*state, ("failed", reason))


class Calls(ActorSystem):
    catch = Param(True, help="the client catches a failed call")

    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Client(bool(self.catch))], "b": [Server()]}


def test_a_call_whose_server_dies_fails_with_its_reason_and_a_reply_removes_the_monitor() -> None:
    # kills=1 on <b.0>. Start (call in flight, monitor set). Served (reply in flight) or
    # killed (DOWN killed in flight, the call dropped). Served: reply arrives (done,
    # monitor gone), or the server is killed (the reply, then DOWN: the reply settles the
    # call and flushes the DOWN, so both orders meet). States: start, served, killed,
    # replied, served+killed, replied+killed (= served+killed after the reply), failed
    # (killed + DOWN): 7.
    system = Calls(kills=1, kill_processes="b")
    result = check(system)
    assert result.complete and result.distinct == 7
    done = follow(
        system,
        ["deliver(<a.0>, <b.0>, [call, <a.0>#1, ping])", "deliver(<b.0>, <a.0>, [reply, #1, ok])"],
    ).final
    assert done.states[0].state == (("reply", "ok"),)
    assert not done.monitors and not done.procs
    failed = follow(system, ["kill(<b.0>)", "deliver(<b.0>, <a.0>, DOWN(<b.0>, killed))"]).final
    assert failed.states[0].state == (("failed", "killed"),)
    assert failed.states[0].pending == () and failed.states[0].monitors == ()


def test_a_call_to_an_unreachable_server_fails_with_nodedown_and_exits_an_uncaught_caller() -> None:
    # The partition before the call is served cuts the monitor: DOWN noconnection waits
    # for the client; the caller that does not catch it exits with OTP's reason.
    system = Calls(partitions=1, catch=False)
    trace = follow(system, ["partition([a], [b])", "signal(<a.0>, DOWN(<b.0>, noconnection))"])
    assert trace.final.states[0] is DEAD
    flows = message_flow(system, trace)
    assert [str(f.message) for f in flows] == ["call(<a.0>#1, ping)"]
    caught = follow(
        Calls(partitions=1),
        ["partition([a], [b])", "signal(<a.0>, DOWN(<b.0>, noconnection))"],
    ).final
    assert caught.states[0].state == (("failed", ("nodedown", "b")),)


def test_the_fast_path_agrees_with_the_rules_on_the_new_rules() -> None:
    for system in (Flip(), Monitors(), Forget(), Forget(flush=False), Again()):
        assert _agree(system, 200) >= 1
    assert _agree(Calls(kills=1, partitions=1), 500) > 1


# -- framework parameter names -----------------------------------------------------------------


class Clash(ActorSystem):
    kills = Param(2, help="how many kill messages the protocol sends", min=0)

    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Still()}


class Redeclared(ActorSystem):
    kills = Budget(1, help="processes a fault may kill", min=0)

    def actors(self) -> Mapping[str, Actor[Any]]:
        return {"a": Still()}


def test_a_param_named_like_a_budget_is_refused_and_a_budget_redeclared_is_one() -> None:
    with pytest.raises(ModelError) as caught:
        Clash()
    assert str(caught.value) == (
        "Clash.kills is named like the framework's parameter 'kills' (processes a fault may "
        "kill (reason killed)): rename it, or declare it as Budget(...) to change that "
        "parameter's default"
    )
    # Redeclared as a Budget: the fault, 1 by default: the start and <a>'s kill: 2 states.
    assert check(Redeclared()).distinct == 2


def test_the_clash_is_one_line_and_exit_2_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "clash.py").write_text(
        "from modelcheck import Param\n"
        "from modelcheck.actors import Actor, ActorSystem\n\n\n"
        "class Idle(Actor):\n"
        "    def init(self, me, out):\n"
        "        return 0\n\n\n"
        "class Clash(ActorSystem):\n"
        "    crashes = Param(3, help='crashes the protocol counts')\n\n"
        "    def actors(self):\n"
        "        return {'a': Idle()}\n"
    )
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "check", "clash.py")
    assert (run.code, run.err) == (
        2,
        "error: Clash.crashes is named like the framework's parameter 'crashes' (node crashes "
        "allowed): rename it, or declare it as Budget(...) to change that parameter's "
        "default\n",
    )


# -- a message lost as it is sent is drawn to its process --------------------------------------


class Late(Actor[int]):
    """On its timer, sends to <b.1>, to <b.5> (never spawned) and to (nobody, b)."""

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("go")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.send(Pid("b", 1), "one")
        out.send(Pid("b", 5), "five")
        out.send(("nobody", "b"), "name")
        return state


class LostOnSend(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Late()], "b": [Still(), Still()]}


def test_a_message_lost_as_it_is_sent_goes_to_the_process_it_was_for() -> None:
    system = LostOnSend(partitions=1)
    trace = follow(system, ["partition([a], [b])", "timeout(<a.0>, go)"])
    # <b.1> is running but cut off: lost, drawn to <b.1>; <b.5> addresses nobody: dropped,
    # drawn to the node (its first process's lifeline). The name is looked up only when it
    # arrives, and across the cut it never does: lost, drawn to the node.
    assert [(str(f.source), str(f.target), f.fate) for f in message_flow(system, trace)] == [
        ("<a.0>", "<b.1>", "lost"),
        ("<a.0>", "b", "dropped"),
        ("<a.0>", "b", "lost"),
    ]
    assert [m.receiver for m in sequence(system, trace).messages] == [
        "<b.1>",
        "<b.0>",
        "<b.0>",
    ]


# -- --node selects a process ------------------------------------------------------------------


class Named(ActorSystem):
    def cluster(self) -> Mapping[str, Sequence[Actor[Any] | Boot]]:
        return {"a": [Late()], "b": [Still(), Boot(Still(), name="keeper")]}


def test_node_selects_a_process_by_pid_or_registered_name_with_did_you_mean() -> None:
    system = Named()
    assert select(system, "b") == ("b", None)
    assert select(system, "<b.1>") == ("b", "<b.1>")
    assert select(system, "keeper") == ("b", "<b.1>")
    with pytest.raises(UsageError) as caught:
        select(system, "keepr")
    assert str(caught.value) == (
        "Named has no node or process 'keepr': did you mean keeper? its nodes are a, b "
        "(a process: its pid, as <node.2>, or a name it is registered under)"
    )
    trace = follow(system, ["timeout(<a.0>, go)"])
    # The timeout is <a.0>'s step, so <b.1>'s view has none but the start.
    assert format_node_trace(system, trace, "keeper")[:3] == [
        "  process <b.1>: 0 of 1 step concern it",
        "  0  initial state",
        "     <b.1> = 0",
    ]
    assert format_node_trace(system, trace, "b")[2:6] == [
        "     <b.0> = 0",
        "     <b.1> = 0",
        "     names = {keeper on b: <b.1>}",
        "     (step 1: other nodes)",
    ]
