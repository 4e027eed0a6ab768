"""Reading a saved trace back: the per-property JSON that ``check --out`` writes, or an ITF
file it wrote. The model is loaded again from the ``PATH:NAME`` and parameters recorded in
the file, the trace replayed by its path, and every state compared with the saved one: a
file that no longer matches its model is an error, not a silently different picture."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelcheckError, UsageError
from modelcheck.loader import ModelRef, instantiate, resolve
from modelcheck.model import Model
from modelcheck.render._states import plain_state
from modelcheck.render.itf import encode_state
from modelcheck.render.json import step_fields
from modelcheck.result import PropertyResult
from modelcheck.trace import Trace, call_model, replay

__all__ = ["Loaded", "SavedTrace", "load_saved", "read_saved"]


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
    """Parse a trace file; a file that is not one is a one-line :class:`UsageError`."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{file}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{file}: not JSON ({exc.msg} at line {exc.lineno})") from None
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
    return SavedTrace(
        file=file,
        form="json",
        spec=spec,
        params=_params(file, doc.get("params")),
        path=_path(file, doc.get("path")),
        loop=_loop(file, doc.get("loop")),
        property=doc.get("property"),
        kind=doc.get("kind"),
        status=doc.get("status"),
        note=str(doc.get("note") or ""),
        search=doc.get("search") or {},
        states=[s.get("state", {}) for s in steps],
        steps=_whats(file, [s.get("what") for s in steps]),
    )


def _from_itf(file: Path, doc: dict[str, Any]) -> SavedTrace:
    meta = doc.get("#meta")
    ours = meta.get("modelcheck") if isinstance(meta, dict) else None
    if not isinstance(ours, dict) or not isinstance(ours.get("spec"), str):
        raise UsageError(
            f"{file}: an ITF trace that does not name its modelcheck model "
            "(#meta.modelcheck.spec): only ITF files written by modelcheck can be replayed"
        )
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
        property=ours.get("property"),
        kind=ours.get("kind"),
        status=ours.get("status"),
        note=str(ours.get("note") or ""),
        search=ours.get("search") or {},
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


def _params(file: Path, params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise UsageError(f"{file}: 'params' must be an object")
    return dict(params)


def _path(file: Path, path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise UsageError(f"{file}: records no path to replay")
    return path


def _loop(file: Path, loop: Any) -> int | None:
    if loop is not None and not (isinstance(loop, int) and loop >= 0):
        raise UsageError(f"{file}: 'loop' must be a step number")
    return loop


def load_saved(file: Path) -> Loaded:
    """Read ``file``, load its model, replay its path and check every state against it."""
    saved = read_saved(file)
    try:
        ref = resolve(saved.spec)
    except ModelcheckError as exc:
        raise UsageError(
            f"{file}: its model {saved.spec} cannot be loaded ({exc.message}); "
            "run this from the folder the trace was checked in"
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
