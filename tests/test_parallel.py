"""Parallel workers (``--workers N``): the same counts, verdicts and traces as one process,
the same stop points and errors, the same bytes from the CLI whatever the hash seed."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.liveness import TwoPhaseLiveness
from modelcheck import Model, Property, check
from modelcheck.errors import ModelcheckError, ModelError, UsageError
from modelcheck.explore import Limits, parallel, shard
from modelcheck.explore._search import Search
from modelcheck.explore.bfs import run_bfs
from modelcheck.result import CheckResult
from models.classic.paxos import Paxos
from models.classic.tcommit import TCommit
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_actors import TwoPhaseActors
from models.classic.two_phase_hasty import HastyTwoPhase
from models.classic.two_phase_refinement import HastyRefinesTCommit
from models.intro.lossy_ping import LossyPing
from models.intro.lost_update import LostUpdate
from models.limits.two_generals import TwoGenerals
from models.messaging.late_reply import TaggedReply, UntaggedReply
from tests.cli_helpers import run_cli
from tests.graph_model import GraphModel
from tests.models.sealed import Counter as SealedCounter
from tests.refinement_models import Lanes, RaisingLanes, SkippingClock
from tests.small_states import AckedExchange, Counts, Exchange, HourClock, Tokens, Walk
from tests.test_tla_pieces import TwoPhaseSteps

ROOT = Path(__file__).parent.parent


def signature(result: CheckResult) -> tuple[Any, ...]:
    """Everything a run reports but its time and memory."""
    verdicts = [
        (
            p.name,
            p.kind,
            p.status,
            p.note,
            None if p.trace is None else (p.trace.path, [s.state for s in p.trace.steps]),
        )
        for p in result.properties
    ]
    return (
        result.distinct,
        result.generated,
        result.depth,
        result.complete,
        result.stopped,
        verdicts,
    )


CASES: list[tuple[str, Model[Any], dict[str, Any]]] = [
    ("two-phase 4", TwoPhase(rms=4), {}),
    ("two-phase 5", TwoPhase(rms=5), {}),
    ("two-phase 4 symmetry", TwoPhase(rms=4), {"symmetry": True}),
    ("hasty: first violation", HastyTwoPhase(rms=3), {}),
    ("hasty: continue", HastyTwoPhase(rms=4), {"keep_going": True}),
    ("hasty: max-states mid-level", HastyTwoPhase(rms=4), {"max_states": 300}),
    ("hasty: max-states at a violation", HastyTwoPhase(rms=3), {"max_states": 256}),
    ("hasty: max-states 1", HastyTwoPhase(rms=3), {"max_states": 1}),
    ("hasty: max-depth", HastyTwoPhase(rms=4), {"max_depth": 6}),
    ("hasty: max-depth 1", HastyTwoPhase(rms=4), {"max_depth": 1}),
    ("two-phase: max-depth past the end", TwoPhase(rms=3), {"max_depth": 11}),
    ("two-phase: max-depth at the end", TwoPhase(rms=3), {"max_depth": 10}),
    ("lost update", LostUpdate(procs=3), {}),
    ("lost update: deadlocks", LostUpdate(procs=3), {"keep_going": True, "deadlock": True}),
    ("tcommit: stops at a deadlock", TCommit(rms=3), {"deadlock": True}),
    ("tcommit: deadlock, max-depth", TCommit(rms=3), {"deadlock": True, "max_depth": 4}),
    ("paxos", Paxos(), {}),
    ("actors: two-phase", TwoPhaseActors(), {}),
    ("actors: two-phase, a crash", TwoPhaseActors(crashes=1), {"keep_going": True}),
    ("actors: late reply", UntaggedReply(), {}),
    ("actors: late reply, continue", UntaggedReply(), {"keep_going": True}),
    ("actors: tagged reply", TaggedReply(), {}),
    ("actors: two generals", TwoGenerals(), {"keep_going": True}),
]


@pytest.mark.parametrize(("model", "options"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_counts_and_traces_do_not_depend_on_the_workers(
    model: Model[Any], options: dict[str, Any]
) -> None:
    one = signature(check(model, **options))
    assert signature(check(model, workers=1, **options)) == one
    assert signature(check(model, workers=2, **options)) == one
    assert signature(check(model, workers=3, **options)) == one


STEP_CASES: list[tuple[str, Model[Any], dict[str, Any]]] = [
    ("refinement: first violation", HastyRefinesTCommit(rms=3), {}),
    ("refinement: continue", HastyRefinesTCommit(rms=3), {"keep_going": True}),
    ("refinement: on the last level", HastyRefinesTCommit(rms=3), {"max_depth": 6}),
    ("two step properties, symmetry", TwoPhaseSteps(), {"symmetry": True, "keep_going": True}),
    ("decided, then not judged again", Lanes(), {"keep_going": True}),
    ("a skipping clock", SkippingClock(), {}),
]


@pytest.mark.parametrize(
    ("model", "options"), [c[1:] for c in STEP_CASES], ids=[c[0] for c in STEP_CASES]
)
@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_workers_judge_step_properties_as_one_process(
    model: Model[Any], options: dict[str, Any], store: str
) -> None:
    """Each worker judges the steps of the states it expands; the coordinator takes the
    first break (or raise) of each step property in one process's order."""
    one = signature(check(model, **options))
    assert signature(check(model, workers=2, store=store, **options)) == one
    assert "violated" in [verdict[2] for verdict in one[5]]


