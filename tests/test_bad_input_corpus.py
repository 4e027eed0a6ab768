"""The bad-input corpus: inputs a user could really give, each answered through the CLI with
exit code 2 and its exact message on stderr, never a traceback, and nothing written.

Every case runs in a fresh copy of ``tests/bad_inputs/`` (small models, one per way to go
wrong) plus the files :func:`_extra_files` writes (trace files, specs, checkpoints); after
the run, every file there must be as it was, none added (``--out`` and ``--save-test``
targets that exist already included). The message is one line, except where a model's own
code raised: then the design asks for the location and the trace that reached it.
"""

from __future__ import annotations

import json
import pickle
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.explore.checkpoint_format import MAGIC
from modelcheck.loader import instantiate, resolve
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
FILES = Path(__file__).parent / "bad_inputs"
ACTORS = str(ROOT / "models/messaging/fifo_order.py")
BIG = "1" + "0" * 5000


@dataclass(frozen=True)
class Case:
    """``modelcheck ARGS`` and the whole of what it must print on stderr."""

    id: str
    args: tuple[str, ...]
    err: str


def _c(id: str, err: str, *args: str) -> Case:
    return Case(id, args, err)


def _trace(**changes: object) -> str:
    """The JSON trace ``check good.py --out out`` writes for ``small``, with changes."""
    doc: dict[str, object] = {
        "model": "Good",
        "spec": "good.py:Good",
        "params": {"size": 3},
        "property": "small",
        "kind": "always",
        "status": "violated",
        "path": "0.0.0",
        "loop": None,
        "search": {"strategy": "bfs", "distinct": 3, "generated": 3, "depth": 3},
        "trace": [
            {"step": n, "action": "inc" if n else None, "choice": 0, "state": {"state": n}}
            for n in range(3)
        ],
    }
    doc.update(changes)
    return json.dumps(doc)


def _itf(**changes: object) -> str:
    meta = {"spec": "good.py:Good", "params": {}, "path": "0.0.0", "property": "small"}
    doc: dict[str, object] = {
        "#meta": {"format": "ITF", "modelcheck": meta},
        "vars": ["state"],
        "states": [{"#meta": {"index": n}, "state": {"#bigint": str(n)}} for n in range(3)],
    }
    doc.update(changes)
    return json.dumps(doc)


def _extra_files(tmp: Path) -> None:
    """Files the cases name, besides the copies of ``tests/bad_inputs``."""
    (tmp / "empty_dir").mkdir()
    (tmp / "out").mkdir()
    (tmp / "out/result.json").write_text("{}\n")
    (tmp / "saved_test.py").write_text("# the user's own test\n")
    (tmp / "report.xml").write_text("<old/>\n")
    (tmp / "a_file").write_text("not a folder\n")
    traces = {
        "not_json.json": "{not json",
        "array.json": "[1, 2]",
        "other.json": json.dumps({"hello": "world"}),
        "no_spec.json": _trace(spec=None),
        "spec_int.json": _trace(spec=7),
        "trace_not_list.json": _trace(trace={"0": {}}),
        "step_no_state.json": _trace(trace=[{"step": 0}]),
        "property_list.json": _trace(property=["small"]),
        "property_int.json": _trace(property=3),
        "search_list.json": _trace(search=["bfs"]),
        "search_str_count.json": _trace(search={"distinct": "3"}),
        "search_unknown.json": _trace(search={"speed": 3}),
        "search_bool_depth.json": _trace(search={"depth": True}),
        "kind_bad.json": _trace(kind="maybe"),
        "kind_list.json": _trace(kind=["always"]),
        "status_bad.json": _trace(status="fine"),
        "loop_negative.json": _trace(loop=-1),
        "loop_bool.json": _trace(loop=True),
        "loop_str.json": _trace(loop="2"),
        "path_empty.json": _trace(path=""),
        "path_int.json": _trace(path=7),
        "path_letters.json": _trace(path="0.x"),
        "path_huge.json": _trace(path="0." + "9" * 40),
        "params_list.json": _trace(params=[3]),
        "params_object.json": _trace(params={"size": {"n": 3}}),
        "params_unknown.json": _trace(params={"sizes": 3}),
        "params_wrong.json": _trace(params={"size": "three"}),
        "note_number.json": _trace(note=5),
        "action_number.json": _trace(
            trace=[{"step": 0, "action": 5, "choice": 0, "state": {"state": 0}}]
        ),
        "deep.json": "[" * 10_000 + "]" * 10_000,
        "deep_state.json": _trace(trace=[{"state": {"s": json.loads("[" * 500 + "]" * 500)}}]),
        "big_int.json": _trace().replace('"distinct": 3', f'"distinct": {BIG}'),
        "nan.json": _trace().replace('"distinct": 3', '"distinct": NaN'),
        "outside.json": _trace(spec="../elsewhere/evil.py:Evil"),
        "absolute.json": _trace(spec="/elsewhere/evil.py:Evil"),
        "missing_model.json": _trace(spec="gone.py:Good"),
        "wrong_path.json": _trace(path="0.5"),
        "changed_state.json": _trace(
            trace=[{"state": {"state": n if n < 2 else 7}} for n in range(3)]
        ),
        "fewer_states.json": _trace(trace=[{"state": {"state": 0}}]),
        "loop_open.json": _trace(loop=1),
        "itf_no_meta.json": json.dumps({"vars": ["state"], "states": []}),
        "itf_states_obj.json": _itf(states={"0": {}}),
        "itf_vars_ints.json": _itf(vars=[1]),
        "itf_state_list.json": _itf(states=[[1]]),
        "itf_meta_spec_int.json": _itf(**{"#meta": {"modelcheck": {"spec": 5}}}),
        "itf_loop_str.json": _itf(loop="x"),
    }
    for name, text in traces.items():
        (tmp / name).write_text(text)
    (tmp / "latin1.json").write_bytes(b'{"spec": "\xe9"}')
    specs = tmp / "specs"
    specs.mkdir()
    spec_files = {
        "not_toml.toml": 'model = "good.py\n',
        "no_model.toml": "[expect]\nsmall = 'violated'\n",
        "model_int.toml": "model = 3\n",
        "typo.toml": 'modle = "good.py"\n',
        "missing.toml": 'model = "gone.py"\n',
        "params_str.toml": 'model = "good.py"\nparams = "size=3"\n',
        "param_list.toml": 'model = "good.py"\n[params]\nsize = [3]\n',
        "bad_status.toml": 'model = "good.py"\n[expect]\nsmall = "fine"\n',
        "bad_option.toml": 'model = "good.py"\n[options]\nspeed = 3\n',
        "option_value.toml": 'model = "good.py"\n[options]\nmax_depth = -1\n',
        "bad_count.toml": 'model = "good.py"\n[counts]\ndistinct = -3\n',
        "slow_str.toml": 'model = "good.py"\nslow = "yes"\n',
        "ok.toml": 'model = "good.py"\n',
    }
    for name, text in spec_files.items():
        (specs / name).write_text(text)
    (specs / "binary.toml").write_bytes(b"model = \xff\n")
    _checkpoints(tmp)


