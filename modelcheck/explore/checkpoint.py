"""Checkpoints: a breadth-first search saves its progress now and then, and resumes from it
with exactly the counts of a run that was never stopped.

A checkpoint is one file, ``checkpoint.pickle`` in the folder given (its format, and how it is
loaded without running code a crafted file might carry: :mod:`.checkpoint_format`), written
to a temporary file and renamed over the old one, so a kill at any moment leaves the previous
checkpoint whole. It holds what identifies the run (model, parameters, the options that
change counts) and the search itself: the store, the queue position, the counts, the
properties decided so far and, with liveness properties, the edges. It is taken at a
point where no state is half expanded: the exact search saves between two states, the
fingerprint search between two levels.

While a search with checkpoints runs, the first Ctrl-C asks it to stop at the next such
point and save (a second one stops it at once, like any Ctrl-C); either way the partial
statistics are reported as ``interrupted``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from modelcheck.errors import UsageError

from .checkpoint_format import read_body, read_header, write_checkpoint

__all__ = ["CHECKPOINT_FILE", "Checkpointer", "Saved"]

CHECKPOINT_FILE = "checkpoint.pickle"
#: What a run left out of its checkpoint meant, for keys earlier versions did not write.
_ONCE_IMPLIED = {"strategy": "bfs"}


@dataclass
class Saved:
    """What a checkpoint holds. ``position`` is the strategy's own: where to go on."""

    run: dict[str, Any]
    position: tuple[Any, ...]
    store: Any
    generated: int
    found: dict[int, int]
    inits: list[Any]
    seconds: float
    graph: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Checkpointer:
    """Saves a search to ``folder`` every ``every`` seconds (positive and finite, as
    :func:`modelcheck.check` makes sure), and on a first Ctrl-C."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        every: float,
        run: dict[str, Any],
        model_type: type | None = None,
    ):
        if every <= 0:
            raise UsageError(f"checkpoint-every must be positive, not {every}")
        self.folder = Path(folder)
        self.every = every
        self.run = run
        self.model_type = model_type  # whose module's classes a checkpoint may hold
        self.saves = 0
        self.stop_asked = False
        #: Why checkpoints stopped being written (None while they are).
        self.failed: str | None = None
        self._next = time.monotonic() + every
        self._old_handler: Any = None

    @property
    def file(self) -> Path:
        return self.folder / CHECKPOINT_FILE

    def refuse_to_overwrite(self) -> None:
        """A fresh run must not overwrite a checkpoint it was not asked to resume."""
        if self.file.exists():
            raise UsageError(
                f"{self.folder} already holds a checkpoint: pass --resume {self.folder} to "
                "go on from it, or remove it to start over"
            )
        if self.folder.exists() and not self.folder.is_dir():
            raise UsageError(f"{self.folder} is not a folder")

    def load(self) -> Saved:
        """The checkpoint in the folder; a clear error if it is missing, unreadable or of
        another run."""
        if not self.file.exists():
            raise UsageError(f"{self.folder} holds no checkpoint ({CHECKPOINT_FILE})")
        try:
            with self.file.open("rb") as f:
                run, header = read_header(f, self.file)
                for key, value in self.run.items():
                    was = run.get(key, _ONCE_IMPLIED.get(key))
                    if was != json.loads(json.dumps(value, default=repr)):
                        raise UsageError(
                            f"the checkpoint in {self.folder} is of another run: {key} was "
                            f"{was!r}, now {value!r}"
                        )
                saved = read_body(f, self.file, header, self.model_type)
        except OSError as exc:
            raise UsageError(f"{self.file} cannot be read: {exc.strerror or exc}") from None
        if not isinstance(saved, Saved):
            raise UsageError(f"{self.file} was written by another version of modelcheck")
        return saved

    def due(self) -> bool:
        """True when the next checkpoint is due (or a Ctrl-C asked for one)."""
        return self.stop_asked or (self.failed is None and time.monotonic() >= self._next)

    def save(self, saved: Saved) -> None:
        """Write ``saved`` atomically: a temporary file, then a rename.

        The disk is the engine's, not the model's: if writing fails (a full disk, a folder
        that cannot be made), the temporary file is removed, :attr:`failed` says why, and
        no more checkpoints are written; the search itself goes on.
        """
        if self.failed is not None:
            return
        temporary = self.folder / (CHECKPOINT_FILE + ".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as f:
                write_checkpoint(f, self.run, saved)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.file)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            reason = exc.strerror or str(exc)
            kept = ", the last one kept" if self.saves else ""
            self.failed = (
                f"could not write checkpoint: {reason}; the search went on without "
                f"checkpoints{kept}"
            )
            return
        self.saves += 1
        self._next = time.monotonic() + self.every

    def __enter__(self) -> Checkpointer:
        if threading.current_thread() is threading.main_thread():
            self._old_handler = signal.signal(signal.SIGINT, self._ask_to_stop)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old_handler is not None:
            signal.signal(signal.SIGINT, self._old_handler)
            self._old_handler = None

    def _ask_to_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_asked:  # a second Ctrl-C: stop now, as without checkpoints
            raise KeyboardInterrupt
        self.stop_asked = True
