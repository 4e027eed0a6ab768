"""Partial-order reduction's remembered answers: a property with reads judged once per
parts of the world its view holds."""

from __future__ import annotations

from typing import Any

import pytest

import modelcheck.actors.por as por_module
from modelcheck import always
from modelcheck.actors import World
from modelcheck.explore import Limits, SearchOptions
from modelcheck.explore._search import Search
from modelcheck.explore.frontier import OneProcess
from models.classic.two_phase_actors import TwoPhaseActors


def _states(model: Any, por: bool = False) -> tuple[Search, list[Any]]:
    """A complete search of ``model`` (one process, exact store): it and its states."""
    opts = SearchOptions(keep_going=True, por=por)
    search = Search(model, "bfs", Limits(), True, None, None, por=por)
    OneProcess(opts).run(search)
    return search, list(search.exact_store().states)


class _Counted(TwoPhaseActors):
    calls = 0

    @always(reads=TwoPhaseActors.participants)
    def consistent(self, w: World) -> bool:
        type(self).calls += 1
        return super().consistent(w)


def test_a_property_on_its_view_is_judged_once_per_parts_it_may_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Worlds share their states part: a property with ``reads`` is judged once per states
    part (and fields it may read), which the reduced search's worlds share."""
    monkeypatch.setattr(por_module, "SAVES", 0.0)
    model = _Counted(rms=3)
    _, worlds = _states(model, por=True)
    assert len(worlds) == 1_374
    # (the initial state is judged once more, on the world itself, as it is checked)
    assert _Counted.calls == 1 + len({id(w.states) for w in worlds}) == 1 + 188
