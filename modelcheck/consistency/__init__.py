"""Consistency checkers for histories of operations: linearizability and sequential
consistency, against any sequential specification.

A *history* is what clients saw: events ``invoke``, then ``ok`` (with a result), ``fail``
or ``info`` (outcome unknown), in the order they happened, as Jepsen records them. A
*spec* says what the object does when operations run one at a time (:func:`register`,
:func:`cas_register`, or your own :class:`Spec`). The checkers answer with a
:class:`Verdict`: true with a witness order, or false with a one-sentence explanation.

>>> from modelcheck.consistency import (
...     check_linearizable, check_sequential, invoke, is_linearizable, ok)
>>> history = [
...     invoke("c1", "write", 1), ok("c1", "write"),   # c1's write returns...
...     invoke("c2", "read"), ok("c2", "read", 0),    # ...then c2 reads the old value
... ]
>>> is_linearizable(history)
False
>>> check_linearizable(history).culprit.process
'c2'
>>> bool(check_sequential(history))       # with no real time, the read could come first
True

Models keep a history in their state and call a checker from a property (see
``models/cap/``).
"""

from modelcheck.consistency.history import (
    Event,
    EventType,
    HistoryError,
    Operation,
    fail,
    info,
    invoke,
    ok,
    operations,
)
from modelcheck.consistency.linearizable import check_linearizable, is_linearizable, linearize
from modelcheck.consistency.objects import Spec, cas_register, register
from modelcheck.consistency.sequential import (
    check_sequential,
    is_sequentially_consistent,
    sequentialize,
)
from modelcheck.consistency.verdict import Verdict

__all__ = [
    "Event",
    "EventType",
    "HistoryError",
    "Operation",
    "Spec",
    "Verdict",
    "cas_register",
    "check_linearizable",
    "check_sequential",
    "fail",
    "info",
    "invoke",
    "is_linearizable",
    "is_sequentially_consistent",
    "linearize",
    "ok",
    "operations",
    "register",
    "sequentialize",
]
