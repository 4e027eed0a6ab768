"""A model file outside ``models/`` imports the library (``from models.x import ...``): the
loader puts on the import path the file's folder, the nearest folder above it that holds a
``models`` package, and the current folder. Run in a fresh interpreter whose path holds
neither the checkout nor the current folder, as the ``modelcheck`` command's does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from modelcheck.loader import _import_roots

ROOT = Path(__file__).resolve().parents[1]

MY_KV = """\
from typing import Any

from modelcheck.actors import ActorSystem, Boot
from models.messaging.kv_call import Caller, Store


class MyKv(ActorSystem):
    def cluster(self) -> dict[str, Any]:
        return {"client": (Caller(),), "server": (Boot(Store(), name="store"),)}
"""


def _modelcheck(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-P", "-m", "modelcheck", *args],  # -P: no current folder on the path
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_model_in_another_folder_imports_the_library_from_the_current_folder(
    tmp_path: Path,
) -> None:
    model = tmp_path / "my_kv.py"
    model.write_text(MY_KV)
    run = _modelcheck(ROOT, "check", str(model), "--no-timing")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == "MyKv: 11 distinct states, 13 generated, depth 6, bfs, complete\n"
    # From elsewhere, the one-line error says where a model file imports from.
    run = _modelcheck(tmp_path, "check", "my_kv.py")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        "error: my_kv.py: loading failed: ModuleNotFoundError: No module named 'models' "
        "(at my_kv.py:4 in <module>): run modelcheck from the folder that holds models/ "
        "(a model file imports from its own folder, the nearest folder above it holding "
        "models/, and the current one)\n"
    )


def test_a_model_below_the_folder_holding_models_imports_from_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "__init__.py").write_text("")
    (project / "models" / "lib.py").write_text("NODES = 3\n")
    (project / "mine").mkdir()
    (project / "mine" / "m.py").write_text(
        "from modelcheck.actors import Actor, ActorSystem\n"
        "from models.lib import NODES\n\n\n"
        "class Idle(Actor):\n"
        "    def init(self, me, out):\n"
        "        return 0\n\n\n"
        "class Quiet(ActorSystem):\n"
        "    def actors(self):\n"
        "        return {f'n{i}': Idle() for i in range(NODES)}\n"
    )
    assert _import_roots(project / "mine" / "m.py", tmp_path) == [
        str(project / "mine"),
        str(project),
        str(tmp_path),
    ]
    run = _modelcheck(tmp_path, "check", "project/mine/m.py", "--no-timing")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == "Quiet: 1 distinct state, 1 generated, depth 1, bfs, complete\n"
