"""Exploration beyond one machine, on Ray: a sharded breadth-first search and swarm walks.

Ray is an optional extra (``pip install 'modelcheck[ray]'``), imported only here and only
when a search asks for it, so the core runs without it.

**Sharded breadth-first search** (:func:`run_cluster`). Each shard is a Ray actor that owns
the states whose stable fingerprint (:mod:`modelcheck.fingerprint`, of the fields steps
seldom change, as :func:`~modelcheck.explore.partition.choose_partition` picks them) falls
to it modulo the number of shards, holds its part of the seen-set and the parent links of
its states, and expands them level by level. The shards are the forked workers' own code
(:mod:`modelcheck.explore.shard`): a successor's key is its first parent's number and
its action's position, each owner keeps the smallest key any shard found, and merging the
sorted keys numbers every level exactly as one process does. So the counts, verdicts, the
place of every stop and the shortest counterexample (the first in one process's order) are
one process's. Only the transport differs: a shard's successor batches for another go
through Ray's object store, straight from shard to shard. Each level is numbered by ranges
of keys (:mod:`.numbering`): each shard ranks the keys of its slice of the level's parents,
every shard's part of them, and the driver hands each range its first number, a prefix sum
of counts; a key crosses to one shard at most and its rank comes back (12 bytes), where a
forked worker reads every other worker's keys. The driver sees references, counts and the
events, and fetches the states on a reported path (and the keys, where a stop needs them).
Step properties are judged on the shards, as the forked workers judge them.
Fingerprints rather than ``hash()`` pick the owner, since every Ray worker has its own
hash seed. With ``--store fingerprint`` the shards remember fingerprints, not states (a
state is held whole only while its level is expanded), with each state's number and its
parent's; after the search the driver gathers them into the one-process fingerprint store,
from which traces (and, with liveness properties, the graph: :mod:`.regenerate`) are
rebuilt as after one process's search.

A model is shipped by name, never as pickled code: its module (or the file the user named),
class and parameters (:class:`ModelSpec`); each shard loads it, as the CLI does. The file
must therefore be at the same path on every machine of the cluster (or the module
importable there), and modelcheck installed.

Swarm simulation, the other search on Ray, is :mod:`.swarm`'s.
"""

from __future__ import annotations

import contextlib
import importlib
import pickle
import resource
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from modelcheck.errors import ModelcheckError, ModelError, UsageError
from modelcheck.fingerprint import fingerprint
from modelcheck.model import Model
from modelcheck.result import CheckResult

from . import numbering
from ._search import Limits, Search
from .numbering import Keys, Ranks
from .parallel import MAX_WORKERS, WorkerFailed, _Coordinator, sampled_start
from .partition import choose_partition, stored_states
from .reductions import Restart
from .shard import Event, Expanded, Unpicklable, Worker, pickled
from .store import FingerprintStore

__all__ = [
    "INSTALL_RAY",
    "ModelSpec",
    "Options",
    "Traffic",
    "check_cluster",
    "connect",
    "import_ray",
    "model_spec",
    "run_cluster",
    "session",
]

#: How to get Ray, as the one-line error says.
INSTALL_RAY = "pip install 'modelcheck[ray]'"
_PROGRESS_EVERY = 0.5


def import_ray() -> Any:
    """The ``ray`` module, or a one-line error saying how to install it."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise UsageError(
            f"--ray needs Ray, which is not installed here: {INSTALL_RAY} (or pip install ray)"
        ) from None


def connect(address: str, workers: int) -> tuple[Any, bool]:
    """Ray, connected: ``local`` starts a Ray on this machine with ``workers`` CPUs,
    ``auto`` or ``HOST:PORT`` joins a running cluster. Returns the module and whether this
    call started it (and so should shut it down). A Ray already connected in this process
    is used as it is."""
    ray = import_ray()
    if address not in ("local", "auto") and not address.startswith("ray://"):
        _probe(address)
    if ray.is_initialized():
        return ray, False
    quiet = {"log_to_driver": False, "logging_level": "ERROR", "include_dashboard": False}
    try:
        if address == "local":
            ray.init(num_cpus=workers, **quiet)
        else:
            ray.init(address=address, **quiet)
    except ModelcheckError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"--ray {address}: cannot connect to Ray: {first}") from None
    return ray, True


@contextlib.contextmanager
def session(address: str | None, workers: int) -> Iterator[None]:
    """Ray connected for several searches (``check FOLDER --ray``): started, or joined, once
    for all of them, and stopped at the end if started here (each search then finds it
    connected). ``address`` None: no Ray, nothing done."""
    if address is None:
        yield
        return
    ray, started = connect(address, workers)
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def _probe(address: str) -> None:
    """Refuse a HOST:PORT where nothing answers, in one line: Ray itself would retry for
    minutes, logging to stderr."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(
            f"--ray {address}: give 'local', 'auto' or the HOST:PORT of a Ray cluster's head"
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise UsageError(
            f"--ray {address}: nothing answers there ({why}): start Ray there first "
            "(ray start --head), or use --ray local"
        ) from None


