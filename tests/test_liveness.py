"""Liveness: verdicts and lassos on hand-built graphs whose fair and unfair cycles are known,
the stuttering choices, errors, and a brute-force reference on random small graphs."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck import (
    Fairness,
    Model,
    ModelError,
    Property,
    always,
    check,
    eventually,
    leads_to,
    strong,
    weak,
)
from modelcheck.explore._search import Limits, Search
from modelcheck.explore.liveness import lasso_problem
from modelcheck.model import Stuttering
from modelcheck.properties import EVENTUALLY, EVENTUALLY_ALWAYS, INFINITELY_OFTEN, LEADS_TO
from modelcheck.render import format_result, result_to_json
from tests.graph_model import GraphModel
from tests.models.rumour import FairRumour

Edges = Mapping[int, Sequence[tuple[Any, int]]]


class LabelledGraph(GraphModel):
    """A graph whose edges carry labels, with liveness properties and fairness.

    ``edges[v]`` lists ``(label, successor)`` in action order. Properties are given as
    ``Property`` values over the node numbers.
    """

    def __init__(
        self,
        edges: Edges,
        props: Sequence[Property],
        fairness: Sequence[Fairness] = (),
        init: Iterable[int] = (0,),
    ) -> None:
        super().__init__({}, init=init)
        self.labelled = {k: tuple(v) for k, v in edges.items()}
        self.props = list(props)
        self.fair = tuple(fairness)

    def actions(self, state: int) -> list[tuple[Any, int]]:
        return list(self.labelled.get(state, ()))

    def properties(self) -> list[Property]:
        return self.props

    def fairness_conditions(self) -> Sequence[Fairness]:
        return self.fair


class StutterEverywhere(LabelledGraph):
    stuttering = "always"


class StoppingIsFine(LabelledGraph):
    stuttering = "never"


def reaches(goal: int) -> Property:
    return Property("reaches", EVENTUALLY, lambda s: s == goal, f"node {goal} is reached")


def lasso(model: Model[Any], name: str) -> tuple[list[str | None], int | None, str]:
    """The violated property's lasso: its actions, where its loop starts, its note."""
    result = check(model)
    verdict = result.verdict(name)
    assert verdict.status == "violated", verdict
    trace = verdict.trace
    assert trace is not None and trace.loop is not None
    if trace.loop < len(trace):
        assert trace.final == trace.steps[trace.loop].state
    assert (
        lasso_problem(model, Property(name, verdict.kind, _pred(model, name)), trace, _fair(model))
        is None
    )
    return [s.action for s in trace.steps[1:]], trace.loop, verdict.note


def _pred(model: Model[Any], name: str) -> Callable[[Any], Any]:
    return next(p.predicate for p in model.properties() if p.name == name)


def _fair(model: Model[Any]) -> Sequence[Fairness]:
    return model.fairness_conditions()


# A two-state loop 0 <-> 1; the way out to the goal 2, action "g", is enabled only in 0.
INTERMITTENT: Edges = {0: [("x", 1), ("g", 2)], 1: [("y", 0)], 2: [("z", 2)]}


def test_weak_fairness_allows_a_loop_that_disables_the_group_now_and_then() -> None:
    model = LabelledGraph(INTERMITTENT, [reaches(2)], [weak("g")])
    actions, loop, note = lasso(model, "reaches")
    assert (actions, loop) == (["x", "y"], 0)
    assert note == (
        "reaches is false in every state, and steps 1..2 repeat forever; the loop is fair: "
        "g is disabled at step 1"
    )


def test_strong_fairness_forbids_it() -> None:
    assert check(LabelledGraph(INTERMITTENT, [reaches(2)], [strong("g")])).status("reaches") == (
        "holds"
    )


def test_weak_fairness_suffices_when_the_group_stays_enabled() -> None:
    edges: Edges = {0: [("x", 1), ("g", 2)], 1: [("y", 0), ("g", 2)], 2: []}
    assert check(LabelledGraph(edges, [reaches(2)], [weak("g")])).status("reaches") == "holds"
    # Without fairness the loop is a counterexample.
    actions, loop, _ = lasso(LabelledGraph(edges, [reaches(2)]), "reaches")
    assert (actions, loop) == (["x", "y"], 0)


