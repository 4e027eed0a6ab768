"""modelcheck: a deterministic model checker for distributed protocols.

Write a protocol as a :class:`Model` (initial states, labelled actions, properties), then
:func:`check` it: every reachable state is visited, each property gets a verdict, and each
violation comes with a short trace that has been replayed against the model.
"""

from modelcheck.errors import (
    ModelcheckError,
    ModelCodeError,
    ModelError,
    ModelLoadError,
    NondeterminismError,
    ParameterError,
    UsageError,
)
from modelcheck.explore import check
from modelcheck.model import Model, format_label
from modelcheck.params import Param
from modelcheck.properties import Property, always, sometimes
from modelcheck.result import CheckResult, Progress, PropertyResult
from modelcheck.trace import Step, Trace, replay

__all__ = [
    "CheckResult",
    "Model",
    "ModelCodeError",
    "ModelError",
    "ModelLoadError",
    "ModelcheckError",
    "NondeterminismError",
    "Param",
    "ParameterError",
    "Progress",
    "Property",
    "PropertyResult",
    "Step",
    "Trace",
    "UsageError",
    "always",
    "check",
    "format_label",
    "replay",
    "sometimes",
]

__version__ = "0.1.0"
