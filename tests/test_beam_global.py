""":global as library code (modelcheck/beam/global_names.py): small clusters whose processes
call their node's name server, explored whole, with the steps that matter followed."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pytest

from modelcheck import always, check, follow, sometimes
from modelcheck.actors import DEAD, Actor, ActorSystem, Boot, Out, Pid
from modelcheck.beam import global_names as g
from modelcheck.beam.global_names import NAME_SERVER, GlobalServer, GlobalState
from modelcheck.errors import ModelError

A1, B1 = Pid("a", 1), Pid("b", 1)


class Caller(Actor[tuple[Any, ...]]):
    """Makes the calls of ``script`` one after the other, each once the last is answered;
    its state is the answers so far, and any other message it got (as ``("got", msg)``)."""

    def __init__(self, script: tuple[tuple[Any, ...], ...]) -> None:
        self.script = script

    def init(self, me: Pid, out: Out) -> tuple[Any, ...]:
        self._next(0, out)
        return ()

    def _next(self, done: int, out: Out) -> None:
        if done < len(self.script):
            verb, *args = self.script[done]
            getattr(g, verb)(out, *args)

    def on_message(self, me: Pid, state: Any, sender: Any, msg: Any, out: Out) -> Any:
        if type(msg) is tuple and msg[0] == g.REPLY:
            answers = tuple(a for a in state if type(a) is not tuple)
            self._next(len(answers) + 1, out)
            return (*state, msg[2])
        return (*state, ("got", msg))


class Pair(ActorSystem):
    """Nodes a and b, each with a name server and a caller (``a_script``, ``b_script``)."""

    a_script: tuple[tuple[Any, ...], ...] = ()
    b_script: tuple[tuple[Any, ...], ...] = ()
    resolvers: tuple[tuple[Hashable, Any], ...] = ()

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        server = Boot(GlobalServer(resolvers=self.resolvers), name=NAME_SERVER)
        return {"a": (server, Caller(self.a_script)), "b": (server, Caller(self.b_script))}

    def caller(self, w: Any, node: str) -> Any:
        state = w.states[self.boot_slots[self.node_index[node]][1]]
        return None if state is DEAD else state

    def tables(self, w: Any) -> list[dict[Hashable, Pid]]:
        return [g.names(st) for st in self.live_states(w).values()]

    def quiet(self, w: Any) -> bool:
        return not (w.chans or w.byname or w.sysq or w.timers)


class Lifecycle(Pair):
    """a's caller registers itself, looks itself up, sends itself a message by name,
    unregisters and looks up again."""

    a_script = (
        ("register_name", "x"),
        ("whereis_name", "x"),
        ("send", "x", "hello"),
        ("unregister_name", "x"),
        ("whereis_name", "x"),
    )

    @always
    def tables_agree_when_quiet(self, w: Any) -> bool:
        """When nothing is pending, both servers have the same table."""
        tables = self.tables(w)
        return not self.quiet(w) or tables[0] == tables[1]


def test_register_whereis_send_unregister_on_two_nodes() -> None:
    system = Lifecycle()
    result = check(system)
    # One run of 20 steps (each call delivered and answered; register and unregister each
    # lock b, the boss, and tell it), with b's deliveries of register, del_lock, unregister
    # and del_lock free to come later: 40 states.
    assert (result.distinct, result.generated, result.depth) == (40, 60, 20)
    assert result.status("tables_agree_when_quiet") == "holds"
    finals = [w for w in _reachable(system) if system.quiet(w)]
    # The server forwards "hello" before it answers the send, on the same channel.
    assert [system.caller(w, "a") for w in finals] == [
        ("yes", A1, ("got", "hello"), A1, "ok", "undefined")
    ]
    assert [system.tables(w) for w in finals] == [[{}, {}]]


class Rivals(Pair):
    """Both callers register the same name at once."""

    a_script = (("register_name", "x"),)
    b_script = (("register_name", "x"),)

    @always
    def one_yes(self, w: Any) -> bool:
        """At most one caller is told yes."""
        return [self.caller(w, n) for n in "ab"].count(("yes",)) <= 1

    @sometimes
    def a_retries(self, w: Any) -> bool:
        """a's registrar sleeps before it retries."""
        st = self.state_of(w, "a")
        return isinstance(st, GlobalState) and st.phase == "retry"


def test_the_boss_lock_serializes_two_registrations() -> None:
    result = check(Rivals())
    # b is the boss: a's set_lock reaches b before or after b locked itself, so a's
    # registration goes first or is refused and retried after b's: 70 states.
    assert (result.distinct, result.generated, result.depth) == (70, 129, 12)
    assert result.status("one_yes") == "holds"
    assert result.status("a_retries") == "reached"
    system = Rivals()
    finals = {(system.caller(w, "a"), system.caller(w, "b")) for w in _reachable(system)}
    assert {f for f in finals if () not in f} == {
        (("yes",), ("no",)),
        (("no",), ("yes",)),
    }


