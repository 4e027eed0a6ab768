"""Actor systems for the chart, Mermaid, ITF and HTML tests: long traces with every kind of
event a sequence chart draws (messages, timers, crashes, restarts, partitions, heals, drops,
duplicates), and a lasso."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from modelcheck import Model, Param, always, eventually
from modelcheck.actors import Actor, ActorSystem, Boot, Out, World
from modelcheck.trace import Trace, follow


class Writing(NamedTuple):
    write: int  # the write in progress (0: all done)
    acked: frozenset[str]  # the backups that acknowledged it
    retried: bool  # its retry timer fired once already


class Primary(Actor[Writing]):
    """Writes 1..writes to every backup in turn; each write waits for every ack, retrying
    once (a timer) for the backups that have not answered."""

    def __init__(self, backups: tuple[str, ...], writes: int) -> None:
        self.backups = backups
        self.writes = writes

    def init(self, me: str, out: Out) -> Writing:
        return self._start(1, out)

    def _start(self, write: int, out: Out) -> Writing:
        for backup in self.backups:
            out.send(backup, ("put", write))
        out.set_timer("retry")
        return Writing(write, frozenset(), False)

    def on_message(self, me: str, state: Writing, sender: str, msg: Any, out: Out) -> Writing:
        if msg != ("ack", state.write):
            return state
        acked = state.acked | {sender}
        if acked != frozenset(self.backups):
            return state._replace(acked=acked)
        out.cancel_timer("retry")
        if state.write == self.writes:
            return Writing(0, acked, False)
        return self._start(state.write + 1, out)

    def on_timeout(self, me: str, state: Writing, timer: Hashable, out: Out) -> Writing:
        if state.write == 0 or state.retried:
            return state
        for backup in self.backups:
            if backup not in state.acked:
                out.send(backup, ("put", state.write))
        return state._replace(retried=True)


class Backup(Actor[tuple[int, ...]]):
    """Keeps every value it is sent, once, and acknowledges it."""

    def init(self, me: str, out: Out) -> tuple[int, ...]:
        return ()

    def on_message(
        self, me: str, state: tuple[int, ...], sender: str, msg: Any, out: Out
    ) -> tuple[int, ...]:
        _, value = msg
        out.send(sender, ("ack", value))
        return state if value in state else (*state, value)


class Replicate(ActorSystem):
    """A primary replicating writes to four backups (five nodes)."""

    backups = Param(4, help="number of backups", min=1, max=6)
    writes = Param(3, help="values written", min=1, max=5)

    def actors(self) -> dict[str, Actor[Any]]:
        names = tuple(f"b{i + 1}" for i in range(self.backups))
        nodes: dict[str, Actor[Any]] = {"primary": Primary(names, self.writes)}
        nodes.update((name, Backup()) for name in names)
        return nodes

    @always
    def backups_agree(self, w: World) -> bool:
        """Every running backup holds the same values (false: a crash and restart lose them)."""
        logs = {log for name, log in self.live_states(w).items() if name != "primary"}
        return all(set(a) <= set(b) or set(b) <= set(a) for a in logs for b in logs)


#: A 30-step trace of Replicate with a crash, a restart, a partition, a heal, a drop and a
#: duplicate, named action by action (the path is found with modelcheck.follow).
FAULTY_PARAMS: dict[str, Any] = {
    "crashes": 1,
    "restarts": 1,
    "partitions": 1,
    "heals": 1,
    "drops": 1,
    "duplicates": 1,
}
FAULTY_ACTIONS = [
    "deliver(primary, b1, [put, 1])",
    "deliver(primary, b2, [put, 1])",
    "duplicate(primary, b3, [put, 1])",
    "deliver(b1, primary, [ack, 1])",
    "deliver(primary, b3, [put, 1])",
    "drop(primary, b4, [put, 1])",
    "deliver(b2, primary, [ack, 1])",
    "deliver(primary, b3, [put, 1])",
    "deliver(b3, primary, [ack, 1])",
    "timeout(primary, retry)",
    "deliver(b3, primary, [ack, 1])",
    "deliver(primary, b4, [put, 1])",
    "deliver(b4, primary, [ack, 1])",
    "deliver(primary, b1, [put, 2])",
    "crash(b2)",
    "partition([primary, b1, b3], [b2, b4])",
    "deliver(primary, b3, [put, 2])",
    "deliver(b1, primary, [ack, 2])",
    "restart(b2)",
    "heal()",
    "deliver(b3, primary, [ack, 2])",
    "timeout(primary, retry)",
    "deliver(primary, b2, [put, 2])",
    "deliver(primary, b4, [put, 2])",
    "deliver(b2, primary, [ack, 2])",
    "deliver(b4, primary, [ack, 2])",
    "deliver(primary, b1, [put, 3])",
    "deliver(primary, b2, [put, 3])",
    "deliver(b1, primary, [ack, 3])",
    "deliver(b2, primary, [ack, 3])",
]


def faulty_trace() -> tuple[Replicate, Trace]:
    """The system and its 30-step trace with every kind of fault."""
    system = Replicate(**FAULTY_PARAMS)
    return system, follow(system, FAULTY_ACTIONS)


class Pinger(Actor[int]):
    """Bounces a ball back and forth for ever; the count wraps, so the states repeat."""

    def init(self, me: str, out: Out) -> int:
        if me == "ping":
            out.send("pong", "ball")
        return 0

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        out.send(sender, "ball")
        return (state + 1) % 2


class PingPong(ActorSystem):
    """Two nodes that never stop: ``eventually done`` is violated by a lasso."""

    def actors(self) -> dict[str, Actor[Any]]:
        return {"ping": Pinger(), "pong": Pinger()}

    @eventually
    def done(self, w: World) -> bool:
        """The ball stops at some point (it never does)."""
        return not w.chans


class Spin(Model[int]):
    """A counter that goes round 0, 1, 2 for ever: a plain model whose lasso never ends."""

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, n: int) -> list[tuple[Any, int]]:
        return [("step", (n + 1) % 3)]

    @eventually
    def reaches_three(self, n: int) -> bool:
        """The counter reaches 3 (it never does)."""
        return n == 3


# -- processes on nodes ----------------------------------------------------------------------


class Store(Actor[int]):
    """Registered as ``store``: keeps the last value put, notes it, and acknowledges."""

    def init(self, me: Any, out: Out) -> int:
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        _, value = msg
        out.note(f"holds {value}")
        out.send(sender, ("ok", value))
        return int(value)


class Writer(Actor[int]):
    """Spawned by the boss: puts 1 into ``{store, server}`` and tells the boss when done."""

    def __init__(self, boss: Any) -> None:
        self.boss = boss

    def init(self, me: Any, out: Out) -> int:
        out.send(("store", "server"), ("put", 1))
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        out.send(self.boss, "done")
        return 1


class Boss(Actor[int]):
    """Spawns a writer on its own node when its timer fires, and kills it once it says it
    is done."""

    def init(self, me: Any, out: Out) -> int:
        out.set_timer("go")
        return 0

    def on_timeout(self, me: Any, state: int, timer: Hashable, out: Out) -> int:
        out.spawn(Writer(me))
        return state

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        out.note("writer done")
        out.kill(sender)
        return 1


class Shop(ActorSystem):
    """Two nodes: ``server`` runs the registered ``store``; ``client`` runs a boss that
    spawns a writer. Only ``server`` may crash."""

    def cluster(self) -> dict[str, tuple[Any, ...]]:
        return {"server": (Boot(Store(), name="store"),), "client": (Boss(),)}

    def crashable(self) -> tuple[str, ...]:
        return ("server",)


#: Spawn, a registered name, notes, a kill and a node crash.
SHOP_ACTIONS = [
    "timeout(<client.0>, go)",
    'deliver(<client.1>, [store, server], [put, 1], {note: "holds 1"})',  # by name
    "deliver(<server.0>, <client.1>, [ok, 1])",
    'deliver(<client.1>, <client.0>, done, {note: "writer done"})',
    "deliver(<client.0>, <client.1>, kill(<client.0>))",
    "crash(server)",
]


def shop_trace() -> tuple[Shop, Trace]:
    """The Shop system (one crash allowed) and its 6-step trace."""
    system = Shop(crashes=1)
    return system, follow(system, SHOP_ACTIONS)