def _checkpoints(tmp: Path) -> None:
    """Folders with checkpoint files that are not a checkpoint of ``good.py``."""
    payload = pickle.dumps(_Call(), protocol=pickle.HIGHEST_PROTOCOL)
    files = {
        "ck_plain_pickle": payload,
        "ck_garbage": b"\x00\x01garbage",
        "ck_empty": b"",
        "ck_bad_header": MAGIC + b"not json\n",
    }
    real = tmp / "ck_real"
    model = instantiate(resolve(str(tmp / "good.py")), {})
    check(model, checkpoint=real, checkpoint_every=0.0001, time_limit=0.0001)
    data = (real / "checkpoint.pickle").read_bytes()
    files["ck_truncated"] = data[:-20]
    files["ck_edited"] = data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]
    # (the same checkpoint as version 2 wrote it: its fingerprints meant other worlds)
    files["ck_version_2"] = b"modelcheck checkpoint 2\n" + data[len(MAGIC) :]
    for folder, data in files.items():
        (tmp / folder).mkdir()
        (tmp / folder / "checkpoint.pickle").write_bytes(data)


class _Call:
    """Pickles as ``os.system("touch ran")``: a crafted checkpoint's payload."""

    def __reduce__(self) -> tuple[object, ...]:
        import os

        return os.system, ("touch ran",)


def _click(option: str, problem: str, command: str = "check") -> str:
    """click's one line for a bad option value."""
    return f"error: Invalid value for '{option}': {problem} (see 'modelcheck {command} --help')\n"


