"""What the explorer computes, with no web server in sight: a model at a path, its enabled
steps, its state as a tree with the changes marked, the properties judged, the chart, a
bounded search from the current state, and a saved trace opened.

Everything a page shows is a function of a :class:`Place` — a model (one this explorer was
started with, or one a saved trace named), its parameters as ``-p`` words, a path (the
``--path`` encoding of :mod:`modelcheck.trace`) and the step of it being looked at — so a URL
holding those four is a scenario anyone can open again. Successors are computed when a
state is looked at and kept (states, their plain form and property values, by path), so
going back and forth costs nothing. One lock serializes model code, which need not be
thread-safe.

Nothing here prints; every mistake is a :class:`~modelcheck.errors.ModelcheckError` whose
message the server sends back as it is.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelcheckError, UsageError
from modelcheck.explore import check
from modelcheck.loader import ModelRef, instantiate
from modelcheck.model import Model, format_label
from modelcheck.params import parse_assignments
from modelcheck.properties import ALWAYS, LIVENESS, SOMETIMES, Property
from modelcheck.render._states import plain_state
from modelcheck.render.chart import chart_dot
from modelcheck.render.command import model_command, param_words
from modelcheck.render.draw import NO_DOT, DotMissing, draw_svg
from modelcheck.render.html import inline_svg
from modelcheck.render.saved import load_saved
from modelcheck.render.text import _changes
from modelcheck.trace import Step, Trace, call_model, expand, initial_states, parse_path
from modelcheck.values import format_value

__all__ = ["Explorer", "Place", "state_tree"]

#: How many explored states are kept (by path) before the oldest are forgotten.
_KEEP = 50_000


@dataclass(frozen=True)
class Place:
    """A model, its parameters (``-p`` words, in the order given), a path and a step of it."""

    spec: str
    params: tuple[tuple[str, str], ...]
    path: tuple[int, ...]
    at: int

    @staticmethod
    def parse(spec: str, params: Sequence[str], path: str | None, at: str | None) -> Place:
        """A place from the URL's words; a malformed one is a :class:`UsageError`."""
        pairs = tuple(parse_assignments(params).items())
        choices = parse_path(path) if path else (0,)
        if at is None or at == "":
            step = len(choices) - 1
        elif at.isdigit() and int(at) < len(choices):
            step = int(at)
        else:
            raise UsageError(f"step '{at}' is not a step of the path (0 to {len(choices) - 1})")
        return Place(spec, pairs, choices, step)

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Which model instance: the spec and the parameters, sorted."""
        return self.spec, tuple(sorted(self.params))


@dataclass
class _Node:
    """A state reached by a path: its label, its plain form, its properties' values."""

    label: Any
    text: str
    state: Any
    plain: dict[str, Any]
    changes: list[str]
    values: dict[str, Any] | None = None
    successors: list[tuple[Any, Any]] | None = None


@dataclass
class _Loaded:
    """A model instance and what was computed of it."""

    ref: ModelRef
    model: Model[Any]
    props: list[Property]
    command: str
    inits: list[Any] | None = None
    charts: OrderedDict[tuple[int, ...], dict[str, str]] = field(default_factory=OrderedDict)