def test_a_step_property_that_raises_on_a_worker_is_one_processs_error() -> None:
    with pytest.raises(ModelError) as one:
        check(RaisingLanes(), keep_going=True)
    with pytest.raises(ModelError) as two:
        check(RaisingLanes(), keep_going=True, workers=2)
    assert (
        two.value.message
        == one.value.message
        == ("property 'raises_on_one_one' raised ValueError: into (1, 1)")
    )
    assert two.value.trace is not None and one.value.trace is not None
    assert two.value.trace.path == one.value.trace.path == "0.0.1"


@pytest.mark.parametrize(("model", "options"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_workers_over_the_fingerprint_store_give_one_processs_result(
    model: Model[Any], options: dict[str, Any]
) -> None:
    one = check(model, store="fingerprint", **options)
    two = check(model, store="fingerprint", workers=2, **options)
    assert two.store == "fingerprint"
    assert signature(two) == signature(one) == signature(check(model, **options))


def test_workers_over_the_fingerprint_store_keep_fingerprints() -> None:
    """The coordinator ends with the one-process store (20 bytes a state); the workers'
    books hold fingerprints, not states."""
    result = check(TwoPhase(rms=5), store="fingerprint", workers=2)
    assert (result.distinct, result.generated, result.depth) == (8_832, 58_146, 17)
    assert result.store_bytes is not None and 20 <= result.store_bytes / result.distinct < 22
    search = Search(TwoPhase(rms=3), "bfs", Limits(), False, None, store="fingerprint")
    search.add_initial_states()
    worker = shard.Worker(search, 0, 1, [0, 0], None, (0, 1, 1))
    worker.expand(float("inf"))
    assert worker.fingerprints and all(type(k) is int for k in worker.known)
    assert all(type(fp) is int for fp in worker.mine)


def test_twophase_counts_are_tlcs() -> None:
    result = check(TwoPhase(rms=5), workers=2)
    assert (result.distinct, result.generated, result.depth) == (8_832, 58_146, 17)
    assert result.complete and [p.status for p in result.properties] == ["holds", "holds"]


# -- the CLI: the same bytes ----------------------------------------------------------------

CLI_COMMANDS = [
    ["check", "models/classic/two_phase_hasty.py", "--no-timing"],
    ["check", "models/classic/two_phase_hasty.py", "--continue", "--no-timing", "--format", "json"],
    ["check", "models/intro/lost_update.py", "-p", "procs=3", "--continue", "--deadlock"],
    ["check", "models/messaging/late_reply.py:UntaggedReply", "--continue", "--max-states", "15"],
]


def _run(args: list[str], seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "modelcheck", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    return done.stdout + b"\n--stderr--\n" + done.stderr + f"\nexit {done.returncode}".encode()


@pytest.mark.parametrize("args", CLI_COMMANDS, ids=lambda a: " ".join(a[1:3]))
def test_cli_output_bytes_do_not_depend_on_workers_or_hash_seed(args: list[str]) -> None:
    args = [*args, "--no-timing"] if "--no-timing" not in args else args
    outputs = {
        (seed, workers): _run([*args, "--workers", workers], seed)
        for seed in ("0", "1")
        for workers in ("1", "2")
    }
    first = outputs["0", "1"]
    assert first.count(b"exit ") == 1 and b"error" not in first
    assert all(out == first for out in outputs.values()), "output differs"


# -- refusals -------------------------------------------------------------------------------


def test_refuses_other_strategies_and_stores(tmp_path: Path) -> None:
    model = TwoPhase(rms=3)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"strategy": "dfs"},
            "--workers 2 explores breadth-first: it cannot be used with --strategy dfs",
        ),
        (
            {"strategy": "simulate"},
            "--workers 2 explores breadth-first: it cannot be used with --strategy simulate",
        ),
        (
            {"store": "fingerprint", "checkpoint": tmp_path / "ck"},
            "--workers 2 with --store fingerprint saves no checkpoints: a worker owns a state "
            "by the state itself, and such a checkpoint holds only fingerprints; leave out "
            "one of the three",
        ),
    ]
    for options, message in cases:
        with pytest.raises(UsageError) as info:
            check(model, workers=2, **options)
        assert str(info.value) == message
    with pytest.raises(UsageError) as info:
        check(model, workers=0)
    assert str(info.value) == "workers must be at least 1, not 0"
    # One worker is the sequential search: everything goes.
    assert check(model, strategy="dfs", workers=1).complete