def test_a_self_loop_is_a_loop_unless_fairness_forbids_it() -> None:
    edges: Edges = {0: [("wait", 0), ("go", 1)], 1: []}
    assert lasso(LabelledGraph(edges, [reaches(1)]), "reaches")[:2] == (["wait"], 0)
    # A step that changes nothing is a stutter: it does not take "go", and "go" (which does
    # change the state) stays enabled, so weak fairness rules the self-loop out.
    assert check(LabelledGraph(edges, [reaches(1)], [weak("go")])).status("reaches") == "holds"
    # And a stutter does not count as taking its own group either.
    assert check(LabelledGraph(edges, [reaches(1)], [weak()])).status("reaches") == "holds"


def test_strong_fairness_refines_a_component_emerson_lei() -> None:
    # Component {0, 1, 2}: the strong group "s" is enabled in 1 only and leaves the
    # component. Removing state 1 leaves the loop 0 <-> 2, which never enables "s": fair.
    edges: Edges = {
        0: [("a", 1), ("c", 2)],
        1: [("b", 0), ("s", 3)],
        2: [("d", 0)],
        3: [("e", 3)],
    }
    actions, loop, _ = lasso(LabelledGraph(edges, [reaches(3)], [strong("s")]), "reaches")
    assert (actions, loop) == (["c", "d"], 0)
    # Weakly fair, the shorter loop through 1 is fine too (s is disabled in 0); BFS order
    # finds the loop through 1 first.
    actions, loop, _ = lasso(LabelledGraph(edges, [reaches(3)], [weak("s")]), "reaches")
    assert (actions, loop) == (["a", "b"], 0)
    # If "s" were also enabled in 2, no fair loop would remain.
    edges2 = {**edges, 2: [("d", 0), ("s", 3)]}
    assert check(LabelledGraph(edges2, [reaches(3)], [strong("s")])).status("reaches") == "holds"


def test_the_loop_visits_a_state_where_a_weak_group_is_disabled() -> None:
    # "w" (to the goal 9) is enabled in 0 and 1 but not in 2. The loop 0 -> 1 -> 0 would
    # keep it enabled without taking it; the fair loop must pass through 2.
    edges: Edges = {
        0: [("a", 1), ("w", 9)],
        1: [("b", 0), ("c", 2), ("w", 9)],
        2: [("d", 0)],
        9: [],
    }
    actions, loop, note = lasso(LabelledGraph(edges, [reaches(-1)], [weak("w")]), "reaches")
    assert (actions, loop) == (["a", "c", "d"], 0)
    assert note.endswith("the loop is fair: w is disabled at step 2")


def test_the_loop_takes_every_strong_group_it_enables() -> None:
    # A self-loop "t" at 0 is the shortest loop, but it enables the strong group "s" without
    # taking it: the fair loop takes s.
    edges: Edges = {0: [("t", 0), ("s", 1), ("g", 9)], 1: [("b", 0)], 9: []}
    actions, loop, note = lasso(LabelledGraph(edges, [reaches(9)], [strong("s")]), "reaches")
    assert (actions, loop) == (["s", "b"], 0)
    assert note.endswith("the loop is fair: it takes s at step 1")


def test_fairness_per_key_splits_a_group() -> None:
    # Two processes p and q. The loop 0 <-> 1 runs only p; q could reach the goal at any
    # time. One weak group "go" is met by p's steps; one group per process is not.
    edges: Edges = {
        0: [(("go", "p"), 1), (("go", "q"), 9)],
        1: [(("go", "p"), 0), (("go", "q"), 9)],
        9: [],
    }
    actions, loop, _ = lasso(LabelledGraph(edges, [reaches(9)], [weak("go")]), "reaches")
    assert (actions, loop) == (["go(p)", "go(p)"], 0)
    per = weak("go", per=lambda label: label[1])
    assert check(LabelledGraph(edges, [reaches(9)], [per])).status("reaches") == "holds"


def test_a_group_given_by_a_predicate_on_labels() -> None:
    edges: Edges = {0: [(("go", "p"), 1), (("go", "q"), 9)], 1: [(("go", "p"), 0)], 9: []}
    fair = weak(lambda label: label[1] == "q")
    assert fair.describe() == "weak(predicate)"
    actions, loop, note = lasso(LabelledGraph(edges, [reaches(9)], [fair]), "reaches")
    assert (actions, loop) == (["go(p)", "go(p)"], 0)
    assert note.endswith("go(q) is disabled at step 1")