MODEL_PATHS = [
    _c("missing file", "error: nowhere.py: no such file or folder\n", "check", "nowhere.py"),
    _c(
        "not a Python file",
        "error: notes.txt: not a Python file (a model file ends in .py)\n",
        "check",
        "notes.txt",
    ),
    _c("syntax error", "error: broken.py:4: syntax error: expected ':'\n", "check", "broken.py"),
    _c(
        "import error",
        "error: imports.py: loading failed: ModuleNotFoundError: No module named "
        "'no_such_module_here' (at imports.py:1 in <module>)\n",
        "check",
        "imports.py",
    ),
    _c(
        "raises on import",
        "error: raises_on_import.py: loading failed: RuntimeError: not today (at "
        "raises_on_import.py:1 in <module>)\n",
        "check",
        "raises_on_import.py",
    ),
    _c(
        "no model",
        "error: empty.py defines no model (a subclass of modelcheck.Model)\n",
        "check",
        "empty.py",
    ),
    _c(
        "two models",
        "error: two.py defines 2 models (Good, Other): name one, as in two.py:Good\n",
        "replay",
        "two.py",
        "--path",
        "0",
    ),
    _c(
        "unknown name",
        "error: two.py has no model 'Nope': it defines Good, Other\n",
        "check",
        "two.py:Nope",
    ),
    _c(
        "misspelt name",
        "error: two.py has no model 'Goo': did you mean Good? it defines Good, Other\n",
        "check",
        "two.py:Goo",
    ),
    _c("empty name", "error: good.py:: no such file or folder\n", "check", "good.py:"),
    _c(
        "empty folder",
        "error: empty_dir holds no model (modelcheck list empty_dir shows them)\n",
        "check",
        "empty_dir",
    ),
    _c(
        "replay a folder",
        "error: empty_dir is a folder: name a model file in it (modelcheck list empty_dir "
        "shows them)\n",
        "replay",
        "empty_dir",
        "--path",
        "0",
    ),
    _c(
        "replay missing file",
        "error: nowhere.py: no such file or folder\n",
        "replay",
        "nowhere.py",
        "--path",
        "0",
    ),
    _c(
        "graph missing file",
        "error: nowhere.py: no such file or folder\n",
        "graph",
        "nowhere.py",
        "--out",
        "g",
    ),
    _c("list missing folder", "error: nowhere: no such file or folder\n", "list", "nowhere"),
    _c(
        "unknown command",
        "error: No such command 'chekc'. Did you mean 'check'? (see 'modelcheck --help')\n",
        "chekc",
        "good.py",
    ),
]

PARAMS = [
    _c(
        "param not an int",
        "error: parameter 'size' of Good takes an integer, not 'abc'\n",
        "check",
        "good.py",
        "-p",
        "size=abc",
    ),
    _c(
        "param a float for an int",
        "error: parameter 'size' of Good takes an integer, not '1.5'\n",
        "check",
        "good.py",
        "-p",
        "size=1.5",
    ),
    _c(
        "param zero below min",
        "error: parameter 'size' of Good must be at least 1, not 0\n",
        "check",
        "good.py",
        "-p",
        "size=0",
    ),
    _c(
        "param negative",
        "error: parameter 'size' of Good must be at least 1, not -5\n",
        "check",
        "good.py",
        "-p",
        "size=-5",
    ),
    _c(
        "param above max",
        "error: parameter 'size' of Good must be at most 1000, not 99999999999\n",
        "check",
        "good.py",
        "-p",
        "size=99999999999",
    ),
    _c(
        "param of 5001 digits",
        "error: parameter 'size' of Good takes an integer of at most 4300 digits, not one "
        "of 5001\n",
        "check",
        "good.py",
        "-p",
        f"size={BIG}",
    ),
    _c(
        "param nan",
        "error: parameter 'rate' of Good takes a finite number, not nan\n",
        "check",
        "good.py",
        "-p",
        "rate=nan",
    ),
    _c(
        "param inf",
        "error: parameter 'rate' of Good takes a finite number, not inf\n",
        "check",
        "good.py",
        "-p",
        "rate=inf",
    ),
    _c(
        "param -inf",
        "error: parameter 'rate' of Good takes a finite number, not -inf\n",
        "check",
        "good.py",
        "-p",
        "rate=-inf",
    ),
    _c(
        "param float overflow",
        "error: parameter 'rate' of Good takes a finite number, not inf\n",
        "check",
        "good.py",
        "-p",
        "rate=1e400",
    ),
    _c(
        "param not a bool",
        "error: parameter 'fast' of Good takes true or false, not 'maybe'\n",
        "check",
        "good.py",
        "-p",
        "fast=maybe",
    ),
    _c(
        "param not a choice",
        "error: parameter 'mode' of Good must be one of up, down, not sideways\n",
        "check",
        "good.py",
        "-p",
        "mode=sideways",
    ),
    _c(
        "param unknown",
        "error: Good has no parameter 'sise': did you mean 'size'? its parameters are size, "
        "rate, fast, mode\n",
        "check",
        "good.py",
        "-p",
        "sise=3",
    ),
    _c(
        "param without value",
        "error: parameter 'size' must be written name=value, e.g. -p rms=5\n",
        "check",
        "good.py",
        "-p",
        "size",
    ),
    _c(
        "param without name",
        "error: parameter '=3' must be written name=value, e.g. -p rms=5\n",
        "check",
        "good.py",
        "-p",
        "=3",
    ),
    _c(
        "param twice",
        "error: parameter 'size' is given twice\n",
        "check",
        "good.py",
        "-p",
        "size=1",
        "-p",
        "size=2",
    ),
    _c(
        "param on replay",
        "error: parameter 'size' of Good takes an integer, not 'x'\n",
        "replay",
        "good.py",
        "-p",
        "size=x",
        "--path",
        "0",
    ),
    _c(
        "fault budget on a plain model",
        "error: --crashes applies to actor systems (built on modelcheck.actors.ActorSystem), "
        "and Good is not one\n",
        "check",
        "good.py",
        "--crashes",
        "1",
    ),
]


