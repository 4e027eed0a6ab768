"""Termination detection on a ring, as in TLA+'s EWD840 (ewd840/EWD840.tla).

Dijkstra, Feijen and van Gasteren's algorithm from EWD 840. ``n`` nodes, numbered 0..n-1,
run some computation: an active node may send a message to any other node, which makes
that node active, and may become passive at any moment; a passive node stays passive until
a message arrives. Node 0 wants to learn that every node is passive. A token travels round
the ring from node n-1 down to node 0, and every node and the token are white or black:

- ``InitiateProbe``: node 0 holds the token, and the token or node 0 is black (the last
  round was inconclusive): it sends a white token to node n-1 and turns white.
- ``PassToken(i)``, i > 0: node i holds the token and is passive, or is black, or the token
  is black: it passes the token to node i-1, blackening it if node i is black, and turns
  white.
- ``SendMsg(i, j)``: active node i activates node j; if j > i, the message went behind the
  token's back, so node i turns black.
- ``Deactivate(i)``: active node i becomes passive.

Termination is detected when node 0 holds a white token, is white and passive.

Ported from Stephan Merz's EWD840.tla in the tlaplus/Examples repository, config
EWD840.cfg (N = 3, deadlock checking off). Init leaves everything open but the token's
colour (black): every ``active`` and ``color`` function and every token position is an
initial state, 2^n * 2^n * n of them (192 for n = 3), all of which count as generated.

One TLC rule matters for the counts. TLC explores a disjunction inside an action one
disjunct at a time, so a guard such as PassToken's ``~active[i] \\/ color[i] = "black" \\/
tcolor = "black"`` produces the same successor once for every disjunct that is true, and
each one counts as generated. ``actions`` does the same: ``InitiateProbe`` and
``PassToken(i)`` appear once per true disjunct of their guard (for n = 3 that makes 2,001
generated states rather than 1,817). The order follows ``Next == System \\/ Environment``:
``InitiateProbe``, then ``PassToken(i)`` for i = 1..n-1, then for each node i,
``SendMsg(i, j)`` for every j != i, smallest first, and ``Deactivate(i)``.

The state is a :class:`State` named tuple of the spec's four variables: ``active`` (a bool
per node), ``color`` (``"white"`` or ``"black"`` per node), ``tpos`` (the node holding the
token) and ``tcolor`` (the token's colour).

Checked: ``TypeOK``, ``TerminationDetection`` (if termination is detected, every node is
passive) and ``Inv`` (Dijkstra's invariant: every node past the token is passive, or some
node from 0 to the token is black, or the token is black); all three hold. (Of the two
versions of EWD840.cfg seen, the one with N = 3 lists only ``Inv``; the one with N = 4
lists all three invariants and the temporal properties below.) The counts equal TLC's: 302
distinct states, 2,001 generated, depth 9 for n = 3 (54 / 214 / 6 for n = 2; 1,566 /
15,986 / 12 for n = 4, the counts the repository records for EWD840_json.cfg, this spec
with N = 4). The repository's manifest.json records depth 10 for EWD840.cfg; the search
here has 9 levels, counting the initial states as level 1.

The config's temporal property ``Liveness`` (once every node is passive, termination is
eventually detected: ``(\\A i : ~active[i]) ~> terminationDetected``) holds, as TLC says,
under the spec's only fairness condition ``WF_vars(System)``: weak fairness of the token
actions as one group, ``weak("InitiateProbe", "PassToken")``. As in TLA+, a behaviour may
stutter (``stuttering = "always"``), so the nodes' own actions need not happen. The other
temporal property, ``TDSpec`` (EWD840 refines SyncTerminationDetection), is a refinement
check, which modelcheck does not do.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

from modelcheck import Fairness, Model, Param, always, leads_to, weak
from modelcheck.model import Stuttering

WHITE, BLACK = "white", "black"
COLORS = (WHITE, BLACK)


class State(NamedTuple):
    """The spec's variables; ``active`` and ``color`` have one entry per node, node 0 first."""

    active: tuple[bool, ...]  # is the node active (True) or passive (False)?
    color: tuple[str, ...]  # "white" or "black"
    tpos: int  # the node holding the token
    tcolor: str  # the token's colour, "white" or "black"


