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
from modelcheck.explore import SearchOptions, check
from modelcheck.fairness import Fairness, strong, weak
from modelcheck.model import Model, format_label
from modelcheck.params import Param
from modelcheck.properties import (
    Property,
    always,
    always_step,
    eventually,
    eventually_always,
    infinitely_often,
    leads_to,
    sometimes,
)
from modelcheck.refinement import refines
from modelcheck.result import CheckResult, Progress, PropertyResult
from modelcheck.testing import assert_counts, assert_holds, assert_violated, load_model
from modelcheck.trace import Step, Trace, follow, replay

__all__ = [
    "CheckResult",
    "Fairness",
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
    "SearchOptions",
    "Step",
    "Trace",
    "UsageError",
    "always",
    "always_step",
    "assert_counts",
    "assert_holds",
    "assert_violated",
    "check",
    "eventually",
    "eventually_always",
    "follow",
    "format_label",
    "infinitely_often",
    "leads_to",
    "load_model",
    "refines",
    "replay",
    "sometimes",
    "strong",
    "weak",
]

__version__ = "0.1.0"
