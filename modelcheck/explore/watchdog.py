"""The time limit, enforced even inside model code that never returns.

A search looks at the clock between states, so an ``actions()`` call or a property that
loops forever would keep it running past ``time_limit``. The watchdog arms a ``SIGALRM``
timer for the limit plus a grace second; if the search has not stopped by then, the
signal handler raises :class:`TimeUp` wherever the main thread is. ``TimeUp`` is a
``KeyboardInterrupt``, so every strategy stops as on a Ctrl-C, with its partial
statistics, and ``check`` reports the stop as the time limit, saying where the model's
code was running. Only in the main thread of a platform with ``SIGALRM``; elsewhere the
clock checks between states are all there is.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sysconfig
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

__all__ = ["GRACE", "TimeUp", "Watch", "watchdog"]

#: Seconds past the limit before the watchdog interrupts: the search's own clock checks
#: stop it first unless one call of model code runs that long.
GRACE = 1.0
#: Code that is not the model's: modelcheck itself, the standard library, installed packages.
_NOT_MODEL = tuple(
    {
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        *(os.path.abspath(sysconfig.get_path(k)) for k in ("stdlib", "purelib", "platlib")),
    }
)


class TimeUp(KeyboardInterrupt):
    """The time limit passed while the search was inside one call (usually model code)."""


@dataclass
class Watch:
    """What the watchdog saw: whether it fired, and the model code it interrupted."""

    fired: bool = False
    where: str | None = None

    @property
    def note(self) -> str:
        """One line for the report, empty if the watchdog did not fire."""
        if not self.fired:
            return ""
        if self.where is None:
            return "the time limit was reached while one step (or a worker) ran past it"
        return f"the time limit was reached inside model code, at {self.where}"


@contextlib.contextmanager
def watchdog(seconds: float | None) -> Iterator[Watch]:
    """Interrupt the block with :class:`TimeUp` ``seconds`` + :data:`GRACE` from now."""
    watch = Watch()
    usable = (
        seconds is not None
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield watch
        return
    assert seconds is not None

    def _fire(signum: int, frame: FrameType | None) -> None:
        watch.fired = True
        watch.where = _model_frame(frame)
        raise TimeUp

    old = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds + GRACE)
    try:
        yield watch
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _model_frame(frame: FrameType | None) -> str | None:
    """``file:line in function`` of the interrupted frame if it is the model's (None if it
    is modelcheck's, the standard library's or an installed package's)."""
    if frame is None:
        return None
    name = frame.f_code.co_filename
    where = os.path.abspath(name)
    if name.startswith("<") or any(where.startswith(d + os.sep) for d in _NOT_MODEL):
        return None
    rel = os.path.relpath(name)
    shown = rel if not rel.startswith("..") else name
    return f"{shown}:{frame.f_lineno} in {frame.f_code.co_name}"