def test_refuses_where_processes_cannot_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with pytest.raises(UsageError) as info:
        check(TwoPhase(rms=3), workers=2)
    assert str(info.value) == (
        "--workers 2 needs the 'fork' start method for processes, which this platform does "
        "not have: run with --workers 1"
    )
    assert check(TwoPhase(rms=3), workers=1).complete


def test_cli_refusals_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(
        capsys, "check", "models/classic/two_phase.py", "--strategy", "dfs", "--workers", "3"
    )
    assert run.code == 2
    assert run.err == (
        "error: --workers 3 explores breadth-first: it cannot be used with --strategy dfs\n"
    )
    run = run_cli(capsys, "check", "models/classic/two_phase.py", "--workers", "0")
    assert run.code == 2 and run.err.startswith("error: Invalid value for '--workers'")
    assert run.err.count("\n") == 1


# -- errors in the model, raised in a worker ------------------------------------------------


class Raising(GraphModel):
    """A graph whose ``actions`` raise at ``boom``, or whose invariant raises at ``bad_eval``,
    or whose successor at ``unhashable`` is a list."""

    def __init__(self, *args: Any, boom: int = -1, bad_eval: int = -1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.boom = boom
        self.bad_eval = bad_eval

    def actions(self, state: Any) -> list[tuple[Any, Any]]:
        if state == self.boom:
            raise ValueError(f"boom at {state}")
        return super().actions(state)

    def properties(self) -> list[Property]:
        def safe(s: Any) -> bool:
            if s == self.bad_eval:
                raise ZeroDivisionError("cannot judge")
            return s not in self.bad

        props = [Property("safe", "always", safe)]
        if self.goal is not None:
            goal = self.goal
            props.append(Property("goal", "sometimes", lambda s: s in goal))
        return props


#: A chain of levels wide enough that each worker owns some of every level.
WIDE = {v: [v + 10, v + 11, (v * 7) % 40 + 40] for v in range(60)}


def _error(model: Model[Any], **options: Any) -> tuple[type, str, str | None]:
    with pytest.raises(ModelcheckError) as info:
        check(model, **options)
    exc = info.value
    trace = exc.trace if isinstance(exc, ModelError) else None
    return type(exc), exc.message, None if trace is None else trace.path


@pytest.mark.parametrize(
    "model",
    [
        Raising(WIDE, boom=35),
        Raising(WIDE, bad_eval=52),
        Raising({0: [1, 2], 1: [3], 2: [4]}, bad={3}, bad_eval=4),  # the violation comes first
        Raising({0: [1, 2], 1: [4], 2: [3]}, bad={3}, bad_eval=4),  # the error comes first
        Raising({0: [1, 2], 1: [3], 2: [4]}, boom=2, bad={3}),  # stops before expanding 2
        Raising({0: [1, 2], 1: [3], 2: [4]}, boom=1, bad={4}),
    ],
    ids=["actions", "invariant", "violation first", "error first", "stop first", "raise first"],
)
def test_a_model_error_in_a_worker_is_the_sequential_one(model: Raising) -> None:
    try:
        sequential = check(model)
    except ModelcheckError:
        expected = _error(model)
        assert _error(model, workers=2) == expected
        assert _error(model, workers=3) == expected
    else:
        assert signature(check(model, workers=2)) == signature(sequential)


def test_an_error_after_a_property_is_decided_is_not_raised() -> None:
    # goal is decided at 3 (from 1); the sequential search never judges it on 4 (from 2),
    # but still judges it on 5, the next successor of 1.
    class GoalRaising(GraphModel):
        def properties(self) -> list[Property]:
            def goal(s: Any) -> bool:
                if s == 4:
                    raise ValueError("not judged by the sequential search")
                return bool(s == 3)

            return [Property("goal", "sometimes", goal)]

    model = GoalRaising({0: [1, 2], 1: [3, 5], 2: [4]})
    assert signature(check(model, workers=2)) == signature(check(model))
    sibling = GoalRaising({0: [1, 2], 1: [3, 4], 2: [5]})
    assert _error(sibling, workers=2) == _error(sibling)


class Killed(GraphModel):
    """Kills the worker process that expands state 30."""

    def actions(self, state: Any) -> list[tuple[Any, Any]]:
        if state == 30 and multiprocessing.current_process().name.startswith("modelcheck-"):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().actions(state)


def test_a_worker_that_dies_is_reported_in_one_line() -> None:
    with pytest.raises(parallel.WorkerFailed) as info:
        check(Killed(WIDE), workers=2)
    assert re.fullmatch(
        r"worker process [01] died \(exit code -9, killed: out of memory\?\)", info.value.message
    )


class Point(NamedTuple):
    x: int
    y: int


def test_states_that_do_not_pickle_are_refused() -> None:
    class Local(NamedTuple):  # defined here: pickle cannot find it by name
        n: int

    class Counter(Model[Any]):
        def init_states(self) -> list[Any]:
            return [Local(0)]

        def actions(self, s: Any) -> list[tuple[Any, Any]]:
            return [(k, Local((s.n * 3 + k) % 200)) for k in range(3)]

    assert check(Counter()).distinct == 200
    with pytest.raises(ModelError) as info:
        check(Counter(), workers=2)
    assert info.value.message.startswith(
        "with --workers, states move between processes and must pickle; a Local does not"
    )


def test_the_pickle_error_names_workers() -> None:
    with pytest.raises(ModelError) as info:
        check(SealedCounter(), workers=2)
    assert info.value.message == (
        "with --workers, states move between processes and must pickle; a Sealed does not "
        "(TypeError: sealed)"
    )


def test_named_tuple_states_move_between_workers() -> None:
    class Walk(Model[Point]):
        def init_states(self) -> list[Point]:
            return [Point(0, 0)]

        def actions(self, s: Point) -> list[tuple[Any, Point]]:
            return [(d, Point(s.x + dx, s.y + dy)) for d, dx, dy in ((0, 1, 0), (1, 0, 1))]

        def properties(self) -> list[Property]:
            return [Property("bounded", "always", lambda s: s.x + s.y < 30)]

    assert signature(check(Walk(), workers=2)) == signature(check(Walk()))


# -- who owns a state ----------------------------------------------------------------------


def _partition(model: Model[Any], workers: int = 2) -> Any:
    search = Search(model, "bfs", Limits(), False, None)
    search.add_initial_states()
    return parallel.choose_partition(search, workers)


def test_two_phase_states_are_owned_by_the_tms_fields() -> None:
    # The RMs' steps, most of them, leave the TM's state and prepared set alone: successors
    # mostly stay with the worker that found them.
    state = ((0, 1, 2), 0, 0b101, 0b11)
    part = _partition(TwoPhase(rms=8))  # the benchmark's
    assert part is not None and part(state) == (0, 0b101)
    assert _partition(GraphModel({0: [1], 1: [0]})) is None  # not a tuple: the whole state


def test_results_do_not_depend_on_who_owns_what(monkeypatch: pytest.MonkeyPatch) -> None:
    model = HastyTwoPhase(rms=4)
    expected = signature(check(model, keep_going=True))
    assert signature(check(model, workers=2, keep_going=True)) == expected
    for part in (None, itemgetter(0), lambda s: 0, lambda s: s[0][0]):
        monkeypatch.setattr(parallel, "choose_partition", lambda search, workers, p=part: p)
        assert signature(check(model, workers=2, keep_going=True)) == expected


def test_a_part_that_does_not_apply_falls_back_to_the_whole_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mixed = GraphModel({v: [v + 1, (v * 5) % 30] for v in range(30)}, bad={29})
    monkeypatch.setattr(parallel, "choose_partition", lambda search, workers: itemgetter(1, 2))
    assert signature(check(mixed, workers=2)) == signature(check(mixed))


# -- time limit, Ctrl-C ---------------------------------------------------------------------


def test_a_time_limit_stops_the_workers() -> None:
    result = check(TwoPhase(rms=7), workers=2, time_limit=0.5)
    assert result.stopped == "time-limit" and not result.complete
    assert 0 < result.distinct < 296_448 and result.generated >= result.distinct
    assert [p.status for p in result.properties] == ["unknown", "unknown"]


def test_ctrl_c_reports_what_was_explored_and_ends_the_workers() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelcheck", "check", "models/classic/two_phase.py"]
        + ["-p", "rms=8", "--workers", "2", "--no-timing"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # Ctrl-C reaches the whole process group, as in a terminal
    )
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert b"interrupted" in out.splitlines()[0], (out, err)
    assert b"Traceback" not in err
    assert proc.returncode == 3
    # The workers are gone with it.
    left = subprocess.run(
        ["pgrep", "-g", str(proc.pid)], capture_output=True, text=True, check=False
    )
    assert left.stdout.strip() == ""


# -- random transition systems --------------------------------------------------------------


@st.composite
def runs(draw: st.DrawFn) -> tuple[GraphModel, dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=24))
    nodes = st.integers(min_value=0, max_value=n - 1)
    edges = {v: draw(st.lists(nodes, max_size=4)) for v in range(n)}
    init = draw(st.lists(nodes, min_size=1, max_size=3))
    bad = draw(st.sets(nodes, max_size=3))
    goal = draw(st.one_of(st.none(), st.sets(nodes, max_size=2)))
    model = GraphModel(edges, init=init, bad=bad, goal=goal)
    options = {
        "keep_going": draw(st.booleans()),
        "deadlock": draw(st.booleans()),
        "max_states": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=n + 2))),
        "max_depth": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=8))),
    }
    return model, options


