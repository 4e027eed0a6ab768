"""Values written as Erlang terms: exit reasons, signal senders and monitor targets, as a
BEAM user reads them in labels, charts and one node's view.

A tuple is ``{a,b}``, a list ``[a,b]`` (no spaces, as ``io:format("~p")`` writes them), a
string that is a plain atom (``killed``, ``gen_server``) as it is, any other string quoted
as an Erlang string, ``True``/``False`` as ``true``/``false``, pids and references as they
print. A value with no Erlang form (a record as a NamedTuple, a dict, a frozenset) is
written as states are (:func:`modelcheck.values.format_value`).

>>> erlang_term(("killed", ("gen_server", "call")))
'{killed,{gen_server,call}}'
>>> erlang_term(("shutdown", 1)), erlang_term("no process"), erlang_term(["a", True])
('{shutdown,1}', '"no process"', '[a,true]')
"""

from __future__ import annotations

import json
import re
from typing import Any

from modelcheck.values import format_value, to_plain

__all__ = ["erlang_term"]

#: A string an Erlang shell prints without quotes: an atom starting with a lower-case letter.
_ATOM = re.compile(r"[a-z][A-Za-z0-9_@]*")


def erlang_term(value: Any) -> str:
    """``value`` as an Erlang term (see the module's docstring)."""
    kind = type(value)
    if kind is str:
        return value if _ATOM.fullmatch(value) else json.dumps(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is tuple:
        return "{" + ",".join(erlang_term(v) for v in value) + "}"
    if kind is list:
        return "[" + ",".join(erlang_term(v) for v in value) + "]"
    plain = to_plain(value)
    if isinstance(plain, str):  # a pid, a reference: as they print
        return plain
    return format_value(plain)