def _option_cases() -> list[Case]:
    ge1 = "{v} is not in the range x>=1."
    cases = []
    for option, value, problem in [
        ("--max-depth", "0", ge1),
        ("--max-depth", "-1", ge1),
        ("--max-depth", "abc", "'{v}' is not a valid integer range."),
        ("--max-states", "0", ge1),
        ("--max-states", "1e3", "'{v}' is not a valid integer range."),
        ("--max-states", "-7", ge1),
        ("--time-limit", "0", "0.0 is not in the range x>0."),
        ("--time-limit", "-1", "-1.0 is not in the range x>0."),
        ("--time-limit", "abc", "'{v}' is not a valid float range."),
        ("--runs", "0", ge1),
        ("--depth", "0", ge1),
        ("--seed", "abc", "'{v}' is not a valid integer."),
        ("--seed", "1.5", "'{v}' is not a valid integer."),
        ("--workers", "0", ge1),
        ("--workers", "-3", ge1),
        ("--checkpoint-every", "0", "0.0 is not in the range x>0."),
        ("--checkpoint-every", "-1", "-1.0 is not in the range x>0."),
        ("--crashes", "-1", "{v} is not in the range x>=0."),
        ("--strategy", "random", "'{v}' is not one of 'bfs', 'dfs', 'simulate'."),
        ("--store", "disk", "'{v}' is not one of 'exact', 'fingerprint'."),
        ("--format", "xml", "'{v}' is not one of 'text', 'json'."),
        ("--network", "mesh", "'{v}' is not one of 'fifo', 'unordered'."),
    ]:
        cases.append(
            Case(
                f"{option} {value}",
                ("check", "good.py", option, value),
                _click(option, problem.format(v=value)),
            )
        )
    return cases


OPTIONS = [
    *_option_cases(),
    _c(
        "unknown option",
        "error: No such option '--max-dept'. (Did you mean one of: '--depth', '--max-depth', "
        "'--max-states'?) (see 'modelcheck check --help')\n",
        "check",
        "good.py",
        "--max-dept",
        "3",
    ),
    _c(
        "no target",
        "error: Missing argument 'PATH[:NAME]'. (see 'modelcheck check --help')\n",
        "check",
    ),
    _c(
        "replay without --path",
        "error: Missing option '--path'. (see 'modelcheck replay --help')\n",
        "replay",
        "good.py",
    ),
    _c(
        "workers with dfs",
        "error: --workers 2 explores breadth-first: it cannot be used with --strategy dfs\n",
        "check",
        "good.py",
        "--workers",
        "2",
        "--strategy",
        "dfs",
    ),
    _c(
        "workers with fingerprints and a checkpoint",
        "error: --workers 2 with --store fingerprint saves no checkpoints: a worker owns a "
        "state by the state itself, and such a checkpoint holds only fingerprints; leave out "
        "one of the three\n",
        "check",
        "good.py",
        "--workers",
        "2",
        "--store",
        "fingerprint",
        "--checkpoint",
        "ck",
    ),
    _c(
        "fingerprints with simulation",
        "error: simulation keeps no store (each walk remembers only itself): leave out --store\n",
        "check",
        "good.py",
        "--store",
        "fingerprint",
        "--strategy",
        "simulate",
    ),
    _c(
        "symmetry undeclared",
        "error: Good declares no symmetry: define canonical(state) to use --symmetry\n",
        "check",
        "good.py",
        "--symmetry",
    ),
    _c(
        "checkpoint with simulation",
        "error: simulation keeps no store to save: its walks are seeded, so a run is "
        "repeated with the same --seed rather than resumed (leave out --checkpoint)\n",
        "check",
        "good.py",
        "--checkpoint",
        "ck",
        "--strategy",
        "simulate",
    ),
    _c(
        "resume and checkpoint differ",
        "error: --resume DIR saves to DIR: leave out --checkpoint\n",
        "check",
        "good.py",
        "--resume",
        "a",
        "--checkpoint",
        "b",
    ),
    _c(
        "resume nothing",
        "error: empty_dir holds no checkpoint (checkpoint.pickle)\n",
        "check",
        "good.py",
        "--resume",
        "empty_dir",
    ),
    _c(
        "out on a folder",
        "error: --out needs one model: name a file, not the folder empty_dir\n",
        "check",
        "empty_dir",
        "--out",
        "o",
    ),
    _c(
        "out already there",
        "error: out/result.json already exists: pass --force to overwrite, or choose another "
        "--out folder\n",
        "check",
        "good.py",
        "--out",
        "out",
    ),
    _c(
        "out is a file",
        _click("--out", "Directory 'a_file' is a file."),
        "check",
        "good.py",
        "--out",
        "a_file",
    ),
    _c(
        "save-test already there",
        "error: saved_test.py already exists: pass --force to overwrite it\n",
        "check",
        "good.py",
        "--save-test",
        "saved_test.py",
    ),
    _c(
        "node on a plain model",
        "error: --node applies to actor systems (built on modelcheck.actors.ActorSystem), and "
        "Good is not one\n",
        "check",
        "good.py",
        "--node",
        "n1",
    ),
    _c(
        "node unknown",
        "error: SendOrder has no node 'nope': its nodes are s1, s2, receiver\n",
        "check",
        ACTORS,
        "--node",
        "nope",
    ),
    _c(
        "replay node unknown",
        "error: SendOrder has no node 'n9': its nodes are s1, s2, receiver\n",
        "replay",
        ACTORS,
        "--path",
        "0",
        "--node",
        "n9",
    ),
    _c(
        "fault budget twice",
        "error: crashes is given twice: as --crashes and as -p crashes=...\n",
        "check",
        ACTORS,
        "--crashes",
        "1",
        "-p",
        "crashes=1",
    ),
    _c(
        "junit already there",
        "error: report.xml already exists: pass --force to overwrite it\n",
        "regress",
        "specs/ok.toml",
        "--junit",
        "report.xml",
    ),
    _c(
        "graph too many states",
        _click("--max-states", "0 is not in the range x>=1.", "graph"),
        "graph",
        "good.py",
        "--out",
        "g",
        "--max-states",
        "0",
    ),
]