@settings(max_examples=60, deadline=None)
@given(runs(), st.sampled_from([2, 3]))
def test_random_systems_give_the_same_result_with_workers(
    run: tuple[GraphModel, dict[str, Any]], workers: int
) -> None:
    model, options = run
    one = signature(check(model, **options))
    assert signature(check(model, workers=workers, **options)) == one
    assert signature(check(model, workers=workers, store="fingerprint", **options)) == one


# -- small states: the partition keeps at least one field ------------------------------------

SMALL_STATES: list[tuple[Model[Any], tuple[int, int, int]]] = [
    (HourClock(), (60, 61, 60)),  # a NamedTuple of one field
    (Exchange(), (784, 2352, 25)),  # two fields (one of them alone splits the states well)
    (AckedExchange(), (1225, 4201, 25)),  # three fields
    (Walk(), (1259, 2448, 69)),  # a frozen dataclass of two fields
    (Tokens(), (256, 1264, 9)),  # a frozenset
]


@pytest.mark.parametrize(
    ("model", "counts"), SMALL_STATES, ids=[type(m).__name__ for m, _ in SMALL_STATES]
)
def test_states_of_few_fields_split_among_workers(
    model: Model[Any], counts: tuple[int, int, int]
) -> None:
    one = check(model)
    assert (one.distinct, one.generated, one.depth) == counts
    assert signature(check(model, workers=2)) == signature(one)
    assert signature(check(model, workers=3)) == signature(one)


