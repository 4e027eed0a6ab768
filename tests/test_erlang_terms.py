"""Exit reasons, signal senders and monitor targets written as Erlang terms
(``{killed,{gen_server,call}}``, ``{horde,b}``) in labels, the chart, Mermaid and one node's
view, by one helper (:func:`modelcheck.actors.terms.erlang_term`), never as Python's repr."""

from __future__ import annotations

from typing import Any

from modelcheck import always, check, replay
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid, Ref, Signal, World
from modelcheck.actors.terms import erlang_term
from modelcheck.beam import Ctx, From, GenServer, Reply
from modelcheck.model import format_label
from modelcheck.render.chart import chart_dot
from modelcheck.render.mermaid import mermaid
from modelcheck.render.nodeview import format_node_trace
from modelcheck.render.text import format_trace
from modelcheck.values import format_value


def test_values_are_written_as_erlang_terms() -> None:
    assert erlang_term(("killed", ("gen_server", "call"))) == "{killed,{gen_server,call}}"
    assert erlang_term(("nodedown", "b")) == "{nodedown,b}"
    assert erlang_term(["a", 1, False, None]) == "[a,1,false,none]"
    assert erlang_term("no such name") == '"no such name"'
    assert erlang_term("Shutdown") == '"Shutdown"'  # not an unquoted atom in Erlang
    assert erlang_term((Pid("a", 0, 1), Ref(Pid("a", 0), Pid("b", 1), 0))) == (
        "{<a.0@1>,#Ref<a.0/b.1/0>}"
    )


def test_signals_and_references_print_as_the_beam_writes_them() -> None:
    assert str(Signal("DOWN", ("horde", "b"), "noproc")) == "DOWN({horde,b}, noproc)"
    assert str(Signal("EXIT", Pid("a", 2), ("shutdown", "name_conflict"))) == (
        "EXIT(<a.2>, {shutdown,name_conflict})"
    )
    assert str(Signal("nodedown", "b")) == "nodedown(b)"
    assert str(Ref(Pid("a", 0, 1), ("horde", "b"), 0)) == "#Ref<a.0@1/{horde,b}/0>"
    label = ("signal", Pid("a", 0), Signal("DOWN", ("horde", "b"), "noproc"))
    assert format_label(label) == "signal(<a.0>, DOWN({horde,b}, noproc))"


class Server(GenServer[int]):
    def init_state(self, ctx: Ctx) -> int:
        return 0

    def handle_call(self, request: Any, frm: From, state: Any, ctx: Ctx) -> Reply[Any]:
        return Reply("ok", state)


class Caller(GenServer[int]):
    """Calls the server with no timeout: when the server dies first, the call exits."""

    def init_state(self, ctx: Ctx) -> int:
        ctx.call(("srv", "b"), "hi", timeout=False)
        return 0

    def handle_reply(self, ref: int, value: Any, state: int, ctx: Ctx) -> int:
        return 1


class Watcher(Actor[Any]):
    """Monitors the caller, and a name nobody holds."""

    def init(self, me: Any, out: Out) -> Any:
        out.monitor(("caller", "a"))
        out.monitor(("ghost", "a"))
        return ()

    def on_down(self, me: Any, state: Any, who: Any, reason: Any, out: Out) -> Any:
        return (*state, reason)


class FailedCall(ActorSystem):
    def cluster(self) -> dict[str, Any]:
        return {
            "a": (Boot(Caller(), name="caller"),),
            "b": (Boot(Server(), name="srv"),),
            "c": (Watcher(),),
        }

    @always
    def caller_runs(self, w: World) -> bool:
        """No DOWN of the caller came."""
        return len(self.state_of(w, "c")) < 2


def test_a_failed_calls_exit_reads_as_an_erlang_term_everywhere() -> None:
    system = FailedCall(kills=1, kill_processes="srv")
    prop = check(system).verdict("caller_runs")
    trace = prop.trace
    assert trace is not None
    labels = [format_label(step.label) for step in trace.steps[1:]]
    assert labels == [
        "signal(<c.0>, DOWN({ghost,a}, noproc))",
        "kill(<b.0>)",
        "deliver(<b.0>, <a.0>, DOWN(<b.0>, killed))",
        "deliver(<a.0>, <c.0>, DOWN(<a.0>, {killed,{gen_server,call}}))",
    ]
    shown = mermaid(system, trace, prop)
    assert "    Note over n0: 3 exit: {killed,{gen_server,call}}\n" in shown
    assert "DOWN(#60;a.0>, {killed,{gen_server,call}}) (sent at 3)" in shown
    dot = chart_dot(system, trace, prop)
    assert 'tooltip="<a.0> -> <c.0>: DOWN(<a.0>, {killed,{gen_server,call}}) (delivered)"' in dot
    assert "'" not in dot
    view = format_node_trace(system, trace, "c")
    assert "  4  deliver(<a.0>, <c.0>, DOWN(<a.0>, {killed,{gen_server,call}}))" in view
    assert "  1  signal(<c.0>, DOWN({ghost,a}, noproc))" in view


class KeepsRefs(Actor[Any]):
    """Monitors a registered name and one nobody holds, and keeps both references."""

    def init(self, me: Any, out: Out) -> Any:
        return (out.monitor(("svc", "b")), out.monitor(("ghost", "b")))


class NamedRefs(ActorSystem):
    def cluster(self) -> dict[str, Any]:
        return {"a": (Boot(KeepsRefs(), name="keeper"),), "b": (Boot(Server(), name="svc"),)}


def test_a_reference_to_a_name_reads_as_an_erlang_term_in_states() -> None:
    system = NamedRefs()
    trace = replay(system, "0")
    assert format_trace(system, trace) == [
        "  0  initial state",
        "     <a.0> = [#Ref<a.0/b.0/0>, #Ref<a.0/{ghost,b}/0>]",
        "     <b.0> = {state: 0, next_ref: 1, pending: [], postponed: [], monitors: []}",
        "     signals = {<a.0>: [DOWN({ghost,b}, noproc)]}",
        '     monitors = ["<a.0> watches <b.0>"]',
        "     names = {keeper on a: <a.0>, svc on b: <b.0>}",
    ]
    view = format_node_trace(system, trace, "a")
    assert view[2] == "     <a.0> = [#Ref<a.0/b.0/0>, #Ref<a.0/{ghost,b}/0>]"
    # A string of the same characters is a string: quoted, as states always show them.
    assert format_value(["#Ref<a.0/{ghost,b}/0>"]) == '["#Ref<a.0/{ghost,b}/0>"]'