def check_cluster(
    strategy: str,
    workers: int,
    *,
    store: str,
    por: bool,
    max_memory: int | None,
    constrained: bool,
    time_limit: float | None,
    checkpoint: bool = False,
) -> None:
    """Refuse, in one line each, what a search on Ray cannot do (before Ray is started)."""
    if workers < 1 or workers > MAX_WORKERS:
        raise UsageError(f"workers must be between 1 and {MAX_WORKERS}, not {workers}")
    if strategy not in ("bfs", "simulate"):
        raise UsageError(
            f"--ray explores breadth-first (or simulates): it cannot be used with "
            f"--strategy {strategy}"
        )
    if store == "fingerprint" and por:
        raise UsageError(
            "--ray with --store fingerprint and --por: partial-order reduction samples its "
            "first states in one process, and shards that keep fingerprints start only from "
            "the initial states; leave out one of the three"
        )
    if store == "fingerprint" and checkpoint:
        raise UsageError(
            "--ray with --store fingerprint saves no checkpoints: a shard owns a state by the "
            "state itself, and such a checkpoint holds only fingerprints; leave out one of "
            "the three"
        )
    if max_memory is not None:
        raise UsageError(
            "--max-memory measures this machine's processes, and the shards of --ray may "
            "be on others: leave out --max-memory"
        )
    if constrained:
        raise UsageError("a model with a state constraint runs in one process: leave out --ray")
    if strategy == "simulate" and time_limit is not None:
        raise UsageError(
            "--ray --strategy simulate runs each walker's walks to the end, so that they "
            "are the same walks in every run: bound them with --runs and --depth, not "
            "--time-limit"
        )


# -- shipping the model by name ---------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The search options a shard or a walker needs to judge as the driver does."""

    keep_going: bool = False
    deadlock: bool | None = None
    symmetry: bool = False
    properties: tuple[str, ...] | None = None
    safety_only: bool = False
    store: str = "exact"
    por: bool = False

    def search(self, model: Model[Any], strategy: str) -> Search:
        """A :class:`Search` over ``model`` with these options (no limits, no progress)."""
        only = list(self.properties) if self.properties is not None else None
        return Search(
            model,
            strategy,
            Limits(None, None, None, None),
            self.keep_going,
            None,
            self.deadlock,
            self.symmetry,
            self.store if strategy == "bfs" else "exact",
            only=only,
            safety_only=self.safety_only,
            por=self.por and strategy == "bfs",
        )


@dataclass(frozen=True)
class ModelSpec:
    """A model by name: its module, the file it was loaded from, its class, its
    parameters. Loading it runs the file the user named, never pickled code."""

    module: str
    file: str | None
    qualname: str
    params: dict[str, Any]

    def load(self) -> Model[Any]:
        """The model, built from its file or module (a shard's or a walker's copy)."""
        module = sys.modules.get(self.module)
        if module is None:
            if self.file is not None:
                from modelcheck.loader import load_models

                load_models(self.file)  # registers the module under its usual name
            module = sys.modules.get(self.module) or importlib.import_module(self.module)
        found: Any = module
        for name in self.qualname.split("."):
            found = getattr(found, name)
        model: Model[Any] = found(**self.params)
        return model


def model_spec(model: Model[Any]) -> ModelSpec:
    """How to ship ``model`` to the cluster: by module, file, class and parameters."""
    cls = type(model)
    module = sys.modules.get(cls.__module__)
    if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__ or module is None:
        raise UsageError(
            f"--ray ships a model by its file and class, and {cls.__qualname__} is not "
            "defined at the top level of a file or module: move it into one"
        )
    file = getattr(module, "__file__", None)
    return ModelSpec(cls.__module__, file, cls.__qualname__, dict(model.params))


# -- the sharded breadth-first search -----------------------------------------------------