class Explorer:
    """The models one explorer serves and what it has computed of them.

    ``ref`` and ``params`` (``-p`` words; fault options included) are where it starts;
    ``path`` a path to start at. ``find_states`` and ``find_seconds`` bound "find a path
    from here".
    """

    def __init__(
        self,
        ref: ModelRef,
        params: Mapping[str, str],
        *,
        path: str | None = None,
        find_states: int = 200_000,
        find_seconds: float = 20.0,
    ) -> None:
        self.find_states = find_states
        self.find_seconds = find_seconds
        self._refs: dict[str, ModelRef] = {ref.spec: ref}
        self._models: dict[tuple[str, tuple[tuple[str, str], ...]], _Loaded] = {}
        self._nodes: OrderedDict[tuple[Any, tuple[int, ...]], _Node] = OrderedDict()
        self._lock = threading.Lock()
        self.start = Place.parse(ref.spec, [f"{k}={v}" for k, v in params.items()], path, None)
        with self._lock:
            self._node(self.start, self.start.path)  # a bad model or path fails now, not later

    # -- the public face: each answers one request ---------------------------------------

    def view(self, place: Place) -> dict[str, Any]:
        """Everything the page shows at ``place``: the path, the state, the enabled steps,
        the properties, the replay command."""
        with self._lock:
            loaded = self._model(place)
            nodes = [self._node(place, place.path[: n + 1]) for n in range(len(place.path))]
            here = nodes[place.at]
            before = nodes[place.at - 1].plain if place.at else None
            successors = self._successors(place, place.path[: place.at + 1])
            following = place.path[place.at + 1] if place.at + 1 < len(place.path) else None
            options = []
            for choice in range(len(successors)):
                shown = self._node(place, (*place.path[: place.at + 1], choice))
                options.append(
                    {
                        "choice": choice,
                        "action": shown.text,
                        "changes": shown.changes,
                        "taken": choice == following,
                    }
                )
            steps = [{"action": node.text, "changes": node.changes} for node in nodes]
            properties = self._judged(loaded, nodes[: place.at + 1], not successors)
            upto = ".".join(map(str, place.path[: place.at + 1]))
            return {
                "model": _describe(loaded, place),
                "path": ".".join(map(str, place.path)),
                "at": place.at,
                "steps": steps,
                "state": state_tree(here.plain, before),
                "changes": here.changes,
                "successors": options,
                "properties": properties,
                "replay": f"{loaded.command} --path {upto}",
            }

    def chart(self, place: Place) -> dict[str, str]:
        """The chart of the whole path: ``{"svg": ...}``, or ``{"none": why}``."""
        with self._lock:
            loaded = self._model(place)
            cached = loaded.charts.get(place.path)
            if cached is not None:
                loaded.charts.move_to_end(place.path)
                return cached
            source = chart_dot(loaded.model, self._trace(place, place.path), None)
        try:  # Graphviz runs without the lock: the next click need not wait for it
            answer = {"svg": inline_svg(draw_svg(source))}
        except DotMissing:
            answer = {"none": NO_DOT}
        with self._lock:
            loaded.charts[place.path] = answer
            while len(loaded.charts) > 64:
                loaded.charts.popitem(last=False)
            return answer

    def find(self, place: Place, name: str) -> dict[str, Any]:
        """A bounded breadth-first search from the state at ``place`` for a counterexample
        (or, for ``sometimes``, an example) of property ``name``; the path it found, from
        the model's initial state, or why there is none."""
        with self._lock:
            loaded = self._model(place)
            wanted: list[Property | None] = [p for p in loaded.props if p.name == name]
            if name == "deadlock" and loaded.model.deadlock:
                wanted = [None]
            if not wanted:
                known = ", ".join(p.name for p in loaded.props) or "none"
                raise UsageError(f"{loaded.ref.spec} has no property '{name}' (it has: {known})")
            here = place.path[: place.at + 1]
            start = self._node(place, here).state
            result = check(
                _from_state(loaded.model, start, wanted[0]),
                max_states=self.find_states,
                time_limit=self.find_seconds,
            )
            verdict = result.verdict(name)
            answer: dict[str, Any] = {"status": verdict.status, "property": name}
            counted = f"{result.distinct:,} state{'s' if result.distinct != 1 else ''}"
            if verdict.trace is None:
                if result.complete:
                    how = "holds on all" if verdict.status == "holds" else "is true on none of the"
                    answer["message"] = f"{name} {how} {counted} reachable from here"
                else:
                    bound = (
                        f"{self.find_seconds:g} s"
                        if result.stopped == "time-limit"
                        else f"{self.find_states:,} states"
                    )
                    answer["message"] = (
                        f"nothing found within {counted} from here (stopped at the bound of "
                        f"{bound}): {name} is {verdict.status}"
                    )
                return answer
            steps = len(verdict.trace)
            full = (*here, *(step.choice for step in verdict.trace.steps[1:]))
            what = "counterexample" if verdict.status == "violated" else "example"
            message = f"{what} for {name}: {steps} step{'s' if steps != 1 else ''} from here"
            if verdict.trace.loop is not None:
                loop = verdict.trace.loop + place.at
                message += (
                    f"; the state stays forever (from step {len(full) - 1})"
                    if verdict.trace.loop == steps
                    else f"; steps {loop + 1} to {len(full) - 1} repeat forever"
                )
            answer.update(path=".".join(map(str, full)), at=len(full) - 1, message=message)
            return answer

    def open_trace(self, name: str, text: str) -> dict[str, Any]:
        """Open a saved trace (``check --out``'s PROPERTY.json or .itf.json) given as the
        file's name and text: its model (from now on served here too), parameters and path."""
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).name)[:100] or "trace.json"
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / base
            file.write_text(text, encoding="utf-8")
            try:
                with self._lock:
                    loaded = load_saved(file)
            except ModelcheckError as exc:
                raise UsageError(exc.message.replace(str(file), name)) from None
        with self._lock:
            words = param_words(loaded.model)
            place = Place(loaded.ref.spec, tuple(words.items()), (0,), 0)
            self._refs.setdefault(loaded.ref.spec, loaded.ref)
            self._models.setdefault(
                place.key,
                self._loaded(loaded.ref, loaded.model),
            )
        trace = loaded.trace
        n = len(trace)
        loop = ""
        if trace.loop is not None:
            loop = (
                "; the last state stays forever"
                if trace.loop == n
                else f"; steps {trace.loop + 1} to {n} repeat forever"
            )
        return {
            "spec": loaded.ref.spec,
            "params": [f"{k}={v}" for k, v in words.items()],
            "path": trace.path,
            "at": len(trace),
            "message": f"opened {name}: {loaded.prop.kind} {loaded.prop.name} "
            f"{loaded.prop.status}, {n} step{'s' if n != 1 else ''}{loop}",
        }

    # -- what they share ------------------------------------------------------------------

    def _model(self, place: Place) -> _Loaded:
        loaded = self._models.get(place.key)
        if loaded is not None:
            return loaded
        ref = self._refs.get(place.spec)
        if ref is None:
            served = ", ".join(sorted(self._refs))
            raise UsageError(
                f"this explorer serves {served} (and the models of trace files opened in it), "
                f"not '{place.spec}': start 'modelcheck explore' on that model"
            )
        loaded = self._loaded(ref, instantiate(ref, dict(place.params)))
        self._models[place.key] = loaded
        return loaded

    @staticmethod
    def _loaded(ref: ModelRef, model: Model[Any]) -> _Loaded:
        props = call_model(lambda: list(model.properties()), "properties()")
        return _Loaded(ref, model, props, model_command(ref, model))

    def _node(self, place: Place, path: tuple[int, ...]) -> _Node:
        """The state ``path`` reaches (computed from the longest known prefix)."""
        key = (place.key, path)
        node = self._nodes.get(key)
        if node is not None:
            self._nodes.move_to_end(key)
            return node
        loaded = self._model(place)
        if len(path) == 1:
            if loaded.inits is None:
                loaded.inits = initial_states(loaded.model)
            if not path[0] < len(loaded.inits):
                raise UsageError(
                    f"path starts with initial state {path[0]}, but the model has "
                    f"{len(loaded.inits)}"
                )
            node = self._make(loaded.model, None, loaded.inits[path[0]], None)
        else:
            options = self._successors(place, path[:-1])
            if not path[-1] < len(options):
                many = len(options)
                raise UsageError(
                    f"path step {len(path) - 1} takes action {path[-1]}, but the state there "
                    f"has {many} action{'s' if many != 1 else ''}"
                )
            label, state = options[path[-1]]
            node = self._make(loaded.model, label, state, self._node(place, path[:-1]).plain)
        self._nodes[key] = node
        while len(self._nodes) > _KEEP:
            self._nodes.popitem(last=False)
        return node

    @staticmethod
    def _make(model: Model[Any], label: Any, state: Any, before: dict[str, Any] | None) -> _Node:
        """A node; ``before`` is the plain state of the step before (None: an initial state)."""
        text = "initial state" if label is None else format_label(label)
        plain = plain_state(model, state)
        changes = [] if before is None else _changes(before, plain) or ["(no change)"]
        return _Node(label, text, state, plain, changes)

    def _successors(self, place: Place, path: tuple[int, ...]) -> list[tuple[Any, Any]]:
        node = self._node(place, path)
        if node.successors is None:
            node.successors = expand(self._model(place).model, node.state)
        return node.successors

    def _trace(self, place: Place, path: tuple[int, ...]) -> Trace:
        steps = []
        for n in range(len(path)):
            node = self._node(place, path[: n + 1])
            steps.append(Step(path[n], node.label, node.state))
        return Trace(tuple(steps))

    def _judged(self, loaded: _Loaded, nodes: Sequence[_Node], stuck: bool) -> list[dict[str, Any]]:
        """Each property on the last of ``nodes``, and where along them it first failed
        (``always``) or held (``sometimes``)."""
        out: list[dict[str, Any]] = []
        for node in nodes:
            if node.values is None:
                node.values = {
                    p.name: call_model(lambda p=p, s=node.state: p.predicate(s), p.name)  # type: ignore[misc]
                    for p in loaded.props
                }
        for prop in loaded.props:
            value = nodes[-1].values[prop.name]  # type: ignore[index]
            entry: dict[str, Any] = {
                "name": prop.name,
                "kind": prop.kind,
                "description": prop.description,
            }
            if prop.kind in (ALWAYS, SOMETIMES):
                want = prop.kind == SOMETIMES
                first = next(
                    (n for n, node in enumerate(nodes) if bool(node.values[prop.name]) == want),  # type: ignore[index]
                    None,
                )
                if prop.kind == ALWAYS:
                    entry["now"] = "holds" if value else "violated"
                    entry["bad"] = not value
                    entry["note"] = "" if first is None else f"first violated at step {first}"
                else:
                    entry["now"] = "true" if value else "false"
                    entry["bad"] = False
                    entry["note"] = "" if first is None else f"first true at step {first}"
            elif prop.kind in LIVENESS:
                entry["now"] = _liveness_now(value)
                entry["bad"] = False
                entry["note"] = "judged on whole behaviours: find a path from here"
            else:
                entry["now"] = format_value(value)
                entry["bad"] = False
                entry["note"] = ""
            out.append(entry)
        if loaded.model.deadlock:
            out.append(
                {
                    "name": "deadlock",
                    "kind": "deadlock",
                    "description": "a state with no enabled step",
                    "now": "violated" if stuck else "holds",
                    "bad": stuck,
                    "note": "",
                }
            )
        return out


