"""One shard of a search spread over processes: :class:`Worker` holds the states it owns and
expands its part of each level (:mod:`.parallel` drives it through a pipe, :mod:`.cluster`
as a Ray actor).

A successor's *key* is ``parent_number << 32 | position``; a worker meets its own frontier
in number order, so the first key it meets a successor with is its smallest there. Own new
successors become candidates; the others go to their owners in one batch per level (pickled
by :func:`pack`), and the owner keeps the smallest key any worker found. What a worker
reports is plain data (:class:`Expanded`, :data:`Event`), exceptions included
(:data:`Portable`), so that any transport carries it.
"""

from __future__ import annotations

import gc
import io
import operator
import pickle
import resource
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import compress, count, repeat
from multiprocessing.connection import Connection
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from modelcheck.errors import NondeterminismError
from modelcheck.fingerprint import fingerprint
from modelcheck.properties import STEP
from modelcheck.values import check_immutable

from . import sharded_graph
from ._search import SAMPLE_FIRST, SAMPLE_MASK, TICK_MASK, VALIDATE_FIRST, Search, nondeterminism
from .partition import Projection, owner, stored_states
from .reductions import Restart
from .store import FingerprintStore

__all__ = [
    "POS_BITS",
    "POS_MASK",
    "Event",
    "Expanded",
    "Keys",
    "Portable",
    "StepEvent",
    "Unpicklable",
    "Worker",
    "pack",
    "pickled",
    "portable",
    "restore",
]

#: The low 32 bits of a key are the action's position among the parent's successors.
POS_BITS = 32
POS_MASK = (1 << POS_BITS) - 1

Keys = npt.NDArray[np.int64]


# -- messages -----------------------------------------------------------------------------

#: An exception sent between processes: its type's name, its text, and itself pickled
#: (None where it does not pickle).
Portable = tuple[str, str, bytes | None]


def portable(exc: BaseException) -> Portable:
    try:
        blob: bytes | None = pickle.dumps(exc)
    except Exception:
        blob = None
    return type(exc).__name__, str(exc), blob


def restore(portable: Portable) -> Exception:
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
class Expanded:
    """What a worker reports after expanding its part of a level."""

    blobs: list[bytes | None]  # per owner: (states, keys) pickled; None for itself
    generated: int  # successors of the states it expanded
    dead: int | None  # number of its first state with no successor
    error: tuple[int, Portable] | None  # number of the state whose expansion raised
    timeout: int | None  # number of the state it did not expand: the time limit was up
    #: Per step property decided here: (number of the state, the property's position, the
    #: exception its predicate raised or None where a step broke it, the state).
    steps: tuple[StepEvent, ...] = ()
    reduced: bool = False  # whether partial-order reduction left a step out somewhere


#: A step property decided on a step of an expanded state: its number, the property's
#: position, what its predicate raised (None: it was false), the state.
StepEvent = tuple[int, int, Portable | None, Any]

#: A new state where something happened: key, number, an immutability error, the properties
#: it decided (positions), the properties whose predicate raised on it, and those that read
#: more than partial-order reduction had found (position, and what ``Restart`` carries).
Event = tuple[
    int, int, Portable | None, list[int], list[tuple[int, Portable]], list[tuple[int, Any]]
]


# -- the worker ---------------------------------------------------------------------------


