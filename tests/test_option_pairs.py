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
from pathlib import Path
from typing import Any

import pytest

from benchmarks.liveness import TwoPhaseLiveness
from modelcheck import CheckResult, UsageError, check
from modelcheck.model import Model
from models.classic.two_phase import TwoPhase
from models.messaging.late_reply import UntaggedReply

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


def _run(name: str, options: tuple[str, ...], folder: Path) -> CheckResult | str:
    """The result of the search with ``options``, or the one-line reason it is refused."""
    model, kwargs = _model(name)
    kwargs["keep_going"] = True
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


#: (model, option, option) -> the reason the pair is refused; every other pair runs.
REFUSED: dict[tuple[str, str, str], str] = {}


@pytest.mark.parametrize("name", MODELS)
def test_option_pairs(name: str, tmp_path: Path) -> None:
    alone = {o: _run(name, (o,), tmp_path) for o in OPTIONS}
    plain = _run(name, (), tmp_path)
    assert isinstance(plain, CheckResult)
    got: dict[tuple[str, str, str], str] = {}
    for a, b in itertools.combinations(OPTIONS, 2):
        result = _run(name, (a, b), tmp_path)
        if isinstance(result, str):
            got[name, a, b] = result
            continue
        base = next((alone[o] for o in REDUCING if o in (a, b)), plain)
        assert isinstance(base, CheckResult), (a, b)
        assert _summary(result) == _summary(base), (a, b)
    assert got == {k: v for k, v in REFUSED.items() if k[0] == name}
    for reason in got.values():
        assert "\n" not in reason and reason
