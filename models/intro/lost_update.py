"""The lost update: the first model to read, and the one the README shows.

Each process increments a shared counter in two steps, reading it and then writing back
what it read plus one. Interleaved, two processes can both read 0 and both write 1: an
increment is lost. ``no_lost_update`` is violated (4 steps with 2 processes);
``all_done`` is reached.
"""

from typing import Any, NamedTuple

from modelcheck import Model, Param, always, sometimes


class State(NamedTuple):
    counter: int
    pc: tuple[str, ...]  # per process: "read", "write" or "done"
    seen: tuple[int, ...]  # per process: the value it read


def put(values: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    """``values`` with position ``i`` replaced."""
    return values[:i] + (value,) + values[i + 1 :]


class LostUpdate(Model[State]):
    """Processes increment a shared counter without a lock: read, then write read + 1."""

    procs = Param(2, help="number of processes", min=1, max=8)

    def init_states(self) -> list[State]:
        return [State(counter=0, pc=("read",) * self.procs, seen=(0,) * self.procs)]

    def actions(self, s: State) -> list[tuple[Any, State]]:
        out: list[tuple[Any, State]] = []
        for p in range(self.procs):
            if s.pc[p] == "read":
                nxt = s._replace(pc=put(s.pc, p, "write"), seen=put(s.seen, p, s.counter))
                out.append((("read", p), nxt))
            elif s.pc[p] == "write":
                nxt = s._replace(counter=s.seen[p] + 1, pc=put(s.pc, p, "done"))
                out.append((("write", p), nxt))
        return out

    @always
    def no_lost_update(self, s: State) -> bool:
        """Once every process is done, the counter counts every increment."""
        return s.counter == self.procs or "done" not in s.pc or len(set(s.pc)) > 1

    @sometimes
    def all_done(self, s: State) -> bool:
        """Every process finishes."""
        return all(pc == "done" for pc in s.pc)
