"""The explorer's HTTP API without a browser: each endpoint, the token, the 4xx answers, and
the ``explore`` command that starts it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from modelcheck import check
from modelcheck.explorer import page_url
from modelcheck.loader import instantiate, resolve
from modelcheck.render.bundle import trace_document
from tests.cli_helpers import run_cli
from tests.explorer_helpers import HORDE, HORDE_PATH, request, serving

FAULTS = {"partitions": "1", "heals": "1"}
RAISES = "tests/explorer_models.py:Raises"


def _query(path: str | None = None, at: int | None = None, model: str = HORDE) -> str:
    words = [("model", model), ("p", "partitions=1"), ("p", "heals=1")]
    if model != HORDE:
        words = [("model", model)]
    if path is not None:
        words.append(("path", path))
    if at is not None:
        words.append(("at", str(at)))
    return urlencode(words)


def test_the_view_of_the_initial_state() -> None:
    with serving(HORDE, FAULTS) as server:
        status, view = request(server, "/api/view?" + _query())
    assert status == 200
    assert view["model"] == {
        "spec": HORDE,
        "name": "HordeRegistry",
        "params": ["partitions=1", "heals=1"],
        "title": "HordeRegistry (partitions=1, heals=1, nodes=2)",
        "summary": "Every node's process registers the same key in Horde.Registry, "
        "at a time of its own.",
    }
    assert (view["path"], view["at"], view["changes"]) == ("0", 0, [])
    assert view["steps"] == [{"action": "initial state", "changes": []}]
    assert [(s["choice"], s["action"], s["taken"]) for s in view["successors"]] == [
        (0, "timeout(a, register)", False),
        (1, "timeout(b, register)", False),
        (2, "partition([a], [b])", False),
    ]
    assert view["successors"][2]["changes"] == [
        "signals: none -> {a: [nodedown(b)], b: [nodedown(a)]}",
        'cut: none -> ["a -/- b"]',
        "faults: none -> {partitions: 1}",
    ]
    assert [(p["name"], p["kind"], p["now"], p["bad"]) for p in view["properties"]] == [
        ("one_holder", "always", "holds", False),
        ("converged_when_quiescent", "always", "holds", False),
        ("settles", "eventually_always", "true here", False),
        ("loser_exits", "sometimes", "false", False),
    ]
    assert view["replay"] == (
        "modelcheck replay models/registry/horde_registry.py --partitions 1 --heals 1 --path 0"
    )
    a = view["state"]["children"][0]
    assert a["key"] == "a" and "changed" not in a
    assert a["children"][1] == {"key": "proc", "text": "idle"}


def test_a_step_of_a_path_with_a_partition() -> None:
    with serving(HORDE, FAULTS) as server:
        status, view = request(server, "/api/view?" + _query(HORDE_PATH, 3))
    assert status == 200
    assert (view["path"], view["at"]) == (HORDE_PATH, 3)
    assert [s["action"] for s in view["steps"]] == [
        "initial state",
        "timeout(a, register)",
        "timeout(b, register)",
        "partition([a], [b])",
        "signal(a, nodedown(b))",
        "signal(b, nodedown(a))",
        "heal()",
    ]
    assert (
        view["changes"]
        == view["steps"][3]["changes"]
        == [
            'in flight: ["a -> b: [add, k, a.1, 1]", "b -> a: [add, k, b.1, 1]"] -> none',
            "signals: none -> {a: [nodedown(b)], b: [nodedown(a)]}",
            'cut: none -> ["a -/- b"]',
            "faults: none -> {partitions: 1}",
        ]
    )
    # the path goes on with the first of the enabled steps
    assert [(s["action"], s["taken"]) for s in view["successors"]] == [
        ("signal(a, nodedown(b))", True),
        ("signal(b, nodedown(a))", False),
        ("heal()", False),
    ]
    changed = [c["key"] for c in view["state"]["children"] if c.get("changed")]
    assert changed == ["signals", "cut", "faults"]
    assert view["properties"][0] == {
        "name": "one_holder",
        "kind": "always",
        "description": "At most one running process holds the key in any running node's replica.",
        "now": "violated",
        "bad": True,
        "note": "first violated at step 2",
    }
    assert view["replay"].endswith(" --path 0.0.1.2")


def test_the_chart_of_the_path() -> None:
    with serving(HORDE, FAULTS) as server:
        status, chart = request(server, "/api/chart?" + _query(HORDE_PATH, 1))
        again = request(server, "/api/chart?" + _query(HORDE_PATH, 5))
    assert status == 200 and again == (200, chart)  # one chart per path, whatever the step
    svg = chart["svg"]
    assert svg.startswith("<svg") and "<!--" not in svg
    assert "partition: [a] | [b]" in svg and "heal: every link up" in svg
    assert 'id="step&#45;6"' in svg and 'id="step&#45;7"' not in svg  # Graphviz's escape


def test_find_a_path_from_here() -> None:
    with serving(HORDE, FAULTS) as server:
        found = request(server, "/api/find?" + _query("0"), {"property": "one_holder"})
        # from the partitioned state, one_holder is already violated: zero steps
        here = request(
            server, "/api/find?" + _query("0.2"), {"property": "converged_when_quiescent"}
        )
        reached = request(server, "/api/find?" + _query("0.2"), {"property": "loser_exits"})
    assert found == (
        200,
        {
            "status": "violated",
            "property": "one_holder",
            "path": "0.0.1",
            "at": 2,
            "message": "counterexample for one_holder: 2 steps from here",
        },
    )
    assert here == (
        200,
        {
            "status": "holds",
            "property": "converged_when_quiescent",
            # 248 with the old heal; now states with a reconnect poll pending, or a healed
            # connection still down, are more
            "message": "converged_when_quiescent holds on all 260 states reachable from here",
        },
    )
    assert reached[0] == 200 and reached[1]["status"] == "reached"
    assert reached[1]["path"].startswith("0.2.")


def test_find_a_lasso_or_nothing_from_here() -> None:
    with serving(HORDE, {"partitions": "1"}) as server:
        words = urlencode([("model", HORDE), ("p", "partitions=1"), ("path", "0.2")])
        lasso = request(server, "/api/find?" + words, {"property": "settles"})
        never = request(server, "/api/find?" + words, {"property": "loser_exits"})
    assert lasso == (  # a's reconnect poll fails forever: a loop of one step
        200,
        {
            "status": "violated",
            "property": "settles",
            "path": "0.2.0.0.1.2.0",
            "at": 6,
            "message": "counterexample for settles: 5 steps from here; steps 6 to 6 repeat forever",
        },
    )
    assert never == (
        200,
        {
            "status": "unreached",
            "property": "loser_exits",
            "message": "loser_exits is true on none of the 16 states reachable from here",
        },
    )


def test_find_a_lasso_that_stays_in_its_last_state() -> None:
    bully = "models/election/bully.py:BullyElection"
    with serving(bully, {"crashes": "1", "restarts": "1"}) as server:
        words = urlencode([("model", bully), ("p", "crashes=1"), ("p", "restarts=1")])
        lasso = request(server, f"/api/find?{words}&path=0", {"property": "elects_a_leader"})
    assert lasso == (  # n1 follows the ex-leader n2 and nothing more happens (the docstring's)
        200,
        {
            "status": "violated",
            "property": "elects_a_leader",
            "path": "0.0.1.6.1.1.1.0.0",
            "at": 8,
            "message": "counterexample for elects_a_leader: 8 steps from here; the state stays "
            "forever (from step 8)",
        },
    )


def test_find_stops_at_its_bound(tmp_path: Path) -> None:
    with serving(HORDE, FAULTS) as server:
        server.explorer.find_states = 10
        found = request(
            server, "/api/find?" + _query("0.2"), {"property": "converged_when_quiescent"}
        )
    assert found == (
        200,
        {
            "status": "unknown",
            "property": "converged_when_quiescent",
            "message": "nothing found within 10 states from here (stopped at the bound of "
            "10 states): converged_when_quiescent is unknown",
        },
    )


def _saved_counterexample(tmp_path: Path) -> tuple[Path, str]:
    model = instantiate(resolve(HORDE), {"partitions": 1})
    prop = check(model).verdict("one_holder")
    assert prop.trace is not None
    doc = trace_document(model, prop, HORDE, {})
    file = tmp_path / "one_holder.json"
    file.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return file, prop.trace.path


def test_open_a_saved_counterexample(tmp_path: Path) -> None:
    file, path = _saved_counterexample(tmp_path)
    with serving(HORDE, FAULTS) as server:
        status, opened = request(
            server, "/api/open", {"name": file.name, "text": file.read_text(encoding="utf-8")}
        )
        assert status == 200
        assert opened == {
            "spec": HORDE,
            "params": ["partitions=1"],
            "path": path,
            "at": len(path.split(".")) - 1,
            "message": f"opened one_holder.json: always one_holder violated, "
            f"{len(path.split('.')) - 1} steps",
        }
        words = urlencode([("model", HORDE), ("p", "partitions=1"), ("path", path)])
        status, view = request(server, "/api/view?" + words)
    assert status == 200
    assert view["model"]["params"] == ["partitions=1"] and view["properties"][0]["bad"]


def test_open_a_lasso_of_another_model(tmp_path: Path) -> None:
    ping = "models/intro/lossy_ping.py:LossyPing"
    model = instantiate(resolve(ping), {})
    prop = check(model).verdict("answered")
    text = json.dumps(trace_document(model, prop, ping, {}))
    with serving(HORDE, FAULTS) as server:
        before = request(server, "/api/view?" + _query("0", model=ping))
        opened = request(server, "/api/open", {"name": "answered.json", "text": text})
        after = request(server, "/api/view?" + _query("0.0.1", model=ping))
    assert before[0] == 400 and before[1]["error"].startswith("this explorer serves ")
    assert opened == (
        200,
        {
            "spec": ping,
            "params": [],
            "path": "0.0.1",
            "at": 2,
            "message": "opened answered.json: eventually answered violated, 2 steps; "
            "steps 1 to 2 repeat forever",
        },
    )
    assert after[0] == 200 and after[1]["model"]["title"] == "LossyPing"


def test_a_file_that_is_not_a_trace_is_named_as_the_user_named_it(tmp_path: Path) -> None:
    with serving(HORDE, FAULTS) as server:
        not_json = request(server, "/api/open", {"name": "../notes.json", "text": "{"})
        other = request(server, "/api/open", {"name": "x.json", "text": "{}"})
        no_name = request(server, "/api/open", {"text": "{}"})
    assert not_json == (
        400,
        {
            "error": "../notes.json: not JSON (Expecting property name enclosed in double quotes "
            "at line 1)"
        },
    )
    assert other == (
        400,
        {
            "error": "x.json: not a trace file: expected the PROPERTY.json or PROPERTY.itf.json "
            "that 'modelcheck check --out' writes"
        },
    )
    assert no_name == (400, {"error": 'expected {"name": file name, "text": content}'})


def test_the_bare_address_leads_to_the_start() -> None:
    with serving(HORDE, FAULTS, path="0.2") as server:
        status, page = request(server, f"/?token={server.token}", token=None)
        start = page_url(server)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", f"/?token={server.token}")
        answer = connection.getresponse()
        connection.close()
    assert answer.status == 303
    assert f"http://127.0.0.1:{server.port}{answer.headers['Location']}" == start
    assert start == (
        f"http://127.0.0.1:{server.port}/?token={server.token}&model=models%2Fregistry"
        "%2Fhorde_registry.py%3AHordeRegistry&p=partitions%3D1&p=heals%3D1&path=0.2&at=1"
    )
    assert status == 200 and "static/explorer.js" in page  # urllib followed the redirect


def test_the_page_and_its_assets_are_served_with_the_token() -> None:
    with serving(HORDE, FAULTS) as server:
        status, page = request(server, f"/?token={server.token}&model=x", token=None)
        script = request(server, f"/static/explorer.js?token={server.token}", token=None)
        style = request(server, "/static/explorer.css")
        missing = request(server, "/static/../session.py")
    assert status == 200
    assert f'src="static/explorer.js?token={server.token}"' in page
    assert "__TOKEN__" not in page
    assert script[0] == 200 and "textContent" in script[1] and ".innerHTML" not in script[1]
    assert style[0] == 200 and "#state" in style[1]
    assert missing == (404, {"error": "no such file: /static/../session.py"})


@pytest.mark.parametrize(
    "where",
    ["/", "/static/explorer.js", "/api/view?" + _query(), "/api/chart?" + _query(), "/nope"],
)
def test_without_the_token_every_request_gets_403(where: str) -> None:
    refused = (
        403,
        {"error": "this explorer answers only with the token of the address it printed"},
    )
    with serving(HORDE, FAULTS) as server:
        assert request(server, where, token=None) == refused
        wrong = server.token[:-1] + ("y" if server.token.endswith("x") else "x")
        assert request(server, where, token=wrong) == refused
        assert request(server, where + ("&" if "?" in where else "?") + "token=x", token=None) == (
            refused
        )


@pytest.mark.parametrize(
    ("where", "body", "answer"),
    [
        (
            "/api/view?" + _query("0.x"),
            None,
            (400, "path '0.x' must be dot-separated action numbers, like 0.2.1"),
        ),
        (
            "/api/view?" + _query("0.9"),
            None,
            (400, "path step 1 takes action 9, but the state there has 3 actions"),
        ),
        (
            "/api/view?" + _query("1"),
            None,
            (400, "path starts with initial state 1, but the model has 1"),
        ),
        (
            "/api/view?" + _query("0.0", 5),
            None,
            (400, "step '5' is not a step of the path (0 to 1)"),
        ),
        ("/api/view?path=0", None, (400, "name one model: ?model=PATH:NAME")),
        (
            "/api/view?" + _query(model="models/intro/lost_update.py"),
            None,
            (
                400,
                "this explorer serves models/registry/horde_registry.py:HordeRegistry (and the "
                "models of trace files opened in it), not 'models/intro/lost_update.py': start "
                "'modelcheck explore' on that model",
            ),
        ),
        (
            "/api/view?" + urlencode([("model", HORDE), ("p", "nodes=9")]),
            None,
            (400, "parameter 'nodes' of HordeRegistry must be at most 3, not 9"),
        ),
        (
            "/api/view?" + urlencode([("model", HORDE), ("p", "nodes")]),
            None,
            (400, "parameter 'nodes' must be written name=value, e.g. -p rms=5"),
        ),
        ("/nope", None, (404, "no such page: /nope")),
        ("/api/view", {"a": 1}, (405, "POST is not for /api/view")),
        ("/api/find?" + _query(), {"prop": 1}, (400, 'expected {"property": name}')),
        ("/api/find?" + _query(), [1], (400, "the request body must be a JSON object")),
        (
            "/api/find?" + _query(),
            {"property": "nope"},
            (
                400,
                "models/registry/horde_registry.py:HordeRegistry has no property 'nope' (it has: "
                "one_holder, converged_when_quiescent, settles, loser_exits)",
            ),
        ),
    ],
)
def test_mistakes_get_a_4xx_with_a_one_line_message(
    where: str, body: object, answer: tuple[int, str]
) -> None:
    with serving(HORDE, FAULTS) as server:
        assert request(server, where, body) == (answer[0], {"error": answer[1]})


def test_a_body_that_is_not_json() -> None:
    with serving(HORDE, FAULTS) as server:
        answer = request(server, "/api/find?" + _query(), raw=b"{not json")
    assert answer == (400, {"error": "the request body is not JSON"})


def test_an_exception_in_model_code_is_a_422_saying_where() -> None:
    with serving(RAISES) as server:
        fine = request(server, "/api/view?" + _query("0.0", model=RAISES))
        raised = request(server, "/api/view?" + _query("0.0.0", model=RAISES))
    assert fine[0] == 200 and fine[1]["properties"][0]["now"] == "holds"
    assert raised[0] == 422
    assert raised[1]["error"].startswith(
        "actions() raised ValueError: no step from 2 (at tests/explorer_models.py:"
    )
    assert raised[1]["error"].endswith(" in actions)")


# -- the command ---------------------------------------------------------------------------


def test_explore_prints_the_address_and_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modelcheck",
            "explore",
            HORDE,
            "--partitions",
            "1",
            "--path",
            "0.2",
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        prefix = f"exploring {HORDE} at http://127.0.0.1:"
        assert line.startswith(prefix), line
        url = line.removeprefix(f"exploring {HORDE} at ").strip()
        assert url.endswith(
            "&model=models%2Fregistry%2Fhorde_registry.py%3AHordeRegistry"
            "&p=partitions%3D1&path=0.2&at=1"
        )
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200
            assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert err == "(Ctrl-C stops the explorer)\nstopped\n"


def test_explore_on_a_port_that_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_cli(capsys, "explore", HORDE, "--port", str(port), "--no-browser")
    assert (run.code, run.out) == (2, "")
    assert run.err == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_explore_refuses_mistakes_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "explore", HORDE, "--path", "0.7", "--no-browser")
    assert (run.code, run.out) == (2, "")
    assert run.err == "error: path step 1 takes action 7, but the state there has 2 actions\n"
    run = run_cli(capsys, "explore", "models/intro/lost_update.py", "--crashes", "1")
    assert run.code == 2
    assert run.err.startswith("error: --crashes applies to actor systems")
    run = run_cli(capsys, "explore", "nowhere.py", "--no-browser")
    assert (run.code, run.err) == (2, "error: nowhere.py: no such file or folder\n")