def test_a_prefix_leads_to_the_loop() -> None:
    # 0 -> 1 -> 2 -> 3 -> 2: the prefix is 2 steps, the loop 2.
    edges: Edges = {0: [("a", 1)], 1: [("b", 2)], 2: [("c", 3)], 3: [("d", 2)]}
    actions, loop, note = lasso(LabelledGraph(edges, [reaches(9)]), "reaches")
    assert (actions, loop) == (["a", "b", "c", "d"], 2)
    assert note == "reaches is false in every state, and steps 3..4 repeat forever"


# -- where a behaviour may stop --------------------------------------------------------------

STOPS: Edges = {0: [("a", 1)], 1: []}


def test_by_default_a_behaviour_that_stops_stays_in_its_last_state() -> None:
    actions, loop, note = lasso(LabelledGraph(STOPS, [reaches(2)]), "reaches")
    assert (actions, loop) == (["a"], 1)
    assert note == (
        "reaches is false in every state, and no action is enabled at step 1, so the "
        "behaviour stays there forever"
    )


def test_stopping_is_fine_when_the_model_says_so() -> None:
    assert check(StoppingIsFine(STOPS, [reaches(2)])).status("reaches") == "holds"


def test_tla_stuttering_lets_a_behaviour_stop_anywhere_unless_fairness_forbids_it() -> None:
    actions, loop, _ = lasso(StutterEverywhere(STOPS, [reaches(1)]), "reaches")
    assert (actions, loop) == ([], 0)
    assert check(StutterEverywhere(STOPS, [reaches(1)], [weak("a")])).status("reaches") == "holds"


# -- the other kinds -------------------------------------------------------------------------

CYCLE: Edges = {0: [("a", 1)], 1: [("b", 2), ("stay", 1)], 2: [("c", 0)]}


def test_leads_to() -> None:
    prop = Property.leads_to("answers", lambda s: s == 1, lambda s: s == 2)
    actions, loop, note = lasso(LabelledGraph(CYCLE, [prop]), "answers")
    assert (actions, loop) == (["a", "stay"], 1)
    assert note == (
        "at step 1 the condition of answers holds and its goal does not; the goal is false "
        "from there on, and step 2 repeats forever"
    )
    assert check(LabelledGraph(CYCLE, [prop], [weak("b")])).status("answers") == "holds"


def test_leads_to_is_checked_after_every_trigger_not_only_the_first() -> None:
    # 0 (p) -> 1 (q) -> 2 (p) -> 3, a loop without q: the second request is never answered.
    edges: Edges = {0: [("a", 1)], 1: [("b", 2)], 2: [("c", 3)], 3: [("d", 3)]}
    prop = Property.leads_to("answers", lambda s: s in (0, 2), lambda s: s == 1)
    actions, loop, note = lasso(LabelledGraph(edges, [prop]), "answers")
    assert (actions, loop) == (["a", "b", "c", "d"], 3)
    assert note.startswith("at step 2 the condition of answers holds")


def test_infinitely_often_and_eventually_always() -> None:
    often = Property("home", INFINITELY_OFTEN, lambda s: s == 0)
    actions, loop, note = lasso(LabelledGraph(CYCLE, [often]), "home")
    assert (actions, loop) == (["a", "stay"], 1)
    assert note == "home is false in every state from step 1 on, and step 2 repeats forever"
    assert check(LabelledGraph(CYCLE, [often], [weak("b")])).status("home") == "holds"

    settles = Property("settles", EVENTUALLY_ALWAYS, lambda s: s == 1)
    actions, loop, note = lasso(LabelledGraph(CYCLE, [settles], [weak("b")]), "settles")
    assert (actions, loop) == (["a", "b", "c"], 0)
    assert note.startswith("settles is false at step 0, in the loop, and steps 1..3 repeat")
    assert check(LabelledGraph(CYCLE, [settles])).status("settles") == "violated"
    stays = {0: [("a", 1)], 1: [("stay", 1)]}
    assert check(LabelledGraph(stays, [settles])).status("settles") == "holds"


