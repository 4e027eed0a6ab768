"""What a search is asked to do, as one value: :class:`SearchOptions`.

:func:`modelcheck.check` takes one (``check(model, SearchOptions(workers=2))``) or the same
names as keywords (``check(model, workers=2)``), or both: the keywords then change the
options given. Each part of the search reads its own fields: the strategy and the store,
the frontier (``workers``), the reductions (``symmetry``, ``por``), the observers
(``checkpoint``, ``progress``) and the bounds.

>>> SearchOptions(workers=2).workers
2
>>> with_keywords(SearchOptions(store="fingerprint"), {"strategy": "dfs"}).store
'fingerprint'
>>> with_keywords(None, {"worker": 2})
Traceback (most recent call last):
...
modelcheck.errors.UsageError: check() has no option 'worker': did you mean workers?
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelcheck.errors import UsageError
from modelcheck.result import Progress

__all__ = ["SearchOptions", "with_keywords"]


@dataclass(frozen=True)
class SearchOptions:
    """The options of one search; every field has the default of :func:`modelcheck.check`,
    which documents each."""

    strategy: str = "bfs"
    max_depth: int | None = None
    max_states: int | None = None
    time_limit: float | None = None
    max_memory: int | None = None
    keep_going: bool = False
    deadlock: bool | None = None
    symmetry: bool = False
    por: bool = False
    store: str = "exact"
    checkpoint: str | os.PathLike[str] | None = None
    resume: bool = False
    checkpoint_every: float = 60.0
    progress: Callable[[Progress], None] | None = None
    seed: int = 0
    runs: int = 100
    depth: int = 100
    workers: int = 1
    properties: Sequence[str] | None = None
    safety_only: bool = False
    ray: str | None = None


_NAMES = tuple(f.name for f in dataclasses.fields(SearchOptions))


def with_keywords(options: SearchOptions | None, keywords: Mapping[str, Any]) -> SearchOptions:
    """``options`` (or the defaults) with the fields ``keywords`` names changed; an unknown
    name is a one-line :class:`UsageError`."""
    for name in keywords:
        if name not in _NAMES:
            close = difflib.get_close_matches(name, _NAMES, n=1)
            hint = f": did you mean {close[0]}?" if close else ""
            raise UsageError(f"check() has no option '{name}'{hint}")
    return dataclasses.replace(options or SearchOptions(), **keywords)
