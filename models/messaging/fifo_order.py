"""Message order on the BEAM: guaranteed per pair of processes, and nowhere else.

What the real system does: signals from one process to another arrive in the order they
were sent. Between different senders there is no order at all, even when one message was
sent, causally, before the other.

The model: ``senders`` nodes each send ``per_sender`` numbered messages to a receiver. With
two senders, ``s1`` sends its messages and then tells ``s2`` to go; ``s2`` sends only after
hearing that, so every message of ``s1`` is sent before every message of ``s2``. The
receiver logs what arrives. ``in_send_order`` says the log is in the order of sending.

What the checker finds: with one sender it holds under the default FIFO-per-pair network
and is refuted under ``-p network=unordered``; with two senders it is refuted even under
FIFO (``s2``'s message overtakes ``s1``'s: 3 steps).

Partial-order reduction (``--por``): the senders declare whom they send to and the property
reads the receiver alone, so a sender's hand-off is taken before the receiver's steps it
commutes with: 6 states instead of 7, the same verdict (``tests/test_por.py`` counts them
by hand).
"""

from __future__ import annotations

from typing import Any

from modelcheck import Param, always
from modelcheck.actors import Actor, ActorSystem, Out, World


class Sender(Actor[int]):
    """Sends its numbered messages (when told to go, if it is not first), then passes on."""

    def __init__(self, first: int, count: int, starts: bool, next_sender: str | None) -> None:
        self.first, self.count = first, count
        self.starts, self.next_sender = starts, next_sender

    def init(self, me: str, out: Out) -> int:
        if self.starts:
            self._send_all(out)
            return 1
        return 0

    def on_message(self, me: str, state: int, sender: str, msg: Any, out: Out) -> int:
        if msg == "go" and state == 0:
            self._send_all(out)
            return 1
        return state

    def _send_all(self, out: Out) -> None:
        for seq in range(self.first, self.first + self.count):
            out.send("receiver", seq)
        if self.next_sender is not None:
            out.send(self.next_sender, "go")


class Receiver(Actor[tuple[int, ...]]):
    """Logs every message in the order it arrives."""

    def init(self, me: str, out: Out) -> tuple[int, ...]:
        return ()

    def on_message(
        self, me: str, state: tuple[int, ...], sender: str, msg: Any, out: Out
    ) -> tuple[int, ...]:
        return state + (msg,)


class SendOrder(ActorSystem):
    """Senders' numbered messages to one receiver: do they arrive in the order sent?"""

    senders = Param(2, help="how many nodes send", min=1, max=3)
    per_sender = Param(1, help="messages each sender sends", min=1, max=3)

    def actors(self) -> dict[str, Actor[Any]]:
        nodes: dict[str, Actor[Any]] = {}
        for s in range(self.senders):
            nxt = f"s{s + 2}" if s + 1 < self.senders else None
            nodes[f"s{s + 1}"] = Sender(1 + s * self.per_sender, self.per_sender, s == 0, nxt)
        nodes["receiver"] = Receiver()
        return nodes

    def talks_to(self) -> dict[str, tuple[str, ...]]:
        """Each sender sends to the receiver and to the next sender."""
        return {
            f"s{s + 1}": ("receiver", f"s{s + 2}") if s + 1 < self.senders else ("receiver",)
            for s in range(self.senders)
        }

    @always(reads=("receiver",))
    def in_send_order(self, w: World) -> bool:
        """The receiver's log is in the order the messages were sent."""
        log = self.state_of(w, "receiver") or ()
        return list(log) == sorted(log)