def test_decorated_liveness_methods() -> None:
    class Counter(Model[int]):
        fairness = (weak("inc"),)

        def init_states(self) -> list[int]:
            return [0]

        def actions(self, n: int) -> list[tuple[Any, int]]:
            return [("inc", n + 1)] if n < 3 else [("reset", 0), ("idle", n)]

        @eventually
        def three(self, n: int) -> bool:
            return n == 3

        @leads_to(name="reset_follows")
        def three_then_zero(self, n: int) -> tuple[bool, bool]:
            return n == 3, n == 0

    result = check(Counter())
    assert [(p.name, p.kind, p.status) for p in result.properties] == [
        ("three", "eventually", "holds"),
        ("reset_follows", "leads_to", "violated"),
    ]
    trace = result.verdict("reset_follows").trace
    assert trace is not None
    assert ([s.action for s in trace.steps[1:]], trace.loop) == (["inc", "inc", "inc", "idle"], 3)


# -- strategies, bounds, output ----------------------------------------------------------------


def test_dfs_finds_the_same_verdicts_and_a_lasso_that_replays() -> None:
    model = LabelledGraph(INTERMITTENT, [reaches(2)], [weak("g")])
    result = check(model, strategy="dfs")
    verdict = result.verdict("reaches")
    assert verdict.status == "violated" and verdict.trace is not None
    assert ([s.action for s in verdict.trace.steps[1:]], verdict.trace.loop) == (["x", "y"], 0)
    assert check(LabelledGraph(INTERMITTENT, [reaches(2)], [strong("g")]), strategy="dfs").status(
        "reaches"
    ) == ("holds")


def test_a_bounded_search_cannot_judge_liveness() -> None:
    model = LabelledGraph(CYCLE, [reaches(9)])
    result = check(model, max_states=2)
    assert result.status("reaches") == "unknown"
    assert result.exit_code == 3


def test_a_safety_violation_stops_the_search_before_liveness_is_judged() -> None:
    bad = Property("never_two", "always", lambda s: s != 2)
    result = check(LabelledGraph(CYCLE, [bad, reaches(9)]))
    assert [p.status for p in result.properties] == ["violated", "unknown"]
    result = check(LabelledGraph(CYCLE, [bad, reaches(9)]), keep_going=True)
    assert [p.status for p in result.properties] == ["violated", "violated"]


def test_only_liveness_checking_keeps_the_edges() -> None:
    safe = Search(LabelledGraph(CYCLE, []), "bfs", Limits(), False, None)
    live = Search(LabelledGraph(CYCLE, [reaches(9)]), "bfs", Limits(), False, None)
    assert safe.graph is None
    assert live.graph is not None and not live.graph.labelled
    fair = Search(LabelledGraph(CYCLE, [reaches(9)], [weak()]), "bfs", Limits(), False, None)
    assert fair.graph is not None and fair.graph.labelled


def test_text_and_json_show_the_loop() -> None:
    model = LabelledGraph(INTERMITTENT, [reaches(2)], [weak("g")])
    result = check(model)
    text = format_result(result, model, timing=False)
    assert text.splitlines() == [
        "LabelledGraph: 3 distinct states, 5 generated, depth 2, bfs, complete",
        "  violated   eventually reaches  (0 steps to a loop of 2 steps)",
        "",
        "counterexample for eventually reaches (violated): node 2 is reached",
        "  path 0.0.0",
        "  0  initial state",
        "     state = 0",
        "  -- the loop starts here: steps 1..2 repeat forever --",
        "  1  x",
        "     state: 0 -> 1",
        "  2  y",
        "     state: 1 -> 0",
        "  -- back to the state of step 0: the loop repeats --",
        "  (reaches is false in every state, and steps 1..2 repeat forever; the loop is fair: "
        "g is disabled at step 1)",
    ]
    doc = result_to_json(result, model, timing=False)
    assert doc["properties"]["reaches"]["loop"] == 0
    assert doc["properties"]["reaches"]["path"] == "0.0.0"
    stop = check(LabelledGraph(STOPS, [reaches(2)]))
    assert "  -- stays in this state forever: no further step --" in format_result(
        stop, model, timing=False
    )
    assert result_to_json(stop, model, timing=False)["properties"]["reaches"]["loop"] == 1


# -- mistakes ----------------------------------------------------------------------------------


def test_leads_to_must_return_a_pair() -> None:
    prop = Property("pair", LEADS_TO, lambda s: s == 1)
    with pytest.raises(ModelError) as err:
        check(LabelledGraph(CYCLE, [prop]))
    assert err.value.message == "leads_to property 'pair' must return a pair (p, q), not False"
    assert err.value.trace is not None and err.value.trace.path == "0"


