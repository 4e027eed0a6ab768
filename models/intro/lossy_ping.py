"""A client pings a server over a lossy link, retrying until it hears back.

The link may drop any message, as a network between two BEAM nodes can. Does the client
eventually get its reply? Only if the link is fair in the right way: weak fairness of
delivery (a message that stays in flight is delivered) is not enough, because a drop takes
the message out of flight, so delivery is enabled only now and then. Strong fairness (a
message offered again and again is delivered) is what a fair-lossy link promises.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck import Model, eventually, strong, weak


class State(NamedTuple):
    client: str  # "waiting" or "done"
    request: bool  # a ping is in flight to the server
    reply: bool  # a pong is in flight to the client


def message(label: Any) -> Any:
    """Which message a delivery carries: ``("deliver", "ping")`` -> ``"ping"``."""
    return label[1]


class LossyPing(Model[State]):
    """Ping over a lossy link, weakly fair delivery: the reply may never arrive."""

    fairness = (weak("send"), weak("deliver", per=message))

    def init_states(self) -> list[State]:
        return [State(client="waiting", request=False, reply=False)]

    def actions(self, s: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        if s.client == "waiting" and not s.request and not s.reply:
            out.append((("send", "ping"), s._replace(request=True)))  # a (re)try
        if s.request:  # the server answers as soon as the ping arrives
            out.append((("deliver", "ping"), s._replace(request=False, reply=True)))
            out.append((("drop", "ping"), s._replace(request=False)))
        if s.reply:
            out.append((("deliver", "pong"), s._replace(client="done", reply=False)))
            out.append((("drop", "pong"), s._replace(reply=False)))
        return out

    @eventually
    def answered(self, s: State) -> bool:
        """The client hears back."""
        return s.client == "done"


class FairLossyPing(LossyPing):
    """Ping over a fair-lossy link: a message sent again and again gets through."""

    fairness = (weak("send"), strong("deliver", per=message))