class Worker:
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
        stored = stored_states(search)
        first, _level, end = start
        if self.fingerprints:
            own = [number for number, s in enumerate(stored) if owner(s, part, workers) == me]
            self.known = dict.fromkeys(map(fingerprint, stored), -1)
            kept = [fingerprint(stored[number]) for number in own]
            self._commit(0, [stored[n] for n in own], np.array(own, dtype=np.int64), kept)
        elif first == 0:  # a fresh search: the initial states
            own = [number for number, s in enumerate(stored) if owner(s, part, workers) == me]
            self.known = dict.fromkeys(stored, -1)
        else:  # a resumed one: the own states stored so far, the level from ``first`` on
            for s in stored:
                if owner(s, part, workers) == me:
                    self.known[s] = -1
            own = [n for n in range(first, end) if owner(stored[n], part, workers) == me]
        if not self.fingerprints:
            numbers = np.array(own, dtype=np.int64)
            self._commit(first, [stored[number] for number in own], numbers)
        self.keys[0] = np.full(len(own), -1, np.int64)
        #: The step properties judged here, and what they found in this level: the
        #: coordinator says which are still undecided before each level.
        self.steps_open: set[int] = set()
        self.step_events: list[tuple[int, Any, Portable | None]] = []
        if any(p.kind == STEP for p in search.properties):
            search.judge_steps_by(self._step_judge)
        #: Partial-order reduction past its sample (its driver ran that), or None.
        self.por: Any = search.por if search.por is not None and search.por.active else None
        if self.por is not None:
            self.por.deferred = True
        self.plans: list[Any] = []  # per own frontier state: the steps to expand
        self.waiting: list[tuple[int, Any, list[tuple[int, int]]]] = []
        self.unplanned: BaseException | None = None
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
            except Unpicklable as exc:
                conn.send(("unpicklable", exc.message("--workers")))
                return
            except BaseException as exc:
                conn.send(("crash", f"{type(exc).__name__}: {exc}"))
                return
            conn.send(("ok", reply))

    def _step_judge(self, pos: int, pred: Callable[..., Any]) -> Callable[..., Any]:
        """Step property ``pos``'s predicate as this shard judges it: the first state of the
        level whose step breaks it (or makes it raise) is recorded, and the property is
        not judged again in the level; never false, so the search goes on."""

        def judged(state: Any, label: Any, nxt: Any) -> bool:
            if pos not in self.steps_open:
                return True
            try:
                holds = pred(state, label, nxt)
            except Exception as exc:
                self.steps_open.discard(pos)
                self.step_events.append((pos, state, portable(exc)))
                return True
            if not holds:
                self.steps_open.discard(pos)
                self.step_events.append((pos, state, None))
            return True

        return judged

    def _step_found(self) -> tuple[StepEvent, ...]:
        """What the step properties found in the level, each with its state's number."""
        if not self.step_events:
            return ()
        where = {id(s): n for n, s in zip(self.frontier_numbers, self.frontier, strict=True)}
        found = [(where[id(s)], pos, exc, s) for pos, s, exc in self.step_events]
        self.step_events = []
        return tuple(found)

    def propose(self, deadline: float) -> list[bytes | None]:
        """Partial-order reduction, before the level is expanded: each own frontier state's
        persistent steps (:meth:`~modelcheck.actors.por.PartialOrder.persistent`), and the
        cycle proviso where this shard can answer it. A successor it met in an earlier
        level is stored at a level no deeper than the frontier's (its own, or sent to its
        owner then, who stored it); an own successor it never met is new. The others are
        asked of their owners (:meth:`answer`): per shard, the states (fingerprints, with
        the fingerprint store) to ask it about, pickled; None for itself. A state whose
        persistent steps lead to a stored state is expanded in full (:mod:`.por`'s C3).
        An exception of the model (or the time limit) ends the proposals: :meth:`expand`
        meets it at that state, in order."""
        por, known, me, workers, part = self.por, self.known, self.me, self.workers, self.part
        fingerprints = self.fingerprints
        plans: list[Any] = []
        waiting: list[tuple[int, Any, list[tuple[int, int]]]] = []
        asks: list[list[Any]] = [[] for _ in range(workers)]
        self.reduced_at: set[int] = set()
        self.unplanned = None
        try:
            for j, state in enumerate(self.frontier):
                if not j & TICK_MASK and time.perf_counter() >= deadline:
                    break
                succs, kept = por.persistent(state)
                if kept is not succs:
                    asked: list[tuple[int, int]] = []
                    for _label, nxt in kept:
                        ident = fingerprint(nxt) if fingerprints else nxt
                        if ident in known:
                            break  # stored at a level no deeper: expand in full
                        w = owner(nxt, part, workers)
                        if w != me:
                            asked.append((w, len(asks[w])))
                            asks[w].append(ident)
                    else:
                        if asked:
                            waiting.append((j, succs, asked))
                        self.reduced_at.add(j)
                        plans.append(kept)
                        continue
                plans.append(succs)
        except Exception as exc:
            self.unplanned = exc
        self.plans, self.waiting = plans, waiting
        return [None if w == me else pickled(a) for w, a in enumerate(asks)]

    def answer(self, blobs: Sequence[bytes | None]) -> list[bytes | None]:
        """Per asking shard: for each of its states (own ones here), whether this shard
        stores it, as a byte. Nothing of the next level is stored yet, so stored means
        stored at a level no deeper than the one being expanded."""
        known = self.known
        return [
            None if blob is None else bytes(ident in known for ident in pickle.loads(blob))
            for blob in blobs
        ]

    def _planned(self, answers: Sequence[bytes | None]) -> Callable[[Any], Any]:
        """The steps :meth:`propose` chose, each state with a successor its owner stores
        expanded in full: a successor function that hands them out in frontier order."""
        plans = self.plans
        for j, succs, asked in self.waiting:
            if any(answers[w][k] for w, k in asked):  # type: ignore[index]
                plans[j] = succs
                self.reduced_at.discard(j)
        self.waiting = []
        following = iter(plans).__next__
        unplanned = self.unplanned

        def planned(state: Any) -> Any:
            try:
                return following()
            except StopIteration:
                raise unplanned if unplanned is not None else _Late() from None

        return planned

    def expand(
        self,
        deadline: float,
        steps_open: Sequence[int] = (),
        answers: Sequence[bytes | None] | None = None,
    ) -> Expanded:
        """Expand the own frontier in number order: own new successors become candidates,
        the others are batched for their owners. The sequential loop's style: one hash
        lookup per successor, the owner's hash only the first time a successor is met.

        ``known`` holds the states themselves, or with the fingerprint store their
        fingerprints (a state is then kept whole only while its level is expanded; ``met``
        keeps the fingerprints of the states met in this level, so none is computed
        twice). One loop serves both: the exact store pays one test per successor.

        ``steps_open``: the step properties still undecided, judged on every step here."""
        self.steps_open = set(steps_open)
        self.step_events = []
        fingerprints = self.fingerprints
        remember = self.known.setdefault
        met: dict[Any, int] = {}
        if self.por is not None:  # (after :meth:`propose` and the owners' answers)
            assert answers is not None
            actions = self._planned(answers)
        else:
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
                base = number << POS_BITS
                key = base - 1
                for key, (_label, nxt) in enumerate(actions(state), base):
                    ident = nxt
                    if fingerprints:
                        ident = met.get(nxt)
                        if ident is None:
                            ident = met[nxt] = fingerprint(nxt)
                    # Keys are unique, so only a state met for the first time holds this one.
                    if remember(ident, key) is key:
                        if part is None:
                            owner = hash(nxt)
                        else:
                            try:
                                owner = hash(part(nxt))
                            except Exception:  # not like the states sampled: the whole
                                owner = hash(nxt)
                        add_state, add_key, add_fp = send[owner % workers]
                        add_state(nxt)
                        add_key(key)
                        if fingerprints:
                            add_fp(ident)
                key += 1 - base
                generated += key
                count(key)
        except _Late:
            timeout = number
        except Exception as exc:
            error = (number, portable(exc))
        shared[slot], shared[slot + 1] = j, generated
        packed = [pack(s, k, f if fingerprints else None) for s, k, f in outs]
        found = self._expanded(counts, packed, generated, error, timeout)
        if self.por is not None:
            self.plans = []
            return replace(found, reduced=bool(self.reduced_at))
        return found

    def _expanded(
        self,
        counts: array[int],
        packed: list[bytes],
        generated: int,
        error: tuple[int, Portable] | None,
        timeout: int | None,
    ) -> Expanded:
        """What :meth:`expand` reports; keeps each expanded state's successor count."""
        me = self.me
        done = len(counts)
        self.expanded = np.array(self.frontier_numbers[:done], dtype=np.int64)
        self.cumulative = np.zeros(done + 1, np.int64)
        np.cumsum(np.frombuffer(counts, dtype=np.int64), out=self.cumulative[1:])
        dead = counts.index(0) if 0 in counts else None
        blobs: list[bytes | None] = [None if w == me else b for w, b in enumerate(packed)]
        return Expanded(
            blobs,
            generated,
            None if dead is None else self.frontier_numbers[dead],
            error,
            timeout,
            self._step_found(),
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
        lo = self.offsets[-1] << POS_BITS
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

    def rank(self, others: Sequence[bytes], offset: int, live: Sequence[int]) -> list[Event]:
        """Number the new states (their rank among every worker's, after ``offset``), make
        them the next frontier, and judge them: the events, in key order."""
        mine = self.new_keys
        other = [np.frombuffer(b, dtype=np.int64) for b in others]
        if len(other) == 1:
            merged = other[0]
        else:
            merged = np.sort(np.concatenate(other)) if other else np.zeros(0, np.int64)
        numbers = offset + np.arange(len(mine), dtype=np.int64) + np.searchsorted(merged, mine)
        return self.settle(numbers, offset, live)

    def settle(self, numbers: Keys, offset: int, live: Sequence[int]) -> list[Event]:
        """The new states numbered ``numbers`` (in key order; the level's first number is
        ``offset``) become the next frontier, and are judged: the events, in key order."""
        states = self.new_states
        self.new_states = []
        self._commit(offset, states, numbers, self.new_fps if self.fingerprints else None)
        events = self._judge(states, self.new_keys.tolist(), self.frontier_numbers, live)
        gc.freeze()
        return events

    def _judge(
        self, states: list[Any], keys: list[int], numbers: list[int], live: Sequence[int]
    ) -> list[Event]:
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
                immutable[i] = portable(exc)
        n = len(states)
        learnt: dict[int, list[tuple[int, Any]]] = {}  # POR: a property read more
        for pos, pred, is_always in self.search.checks:
            if pos not in live:
                continue
            try:
                i = _first_hit(pred, is_always, states)
            except (Exception, Restart):
                i, raised = _first_raise(pred, is_always, states)
                if isinstance(raised, Restart):
                    learnt.setdefault(i, []).append((pos, raised.args))
                    continue
                if raised is not None:
                    errors.setdefault(i, []).append((pos, portable(raised)))
                    continue
            if i < 0:
                continue
            hits.setdefault(i, []).append(pos)
            parent = keys[i] >> POS_BITS
            i += 1
            try:
                while i < n and keys[i] >> POS_BITS == parent:
                    pred(states[i])
                    i += 1
            except Restart as more:
                learnt.setdefault(i, []).append((pos, more.args))
            except Exception as exc:
                errors.setdefault(i, []).append((pos, portable(exc)))
        return [
            (
                keys[i],
                numbers[i],
                immutable.get(i),
                hits.get(i, []),
                errors.get(i, []),
                learnt.get(i, []),
            )
            for i in sorted({*immutable, *hits, *errors, *learnt})
        ]

    def gather(self) -> bytes:
        """The own states of the levels the coordinator does not hold yet, with their
        numbers and their parents' numbers (for a checkpoint, or liveness)."""
        levels = range(self.gathered, len(self.offsets))
        self.gathered = len(self.offsets)
        numbers = [self.numbers[level] for level in levels]
        parents = [self.keys[level] >> POS_BITS for level in levels]
        first = self.starts[levels[0]] if levels else len(self.mine)
        batch = (
            np.concatenate(numbers).tobytes() if numbers else b"",
            np.concatenate(parents).tobytes() if parents else b"",
            self.mine[first:],
        )
        return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)

    def edge_queries(self, labelled: bool) -> list[bytes | None]:
        """After a complete search: expand the own states once more for the liveness
        graph (:mod:`.sharded_graph`); per shard, the successors to ask it the numbers of."""
        numbers = np.concatenate(self.numbers).tolist()
        self.own = dict(zip(self.mine, numbers, strict=True))
        part, workers = self.part, self.workers
        self.edges, blobs = sharded_graph.queries(
            self.search.model,
            self.me,
            workers,
            self.own,
            lambda state: owner(state, part, workers),
            labelled,
        )
        return blobs

    def edge_answers(self, blobs: Sequence[bytes | None]) -> list[bytes | None]:
        """The numbers of the own states other shards asked for, per asking shard."""
        return sharded_graph.answers(self.own, blobs)

    def edge_list(self, replies: Sequence[bytes | None]) -> bytes:
        """The own states' edges, every target numbered (:func:`.sharded_graph.edges`)."""
        found = sharded_graph.edges(self.edges, replies)
        del self.own, self.edges
        return found

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
        return state, (-1 if level == 0 else int(self.keys[level][j] >> POS_BITS))


