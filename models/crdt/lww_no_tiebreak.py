"""A broken last-writer-wins register: no tie-break between writes with the same stamp.

Its merge keeps the left-hand state unless the right-hand one has a strictly larger stamp,
so two concurrent writes with the same stamp merge to different values depending on the
order: ``modelcheck prove crdt models/crdt/lww_no_tiebreak.py`` refutes commutativity.
"""

from __future__ import annotations

from modelcheck.symbolic import ite
from models.crdt.lww_register import LWWRegister, Register


class LWWNoTieBreak(LWWRegister):
    """Last-writer-wins register without a tie-break (broken: merge is not commutative)."""

    def merge(self, a: Register, b: Register) -> Register:
        return ite(a.stamp < b.stamp, b, a)
