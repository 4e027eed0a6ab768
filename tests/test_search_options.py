"""check() takes its options as one SearchOptions value, as keywords, or both."""

from __future__ import annotations

import pytest

from modelcheck import SearchOptions, UsageError, check
from modelcheck.explore.frontier import LocalProcesses, OneProcess, frontier_for
from models.classic.two_phase import TwoPhase
from models.classic.two_phase_hasty import HastyTwoPhase


def test_an_options_value_gives_the_keywords_result() -> None:
    options = SearchOptions(strategy="dfs", store="fingerprint", keep_going=True)
    by_value = check(HastyTwoPhase(rms=3), options)
    by_keywords = check(HastyTwoPhase(rms=3), strategy="dfs", store="fingerprint", keep_going=True)
    assert by_value.strategy == "dfs" and by_value.store == "fingerprint"
    assert (by_value.distinct, by_value.generated) == (by_keywords.distinct, by_keywords.generated)
    assert [p.trace for p in by_value.properties] == [p.trace for p in by_keywords.properties]


def test_keywords_change_the_value_given() -> None:
    result = check(TwoPhase(rms=3), SearchOptions(strategy="dfs", max_states=10), max_states=20)
    assert (result.strategy, result.distinct, result.stopped) == ("dfs", 20, "max-states")


def test_an_unknown_option_is_one_line() -> None:
    with pytest.raises(UsageError) as info:
        check(TwoPhase(rms=3), keepgoing=True)
    assert str(info.value) == "check() has no option 'keepgoing': did you mean keep_going?"
    with pytest.raises(UsageError) as info:
        check(TwoPhase(rms=3), colour=True)
    assert str(info.value) == "check() has no option 'colour'"


def test_the_frontier_is_chosen_by_the_worker_count() -> None:
    model = TwoPhase(rms=3)
    assert isinstance(frontier_for(SearchOptions(), model), OneProcess)
    assert frontier_for(SearchOptions(workers=3), model) == LocalProcesses(3)
    with pytest.raises(UsageError, match=r"^workers must be at least 1, not 0$"):
        frontier_for(SearchOptions(workers=0), model)
