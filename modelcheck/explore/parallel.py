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

import multiprocessing
import pickle
import resource
import signal
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext
from multiprocessing.process import BaseProcess
from typing import Any, Final, NoReturn

import numpy as np

from modelcheck.errors import ModelcheckError, ModelError, UsageError
from modelcheck.properties import STEP
from modelcheck.result import CheckResult, Progress

from ._search import Search
from .bfs import run_bfs
from .graph import Graph
from .partition import Projection, choose_partition
from .reductions import GaveUp, Restart
from .shard import (
    POS_BITS,
    POS_MASK,
    Event,
    Expanded,
    Keys,
    Portable,
    Worker,
    restore,
)
from .sharded_graph import assemble
from .store import FingerprintStore, StateStore

__all__ = [
    "MAX_WORKERS",
    "WorkerFailed",
    "check_workers",
    "choose_partition",
    "level_start",
    "run_parallel",
    "sampled_start",
]

#: The start method the workers need: they inherit the model and the hash secret.
START_METHOD: Final = "fork"
#: The place, among a state's successors, of what happens after the last of them.
_AFTER = POS_MASK
_PROGRESS_EVERY = 0.5
#: A placeholder in the parent's store for a state that stays in a worker.
_MISSING = object()

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
    With liveness properties it gathers them after a complete search; the workers record
    their own states' edges, and the graph is judged in the coordinator."""
    while True:
        try:
            return _run_workers(search, workers)
        except Restart:  # partial-order reduction learnt what a property reads: from scratch
            search.restart()


def _run_workers(search: Search, workers: int) -> CheckResult:
    start = sampled_start(search, "workers", "--workers")
    if isinstance(start, int):
        return search.result(start)
    if start[0] == start[2]:
        return search.result(start[1])
    coordinator = _Coordinator(search, workers, start)
    peaks: list[int] = []
    try:
        coordinator.start()
        depth = coordinator.run()
        coordinator.finish()
    except KeyboardInterrupt:
        search.stopped = "interrupted"
        depth = coordinator.interrupted()
    finally:
        peaks = coordinator.shutdown()
    result = search.result(depth)
    return replace(result, peak_memory=result.peak_memory + sum(peaks))


def level_start(search: Search, who: str, option: str) -> tuple[int, int, int]:
    """Where a level-synchronous search starts: (the first state to expand, its level, the
    level's end), the initial states stored or a checkpoint taken up. A checkpoint saved
    inside a level is refused in one line (``who`` start from a level's beginning); the
    first and last numbers are equal when nothing is left to expand."""
    if search.resuming:
        first, level, end = (int(x) for x in search.resume().position)
        if len(search.store) != end:
            assert search.checkpoint is not None
            raise UsageError(
                f"the checkpoint in {search.checkpoint.folder} was saved by one process in the "
                f"middle of a level, and {who} start from a level's beginning: resume it "
                f"without {option}"
            )
        return first, level, end
    if search.add_initial_states():
        return 0, 1, 0
    return 0, 1, len(search.store)


def sampled_start(search: Search, who: str, option: str) -> tuple[int, int, int] | int:
    """:func:`level_start`, after partial-order reduction's sample: while it samples (its
    first states are expanded in full, to learn what properties read and whether it pays),
    this process searches alone, as one process would, to the end of the level where the
    sample ends (:func:`run_bfs`'s ``hand_over``); the shards go on from there. The depth
    instead, if the search ended first."""
    por = search.por
    if por is None or por.sampled:
        return level_start(search, who, option)
    search.hand_over = lambda: bool(por.sampled)
    search.handed = None
    try:
        depth = run_bfs(search)
    finally:
        search.hand_over = None
    return depth if search.handed is None else search.handed


class WorkerFailed(ModelcheckError):
    """A worker process failed outside the model's code (or died): the search cannot go on."""


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
        worker = Worker(search, me, workers, shared, part, start)
    except BaseException as exc:
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ok", None))
    worker.serve(conn)


def _unjudged(_pos: int, _predicate: Any) -> Any:
    """A step property's predicate where the coordinator computes steps: judged by none."""
    return _holds


