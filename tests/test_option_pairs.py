"""Every pair of search options, on a transition system, an actor system and a model with a
liveness property (judged, and left out with ``safety_only``): which pairs refuse, with
their one-line reasons, and that every other pair agrees with the search it reduces to.

A pair that runs is compared with the search of the option in it that changes what is
counted (symmetry, partial-order reduction, simulation), or else with the plain search:
the same distinct and generated counts and the same verdicts. This table is the truth of
which options compose; a refusal removed or added changes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.liveness import TwoPhaseLiveness
from modelcheck import CheckResult, UsageError, check
from modelcheck.model import Model
from models.classic.two_phase import TwoPhase
from models.messaging.late_reply import UntaggedReply
from tests.ray_session import local_ray

OPTIONS = ("dfs", "symmetry", "por", "fingerprint", "workers", "checkpoint", "simulate")
#: The options that change what is counted: a pair with one is compared with it alone.
REDUCING = ("simulate", "symmetry", "por")
MODELS = ("transition", "actors", "liveness", "safety-only")
_SETTINGS: dict[str, dict[str, Any]] = {
    "dfs": {"strategy": "dfs"},
    "symmetry": {"symmetry": True},
    "por": {"por": True},
    "fingerprint": {"store": "fingerprint"},
    "workers": {"workers": 2},
    "simulate": {"strategy": "simulate", "runs": 20, "depth": 12, "seed": 3},
}


def _model(name: str) -> tuple[Model[Any], dict[str, Any]]:
    if name == "transition":
        return TwoPhase(rms=3), {}
    if name == "actors":
        return UntaggedReply(calls=2), {}
    return TwoPhaseLiveness(rms=3), {"safety_only": name == "safety-only"}


def _run(
    name: str, options: tuple[str, ...], folder: Path, extra: dict[str, Any] | None = None
) -> CheckResult | str:
    """The result of the search with ``options`` (and ``extra`` keywords), or the one-line
    reason it is refused."""
    model, kwargs = _model(name)
    kwargs["keep_going"] = True
    kwargs.update(extra or {})
    strategies = [o for o in options if o in ("dfs", "simulate")]
    if len(strategies) > 1:
        return "a search has one strategy"
    for option in options:
        kwargs.update(_SETTINGS.get(option, {}))
    try:
        if "checkpoint" not in options:
            return check(model, **kwargs)
        saved = folder / "-".join((name, *options))
        check(model, checkpoint=saved, checkpoint_every=0.000001, **kwargs)
        return check(model, checkpoint=saved, resume=True, **kwargs)
    except UsageError as exc:
        return str(exc)


def _summary(result: CheckResult) -> tuple[Any, ...]:
    return result.distinct, result.generated, tuple(p.status for p in result.properties)


#: The one-line reasons of the refusals, by name ({model}: the model's class name).
REASONS = {
    "NOT_ACTORS": (
        "partial-order reduction applies to actor systems "
        "(modelcheck.actors.ActorSystem), and {model} is not one: run without --por"
    ),
    "WORKERS_DFS": ("--workers 2 explores breadth-first: it cannot be used with --strategy dfs"),
    "ONE_STRATEGY": ("a search has one strategy"),
    "POR_SIMULATE": (
        "partial-order reduction applies to bfs and dfs, not simulate: it prunes the "
        "steps a search stores, and a walk stores none"
    ),
    "SIMULATE_STORE": (
        "simulation keeps no store (each walk remembers only itself): leave out --store"
    ),
    "WORKERS_SIMULATE": (
        "--workers 2 explores breadth-first: it cannot be used with --strategy simulate"
    ),
    "SIMULATE_CHECKPOINT": (
        "simulation keeps no store to save: its walks are seeded, so a run is repeated "
        "with the same --seed rather than resumed (leave out --checkpoint)"
    ),
    "NO_SYMMETRY": (
        "UntaggedReply declares no symmetry: name the interchangeable nodes in symmetric() "
        "(or define canonical(world)) to use --symmetry"
    ),
    "SYMMETRY_LIVENESS": (
        "symmetry reduction cannot judge liveness properties (AllDecided): a cycle of "
        "representatives need not be a cycle of states, nor fair per node (TLC's is "
        "unsound here): run without --symmetry (or with --safety-only)"
    ),
    "SYMMETRY_SIMULATE": (
        "simulation walks concrete states and stores none: symmetry reduces nothing there "
        "(leave out --symmetry)"
    ),
}
#: (model, option) -> the name of the reason the option alone is refused.
REFUSED_ALONE = {
    ("transition", "por"): "NOT_ACTORS",
    ("actors", "symmetry"): "NO_SYMMETRY",
    ("liveness", "symmetry"): "SYMMETRY_LIVENESS",
    ("liveness", "por"): "NOT_ACTORS",
    ("safety-only", "por"): "NOT_ACTORS",
}
#: (model, option, option) -> the name of the reason the pair is refused; every other
#: pair runs and agrees.
REFUSED: dict[tuple[str, str, str], str] = {
    ("transition", "dfs", "por"): "NOT_ACTORS",
    ("transition", "dfs", "workers"): "WORKERS_DFS",
    ("transition", "dfs", "simulate"): "ONE_STRATEGY",
    ("transition", "symmetry", "por"): "NOT_ACTORS",
    ("transition", "symmetry", "simulate"): "SYMMETRY_SIMULATE",
    ("transition", "por", "fingerprint"): "NOT_ACTORS",
    ("transition", "por", "workers"): "NOT_ACTORS",
    ("transition", "por", "checkpoint"): "NOT_ACTORS",
    ("transition", "por", "simulate"): "POR_SIMULATE",
    ("transition", "fingerprint", "simulate"): "SIMULATE_STORE",
    ("transition", "workers", "simulate"): "WORKERS_SIMULATE",
    ("transition", "checkpoint", "simulate"): "SIMULATE_CHECKPOINT",
    ("actors", "dfs", "symmetry"): "NO_SYMMETRY",
    ("actors", "dfs", "workers"): "WORKERS_DFS",
    ("actors", "dfs", "simulate"): "ONE_STRATEGY",
    ("actors", "symmetry", "por"): "NO_SYMMETRY",
    ("actors", "symmetry", "fingerprint"): "NO_SYMMETRY",
    ("actors", "symmetry", "workers"): "NO_SYMMETRY",
    ("actors", "symmetry", "checkpoint"): "NO_SYMMETRY",
    ("actors", "symmetry", "simulate"): "NO_SYMMETRY",
    ("actors", "por", "simulate"): "POR_SIMULATE",
    ("actors", "fingerprint", "simulate"): "SIMULATE_STORE",
    ("actors", "workers", "simulate"): "WORKERS_SIMULATE",
    ("actors", "checkpoint", "simulate"): "SIMULATE_CHECKPOINT",
    ("liveness", "dfs", "symmetry"): "SYMMETRY_LIVENESS",
    ("liveness", "dfs", "por"): "NOT_ACTORS",
    ("liveness", "dfs", "workers"): "WORKERS_DFS",
    ("liveness", "dfs", "simulate"): "ONE_STRATEGY",
    ("liveness", "symmetry", "por"): "SYMMETRY_LIVENESS",
    ("liveness", "symmetry", "fingerprint"): "SYMMETRY_LIVENESS",
    ("liveness", "symmetry", "workers"): "SYMMETRY_LIVENESS",
    ("liveness", "symmetry", "checkpoint"): "SYMMETRY_LIVENESS",
    ("liveness", "symmetry", "simulate"): "SYMMETRY_LIVENESS",
    ("liveness", "por", "fingerprint"): "NOT_ACTORS",
    ("liveness", "por", "workers"): "NOT_ACTORS",
    ("liveness", "por", "checkpoint"): "NOT_ACTORS",
    ("liveness", "por", "simulate"): "POR_SIMULATE",
    ("liveness", "fingerprint", "simulate"): "SIMULATE_STORE",
    ("liveness", "workers", "simulate"): "WORKERS_SIMULATE",
    ("liveness", "checkpoint", "simulate"): "SIMULATE_CHECKPOINT",
    ("safety-only", "dfs", "por"): "NOT_ACTORS",
    ("safety-only", "dfs", "workers"): "WORKERS_DFS",
    ("safety-only", "dfs", "simulate"): "ONE_STRATEGY",
    ("safety-only", "symmetry", "por"): "NOT_ACTORS",
    ("safety-only", "symmetry", "simulate"): "SYMMETRY_SIMULATE",
    ("safety-only", "por", "fingerprint"): "NOT_ACTORS",
    ("safety-only", "por", "workers"): "NOT_ACTORS",
    ("safety-only", "por", "checkpoint"): "NOT_ACTORS",
    ("safety-only", "por", "simulate"): "POR_SIMULATE",
    ("safety-only", "fingerprint", "simulate"): "SIMULATE_STORE",
    ("safety-only", "workers", "simulate"): "WORKERS_SIMULATE",
    ("safety-only", "checkpoint", "simulate"): "SIMULATE_CHECKPOINT",
}


@pytest.mark.parametrize("name", MODELS)
def test_option_pairs(name: str, tmp_path: Path) -> None:
    alone = {o: _run(name, (o,), tmp_path) for o in OPTIONS}
    plain = _run(name, (), tmp_path)
    assert isinstance(plain, CheckResult)
    model = type(_model(name)[0]).__name__
    refused_alone = {(name, o): r for o, r in alone.items() if isinstance(r, str)}
    assert refused_alone == {
        k: REASONS[v].format(model=model) for k, v in REFUSED_ALONE.items() if k[0] == name
    }
    for o, r in alone.items():  # (the verdicts of simulation are unknown or refuted)
        if o not in REDUCING and isinstance(r, CheckResult):
            assert _summary(r) == _summary(plain), o
    got: dict[tuple[str, str, str], str] = {}
    for a, b in itertools.combinations(OPTIONS, 2):
        result = _run(name, (a, b), tmp_path)
        if isinstance(result, str):
            got[name, a, b] = result
            continue
        base = next((alone[o] for o in REDUCING if o in (a, b)), plain)
        assert isinstance(base, CheckResult), (a, b)
        assert _summary(result) == _summary(base), (a, b)
    expected = {k: REASONS[v].format(model=model) for k, v in REFUSED.items() if k[0] == name}
    assert got == expected
    for reason in got.values():
        assert "\n" not in reason and reason


def test_the_refusals_counted() -> None:
    """52 of the 84 pairs refuse (68 before depth-first search took the fingerprint store
    and checkpoints; 2 more since symmetry with simulation, which reduced nothing, says
    so; 2 fewer since the fingerprint store judges liveness, 4 fewer since workers save
    checkpoints, 4 fewer since they keep fingerprints, 1 fewer since partial-order
    reduction runs with workers); 24 of them only because of the model (no symmetry
    declared, not an actor system) or because two strategies were asked for."""
    assert len(REFUSED) == 52
    by_model = {"NOT_ACTORS", "NO_SYMMETRY", "ONE_STRATEGY"}
    assert sum(v in by_model for v in REFUSED.values()) == 24


#: The options paired with ``--ray local --workers 2`` (its shards are its workers; swarm
#: simulation, which walks with other seeds than one process, is tests/test_cluster.py's).
RAY_PAIRED = ("dfs", "symmetry", "por", "fingerprint", "checkpoint")
RAY_REASONS = {
    "RAY_DFS": "--ray explores breadth-first (or simulates): it cannot be used with --strategy dfs",
    **REASONS,
}
#: (model, option) -> the name of the reason Ray with the option is refused; every other
#: pair runs and agrees with the option alone.
RAY_REFUSED = {
    **{(name, "dfs"): "RAY_DFS" for name in MODELS},
    **{(name, "por"): "NOT_ACTORS" for name in MODELS if name != "actors"},
    ("actors", "symmetry"): "NO_SYMMETRY",
    ("liveness", "symmetry"): "SYMMETRY_LIVENESS",
}


@pytest.fixture(scope="module")
def ray() -> Iterator[Any]:
    yield from local_ray()


@pytest.mark.parametrize("name", MODELS)
def test_ray_with_each_option(ray: Any, name: str, tmp_path: Path) -> None:
    """The Ray row: --ray paired with each option refuses, in one line, only where the
    table says; the rest agree with the option alone in one process."""
    got: dict[tuple[str, str], str] = {}
    for option in RAY_PAIRED:
        result = _run(name, ("ray", option), tmp_path, {"ray": "local", "workers": 2})
        if isinstance(result, str):
            got[name, option] = result
            continue
        alone = _run(name, (option,), tmp_path)
        assert isinstance(alone, CheckResult), option
        assert _summary(result) == _summary(alone), option
    model = type(_model(name)[0]).__name__
    assert got == {
        k: RAY_REASONS[v].format(model=model) for k, v in RAY_REFUSED.items() if k[0] == name
    }
