"""Who owns a state when several processes share a search: :func:`choose_partition` picks
the parts of a state whose hash names its owner, and :func:`owner` applies it.

Any function of the state gives the same result; the choice is only about speed. Owning
states by the fields steps seldom change keeps most successors with the worker that
expanded their parent, so they are neither sent nor found twice.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import Any

from ._search import Search
from .store import FingerprintStore

__all__ = ["Projection", "choose_partition", "owner", "stored_states"]


#: A state's parts that choose its owner: ``hash(part(state)) % workers``.
Projection = Callable[[Any], Any]
#: What the coordinator explores, before the workers start, to choose the parts: the first
#: states in breadth-first order, then seeded random walks to see deeper states.
_SAMPLE_PREFIX = 500
_SAMPLE_WALKS = 30
_SAMPLE_STEPS = 60


def owner(state: Any, part: Projection | None, workers: int) -> int:
    """The worker that owns ``state`` (as :meth:`Worker.expand` computes it)."""
    if part is not None:
        try:
            return hash(part(state)) % workers
        except Exception:
            pass
    return hash(state) % workers


def choose_partition(search: Search, workers: int) -> Projection | None:
    """The parts of a state (top-level fields of tuple and frozen dataclass states) whose
    hash picks its owner, or None for the whole state.

    Any function of the state gives the same result; the choice is only about speed. Where
    a step changes few fields, owning states by the fields steps seldom change keeps most
    successors with the worker that expanded their parent, so they are neither sent nor
    found twice (two-phase commit: the TM's fields, which only the TM's steps change).
    Chosen on a sample: drop fields while fewer steps change the rest, as long as the rest
    still takes many values and splits the sample evenly. A model that raises while
    sampled, or whose states are not all alike, gets the whole state.
    """
    try:
        states, changed = _sample(search)
    except Exception:
        return None
    first = states[0]
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        names: list[Any] = [f.name for f in dataclasses.fields(first)]
        pick: Callable[..., Projection] = attrgetter
    elif isinstance(first, tuple):
        names = list(range(len(first)))
        pick = itemgetter
    else:
        return None
    if len(names) < 2 or any(type(s) is not type(first) for s in states):
        return None
    if pick is itemgetter and any(len(s) != len(first) for s in states):
        return None
    fields = [pick(n) for n in names]
    masks = Counter(_changes(fields, p, c) for p, c in changed)

    def crossing(kept: int) -> int:
        """Steps in the sample that change a kept field (so may change the owner)."""
        return sum(n for mask, n in masks.items() if mask & kept)

    def project(kept: int) -> Projection:
        return _projection(pick, [name for i, name in enumerate(names) if kept >> i & 1])

    def even(kept: int) -> bool:
        values = [*map(project(kept), states)]
        most = max(Counter(hash(v) % workers for v in values).values())
        return len(set(values)) >= 16 * workers and most <= 1.2 * len(states) / workers

    kept = (1 << len(names)) - 1
    while kept.bit_count() > 1:  # at least one field stays
        now = crossing(kept)
        options = sorted(
            (crossing(kept & ~(1 << i)), i) for i in range(len(names)) if kept >> i & 1
        )
        drop = next((i for n, i in options if n < now and even(kept & ~(1 << i))), None)
        if drop is None:
            break
        kept &= ~(1 << drop)
    if kept == (1 << len(names)) - 1 or crossing(kept) > 0.75 * sum(masks.values()):
        return None
    return project(kept)


def stored_states(search: Search) -> list[Any]:
    """The states the coordinator holds: all of the exact store's, or the initial states
    (the fingerprint store keeps no other)."""
    store = search.store
    if isinstance(store, FingerprintStore):
        return store.stored_initials(search.inits, search.canon)
    return store.states


def _projection(pick: Callable[..., Projection], names: list[Any]) -> Projection:
    # One name twice, so that one field is hashed as a tuple: an int's hash is the int.
    return pick(*names) if len(names) > 1 else pick(names[0], names[0])


def _changes(fields: list[Projection], parent: Any, child: Any) -> int:
    """The fields a step changed, as a bit mask."""
    mask = 0
    for i, field in enumerate(fields):
        if field(parent) != field(child):
            mask |= 1 << i
    return mask


def _sample(search: Search) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """Some states of the model and some of its steps (parent, successor), deterministic."""
    # The sample is small: every successor checked. Under partial-order reduction, the
    # model's own steps (the reduction's would count towards its sample).
    actions = search.actions_for(0) if search.por is None else search.model.actions
    # The initial states: numbered first, with no parent (a resumed store holds more).
    stored = stored_states(search)
    pairs = zip(stored, search.store.parent, strict=False)
    inits = [state for state, _ in itertools.takewhile(lambda pair: pair[1] < 0, pairs)]
    successors: dict[Any, list[Any]] = {}

    def expand(state: Any) -> list[Any]:
        found = successors.get(state)
        if found is None:
            found = successors[state] = [nxt for _label, nxt in actions(state)]
        return found

    seen = dict.fromkeys(inits)
    queue = list(inits)
    for i in range(_SAMPLE_PREFIX):
        if i == len(queue):
            break
        for nxt in expand(queue[i]):
            if nxt not in seen:
                seen[nxt] = None
                queue.append(nxt)
    rng = random.Random(0)
    for walk in range(_SAMPLE_WALKS):
        state = inits[walk % len(inits)]
        for _ in range(_SAMPLE_STEPS):
            nexts = expand(state)
            if not nexts:
                break
            state = nexts[rng.randrange(len(nexts))]
            seen[state] = None
    changed = [(p, c) for p, nexts in successors.items() for c in nexts if p != c]
    return list(seen), changed
