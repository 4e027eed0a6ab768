"""Renderers: turn results and traces into text and JSON. With cli/, the only code that
produces output for people; none of it changes what was found."""

from modelcheck.render.json import result_to_json, trace_to_json
from modelcheck.render.text import format_progress, format_result, format_trace

__all__ = ["format_progress", "format_result", "format_trace", "result_to_json", "trace_to_json"]
