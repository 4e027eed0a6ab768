"""Regression specs: TOML files that pin a model's expected verdicts and state counts.

A spec names a model, its parameters and check options, and what a check must give back::

    # specs/two_phase_3.toml
    model = "models/classic/two_phase.py:TwoPhase"   # PATH[:NAME], as on the command line
    description = "TwoPhase with 3 resource managers; counts equal TLC's"
    slow = false                                      # true: only run by regress --slow

    [params]
    rms = 3

    [options]                # keywords of modelcheck.check(); keep_going defaults to true
    strategy = "bfs"

    [expect]                 # the verdict of every property
    TPTypeOK = "holds"
    TCConsistent = "holds"

    [counts]                 # optional: any of distinct, generated, depth
    distinct = 288
    generated = 1146
    depth = 11

The model path is relative to the *project root*: the folder that contains the nearest
enclosing folder named ``specs`` (for ``proj/specs/a/b.toml``, ``proj``). A spec that is not
inside a ``specs`` folder resolves its model relative to its own folder. Either way the
result does not depend on the current folder.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp()) / "specs"
>>> folder.mkdir()
>>> _ = (folder / "bad.toml").write_text('modle = "x.py"\\n')
>>> read_spec(folder / "bad.toml", display="specs/bad.toml")
Traceback (most recent call last):
...
modelcheck.errors.UsageError: specs/bad.toml: unknown key 'modle' (did you mean 'model'?)
"""

from __future__ import annotations

import difflib
import json
import os
import re
import signal
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from modelcheck.errors import ModelcheckError, ModelCodeError, UsageError
from modelcheck.explore import check
from modelcheck.loader import instantiate, resolve, split_target
from modelcheck.result import CheckResult

__all__ = [
    "COUNTS",
    "DEFAULT_OPTIONS",
    "OPTIONS",
    "STATUSES",
    "Mismatch",
    "Option",
    "Outcome",
    "Spec",
    "Verdict",
    "default_jobs",
    "find_specs",
    "read_spec",
    "run_spec",
    "run_specs",
    "updated_text",
]

STATUSES = ("holds", "violated", "reached", "unreached", "unknown")
COUNTS = ("distinct", "generated", "depth")
_TOP_KEYS = ("model", "description", "slow", "params", "options", "expect", "counts")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Option:
    """An option a spec may set in ``[options]``: a keyword argument of :func:`check`.

    ``kind`` is its TOML type (an integer is accepted for a float), ``valid`` says whether a
    value of that type is allowed, ``describe`` says what is, and ``flags`` gives the words
    that ask ``modelcheck check`` for the same value. A new option of :func:`check` (faults,
    fairness) is one more entry in :data:`OPTIONS`.
    """

    kind: type
    describe: str
    valid: Callable[[Any], bool]
    flags: Callable[[Any], list[str]]


def _positive(value: Any) -> bool:
    return bool(value > 0)


def _any(value: Any) -> bool:
    return True


OPTIONS: dict[str, Option] = {
    "strategy": Option(
        str, '"bfs" or "dfs"', lambda v: v in ("bfs", "dfs"), lambda v: ["--strategy", v]
    ),
    "max_depth": Option(int, "a positive integer", _positive, lambda v: ["--max-depth", str(v)]),
    "max_states": Option(int, "a positive integer", _positive, lambda v: ["--max-states", str(v)]),
    "time_limit": Option(
        float, "a positive number of seconds", _positive, lambda v: ["--time-limit", str(v)]
    ),
    "keep_going": Option(bool, "true or false", _any, lambda v: ["--continue"] if v else []),
    "deadlock": Option(
        bool, "true or false", _any, lambda v: ["--deadlock" if v else "--no-deadlock"]
    ),
    "symmetry": Option(bool, "true or false", _any, lambda v: ["--symmetry"] if v else []),
    "properties": Option(
        list,
        "a list of property names",
        lambda v: bool(v) and all(isinstance(name, str) for name in v),
        lambda v: [word for name in v for word in ("--property", name)],
    ),
    "safety_only": Option(bool, "true or false", _any, lambda v: ["--safety-only"] if v else []),
}

#: Where a spec's options differ from :func:`check`'s defaults: a spec judges every property.
DEFAULT_OPTIONS: dict[str, Any] = {"keep_going": True}


@dataclass(frozen=True)
class Spec:
    """One spec file, read and checked.

    ``display`` is how the file is named in reports; ``root`` is the folder ``model`` is
    relative to; ``named`` marks a file named on the command line (run even if slow).
    ``expect`` is None when the file has no ``[expect]`` table: a new spec, whose
    expectations ``regress --update`` records.
    """

    file: Path
    display: str
    root: Path
    model: str
    description: str = ""
    slow: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, str] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    named: bool = False

    @property
    def model_path(self) -> Path:
        """The model file, resolved against :attr:`root`."""
        return self.root / split_target(self.model)[0]

    @property
    def check_options(self) -> dict[str, Any]:
        """The keyword arguments for :func:`check`: the spec's options over the defaults."""
        return {**DEFAULT_OPTIONS, **self.options}

    def target(self) -> str:
        """``PATH[:NAME]`` of the model, the path relative to the current folder if inside it."""
        name = split_target(self.model)[1]
        path = shown_path(self.model_path)
        return f"{path}:{name}" if name else path

    def command(self) -> str:
        """The ``modelcheck check`` command line that runs the same check as this spec."""
        words = ["modelcheck", "check", self.target()]
        for key, value in self.params.items():
            words += ["-p", f"{key}={_cli_value(value)}"]
        for key, value in self.check_options.items():
            words += OPTIONS[key].flags(value)
        return " ".join(_quote(w) for w in words)


@dataclass(frozen=True)
class Verdict:
    """A property's verdict as a spec compares it; ``steps``/``path`` describe its trace."""

    name: str
    kind: str
    status: str
    steps: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class Mismatch:
    """One expectation that differs. ``key`` is ``expect.NAME`` or ``counts.NAME``; None on
    one side means the spec (``expected``) or the model (``got``) does not have it."""

    key: str
    expected: str | int | None
    got: str | int | None


OutcomeStatus = Literal["ok", "mismatch", "error", "skipped", "interrupted"]


@dataclass(frozen=True)
class Outcome:
    """What running a spec gave: verdicts and counts, or an error, or nothing (skipped, or
    not run because a Ctrl-C stopped the run: ``interrupted``)."""

    spec: Spec
    verdicts: tuple[Verdict, ...] = ()
    distinct: int = 0
    generated: int = 0
    depth: int = 0
    seconds: float = 0.0
    error: str | None = None
    skipped: bool = False
    model: str = ""
    interrupted: bool = False
    warnings: tuple[str, ...] = ()  # the check's notes, as ``check`` prints them

    @property
    def missing(self) -> list[str]:
        """The properties the spec expects that the model does not have (after a run)."""
        if self.error is not None or self.skipped or self.interrupted:
            return []
        got = {v.name for v in self.verdicts}
        return [name for name in self.spec.expect or {} if name not in got]

    @property
    def failure(self) -> str | None:
        """Why the spec could not be judged: the run's error, or a property it expects that
        the model does not have (a spec about another model, or a property renamed)."""
        if self.error is not None:
            return self.error
        missing = self.missing
        if not missing:
            return None
        names = ", ".join(f"'{name}'" for name in missing)
        what = "property" if len(missing) == 1 else "properties"
        has = ", ".join(v.name for v in self.verdicts) or "none"
        return (
            f"expects {what} {names}, which {self.model} does not have (its properties: {has}; "
            "regress --update drops the expectation)"
        )

    @property
    def counts(self) -> dict[str, int]:
        """The three counts by name."""
        return {"distinct": self.distinct, "generated": self.generated, "depth": self.depth}

    @property
    def mismatches(self) -> list[Mismatch]:
        """Every expectation that differs: properties in the model's order, then properties
        the model no longer has, then counts."""
        if self.error is not None or self.skipped or self.interrupted:
            return []
        expect = self.spec.expect or {}
        out = [
            Mismatch(f"expect.{v.name}", expect.get(v.name), v.status)
            for v in self.verdicts
            if expect.get(v.name) != v.status
        ]
        got = {v.name for v in self.verdicts}
        out += [Mismatch(f"expect.{k}", s, None) for k, s in expect.items() if k not in got]
        counts = self.counts
        out += [
            Mismatch(f"counts.{k}", self.spec.counts[k], counts[k])
            for k in COUNTS
            if k in self.spec.counts and self.spec.counts[k] != counts[k]
        ]
        return out

    @property
    def status(self) -> OutcomeStatus:
        """``ok``, ``mismatch``, ``error``, ``skipped`` or ``interrupted``."""
        if self.skipped:
            return "skipped"
        if self.interrupted:
            return "interrupted"
        if self.failure is not None:
            return "error"
        return "mismatch" if self.mismatches else "ok"

    def recorded(self) -> tuple[dict[str, str], dict[str, int]]:
        """The expectations ``--update`` writes: every verdict, and the counts the spec pins
        (all three for a spec that has no ``[expect]`` table yet)."""
        expect = {v.name: v.status for v in self.verdicts}
        keys = COUNTS if self.spec.expect is None else tuple(self.spec.counts)
        return expect, {k: self.counts[k] for k in COUNTS if k in keys}


