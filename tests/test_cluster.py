"""Exploration on Ray (``--ray``): the sharded search gives one process's counts, verdicts,
traces and CLI bytes; swarm simulation gives the verdicts of local simulations with the
walkers' seeds; what cannot run on Ray is refused in one line.

The Ray tests share one local Ray with 2 CPUs (started once, ~10-20 s); they are skipped,
saying why, where Ray is not installed (``make ray`` installs it).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.liveness import TwoPhaseLiveness
from modelcheck import Model, check
from modelcheck.actors import por as por_module
from modelcheck.errors import ModelError, UsageError
from modelcheck.explore import cluster
from modelcheck.explore._search import Search
from modelcheck.explore.bfs import run_bfs
from modelcheck.explore.swarm import walker_runs, walker_seeds
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_actors import TwoPhaseActors
from models.classic.two_phase_hasty import HastyTwoPhase
from models.classic.two_phase_refinement import HastyRefinesTCommit
from models.intro.lossy_ping import LossyPing
from models.messaging.late_reply import TaggedReply, UntaggedReply
from tests.cli_helpers import run_cli
from tests.models.sealed import Counter as SealedCounter
from tests.ray_session import local_ray
from tests.refinement_models import Lanes, RaisingLanes
from tests.test_parallel import _verdicts, signature


@pytest.fixture(scope="module")
def ray() -> Iterator[Any]:
    """A local Ray with 2 CPUs, shared by this module's tests."""
    yield from local_ray()


# -- sharded breadth-first search -----------------------------------------------------------

CASES: list[tuple[str, Model[Any], dict[str, Any]]] = [
    ("two-phase 4", TwoPhase(rms=4), {}),
    ("hasty: first violation, symmetry", HastyTwoPhase(rms=3), {"symmetry": True}),
    ("hasty: continue, max-states", HastyTwoPhase(rms=4), {"keep_going": True, "max_states": 300}),
    ("actors: two-phase, frozensets in states", TwoPhaseActors(), {}),
    ("actors: late reply", UntaggedReply(), {"keep_going": True}),
]


