"""Colour for a terminal: verdicts and errors, never anywhere else.

Colour is used only when the stream is a terminal and ``NO_COLOR`` is unset (or empty), as
the NO_COLOR convention asks; output to a file or a pipe is the same bytes as without
colour.

>>> colour_report("  violated   always    TCConsistent  (5 steps)\\n").split("\\x1b")
['  ', '[31m', '[1mviolated', '[0m   always    TCConsistent  (5 steps)\\n']
"""

from __future__ import annotations

import os
import re
from typing import IO, Any

import click

__all__ = ["colour_error", "colour_report", "use_colour"]

_STYLES: dict[str, dict[str, Any]] = {
    "violated": {"fg": "red", "bold": True},
    "unreached": {"fg": "red", "bold": True},
    "holds": {"fg": "green"},
    "reached": {"fg": "green"},
    "unknown": {"fg": "yellow"},
}
# A verdict line of the text report: two spaces, the status, then its padding.
_VERDICT = re.compile(r"^  (violated|unreached|holds|reached|unknown)(?= )", re.MULTILINE)


def use_colour(stream: IO[str]) -> bool:
    """True if ``stream`` is a terminal and the user did not ask for no colour."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def colour_report(text: str) -> str:
    """The report with each verdict line's status coloured (the rest as it is)."""
    return _VERDICT.sub(lambda m: "  " + click.style(m.group(1), **_STYLES[m.group(1)]), text)


def colour_error(line: str) -> str:
    """``error:`` in bold red at the start of a one-line error."""
    if line.startswith("error:"):
        return click.style("error:", fg="red", bold=True) + line[len("error:") :]
    return line
