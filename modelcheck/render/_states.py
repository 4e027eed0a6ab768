"""A state as plain named fields, the form every renderer starts from."""

from __future__ import annotations

from typing import Any

from modelcheck.model import Model
from modelcheck.trace import call_model
from modelcheck.values import to_plain

__all__ = ["plain_state"]


def plain_state(model: Model[Any], state: Any) -> dict[str, Any]:
    """``model.show(state)`` converted to JSON-able values, fields in the model's order."""
    shown = call_model(lambda: model.show(state), "show()")
    return {str(k): to_plain(v) for k, v in shown.items()}
