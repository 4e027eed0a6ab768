"""Fairness: which actions a behaviour may not neglect forever, for liveness properties.

A liveness property (``eventually``, ``leads_to``, ...) is judged on the infinite
behaviours of a model. Without assumptions a behaviour may keep doing something useless
forever (retry, gossip, pass a token round) while the step that matters never happens;
fairness rules such behaviours out. A fairness condition names an *action group*, a set of
action labels, and says how fair the system is to it:

- ``weak(group)``: a behaviour may not keep the group enabled forever without taking it
  (TLA+'s ``WF``). Continuously enabled means taken eventually.
- ``strong(group)``: a behaviour may not enable the group again and again (infinitely
  often, even if not continuously) without taking it (TLA+'s ``SF``).

An action is identified by its label (a string, or a tuple whose first element is the
action's name, like ``("RMPrepare", "r1")``). A group is given by names (``"TMCommit"``
matches the label ``"TMCommit"`` and every label ``("TMCommit", ...)``), by predicates on
labels, or both; ``weak()`` with neither is every action (``WF_vars(Next)``). ``per=key``
splits a group into one fairness condition per value of ``key(label)``: TLA+'s
``\\A self \\in Node : WF_vars(node(self))`` is ``weak(per=lambda label: label[1])`` when
labels carry the node second. The actor layer builds on the same two words, for instance
fair delivery between every pair of connected nodes is ``strong("deliver", per=pair)``.

A step that leaves the state unchanged is a stutter, as in TLA+ (``WF_vars(A)`` is about
``<<A>>_vars``): it neither takes an action group nor makes it enabled.

Declare fairness on the model, as a class attribute or by overriding
:meth:`~modelcheck.Model.fairness_conditions`:

>>> from modelcheck import Model, weak, strong
>>> class Ring(Model):
...     fairness = (weak("PassToken"), strong("Deliver", per=lambda label: label[1]))
>>> [f.describe() for f in Ring.fairness]
['weak(PassToken)', 'strong(Deliver) per key']
>>> Ring.fairness[0].includes(("PassToken", 2)), Ring.fairness[0].includes("SendMsg")
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Fairness", "FairnessKind", "label_name", "strong", "weak"]

FairnessKind = Literal["weak", "strong"]


def label_name(label: object) -> str | None:
    """The action name of a label: the label itself if a string, else its first element.

    >>> label_name("TMCommit"), label_name(("RMPrepare", "r1")), label_name(3)
    ('TMCommit', 'RMPrepare', None)
    """
    if isinstance(label, str):
        return label
    if isinstance(label, tuple) and label and isinstance(label[0], str):
        return label[0]
    return None


@dataclass(frozen=True)
class Fairness:
    """One fairness condition: ``kind`` (weak or strong) for the labels in a group.

    ``names`` and ``predicates`` together define the group (a label belongs if its name is
    one of ``names`` or some predicate accepts it; with neither, every label belongs).
    ``per``, if given, splits the group into one condition per value of ``per(label)``.
    Build them with :func:`weak` and :func:`strong`.
    """

    kind: FairnessKind
    names: tuple[str, ...] = ()
    predicates: tuple[Callable[[Any], bool], ...] = ()
    per: Callable[[Any], Hashable] | None = None

    def includes(self, label: object) -> bool:
        """Whether an action with this label belongs to the group."""
        if not self.names and not self.predicates:
            return True
        if self.names and label_name(label) in self.names:
            return True
        return any(bool(p(label)) for p in self.predicates)

    def describe(self) -> str:
        """``weak(TMCommit, TMAbort)``, ``strong(<predicate>) per key``, ``weak(every action)``."""
        parts = list(self.names) + [
            getattr(p, "__name__", "predicate").replace("<lambda>", "predicate")
            for p in self.predicates
        ]
        group = ", ".join(parts) if parts else "every action"
        return f"{self.kind}({group})" + (" per key" if self.per is not None else "")


def _build(
    kind: FairnessKind,
    actions: tuple[str | Callable[[Any], bool], ...],
    per: Callable[[Any], Hashable] | None,
) -> Fairness:
    names: list[str] = []
    predicates: list[Callable[[Any], bool]] = []
    for action in actions:
        if isinstance(action, str):
            names.append(action)
        elif callable(action):
            predicates.append(action)
        else:
            raise TypeError(
                f"{kind}() takes action names (str) or predicates on labels, not {action!r}"
            )
    if per is not None and not callable(per):
        raise TypeError(f"{kind}(per=...) must be a function of the label, not {per!r}")
    return Fairness(kind, tuple(names), tuple(predicates), per)


def weak(
    *actions: str | Callable[[Any], bool], per: Callable[[Any], Hashable] | None = None
) -> Fairness:
    """Weak fairness: if the group stays enabled forever, it is taken (TLA+'s ``WF``).

    ``weak("TMCommit", "TMAbort")``, ``weak(lambda label: label[0].startswith("Rcv"))``,
    ``weak()`` (every action), ``weak("n0", "n1", per=lambda label: label[1])`` (one
    condition per node).
    """
    return _build("weak", actions, per)


def strong(
    *actions: str | Callable[[Any], bool], per: Callable[[Any], Hashable] | None = None
) -> Fairness:
    """Strong fairness: if the group is enabled again and again, it is taken (TLA+'s ``SF``).

    Same arguments as :func:`weak`.
    """
    return _build("strong", actions, per)
