"""The Python ecosystem's habits (issue 17): colour that respects NO_COLOR and pipes,
results that show themselves in Jupyter, and a wheel and an sdist that install."""

from __future__ import annotations

import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.render.colour import use_colour
from models.intro.lost_update import LostUpdate
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parent.parent
LOST = str(ROOT / "models/intro/lost_update.py")


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(_Terminal(True))  # type: ignore[arg-type]
    assert not use_colour(_Terminal(False))  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(_Terminal(True))  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "")
    assert use_colour(_Terminal(True))  # type: ignore[arg-type]


def test_the_cli_colours_verdicts_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = run_cli(capsys, "check", LOST, "--no-timing")
    assert "\x1b[" not in plain.out
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    coloured = run_cli(capsys, "check", LOST, "--no-timing")
    assert "  \x1b[31m\x1b[1mviolated\x1b[0m   always    no_lost_update" in coloured.out
    assert "  \x1b[32mreached\x1b[0m    sometimes all_done" in coloured.out
    assert (
        coloured.out.replace("\x1b[31m\x1b[1m", "").replace("\x1b[32m", "").replace("\x1b[0m", "")
        == plain.out
    )
    error = run_cli(capsys, "check", LOST, "-p", "nope=1")
    assert error.err.startswith("\x1b[31m\x1b[1merror:\x1b[0m ")
    monkeypatch.setenv("NO_COLOR", "1")
    assert run_cli(capsys, "check", LOST, "--no-timing").out == plain.out


def test_a_result_and_a_trace_show_themselves_in_jupyter() -> None:
    result = check(LostUpdate())
    page = result._repr_html_()
    assert page.startswith('<pre style="font-size: 12px; line-height: 1.3">LostUpdate (procs=2): ')
    assert "violated   always    no_lost_update  (4 steps)" in page
    if shutil.which("dot") is not None:
        assert page.count("<svg") == 2  # the counterexample's chart and the example's
        assert "<?xml" not in page
    else:
        assert "(install Graphviz's dot to see the chart inline)" in page
    trace = result.verdict("no_lost_update").trace
    assert trace is not None
    shown = trace._repr_html_()
    assert "  1  read(0)\n     {counter: 0, pc: [write, read], seen: [0, 0]}\n" in shown
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result and copy.checked is None  # the model stays behind


# -- packaging ---------------------------------------------------------------------------------

needs_build = pytest.mark.skipif(
    importlib.util.find_spec("build") is None, reason="the build package is a dev dependency"
)

MODEL = '''
from modelcheck import Model, always


class Counter(Model):
    """Counts to two."""

    def init_states(self):
        return [0]

    def actions(self, n):
        return [("inc", n + 1)] if n < 2 else []

    @always
    def small(self, n):
        return n <= 2
'''


_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@needs_build
def test_the_sdist_builds_a_wheel_that_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    """``python -m build`` (without network: --no-isolation) makes the sdist, then the wheel
    from the sdist alone; a new virtual environment that sees this one's dependencies (a
    .pth file) but not the checkout gets the wheel (``pip install --no-deps``), and
    ``modelcheck check`` runs from there."""
    source = tmp_path / "source"  # a copy: setuptools writes build/ beside pyproject.toml
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "modelcheck", source / "modelcheck", ignore=_CACHES)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source, cwd=tmp_path)
    assert sorted(p.name for p in dist.iterdir()) == [
        "modelcheck-0.1.0-py3-none-any.whl",
        "modelcheck-0.1.0.tar.gz",
    ]
    with tarfile.open(dist / "modelcheck-0.1.0.tar.gz") as sdist:
        names = set(sdist.getnames())
    for name in ("LICENSE", "README.md", "pyproject.toml", "modelcheck/py.typed"):
        assert f"modelcheck-0.1.0/{name}" in names
    built = dist / "modelcheck-0.1.0-py3-none-any.whl"
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "dev_dependencies.pth").write_text("\n".join(deps) + "\n")
    python = venv / "bin" / "python"
    _run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "--target",
        site,
        built,
        cwd=tmp_path,
    )
    where = _run(python, "-c", "import modelcheck; print(modelcheck.__file__)", cwd=tmp_path)
    assert where.startswith(str(site)), where
    (tmp_path / "counter.py").write_text(MODEL)
    out = _run(python, "-m", "modelcheck", "check", "counter.py", "--no-timing", cwd=tmp_path)
    assert out == (
        "Counter: 3 distinct states, 3 generated, depth 3, bfs, complete\n"
        "  holds      always    small\n"
    )
    assert (site / "modelcheck" / "py.typed").exists()


def test_shell_completion_as_the_readme_says() -> None:
    script = Path(sys.executable).parent / "modelcheck"
    env = {
        **os.environ,
        "_MODELCHECK_COMPLETE": "bash_complete",
        "COMP_WORDS": "modelcheck che",
        "COMP_CWORD": "1",
    }
    done = subprocess.run([script], capture_output=True, text=True, env=env, check=False)
    assert done.stdout == "plain,check\n"
    assert "_MODELCHECK_COMPLETE=bash_source modelcheck" in (ROOT / "README.md").read_text()