@pytest.mark.parametrize(("model", "options"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shards_give_one_process_counts_verdicts_and_traces(
    ray: Any, model: Model[Any], options: dict[str, Any]
) -> None:
    one = check(model, **options)
    assert signature(check(model, ray="local", workers=2, **options)) == signature(one)


FINGERPRINT_CASES: list[tuple[str, Model[Any], dict[str, Any], list[str]]] = [
    ("hasty: first violation", HastyTwoPhase(rms=3), {}, ["unknown", "violated"]),
    ("actors: late reply", UntaggedReply(), {"keep_going": True}, ["violated", "reached"]),
    ("liveness: lossy ping's lasso", LossyPing(), {}, ["violated"]),
    ("liveness: two-phase", TwoPhaseLiveness(rms=3), {"keep_going": True}, ["holds"] * 3),
]


@pytest.mark.parametrize(
    ("model", "options", "statuses"),
    [c[1:] for c in FINGERPRINT_CASES],
    ids=[c[0] for c in FINGERPRINT_CASES],
)
def test_shards_over_the_fingerprint_store_give_one_processs_result(
    ray: Any, model: Model[Any], options: dict[str, Any], statuses: list[str]
) -> None:
    """The shards keep fingerprints (with each state's number and its parent's); the
    driver ends with the one-process fingerprint store, so traces and lassos are rebuilt
    from it as after one process's search."""
    one = check(model, store="fingerprint", **options)
    shards = check(model, store="fingerprint", ray="local", workers=2, **options)
    assert shards.store == "fingerprint"
    assert signature(shards) == signature(one)
    assert [p.status for p in shards.properties] == statuses


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
def test_shards_judge_step_properties_as_one_process(ray: Any, store: str) -> None:
    """A refinement broken on a step stops the search where one process stops; a step
    property decided in one level is not judged in the next (it would raise there)."""
    for model, options in ((HastyRefinesTCommit(rms=3), {}), (Lanes(), {"keep_going": True})):
        one = check(model, **options)
        shards = check(model, store=store, ray="local", workers=2, **options)
        assert signature(shards) == signature(one)
        assert one.stopped == (None if options else "violation")
    with pytest.raises(ModelError) as raised:
        check(RaisingLanes(), keep_going=True, store=store, ray="local", workers=2)
    assert raised.value.message == "property 'raises_on_one_one' raised ValueError: into (1, 1)"
    assert raised.value.trace is not None and raised.value.trace.path == "0.0.1"


def test_one_shard_and_tlcs_counts(ray: Any) -> None:
    result = check(TwoPhase(rms=3), ray="local", workers=1)
    assert (result.distinct, result.generated, result.depth, result.complete) == (
        288,
        1_146,
        11,
        True,
    )


def test_shards_exchange_batches_and_keys(ray: Any) -> None:
    from modelcheck.explore._search import Limits, Search

    model = TwoPhase(rms=4)
    search = Search(model, "bfs", Limits(None, None, None, None), False, None)
    traffic = cluster.Traffic()
    spec = cluster.model_spec(model)
    result = cluster.run_cluster(search, ray, 2, spec, cluster.Options(), traffic)
    assert result.distinct == 1_568
    # Each new state's key goes to the shard of its range, if that is the other one (803
    # of 1,567 here), and its rank comes back: 12 bytes a key that crosses. (When every
    # shard read every other shard's keys, it was 8 bytes a new state per other shard.)
    assert traffic.keys_moved == 803
    assert traffic.key_bytes == 12 * 803 < 8 * (1_568 - 1)
    assert 0 < traffic.batch_bytes < 1_568 * 200


def test_cli_bytes_are_one_process_bytes(ray: Any, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "models/classic/two_phase_hasty.py", "--no-timing", "--format", "json"]
    one = run_cli(capsys, *args)
    shards = run_cli(capsys, *args, "--ray", "local", "--workers", "2")
    assert (shards.code, shards.out, shards.err) == (one.code, one.out, one.err)
    assert one.code == 1


def test_one_shard_says_it_is_no_faster(ray: Any, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "models/classic/two_phase.py", "-p", "rms=2", "--no-timing"]
    one = run_cli(capsys, *args)
    shard = run_cli(capsys, *args, "--ray", "local")
    assert (shard.code, shard.out) == (one.code, one.out)
    assert shard.err == (
        "warning: --ray with --workers 1: one shard (or walker), no faster than without --ray\n"
    )


def test_more_shards_than_cpus_is_refused(ray: Any) -> None:
    with pytest.raises(UsageError) as info:
        check(TwoPhase(rms=3), ray="local", workers=3)
    assert str(info.value) == (
        "--workers 3: the Ray cluster has 2 CPUs, and each shard needs one for the whole "
        "search: ask for at most 2"
    )


# -- swarm simulation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [HastyTwoPhase(rms=3), LossyPing()], ids=["safety", "liveness on lassos"]
)
def test_one_walker_is_the_local_simulation(ray: Any, model: Model[Any]) -> None:
    walks: dict[str, Any] = {"strategy": "simulate", "seed": 2, "runs": 30, "depth": 40}
    local = check(model, **walks)
    swarm = check(model, ray="local", workers=1, **walks)
    assert signature(swarm) == signature(local)
    assert swarm.warnings == (
        "--ray with --workers 1: one shard (or walker), no faster than without --ray",
    )
    assert "violated" in [p.status for p in local.properties]


def test_walkers_give_the_verdicts_of_local_simulations_with_their_seeds(ray: Any) -> None:
    model = HastyTwoPhase(rms=3)
    seeds = walker_seeds(5, 2)
    runs = walker_runs(40, 2)
    assert runs == [20, 20] and seeds[0] == 5 and seeds[1] != 5
    locals_ = [
        check(model, strategy="simulate", seed=s, runs=n, depth=30, keep_going=True)
        for s, n in zip(seeds, runs, strict=True)
    ]
    walks: dict[str, Any] = {"strategy": "simulate", "runs": 40, "depth": 30}
    swarm = check(model, seed=5, keep_going=True, ray="local", workers=2, **walks)
    for pos, verdict in enumerate(swarm.properties):
        decided = [r.properties[pos] for r in locals_ if r.properties[pos].status != "unknown"]
        assert verdict == (decided[0] if decided else locals_[0].properties[pos])
    assert [p.status for p in swarm.properties] == ["unknown", "violated"]
    assert swarm.generated == sum(r.generated for r in locals_)
    assert swarm.depth == max(r.depth for r in locals_)
    assert max(r.distinct for r in locals_) <= swarm.distinct <= sum(r.distinct for r in locals_)


def test_liveness_on_ray_is_one_process_verdicts_and_lassos(
    ray: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shards record their own states' edges (the driver records none); the verdicts
    and lassos are one process's."""
    from tests.models.rumour import FairRumour

    ones = {m: check(m, keep_going=True) for m in (LossyPing(), FairRumour(), TwoPhaseLiveness())}
    monkeypatch.setattr("modelcheck.explore.verdicts.collect_edges", None)  # not called
    for model, one in ones.items():
        assert signature(check(model, keep_going=True, ray="local", workers=2)) == signature(one)
    lasso = check(LossyPing(), ray="local", workers=2).verdict("answered")
    assert lasso.status == "violated" and lasso.trace is not None and lasso.trace.loop is not None


def test_ray_saves_between_levels_and_any_frontier_resumes(ray: Any, tmp_path: Path) -> None:
    """A checkpoint saved on Ray is one process's format: Ray, workers or one process resume
    it; and Ray resumes one saved by workers (or by one process between two levels)."""
    model = HastyTwoPhase(rms=4)
    whole = _verdicts(check(model, keep_going=True))
    saved: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"ray": "local", "workers": 2}, {"ray": "local", "workers": 2}),
        ({"ray": "local", "workers": 2}, {"workers": 2}),
        ({"ray": "local", "workers": 2}, {}),
        ({"workers": 2}, {"ray": "local", "workers": 2}),
    ]
    for k, (first, then) in enumerate(saved):
        options: dict[str, Any] = {"keep_going": True, "checkpoint": tmp_path / f"ck-{k}"}
        assert _verdicts(check(model, checkpoint_every=0.000001, **first, **options)) == whole
        assert (tmp_path / f"ck-{k}" / "checkpoint.pickle").exists()
        assert _verdicts(check(model, resume=True, **then, **options)) == whole


