"""Docstrings as one-line descriptions for the terminal, charts and reports.

A property's or a model's description is the first sentence of its docstring's first
paragraph, whatever the line breaks, with reStructuredText markup made plain: ````x````
becomes ```x```, a role such as ``:func:`check``` becomes ``check``.

>>> first_sentence('''At most one running process is registered under the name, across
...     the tables of all running nodes. The pids come from the tables.
...
...     More detail.''')
'At most one running process is registered under the name, across the tables of all running nodes.'
>>> first_sentence("Send ``ping``, e.g. to a peer. See :func:`modelcheck.check`.")
'Send `ping`, e.g. to a peer.'
>>> first_sentence(None)
''
"""

from __future__ import annotations

import inspect
import re

__all__ = ["first_sentence", "plain_markup"]

# A sentence ends at '.', '!' or '?' followed by a space and a capital or a quote, but not
# after a common abbreviation.
_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)[.!?](?=\s+[A-Z`(\"'])")
_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`")


def first_sentence(doc: str | None) -> str:
    """The first sentence of the first paragraph of ``doc``, on one line, markup made plain."""
    if not doc:
        return ""
    paragraph = inspect.cleandoc(doc).split("\n\n")[0]
    text = plain_markup(" ".join(paragraph.split()))
    end = _END.search(text)
    return text[: end.end()] if end else text


def plain_markup(text: str) -> str:
    """reStructuredText's inline markup as plain text: ````x```` as ```x```, roles by name.

    >>> plain_markup("``one_holder`` and :class:`~modelcheck.Model`")
    '`one_holder` and modelcheck.Model'
    """
    return _ROLE.sub(r"\1", _LITERAL.sub(r"`\1`", text))
