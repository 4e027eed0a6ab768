"""A self-contained HTML report of one trace: one file, inline CSS and JavaScript, no network.

It holds the chart (the SVG drawn by Graphviz, inline; or a line saying why there is none),
the search's statistics, every step as a table (action and what changed, old -> new), and a
step-through: buttons and the arrow keys (Home and End too) move through the states,
showing the current state in full and what its step changed, and highlighting the step in
the chart.

Every piece of text from the model is escaped: in the page with :func:`html.escape`, in the
embedded trace data as JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` etc., and the
script puts it into the page only through ``textContent``. A content security policy
forbids any network access.

Opened as ``report.html#selftest``, the page steps forward to the end and back to the start
by itself, checking at each step that what it shows is that step, and writes the outcome
into ``<pre id="selftest">`` (``selftest: ok ...`` or ``selftest: FAIL ...``): a headless
browser's ``--dump-dom`` shows it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from modelcheck.model import Model
from modelcheck.render._sequence import notes_of
from modelcheck.render._states import plain_state
from modelcheck.render.chart import property_line
from modelcheck.render.text import _changes
from modelcheck.result import PropertyResult
from modelcheck.trace import Trace
from modelcheck.values import format_value

__all__ = ["html_report", "inline_svg"]

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG without its XML prolog, doctype and comments, to sit inside a page."""
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    return re.sub(r"<!--.*?-->\n?", "", body, flags=re.DOTALL)


