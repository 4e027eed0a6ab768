"""Property tests on random transition systems: strategies agree, BFS traces are shortest,
every reported trace replays."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck import check, replay
from tests.graph_model import GraphModel


@st.composite
def systems(draw: st.DrawFn) -> GraphModel:
    n = draw(st.integers(min_value=1, max_value=14))
    nodes = st.integers(min_value=0, max_value=n - 1)
    edges = {v: draw(st.lists(nodes, max_size=4)) for v in range(n)}
    init = draw(st.lists(nodes, min_size=1, max_size=3))
    bad = draw(st.sets(nodes, max_size=3))
    goal = draw(st.sets(nodes, max_size=2))
    return GraphModel(edges, init=init, bad=bad, goal=goal, deadlock=False)


def _graph(model: GraphModel) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(model.edges)
    for v, succs in model.edges.items():
        graph.add_edges_from((v, w) for w in succs)
    return graph


def _shortest(model: GraphModel, targets: frozenset[int]) -> int | None:
    lengths = nx.multi_source_dijkstra_path_length(_graph(model), set(model.init))
    found = [d for v, d in lengths.items() if v in targets]
    return int(min(found)) if found else None


@settings(max_examples=300, deadline=None)
@given(systems())
def test_bfs_and_dfs_agree_on_everything_but_traces(model: GraphModel) -> None:
    bfs = check(model, keep_going=True)
    dfs = check(model, strategy="dfs", keep_going=True)
    assert bfs.complete and dfs.complete
    assert (bfs.distinct, bfs.generated) == (dfs.distinct, dfs.generated)
    assert [p.status for p in bfs.properties] == [p.status for p in dfs.properties]
    graph = _graph(model)
    reachable = set(model.init).union(*(nx.descendants(graph, i) for i in model.init))
    assert bfs.distinct == len(reachable)
    assert bfs.generated == len(model.init) + sum(len(model.edges[v]) for v in reachable)


@settings(max_examples=300, deadline=None)
@given(systems())
def test_stopping_at_the_first_violation_keeps_the_verdict(model: GraphModel) -> None:
    full = check(model, keep_going=True).status("safe")
    assert check(model).status("safe") == full
    assert check(model, strategy="dfs").status("safe") == full


@settings(max_examples=300, deadline=None)
@given(systems())
def test_bfs_traces_are_shortest(model: GraphModel) -> None:
    result = check(model, keep_going=True)
    for name, targets in (("safe", model.bad), ("goal", model.goal or frozenset())):
        trace = result.verdict(name).trace
        shortest = _shortest(model, targets)
        assert (trace is None) == (shortest is None)
        if trace is not None:
            assert len(trace) == shortest


@settings(max_examples=300, deadline=None)
@given(systems(), st.sampled_from(["bfs", "dfs"]))
def test_every_trace_replays(model: GraphModel, strategy: str) -> None:
    result = check(model, strategy=strategy, keep_going=True)
    for prop in result.properties:
        if prop.trace is not None:
            again = replay(model, prop.trace.path)
            assert [s.state for s in again.steps] == [s.state for s in prop.trace.steps]
            assert [s.label for s in again.steps] == [s.label for s in prop.trace.steps]
