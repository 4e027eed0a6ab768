"""Gossip among three friends: states are frozensets of strings, so a checker that let
string hashing decide an order would print different bytes under different PYTHONHASHSEED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck import Model, always, sometimes

PEOPLE = ("ann", "bob", "cy")
State = tuple[frozenset[str], ...]


class Gossip(Model[State]):
    """Each person starts knowing one secret; a call shares everything both know."""

    def init_states(self) -> list[State]:
        return [tuple(frozenset({f"secret-{p}"}) for p in PEOPLE)]

    def actions(self, state: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        for i, caller in enumerate(PEOPLE):
            for j, callee in enumerate(PEOPLE):
                if i < j and state[i] != state[j]:
                    shared = state[i] | state[j]
                    nxt = tuple(shared if k in (i, j) else s for k, s in enumerate(state))
                    out.append((("call", caller, callee), nxt))
        return out

    def show(self, state: State) -> Mapping[str, Any]:
        return dict(zip(PEOPLE, state, strict=True))

    @sometimes
    def everyone_knows_everything(self, state: State) -> bool:
        """All three know all three secrets."""
        return all(len(known) == len(PEOPLE) for known in state)

    @always
    def ann_keeps_a_secret(self, state: State) -> bool:
        """Nobody but ann learns ann's secret (false: gossip spreads)."""
        return all("secret-ann" not in known for known in state[1:])
