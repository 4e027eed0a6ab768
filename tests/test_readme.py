"""The README's examples, and the docs pages' that came from it, are the real thing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from modelcheck import check
from models.intro.lost_update import LostUpdate
from tests.golden_runner import GOLDEN, expected

ROOT = Path(__file__).parent.parent


def test_the_docs_show_the_intro_model_verbatim() -> None:
    source = (ROOT / "models/intro/lost_update.py").read_text()
    body = source[source.index("class State") :]
    assert body in (ROOT / "docs/writing-models.md").read_text()


def test_the_intro_model_finds_the_lost_update() -> None:
    result = check(LostUpdate(), keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (13, 15, 5)
    lost = result.verdict("no_lost_update")
    assert lost.status == "violated" and lost.trace is not None
    steps = [s.action for s in lost.trace.steps[1:]]
    assert steps == ["read(0)", "read(1)", "write(0)", "write(1)"]
    assert result.status("all_done") == "reached"


def test_readme_demo_output_is_what_the_demo_prints() -> None:
    command, output = expected(GOLDEN / "demo_no_quorum_election.txt")
    readme = (ROOT / "README.md").read_text()
    printed, _, exit_line = output.rpartition("# exit ")
    assert exit_line == "1\n"  # make demo checks that exit code
    assert f"```\n{printed}```\n" in readme
    assert f"{command} --out demo-out\n" in readme
    demo = re.search(r"^demo: .*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S)
    assert demo is not None
    recipe = demo.group().replace("\\\n", " ")
    assert re.search(rf"\$\(BIN\)/{re.escape(command)}\s+--out demo-out --force;", recipe)
    assert "test $$status -eq 1" in recipe


def _readme_gen_server_model(page: str = "README.md") -> str:
    readme = (ROOT / page).read_text()
    start = readme.index("```python\n", readme.index("A GenServer protocol on two nodes"))
    return readme[start + len("```python\n") : readme.index("```\n", start + 10)]


@pytest.mark.parametrize("page", ["README.md", "docs/otp.md"])
def test_readme_shows_the_gen_server_model_verbatim(page: str) -> None:
    source = (ROOT / "models/messaging/kv_call.py").read_text()
    assert _readme_gen_server_model(page) == source[source.index("from typing import") :]


def test_the_readme_gen_server_model_runs_as_printed() -> None:
    namespace: dict[str, Any] = {"__name__": "readme_kv_call"}
    exec(compile(_readme_gen_server_model(), "README.md", "exec"), namespace)
    # S0: put #1 in flight, its timer set. Put served (S1) or timeout first (S2, the get
    # sent too). S1: reply in time (S3, get sent) or timeout (S4: get in flight, reply #1
    # coming); S2 + put served = S4. S3: get served (S5), its reply (S8, done). S4: get
    # served (S6) or the late reply #1 first (S7); S6 and S7 both reach S9 (reply #2 in
    # flight), whose delivery makes S10: got 1 after a timed-out put. 11 states, 13
    # generated (1 + 2 + 2 + 1 + 1 + 2 + 1 + 1 + 1 + 1), depth 6.
    result = check(namespace["KvCall"](), keep_going=True)
    assert (result.distinct, result.generated, result.depth) == (11, 13, 6)
    trace = result.verdict("timed_out_put_not_written").trace
    assert trace is not None
    assert [str(s.action) for s in trace.steps[1:]] == [
        "deliver(<client.0>, [store, server], [call, <client.0>#1, [put, x, 1]])",  # by name
        "timeout(<client.0>, call_timeout(#1))",
        "deliver(<server.0>, <client.0>, [reply, #1, ok])",  # (pid channels come first)
        "deliver(<client.0>, [store, server], [call, <client.0>#2, [get, x]])",
        "deliver(<server.0>, <client.0>, [reply, #2, 1])",
    ]
