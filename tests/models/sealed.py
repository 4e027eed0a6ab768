"""States that cannot move between processes: a ``Sealed`` refuses to pickle (it has a
fingerprint of its own, so ``--ray`` can still pick its shard)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelcheck import Model
from modelcheck.fingerprint import fingerprint, register


@dataclass(frozen=True)
class Sealed:
    n: int

    def __reduce__(self) -> Any:
        raise TypeError("sealed")


register(Sealed, lambda s: fingerprint(("sealed", s.n)))


class Counter(Model[Any]):
    """From 0, any of three steps, modulo 200; every state but the first is sealed."""

    def init_states(self) -> list[Any]:
        return [(0,)]

    def actions(self, s: Any) -> list[tuple[Any, Any]]:
        n = s[0] if isinstance(s, tuple) else s.n
        return [(k, Sealed((n * 3 + k) % 200)) for k in range(3)]