PATHS = [
    _c(
        "path empty",
        "error: path '' must be dot-separated action numbers, like 0.2.1\n",
        "replay",
        "good.py",
        "--path",
        "",
    ),
    _c(
        "path letters",
        "error: path 'a.b' must be dot-separated action numbers, like 0.2.1\n",
        "replay",
        "good.py",
        "--path",
        "a.b",
    ),
    _c(
        "path double dot",
        "error: path '0..1' must be dot-separated action numbers, like 0.2.1\n",
        "replay",
        "good.py",
        "--path",
        "0..1",
    ),
    _c(
        "path negative",
        "error: path '0.-1' must be dot-separated action numbers, like 0.2.1\n",
        "replay",
        "good.py",
        "--path",
        "0.-1",
    ),
    _c(
        "path other digits",
        "error: path '0.\u0663' must be dot-separated action numbers, like 0.2.1\n",
        "replay",
        "good.py",
        "--path",
        "0.\u0663",
    ),
    _c(
        "path commas",
        "error: path '0,1' must be dot-separated action numbers, like 0.2.1\n",
        "replay",
        "good.py",
        "--path",
        "0,1",
    ),
    _c(
        "path action out of range",
        "error: path step 1 takes action 5, but the state there has 1 action\n",
        "replay",
        "good.py",
        "--path",
        "0.5",
    ),
    _c(
        "path initial out of range",
        "error: path starts with initial state 3, but the model has 1\n",
        "replay",
        "good.py",
        "--path",
        "3",
    ),
    _c(
        "path past a deadlock",
        "error: path step 4 takes action 0, but the state there has 0 actions\n",
        "replay",
        "good.py",
        "--path",
        "0.0.0.0.0",
    ),
    _c(
        "path of 5001 digits",
        "error: path '100000000000000000000000000000000000000000000000000000000...' has a "
        "number of 5001 digits at step 0: no state has that many actions\n",
        "replay",
        "good.py",
        "--path",
        BIG,
    ),
    _c(
        "path 19 digits",
        "error: path '0.1234567890123456789' has a number of 19 digits at step 1: no state "
        "has that many actions\n",
        "replay",
        "good.py",
        "--path",
        "0.1234567890123456789",
    ),
]


def _render(file: str, message: str) -> Case:
    return Case(f"render {file}", ("render", file), f"error: {file}: {message}\n")


