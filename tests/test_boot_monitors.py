"""A monitor of a name on another node, set as the processes boot, is looked up after the
boot, as a send by name to another node is: on the BEAM both travel to that node and are
resolved when they arrive, so a name registered by a process that starts later in the
boot (a supervisor's child, ``out.register`` in ``init``) is found, not ``noproc``."""

from __future__ import annotations

from typing import Any

from modelcheck import check
from modelcheck.actors import Actor, ActorSystem, Out, Signal


class _Watcher(Actor[tuple[Any, ...]]):
    """Monitors the name svc on b as it starts, and keeps the DOWNs it gets."""

    def init(self, me: Any, out: Out) -> tuple[Any, ...]:
        out.monitor(("svc", "b"))
        return ()

    def on_down(self, me: Any, state: Any, who: Any, reason: Any, out: Out) -> Any:
        return (*state, (who, reason))


class _Registrar(Actor[str]):
    """Registers svc as it starts."""

    def init(self, me: Any, out: Out) -> str:
        out.register("svc")
        return "up"


class _Silent(Actor[str]):
    def init(self, me: Any, out: Out) -> str:
        return "up"


class LaterRegistrar(ActorSystem):
    """a's watcher boots before b's registrar."""

    def cluster(self) -> dict[str, Any]:
        return {"a": (_Watcher(),), "b": (_Registrar(),)}


class NobodyRegisters(ActorSystem):
    """Nobody on b ever registers svc."""

    def cluster(self) -> dict[str, Any]:
        return {"a": (_Watcher(),), "b": (_Silent(),)}


def test_a_remote_name_registered_later_in_the_boot_is_monitored() -> None:
    system = LaterRegistrar()
    (w,) = system.init_states()
    assert w.sysq == ()
    assert system.pid_of(w, "b", "svc") is not None
    assert len(w.monitors) == 1  # a's watcher watches b's registrar
    assert check(system).distinct == 1


def test_a_remote_name_nobody_holds_after_the_boot_is_noproc() -> None:
    system = NobodyRegisters()
    (w,) = system.init_states()
    ((_, (down,)),) = w.sysq
    assert isinstance(down, Signal)
    assert (down.kind, down.who, down.reason) == ("DOWN", ("svc", "b"), "noproc")
    assert check(system).distinct == 2
    ((_, after),) = list(system.actions(w))
    assert system.state_of(after, "a") == ((("svc", "b"), "noproc"),)
