"""How a check's result and a trace show themselves in Jupyter (``_repr_html_``).

A :class:`~modelcheck.CheckResult` shows the text report, then, for each trace, its chart
drawn inline as SVG where Graphviz's ``dot`` is installed (a one-line note where it is
not). A bare :class:`~modelcheck.Trace` does not know its model, so it shows its steps as
text. Everything is escaped; nothing is fetched from outside the page.
"""

from __future__ import annotations

import html
from typing import Any

from modelcheck.model import Model, format_label
from modelcheck.result import CheckResult
from modelcheck.trace import Trace
from modelcheck.values import format_value, to_plain

__all__ = ["result_html", "trace_html"]

_PRE = '<pre style="font-size: 12px; line-height: 1.3">{}</pre>'


def result_html(result: CheckResult, model: Model[Any] | None) -> str:
    """The report of ``result`` as HTML, with each trace's chart inline (when ``model`` is
    known and ``dot`` is installed)."""
    from modelcheck.render.chart import chart_dot
    from modelcheck.render.draw import DotMissing, draw_svg
    from modelcheck.render.text import format_result

    if model is None:
        return _PRE.format(html.escape(_summary(result)))
    parts = [_PRE.format(html.escape(format_result(result, model, timing=False)))]
    for prop in result.properties:
        if prop.trace is None:
            continue
        try:
            svg = draw_svg(chart_dot(model, prop.trace, prop))
        except DotMissing:
            parts.append("<p>(install Graphviz's dot to see the chart inline)</p>")
            break
        parts.append(f"<div>{svg[svg.find('<svg') :]}</div>")  # no XML prolog inside HTML
    return "\n".join(parts)


def trace_html(trace: Trace) -> str:
    """A trace as numbered steps: each action and the whole state after it."""
    lines = []
    for number, step in enumerate(trace.steps):
        what = "initial state" if step.label is None else format_label(step.label)
        lines.append(f"{number:>3}  {what}")
        lines.append(f"     {format_value(to_plain(step.state))}")
    if trace.loop is not None:
        lines.append(f"(a lasso: the loop starts at step {trace.loop})")
    return _PRE.format(html.escape("\n".join(lines)))


def _summary(result: CheckResult) -> str:
    lines = [
        f"{result.model}: {result.distinct:,} distinct states, {result.generated:,} generated, "
        f"depth {result.depth}"
    ]
    lines.extend(f"  {p.status:<10} {p.kind:<10}{p.name}" for p in result.properties)
    return "\n".join(lines)
