"""One loop compiled as several: the branches on a flag decided (explore/specialise.py), and
breadth-first search's copies with and without the recording of edges."""

from __future__ import annotations

import functools
import inspect
import traceback
from typing import Any

import pytest

from modelcheck.explore import bfs, dfs
from modelcheck.explore.specialise import specialise


def _walk(items: list[int], odd: bool, twice: bool, scale: int = 1) -> list[int]:
    out = []
    for item in items:
        if not odd and item % 2:
            continue
        if odd or twice:
            out.append(item * scale)
        elif twice and item:
            out.append(-item)
        out.append(item * 2 if twice else item)
    return out


def _names(function: object) -> set[str]:
    code = function.__code__  # type: ignore[attr-defined]
    return {*code.co_varnames, *code.co_names}


@pytest.mark.parametrize("odd", [False, True])
@pytest.mark.parametrize("twice", [False, True])
def test_a_copy_does_what_the_function_does_with_its_flags(odd: bool, twice: bool) -> None:
    copy = specialise(_walk, odd=odd, twice=twice)
    items = [0, 1, 2, 3]
    assert copy(items) == _walk(items, odd, twice)
    assert copy(items, scale=3) == _walk(items, odd, twice, scale=3)
    assert list(inspect.signature(copy).parameters) == ["items", "scale"]
    assert copy.__qualname__ == f"_walk[odd={odd}, twice={twice}]"


def test_the_branches_on_a_flag_are_gone_from_the_copy() -> None:
    code = specialise(_walk, odd=True, twice=False).__code__
    consts = [c for c in code.co_consts if isinstance(c, bool)]
    assert consts == []  # no test of a flag left, not even a constant one


def test_a_copy_keeps_the_lines_of_its_source() -> None:
    def broken(flag: bool) -> int:
        if flag:
            return 1 // 0
        return 0

    copy = specialise(broken, flag=True)
    with pytest.raises(ZeroDivisionError) as info:
        copy()
    frame = traceback.extract_tb(info.tb)[-1]
    assert (frame.filename, frame.line) == (__file__, "return 1 // 0")


def test_a_body_emptied_by_a_decided_branch_still_compiles() -> None:
    def only(flag: bool, items: list[int]) -> int:
        for _item in items:
            if flag:
                return 1
        return 0

    assert specialise(only, flag=False)([1, 2]) == 0
    assert specialise(only, flag=True)([1, 2]) == 1


def test_a_flag_the_function_lacks_or_assigns_is_refused() -> None:
    def assigns(flag: bool) -> bool:
        flag = not flag
        return flag

    with pytest.raises(TypeError, match=r"^_walk has no parameter even, this$"):
        specialise(_walk, this=True, even=False)
    with pytest.raises(TypeError, match=r"^a specialised parameter is assigned to: flag$"):
        specialise(assigns, flag=True)


def test_safety_only_bfs_runs_a_loop_without_the_recording() -> None:
    recording = {"succ_append", "off_append", "lab_append", "label_ids", "recorded", "j"}
    assert _names(bfs._loop(False)).isdisjoint(recording)
    assert recording <= _names(bfs._loop(True))
    assert "get" not in bfs._loop(False).__code__.co_names  # membership, not seen.get


def test_dfs_over_the_exact_store_runs_a_loop_without_fingerprints() -> None:
    assert "fingerprint" not in dfs._loop(False).__code__.co_names
    assert "fingerprint" in dfs._loop(True).__code__.co_names


def test_a_function_without_source_runs_itself_with_the_flags_given() -> None:
    # (an install of compiled files only): the same results, from the general function
    namespace: dict[str, Any] = {}
    exec("def made(value, flag):\n    return value if flag else -value\n", namespace)
    made = specialise(namespace["made"], flag=False)
    assert isinstance(made, functools.partial) and made.func is namespace["made"]
    assert made(3) == -3


def test_a_function_that_reads_an_enclosing_one_is_refused_in_one_line() -> None:
    step = 2

    def closure(flag: bool) -> int:
        return step if flag else 0

    message = r"^.*closure cannot be specialised: it reads step from an enclosing function$"
    with pytest.raises(TypeError, match=message):
        specialise(closure, flag=True)
