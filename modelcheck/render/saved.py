"""Reading a saved trace back: the per-property JSON that ``check --out`` writes, or an ITF
file it wrote. The model is loaded again from the ``PATH:NAME`` and parameters recorded in
the file, the trace replayed by its path, and every state compared with the saved one: a
file that no longer matches its model is an error, not a silently different picture.

A trace file may come from someone else (a bug report), and loading its model runs that
model's Python file. So the whole file is validated first (JSON, every field's type and
nesting), and the model file it names is imported only if it lies under the current folder,
unless the caller allows more (``render --allow-outside``): a refusal names the file that
would have run, and nothing has run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelcheckError, UsageError
from modelcheck.loader import ModelRef, instantiate, resolve, split_target
from modelcheck.model import Model
from modelcheck.properties import ALWAYS, DEADLOCK, LIVENESS, SOMETIMES
from modelcheck.render._states import plain_state
from modelcheck.render.itf import encode_state
from modelcheck.render.json import step_fields
from modelcheck.result import PropertyResult
from modelcheck.trace import Trace, call_model, parse_path, replay

__all__ = ["MAX_NESTING", "Loaded", "SavedTrace", "load_saved", "read_saved"]

#: How deeply a trace file's JSON may nest: a state nested as deep as a search allows
#: (``values.MAX_DEPTH``) takes up to three JSON levels a level (an ITF map).
MAX_NESTING = 400
_KINDS = frozenset({ALWAYS, SOMETIMES, DEADLOCK, "trace"}) | LIVENESS
_STATUSES = ("holds", "violated", "reached", "unreached", "unknown")
_SEARCH_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "strategy": ((str,), "a string"),
    "distinct": ((int,), "a whole number"),
    "generated": ((int,), "a whole number"),
    "depth": ((int,), "a whole number"),
    "complete": ((bool,), "true or false"),
    "stopped": ((str, type(None)), "a string or null"),
    "seconds": ((int, float), "a number"),
}


@dataclass(frozen=True)
class SavedTrace:
    """What a trace file records. ``states`` are the saved states, in the file's own form
    (plain JSON for modelcheck's JSON, ITF expressions for ITF), to compare on replay."""

    file: Path
    form: str  # "json" or "itf"
    spec: str
    params: dict[str, Any]
    path: str
    loop: int | None
    property: str | None
    kind: str | None
    status: str | None
    note: str
    search: dict[str, Any] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    #: What each step was (``what``), as the file records it; None in files written before
    #: steps carried it.
    steps: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Loaded:
    """A saved trace replayed against its model."""

    saved: SavedTrace
    ref: ModelRef
    model: Model[Any]
    trace: Trace
    prop: PropertyResult


def read_saved(file: Path) -> SavedTrace:
    """Parse and validate a trace file, every field of it; a file that is not a trace
    modelcheck wrote is a one-line :class:`UsageError`. Nothing of the model is loaded."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{file}: cannot be read: {exc}") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{file}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise UsageError(f"{file}: nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # an integer too long to convert, or NaN / Infinity
        raise UsageError(f"{file}: not a trace modelcheck wrote ({_first_clause(exc)})") from None
    if _nesting(doc) > MAX_NESTING:
        raise UsageError(f"{file}: nested more than {MAX_NESTING} levels deep")
    if not isinstance(doc, dict):
        raise UsageError(f"{file}: not a trace (a JSON object was expected)")
    if "states" in doc and "vars" in doc:
        return _from_itf(file, doc)
    if "trace" in doc and "path" in doc:
        return _from_json(file, doc)
    raise UsageError(
        f"{file}: not a trace file: expected the PROPERTY.json or PROPERTY.itf.json that "
        "'modelcheck check --out' writes"
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _first_clause(exc: Exception) -> str:
    """The gist of a ``ValueError`` from the JSON parser, without its advice to Python code."""
    return str(exc).split(";")[0].split(":")[0]


def _nesting(doc: Any) -> int:
    """How deeply ``doc`` nests (a scalar: 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth <= MAX_NESTING:
                stack.extend((item, depth + 1) for item in value)
    return deepest


def _from_json(file: Path, doc: dict[str, Any]) -> SavedTrace:
    spec = doc.get("spec")
    if not isinstance(spec, str) or not spec:
        raise UsageError(
            f"{file}: records no model ('spec': PATH:NAME); write it again with "
            "'modelcheck check ... --out DIR'"
        )
    steps = doc["trace"]
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise UsageError(f"{file}: 'trace' must be a list of steps")
    for number, step in enumerate(steps):
        if not isinstance(step.get("state"), dict):
            raise UsageError(f"{file}: step {number} of 'trace' has no 'state' object")
        _field(file, f"step {number}'s 'action'", step.get("action"))
    return SavedTrace(
        file=file,
        form="json",
        spec=spec,
        params=_params(file, doc.get("params")),
        path=_path(file, doc.get("path")),
        loop=_loop(file, doc.get("loop")),
        **_about(file, doc),
        states=[s["state"] for s in steps],
        steps=_whats(file, [s.get("what") for s in steps]),
    )


def _from_itf(file: Path, doc: dict[str, Any]) -> SavedTrace:
    meta = doc.get("#meta")
    ours = meta.get("modelcheck") if isinstance(meta, dict) else None
    if not isinstance(ours, dict) or not isinstance(ours.get("spec"), str) or not ours["spec"]:
        raise UsageError(
            f"{file}: an ITF trace that does not name its modelcheck model "
            "(#meta.modelcheck.spec): only ITF files written by modelcheck can be replayed"
        )
    names = doc["vars"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise UsageError(f"{file}: 'vars' must be a list of variable names")
    states = doc["states"]
    if not isinstance(states, list) or not all(isinstance(s, dict) for s in states):
        raise UsageError(f"{file}: 'states' must be a list of objects")
    return SavedTrace(
        file=file,
        form="itf",
        spec=ours["spec"],
        params=_params(file, ours.get("params")),
        path=_path(file, ours.get("path")),
        loop=_loop(file, doc.get("loop")),
        **_about(file, ours),
        states=[{k: v for k, v in s.items() if k != "#meta"} for s in states],
        steps=_whats(file, [(s.get("#meta") or {}).get("what") for s in states]),
    )


def _as_json(value: Any) -> Any:
    """``value`` as it reads back from a JSON file."""
    return json.loads(json.dumps(value))


def _whats(file: Path, whats: list[Any]) -> list[dict[str, Any]] | None:
    """The steps' ``what`` objects: all of them, or None when the file has none (older)."""
    if all(w is None for w in whats):
        return None
    if not all(isinstance(w, dict) and isinstance(w.get("kind"), str) for w in whats):
        raise UsageError(f"{file}: a step's 'what' must be an object with a 'kind'")
    return whats


def _about(file: Path, doc: dict[str, Any]) -> dict[str, Any]:
    """The fields that describe the trace: property, kind, status, note and search."""
    kind = _field(file, "'kind'", doc.get("kind"))
    if kind is not None and kind not in _KINDS:
        raise UsageError(f"{file}: 'kind' must be one of {', '.join(sorted(_KINDS))}, not {kind!r}")
    status = _field(file, "'status'", doc.get("status"))
    if status is not None and status not in _STATUSES:
        raise UsageError(f"{file}: 'status' must be one of {', '.join(_STATUSES)}, not {status!r}")
    search = doc.get("search")
    if search is not None and not isinstance(search, dict):
        raise UsageError(f"{file}: 'search' must be an object")
    for key, value in (search or {}).items():
        if key not in _SEARCH_FIELDS:
            raise UsageError(f"{file}: 'search' has an unknown field {key!r}")
        types, words = _SEARCH_FIELDS[key]
        if isinstance(value, bool) is not (bool in types) or not isinstance(value, types):
            raise UsageError(f"{file}: 'search.{key}' must be {words}")
    return {
        "property": _field(file, "'property'", doc.get("property")),
        "kind": kind,
        "status": status,
        "note": _field(file, "'note'", doc.get("note")) or "",
        "search": search or {},
    }


def _field(file: Path, name: str, value: Any) -> str | None:
    """``value`` if it is None or a string; else a :class:`UsageError` naming the field."""
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{file}: {name} must be a string or null, not {_kind_of(value)}")
    return value


def _kind_of(value: Any) -> str:
    """The JSON name of a value's type: for messages."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _params(file: Path, params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise UsageError(f"{file}: 'params' must be an object")
    for name, value in params.items():
        if not isinstance(value, str | int | float):  # bool is an int
            raise UsageError(
                f"{file}: parameter {name!r} must be a number, a string or true/false, "
                f"not {_kind_of(value)}"
            )
    return dict(params)


def _path(file: Path, path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise UsageError(f"{file}: records no path to replay")
    try:
        parse_path(path)
    except UsageError as exc:
        raise UsageError(f"{file}: {exc.message}") from None
    return path


def _loop(file: Path, loop: Any) -> int | None:
    if loop is not None and not (
        isinstance(loop, int) and not isinstance(loop, bool) and loop >= 0
    ):
        raise UsageError(f"{file}: 'loop' must be a step number")
    return loop


def load_saved(file: Path, allow_outside: bool = False) -> Loaded:
    """Read ``file``, load its model, replay its path and check every state against it.

    The model file is imported only if it lies under the current folder, or if
    ``allow_outside``: a trace file someone sent must not run code from elsewhere.
    """
    saved = read_saved(file)
    model_file = split_target(saved.spec)[0]
    here = Path.cwd().resolve()
    where = (here / model_file).resolve()
    if not allow_outside and not where.is_relative_to(here):
        raise UsageError(
            f"{file}: its model file {model_file} is outside the current folder, and "
            f"rendering would import and run {where}: nothing was run; pass --allow-outside "
            "if you trust that file"
        )
    try:
        ref = resolve(saved.spec)
    except ModelcheckError as exc:
        ran = where.is_file() and where.suffix == ".py"
        raise UsageError(
            f"{file}: its model {saved.spec} cannot be loaded ({exc.message})"
            + (
                f"; {model_file} was imported, so its code ran"
                if ran
                else "; run this from the folder the trace was checked in"
            )
        ) from None
    model = instantiate(ref, saved.params)
    trace = replay(model, saved.path)
    if saved.loop is not None:
        if saved.loop > len(trace) or (
            saved.loop < len(trace) and trace.final != trace.steps[saved.loop].state
        ):
            raise UsageError(
                f"{file}: the loop back to step {saved.loop} does not close: the last state "
                "is not that step's state (the model changed since the trace was saved?)"
            )
        trace = Trace(trace.steps, loop=saved.loop)
    _compare(saved, model, trace)
    descriptions = {
        p.name: p.description for p in call_model(lambda: list(model.properties()), "properties()")
    }
    kind = saved.kind or "trace"
    prop = PropertyResult(
        name=saved.property or file.name,
        kind=kind,  # type: ignore[arg-type]
        status=saved.status or "unknown",  # type: ignore[arg-type]
        trace=trace,
        description=descriptions.get(saved.property or "", ""),
        note=saved.note,
    )
    return Loaded(saved, ref, model, trace, prop)


def _compare(saved: SavedTrace, model: Model[Any], trace: Trace) -> None:
    """Raise if the replayed states are not the saved ones."""
    if len(saved.states) != len(trace.steps):
        raise UsageError(
            f"{saved.file}: holds {len(saved.states)} states but its path replays "
            f"{len(trace.steps)} (the model changed since the trace was saved?)"
        )
    for number, (want, step) in enumerate(zip(saved.states, trace.steps, strict=True)):
        if saved.form == "itf":
            got = encode_state(model, step.state)
            mismatch = any(got[k] != want.get(k) for k in got)
        else:
            mismatch = plain_state(model, step.state) != want
        if mismatch:
            raise UsageError(
                f"{saved.file}: step {number} of the replayed path differs from the saved "
                "state (the model changed since the trace was saved?)"
            )
        if saved.steps is not None and saved.steps[number] != _as_json(
            step_fields(model, step.label)
        ):
            raise UsageError(
                f"{saved.file}: step {number} of the replayed path is not the saved step "
                f"({step.action}; the model changed since the trace was saved?)"
            )