def test_fairness_must_be_weak_or_strong() -> None:
    class Odd(LabelledGraph):
        def fairness_conditions(self) -> Sequence[Fairness]:
            return ["g"]  # type: ignore[list-item]

    with pytest.raises(ModelError, match="must be made with weak\\(\\) or strong\\(\\), not 'g'"):
        check(Odd(CYCLE, [reaches(9)]))
    with pytest.raises(TypeError, match="takes action names"):
        weak(3)  # type: ignore[arg-type]


def test_stuttering_must_be_one_of_three() -> None:
    class Odd(LabelledGraph):
        stuttering = "sometimes"  # type: ignore[assignment]

    with pytest.raises(ModelError, match="stuttering must be one of deadlock, never, always"):
        check(Odd(CYCLE, [reaches(9)]))


def test_unhashable_labels_with_fairness() -> None:
    edges: Edges = {0: [(["a"], 1)], 1: []}
    for strategy in ("bfs", "dfs"):
        for store in ("exact", "fingerprint"):  # dfs and fingerprints: edges found after
            with pytest.raises(ModelError, match="the action label \\['a'\\] is not hashable"):
                check(LabelledGraph(edges, [reaches(1)], [weak()]), strategy=strategy, store=store)


def test_unhashable_fairness_keys() -> None:
    edges: Edges = {0: [(("a", 1), 1)], 1: []}

    def unhashable(label: Any) -> Any:
        return [label[1]]

    per = weak(per=unhashable)
    with pytest.raises(ModelError, match="fairness per= gave the unhashable key \\[1\\]"):
        check(LabelledGraph(edges, [reaches(1)], [per]))


# -- a brute-force reference on random small graphs --------------------------------------------

NAMES = ("a", "b", "c")
KINDS = (EVENTUALLY, LEADS_TO, INFINITELY_OFTEN, EVENTUALLY_ALWAYS)


class Random(LabelledGraph):
    stuttering: ClassVar[Stuttering] = "deadlock"


MODES: dict[str, type[LabelledGraph]] = {
    "deadlock": Random,
    "never": type("RandomNever", (Random,), {"stuttering": "never"}),
    "always": type("RandomAlways", (Random,), {"stuttering": "always"}),
    # "c" steps are the environment's (faults): a behaviour may stop where only they are.
    "environment": type("RandomEnvironment", (Random,), {"environment": ("c",)}),
}


def brute_force(model: LabelledGraph, kind: str, p: frozenset[int], q: frozenset[int]) -> bool:
    """Whether a fair violating behaviour exists, by trying every set of states as the
    set a loop visits (a loop may as well take every edge among its states: more edges can
    only take more groups). Independent of the checker's SCC code."""
    edges = model.labelled
    conds = model.fair
    reach: set[int] = set(model.init)
    todo = list(reach)
    while todo:
        for _, w in edges.get(todo.pop(), ()):
            if w not in reach:
                reach.add(w)
                todo.append(w)

    def inst(label: Any) -> set[tuple[int, Hashable]]:
        return {
            (i, c.per(label) if c.per is not None else None)
            for i, c in enumerate(conds)
            if c.includes(label)
        }

    def enabled(v: int) -> set[tuple[int, Hashable]]:
        out: set[tuple[int, Hashable]] = set()
        for label, w in edges.get(v, ()):
            if w != v:
                out |= inst(label)
        return out

    # R: where the loop stays; where the part after the trigger starts; the loop must see B.
    if kind == EVENTUALLY:
        inside, start, accept = reach - p, set(model.init) - p, None
    elif kind == LEADS_TO:
        inside, start, accept = reach - q, (reach & p) - q, None
    elif kind == INFINITELY_OFTEN:
        inside, start, accept = reach - p, reach - p, None
    else:
        inside, start, accept = set(reach), set(reach), reach - p
    after = set(start)  # states reachable from the trigger inside R
    todo = list(after)
    while todo:
        for _, w in edges.get(todo.pop(), ()):
            if w in inside and w not in after:
                after.add(w)
                todo.append(w)
    mode = type(model).stuttering
    environment = model.environment_steps()
    for v in after:
        if accept is not None and v not in accept:
            continue
        only_environment = all(label[0] in environment for label, _ in edges.get(v, ()))
        if (mode == "deadlock" and only_environment and not enabled(v)) or (
            mode == "always" and not any(c for c in enabled(v))
        ):
            return True
    for size in range(1, len(after) + 1):
        for chosen in itertools.combinations(sorted(after), size):
            s = set(chosen)
            internal = [(v, label, w) for v in s for label, w in edges.get(v, ()) if w in s]
            if not internal or not _strongly_connected(s, internal):
                continue
            if accept is not None and not s & accept:
                continue
            taken: set[tuple[int, Hashable]] = set()
            for v, label, w in internal:
                if w != v:
                    taken |= inst(label)
            ens = [enabled(v) for v in s]
            some: set[tuple[int, Hashable]] = set().union(*ens)
            every = set.intersection(*ens)
            unfair = any(
                i not in taken and (conds[i[0]].kind == "strong" or i in every) for i in some
            )
            if not unfair:
                return True
    return False


