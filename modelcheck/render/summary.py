"""The table that ends ``modelcheck check FOLDER``: one line per model, a column per property.

>>> rows = [
...     ("models/cap/ap_register.py:APRegister", 24111, [("linearizable", "violated")]),
...     ("models/cap/cp_register.py:CPRegister", 2089, [("linearizable", "holds")]),
... ]
>>> for line in format_models_table(rows):
...     print(line)
model                                 distinct  linearizable
models/cap/ap_register.py:APRegister    24,111  violated
models/cap/cp_register.py:CPRegister     2,089  holds
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["Row", "format_models_table"]

#: A row: the model (``PATH:NAME``), its distinct states (None: it could not be checked),
#: and the verdict of each property, in the model's order.
Row = tuple[str, int | None, Sequence[tuple[str, str]]]


def format_models_table(rows: Sequence[Row]) -> list[str]:
    """The summary table's lines: a column for every property any model has (first seen,
    first), ``-`` where a model has no such property, ``error`` for a model that failed."""
    names: list[str] = []
    for _, _, verdicts in rows:
        names.extend(name for name, _ in verdicts if name not in names)
    header = ["model", "distinct", *names]
    table = [header]
    for model, distinct, verdicts in rows:
        status = dict(verdicts)
        if distinct is None:
            table.append([model, "error", *("-" for _ in names)])
        else:
            table.append([model, f"{distinct:,}", *(status.get(n, "-") for n in names)])
    widths = [max(len(row[c]) for row in table) for c in range(len(header))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])]
        cells += [cell.ljust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines
