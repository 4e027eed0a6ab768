"""How much memory a search holds, for ``max_memory`` (``--max-memory``): the resident set
size of a process, read cheaply, and sizes written the way people write them (``2G``).

>>> parse_size("500M")
524288000
>>> parse_size("1.5g")
1610612736
"""

from __future__ import annotations

import os
import re
import resource
from collections.abc import Sequence

from modelcheck.errors import UsageError

__all__ = ["held", "parse_size", "rss"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


def rss(pid: int | None = None) -> int:
    """The resident set size of process ``pid`` (None: this one), in bytes: what
    ``/proc/PID/statm`` says, else (not Linux, this process) the peak so far; 0 for a
    process that is gone."""
    try:
        with open(f"/proc/{'self' if pid is None else pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        if pid is not None:
            return 0
    scale = 1 if os.uname().sysname == "Darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def held(pids: Sequence[int] = ()) -> int:
    """The memory this process holds, with processes ``pids`` (forked workers) if any: their
    proportional set sizes summed, so that pages they share since the fork count once
    (``/proc/PID/smaps_rollup``; where it cannot be read, the resident set sizes)."""
    if not pids:
        return rss()
    return sum(_pss(pid) for pid in (None, *pids))


def _pss(pid: int | None) -> int:
    try:
        with open(f"/proc/{'self' if pid is None else pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return rss(pid)


def parse_size(text: str) -> int:
    """Bytes from ``2G``, ``500M``, ``64k``, ``1.5GB`` or a plain number of bytes (powers of
    1024); a :class:`UsageError` for anything else, or for nothing."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise UsageError(f"'{text}' is not a size: write it like 2G, 500M or 64K")
    try:
        size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    except OverflowError:
        raise UsageError(f"'{text}' is too large a size") from None
    if size < 1:
        raise UsageError(f"a memory bound must be at least one byte, not '{text}'")
    return size
