"""Bad actor code gets a clear error with the trace that reached it, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

BASE = """from typing import Any
from modelcheck.actors import Actor, ActorSystem, Out


class Pinger(Actor[Any]):
    def init(self, me: str, out: Out) -> Any:
        if me == "a":
            out.send("b", "ping")
        return 0

    def on_message(self, me: str, state: Any, sender: str, msg: Any, out: Out) -> Any:
        BODY


class Pair(ActorSystem):
    def actors(self) -> dict[str, Actor[Any]]:
        return {"a": Pinger(), "b": Pinger()}
"""

START = [
    "the trace that reached it (path 0):",
    "  0  initial state",
    "     a = 0",
    "     b = 0",
    '     in flight = ["a -> b: ping"]',
]


def _errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "pair.py").write_text(BASE.replace("BODY", body))
    run = run_cli(capsys, "check", str(tmp_path / "pair.py"))
    assert run.code == 2 and run.out == "" and "Traceback" not in run.err
    return [line.replace(str(tmp_path) + "/", "") for line in run.err.splitlines()]


def test_handler_returning_a_mutable_state(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _errors(capsys, tmp_path, "return [state]") == [
        "error: state.states[1] is a list, which is mutable: use a tuple",
        "the trace that reached it (path 0.0):",
        *START[1:],
        "  1  deliver(a, b, ping)",
        "     b: 0 -> [0]",
        '     in flight: ["a -> b: ping"] -> none',
    ]


def test_sending_to_an_unknown_node(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _errors(capsys, tmp_path, 'out.send("c", msg)\n        return state') == [
        "error: b tried to send to unknown node 'c' (nodes: a, b)",
        *START,
    ]


def test_handler_that_raises(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _errors(capsys, tmp_path, "return state // 0") == [
        "error: actions() raised ZeroDivisionError: integer division or modulo by zero",
        "  at pair.py:12 in on_message",
        *START,
    ]


def test_handler_returning_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _errors(capsys, tmp_path, "pass") == [
        "error: b's handler returned None: a handler must return the process's new state "
        "(use out.stop() to exit)",
        *START,
    ]


STATE_OF_A_PID = """from typing import Any
from modelcheck import always
from modelcheck.actors import Actor, ActorSystem, Out, Pid, World


class Idle(Actor[int]):
    def init(self, me: Pid, out: Out) -> int:
        return 0


class Two(ActorSystem):
    def cluster(self) -> dict[str, Any]:
        return {"a": (Idle(), Idle())}

    @always
    def second(self, w: World) -> bool:
        return self.state_of(w, Pid("a", 1, 0)) == 0
"""


def test_state_of_a_pid_says_how_to_read_a_process(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # state_of takes a node name; a pid once ended in "property 'second' raised KeyError".
    (tmp_path / "two.py").write_text(STATE_OF_A_PID)
    run = run_cli(capsys, "check", str(tmp_path / "two.py"))
    assert run.code == 2 and run.out == ""
    assert run.err.splitlines() == [
        "error: state_of takes a node name (a), not <a.1>; a process by pid: processes(w).get(pid)",
        "the trace that reached it (path 0):",
        "  0  initial state",
        "     <a.0> = 0",
        "     <a.1> = 0",
    ]


CLUSTER = """from typing import Any
from modelcheck.actors import Actor, ActorSystem, Boot, Out, Pid


class W(Actor[int]):
    def init(self, me: Pid, out: Out) -> int:
        return 0


class T(ActorSystem):
    def cluster(self) -> Any:
        return NODES
"""


@pytest.mark.parametrize(
    ("nodes", "said"),
    [
        ('{"a": (W,)}', "the class W (an instance is wanted: W())"),
        ('{"a": (Boot(W, name="w"),)}', "the class W (an instance is wanted: W())"),
        ('{"a": W()}', "one W (a node's processes are a tuple: (W(),))"),
        ('{"a": (object(),)}', "an instance of object"),
    ],
)
def test_a_wrong_cluster_entry_is_said_without_an_address(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, nodes: str, said: str
) -> None:
    # These were shown by repr: a private module name, and an address that changed per run.
    (tmp_path / "t.py").write_text(CLUSTER.replace("NODES", nodes))
    run = run_cli(capsys, "check", str(tmp_path / "t.py"))
    assert (run.code, run.out) == (2, "")
    assert run.err.splitlines() == [
        f"error: T.cluster() must map node names (str) to sequences of Actor or Boot, "
        f"not 'a': {said}"
    ]


def test_a_mutable_message_is_named_where_it_waits(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A list sent as a message is named in the channel that holds it, not blamed on the
    states (hash() alone says only "a state is not hashable")."""
    errors = _errors(capsys, tmp_path, 'out.send("a", [msg])\n        return state')
    assert errors[:2] == [
        "error: state.chans[0][1][0] is a list, which is mutable: use a tuple",
        "the trace that reached it (path 0.0):",
    ]


def test_a_dataclass_state_that_is_not_frozen_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = "import dataclasses\n        return dataclasses.make_dataclass('Box', ['n'])(state)"
    assert _errors(capsys, tmp_path, body)[0] == (
        "error: state.states[1] is a Box, a dataclass that is not frozen: declare it with "
        "@dataclass(frozen=True)"
    )


def test_reads_naming_no_node_is_a_mistake_without_por_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``reads=`` is checked whatever the options: it was held to the nodes only by --por,
    so a misspelt node passed silently in every other run."""
    source = "from modelcheck import always\n" + BASE.replace("BODY", "return state")
    source += "\n    @always(reads=('c',))\n    def p(self, w: Any) -> bool:\n        return True\n"
    (tmp_path / "pair.py").write_text(source)
    run = run_cli(capsys, "check", str(tmp_path / "pair.py"))
    assert (run.code, run.out, run.err) == (
        2,
        "",
        "error: property 'p' reads unknown node 'c' (nodes: a, b)\n",
    )