TRACES = [
    _render("nowhere.json", "no such file"),
    _render(
        "not_json.json", "not JSON (Expecting property name enclosed in double quotes at line 1)"
    ),
    _render("array.json", "not a trace (a JSON object was expected)"),
    _render(
        "other.json",
        "not a trace file: expected the PROPERTY.json or PROPERTY.itf.json that 'modelcheck "
        "check --out' writes",
    ),
    _render(
        "no_spec.json",
        "records no model ('spec': PATH:NAME); write it again with 'modelcheck check ... --out "
        "DIR'",
    ),
    _render(
        "spec_int.json",
        "records no model ('spec': PATH:NAME); write it again with 'modelcheck check ... --out "
        "DIR'",
    ),
    _render("trace_not_list.json", "'trace' must be a list of steps"),
    _render("step_no_state.json", "step 0 of 'trace' has no 'state' object"),
    _render("property_list.json", "'property' must be a string or null, not a list"),
    _render("property_int.json", "'property' must be a string or null, not a number"),
    _render("search_list.json", "'search' must be an object"),
    _render("search_str_count.json", "'search.distinct' must be a whole number"),
    _render("search_unknown.json", "'search' has an unknown field 'speed'"),
    _render("search_bool_depth.json", "'search.depth' must be a whole number"),
    _render(
        "kind_bad.json",
        "'kind' must be one of always, deadlock, eventually, eventually_always, "
        "infinitely_often, leads_to, sometimes, trace, not 'maybe'",
    ),
    _render("kind_list.json", "'kind' must be a string or null, not a list"),
    _render(
        "status_bad.json",
        "'status' must be one of holds, violated, reached, unreached, unknown, not 'fine'",
    ),
    _render("loop_negative.json", "'loop' must be a step number"),
    _render("loop_bool.json", "'loop' must be a step number"),
    _render("loop_str.json", "'loop' must be a step number"),
    _render("path_empty.json", "records no path to replay"),
    _render("path_int.json", "records no path to replay"),
    _render("path_letters.json", "path '0.x' must be dot-separated action numbers, like 0.2.1"),
    _render(
        "path_huge.json",
        "path '0.9999999999999999999999999999999999999999' has a number of 40 digits at step "
        "1: no state has that many actions",
    ),
    _render("params_list.json", "'params' must be an object"),
    _render(
        "params_object.json",
        "parameter 'size' must be a number, a string or true/false, not an object",
    ),
    _render("note_number.json", "'note' must be a string or null, not a number"),
    _render("action_number.json", "step 0's 'action' must be a string or null, not a number"),
    _render("deep.json", "nested more than 400 levels deep"),
    _render("deep_state.json", "nested more than 400 levels deep"),
    _render(
        "big_int.json",
        "not a trace modelcheck wrote (Exceeds the limit (4300 digits) for integer string "
        "conversion)",
    ),
    _render("nan.json", "not a trace modelcheck wrote (NaN is not a JSON value)"),
    _render(
        "latin1.json",
        "cannot be read: 'utf-8' codec can't decode byte 0xe9 in position 10: invalid "
        "continuation byte",
    ),
    _render(
        "outside.json",
        "its model file ../elsewhere/evil.py is outside the current folder, and rendering "
        "would import and run {tmp_parent}/elsewhere/evil.py: nothing was run; pass "
        "--allow-outside if you trust that file",
    ),
    _render(
        "absolute.json",
        "its model file /elsewhere/evil.py is outside the current folder, and rendering would "
        "import and run /elsewhere/evil.py: nothing was run; pass --allow-outside if you "
        "trust that file",
    ),
    _render(
        "missing_model.json",
        "its model gone.py:Good cannot be loaded (gone.py: no such file or folder); run this "
        "from the folder the trace was checked in",
    ),
    _render(
        "itf_no_meta.json",
        "an ITF trace that does not name its modelcheck model (#meta.modelcheck.spec): only "
        "ITF files written by modelcheck can be replayed",
    ),
    _render(
        "itf_meta_spec_int.json",
        "an ITF trace that does not name its modelcheck model (#meta.modelcheck.spec): only "
        "ITF files written by modelcheck can be replayed",
    ),
    _render("itf_states_obj.json", "'states' must be a list of objects"),
    _render("itf_vars_ints.json", "'vars' must be a list of variable names"),
    _render("itf_state_list.json", "'states' must be a list of objects"),
    _render("itf_loop_str.json", "'loop' must be a step number"),
    Case(
        "render params unknown",
        ("render", "params_unknown.json"),
        "error: Good has no parameter 'sizes': did you mean 'size'? its parameters are size, "
        "rate, fast, mode\n",
    ),
    Case(
        "render params wrong",
        ("render", "params_wrong.json"),
        "error: parameter 'size' of Good takes an integer, not 'three'\n",
    ),
    Case(
        "render path does not replay",
        ("render", "wrong_path.json"),
        "error: path step 1 takes action 5, but the state there has 1 action\n",
    ),
    _render(
        "changed_state.json",
        "step 2 of the replayed path differs from the saved state (the model changed since "
        "the trace was saved?)",
    ),
    _render(
        "fewer_states.json",
        "holds 1 states but its path replays 3 (the model changed since the trace was saved?)",
    ),
    _render(
        "loop_open.json",
        "the loop back to step 1 does not close: the last state is not that step's state (the "
        "model changed since the trace was saved?)",
    ),
    Case(
        "render a folder",
        ("render", "empty_dir"),
        _click("TRACE.json", "File 'empty_dir' is a directory.", "render"),
    ),
    Case(
        "render out already there",
        ("render", "fewer_states.json", "--out", "out"),
        "error: fewer_states.json: holds 1 states but its path replays 3 (the model changed "
        "since the trace was saved?)\n",
    ),
]