class _Unstable(BaseException):
    """A state has no fingerprint, so no owner (a BaseException: the worker's loop lets
    Exceptions of a state's parts fall back to the whole state, and this must not)."""


class _Owner:
    """The number whose value modulo the shards picks a state's owner: the fingerprint of
    its chosen parts (the whole state where they cannot be taken). ``hash()`` of it is the
    int itself (reduced modulo 2**61 - 1), the same in every process."""

    def __init__(self, part: Any) -> None:
        self.part = part

    def __call__(self, state: Any) -> int:
        value = state
        if self.part is not None:
            try:
                value = self.part(state)
            except Exception:
                value = state
        try:
            return fingerprint(value)
        except Exception as exc:
            raise _Unstable(f"with --ray, a state's fingerprint picks its shard: {exc}") from None


@dataclass
class Traffic:
    """What the shards sent each other: successor batches (pickled states with their
    keys), and to number each level the keys each fetched of its range (and their ranks
    sent back), in bytes, and how many keys crossed to their range's shard; and the
    seconds it took to start the shards (each loads the model), and the CPU seconds the
    shards spent from their start to their stop (a measure a loaded machine leaves
    alone)."""

    batch_bytes: int = 0
    key_bytes: int = 0
    keys_moved: int = 0
    start_seconds: float = 0.0
    shard_cpu: float = 0.0