def put(row: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    """``[row EXCEPT ![i] = value]``."""
    return (*row[:i], value, *row[i + 1 :])


class EWD840(Model[State]):
    """Dijkstra's token-ring termination detection (TLA+ EWD840)."""

    n = Param(3, help="number of nodes on the ring", min=1, max=6)

    # Spec == Init /\ [][Next]_vars /\ WF_vars(System), System == InitiateProbe \/ PassToken.
    fairness: ClassVar[Sequence[Fairness]] = (weak("InitiateProbe", "PassToken"),)
    stuttering: ClassVar[Stuttering] = "always"

    def setup(self) -> None:
        self.nodes = range(self.n)

    def init_states(self) -> list[State]:
        return [
            State(active, color, tpos, BLACK)
            for active in itertools.product((False, True), repeat=self.n)
            for color in itertools.product(COLORS, repeat=self.n)
            for tpos in self.nodes
        ]

    def actions(self, s: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        # System: the token actions. Only the node holding the token can pass it on, and
        # TLC yields the successor once for each disjunct of the guard that is true.
        if s.tpos == 0:
            probe_guard = (s.tcolor == BLACK, s.color[0] == BLACK)
            out += [("InitiateProbe", self.initiate_probe(s))] * sum(probe_guard)
        else:
            i = s.tpos
            pass_guard = (not s.active[i], s.color[i] == BLACK, s.tcolor == BLACK)
            out += [(("PassToken", i), self.pass_token(s, i))] * sum(pass_guard)
        # Environment: the underlying computation.
        for i in self.nodes:
            if s.active[i]:
                for j in self.nodes:
                    if j != i:
                        out.append((("SendMsg", i, j), self.send_msg(s, i, j)))
                out.append((("Deactivate", i), self.deactivate(s, i)))
        return out

    def initiate_probe(self, s: State) -> State:
        """Node 0 sends a white token to node n-1 and turns white."""
        return s._replace(color=put(s.color, 0, WHITE), tpos=self.n - 1, tcolor=WHITE)

    def pass_token(self, s: State, i: int) -> State:
        """Node i passes the token to node i-1, staining it if i is black; i turns white."""
        tcolor = BLACK if s.color[i] == BLACK else s.tcolor
        return s._replace(color=put(s.color, i, WHITE), tpos=i - 1, tcolor=tcolor)

    def send_msg(self, s: State, i: int, j: int) -> State:
        """Active node i activates node j, and turns black if j > i."""
        color = put(s.color, i, BLACK) if j > i else s.color
        return s._replace(active=put(s.active, j, True), color=color)

    def deactivate(self, s: State, i: int) -> State:
        """Active node i becomes passive."""
        return s._replace(active=put(s.active, i, False))

    def termination_detected(self, s: State) -> bool:
        """terminationDetected: node 0 holds a white token, is white and passive."""
        return s.tpos == 0 and s.tcolor == WHITE and s.color[0] == WHITE and not s.active[0]

    @always
    def TypeOK(self, s: State) -> bool:
        """Every variable holds a value of its type."""
        return (
            len(s.active) == len(s.color) == self.n
            and all(isinstance(a, bool) for a in s.active)
            and all(c in COLORS for c in s.color)
            and s.tpos in self.nodes
            and s.tcolor in COLORS
        )

    @always
    def TerminationDetection(self, s: State) -> bool:
        """When termination is detected, every node is passive."""
        return not self.termination_detected(s) or not any(s.active)

    @always
    def Inv(self, s: State) -> bool:
        """Dijkstra's invariant: P0, P1 or P2 holds."""
        p0 = not any(s.active[s.tpos + 1 :])  # every node past the token is passive
        p1 = BLACK in s.color[: s.tpos + 1]  # some node from 0 to the token is black
        p2 = s.tcolor == BLACK  # the token is black
        return p0 or p1 or p2

    @leads_to
    def Liveness(self, s: State) -> tuple[bool, bool]:
        """Once every node is passive, termination is eventually detected."""
        return not any(s.active), self.termination_detected(s)

    def show(self, s: State) -> Mapping[str, Any]:
        return s._asdict()