def test_the_partition_of_two_fields_keeps_one() -> None:
    # Exchange's 'sent' alone splits the states evenly and changes on fewer steps than the
    # pair: the chooser drops 'received', then must not try to drop 'sent' too.
    search = Search(Exchange(), "bfs", Limits(), False, None)
    search.add_initial_states()
    part = parallel.choose_partition(search, 2)
    assert part is not None and part(Counts((1, 2), (0, 1))) == ((1, 2), (1, 2))


# -- with liveness properties, and checkpoints ------------------------------------------------


def _verdicts(result: CheckResult) -> tuple[Any, ...]:
    props = [(p.name, p.status, p.trace.path if p.trace else None) for p in result.properties]
    loops = [p.trace.loop for p in result.properties if p.trace is not None]
    return result.distinct, result.generated, result.depth, props, loops


def test_liveness_is_judged_after_the_workers_search() -> None:
    """The states are gathered from the workers, and the lasso is one process's."""
    from tests.models.rumour import FairRumour, Rumour

    for model in (LossyPing(), Rumour(), FairRumour(), TwoPhaseActors(rms=2)):
        one = check(model, keep_going=True)
        assert _verdicts(check(model, keep_going=True, workers=2)) == _verdicts(one)
    lasso = check(LossyPing(), workers=3).verdict("answered")
    assert lasso.status == "violated" and lasso.trace is not None
    assert lasso.trace == check(LossyPing()).verdict("answered").trace


