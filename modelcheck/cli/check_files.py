"""The files ``check`` writes besides its report: ``--out`` (the result and every trace in
every format) and ``--save-test`` (a pytest file that replays each counterexample)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.loader import ModelRef
from modelcheck.model import Model
from modelcheck.render import format_result, result_to_json
from modelcheck.render.bundle import search_stats, trace_files
from modelcheck.render.savetest import regression_test
from modelcheck.result import CheckResult

from .output import replay_command, safe_name

__all__ = ["out_files", "write_saved_test"]


def out_files(
    result: CheckResult, model: Model[Any], timing: bool, ref: ModelRef | None
) -> tuple[dict[str, str | bytes], bool]:
    """``result.json`` and every trace's files; False when ``dot`` is missing (no pictures)."""
    report = result_to_json(result, model, timing=timing)
    files: dict[str, str | bytes] = {"result.json": json.dumps(report, indent=2) + "\n"}
    drawn = True
    command = replay_command(ref, model)
    for prop in result.properties:
        if prop.trace is None:
            continue
        stem = safe_name(prop.name)
        single = CheckResult(**{**result.__dict__, "properties": (prop,)})
        files[f"{stem}.txt"] = format_result(single, model, timing=timing, replay_command=command)
        bundle = trace_files(
            model,
            prop,
            stem,
            spec=ref.spec if ref is not None else None,
            search=search_stats(result, timing),
            replay_command=command,
        )
        files.update(bundle.files)
        drawn = drawn and bundle.drawn
    return files, drawn


def write_saved_test(
    file: Path, ref: ModelRef, model: Model[Any], result: CheckResult, force: bool
) -> str:
    """Write the ``--save-test`` file; return the line that tells what was done."""
    violated = [p for p in result.properties if p.status == "violated" and p.trace is not None]
    found = [p for p in violated if p.kind in ("always", "deadlock")]
    # A liveness counterexample is a lasso: replaying its path cannot tell whether it loops;
    # a step property is not a property of the last state, which the saved tests judge.
    live = [p.name for p in violated if p not in found and p.kind != "step"]
    steps = [p.name for p in violated if p.kind == "step"]
    left = [f"liveness: {', '.join(live)}"] if live else []
    left += [f"step properties: {', '.join(steps)}"] if steps else []
    note = f" (not saved, {'; '.join(left)})" if left else ""
    if not found:
        return f"no invariant or deadlock counterexample to save: {file} not written{note}"
    if file.exists() and not force:
        raise UsageError(f"{file} already exists: pass --force to overwrite it")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(regression_test(model, Path(ref.path), file, found), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--save-test {file}: {exc.strerror or exc}") from None
    tests = "1 test that replays the counterexample"
    if len(found) > 1:
        tests = f"{len(found)} tests that replay the counterexamples"
    return f"wrote {file}: {tests}{note}"
