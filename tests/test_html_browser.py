"""The HTML report in a real headless Chromium (Debian's ``chromium``; ``make test`` installs
it where it can): the page loads without a console message, steps forward and back through
the trace (its own ``#selftest``, read from the dumped DOM), does not run markup from the
model, and a screenshot of it is taken.

Skipped, saying why, only where no Chromium is installed."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.render.bundle import trace_files
from models.messaging.late_reply import UntaggedReply
from tests.chart_systems import PingPong, faulty_trace
from tests.test_render import Evil

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for name in NAMES if (found := shutil.which(name))), None)

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium here, and it could not be installed: apt-get install chromium "
    "(make test installs it where apt-get and root or sudo are available)",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _report(tmp_path: Path, name: str, model: object, prop_name: str) -> Path:
    result = check(model)  # type: ignore[arg-type]
    prop = result.verdict(prop_name)
    files = trace_files(model, prop, name, spec=None, search={})  # type: ignore[arg-type]
    page = tmp_path / f"{name}.html"
    page.write_text(str(files.files[f"{name}.html"]), encoding="utf-8")
    return page


def _selftest(page: Path) -> tuple[str, str, str]:
    """The dumped DOM's self-test result, the dumped DOM, and the console lines."""
    done = _chromium("--virtual-time-budget=5000", "--dump-dom", f"{page.as_uri()}#selftest")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="selftest" data-result="(\w+)">([^<]*)</pre>', done.stdout)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return (
        (found.group(2) if found else "no self-test result in the DOM"),
        done.stdout,
        ("\n".join(console)),
    )


def test_the_report_steps_forward_and_back_without_console_errors(tmp_path: Path) -> None:
    page = _report(tmp_path, "answers_are_right", UntaggedReply(), "answers_are_right")
    result, dom, console = _selftest(page)
    assert result == "selftest: ok, 3 steps forward and back, 10 checks"
    assert console == ""
    assert "<svg" in dom and 'id="step-3"' in dom


def test_a_long_trace_and_a_lasso_step_through(tmp_path: Path) -> None:
    system, trace = faulty_trace()
    from modelcheck.render.chart import chart_dot  # noqa: F401  (the chart is in the page)
    from modelcheck.result import PropertyResult

    prop = PropertyResult("backups_agree", "always", "violated", trace, "", "false at step 23")
    files = trace_files(system, prop, "faults", spec=None, search={})
    page = tmp_path / "faults.html"
    page.write_text(str(files.files["faults.html"]), encoding="utf-8")
    result, _, console = _selftest(page)
    assert result == "selftest: ok, 30 steps forward and back, 64 checks"
    assert console == ""
    lasso = _report(tmp_path, "done", PingPong(), "done")
    result, dom, console = _selftest(lasso)
    assert result.startswith("selftest: ok") and console == ""
    assert 'class="loop"' in dom


def test_markup_in_states_and_labels_does_not_run(tmp_path: Path) -> None:
    page = _report(tmp_path, "short", Evil(), "short")
    result, dom, console = _selftest(page)
    assert result.startswith("selftest: ok"), result
    assert console == ""
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None and "data-pwned" not in body.group(0)
    assert "<img src=" not in dom  # shown as text, never as an element
    assert "&lt;script&gt;document.body.setAttribute" in dom


def test_a_screenshot_of_the_report(tmp_path: Path) -> None:
    page = _report(tmp_path, "answers_are_right", UntaggedReply(), "answers_are_right")
    shot = tmp_path / "report.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 900)
    assert len(data) > 20_000  # a page with a chart, not a blank one
