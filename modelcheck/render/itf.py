"""ITF, the Informal Trace Format of Apalache and Quint (ADR-015): traces as JSON.

A trace is ``{"#meta": {...}, "vars": [...], "states": [...], "loop": k}``; each state maps
every variable to an expression. Values are encoded as the format says: integers as
``{"#bigint": "42"}`` (the current revision of the format writes every integer so),
frozensets as ``{"#set": [...]}``, tuples as ``{"#tup": [...]}``, dicts as
``{"#map": [[key, value], ...]}``, NamedTuples and frozen dataclasses as records (JSON
objects), lists as lists. ``None`` and enum members become Quint-style variants
(``{"tag": "None", "value": {"#tup": []}}``); anything the format cannot express (a float,
bytes) is ``{"#unserializable": "..."}``. Set elements and map entries are sorted by their
JSON text, so the same trace always gives the same bytes.

The variables are the fields of ``model.show(state)``. A field that some states leave out
(an actor system shows no ``in flight`` when nothing is) is written in every state, as the
format requires: as the empty value of its kind.

>>> encode_value((1, frozenset({"b", "a"}), None))
{'#tup': [{'#bigint': '1'}, {'#set': ['a', 'b']}, {'tag': 'None', 'value': {'#tup': []}}]}
>>> decode_value({"#map": [[{"#bigint": "1"}, {"#tup": [True, "x"]}]]})
{1: (True, 'x')}
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.model import Model
from modelcheck.render.json import step_fields
from modelcheck.trace import Trace, call_model
from modelcheck.values import int_text

__all__ = ["ITF_SPEC", "Record", "decode_value", "encode_state", "encode_value", "trace_to_itf"]

#: Where the format is described.
ITF_SPEC = "https://apalache-mc.org/docs/adr/015adr-trace.html"

_UNIT: dict[str, list[Any]] = {"#tup": []}


class Record(dict[str, Any]):
    """A decoded ITF record (a JSON object): a dict that encodes back as a record, where a
    plain dict is a ``#map``."""


def encode_value(value: Any) -> Any:
    """A state value as an ITF expression (see the module's documentation)."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Record):
        return {k: encode_value(v) for k, v in value.items()}
    if isinstance(value, int):
        return {"#bigint": int_text(value)}
    if value is None:
        return {"tag": "None", "value": dict(_UNIT)}
    if isinstance(value, enum.Enum):
        return {"tag": value.name, "value": dict(_UNIT)}
    custom = getattr(type(value), "__modelcheck_plain__", None)
    if custom is not None:
        return encode_value(custom(value))
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {str(k): encode_value(v) for k, v in value._asdict().items()}
    if isinstance(value, tuple):
        return {"#tup": [encode_value(v) for v in value]}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, frozenset | set):
        return {"#set": sorted((encode_value(v) for v in value), key=_order)}
    if isinstance(value, Mapping):
        pairs = [[encode_value(k), encode_value(v)] for k, v in value.items()]
        return {"#map": sorted(pairs, key=lambda pair: _order(pair[0]))}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, float):
        return {"#unserializable": repr(value)}
    if isinstance(value, bytes):
        return {"#unserializable": f"bytes {value.hex()}"}
    return {"#unserializable": str(value)}


def decode_value(expr: Any) -> Any:
    """An ITF expression as a Python value: ints, frozensets, tuples, dicts (maps),
    :class:`Record` (records), lists, strings and booleans; a ``None`` variant as None,
    another variant as a record ``{"tag": ..., "value": ...}``. A malformed expression is a
    :class:`UsageError`."""
    if isinstance(expr, bool | str):
        return expr
    if isinstance(expr, int):
        return expr
    if isinstance(expr, list):
        return [decode_value(e) for e in expr]
    if not isinstance(expr, dict):
        raise UsageError(f"not an ITF expression: {json.dumps(expr)}")
    if len(expr) == 1:
        key, inner = next(iter(expr.items()))
        if key == "#bigint":
            if not (isinstance(inner, str) and inner.lstrip("-").isdigit()):
                raise UsageError(f"malformed #bigint: {json.dumps(inner)[:40]}")
            try:
                return int(inner)
            except ValueError:  # more digits than Python converts from untrusted text
                raise UsageError(f"#bigint of {len(inner)} characters: too long") from None
        if key in ("#tup", "#set", "#map") and not isinstance(inner, list):
            raise UsageError(f"malformed {key}: {json.dumps(inner)}")
        if key == "#tup":
            return tuple(decode_value(e) for e in inner)
        if key == "#set":
            return frozenset(_hashable(decode_value(e)) for e in inner)
        if key == "#map":
            if not all(isinstance(p, list) and len(p) == 2 for p in inner):
                raise UsageError(f"malformed #map: {json.dumps(inner)}")
            return {_hashable(decode_value(k)): decode_value(v) for k, v in inner}
        if key == "#unserializable":
            return {"#unserializable": inner}
    if set(expr) == {"tag", "value"} and expr["tag"] == "None" and expr["value"] == _UNIT:
        return None
    return Record((k, decode_value(v)) for k, v in expr.items() if k != "#meta")


def _hashable(value: Any) -> Any:
    """Dicts and lists (records, maps, lists) as tuples, so that they can be set elements."""
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _order(expr: Any) -> str:
    return json.dumps(expr, sort_keys=True)


def _empty_like(expr: Any) -> Any:
    """The empty value of the kind of ``expr``: for fields some states leave out."""
    if isinstance(expr, list):
        return []
    if isinstance(expr, dict) and len(expr) == 1:
        key = next(iter(expr))
        if key in ("#set", "#map", "#tup"):
            return {key: []}
    if isinstance(expr, str):
        return ""
    return {"#unserializable": "absent"}


def encode_state(model: Model[Any], state: Any) -> dict[str, Any]:
    """The fields of ``model.show(state)``, each encoded as an ITF expression."""
    shown = call_model(lambda: model.show(state), "show()")
    return {str(k): encode_value(v) for k, v in shown.items()}


def trace_to_itf(model: Model[Any], trace: Trace, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The ITF document of ``trace``; ``meta`` becomes the trace's ``#meta`` object.

    Each state's own ``#meta`` holds its index, the choice taken (the path), the action (its
    text) and what the step was as plain data (``what``: kind, node, message or signal,
    fault; see :func:`modelcheck.render.json.step_fields`).
    """
    shown = [encode_state(model, step.state) for step in trace.steps]
    names: list[str] = []
    sample: dict[str, Any] = {}
    for fields in shown:
        for name, value in fields.items():
            if name not in sample:
                names.append(name)
                sample[name] = value
    states = []
    for number, (step, fields) in enumerate(zip(trace.steps, shown, strict=True)):
        state_meta: dict[str, Any] = {"index": number, "choice": step.choice}
        if step.action is not None:
            state_meta["action"] = step.action
        state_meta["what"] = step_fields(model, step.label)
        state: dict[str, Any] = {"#meta": state_meta}
        for name in names:
            state[name] = fields[name] if name in fields else _empty_like(sample[name])
        states.append(state)
    doc: dict[str, Any] = {"#meta": dict(meta), "vars": names, "states": states}
    if trace.loop is not None:
        doc["loop"] = trace.loop
    return doc