# -- reading ---------------------------------------------------------------------------


def find_specs(paths: Sequence[str]) -> list[Spec]:
    """The specs in ``paths`` (files, or folders searched for ``*.toml``), read and checked,
    sorted by how they are shown. Files named explicitly are marked ``named``."""
    found: dict[Path, Spec] = {}
    for arg in paths:
        path = Path(arg)
        if not path.exists():
            raise UsageError(f"{arg}: no such file or folder")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.toml") if p.is_file())
            if not files:
                raise UsageError(f"{arg}: no spec files (*.toml) in this folder")
            named = False
        elif path.suffix != ".toml":
            raise UsageError(f"{arg}: not a spec file (a spec file ends in .toml)")
        else:
            files, named = [path], True
        for file in files:
            key = file.resolve()
            if key not in found or named:
                found[key] = read_spec(file, display=shown_path(file), named=named)
    return sorted(found.values(), key=lambda s: (s.display, str(s.file)))


def read_spec(file: Path, *, display: str | None = None, named: bool = False) -> Spec:
    """Read and check one spec file; every problem is a :class:`UsageError` naming the file
    and the key."""
    shown = display if display is not None else str(file)

    def fail(message: str) -> UsageError:
        return UsageError(f"{shown}: {message}")

    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot be read: {exc}") from None
    _known_keys(doc, _TOP_KEYS, "", fail)
    if "model" not in doc:
        raise fail("missing key 'model' (the model file, as in model = \"models/x.py:Name\")")
    model = _typed(doc, "model", str, 'a string like "models/x.py:Name"', fail)
    description = _typed(doc, "description", str, "a string", fail, "")
    slow = _typed(doc, "slow", bool, "true or false", fail, False)
    params = _table(doc, "params", fail)
    for key, value in params.items():
        if isinstance(value, dict | list):
            raise fail(f"params.{key} must be a number, true/false or a string")
    options = _table(doc, "options", fail)
    _known_keys(options, tuple(OPTIONS), "options.", fail)
    for key, value in options.items():
        option = OPTIONS[key]
        if option.kind is float and type(value) is int:
            value = options[key] = float(value)
        if type(value) is not option.kind or not option.valid(value):
            raise fail(f"options.{key} must be {option.describe}, not {_toml_value(value)}")
    expect: dict[str, str] | None = None
    if "expect" in doc:
        expect = _table(doc, "expect", fail)
        for key, value in expect.items():
            if value not in STATUSES:
                raise fail(
                    f"expect.{key}: {_toml_value(value)} is not a status "
                    f"(use {', '.join(STATUSES[:-1])} or {STATUSES[-1]})"
                )
    counts = _table(doc, "counts", fail)
    _known_keys(counts, COUNTS, "counts.", fail)
    for key, value in counts.items():
        if type(value) is not int or value < 0:
            raise fail(f"counts.{key} must be a whole number, not {_toml_value(value)}")
    root = _project_root(file)
    spec = Spec(
        file=file,
        display=shown,
        root=root,
        model=model,
        description=description,
        slow=slow,
        params=params,
        options=options,
        expect=expect,
        counts=counts,
        named=named,
    )
    if not spec.model_path.is_file():
        where = (
            "the folder that holds specs/"
            if root != file.resolve().parent
            else "the spec's own folder, as it is not in a specs/ folder"
        )
        raise fail(
            f"model file '{split_target(model)[0]}' not found at {shown_path(spec.model_path)} "
            f"(model paths are relative to {where})"
        )
    return spec


