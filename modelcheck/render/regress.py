"""The ``regress`` report: one table row per spec, details of what differs, a summary line,
and the old -> new changes ``--update`` makes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from modelcheck.specs import STATUSES, Mismatch, Outcome

__all__ = ["format_changes", "format_details", "format_summary", "format_table"]

_MARK = {"ok": "ok", "mismatch": "FAIL", "error": "ERROR", "skipped": "skip", "interrupted": "stop"}
_ROW_ITEMS = 2  # differences shown in a row; the details below the table list them all


def format_table(outcomes: Sequence[Outcome], *, timing: bool = True) -> list[str]:
    """A header and one row per spec: status, spec, expected, got, states (and seconds);
    under a row, one line per warning of the spec's check (a fault budget never used).

    A row that passes shows the verdicts as a tally; a row that fails shows what differs,
    expected against got (the first two differences; the details list every one).
    """
    header = ["", "spec", "expected", "got", "states"] + (["seconds"] if timing else [])
    rows = [header]
    for outcome in outcomes:
        expected, got = _columns(outcome)
        ran = outcome.status in ("ok", "mismatch")
        row = [
            _MARK[outcome.status],
            outcome.spec.display,
            expected,
            got,
            f"{outcome.distinct:,}" if ran else "-",
        ]
        if timing:
            row.append(f"{outcome.seconds:.2f}" if ran or outcome.error else "-")
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {4, 5}
    indent = " " * (widths[0] + 2)  # a warning starts under the spec's name

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()

    lines = [line(header)]
    for row, outcome in zip(rows[1:], outcomes, strict=True):
        lines.append(line(row))
        lines.extend(f"{indent}warning: {warning}" for warning in outcome.warnings)
    return lines


def _columns(outcome: Outcome) -> tuple[str, str]:
    spec = outcome.spec
    expected = _tally(list((spec.expect or {}).values())) or "nothing recorded"
    if outcome.skipped:
        return expected, "skipped: slow (--slow runs it)"
    if outcome.interrupted:
        return expected, "not run: interrupted"
    if outcome.failure is not None:
        return expected, "error (below)"
    mismatches = outcome.mismatches
    got = _tally([v.status for v in outcome.verdicts])
    if not mismatches:
        return got, got
    if spec.expect is None:
        return expected, got
    shown, more = mismatches[:_ROW_ITEMS], len(mismatches) - _ROW_ITEMS
    tail = [f"+{more} more"] if more > 0 else []
    return (
        ", ".join([*(_side(m, m.expected) for m in shown), *tail]),
        ", ".join([*(_side(m, m.got) for m in shown), *tail]),
    )


def _tally(statuses: Sequence[str]) -> str:
    return ", ".join(f"{statuses.count(s)} {s}" for s in STATUSES if s in statuses)


def _side(mismatch: Mismatch, value: str | int | None) -> str:
    name = mismatch.key.partition(".")[2]
    if value is None:
        return f"{name} (none)"
    return f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}"


def format_details(outcome: Outcome) -> list[str]:
    """For a spec that failed or could not run: what differs, and how to reproduce it."""
    spec = outcome.spec
    if outcome.failure is not None:
        return [f"{spec.display}: error: {outcome.failure}"]
    mismatches = outcome.mismatches
    if not mismatches:
        return []
    if spec.expect is None:
        return [
            f"{spec.display}: no [expect] table yet: regress --update records what this run found",
            f"  reproduce: {spec.command()}",
        ]
    traces = {v.name: v for v in outcome.verdicts}
    n = len(mismatches)
    what = "1 expectation differs" if n == 1 else f"{n} expectations differ"
    lines = [f"{spec.display}: {what}"]
    for m in mismatches:
        name = m.key.partition(".")[2]
        extra = ""
        verdict = traces.get(name) if m.key.startswith("expect.") else None
        if verdict is not None and verdict.steps is not None:
            s = "s" if verdict.steps != 1 else ""
            extra = f" ({verdict.steps} step{s}, path {verdict.path})"
        lines.append(f"  {m.key}: expected {_plain(m.expected)}, got {_plain(m.got)}{extra}")
    lines.append(f"  reproduce: {spec.command()}")
    return lines


def _plain(value: str | int | None) -> str:
    if value is None:
        return "(none)"
    return f"{value:,}" if isinstance(value, int) else value


def format_summary(
    outcomes: Sequence[Outcome], *, seconds: float | None = None, jobs: int = 1
) -> str:
    """``12 specs: 10 ok, 1 failed, 1 error, 2 skipped (slow; --slow runs them)``, and the
    time taken when ``seconds`` is given."""
    statuses = [o.status for o in outcomes]
    n = len(outcomes)
    parts = [f"{statuses.count('ok')} ok"]
    if "mismatch" in statuses:
        parts.append(f"{statuses.count('mismatch')} failed")
    if "error" in statuses:
        errors = statuses.count("error")
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if "skipped" in statuses:
        parts.append(f"{statuses.count('skipped')} skipped (slow; --slow runs them)")
    if "interrupted" in statuses:
        parts.append(f"{statuses.count('interrupted')} not run (interrupted)")
    line = f"{n} spec{'s' if n != 1 else ''}: {', '.join(parts)}"
    if seconds is not None:
        line += f"; {seconds:.2f} s with {jobs} job{'s' if jobs != 1 else ''}"
    return line


def format_changes(outcome: Outcome) -> list[str]:
    """What ``--update`` changes in a spec, one ``key: old -> new`` line each."""
    lines = [f"update {outcome.spec.display}:"]
    for m in outcome.mismatches:
        old = "(none)" if m.expected is None else json.dumps(m.expected)
        new = "(removed)" if m.got is None else json.dumps(m.got)
        lines.append(f"  {m.key}: {old} -> {new}")
    if outcome.spec.expect is None:
        _, counts = outcome.recorded()
        lines.extend(f"  counts.{k}: (none) -> {v}" for k, v in counts.items())
    return lines