def _strongly_connected(nodes: set[int], internal: list[tuple[int, Any, int]]) -> bool:
    first = min(nodes)
    for forward in (True, False):
        seen = {first}
        todo = [first]
        while todo:
            u = todo.pop()
            for v, _, w in internal:
                a, b = (v, w) if forward else (w, v)
                if a == u and b not in seen:
                    seen.add(b)
                    todo.append(b)
        if seen != nodes:
            return False
    return True


@st.composite
def random_problems(draw: st.DrawFn) -> tuple[LabelledGraph, str, frozenset[int], frozenset[int]]:
    n = draw(st.integers(1, 5))
    node = st.integers(0, n - 1)
    label = st.tuples(st.sampled_from(NAMES), st.integers(0, 1))
    edges = {v: draw(st.lists(st.tuples(label, node), max_size=3)) for v in range(n)}
    conds: list[Fairness] = []
    for name in NAMES:
        choice = draw(st.sampled_from(["none", "weak", "strong", "weak per", "strong per"]))
        if choice != "none":
            make = weak if choice.startswith("weak") else strong
            per = (lambda lab: lab[1]) if choice.endswith("per") else None
            conds.append(make(name, per=per))
    kind = draw(st.sampled_from(KINDS))
    p = frozenset(draw(st.sets(node)))
    q = frozenset(draw(st.sets(node)))
    if kind == LEADS_TO:
        prop = Property.leads_to("prop", lambda s: s in p, lambda s: s in q)
    else:
        prop = Property("prop", kind, lambda s: s in p)
    cls = MODES[draw(st.sampled_from(sorted(MODES)))]
    init = draw(st.lists(node, min_size=1, max_size=2))
    return cls(edges, [prop], conds, init=init), kind, p, q


@settings(max_examples=400, deadline=None)
@given(random_problems())
def test_verdicts_match_a_brute_force_reference(
    problem: tuple[LabelledGraph, str, frozenset[int], frozenset[int]],
) -> None:
    agrees_with_brute_force(*problem)


def agrees_with_brute_force(
    model: LabelledGraph, kind: str, p: frozenset[int], q: frozenset[int]
) -> None:
    """Both strategies give the reference verdict, and every lasso loops, replays and is a
    fair violation when judged again without the graph."""
    want = brute_force(model, kind, p, q)
    for strategy in ("bfs", "dfs"):
        result = check(model, strategy=strategy)
        verdict = result.verdict("prop")
        assert verdict.status == ("violated" if want else "holds"), strategy
        if verdict.trace is not None:
            trace = verdict.trace
            # Every lasso replays (check() replayed it) and really loops back.
            assert trace.loop is not None and 0 <= trace.loop <= len(trace)
            if trace.loop < len(trace):
                assert trace.final == trace.steps[trace.loop].state
            else:
                assert type(model).stuttering != "never"
            assert lasso_problem(model, model.props[0], trace, model.fair) is None


