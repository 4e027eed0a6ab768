"""The explorer in a real headless Chromium (Debian's ``chromium``; ``make test`` installs it
where it can), driven through the DevTools protocol (``tests/cdp.py``) with mouse clicks and
key presses: a path of six steps with a partition and a heal, the chart and the state view
checked in the DOM, going back (buttons, keys, the browser's own history), a saved
counterexample opened and branched off, a search from the current state, and a model whose
states hold markup.

Skipped, saying why, only where no Chromium is installed."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.explorer import Place, page_url
from modelcheck.loader import instantiate, resolve
from modelcheck.render.bundle import trace_document
from tests.cdp import BROWSER, Browser, CdpError
from tests.explorer_helpers import HORDE, HORDE_PATH, serving

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium here, and it could not be installed: apt-get install chromium "
    "(make test installs it where apt-get and root or sudo are available)",
)

FAULTS = {"partitions": "1", "heals": "1"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as chromium:
        yield chromium


def _ready(browser: Browser, where: str) -> None:
    """Wait until the page shows ``path@step`` (or fail with what it shows instead)."""
    try:
        browser.wait_for(f"document.body.dataset.ready === {json.dumps(where)}", timeout=30)
    except CdpError:
        shown = browser.evaluate(
            "document.body.dataset.ready + ' ' + document.getElementById('error').textContent"
        )
        raise AssertionError(f"waited for {where}, the page shows {shown}") from None


def _texts(browser: Browser, selector: str) -> list[str]:
    found = browser.evaluate(
        f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
        ".map(function (e) { return e.textContent; })"
    )
    assert isinstance(found, list)
    return [str(text) for text in found]


def _chart_ready(browser: Browser, path: str) -> None:
    browser.wait_for(f"document.body.dataset.chart === {json.dumps(path)}", timeout=60)


def test_a_path_with_a_partition_the_chart_the_state_and_back(browser: Browser) -> None:
    browser.events.clear()
    with serving(HORDE, FAULTS) as server:
        browser.goto(page_url(server))
        _ready(browser, "0@0")
        assert _texts(browser, "#successors .action") == [
            "timeout(a, register)",
            "timeout(b, register)",
            "partition([a], [b])",
        ]
        browser.click('#successors li[data-choice="0"] button')  # timeout(a)
        _ready(browser, "0.0@1")
        browser.press("2")  # the second enabled step: timeout(b)
        _ready(browser, "0.0.1@2")
        assert _texts(browser, "#successors .action") == [
            "deliver(a, b, [add, k, a.1, 1])",
            "deliver(b, a, [add, k, b.1, 1])",
            "partition([a], [b])",
        ]
        browser.press("ArrowDown")
        browser.press("ArrowDown")
        browser.press("Enter")  # partition([a], [b])
        _ready(browser, "0.0.1.2@3")
        assert _texts(browser, "#state > ul > li.changed > .key") == ["signals", "cut", "faults"]
        assert _texts(browser, "#state li.changed > .key + .value") == ['["a -/- b"]']
        browser.click('#successors li[data-choice="0"] button')  # signal(a, nodedown(b))
        _ready(browser, "0.0.1.2.0@4")
        browser.click('#successors li[data-choice="0"] button')  # signal(b, nodedown(a))
        _ready(browser, "0.0.1.2.0.0@5")
        # after the reconnect polls of a and b
        browser.click('#successors li[data-choice="2"] button')  # heal()
        _ready(browser, f"{HORDE_PATH}@6")

        assert _texts(browser, "#steps .action") == [
            "initial state",
            "timeout(a, register)",
            "timeout(b, register)",
            "partition([a], [b])",
            "signal(a, nodedown(b))",
            "signal(b, nodedown(a))",
            "heal()",
        ]
        # the heal reconnects nothing by itself (as on the BEAM): no nodeup yet
        assert _texts(browser, "#steps li.current .changes") == [
            'cut: ["a -/- b"] -> none\nfaults.heals: none -> 1\ndisconnected: none -> ["a -x- b"]'
        ]
        assert _texts(browser, "#state > ul > li.changed > .key") == ["disconnected", "faults"]
        assert _texts(browser, "#position") == ["step 6 of 6"]
        assert _texts(browser, "#properties tr.bad .pname") == ["one_holder"]
        assert _texts(browser, "#replay") == [
            "modelcheck replay models/registry/horde_registry.py --partitions 1 --heals 1 "
            f"--path {HORDE_PATH}"
        ]
        _chart_ready(browser, HORDE_PATH)
        chart = _texts(browser, "#chart svg text")
        assert "partition: [a] | [b]" in chart and "heal: every link up" in chart
        assert "6 heal()" in chart
        assert _texts(browser, "#chart g.current text") == ["6 heal()"]

        # back: a key, a button, the browser's history; forward again; a step of the list
        browser.press("ArrowLeft")
        _ready(browser, f"{HORDE_PATH}@5")
        browser.click("#back")
        _ready(browser, f"{HORDE_PATH}@4")
        assert _texts(browser, "#chart g.current text") == ["4 signal(a, nodedown(b))"]
        assert _texts(browser, "#successors li.taken .action") == ["signal(b, nodedown(a))"]
        assert browser.evaluate("location.search").endswith(f"&path={HORDE_PATH}&at=4")
        browser.evaluate("history.back()")
        _ready(browser, f"{HORDE_PATH}@5")
        browser.press("ArrowRight")
        _ready(browser, f"{HORDE_PATH}@6")
        browser.click('#steps li[data-step="3"]')
        _ready(browser, f"{HORDE_PATH}@3")
        assert _texts(browser, "#steps li.ahead .action") == [
            "signal(a, nodedown(b))",
            "signal(b, nodedown(a))",
            "heal()",
        ]
        browser.press("Home")
        _ready(browser, f"{HORDE_PATH}@0")
        assert browser.evaluate("document.getElementById('back').disabled") is True
    assert browser.problems() == []


def _saved_counterexample(folder: Path) -> Path:
    """``check --out``'s JSON for one_holder, with one partition allowed and no heal."""
    model = instantiate(resolve(HORDE), {"partitions": 1})
    prop = check(model).verdict("one_holder")
    assert prop.trace is not None and prop.trace.path == "0.0.1"
    file = folder / "one_holder.json"
    file.write_text(json.dumps(trace_document(model, prop, HORDE, {})), encoding="utf-8")
    return file


