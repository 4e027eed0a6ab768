"""Small actor systems for the tests: a watcher that logs every signal it gets."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from modelcheck import Param, always
from modelcheck.actors import Actor, ActorSystem, Out, World

Log = tuple[tuple[Any, ...], ...]


class Watcher(Actor[Log]):
    """Monitors (or links to) ``t``, subscribes to node events, and logs all it hears."""

    def __init__(self, link: bool, trap: bool) -> None:
        self.linked = link
        self.trap_exit = trap  # type: ignore[misc]

    def init(self, me: str, out: Out) -> Log:
        out.monitor_nodes()
        if self.linked:
            out.link("t")
        else:
            out.monitor("t")
        return ()

    def on_message(self, me: str, state: Log, sender: str, msg: Any, out: Out) -> Log:
        return (*state, ("msg", sender, msg))

    def on_down(self, me: str, state: Log, who: str, reason: str, out: Out) -> Log:
        return (*state, ("DOWN", who, reason))

    def on_exit(self, me: str, state: Log, who: str, reason: str, out: Out) -> Log:
        return (*state, ("EXIT", who, reason))

    def on_nodedown(self, me: str, state: Log, node: str, out: Out) -> Log:
        return (*state, ("nodedown", node))

    def on_nodeup(self, me: str, state: Log, node: str, out: Out) -> Log:
        return (*state, ("nodeup", node))


class Target(Actor[int]):
    """Says hello to ``w``, then may quit (a timer) with ``reason``; its count is durable."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def init(self, me: str, out: Out) -> int:
        out.send("w", "hello")
        out.set_timer("quit")
        return 0 if out.durable is None else int(str(out.durable))

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.stop(self.reason)
        return state + 1

    def durable(self, state: int) -> Hashable:
        return state + 100


class Bystander(Actor[int]):
    """A third node that can kill ``t`` (a timer decides when)."""

    def __init__(self, kills: bool) -> None:
        self.kills = kills

    def init(self, me: str, out: Out) -> int:
        if self.kills:
            out.set_timer("kill")
        return 0

    def on_timeout(self, me: str, state: int, timer: Hashable, out: Out) -> int:
        out.kill("t")
        return state


class Watch(ActorSystem):
    """A watcher, a target and a bystander, for monitor, link and node-event tests."""

    reason = Param("shutdown", help="the target's exit reason")
    link = Param(False, help="link instead of monitor")
    trap = Param(False, help="the watcher traps exits")
    bystander_kills = Param(False, help="the bystander kills the target")
    order = Param("wtx", help="declaration order of the nodes")

    def actors(self) -> dict[str, Actor[Any]]:
        all_nodes: dict[str, Actor[Any]] = {
            "w": Watcher(self.link, self.trap),
            "t": Target(self.reason),
            "x": Bystander(self.bystander_kills),
        }
        return {name: all_nodes[name] for name in self.order}

    @always
    def node_events_alternate(self, w: World) -> bool:
        """Between two nodeups about a node comes a nodedown about it, and vice versa."""
        log = self.state_of(w, "w") or ()
        last: dict[str, str] = {}
        for entry in log:
            if entry[0] in ("nodedown", "nodeup"):
                if last.get(entry[1]) == entry[0]:
                    return False
                last[entry[1]] = entry[0]
        return True

    @always
    def no_hello_after_down(self, w: World) -> bool:
        """A hello never arrives after the DOWN carrying the target's own exit reason
        (signals between one pair arrive in the order sent)."""
        log = self.state_of(w, "w") or ()
        for i, entry in enumerate(log):
            if entry[:2] == ("DOWN", "t") and entry[2] not in ("noconnection", "noproc"):
                return ("msg", "t", "hello") not in log[i:]
        return True


class ReconnectingWatcher(Watcher):
    """A ``Watcher`` that, after a ``nodedown``, connects to that node again on a timer
    (nothing reconnects by itself after a heal)."""

    def on_nodedown(self, me: str, state: Log, node: str, out: Out) -> Log:
        out.set_timer(("connect", node))
        return super().on_nodedown(me, state, node, out)

    def on_timeout(self, me: str, state: Log, timer: Hashable, out: Out) -> Log:
        assert type(timer) is tuple
        out.connect(timer[1])  # nothing while the network does not reach it
        return state


class ReconnectingWatch(Watch):
    """``Watch`` whose watcher reconnects after a ``nodedown``."""

    def actors(self) -> dict[str, Actor[Any]]:
        actors = dict(super().actors())
        actors["w"] = ReconnectingWatcher(self.link, self.trap)
        return actors