def test_a_checkpoint_saved_inside_a_level_is_not_resumed_on_ray(ray: Any, tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    check(TwoPhase(rms=4), checkpoint=folder, checkpoint_every=0.000001)
    with pytest.raises(UsageError) as info:
        check(TwoPhase(rms=4), ray="local", workers=2, checkpoint=folder, resume=True)
    assert str(info.value) == (
        f"the checkpoint in {folder} was saved by one process in the middle of a level, and "
        "the shards of --ray start from a level's beginning: resume it without --ray"
    )


def test_states_that_do_not_pickle_name_the_option_given(ray: Any) -> None:
    with pytest.raises(ModelError) as info:
        check(SealedCounter(), ray="local", workers=2)
    assert info.value.message == (
        "with --ray, states move between processes and must pickle; a Sealed does not "
        "(TypeError: sealed)"
    )


# -- refusals and a missing Ray: one line, exit 2, before anything starts -------------------

REFUSED = [
    (
        ["--strategy", "dfs"],
        "--ray explores breadth-first (or simulates): it cannot be used with --strategy dfs",
    ),
    (
        ["--store", "fingerprint", "--checkpoint", "ck"],
        "--ray with --store fingerprint saves no checkpoints: a shard owns a state by the "
        "state itself, and such a checkpoint holds only fingerprints; leave out one of the "
        "three",
    ),
    (
        ["--max-memory", "1G"],
        "--max-memory measures this machine's processes, and the shards of --ray may be on "
        "others: leave out --max-memory",
    ),
    (
        ["--strategy", "simulate", "--time-limit", "5"],
        "--ray --strategy simulate runs each walker's walks to the end, so that they are the "
        "same walks in every run: bound them with --runs and --depth, not --time-limit",
    ),
]


@pytest.mark.parametrize(("extra", "message"), REFUSED, ids=[r[0][0] for r in REFUSED])
def test_refusals_are_one_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    run = run_cli(capsys, "check", "models/classic/two_phase.py", "--ray", "local", *extra)
    assert (run.code, run.out, run.err) == (2, "", f"error: {message}\n")


def test_por_on_shards_is_one_process_search(ray: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Partial-order reduction on two shards: the driver samples (shortened here, so that
    the shards reduce), the shards ask each other the cycle proviso: one process's counts,
    verdicts and traces, under faults too."""
    monkeypatch.setattr(por_module, "SAMPLE", 100)
    monkeypatch.setattr(por_module, "PAYS", 0.0)
    monkeypatch.setattr(por_module, "SAVES", 0.0)
    model = TaggedReply(calls=4, crashes=1, restarts=1)
    one = check(model, keep_going=True, por=True)
    assert (one.distinct, one.generated, one.depth) == (654, 1_032, 22)  # of 934 states
    shards = check(model, keep_going=True, por=True, ray="local", workers=2)
    assert signature(shards) == signature(one)
    assert shards.warnings == one.warnings


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "127.0.0.1:1",
            "--ray 127.0.0.1:1: nothing answers there (Connection refused): start Ray there "
            "first (ray start --head), or use --ray local",
        ),
        (
            "somewhere",
            "--ray somewhere: give 'local', 'auto' or the HOST:PORT of a Ray cluster's head",
        ),
    ],
)
def test_an_address_where_nothing_answers_is_one_line(
    ray: Any, capsys: pytest.CaptureFixture[str], address: str, message: str
) -> None:
    run = run_cli(capsys, "check", "models/classic/two_phase.py", "--ray", address)
    assert (run.code, run.out, run.err) == (2, "", f"error: {message}\n")


class _FakeRay(types.ModuleType):
    """Ray's connection calls only, counted."""

    def __init__(self) -> None:
        super().__init__("ray")
        self.calls: list[str] = []
        self.up = False

    def is_initialized(self) -> bool:
        return self.up

    def init(self, **options: Any) -> None:
        self.calls.append(f"init {options['num_cpus']}")
        self.up = True

    def shutdown(self) -> None:
        self.calls.append("shutdown")
        self.up = False


def test_a_folder_starts_ray_once_for_all_its_models(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakeRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    searched: list[str] = []

    def one_process(search: Search, ray: Any, *args: Any, **options: Any) -> Any:
        searched.append(f"{search.model.name} with Ray up: {ray.is_initialized()}")
        return search.result(run_bfs(search))

    monkeypatch.setattr(cluster, "run_cluster", one_process)
    run = run_cli(capsys, "check", "tests/models", "--ray", "local", "--workers", "2")
    assert run.code == 1  # (Gossip and Rumour are violated)
    assert fake.calls == ["init 2", "shutdown"]
    assert searched == [
        f"{name} with Ray up: True" for name in ("Gossip", "Rumour", "FairRumour", "Counter")
    ]


def test_missing_ray_says_how_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails
    run = run_cli(capsys, "check", "models/classic/two_phase.py", "--ray", "local")
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        "error: --ray needs Ray, which is not installed here: pip install 'modelcheck[ray]' "
        "(or pip install ray)\n"
    )


def test_a_model_is_shipped_by_name_never_as_code() -> None:
    spec = cluster.model_spec(TwoPhase(rms=2))
    assert (spec.module, spec.qualname, spec.params) == (
        "models.classic.two_phase",
        "TwoPhase",
        {"rms": 2},
    )
    assert spec.file is not None and spec.file.endswith("two_phase.py")
    assert spec.load().params == {"rms": 2}

    def local() -> Model[Any]:
        class Inner(TwoPhase):
            pass

        return Inner(rms=2)

    with pytest.raises(UsageError) as info:
        cluster.model_spec(local())
    assert str(info.value) == (
        "--ray ships a model by its file and class, and "
        "test_a_model_is_shipped_by_name_never_as_code.<locals>.local.<locals>.Inner is not "
        "defined at the top level of a file or module: move it into one"
    )