def _known_keys(
    table: dict[str, Any], known: tuple[str, ...], prefix: str, fail: Callable[[str], UsageError]
) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
            raise fail(f"unknown key '{prefix}{key}' ({hint})")


def _typed(
    doc: dict[str, Any],
    key: str,
    kind: type,
    describe: str,
    fail: Callable[[str], UsageError],
    default: Any = None,
) -> Any:
    if key not in doc:
        return default
    value = doc[key]
    if type(value) is not kind:
        raise fail(f"{key} must be {describe}, not {_toml_value(value)}")
    return value


def _table(doc: dict[str, Any], key: str, fail: Callable[[str], UsageError]) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise fail(f"{key} must be a table ([{key}]), not {_toml_value(value)}")
    return dict(value)


def _project_root(file: Path) -> Path:
    folder = file.resolve().parent
    for candidate in (folder, *folder.parents):
        if candidate.name == "specs":
            return candidate.parent
    return folder


# -- running ---------------------------------------------------------------------------


def run_spec(spec: Spec) -> Outcome:
    """Load the spec's model and check it. A model or parameter error becomes the outcome's
    ``error``, so that one broken spec does not stop the others."""
    start = time.perf_counter()
    try:
        model = instantiate(resolve(spec.target()), dict(spec.params))
        result = check(model, **spec.check_options)
    except ModelcheckError as exc:
        at = exc.location if isinstance(exc, ModelCodeError) else None
        error = exc.message + (f" (at {at})" if at else "")
        return Outcome(spec, seconds=time.perf_counter() - start, error=error)
    if result.stopped == "interrupted":  # the check took the Ctrl-C: the whole run stops
        raise KeyboardInterrupt
    return _outcome(spec, result, time.perf_counter() - start)


def _outcome(spec: Spec, result: CheckResult, seconds: float) -> Outcome:
    verdicts = tuple(
        Verdict(
            p.name,
            p.kind,
            p.status,
            len(p.trace) if p.trace is not None else None,
            p.trace.path if p.trace is not None else None,
        )
        for p in result.properties
    )
    return Outcome(
        spec,
        verdicts,
        result.distinct,
        result.generated,
        result.depth,
        seconds,
        model=result.model,
        warnings=result.warnings,
    )


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_specs(specs: Sequence[Spec], jobs: int) -> Iterator[Outcome]:
    """Run ``specs`` over ``jobs`` processes; yield their outcomes in the order of ``specs``.

    Specs that pin a larger state count start first, so that the longest runs do not come
    last; the order of the outcomes does not depend on that.
    """
    if jobs <= 1 or len(specs) <= 1:
        for i, spec in enumerate(specs):
            try:
                outcome = run_spec(spec)
            except KeyboardInterrupt:
                yield from (Outcome(rest, interrupted=True) for rest in specs[i:])
                return
            yield outcome
        return
    by_size = sorted(range(len(specs)), key=lambda i: -specs[i].counts.get("distinct", 0))
    with ProcessPoolExecutor(max_workers=min(jobs, len(specs)), initializer=_quiet) as pool:
        futures = {i: pool.submit(run_spec, specs[i]) for i in by_size}
        for i in range(len(specs)):
            try:
                yield futures[i].result()
            except BrokenProcessPool:
                error = "the worker process running it died (out of memory?)"
                yield Outcome(specs[i], error=error)
            except KeyboardInterrupt:
                _stop(pool)
                for j in range(i, len(specs)):
                    future = futures[j]
                    done = future.done() and not future.cancelled() and not future.exception()
                    yield future.result() if done else Outcome(specs[j], interrupted=True)
                return


def _quiet() -> None:
    """In a worker process: Ctrl-C is the parent's to handle (it stops the workers), and
    SIGTERM ends the process as it always does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the specs not started and end the worker processes running the others."""
    # The executor has no public way to end its workers before Python 3.14.
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.terminate()
    for process in workers:
        process.join()


