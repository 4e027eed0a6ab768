"""Partial-order reduction on systems whose boot processes are registered with
``Boot(actor, name=...)``: those names (and the serial counters they set) are part of the
boot, not "names registered after boot", so the reduction applies; what it does not
support is named for what it is."""

from __future__ import annotations

from typing import Any

from modelcheck import always, check
from modelcheck.actors import Actor, ActorSystem, Boot, Out, World


class _Counter(Actor[int]):
    """Sends "ping" to the other node's first boot process, counts what it is sent."""

    def __init__(self, other: str) -> None:
        self.other = other

    def init(self, me: Any, out: Out) -> int:
        out.send(self.other, "ping")
        return 0

    def on_message(self, me: Any, state: int, sender: Any, msg: Any, out: Out) -> int:
        return state + 1


class _ByName(_Counter):
    """Sends "ping" to the name "q" on the other node."""

    def init(self, me: Any, out: Out) -> int:
        out.send(("q", self.other), "ping")
        return 0


class BootNamed(ActorSystem):
    """Two nodes, each a registered boot process, pinging each other by pid."""

    def cluster(self) -> dict[str, Any]:
        return {"a": (Boot(_Counter("b"), name="p"),), "b": (Boot(_Counter("a"), name="q"),)}

    @always(reads=("a",))
    def small(self, w: World) -> bool:
        """a counts fewer than 5 pings."""
        return bool(self.state_of(w, "a") < 5)


class BootUnnamed(BootNamed):
    """The same without names."""

    def cluster(self) -> dict[str, Any]:
        return {"a": (_Counter("b"),), "b": (_Counter("a"),)}


class SendsByName(BootNamed):
    """a sends to the name q on b, which b's process holds from boot: a fixed receiver."""

    def cluster(self) -> dict[str, Any]:
        return {"a": (Boot(_ByName("b"), name="p"),), "b": (Boot(_Counter("a"), name="q"),)}


def test_names_given_at_boot_do_not_stop_the_reduction() -> None:
    full = check(BootNamed())
    reduced = check(BootNamed(), por=True)
    assert (full.distinct, reduced.distinct) == (4, 3)
    assert reduced.warnings == ()
    assert check(BootUnnamed(), por=True).distinct == reduced.distinct


def test_a_send_by_name_to_a_name_held_from_boot_is_reduced_like_one_by_pid() -> None:
    full = check(SendsByName())
    reduced = check(SendsByName(), por=True)
    assert (full.distinct, reduced.distinct) == (4, 3)
    assert [p.status for p in reduced.properties] == [p.status for p in full.properties]
    assert reduced.warnings == ()