class _Shard:
    """One shard, run as a Ray actor: a parallel worker built from the model's name."""

    def __init__(
        self,
        spec: ModelSpec,
        options: Options,
        me: int,
        shards: int,
        part: Any,
        stored: bytes,
        start: tuple[int, int, int],
        learnt: tuple[Any, ...] | None = None,
    ) -> None:
        self.problem: str | None = None
        self.sent = 0  # bytes of successor batches put in the object store
        self.keys = 0  # bytes of other shards' keys (and their ranks) fetched
        self.moved = 0  # how many keys of other shards it ranked
        self.me = me
        #: This level's keys cut into the shards' ranges, and the ranks of those in its own.
        self.parts: list[Keys] = []
        self.ranks: list[Ranks] = []
        self.cpu = _cpu_seconds()
        try:
            search = options.search(spec.load(), "bfs")
            states = pickle.loads(stored)
            for state in states:  # (parent links stay with the driver)
                search.store.add(state, -1)
            if isinstance(search.store, FingerprintStore):  # the inits, as stored
                search.inits = states
            if learnt is not None:  # partial-order reduction goes on from the driver's sample
                search.por.take(learnt)
                search.por.on_switch()
            self.worker = Worker(search, me, shards, [0] * (2 * shards), part, start)
        except BaseException as exc:
            self.problem = f"{type(exc).__name__}: {exc}"

    def call(self, kind: str, *args: Any) -> tuple[str, Any]:
        if self.problem is not None:
            return "crash", self.problem
        try:
            if kind == "ready":
                return "ok", None
            if kind == "stop":
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                return "ok", (peak, _cpu_seconds() - self.cpu)
            if kind == "traffic":
                return "ok", (self.sent, self.keys, self.moved)
            if kind == "merge":
                return "ok", self._merge(*args)
            if kind == "number":
                return "ok", self._number(*args)
            if kind == "settle":
                return "ok", self._settle(*args)
            if kind == "level_keys":
                return "ok", self.worker.new_keys.tobytes()
            if kind in ("expand", "propose"):  # the deadline comes as seconds left: clocks differ
                args = (time.perf_counter() + args[0], *args[1:])
            reply = getattr(self.worker, kind)(*args)
            if kind == "expand":
                reply = self._publish(reply)
        except Unpicklable as exc:
            return "model", exc.message("--ray")
        except _Unstable as exc:
            return "model", str(exc)
        except BaseException as exc:
            return "crash", f"{type(exc).__name__}: {exc}"
        return "ok", reply

    def _merge(self, refs: list[Any], edges: list[int]) -> tuple[list[int], list[Any]]:
        """Take in the batches (references to the senders' objects), and cut the new
        states' sorted keys into the shards' ranges (:mod:`.numbering`): how many fall in
        each range, and a reference to each part for its range's shard (None: its own)."""
        ray = import_ray()
        keys = np.frombuffer(self.worker.merge(ray.get(list(refs))), dtype=np.int64)
        self.parts = numbering.split(keys, edges)
        counts = [len(part) for part in self.parts]
        refs = [None if r == self.me else ray.put(p.tobytes()) for r, p in enumerate(self.parts)]
        return counts, refs

    def _number(self, refs: list[Any]) -> list[Any]:
        """Rank the keys of this shard's range, every shard's part (references, in shard
        order, None for its own): a reference to each other shard's ranks."""
        ray = import_ray()
        fetched = iter(ray.get([ref for ref in refs if ref is not None]))
        parts: list[Keys] = []
        for ref in refs:
            if ref is None:
                parts.append(self.parts[self.me])
                continue
            blob = next(fetched)
            self.keys += len(blob)
            parts.append(np.frombuffer(blob, dtype=np.int64))
        self.moved += sum(len(p) for w, p in enumerate(parts) if w != self.me)
        self.ranks = numbering.rank(parts)
        return [None if w == self.me else ray.put(r.tobytes()) for w, r in enumerate(self.ranks)]

    def _settle(
        self, refs: list[Any], offsets: list[int], following: int, live: list[int]
    ) -> list[Event]:
        """Number the own new states, range by range (each range's offset plus the ranks
        its shard sent, references in range order, None for its own), and judge them."""
        ray = import_ray()
        fetched = iter(ray.get([ref for ref in refs if ref is not None]))
        numbers: list[Keys] = []
        for r, (ref, offset) in enumerate(zip(refs, offsets, strict=True)):
            if ref is None:
                ranks = self.ranks[self.me]
            else:
                blob = next(fetched)
                self.keys += len(blob)
                ranks = np.frombuffer(blob, dtype=np.int32)
            assert len(ranks) == len(self.parts[r])
            numbers.append(offset + ranks.astype(np.int64))
        self.parts, self.ranks = [], []
        return self.worker.settle(np.concatenate(numbers), following, live)

    def _publish(self, expanded: Expanded) -> Expanded:
        """The batches put in the object store: the owners fetch them from here."""
        ray = import_ray()
        refs: list[Any] = []
        for blob in expanded.blobs:
            if blob is None:
                refs.append(None)
                continue
            self.sent += len(blob)
            refs.append(ray.put(blob))
        return replace(expanded, blobs=refs)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Link:
    """The driver's end of a shard: a request in flight (as a pipe would have it)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.pending: Any = None

    def send(self, request: tuple[Any, ...]) -> None:
        kind, *args = request
        if kind in ("expand", "propose"):
            args = [max(args[0] - time.perf_counter(), 0.0), *args[1:]]
        self.pending = self.actor.call.remote(kind, *args)


class _RayCoordinator(_Coordinator):
    """The parallel coordinator, with Ray actors for processes: the same books and loop."""

    def __init__(
        self,
        search: Search,
        shards: int,
        ray: Any,
        spec: ModelSpec,
        options: Options,
        start: tuple[int, int, int],
    ) -> None:
        super().__init__(search, shards, start)
        self.ray = ray
        self.spec = spec
        self.options = options
        self.actors: list[Any] = []
        self.links: list[_Link] = []
        self.traffic = Traffic()

    def start(self) -> None:
        """Choose who owns which state, then start the shards."""
        self.part = _Owner(choose_partition(self.search, self.workers))
        try:  # the initial states, or a resumed checkpoint's
            stored = pickled(list(stored_states(self.search)))
        except Unpicklable as exc:
            raise ModelError(exc.message("--ray")) from None
        shard = self.ray.remote(num_cpus=1, scheduling_strategy="SPREAD")(_Shard)
        por = self.search.por
        learnt = por.learnt() if por is not None else None
        for me in range(self.workers):
            actor = shard.remote(
                self.spec, self.options, me, self.workers, self.part, stored, self.begin, learnt
            )
            self.actors.append(actor)
            self.links.append(_Link(actor))
        self.conns = self.links  # type: ignore[assignment]
        self._broadcast("ready")

    def _merge(self, expanded: list[Expanded], offset: int) -> None:
        """Each shard takes in its batches and cuts its new keys into the ranges of
        :mod:`.numbering`; ``key_blobs``: per shard, its counts per range and the parts."""
        edges = numbering.bounds(offset, self.level_size, self.workers)
        for w, link in enumerate(self.links):
            refs = [e.blobs[w] for v, e in enumerate(expanded) if v != w]
            link.send(("merge", refs, edges))
        self.key_blobs = self._collect()

    def _new_count(self) -> int:
        """The new states of the level: each shard tells how many keys it holds."""
        return sum(sum(counts) for counts, _refs in self.key_blobs)

    def _number(self, following: int, live: list[int]) -> list[Event]:
        """Each shard ranks the keys of its range (every shard's part of it); the driver
        hands each range its first number, the counts of the ranges before it summed, and
        each shard numbers its own new states from the ranks: counts cross the driver,
        keys go shard to shard, each to one shard only."""
        shards = range(self.workers)
        totals = [sum(self.key_blobs[w][0][r] for w in shards) for r in shards]
        offsets = [following + sum(totals[:r]) for r in shards]
        for r, link in enumerate(self.links):
            link.send(("number", [self.key_blobs[w][1][r] for w in shards]))
        ranks = self._collect()
        for w, link in enumerate(self.links):
            link.send(("settle", [ranks[r][w] for r in shards], offsets, following, live))
        return [e for replies in self._collect() for e in replies]

    def _key_parts(self) -> list[Any]:
        """Each shard's keys, fetched from it (only where a stop needs them all)."""
        return [np.frombuffer(blob, dtype=np.int64) for blob in self._broadcast("level_keys")]

    def _collect(self) -> list[Any]:
        """Every shard's reply, in shard order; reports progress while waiting."""
        self.healthy = False
        refs = [link.pending for link in self.links]
        while True:
            _done, waiting = self.ray.wait(refs, num_returns=len(refs), timeout=_PROGRESS_EVERY)
            if not waiting:
                break
            self._report()
        replies: list[Any] = []
        for w, ref in enumerate(refs):
            try:
                tag, payload = self.ray.get(ref)
            except self.ray.exceptions.RayError as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise WorkerFailed(f"shard {w} failed: {first}") from None
            if tag == "model":
                raise ModelError(payload)
            if tag != "ok":
                raise WorkerFailed(f"shard {w} failed: {payload}")
            replies.append(payload)
        self.healthy = True
        return replies

    def shutdown(self) -> list[int]:
        """Stop the shards; each one's peak memory (resident set size)."""
        peaks: list[int] = []
        if self.healthy and self.links:
            try:
                sent = self._broadcast("traffic")
                self.traffic.batch_bytes = sum(batches for batches, _keys, _moved in sent)
                self.traffic.key_bytes = sum(keys for _batches, keys, _moved in sent)
                self.traffic.keys_moved = sum(moved for _batches, _keys, moved in sent)
                stops = self._broadcast("stop")
                peaks = [int(peak) for peak, _cpu in stops]
                self.traffic.shard_cpu = sum(cpu for _peak, cpu in stops)
            except ModelcheckError:
                peaks = []
        for actor in self.actors:
            self.ray.kill(actor)
        self.healthy = False
        return peaks


def run_cluster(
    search: Search,
    ray: Any,
    shards: int,
    spec: ModelSpec,
    options: Options,
    traffic: Traffic | None = None,
) -> CheckResult:
    """Breadth-first search in ``shards`` Ray actors; the result of one process's search.
    ``traffic``, if given, is filled in with what the shards exchanged."""
    while True:
        try:
            return _run_shards(search, ray, shards, spec, options, traffic)
        except Restart:  # partial-order reduction learnt what a property reads: from scratch
            search.restart()


def _run_shards(
    search: Search,
    ray: Any,
    shards: int,
    spec: ModelSpec,
    options: Options,
    traffic: Traffic | None,
) -> CheckResult:
    start = sampled_start(search, "the shards of --ray", "--ray")
    if isinstance(start, int):
        return search.result(start)
    if start[0] == start[2]:
        return search.result(start[1])
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if shards > cpus:
        raise UsageError(
            f"--workers {shards}: the Ray cluster has {cpus} CPUs, and each shard needs one "
            f"for the whole search: ask for at most {cpus}"
        )
    coordinator = _RayCoordinator(search, shards, ray, spec, options, start)
    peaks: list[int] = []
    try:
        started = time.perf_counter()
        coordinator.start()
        if traffic is not None:
            traffic.start_seconds = time.perf_counter() - started
        depth = coordinator.run()
        coordinator.finish()  # with liveness properties the shards record their edges
    except KeyboardInterrupt:
        search.stopped = "interrupted"
        depth = coordinator.interrupted()
    finally:
        peaks = coordinator.shutdown()
        if traffic is not None:
            traffic.batch_bytes = coordinator.traffic.batch_bytes
            traffic.key_bytes = coordinator.traffic.key_bytes
            traffic.keys_moved = coordinator.traffic.keys_moved
            traffic.shard_cpu = coordinator.traffic.shard_cpu
    result = search.result(depth)
    return replace(result, peak_memory=result.peak_memory + sum(peaks))
