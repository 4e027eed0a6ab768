"""How fast the explorer answers a click: a seeded random walk of 40 steps on models of the
library, each step asked of the real server over HTTP as the page asks it (the view of the
new step, then the chart of the new path), and, where Chromium is installed, the same walk
clicked in the page (from the click to the page showing the step; the chart follows, and
is waited for before the next click, as a reader would).

Usage: python -m benchmarks.explorer   (`make bench` runs it)

Each step is a new path, so nothing is cached: the view computes the successors of the new
state (and of each successor its plain form and diff), the chart is laid out and drawn by
Graphviz's ``dot``. Times are milliseconds: median and maximum over the walk.
"""

from __future__ import annotations

import random
import statistics
import time
from urllib.parse import urlencode

from tests.cdp import BROWSER, Browser
from tests.explorer_helpers import request, serving

STEPS = 40
CASES = [
    ("models/registry/horde_registry.py", {"partitions": "1", "heals": "1"}),
    ("models/registry/global_registry.py", {"partitions": "1", "heals": "1", "nodes": "3"}),
    ("models/election/raft_election.py", {"partitions": "1", "heals": "1", "crashes": "1"}),
    ("models/cap/cp_register.py", {"partitions": "1"}),
    ("models/classic/two_phase.py", {"rms": "5"}),
    ("models/classic/paxos.py", {}),
]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):6.1f} {max(values):6.1f}"


def walk(target: str, params: dict[str, str]) -> tuple[str, list[float], list[float], list[float]]:
    """The model's name, and per step: view time, chart time, in-page time (or none)."""
    rng = random.Random(7)
    views: list[float] = []
    charts: list[float] = []
    page: list[float] = []
    with serving(target, params) as server:
        start = server.explorer.start
        words = [("model", start.spec)] + [("p", f"{k}={v}") for k, v in start.params]
        path = "0"
        _, view = request(server, "/api/view?" + urlencode([*words, ("path", path)]))
        name = view["model"]["title"]
        choices = []
        for _ in range(STEPS):
            if not view["successors"]:
                break
            choice = rng.randrange(len(view["successors"]))
            choices.append(choice)
            path += f".{choice}"
            query = urlencode([*words, ("path", path)])
            began = time.perf_counter()
            status, view = request(server, "/api/view?" + query)
            views.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            request(server, "/api/chart?" + query)
            charts.append((time.perf_counter() - began) * 1000)
            assert status == 200, view
        if BROWSER is not None:
            page = _clicked(server, choices)
    return name, views, charts, page


def _clicked(server: object, choices: list[int]) -> list[float]:
    from modelcheck.explorer import ExplorerServer, page_url

    assert isinstance(server, ExplorerServer)
    # a fresh explorer would be fairer, but the walk's states are cached by now: ask the
    # server to forget them, so the page waits for real work
    server.explorer._nodes.clear()
    for loaded in server.explorer._models.values():
        loaded.charts.clear()
    with Browser() as b:
        b.goto(page_url(server))
        b.wait_for("document.body.dataset.ready === '0@0'")
        path = "0"
        for n, choice in enumerate(choices, start=1):
            b.click(f'#successors li[data-choice="{choice}"] button')
            path += f".{choice}"
            b.wait_for(f"document.body.dataset.ready === '{path}@{n}'")
            b.wait_for(f"document.body.dataset.chart === '{path}'")  # a reader looks first
        times = b.evaluate("window.explorerTimes")
    assert isinstance(times, list)
    return [float(t) for t in times[1:]]


def main() -> None:
    print(f"explorer: a random walk of {STEPS} steps, ms per click (median max)")
    print(f"{'model':<58} {'view':>13} {'chart':>13} {'in the page':>13}")
    for target, params in CASES:
        name, views, charts, page = walk(target, params)
        shown = _ms(page) if page else "   (no Chromium)"
        print(f"{name[:58]:<58} {_ms(views)} {_ms(charts)} {shown}")


if __name__ == "__main__":
    main()
