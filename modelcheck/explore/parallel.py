"""Parallel breadth-first search: ``workers`` processes, the result of one.

The search is level-synchronous. Each state has an owner, picked by a hash (forked
processes share the hash secret and every inherited object's address, so they all agree on
it); a worker keeps the states it owns and expands them. Sequential BFS numbers level L+1
in the order (number of the first parent, position of the action in ``actions()``), and
that order is kept exactly: a successor's *key* is ``parent_number << 32 | position``. A
worker expands its part of the frontier in number order, so the first time it meets a
successor it has its smallest key there; the successors it does not own go to their owner
in one batch per level, and the owner keeps the smallest key any worker found. Merging the
workers' sorted keys gives each new state its rank in the level, hence its number: numbers,
parent links, verdicts and counterexamples are the sequential search's, whatever the number
of workers or the hash seed.

The owner is ``hash(part(state)) % workers``. Any function of the state gives the same
result, so the part is chosen for speed (:func:`choose_partition`): the fields of the state
that steps seldom change, so that a successor mostly belongs to the worker that found it
and is neither sent nor found twice. A worker remembers every state it has met: the ones it
owns and the ones it sent (so it sends none twice): one hash lookup per successor, as in
the sequential loop, and the owner's hash the first time it meets one.

What stops the sequential search (a violated invariant or a reached ``sometimes``, a
deadlock, ``max_states``, an exception in the model, the time limit) is an *event* at a
place in that order. The level is finished, the events are put in order, and the first one
that stops the search is taken, with the counts the sequential search had at that moment:
each worker keeps how many successors each state it expanded had. The parent process keeps
no states: it holds the books (the :class:`Search`), numbers the levels, and fetches from
the workers the states on the paths it reports, so that traces are rebuilt and replayed by
:meth:`Search.result` exactly as after a sequential search.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import itertools
import multiprocessing
import operator
import pickle
import random
import resource
import signal
import threading
import time
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import compress, count, repeat
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext
from multiprocessing.process import BaseProcess
from operator import attrgetter, itemgetter
from typing import Any, Final, NoReturn

import numpy as np
import numpy.typing as npt

from modelcheck.errors import ModelcheckError, ModelError, NondeterminismError, UsageError
from modelcheck.fingerprint import fingerprint
from modelcheck.result import CheckResult, Progress
from modelcheck.values import check_immutable

from ._search import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST, Search, nondeterminism
from .store import FingerprintStore

__all__ = ["MAX_WORKERS", "WorkerFailed", "check_workers", "choose_partition", "run_parallel"]

#: The start method the workers need: they inherit the model and the hash secret.
START_METHOD: Final = "fork"
#: The low 32 bits of a key are the action's position among the parent's successors.
_POS_BITS = 32
_POS_MASK = (1 << _POS_BITS) - 1
#: The place, among a state's successors, of what happens after the last of them.
_AFTER = _POS_MASK
_PROGRESS_EVERY = 0.5
#: A placeholder in the parent's store for a state that stays in a worker.
_MISSING = object()

Keys = npt.NDArray[np.int64]


#: The most worker processes a search starts: more only cost memory and forks.
MAX_WORKERS = 64


def check_workers(strategy: str, workers: int) -> None:
    """Refuse worker counts and options that cannot run in parallel (before the search)."""
    if workers < 1:
        raise UsageError(f"workers must be at least 1, not {workers}")
    if workers > MAX_WORKERS:
        raise UsageError(f"workers must be at most {MAX_WORKERS}, not {workers}")
    if workers == 1:
        return
    if strategy != "bfs":
        raise UsageError(
            f"--workers {workers} explores breadth-first: it cannot be used with "
            f"--strategy {strategy}"
        )
    if START_METHOD not in multiprocessing.get_all_start_methods():
        raise UsageError(
            f"--workers {workers} needs the '{START_METHOD}' start method for processes, "
            "which this platform does not have: run with --workers 1"
        )


def run_parallel(search: Search, workers: int) -> CheckResult:
    """Breadth-first search in ``workers`` processes; the result of :func:`run_bfs`.

    With a checkpoint, the coordinator gathers the workers' states between two levels when
    one is due and saves what the one-process search saves there (so either resumes it).
    With liveness properties it gathers them after a complete search, and the graph is
    judged in the coordinator (its edges found by expanding every state once more)."""
    steps = [p.name for p in search.properties if p.kind == "step"]
    if steps:
        raise UsageError(
            f"--workers {workers} does not judge step properties ({', '.join(steps)}): run "
            "with --workers 1 (or leave them out with --property)"
        )
    if search.resuming:
        first, level, end = (int(x) for x in search.resume().position)
        if len(search.store) != end:
            assert search.checkpoint is not None
            raise UsageError(
                f"the checkpoint in {search.checkpoint.folder} was saved by one process in the "
                "middle of a level, and workers start from a level's beginning: resume it "
                "without --workers"
            )
        start = (first, level, end)
    else:
        if search.add_initial_states():
            return search.result(1)
        start = (0, 1, len(search.store))
    if start[0] == start[2]:
        return search.result(start[1])
    coordinator = _Coordinator(search, workers, start)
    peaks: list[int] = []
    try:
        coordinator.start()
        depth = coordinator.run()
        store = search.store
        if isinstance(store, FingerprintStore):  # its fingerprints: 20 bytes a state
            coordinator.gather()
        elif search.liveness and search.stopped is None:
            coordinator.gather()
            store.index = {state: number for number, state in enumerate(store.states)}
    except KeyboardInterrupt:
        search.stopped = "interrupted"
        depth = coordinator.interrupted()
    finally:
        peaks = coordinator.shutdown()
    result = search.result(depth)
    return replace(result, peak_memory=result.peak_memory + sum(peaks))


# -- messages -----------------------------------------------------------------------------

#: An exception sent between processes: its type's name, its text, and itself pickled
#: (None where it does not pickle).
Portable = tuple[str, str, bytes | None]


def _portable(exc: BaseException) -> Portable:
    try:
        blob: bytes | None = pickle.dumps(exc)
    except Exception:
        blob = None
    return type(exc).__name__, str(exc), blob


def _restore(portable: Portable) -> Exception:
    name, text, blob = portable
    if blob is not None:
        try:
            exc = pickle.loads(blob)
            if isinstance(exc, Exception):
                return exc
        except Exception:
            pass
    return type(name, (Exception,), {})(text)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Expanded:
    """What a worker reports after expanding its part of a level."""

    blobs: list[bytes | None]  # per owner: (states, keys) pickled; None for itself
    generated: int  # successors of the states it expanded
    dead: int | None  # number of its first state with no successor
    error: tuple[int, Portable] | None  # number of the state whose expansion raised
    timeout: int | None  # number of the state it did not expand: the time limit was up


#: A new state where something happened: key, number, an immutability error, the properties
#: it decided (positions), the properties whose predicate raised on it.
_Event = tuple[int, int, Portable | None, list[int], list[tuple[int, Portable]]]


class WorkerFailed(ModelcheckError):
    """A worker process failed outside the model's code (or died): the search cannot go on."""