class Locks(Pair):
    """a's caller takes lock r (as requester 1) and keeps it; b's asks for r (requester 2)
    with one retry."""

    a_script = (("set_lock", ("r", 1)),)
    b_script = (("set_lock", ("r", 2), (), 1),)

    @always
    def exclusive(self, w: Any) -> bool:
        """Never both are told True."""
        return bool((self.caller(w, "a"), self.caller(w, "b")) != ((True,), (True,)))

    @sometimes
    def b_gives_up(self, w: Any) -> bool:
        """b is told False: its retries ran out."""
        return bool(self.caller(w, "b") == (False,))


def test_set_lock_excludes_another_requester_and_bounded_retries_give_up() -> None:
    result = check(Locks())
    assert result.status("exclusive") == "holds"
    assert result.status("b_gives_up") == "reached"
    # b's request with one retry: two refusals at most, then False (30 states).
    assert (result.distinct, result.generated) == (30, 47)


class LockAndLeave(Pair):
    """a's caller takes lock r and keeps it."""

    a_script = (("set_lock", ("r", 1)),)


def test_a_lock_goes_when_its_holder_exits() -> None:
    system = LockAndLeave()
    world = follow(
        system,
        [
            "deliver(<a.1>, <a.0>, [global_call, set_lock, [set_lock, [r, 1], [], -1]])",
            "deliver(<a.0>, [global_name_server, b], [set_lock, [r, 1], <a.1>])",  # by name
            "deliver(<b.0>, <a.0>, [lock_answer, [r, 1], <a.1>, true])",
        ],
    ).final
    held = system.state_of(world, "a")
    assert held.locks == (("r", 1, A1),) and system.state_of(world, "b").locks == (("r", 1, A1),)
    # b's server monitors the holder: when a.1 exits, b drops the lock.
    b = system.behaviours[system.boot_slots[1][0]]
    out = Out(system.node_names)
    after = b.on_down(Pid("b", 0), system.state_of(world, "b"), A1, "killed", out)
    assert after.locks == ()


def _keep_higher(name: Hashable, pid: Pid, pid2: Pid, out: Out) -> Pid:
    """A user resolver: keep the pid on the higher node, tell the other."""
    low, high = g.minmax(pid, pid2)
    out.send(low, ("lost", name))
    return high


class Custom(Pair):
    """Both register x with a user resolver; partitions and heals decide the rest."""

    a_script = (("register_name", "x", None, "keep_higher"),)
    b_script = (("register_name", "x", None, "keep_higher"),)
    resolvers = (("keep_higher", _keep_higher),)

    @sometimes
    def b_kept_a_told(self, w: Any) -> bool:
        """Quiet, both tables give x to b.1, and a.1 was told it lost."""
        return (
            self.quiet(w)
            and self.tables(w) == [{"x": B1}, {"x": B1}]
            and ("got", ("lost", "x")) in (self.caller(w, "a") or ())
        )


def test_a_user_resolver_decides_a_clash_after_a_heal() -> None:
    result = check(Custom(partitions=1, heals=1))
    assert result.status("b_kept_a_told") == "reached"
    # 2,535 states: each registers before or after the partition, the heal resolves.
    assert result.distinct == 2535


def test_an_unknown_resolve_method_is_a_model_error() -> None:
    class Bad(Pair):
        a_script = (("register_name", "x", None, "nope"),)

    with pytest.raises(ModelError, match=r":global has no resolve method 'nope' \(known: "):
        check(Bad())


def test_calls_need_processes_on_nodes() -> None:
    out = Out(["a"])
    out._reset("a")
    with pytest.raises(ModelError, match="needs processes on nodes"):
        g.register_name(out, "x")


def test_a_dead_registered_process_loses_its_names_everywhere() -> None:
    server = GlobalServer()
    st = GlobalState(names=(("x", A1, "random_exit_name"), ("y", B1, "random_exit_name")))
    out = Out(["a", "b"])
    after = server.on_down(Pid("b", 0), st, A1, "normal", out)
    assert g.names(after) == {"y": B1}
    # and a node that goes down takes its processes' names and its locks along
    gone = server.on_nodedown(Pid("a", 0), st._replace(known=("b",)), "b", out)
    assert g.names(gone) == {"x": A1} and gone.known == ()


def _reachable(system: ActorSystem) -> list[Any]:
    seen = set(system.init_states())
    todo = list(seen)
    while todo:
        w = todo.pop()
        for _, nxt in system.actions(w):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return sorted(seen, key=repr)