def _spec(file: str, message: str) -> Case:
    return Case(
        f"regress {file}", ("regress", f"specs/{file}"), f"error: specs/{file}: {message}\n"
    )


SPECS = [
    Case(
        "regress nowhere",
        ("regress", "specs/nowhere.toml"),
        "error: specs/nowhere.toml: no such file or folder\n",
    ),
    _spec("not_toml.toml", "not valid TOML: Illegal character '\\n' (at line 1, column 17)"),
    _spec(
        "no_model.toml",
        "missing key 'model' (the model file, as in model = \"models/x.py:Name\")",
    ),
    _spec("model_int.toml", 'model must be a string like "models/x.py:Name", not 3'),
    _spec("typo.toml", "unknown key 'modle' (did you mean 'model'?)"),
    _spec(
        "missing.toml",
        "model file 'gone.py' not found at gone.py (model paths are relative to the folder "
        "that holds specs/)",
    ),
    _spec("params_str.toml", 'params must be a table ([params]), not "size=3"'),
    _spec("param_list.toml", "params.size must be a number, true/false or a string"),
    _spec(
        "bad_status.toml",
        'expect.small: "fine" is not a status (use holds, violated, reached, unreached or unknown)',
    ),
    _spec(
        "bad_option.toml",
        "unknown key 'options.speed' (known: strategy, max_depth, max_states, time_limit, "
        "keep_going, deadlock, symmetry, properties, safety_only)",
    ),
    _spec("option_value.toml", "options.max_depth must be a positive integer, not -1"),
    _spec("bad_count.toml", "counts.distinct must be a whole number, not -3"),
    _spec("slow_str.toml", 'slow must be true or false, not "yes"'),
    _spec(
        "binary.toml",
        "cannot be read: 'utf-8' codec can't decode byte 0xff in position 8: invalid start byte",
    ),
]


def _resume(folder: str, message: str) -> Case:
    return Case(
        f"resume {folder}",
        ("check", "good.py", "--resume", folder),
        f"error: {folder}/checkpoint.pickle {message}\n",
    )


_NOT_OURS = "is not a checkpoint of this version of modelcheck: remove it to start over"
CHECKPOINTS = [
    _resume("ck_plain_pickle", _NOT_OURS),
    _resume("ck_garbage", _NOT_OURS),
    _resume("ck_empty", _NOT_OURS),
    _resume("ck_version_2", _NOT_OURS),
    _resume("ck_bad_header", "is damaged (its header is not a run): remove it to start over"),
    _resume(
        "ck_truncated",
        "is damaged or was altered (its digest does not match): remove it to start over",
    ),
    _resume(
        "ck_edited",
        "is damaged or was altered (its digest does not match): remove it to start over",
    ),
    Case(
        "resume another run",
        ("check", "good.py", "-p", "size=5", "--resume", "ck_real"),
        "error: the checkpoint in ck_real is of another run: params was {'size': 3, 'rate': "
        "0.5, 'fast': False, 'mode': 'up'}, now {'size': 5, 'rate': 0.5, 'fast': False, "
        "'mode': 'up'}\n",
    ),
    Case(
        "resume another model",
        ("check", "two.py:Good", "--resume", "ck_real"),
        "error: the checkpoint in ck_real is of another run: model was '{good}.Good', now "
        "'{two}.Good'\n",
    ),
    Case(
        "checkpoint would overwrite",
        ("check", "good.py", "--checkpoint", "ck_garbage"),
        "error: ck_garbage already holds a checkpoint: pass --resume ck_garbage to go on from "
        "it, or remove it to start over\n",
    ),
]


def _hook(name: str, err: str, *more: str) -> Case:
    return Case(f"hook {name} {' '.join(more)}".strip(), ("check", f"hooks.py:{name}", *more), err)


