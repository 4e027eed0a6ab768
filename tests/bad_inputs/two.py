from typing import Any

from modelcheck import Model


class Good(Model[int]):
    def init_states(self) -> Any:
        return [0]

    def actions(self, n: int) -> Any:
        return []


class Other(Good):
    pass