def _first_hit(pred: Callable[[Any], Any], is_always: bool, states: list[Any]) -> int:
    """The index of the first state that decides the property (-1: none), in C loops."""
    flags: Iterator[bool] = map(operator.is_not, map(pred, states), repeat(is_always))
    return next(compress(count(), flags), -1)


def _first_raise(
    pred: Callable[[Any], Any], is_always: bool, states: list[Any]
) -> tuple[int, Exception | Restart | None]:
    """Where the predicate raised (it did in :func:`_first_hit`), unless it decides the
    property before: (index, exception), or (index of the hit, None)."""
    for i, state in enumerate(states):
        try:
            if pred(state) is not is_always:
                return i, None
        except (Exception, Restart) as exc:
            return i, exc
    return -1, None


class _Late(Exception):
    """:meth:`Worker.propose` stopped at the time limit before this state."""


class Unpicklable(Exception):
    """A state could not be sent to its owner; the text says which (``a Local does not
    (...)``), :meth:`message` says it for the option the user gave."""

    def message(self, option: str) -> str:
        """The one-line error, naming ``option`` (``--workers``, ``--ray``)."""
        return f"with {option}, states move between processes and must pickle; {self}"


def pickled(states: list[Any]) -> bytes:
    """``states`` pickled (the initial states a shard starts from), or :class:`Unpicklable`
    naming the first that does not pickle."""
    try:
        return pickle.dumps(states, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        _refuse(states)


def pack(states: list[Any], keys: array[int], fps: array[int] | None = None) -> bytes:
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
    _refuse(states)


def _refuse(states: list[Any]) -> NoReturn:
    """Raise :class:`Unpicklable` for the first of ``states`` that does not pickle."""
    for state in states:
        try:
            pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise Unpicklable(
                f"a {type(state).__name__} does not ({type(exc).__name__}: {exc})"
            ) from None
    raise AssertionError("states failed to pickle but each of them pickles")