_ACTION_RAISES = (
    "error: actions() raised KeyError: 2\n"
    "  at hooks.py:24 in actions\n"
    "the trace that reached it (path 0.0.0):\n"
    "  0  initial state\n"
    "     state = 0\n"
    "  1  inc\n"
    "     state: 0 -> 1\n"
    "  2  inc\n"
    "     state: 1 -> 2\n"
)
_DEEP = (
    "error: state nests containers more than 100 levels deep: modelcheck refuses deeper "
    "values (hashing and comparing them recurses); use a flat tuple, not nested pairs\n"
    "the trace that reached it (path 0):\n"
    "  0  initial state\n"
)
HOOKS = [
    _hook(
        "InitRaises",
        "error: init_states() raised ValueError: no start\n  at hooks.py:18 in init_states\n",
    ),
    _hook("ActionRaises", _ACTION_RAISES),
    _hook("ActionRaises", _ACTION_RAISES, "--strategy", "dfs"),
    _hook("ActionRaises", _ACTION_RAISES, "--strategy", "simulate"),
    _hook("ActionRaises", _ACTION_RAISES, "--store", "fingerprint"),
    _hook(
        "PropertyRaises",
        "error: property 'positive' raised ZeroDivisionError: division by zero\n"
        "  at hooks.py:31 in positive\n"
        "the trace that reached it (path 0.0.0):\n"
        "  0  initial state\n"
        "     state = 0\n"
        "  1  inc\n"
        "     state: 0 -> 1\n"
        "  2  inc\n"
        "     state: 1 -> 2\n",
    ),
    _hook(
        "PropertyRaises",
        "error: property 'positive' raised ZeroDivisionError: division by zero\n"
        "  at hooks.py:31 in positive\n"
        "the trace that reached it (path 0.0.0):\n"
        "  0  initial state\n"
        "     state = 0\n"
        "  1  inc\n"
        "     state: 0 -> 1\n"
        "  2  inc\n"
        "     state: 1 -> 2\n",
        "--strategy",
        "simulate",
    ),
    _hook(
        "PropertiesRaises",
        "error: properties() raised RuntimeError: no properties today\n"
        "  at hooks.py:36 in properties\n",
    ),
    _hook(
        "PropertiesRaises",
        "error: properties() raised RuntimeError: no properties today\n"
        "  at hooks.py:36 in properties\n",
        "--strategy",
        "simulate",
    ),
    _hook(
        "SetupRaises",
        "error: SetupRaises.setup() raised ValueError: bad setup\n  at hooks.py:43 in setup\n",
    ),
    _hook("NoInit", "error: NoInit.init_states() returned no initial state\n"),
    _hook(
        "NotAPair",
        "error: actions() must return (label, state) pairs, but gave 1\n"
        "the trace that reached it (path 0):\n"
        "  0  initial state\n"
        "     state = 0\n",
    ),
    _hook(
        "ListState",
        "error: state[1] is a list, which is mutable: use a tuple\n"
        "the trace that reached it (path 0):\n"
        "  0  initial state\n"
        "     state = [0, [1]]\n",
    ),
    _hook(
        "ListState",
        "error: state[1] is a list, which is mutable: use a tuple\n"
        "the trace that reached it (path 0):\n"
        "  0  initial state\n"
        "     state = [0, [1]]\n",
        "--strategy",
        "simulate",
    ),
    _hook(
        "Unhashable",
        "error: state is a dict, which is mutable: use a tuple of (key, value) pairs or a frozen "
        "dataclass\n"
        "the trace that reached it (path 0):\n"
        "  0  initial state\n"
        "     state = {n: 0}\n",
    ),
    _hook("DeepState", _DEEP),
    _hook("DeepState", _DEEP, "--strategy", "dfs"),
    _hook("DeepState", _DEEP, "--strategy", "simulate"),
    _hook("DeepState", _DEEP, "--store", "fingerprint"),
    _hook(
        "ShowRaises",
        "error: show() raised RuntimeError: cannot show\n  at hooks.py:85 in show\n",
    ),
    _hook(
        "CanonicalRaises",
        "error: canonical() raised TypeError: no canon\n"
        "  at hooks.py:94 in canonical\n"
        "the trace that reached it (path 0):\n"
        "  0  initial state\n"
        "     state = 0\n",
        "--symmetry",
    ),
    Case(
        "replay deep state",
        ("replay", "hooks.py:DeepState", "--path", "0"),
        _DEEP,
    ),
    Case(
        "list properties() raises",
        ("list", "hooks.py"),
        "    error: properties() raised RuntimeError: no properties today\n"
        "    error: SetupRaises.setup() raised ValueError: bad setup\n",
    ),
]

CASES = [*MODEL_PATHS, *PARAMS, *OPTIONS, *PATHS, *TRACES, *SPECS, *CHECKPOINTS, *HOOKS]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(
    case: Case,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = tmp_path / "work"
    shutil.copytree(FILES, here)
    _extra_files(here)
    monkeypatch.chdir(here)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    before = _tree(here)
    run = run_cli(capsys, *case.args)
    want = case.err.replace("{tmp_parent}", str(tmp_path))
    for name, target in (("good", "good.py"), ("two", "two.py:Good")):
        want = want.replace(f"{{{name}}}", resolve(target).cls.__module__)
    assert (run.code, run.err) == (2, want)
    assert "Traceback" not in run.err
    assert _tree(here) == before, "a bad input changed or added files"
    assert not (here / "ran").exists()


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)