def test_open_a_counterexample_branch_off_it_and_search_from_there(
    browser: Browser, tmp_path: Path
) -> None:
    browser.events.clear()
    file = _saved_counterexample(tmp_path)
    with serving(HORDE, FAULTS) as server:
        browser.goto(page_url(server))
        _ready(browser, "0@0")
        browser.set_file("#open", file)
        _ready(browser, "0.0.1@2")
        assert _texts(browser, "#message") == [
            "opened one_holder.json: always one_holder violated, 2 steps"
        ]
        # the file's parameters (no heal), not the ones the explorer was started with
        assert _texts(browser, "#title") == ["HordeRegistry (partitions=1, nodes=2)"]
        assert "&p=partitions%3D1&path=0.0.1&at=2" in browser.evaluate("location.search")
        assert _texts(browser, "#properties tr.bad .pname") == ["one_holder"]

        # what if the partition had come before b's timeout?
        browser.click('#steps li[data-step="1"]')
        _ready(browser, "0.0.1@1")
        assert _texts(browser, "#successors li.taken .action") == ["timeout(b, register)"]
        browser.click('#successors li[data-choice="2"] button')
        _ready(browser, "0.0.2@2")
        assert _texts(browser, "#steps .action") == [
            "initial state",
            "timeout(a, register)",
            "partition([a], [b])",
        ]
        assert _texts(browser, "#properties tr.bad .pname") == []
        _chart_ready(browser, "0.0.2")

        # and from here, can both still hold the key?
        browser.click('#properties tr[data-property="one_holder"] button.find')
        _ready(browser, "0.0.2.2@3")
        assert _texts(browser, "#message") == ["counterexample for one_holder: 1 step from here"]
        assert _texts(browser, "#steps .action")[3] == "timeout(b, register)"
        assert _texts(browser, "#properties tr.bad .pname") == ["one_holder"]

        # a file that is not a trace: the message, and the page stays where it was
        bad = tmp_path / "notes.json"
        bad.write_text("[1, 2]", encoding="utf-8")
        browser.set_file("#open", bad)
        browser.wait_for("document.body.dataset.error !== undefined")
        assert _texts(browser, "#error") == ["notes.json: not a trace (a JSON object was expected)"]
        assert _texts(browser, "#position") == ["step 3 of 3"]
    # the only complaint in the console is the browser's own line about that 400
    assert browser.problems() == [
        "log error: Failed to load resource: the server responded with a status of 400 "
        "(Bad Request)"
    ]


def test_markup_in_states_and_labels_is_shown_as_text(browser: Browser) -> None:
    browser.events.clear()
    with serving("tests/test_render.py:Evil") as server:
        browser.goto(page_url(server))
        _ready(browser, "0@0")
        browser.click('#successors li[data-choice="0"] button')
        _ready(browser, "0.0@1")
        _chart_ready(browser, "0.0")
        evil = "<script>document.body.setAttribute('data-pwned','1')</script>"
        assert _texts(browser, "#state .value") == [json.dumps(f"{evil};#0"), "1"]
        label = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
        assert _texts(browser, "#steps .action")[1] == label + '("\\"quoted\\" & \\\\ back")'
        assert _texts(browser, "#properties .pname") == ["short"]
        assert (
            browser.evaluate(
                "document.querySelectorAll('main script, main img, #chart foreignObject').length"
            )
            == 0
        )
        assert browser.evaluate("document.body.hasAttribute('data-pwned')") is False
        assert browser.evaluate("document.title").startswith("Evil - ")
        assert browser.problems() == []

        # an address with a path the model does not have: the message, not a blank page
        start = server.explorer.start
        browser.goto(page_url(server, Place(start.spec, start.params, (0, 5), 1)))
        browser.wait_for("document.body.dataset.ready === 'error'")
        assert _texts(browser, "#error") == [
            "path step 1 takes action 5, but the state there has 1 action"
        ]


def test_the_screenshot_command_draws_the_readme_picture(tmp_path: Path) -> None:
    from tests.explorer_screenshot import HEIGHT, WIDTH, screenshot

    shot = tmp_path / "explorer.png"
    screenshot(shot)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    committed = Path(__file__).parent.parent / "docs" / "explorer.png"
    assert struct.unpack(">II", committed.read_bytes()[16:24]) == (WIDTH, HEIGHT)
    assert len(data) > 50_000  # the page with its chart, not a blank one
