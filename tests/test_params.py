"""Model parameters: values read as plain attributes, the descriptor kept for the class."""

from __future__ import annotations

from modelcheck import Model, Param
from modelcheck.params import declared_params


class _Sized(Model[int]):
    size = Param(3, help="how many", min=1)
    mode = Param("fast", choices=("fast", "slow"))

    def init_states(self) -> list[int]:
        return [0]

    def actions(self, state: int) -> list[tuple[str, int]]:
        return [("up", state + 1)] if state < self.size else []


def test_values_are_plain_instance_attributes() -> None:
    model = _Sized(size=5)
    # Read from the instance's dict (no descriptor call in actions()), equal to params.
    assert vars(model)["size"] == 5 and vars(model)["mode"] == "fast"
    assert (model.size, model.mode) == (5, "fast")
    assert model.params == {"size": 5, "mode": "fast"}


def test_class_attribute_is_still_the_declaration() -> None:
    assert isinstance(_Sized.size, Param)
    assert list(declared_params(_Sized)) == ["size", "mode"]
    assert _Sized().size == 3
