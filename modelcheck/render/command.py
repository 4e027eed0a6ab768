"""The command line that replays a trace (``modelcheck replay PATH -p k=v``): what reports
print beside a path, and what the explorer copies."""

from __future__ import annotations

from typing import Any

from modelcheck.actors.system import BUDGETS, ActorSystem
from modelcheck.loader import ModelRef, load_models
from modelcheck.model import Model
from modelcheck.values import format_value, to_plain

__all__ = ["FAULT_OPTIONS", "model_command", "param_words"]

#: An actor system's parameters that the commands also take as options of their own.
FAULT_OPTIONS = frozenset({"network", *BUDGETS})


def param_words(model: Model[Any]) -> dict[str, str]:
    """The parameters that differ from their defaults, as ``-p`` values, in model order."""
    defaults = {name: p.default for name, p in type(model).declared_params().items()}
    return {
        name: format_value(to_plain(value))
        for name, value in model.params.items()
        if value != defaults.get(name)
    }


def model_command(ref: ModelRef, model: Model[Any], verb: str = "replay") -> str:
    """``modelcheck VERB PATH[:NAME] -p k=v ...``: the model named as briefly as its file
    allows (the name only when the file defines several), non-default parameters only; an
    actor system's network and fault budgets as the options ``check`` takes
    (``--partitions 1``)."""
    several = len(load_models(ref.path)) > 1
    words = ["modelcheck", verb, ref.spec if several else ref.path]
    actors = isinstance(model, ActorSystem)
    for name, value in param_words(model).items():
        fault = actors and name in FAULT_OPTIONS
        words.append(f"--{name} {value}" if fault else f"-p {name}={value}")
    return " ".join(words)