def _holds(_state: Any, _label: Any, _nxt: Any) -> bool:
    return True


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
        self.key_blobs: list[Any] = []  # per worker: the keys of its new states
        self.merged_keys: Keys | None = None
        #: The states numbered below this are in the coordinator's store; of the others,
        #: the fingerprints fetched for traces (with the fingerprint store).
        self.whole = len(search.store)
        self.fetched: set[int] = set()
        #: The workers judge the step properties; here (choosing the partition, finding
        #: a trace by fingerprints) the steps the coordinator computes are not judged.
        search.judge_steps_by(_unjudged)

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
            steps = [
                pos
                for pos, p in enumerate(search.properties)
                if p.kind == STEP and pos not in search.step_found
            ]
            expanded = self._expand(steps)
            self._merge(expanded, offset)
            self.merged_keys = None
            new = self._new_count()
            following = offset + self.level_size
            self.level_generated = sum(e.generated for e in expanded)
            events: list[Event] = []
            if not last and new:
                events = self._number(following, live)
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

    def _expand(self, steps: list[int]) -> list[Expanded]:
        """Every shard expands its part of the level. Under partial-order reduction, first
        each proposes its states' persistent steps and asks the owners of their successors
        whether they are stored (the cycle proviso, :meth:`Worker.propose`): two more
        exchanges a level. ``steps``: the step properties still undecided."""
        por = self.search.por
        if por is None or not por.active:
            expanded: list[Expanded] = self._broadcast("expand", self.deadline, steps)
            return expanded
        asks = self._broadcast("propose", self.deadline)
        everyone = range(self.workers)
        for w, conn in enumerate(self.conns):
            conn.send(("answer", [asks[v][w] for v in everyone]))
        answers = self._collect()
        for w, conn in enumerate(self.conns):
            conn.send(("expand", self.deadline, steps, [answers[v][w] for v in everyone]))
        expanded = self._collect()
        if any(e.reduced for e in expanded):
            por.note_reduced()
        return expanded

    def _merge(self, expanded: list[Expanded], offset: int) -> None:
        """Each worker takes in the successors the others found for it (``offset``: the
        number of the level's first parent); ``key_blobs``: their new states' keys."""
        for w, conn in enumerate(self.conns):
            blobs = [e.blobs[w] for v, e in enumerate(expanded) if v != w]
            conn.send(("merge", blobs))
        self.key_blobs = self._collect()

    def _number(self, following: int, live: list[int]) -> list[Event]:
        """Number the new states (the first is ``following``) and judge them: each worker
        ranks its own keys among the others'. The events, in worker order."""
        for w, conn in enumerate(self.conns):
            others = [b for v, b in enumerate(self.key_blobs) if v != w]
            conn.send(("rank", others, following, live))
        return [e for replies in self._collect() for e in replies]

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

    def finish(self) -> None:
        """After the last level, what the books need here: with the fingerprint store
        every fingerprint (20 bytes a state); with liveness properties, after a complete
        search, every state and the graph's edges, recorded by the workers."""
        search = self.search
        store = search.store
        if isinstance(store, FingerprintStore):
            self.gather()
        elif search.liveness and search.stopped is None:
            self.gather()
            store.index = {state: number for number, state in enumerate(store.states)}
            self.record_edges()

    def record_edges(self) -> None:
        """After a complete search, the liveness graph: each worker records its own
        states' edges (:mod:`.sharded_graph`) and they are put together here. A resumed
        search's workers hold only the levels since the checkpoint, and a worker that
        could not record an edge names the state: then the graph is left to the one-process
        recording of :meth:`Search.result`, which also raises that state's error."""
        search = self.search
        if self.begin[0] != 0 or search.graph is None:
            return
        labelled = search.graph.labelled
        asked = self._broadcast("edge_queries", labelled)
        others = range(self.workers)
        for w, conn in enumerate(self.conns):
            conn.send(("edge_answers", [asked[v][w] for v in others]))
        replies = self._collect()
        for v, conn in enumerate(self.conns):
            conn.send(("edge_list", [replies[w][v] for w in others]))
        graph = assemble(self._collect(), len(search.store), labelled)
        if isinstance(graph, Graph):
            search.graph = graph

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
        expanded: list[Expanded],
        events: list[Event],
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
            for number, pos, exc, state in e.steps:  # judged as the state is expanded
                ordered.append(((number, -1, 1 + pos), "step", (pos, exc, state)))
        for event in events:
            key = event[0]
            ordered.append(((key >> POS_BITS, key & POS_MASK, 0), "state", event))
        max_states = search.limits.max_states
        if not last and max_states is not None and following < max_states <= following + new:
            key = int(self._merged()[max_states - 1 - following])
            ordered.append(((key >> POS_BITS, key & POS_MASK, 1), "cut", None))
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
            if kind == "step":
                if self._step(parent, *data):
                    return self._stop_before(parent, following, last)
                continue
            if kind == "cut":
                search.stopped = "max-states"
                assert max_states is not None
                return self._stop_at(parent, pos, max_states - 1)
            _key, number, immutable, hits, errors, learnt = data
            if immutable is not None:
                self._fail(immutable, parent)
            raised = [(p, False, exc) for p, exc in errors]
            raised += [(p, True, more) for p, more in learnt]
            for prop, learns, what in sorted(raised, key=lambda item: item[:2]):
                # The sequential search judges a property on a state only while it is
                # undecided when the state's parent is expanded.
                if prop in live_set and found_at.get(prop, parent) >= parent:
                    if not learns:
                        self._fail(what, parent, judged=number)
                    # POR: the property read more than it had found; start over.
                    search.por.learn(*what)
                    raise Restart
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

    def _step(self, number: int, pos: int, exc: Portable | None, state: Any) -> bool:
        """Step property ``pos`` broke (or raised) on a step of state ``number``, as a worker
        judged it: unless it was decided before in the sequential order, the search's
        verdict (or the error one process would raise); True if the search stops here."""
        search = self.search
        if pos in search.step_found:
            return False
        if exc is not None:
            self._fail(exc, number)
        self._materialize(number)
        store = search.store
        if isinstance(store, StateStore):  # (the verdict's trace finds its number there)
            store.index[state] = number
        return search.step_broke(pos, state)

    def _merged(self) -> Keys:
        """Every key of the new level, sorted (built only when a stop needs it)."""
        if self.merged_keys is None:
            parts = self._key_parts()
            # Each worker's keys come sorted: a stable sort (a merge of runs) is the faster.
            self.merged_keys = (
                np.sort(np.concatenate(parts), kind="stable") if parts else np.zeros(0, np.int64)
            )
        return self.merged_keys

    def _new_count(self) -> int:
        """The new states of the level, over every worker."""
        return sum(len(b) // 8 for b in self.key_blobs)

    def _key_parts(self) -> list[Keys]:
        """Each worker's keys of the level's new states."""
        return [np.frombuffer(b, dtype=np.int64) for b in self.key_blobs]

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
        new = 0 if last else int(np.searchsorted(self._merged(), parent << POS_BITS))
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

    def _fail(self, portable: Portable, number: int, judged: int | None = None) -> NoReturn:
        """The model raised while the sequential search was at state ``number`` (judging
        a property on its new state ``judged``): raise the error it would have raised, with
        its trace."""
        self._materialize(number)
        exc = restore(portable)
        por = self.search.por
        if type(exc) is ModelError and exc.trace is None and judged is not None and por is not None:
            # A property fetched what its reads= leaves out, on its view (which a careful
            # re-run on the world itself would not see): traced to the state judged, as
            # one process's view traces it.
            self._materialize(judged)
            exc.trace = self.search.trace_to(judged)
            raise exc
        if isinstance(exc, GaveUp) and por is not None:
            # A shard met a step the reduction does not support: it stops, as one process's
            # would at this state, and the shards start over without it (they reduced).
            por.give_up(str(exc))
            raise Restart
        if isinstance(exc, ModelError) and exc.trace is None and por is not None:
            # What partial-order reduction refuses, found by a shard: found again here,
            # with the trace through the step it refuses.
            trace = self.search.trace_to(number)
            shard_trace_of, por.trace_of = por.trace_of, lambda _state: trace
            try:
                por.persistent(trace.final)
            except ModelError:
                raise
            except Exception:
                pass  # the model's own: as below
            finally:
                por.trace_of = shard_trace_of
        self.search.fail(exc, number)
