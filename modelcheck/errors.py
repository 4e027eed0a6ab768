"""One exception tree for everything modelcheck reports as a failure.

Every error knows its one-line message and the exit code the CLI uses for it, so the CLI
never shows a bare traceback. All of them are user-facing: the message says what is wrong
and, where it can, what to do next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelcheck.trace import Trace

__all__ = [
    "ModelCodeError",
    "ModelError",
    "ModelLoadError",
    "ModelcheckError",
    "NondeterminismError",
    "ParameterError",
    "TimeLimitError",
    "UsageError",
]


class ModelcheckError(Exception):
    """Base of every error modelcheck raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ModelcheckError):
    """The command or API call is malformed: fix the arguments as the message says."""


class ModelLoadError(ModelcheckError):
    """A model file is missing, does not import, or does not define the model asked for."""


class ParameterError(ModelcheckError):
    """A model parameter is unknown or has a value of the wrong type or range."""


class ModelError(ModelcheckError):
    """The model broke the Model contract (a mutable state, an action that is not a pair...).

    ``trace``, when present, is the path that reached the state where it happened.
    """

    def __init__(self, message: str, trace: Trace | None = None) -> None:
        super().__init__(message)
        self.trace = trace


class ModelCodeError(ModelError):
    """Code in the model (an action, an initial state, a property) raised an exception.

    ``location`` is ``file:line in function`` of the innermost frame of the model's code.
    """

    def __init__(
        self, message: str, trace: Trace | None = None, location: str | None = None
    ) -> None:
        super().__init__(message, trace)
        self.location = location


class NondeterminismError(ModelError):
    """Re-running the model from the same state gave a different result.

    A model must compute the same successors, in the same order, every time it is asked:
    look for iteration over a set or dict of strings, randomness, or state kept outside the
    state value (on ``self`` or in globals).
    """


class TimeLimitError(ModelcheckError):
    """The time limit passed inside model code where no partial result can be reported
    (a simulation): exit code 3, like a search stopped at a bound."""

    exit_code = 3