def _liveness_now(value: Any) -> str:
    """What a liveness property's predicate says here: ``true``, or ``p true, q false``."""
    if isinstance(value, tuple) and len(value) == 2:
        p, q = value
        return f"p {'true' if p else 'false'}, q {'true' if q else 'false'}"
    return "true here" if value else "false here"


def _describe(loaded: _Loaded, place: Place) -> dict[str, Any]:
    model = loaded.model
    params = model.describe_params() if model.params else ""
    return {
        "spec": place.spec,
        "name": model.name,
        "params": [f"{k}={v}" for k, v in place.params],
        "title": f"{model.name} ({params})" if params else model.name,
        "summary": type(model).summary(),
    }


def state_tree(plain: Any, before: Any, key: str | None = None) -> dict[str, Any]:
    """A plain state as a tree for the page: each node ``{"key", "text"}`` (a leaf) or
    ``{"key", "children"}``, ``"changed": true`` where it differs from ``before`` (a list's
    item: where it was not in the old list).

    >>> tree = state_tree({"n": 2, "m": 0}, {"n": 1, "m": 0})
    >>> tree["changed"], tree["children"]
    (True, [{'key': 'n', 'changed': True, 'text': '2'}, {'key': 'm', 'text': '0'}])
    """
    node: dict[str, Any] = {"key": key}
    if before is not None and plain != before:
        node["changed"] = True
    if isinstance(plain, dict) and plain:
        old = before if isinstance(before, dict) else {}
        node["children"] = [
            state_tree(value, old.get(name) if before is not None else None, str(name))
            for name, value in plain.items()
        ]
        if before is not None:
            for child, name in zip(node["children"], plain, strict=True):
                if name not in old:
                    child["changed"] = True
    elif isinstance(plain, list) and plain and not _short_list(plain):
        remaining = list(before) if isinstance(before, list) else []
        children = []
        for item in plain:
            child = state_tree(item, None)
            if before is not None:
                if item in remaining:
                    remaining.remove(item)
                else:
                    child["changed"] = True
            children.append(child)
        node["children"] = children
    else:
        node["text"] = format_value(plain)
    return node


def _short_list(items: Iterable[Any]) -> bool:
    """A list of a few scalars reads best on one line."""
    values = list(items)
    return all(not isinstance(v, dict | list) for v in values) and len(format_value(values)) < 40


def _from_state(model: Model[Any], state: Any, prop: Property | None) -> Model[Any]:
    """``model`` started at ``state`` and judged on ``prop`` alone (None: on deadlock)."""
    attrs = {"deadlock": prop is None, "stuttering": model.stuttering}
    cls = type(type(model).__name__, (_FromState,), attrs)
    wrapper: _FromState = cls()
    wrapper.inner, wrapper.state, wrapper.prop = model, state, prop
    return wrapper


class _FromState(Model[Any]):
    """A model whose only initial state is one state of another model."""

    inner: Model[Any]
    state: Any
    prop: Property | None

    def init_states(self) -> list[Any]:
        return [self.state]

    def actions(self, state: Any) -> Iterable[tuple[Any, Any]]:
        return self.inner.actions(state)

    def properties(self) -> list[Property]:
        return [] if self.prop is None else [self.prop]

    def fairness_conditions(self) -> Sequence[Any]:
        return self.inner.fairness_conditions()

    def show(self, state: Any) -> Mapping[str, Any]:
        return self.inner.show(state)