# -- who owns a state ----------------------------------------------------------------------

#: A state's parts that choose its owner: ``hash(part(state)) % workers``.
Projection = Callable[[Any], Any]
#: What the coordinator explores, before the workers start, to choose the parts: the first
#: states in breadth-first order, then seeded random walks to see deeper states.
_SAMPLE_PREFIX = 500
_SAMPLE_WALKS = 30
_SAMPLE_STEPS = 60


def _owner(state: Any, part: Projection | None, workers: int) -> int:
    """The worker that owns ``state`` (as :meth:`_Worker.expand` computes it)."""
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


def _stored_states(search: Search) -> list[Any]:
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
    actions = search.actions_for(0)  # the sample is small: every successor checked
    # The initial states: numbered first, with no parent (a resumed store holds more).
    stored = _stored_states(search)
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


# -- the worker ---------------------------------------------------------------------------


class _Worker:
    """The states one process owns, and its part of each level.

    ``known`` maps every state the worker has met to a unique number: the key it first met
    it with, a negative *slot* for a state only other workers found (-2 - slot index), or -1
    for the initial states. Keys are unique (one per parent and position), so whether
    ``known.setdefault(state, key)`` stored the key tells if the state is new, with one
    lookup. The smallest key of each candidate for the next level is kept beside it
    (``cand_keys``) until the level is numbered.
    """

    def __init__(
        self,
        search: Search,
        me: int,
        workers: int,
        shared: Any,
        part: Projection | None,
        start: tuple[int, int, int],
    ) -> None:
        self.search = search
        self.me = me
        self.workers = workers
        self.shared = shared
        self.part = part
        self.known: dict[Any, int] = {}
        self.mine: list[Any] = []  # own states in number order
        self.offsets: list[int] = []  # per level: the number of its first state
        self.starts: list[int] = []  # per level: the index in mine of its first own state
        self.numbers: list[Keys] = []  # per level: the numbers of the own states
        self.keys: list[Keys] = []  # per level: their keys (the parent's number above 32 bits)
        self.cand: list[Any] = []  # own states found for the next level, in no order
        self.cand_keys: array[int] = array("q")  # the key each was found with
        self.slots = 0  # candidates so far, over all levels: slots are numbered after them
        self.new_keys: Keys = np.zeros(0, np.int64)
        self.new_states: list[Any] = []
        #: With the fingerprint store ``known`` and ``mine`` hold fingerprints, not states.
        self.fingerprints = isinstance(search.store, FingerprintStore)
        self.cand_fps: array[int] = array("Q")
        self.new_fps: list[int] = []
        stored = _stored_states(search)
        first, _level, end = start
        if self.fingerprints:
            own = [number for number, s in enumerate(stored) if _owner(s, part, workers) == me]
            self.known = dict.fromkeys(map(fingerprint, stored), -1)
            kept = [fingerprint(stored[number]) for number in own]
            self._commit(0, [stored[n] for n in own], np.array(own, dtype=np.int64), kept)
        elif first == 0:  # a fresh search: the initial states
            own = [number for number, s in enumerate(stored) if _owner(s, part, workers) == me]
            self.known = dict.fromkeys(stored, -1)
        else:  # a resumed one: the own states stored so far, the level from ``first`` on
            for s in stored:
                if _owner(s, part, workers) == me:
                    self.known[s] = -1
            own = [n for n in range(first, end) if _owner(stored[n], part, workers) == me]
        if not self.fingerprints:
            numbers = np.array(own, dtype=np.int64)
            self._commit(first, [stored[number] for number in own], numbers)
        self.keys[0] = np.full(len(own), -1, np.int64)
        #: The levels whose states the coordinator holds (the first: it gave them).
        self.gathered = 1
        self.expanded: Keys = np.zeros(0, np.int64)
        self.cumulative: Keys = np.zeros(1, np.int64)
        gc.freeze()

    def _commit(
        self, offset: int, states: list[Any], numbers: Keys, kept: list[int] | None = None
    ) -> None:
        """Own ``states`` (numbered ``numbers``, keys in new_keys) form a new level."""
        self.offsets.append(offset)
        self.starts.append(len(self.mine))
        self.numbers.append(numbers)
        self.keys.append(self.new_keys)
        self.mine.extend(states if kept is None else kept)
        self.frontier_numbers: list[int] = numbers.tolist()
        self.frontier = states

    def serve(self, conn: Connection) -> None:
        """Answer the coordinator's requests until it says stop (or goes away)."""
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            kind = request[0]
            if kind == "stop":
                conn.send(("ok", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
                return
            try:
                reply = getattr(self, kind)(*request[1:])
            except _Unpicklable as exc:
                conn.send(("unpicklable", str(exc)))
                return
            except BaseException as exc:
                conn.send(("crash", f"{type(exc).__name__}: {exc}"))
                return
            conn.send(("ok", reply))

    def expand(self, deadline: float) -> _Expanded:
        """Expand the own frontier in number order: own new successors become candidates,
        the others are batched for their owners. The sequential loop's style: one hash
        lookup per successor, the owner's hash only the first time a successor is met."""
        if self.fingerprints:
            return self._expand_by_fingerprint(deadline)
        remember = self.known.setdefault
        actions = self.search.actions_for(len(self.known))
        part = self.part
        workers, me = self.workers, self.me
        cand: list[Any] = []
        cand_keys: array[int] = array("q")
        self.cand, self.cand_keys = cand, cand_keys
        outs: list[tuple[list[Any], array[int]]] = [([], array("q")) for _ in range(workers)]
        send = [(s.append, k.append) for s, k in outs]
        send[me] = (cand.append, cand_keys.append)
        counts = array("q")
        count = counts.append
        shared, slot = self.shared, 2 * me
        generated = 0
        error: tuple[int, Portable] | None = None
        timeout: int | None = None
        number = -1
        j = 0
        try:
            for number, state in zip(self.frontier_numbers, self.frontier, strict=True):
                if not j & TICK_MASK:
                    shared[slot], shared[slot + 1] = j, generated
                    if time.perf_counter() >= deadline:
                        timeout = number
                        break
                j += 1
                if number < SAMPLE_FIRST or not number & SAMPLE_MASK:
                    problem = nondeterminism(self.search.model, state)
                    if problem is not None:
                        raise NondeterminismError(problem)
                base = number << _POS_BITS
                key = base - 1
                for key, (_label, nxt) in enumerate(actions(state), base):
                    # Keys are unique, so only a state met for the first time holds this one.
                    if remember(nxt, key) is key:
                        if part is None:
                            owner = hash(nxt)
                        else:
                            try:
                                owner = hash(part(nxt))
                            except Exception:  # not like the states sampled: the whole
                                owner = hash(nxt)
                        add_state, add_key = send[owner % workers]
                        add_state(nxt)
                        add_key(key)
                key += 1 - base
                generated += key
                count(key)
        except Exception as exc:
            error = (number, _portable(exc))
        shared[slot], shared[slot + 1] = j, generated
        return self._expanded(counts, [_pack(*out) for out in outs], generated, error, timeout)

    def _expand_by_fingerprint(self, deadline: float) -> _Expanded:
        """:meth:`expand` with the fingerprint store: ``known`` holds fingerprints, so a
        state is kept whole only while its level is expanded (``met`` keeps the
        fingerprints of the states met in this level, so none is computed twice). The same
        loop line for line, plus the fingerprints: keep the two in step."""
        remember = self.known.setdefault
        met: dict[Any, int] = {}
        actions = self.search.actions_for(len(self.known))
        part = self.part
        workers, me = self.workers, self.me
        cand: list[Any] = []
        cand_keys: array[int] = array("q")
        cand_fps: array[int] = array("Q")
        self.cand, self.cand_keys, self.cand_fps = cand, cand_keys, cand_fps
        outs: list[tuple[list[Any], array[int], array[int]]] = [
            ([], array("q"), array("Q")) for _ in range(workers)
        ]
        send = [(s.append, k.append, f.append) for s, k, f in outs]
        send[me] = (cand.append, cand_keys.append, cand_fps.append)
        counts = array("q")
        count = counts.append
        shared, slot = self.shared, 2 * me
        generated = 0
        error: tuple[int, Portable] | None = None
        timeout: int | None = None
        number = -1
        j = 0
        try:
            for number, state in zip(self.frontier_numbers, self.frontier, strict=True):
                if not j & TICK_MASK:
                    shared[slot], shared[slot + 1] = j, generated
                    if time.perf_counter() >= deadline:
                        timeout = number
                        break
                j += 1
                if number < SAMPLE_FIRST or not number & SAMPLE_MASK:
                    problem = nondeterminism(self.search.model, state)
                    if problem is not None:
                        raise NondeterminismError(problem)
                base = number << _POS_BITS
                key = base - 1
                for key, (_label, nxt) in enumerate(actions(state), base):
                    fp = met.get(nxt)
                    if fp is None:
                        fp = met[nxt] = fingerprint(nxt)
                    if remember(fp, key) is key:
                        if part is None:
                            owner = hash(nxt)
                        else:
                            try:
                                owner = hash(part(nxt))
                            except Exception:
                                owner = hash(nxt)
                        add_state, add_key, add_fp = send[owner % workers]
                        add_state(nxt)
                        add_key(key)
                        add_fp(fp)
                key += 1 - base
                generated += key
                count(key)
        except Exception as exc:
            error = (number, _portable(exc))
        shared[slot], shared[slot + 1] = j, generated
        return self._expanded(counts, [_pack(*out) for out in outs], generated, error, timeout)

    def _expanded(
        self,
        counts: array[int],
        packed: list[bytes],
        generated: int,
        error: tuple[int, Portable] | None,
        timeout: int | None,
    ) -> _Expanded:
        """What :meth:`expand` reports; keeps each expanded state's successor count."""
        me = self.me
        done = len(counts)
        self.expanded = np.array(self.frontier_numbers[:done], dtype=np.int64)
        self.cumulative = np.zeros(done + 1, np.int64)
        np.cumsum(np.frombuffer(counts, dtype=np.int64), out=self.cumulative[1:])
        dead = counts.index(0) if 0 in counts else None
        blobs: list[bytes | None] = [None if w == me else b for w, b in enumerate(packed)]
        return _Expanded(
            blobs,
            generated,
            None if dead is None else self.frontier_numbers[dead],
            error,
            timeout,
        )

    def merge(self, blobs: Sequence[bytes]) -> bytes:
        """Take in the successors other workers found for this one: each new state keeps
        its smallest key. Sorts the candidates by key; returns the keys."""
        cand = self.cand
        own = len(cand)
        first = np.frombuffer(self.cand_keys, dtype=np.int64)  # ascending: expansion order
        keys = first.copy()
        extra_keys: list[int] = []  # keys of the candidates only others found
        lower: list[int] = []  # own candidates others found too: the key found first,
        lower_keys: list[int] = []  # and the other's key
        remember = self.known.setdefault
        add_fp = self.cand_fps.append if self.fingerprints else None
        lo = self.offsets[-1] << _POS_BITS
        base = self.slots
        for blob in blobs:
            collecting = gc.isenabled()
            gc.disable()  # a burst of allocations that are all kept: no garbage to find
            try:
                states, key_bytes, fp_bytes = pickle.loads(blob)
            finally:
                if collecting:
                    gc.enable()
            their_keys = array("q")
            their_keys.frombytes(key_bytes)
            idents: Sequence[Any] = states  # what ``known`` holds: the state, or its fingerprint
            if fp_bytes:
                idents = array("Q")
                idents.frombytes(fp_bytes)
            for state, ident, key in zip(states, idents, their_keys, strict=True):
                slot = -2 - base - len(cand)
                v = remember(ident, slot)
                if v is slot:
                    cand.append(state)
                    if add_fp is not None:
                        add_fp(ident)
                    extra_keys.append(key)
                elif v >= lo:
                    lower.append(v)
                    lower_keys.append(key)
                elif v <= -2 - base:
                    k = -2 - base - v - own
                    extra_keys[k] = min(extra_keys[k], key)
        if lower:
            np.minimum.at(keys, np.searchsorted(first, lower), np.array(lower_keys, np.int64))
        del first
        all_keys = np.concatenate([keys, np.array(extra_keys, dtype=np.int64)])
        order = np.argsort(all_keys, kind="stable")
        self.slots = base + len(cand)
        self.new_keys = all_keys[order]
        ranked = order.tolist()
        self.new_states = [cand[i] for i in ranked]
        if self.fingerprints:
            self.new_fps = [self.cand_fps[i] for i in ranked]
        self.cand = []
        return self.new_keys.tobytes()

    def rank(self, others: Sequence[bytes], offset: int, live: Sequence[int]) -> list[_Event]:
        """Number the new states (their rank among every worker's, after ``offset``), make
        them the next frontier, and judge them: the events, in key order."""
        mine = self.new_keys
        other = [np.frombuffer(b, dtype=np.int64) for b in others]
        if len(other) == 1:
            merged = other[0]
        else:
            merged = np.sort(np.concatenate(other)) if other else np.zeros(0, np.int64)
        numbers = offset + np.arange(len(mine), dtype=np.int64) + np.searchsorted(merged, mine)
        states = self.new_states
        self.new_states = []
        self._commit(offset, states, numbers, self.new_fps if self.fingerprints else None)
        events = self._judge(states, mine.tolist(), self.frontier_numbers, live)
        gc.freeze()
        return events

    def _judge(
        self, states: list[Any], keys: list[int], numbers: list[int], live: Sequence[int]
    ) -> list[_Event]:
        """Check the new states as the sequential search would: the first states deeply
        for immutability, then each live property up to its first hit, and on that
        state's later siblings (which the sequential search still judges)."""
        immutable: dict[int, Portable] = {}
        hits: dict[int, list[int]] = {}
        errors: dict[int, list[tuple[int, Portable]]] = {}
        for i, number in enumerate(numbers):
            if number >= VALIDATE_FIRST:
                break
            try:
                check_immutable(states[i], "state")
            except Exception as exc:
                immutable[i] = _portable(exc)
        n = len(states)
        for pos, pred, is_always in self.search.checks:
            if pos not in live:
                continue
            try:
                i = _first_hit(pred, is_always, states)
            except Exception:
                i, raised = _first_raise(pred, is_always, states)
                if raised is not None:
                    errors.setdefault(i, []).append((pos, _portable(raised)))
                    continue
            if i < 0:
                continue
            hits.setdefault(i, []).append(pos)
            parent = keys[i] >> _POS_BITS
            i += 1
            try:
                while i < n and keys[i] >> _POS_BITS == parent:
                    pred(states[i])
                    i += 1
            except Exception as exc:
                errors.setdefault(i, []).append((pos, _portable(exc)))
        return [
            (keys[i], numbers[i], immutable.get(i), hits.get(i, []), errors.get(i, []))
            for i in sorted({*immutable, *hits, *errors})
        ]

    def gather(self) -> bytes:
        """The own states of the levels the coordinator does not hold yet, with their
        numbers and their parents' numbers (for a checkpoint, or liveness)."""
        levels = range(self.gathered, len(self.offsets))
        self.gathered = len(self.offsets)
        numbers = [self.numbers[level] for level in levels]
        parents = [self.keys[level] >> _POS_BITS for level in levels]
        first = self.starts[levels[0]] if levels else len(self.mine)
        batch = (
            np.concatenate(numbers).tobytes() if numbers else b"",
            np.concatenate(parents).tobytes() if parents else b"",
            self.mine[first:],
        )
        return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)

    def prefix(self, parent: int) -> int:
        """How many successors the own states expanded before state ``parent`` had."""
        return int(self.cumulative[int(np.searchsorted(self.expanded, parent))])

    def fetch(self, number: int) -> tuple[Any, int] | None:
        """State ``number`` and its parent's number, if this worker owns it."""
        level = bisect_right(self.offsets, number) - 1
        numbers = self.numbers[level]
        j = int(np.searchsorted(numbers, number))
        if j == len(numbers) or numbers[j] != number:
            return None
        state = self.mine[self.starts[level] + j]
        return state, (-1 if level == 0 else int(self.keys[level][j] >> _POS_BITS))


def _first_hit(pred: Callable[[Any], Any], is_always: bool, states: list[Any]) -> int:
    """The index of the first state that decides the property (-1: none), in C loops."""
    flags: Iterator[bool] = map(operator.is_not, map(pred, states), repeat(is_always))
    return next(compress(count(), flags), -1)


def _first_raise(
    pred: Callable[[Any], Any], is_always: bool, states: list[Any]
) -> tuple[int, Exception | None]:
    """Where the predicate raised (it did in :func:`_first_hit`), unless it decides the
    property before: (index, exception), or (index of the hit, None)."""
    for i, state in enumerate(states):
        try:
            if pred(state) is not is_always:
                return i, None
        except Exception as exc:
            return i, exc
    return -1, None


class _Unpicklable(Exception):
    """A state could not be sent to its owner."""


def _pack(states: list[Any], keys: array[int], fps: array[int] | None = None) -> bytes:
    """A batch of states with their keys (and fingerprints, with the fingerprint store),
    pickled without a memo (states share nothing worth it, and it is several times
    faster)."""
    batch = (states, keys.tobytes(), b"" if fps is None else fps.tobytes())
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(batch)
        return buffer.getvalue()
    except Exception:
        pass
    try:
        return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        pass
    for state in states:
        try:
            pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise _Unpicklable(
                f"with --workers, states move between processes and must pickle; "
                f"a {type(state).__name__} does not ({type(exc).__name__}: {exc})"
            ) from None
    raise AssertionError("a batch failed to pickle but each of its states pickles")


def _worker_main(
    search: Search,
    me: int,
    workers: int,
    shared: Any,
    part: Projection | None,
    start: tuple[int, int, int],
    conn: Connection,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator handles Ctrl-C
    try:
        worker = _Worker(search, me, workers, shared, part, start)
    except BaseException as exc:
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ok", None))
    worker.serve(conn)


# -- the coordinator ----------------------------------------------------------------------


class _Coordinator:
    """The parent process: drives the workers level by level and keeps the books."""

    def __init__(self, search: Search, workers: int, start: tuple[int, int, int]) -> None:
        self.search = search
        self.workers = workers
        #: Where the search starts: (the first state to expand, its level, the level's end).
        self.begin = start
        self.part: Projection | None = None
        self.context: ForkContext = multiprocessing.get_context(START_METHOD)
        self.shared: Any = self.context.RawArray("q", 2 * workers)
        self.procs: list[BaseProcess] = []
        self.conns: list[Connection] = []
        self.healthy = False
        limit = search.limits.time_limit
        self.deadline = search.start + limit if limit is not None else float("inf")
        self.next_report = time.perf_counter() + _PROGRESS_EVERY
        # What the sequential search would report if stopped now (kept for Ctrl-C).
        self.level = start[1]
        self.level_size = start[2] - start[0]
        self.generated = search.generated
        self.extended = False
        self.level_generated = 0
        self.key_blobs: list[bytes] = []
        self.merged_keys: Keys | None = None
        #: The states numbered below this are in the coordinator's store; of the others,
        #: the fingerprints fetched for traces (with the fingerprint store).
        self.whole = len(search.store)
        self.fetched: set[int] = set()

    # -- processes ------------------------------------------------------------------------

    def start(self) -> None:
        """Choose who owns which state, then fork the workers."""
        self.part = choose_partition(self.search, self.workers)
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            for me in range(self.workers):
                ours, theirs = self.context.Pipe()
                proc = self.context.Process(
                    target=_worker_main,
                    args=(
                        self.search,
                        me,
                        self.workers,
                        self.shared,
                        self.part,
                        self.begin,
                        theirs,
                    ),
                    name=f"modelcheck-worker-{me}",
                    daemon=True,
                )
                proc.start()
                theirs.close()
                self.procs.append(proc)
                self.conns.append(ours)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        self.healthy = True
        self._collect()

    def shutdown(self) -> list[int]:
        """Stop the workers; each one's peak memory (resident set size)."""
        peaks: list[int] = []
        if self.healthy:
            try:
                for conn in self.conns:
                    conn.send(("stop",))
                peaks = [int(p) for p in self._collect()]
            except (ModelcheckError, OSError, EOFError):
                peaks = []
        for proc in self.procs:
            proc.join(timeout=5 if self.healthy else 0)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self.conns:
            conn.close()
        self.healthy = False
        if len(peaks) < len(self.procs):
            # Stopped without a word (Ctrl-C, a failure): the largest child's peak for each.
            largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
            peaks = [largest] * len(self.procs)
        return peaks

    def _broadcast(self, *request: Any) -> list[Any]:
        for conn in self.conns:
            conn.send(request)
        return self._collect()

    def _collect(self) -> list[Any]:
        """Every worker's reply, in worker order; reports progress while waiting."""
        self.healthy = False  # until every reply is in
        replies: list[Any] = [None] * self.workers
        pending = dict(enumerate(self.conns))
        sentinels = {self.procs[w].sentinel: w for w in pending}
        while pending:
            ready = wait([*pending.values(), *sentinels], timeout=_PROGRESS_EVERY)
            for w, conn in list(pending.items()):
                if conn in ready or conn.poll():
                    try:
                        tag, payload = conn.recv()
                    except (EOFError, OSError):
                        self._died(w)
                    if tag == "unpicklable":
                        raise ModelError(payload)
                    if tag != "ok":
                        raise WorkerFailed(f"worker {w} failed: {payload}")
                    replies[w] = payload
                    del pending[w]
            for sentinel, w in sentinels.items():
                if sentinel in ready and w in pending and not self.conns[w].poll():
                    self._died(w)
            self._report()
        self.healthy = True
        return replies

    def _died(self, w: int) -> NoReturn:
        self.procs[w].join(timeout=1)
        code = self.procs[w].exitcode
        raise WorkerFailed(
            f"worker process {w} died (exit code {code}"
            + (", killed: out of memory?" if code == -9 else "")
            + ")"
        )

    def _report(self) -> None:
        search = self.search
        now = time.perf_counter()
        if search.progress is None or now < self.next_report:
            return
        self.next_report = now + _PROGRESS_EVERY
        shared = self.shared
        expanded = sum(shared[2 * w] for w in range(self.workers))
        generated = sum(shared[2 * w + 1] for w in range(self.workers))
        search.progress(
            Progress(
                len(search.store),
                self.generated + generated,
                self.level,
                max(self.level_size - expanded, 0),
                now - search.start,
            )
        )

    # -- the search -----------------------------------------------------------------------

    def run(self) -> int:
        """Expand level after level; return the depth the sequential search reports."""
        search = self.search
        max_depth = search.limits.max_depth
        offset = self.begin[0]  # the number of the level's first state to expand
        checkpoint = search.checkpoint
        while True:
            if checkpoint is not None and checkpoint.due():
                search.generated = self.generated
                self.gather()
                search.save((offset, self.level, offset + self.level_size), self.generated)
                if checkpoint.stop_asked:
                    search.stopped = "interrupted"
                    return self.level
            if time.perf_counter() >= self.deadline:
                search.stopped = "time-limit"
                search.generated = self.generated
                return self.level
            if search.over_memory([p.pid for p in self.procs if p.pid is not None]):
                search.generated = self.generated
                return self.level
            last = self.level == max_depth
            live = [pos for pos, _pred, _always in search.checks]
            expanded: list[_Expanded] = self._broadcast("expand", self.deadline)
            for w, conn in enumerate(self.conns):
                blobs = [e.blobs[w] for v, e in enumerate(expanded) if v != w]
                conn.send(("merge", blobs))
            self.key_blobs = self._collect()
            self.merged_keys = None
            new = sum(len(b) // 8 for b in self.key_blobs)
            following = offset + self.level_size
            self.level_generated = sum(e.generated for e in expanded)
            events: list[_Event] = []
            if not last and new:
                for w, conn in enumerate(self.conns):
                    others = [b for v, b in enumerate(self.key_blobs) if v != w]
                    conn.send(("rank", others, following, live))
                events = [e for replies in self._collect() for e in replies]
                self._extend(new)
            depth = self._events(following, new, live, expanded, events, last)
            if depth is not None:
                return depth
            self.generated += self.level_generated
            self.level_generated = 0
            if last:
                search.generated = self.generated
                if new and search.stopped is None:
                    search.stopped = "max-depth"
                return self.level
            if not new:
                search.generated = self.generated
                return self.level
            offset = following
            self.level += 1
            self.level_size = new
            self.extended = False

    def gather(self) -> None:
        """Fetch the states the coordinator does not hold yet from the workers, so that its
        store is whole: what a checkpoint saves, and what liveness is judged on."""
        store = self.search.store
        states = store.fps if isinstance(store, FingerprintStore) else store.states
        parent, size = store.parent, len(store)
        for blob in self._broadcast("gather"):
            number_bytes, parent_bytes, own = pickle.loads(blob)
            numbers = np.frombuffer(number_bytes, dtype=np.int64).tolist()
            parents = np.frombuffer(parent_bytes, dtype=np.int64).tolist()
            for number, up, state in zip(numbers, parents, own, strict=True):
                if number < size:  # (not one of a level a stop left out)
                    states[number] = state
                    parent[number] = up
        self.whole = len(store)
        if isinstance(store, FingerprintStore):
            store.reindex()

    def _extend(self, new: int) -> None:
        """Make room in the parent's store for the new level (placeholders)."""
        store = self.search.store
        if isinstance(store, FingerprintStore):
            store.fps.frombytes(bytes(store.fps.itemsize * new))
        else:
            store.states.extend([_MISSING] * new)
        store.parent.frombytes(bytes(store.parent.itemsize * new))
        self.extended = True

    def interrupted(self) -> int:
        """The counts at Ctrl-C: the last level whose books are complete."""
        search = self.search
        search.generated = self.generated + (self.level_generated if self.extended else 0)
        return self.level + (1 if self.extended else 0)

    def _events(
        self,
        following: int,
        new: int,
        live: list[int],
        expanded: list[_Expanded],
        events: list[_Event],
        last: bool,
    ) -> int | None:
        """Take the level's events in the sequential search's order, (parent, position);
        the depth if one of them stops the search (with the counts of that moment)."""
        search = self.search
        ordered: list[tuple[tuple[int, int, int], str, Any]] = []
        for e in expanded:
            if e.timeout is not None:
                ordered.append(((e.timeout, -1, 0), "time", None))
            if e.dead is not None:
                ordered.append(((e.dead, _AFTER, 0), "dead", None))
            if e.error is not None:
                ordered.append(((e.error[0], _AFTER, 1), "error", e.error[1]))
        for event in events:
            key = event[0]
            ordered.append(((key >> _POS_BITS, key & _POS_MASK, 0), "state", event))
        max_states = search.limits.max_states
        if not last and max_states is not None and following < max_states <= following + new:
            key = int(self._merged()[max_states - 1 - following])
            ordered.append(((key >> _POS_BITS, key & _POS_MASK, 1), "cut", None))
        ordered.sort(key=lambda item: item[0])
        live_set = set(live)
        found_at: dict[int, int] = {}  # property -> the parent of its first hit this level
        for (parent, pos, _), kind, data in ordered:
            if kind == "time":
                search.stopped = "time-limit"
                return self._stop_before(parent, following, last)
            if kind == "dead":
                dead = search.deadlock_pos
                if dead is None:
                    continue
                if dead not in search.found:
                    self._materialize(parent)
                if search.hit(dead, parent):
                    return self._stop_before(parent, following, last)
                continue
            if kind == "error":
                self._fail(data, parent)
            if kind == "cut":
                search.stopped = "max-states"
                assert max_states is not None
                return self._stop_at(parent, pos, max_states - 1)
            _key, number, immutable, hits, errors = data
            if immutable is not None:
                self._fail(immutable, parent)
            for prop, exc in errors:
                # The sequential search judges a property on a state only while it is
                # undecided when the state's parent is expanded.
                if prop in live_set and found_at.get(prop, parent) >= parent:
                    self._fail(exc, parent)
            stop = False
            for prop in hits:
                if prop not in search.found:
                    self._materialize(number)
                if search.hit(prop, number):
                    stop = True
                found_at.setdefault(prop, parent)
            if stop:
                return self._stop_at(parent, pos, number)
        return None

    def _merged(self) -> Keys:
        """Every key of the new level, sorted (built only when a stop needs it)."""
        if self.merged_keys is None:
            parts = [np.frombuffer(b, dtype=np.int64) for b in self.key_blobs]
            self.merged_keys = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        return self.merged_keys

    def _prefix(self, parent: int) -> int:
        """Successors of the states expanded before state ``parent``, over every worker."""
        return sum(self._broadcast("prefix", parent))

    def _stop_at(self, parent: int, pos: int, number: int) -> int:
        """Stopped at new state ``number``: successor ``pos`` of state ``parent``."""
        self.search.generated = self.generated + self._prefix(parent) + pos + 1
        self._trim(number + 1)
        return self.level + 1

    def _stop_before(self, parent: int, following: int, last: bool) -> int:
        """Stopped before expanding state ``parent`` (or after it, with no successor)."""
        self.search.generated = self.generated + self._prefix(parent)
        new = 0 if last else int(np.searchsorted(self._merged(), parent << _POS_BITS))
        self._trim(following + new)
        return self.level + (1 if new else 0)

    def _trim(self, distinct: int) -> None:
        store = self.search.store
        if isinstance(store, FingerprintStore):
            del store.fps[distinct:]
        else:
            del store.states[distinct:]
        del store.parent[distinct:]

    def _materialize(self, number: int) -> None:
        """Fetch the states on the path to ``number`` from the workers into the store."""
        store = self.search.store
        while number >= self.whole and number not in self.fetched:
            replies = self._broadcast("fetch", number)
            state, parent = next(r for r in replies if r is not None)
            if isinstance(store, FingerprintStore):
                store.fps[number] = state  # its fingerprint
            else:
                store.states[number] = state
            store.parent[number] = parent
            self.fetched.add(number)
            number = parent

    def _fail(self, portable: Portable, number: int) -> NoReturn:
        """The model raised while the sequential search was at state ``number``: raise the
        error it would have raised, with its trace."""
        self._materialize(number)
        self.search.fail(_restore(portable), number)
