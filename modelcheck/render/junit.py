"""JUnit XML for CI systems: one testcase per spec, a failure per mismatch, an error per spec
that could not run, ``skipped`` for slow specs left out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import PurePath

from modelcheck.render.regress import format_details
from modelcheck.specs import Outcome

__all__ = ["junit_xml"]


def junit_xml(outcomes: Sequence[Outcome], *, timing: bool = True) -> str:
    """The report as a JUnit XML document (``timing=False`` leaves out every ``time``).

    >>> print(junit_xml([], timing=False), end="")
    <?xml version='1.0' encoding='utf-8'?>
    <testsuites name="modelcheck regress" tests="0" failures="0" errors="0" skipped="0">
      <testsuite name="modelcheck regress" tests="0" failures="0" errors="0" skipped="0" />
    </testsuites>
    """
    statuses = [o.status for o in outcomes]
    totals = {
        "tests": str(len(outcomes)),
        "failures": str(statuses.count("mismatch")),
        "errors": str(statuses.count("error")),
        "skipped": str(statuses.count("skipped")),
    }
    if timing:
        totals["time"] = f"{sum(o.seconds for o in outcomes):.3f}"
    root = ET.Element("testsuites", {"name": "modelcheck regress", **totals})
    suite = ET.SubElement(root, "testsuite", {"name": "modelcheck regress", **totals})
    for outcome in outcomes:
        spec = outcome.spec
        path = PurePath(spec.display)
        attrs = {
            "classname": ".".join(path.parent.parts) or "specs",
            "name": path.stem,
            "file": spec.display,
        }
        if timing:
            attrs["time"] = f"{outcome.seconds:.3f}"
        case = ET.SubElement(suite, "testcase", attrs)
        details = "\n".join(format_details(outcome))
        if outcome.status == "mismatch":
            first = outcome.mismatches[0]
            message = f"{first.key}: expected {first.expected}, got {first.got}"
            if len(outcome.mismatches) > 1:
                message += f" (and {len(outcome.mismatches) - 1} more)"
            ET.SubElement(case, "failure", {"message": message}).text = details
        elif outcome.status == "error":
            ET.SubElement(case, "error", {"message": outcome.failure or ""}).text = details
        elif outcome.status == "skipped":
            ET.SubElement(case, "skipped", {"message": "slow spec: regress --slow runs it"})
        elif outcome.status == "interrupted":
            ET.SubElement(case, "skipped", {"message": "not run: the run was interrupted"})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
