"""Plain-text reports of the symbolic checks: CRDT laws, induction, bounded model checking.

Each report starts with one line saying what was proved *for what* (how many replicas,
which sorts are unbounded, how deep), then one line per obligation, then the
counterexamples. Traces use :func:`modelcheck.render.text.format_trace`, so a bounded
model checking counterexample reads like one from the explicit explorer.
"""

from __future__ import annotations

from typing import Any

from modelcheck.render.text import format_trace
from modelcheck.symbolic.results import (
    BmcReport,
    BmcResult,
    CrdtReport,
    InductionReport,
    LawResult,
    Obligation,
)
from modelcheck.symbolic.system import System, trace_view
from modelcheck.values import format_value, to_plain

__all__ = ["format_bmc", "format_crdt", "format_induction"]


def _seconds(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _text(value: Any) -> str:
    return format_value(to_plain(value))


# -- CRDT laws --------------------------------------------------------------------------------


def format_crdt(report: CrdtReport, *, timing: bool = True) -> str:
    """The report of :func:`modelcheck.symbolic.prove_crdt`."""
    count = len(report.laws)
    lines = [
        f"{report.crdt}: {count} law{'s' if count != 1 else ''} for {report.assumption} "
        f"(state: {report.shape}; integers are unbounded)"
    ]
    if timing:
        queries = sum(law.queries for law in report.laws)
        total = sum(law.seconds for law in report.laws)
        lines.append(f"  {queries} z3 queries, {_seconds(total)}")
    width = max((len(law.name) for law in report.laws), default=0)
    for law in report.laws:
        lines.append(_law_line(law, width, timing))
    for law in report.laws:
        if law.countermodel is not None:
            lines.append("")
            lines.extend(_countermodel(law))
    if any(law.status == "proved" for law in report.laws):
        lines.append("")
        lines.append(
            f"proved: for {report.assumption}, integers unbounded; other numbers of replicas: "
            "--replicas N"
        )
    return "\n".join(lines) + "\n"


def _law_line(law: LawResult, width: int, timing: bool) -> str:
    extra = []
    if law.status == "unknown":
        extra.append(law.reason or "unknown")
    if timing:
        extra.append(_seconds(law.seconds))
    tail = f"  ({'; '.join(extra)})" if extra else ""
    return f"  {law.status:<10} {law.name:<{width}}  {law.statement}{tail}"


def _countermodel(law: LawResult) -> list[str]:
    cm = law.countermodel
    assert cm is not None
    lines = [f"countermodel for '{law.name}', replayed through the concrete code:"]
    for i, (name, value) in enumerate(cm.inputs):
        word = "given" if i == 0 else ""
        lines.append(f"  {word:<6} {name} = {_text(value)}")
    lines.append(f"  {'left':<6} {cm.lhs[0]} = {_text(cm.lhs[1])}")
    lines.append(f"  {'right':<6} {cm.rhs[0]} = {_text(cm.rhs[1])}")
    return lines


# -- induction --------------------------------------------------------------------------------


def _scope(unbounded: tuple[str, ...]) -> str:
    if unbounded:
        word = "sort" if len(unbounded) == 1 else "sorts"
        return f"for any size of {word} {', '.join(unbounded)}"
    return "for this instance (every sort is finite)"


def format_induction(report: InductionReport, system: System, *, timing: bool = True) -> str:
    """The report of :func:`modelcheck.symbolic.prove_inductive`."""
    params = f" ({report.params})" if report.params else ""
    inv = " & ".join(report.invariants)
    lines = [f"{report.system}{params}: is {inv} inductive, {_scope(report.unbounded_sorts)}?"]
    width = max(len(o.name) for o in report.obligations)
    for o in report.obligations:
        extra = []
        if o.status == "unknown":
            extra.append(o.reason or "unknown")
        if o.status == "refuted" and o.broken:
            extra.append("breaks " + ", ".join(o.broken))
        if timing:
            extra.append(_seconds(o.seconds))
        tail = f"  ({'; '.join(extra)})" if extra else ""
        lines.append(f"  {o.status:<10} {o.name:<{width}}  {o.statement}{tail}")
    for o in report.obligations:
        if o.cti is not None:
            lines.append("")
            lines.extend(_cti(o, system))
    lines.append("")
    lines.append(_induction_verdict(report))
    return "\n".join(lines) + "\n"


def _sizes(o: Obligation) -> str:
    if not o.sizes:
        return ""
    parts = ", ".join(f"{n} {name}{'' if n == 1 else 's'}" for name, n in o.sizes)
    return f" ({parts}, the fewest found)"


def _cti(o: Obligation, system: System) -> list[str]:
    assert o.cti is not None
    broken = ", ".join(o.broken) or "the invariant"
    view = trace_view(system)
    if o.name == "initiation":
        lines = [f"an initial state where {broken} is false{_sizes(o)}:"]
        lines.extend(format_trace(view, o.cti))
        return lines
    lines = [f"counterexample to induction for {o.name}{_sizes(o)}:"]
    lines.extend(format_trace(view, o.cti, first="a state where the invariant holds"))
    lines.append(f"  ({broken} is false after the step)")
    return lines


def _induction_verdict(report: InductionReport) -> str:
    statuses = {o.status for o in report.obligations}
    if "refuted" in statuses:
        if any(o.name == "initiation" and o.status == "refuted" for o in report.obligations):
            return "not an invariant: an initial state breaks it"
        return (
            "not inductive: a state satisfying the invariant steps to one that does not; it "
            "may be unreachable (strengthen the invariant) or real (check with prove bmc)"
        )
    if "unknown" in statuses:
        return "undecided: z3 gave up on an obligation, so nothing is proved"
    return f"inductive: it holds in every reachable state, {_scope(report.unbounded_sorts)}"


# -- bounded model checking -------------------------------------------------------------------


def format_bmc(report: BmcReport, system: System, *, timing: bool = True) -> str:
    """The report of :func:`modelcheck.symbolic.bmc`."""
    params = f" ({report.params})" if report.params else ""
    scope = f", {_scope(report.unbounded_sorts)}" if report.unbounded_sorts else ""
    lines = [
        f"{report.system}{params}: bounded model checking, paths of up to {report.depth} "
        f"step{'s' if report.depth != 1 else ''}{scope}"
    ]
    if timing:
        lines.append(f"  {report.seconds:.2f} s")
    width = max((len(r.name) for r in report.results), default=0)
    for r in report.results:
        lines.append(f"  {r.status:<10} {'always':<10}{r.name:<{width}}  ({_bmc_detail(r)})")
    view = trace_view(system)
    for r in report.results:
        if r.trace is None:
            continue
        about = f": {r.description}" if r.description else ""
        lines.append("")
        lines.append(f"counterexample for always {r.name} ({r.status}){about}")
        lines.extend(format_trace(view, r.trace))
        lines.append(f"  ({r.name} is false in the last state)")
    return "\n".join(lines) + "\n"


def _bmc_detail(r: BmcResult) -> str:
    if r.status == "violated":
        n = r.depth
        sizes = ", ".join(f"{k} {name}{'' if k == 1 else 's'}" for name, k in r.sizes)
        found = f"; {sizes}, the fewest found" if sizes else ""
        return f"{n} step{'s' if n != 1 else ''}, the fewest possible{found}"
    if r.status == "holds":
        return (
            f"no violation up to depth {r.depth}, and no loop-free path is longer: every "
            "reachable state was covered"
        )
    if r.reason:
        return f"z3 gave up: {r.reason}"
    return f"no violation up to depth {r.depth}; {r.note or 'not a proof'}"