def _json_for_script(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def html_report(
    model: Model[Any],
    trace: Trace,
    prop: PropertyResult | None,
    *,
    title: str,
    svg: str | None,
    no_chart: str,
    stats: Mapping[str, Any],
    replay_command: str | None = None,
) -> str:
    """The report page. ``svg`` is the chart (None when it could not be drawn: ``no_chart``
    then says why); ``stats`` are shown as a table, in order."""
    esc = html.escape
    states = [plain_state(model, step.state) for step in trace.steps]
    steps: list[dict[str, Any]] = []
    for number, (step, state) in enumerate(zip(trace.steps, states, strict=True)):
        changes = [] if number == 0 else _changes(states[number - 1], state) or ["(no change)"]
        changes = [f"note: {note}" for note in notes_of(step.label)] + changes
        steps.append(
            {
                "action": step.action or "initial state",
                "changes": changes,
                "state": [f"{k} = {format_value(v)}" for k, v in state.items()],
            }
        )
    loop = trace.loop
    data = {"steps": steps, "loop": loop}
    verdict = property_line(prop) if prop is not None and prop.trace is not None else ""
    bad = prop is not None and prop.status == "violated"
    rows = []
    for number, shown in enumerate(steps):
        in_loop = loop is not None and loop < len(trace) and number > loop
        cls = ' class="loop"' if in_loop else ""
        change_text = "<br>".join(esc(c) for c in shown["changes"])
        rows.append(
            f'<tr id="row-{number}"{cls} data-step="{number}"><td class="num">{number}</td>'
            f"<td>{esc(str(shown['action']))}</td><td>{change_text}</td></tr>"
        )
    stats_rows = "".join(
        f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in stats.items()
    )
    loop_note = ""
    if loop is not None:
        n = len(trace)
        loop_note = (
            f"<p class='loopnote'>A lasso: steps {loop + 1}&ndash;{n} (shaded) repeat forever, "
            f"the last state being the state of step {loop}.</p>"
            if loop < n
            else "<p class='loopnote'>A lasso: the last state stays forever.</p>"
        )
    chart = (
        f'<div class="chart" id="chart">{inline_svg(svg)}</div>'
        if svg is not None
        else f'<p class="nochart" id="nochart">No chart: {esc(no_chart)}</p>'
    )
    replay = (
        f"<p class='replay'>Replay: <code>{esc(replay_command)} --path {esc(trace.path)}</code></p>"
        if replay_command
        else f"<p class='replay'>Path: <code>{esc(trace.path)}</code></p>"
    )
    return _PAGE.format(
        csp=_CSP,
        title=esc(title),
        verdict_class="bad" if bad else "good",
        verdict=esc(verdict) if verdict else "Trace",
        replay=replay,
        stats=stats_rows,
        chart=chart,
        loop_note=loop_note,
        rows="".join(rows),
        data=_json_for_script(data),
        script=_SCRIPT,
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  margin: 0; color: #1f2d3d; background: #fbfcfc; }}
header {{ padding: 12px 20px; background: #eaf2f8; border-bottom: 1px solid #d6eaf8; }}
h1 {{ font-size: 18px; margin: 0 0 4px; }}
.verdict {{ font-weight: 600; margin: 4px 0; }}
.verdict.bad {{ color: #a93226; }} .verdict.good {{ color: #1e8449; }}
main {{ display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr); gap: 16px;
  padding: 16px 20px; }}
.wide {{ grid-column: 1 / -1; }}
section {{ background: white; border: 1px solid #e5e8e8; border-radius: 6px; padding: 10px 14px; }}
h2 {{ font-size: 15px; margin: 0 0 8px; }}
.chart {{ overflow: auto; }}
.chart svg {{ max-width: 100%; height: auto; }}
.chart g[id^="step-"] {{ cursor: pointer; }}
.chart .current text {{ font-weight: bold; fill: #c0392b; }}
.chart .current polygon {{ fill: #fdebd0; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ text-align: left; vertical-align: top; padding: 3px 6px;
  border-bottom: 1px solid #f2f3f4; }}
td.num {{ text-align: right; color: #7f8c8d; width: 2em; }}
#steps tr {{ cursor: pointer; }} #steps tr.loop {{ background: #f4ecf7; }}
#steps tr.current {{ background: #fcf3cf; }}
#steps td {{ font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; }}
.controls {{ display: flex; gap: 6px; align-items: center; margin-bottom: 8px; }}
button {{ font-size: 14px; padding: 3px 10px; }}
#position {{ font-weight: 600; margin-left: 8px; }}
#action, #changes, #state {{ font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace;
  white-space: pre-wrap; margin: 4px 0 10px; }}
#action {{ font-weight: bold; }} #changes {{ color: #7d6608; }}
.stats th {{ width: 35%; color: #566573; font-weight: normal; }}
.stats td {{ overflow-wrap: anywhere; }}
.nochart {{ color: #a93226; }} .loopnote {{ color: #6c3483; }}
code {{ background: #f4f6f7; padding: 1px 4px; }}
#selftest {{ display: none; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="verdict {verdict_class}" id="verdict">{verdict}</p>
{replay}
</header>
<main>
<section class="wide">
<h2>Chart</h2>
{chart}
{loop_note}
</section>
<section>
<h2>Step through the states</h2>
<div class="controls">
<button id="first" title="first step (Home)">&laquo; first</button>
<button id="prev" title="previous step (left arrow)">&lsaquo; back</button>
<button id="next" title="next step (right arrow)">next &rsaquo;</button>
<button id="last" title="last step (End)">last &raquo;</button>
<span id="position"></span>
</div>
<div>Action</div><div id="action"></div>
<div>Changed</div><div id="changes"></div>
<div>State</div><div id="state"></div>
</section>
<section>
<h2>Statistics</h2>
<table class="stats">{stats}</table>
</section>
<section class="wide">
<h2>Every step</h2>
<table id="steps"><tr><th>#</th><th>action</th><th>changed (old -&gt; new)</th></tr>{rows}</table>
</section>
</main>
<pre id="selftest"></pre>
<script type="application/json" id="trace-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_SCRIPT = r"""
"use strict";
(function () {
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); });
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var steps = data.steps, last = steps.length - 1, current = 0;
  function lines(el, items) { el.textContent = items.join("\n"); }
  function show(k) {
    current = Math.max(0, Math.min(last, k));
    var step = steps[current];
    document.getElementById("position").textContent =
      "step " + current + " of " + last + (data.loop !== null && current > data.loop &&
      data.loop < last ? " (in the loop)" : "");
    document.getElementById("action").textContent = current + "  " + step.action;
    lines(document.getElementById("changes"),
          current === 0 ? ["(the initial state)"] : step.changes);
    lines(document.getElementById("state"), step.state);
    var marked = document.querySelectorAll(".current");
    for (var i = 0; i < marked.length; i++) { marked[i].classList.remove("current"); }
    var row = document.getElementById("row-" + current);
    if (row) { row.classList.add("current"); }
    var node = document.getElementById("step-" + current);
    if (node) { node.classList.add("current"); }
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("next").disabled = current === last;
  }
  document.getElementById("first").addEventListener("click", function () { show(0); });
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("last").addEventListener("click", function () { show(last); });
  var rows = document.querySelectorAll("#steps tr[data-step]");
  for (var r = 0; r < rows.length; r++) {
    rows[r].addEventListener("click", function () { show(Number(this.dataset.step)); });
  }
  var labels = document.querySelectorAll('.chart g[id^="step-"]');
  for (var g = 0; g < labels.length; g++) {
    labels[g].addEventListener("click", function () { show(Number(this.id.slice(5))); });
  }
  document.addEventListener("keydown", function (e) {
    var keys = { ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1,
                 ArrowUp: current - 1, Home: 0, End: last };
    if (e.key in keys) { show(keys[e.key]); e.preventDefault(); }
  });
  show(0);

  function selftest() {
    var problems = [], seen = 0;
    function expect(k) {
      var shown = document.getElementById("action").textContent;
      var want = k + "  " + steps[k].action;
      if (current !== k || shown !== want) {
        problems.push("at step " + k + " the page shows " + JSON.stringify(shown));
      }
      var row = document.querySelector("#steps tr.current");
      if (!row || row.id !== "row-" + k) { problems.push("row " + k + " not marked"); }
      seen++;
    }
    function press(key) {
      document.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true }));
    }
    show(0);
    expect(0);
    for (var k = 1; k <= last; k++) { document.getElementById("next").click(); expect(k); }
    document.getElementById("next").click();
    expect(last);
    for (var j = last - 1; j >= 0; j--) { press("ArrowLeft"); expect(j); }
    press("End"); expect(last);
    press("Home"); expect(0);
    var result = problems.length || errors.length
      ? "selftest: FAIL " + problems.concat(errors).join("; ")
      : "selftest: ok, " + last + " steps forward and back, " + seen + " checks";
    var out = document.getElementById("selftest");
    out.textContent = result;
    out.setAttribute("data-result", problems.length || errors.length ? "fail" : "ok");
  }
  if (location.hash === "#selftest") { setTimeout(selftest, 0); }
})();
"""