# -- updating --------------------------------------------------------------------------

_HEADER = re.compile(r"\s*\[\s*([A-Za-z0-9_.\"' -]+?)\s*\]\s*(#.*)?")
_KEY_LINE = re.compile(
    r"(?P<indent>\s*)(?P<key>[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*')(?P<eq>\s*=\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|[+-]?[0-9_]+)(?P<rest>\s*(#.*)?)"
)


def updated_text(spec: Spec, text: str, expect: dict[str, str], counts: dict[str, int]) -> str:
    """``text``, the spec file, with its ``[expect]`` table set to ``expect`` and the keys of
    ``counts`` set in its ``[counts]`` table. Comments, other keys and the order of the keys
    that stay are preserved; a missing table is added at the end.

    >>> spec = Spec(Path("s.toml"), "s.toml", Path("."), "m.py", expect={})
    >>> text = 'model = "m.py"\\n\\n[expect]\\nsafe = "holds"  # the point\\nold = "holds"\\n'
    >>> print(updated_text(spec, text, {"safe": "violated", "new": "holds"}, {}), end="")
    model = "m.py"
    <BLANKLINE>
    [expect]
    safe = "violated"  # the point
    new = "holds"
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    lines = _set_table(spec, lines, "expect", dict(expect), newline)
    if counts:
        lines = _set_table(spec, lines, "counts", dict(counts), newline)
    new = "".join(lines)
    try:
        doc = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        doc = {}
    pinned = doc.get("counts", {})
    if doc.get("expect") != expect or {k: pinned.get(k) for k in counts} != counts:
        raise UsageError(
            f"{spec.display}: cannot update the expectations in place: write them as "
            "[expect] and [counts] tables of key = value lines"
        )
    return new


def _set_table(
    spec: Spec, lines: list[str], table: str, values: dict[str, object], newline: str
) -> list[str]:
    start = end = None
    for number, line in enumerate(lines):
        header = _HEADER.fullmatch(line.rstrip("\r\n"))
        if header is None:
            continue
        if start is not None:
            end = number
            break
        if header.group(1).strip("\"'") == table:
            start = number
    if start is None:
        block = [f"{_toml_key(k)} = {_toml_written(v)}{newline}" for k, v in values.items()]
        blank = [newline] if lines and lines[-1].strip() else []
        return [*lines, *blank, f"[{table}]{newline}", *block]
    end = len(lines) if end is None else end
    body: list[str] = []
    seen: set[str] = set()
    last_key = -1
    for line in lines[start + 1 : end]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            body.append(line)
            continue
        match = _KEY_LINE.fullmatch(line.rstrip("\r\n"))
        if match is None:
            raise UsageError(
                f"{spec.display}: cannot update [{table}]: {stripped!r} is not a simple "
                "key = value line"
            )
        key = _unquote(match.group("key"))
        if key not in values:
            continue
        seen.add(key)
        if tomllib.loads(f"v = {match.group('value')}")["v"] != values[key]:
            line = (
                match.group("indent")
                + match.group("key")
                + match.group("eq")
                + _toml_written(values[key])
                + match.group("rest")
                + newline
            )
        body.append(line)
        last_key = len(body) - 1
    added = [
        f"{_toml_key(k)} = {_toml_written(v)}{newline}" for k, v in values.items() if k not in seen
    ]
    body[last_key + 1 : last_key + 1] = added
    return [*lines[: start + 1], *body, *lines[end:]]


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def _unquote(key: str) -> str:
    if key.startswith('"'):
        value: str = json.loads(key)
        return value
    return key.strip("'")


# -- small helpers ---------------------------------------------------------------------


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return str(value)


def _toml_written(value: object) -> str:
    """A value as ``--update`` writes it: large counts with digit separators (50_816)."""
    if type(value) is int and abs(value) >= 10_000:
        return f"{value:_}"
    return _toml_value(value)


def _cli_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _quote(word: str) -> str:
    return word if re.fullmatch(r"[A-Za-z0-9_./:=@+,-]+", word) else "'" + word + "'"


def shown_path(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())