def _graph(model: Model[Any], workers: int) -> tuple[Any, ...]:
    search = Search(model, "bfs", Limits(), True, None)
    if workers == 1:
        run_bfs(search)
    else:
        parallel.run_parallel(search, workers)
    graph = search.graph
    assert graph is not None and len(graph) == len(search.store)
    return list(graph.off), list(graph.succ), list(graph.lab), graph.labels


def test_the_workers_record_the_edges_of_their_own_states() -> None:
    """Each worker records its states' edges; put together they are one process's graph,
    labels numbered in the same order."""
    from tests.models.rumour import FairRumour

    for model in (LossyPing(), FairRumour(), TwoPhaseLiveness(rms=3)):
        one = _graph(model, 1)
        assert _graph(model, 2) == one
        assert _graph(model, 3) == one


def test_a_graph_the_workers_cannot_record_is_recorded_in_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that cannot record an edge names its state, and the coordinator records
    the graph itself (which raises that state's error, as one process would)."""
    from modelcheck.explore import graph, sharded_graph

    recorded: list[int] = []
    collect = graph.collect_edges

    def in_one_process(*args: Any) -> Any:
        recorded.append(len(args[1]))
        return collect(*args)

    monkeypatch.setattr("modelcheck.explore.verdicts.collect_edges", in_one_process)
    one = _verdicts(check(LossyPing()))
    assert _verdicts(check(LossyPing(), workers=2)) == one and recorded == []
    queries = sharded_graph.queries

    def stuck(*args: Any) -> Any:  # runs in the workers: each fails at its first state
        found, blobs = queries(*args)
        if found.numbers:
            found.problem = found.numbers[0]
        return found, blobs

    monkeypatch.setattr(sharded_graph, "queries", stuck)
    assert _verdicts(check(LossyPing(), workers=2)) == one
    assert recorded == [check(LossyPing()).distinct]


def test_workers_save_between_levels_and_resume_with_any_number_of_workers(
    tmp_path: Path,
) -> None:
    model = HastyTwoPhase(rms=4)
    whole = check(model, keep_going=True)
    for workers, then in ((2, 3), (2, 1), (3, 2)):
        folder = tmp_path / f"ck-{workers}-{then}"
        options: dict[str, Any] = {"keep_going": True, "checkpoint": folder}
        first = check(model, workers=workers, checkpoint_every=0.000001, **options)
        assert _verdicts(first) == _verdicts(whole)
        resumed = check(model, workers=then, resume=True, **options)
        assert _verdicts(resumed) == _verdicts(whole)


def test_stopped_by_the_clock_then_resumed_the_counts_are_the_full_runs(tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    options: dict[str, Any] = {"workers": 2, "checkpoint": folder, "checkpoint_every": 0.01}
    # (rms=7: two workers can finish rms=6 inside the half second on an idle machine)
    first = check(TwoPhase(rms=7), time_limit=0.5, **options)
    assert first.stopped == "time-limit" and first.distinct < 296_448
    assert (folder / "checkpoint.pickle").exists()
    last = check(TwoPhase(rms=7), resume=True, **options)
    assert last.complete
    assert (last.distinct, last.generated, last.depth) == (296_448, 2_744_706, 23)


def test_a_checkpoint_saved_inside_a_level_is_resumed_in_one_process(tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    check(TwoPhase(rms=5), checkpoint=folder, checkpoint_every=0.000001)
    with pytest.raises(UsageError) as info:
        check(TwoPhase(rms=5), workers=2, checkpoint=folder, resume=True)
    assert str(info.value) == (
        f"the checkpoint in {folder} was saved by one process in the middle of a level, and "
        "workers start from a level's beginning: resume it without --workers"
    )