@st.composite
def escape_problems(
    draw: st.DrawFn,
) -> tuple[LabelledGraph, str, frozenset[int], frozenset[int]]:
    """Loops among nodes 0..n-1 with a few ways out ("s" steps) to a sink n, under strong
    fairness of the ways out: the case where Emerson-Lei refinement removes some states of a
    component and looks for loops among the rest."""
    n = draw(st.integers(2, 6))
    node = st.integers(0, n - 1)
    label = st.tuples(st.sampled_from(("a", "b")), st.integers(0, 1))
    edges: dict[int, list[tuple[Any, int]]] = {
        v: draw(st.lists(st.tuples(label, node), min_size=1, max_size=3)) for v in range(n)
    }
    for v in range(n):
        if draw(st.booleans()) and draw(st.booleans()):
            edges[v].append((("s", draw(st.integers(0, 1))), n))
    edges[n] = []
    per = draw(st.booleans())
    conds = [strong("s", per=(lambda lab: lab[1]) if per else None)]
    if draw(st.booleans()):
        conds.append(weak("a"))
    kind = draw(st.sampled_from((EVENTUALLY, INFINITELY_OFTEN)))
    goal = frozenset({n})
    prop = Property("prop", kind, lambda s: s in goal)
    cls = MODES[draw(st.sampled_from(sorted(MODES)))]
    return cls(edges, [prop], conds), kind, goal, frozenset()


@settings(max_examples=300, deadline=None)
@given(escape_problems())
def test_strong_fairness_refinement_matches_a_brute_force_reference(
    problem: tuple[LabelledGraph, str, frozenset[int], frozenset[int]],
) -> None:
    agrees_with_brute_force(*problem)


def test_a_long_loop_needs_no_recursion() -> None:
    # One strongly connected component of 50,000 states, far beyond the recursion limit.
    class Ring(Model[int]):
        fairness = (weak("step"),)
        size = 50_000

        def init_states(self) -> list[int]:
            return [0]

        def actions(self, n: int) -> list[tuple[Any, int]]:
            return [("step", (n + 1) % self.size), ("idle", n)]

        @always
        def fine(self, n: int) -> bool:
            return n >= 0

        @eventually
        def never(self, n: int) -> bool:
            return n < 0

    result = check(Ring())
    trace = result.verdict("never").trace
    assert trace is not None
    assert (len(trace), trace.loop) == (50_000, 0)
    assert {s.action for s in trace.steps[1:]} == {"step"}


def test_the_docs_show_the_lossy_ping_model_and_its_real_output() -> None:
    root = Path(__file__).parent.parent
    readme = (root / "docs/liveness.md").read_text()
    source = (root / "models/intro/lossy_ping.py").read_text()
    assert source[source.index("class LossyPing") :] in readme
    golden = (root / "tests/golden/lossy_ping_text.txt").read_text().splitlines()
    assert "\n".join(["$ " + golden[0][2:], *golden[1:-1]]) in readme


def test_a_liveness_predicate_that_raises_is_reported_with_the_trace_to_its_state() -> None:
    def odd(s: int) -> bool:
        if s == 2:
            raise ValueError("no two")
        return False

    with pytest.raises(ModelError) as err:
        check(LabelledGraph(CYCLE, [Property("odd", EVENTUALLY, odd)]))
    assert err.value.message == "property 'odd' raised ValueError: no two"
    assert err.value.trace is not None and err.value.trace.path == "0.0.0"


def test_lassos_do_not_depend_on_the_hash_seed() -> None:
    root = Path(__file__).parent.parent
    outputs = set()
    for seed in ("0", "1", "12345"):
        done = subprocess.run(
            [sys.executable, "-m", "modelcheck", "check", "tests/models/rumour.py:Rumour"]
            + ["--no-timing", "--format", "json"],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    doc = json.loads(outputs.pop())
    verdict = doc["properties"]["everyone_heard"]
    assert (verdict["path"], verdict["loop"]) == ("0.0.0.0", 1)
    assert [s["action"] for s in verdict["trace"]] == [
        None,
        "pass(ann, bob)",
        "pass(bob, ann)",
        "pass(ann, bob)",
    ]
    assert check(FairRumour()).status("everyone_heard") == "holds"


def test_a_loop_of_one_step_is_said_as_one() -> None:
    # The header once read "steps 2..2 repeat forever".
    model = LabelledGraph({0: [("x", 1)], 1: [("y", 1)]}, [reaches(2)])
    assert format_result(check(model), model, timing=False).splitlines()[5:] == [
        "  0  initial state",
        "     state = 0",
        "  1  x",
        "     state: 0 -> 1",
        "  -- the loop starts here: step 2 repeats forever --",
        "  2  y",
        "     (no change)",
        "  -- back to the state of step 1: the loop repeats --",
        "  (reaches is false in every state, and step 2 repeats forever)",
    ]
