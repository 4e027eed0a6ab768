"""Symbolic checks with z3: CRDT laws for every state, inductive invariants, bounded
model checking.

The explicit explorer (:func:`modelcheck.check`) visits every state of one small instance;
this package asks z3 about all states at once:

- :func:`prove_crdt`: a :class:`CRDT` written in the vocabulary of
  :mod:`~modelcheck.symbolic.ops` runs both concretely and on z3 terms; the semilattice
  laws, inflation and delta soundness are proved for every state (or refuted, with a
  countermodel replayed through the concrete code).
- :func:`prove_inductive`: a :class:`System` (sorts, relations, functions, actions as
  two-state formulas) and a conjunction of invariants; init implies it and every action
  keeps it, for any number of elements of the uninterpreted sorts, or a counterexample to
  induction.
- :func:`bmc`: bounded model checking of a :class:`System`, with shortest counterexamples as
  :class:`~modelcheck.trace.Trace` values that render like the explicit explorer's.

Every query runs with a time limit; when z3 gives up the answer is ``unknown``, never
``proved``.
"""

from modelcheck.symbolic._z3 import Formula, Term
from modelcheck.symbolic.bmc import bmc
from modelcheck.symbolic.crdt import CRDT, REPLICA, OneOf, Update, laws, prove_crdt, update
from modelcheck.symbolic.induction import prove_inductive
from modelcheck.symbolic.ops import (
    SymSet,
    all_,
    any_,
    contains,
    count,
    discard,
    eq,
    implies,
    insert,
    ite,
    lex_lt,
    max_,
    min_,
    not_,
    put,
    union,
)
from modelcheck.symbolic.results import (
    BmcReport,
    BmcResult,
    Countermodel,
    CrdtReport,
    InductionReport,
    LawResult,
    Obligation,
)
from modelcheck.symbolic.shapes import Bool, Int, SetOf, Shape, Tuple, Vector
from modelcheck.symbolic.system import (
    Sort,
    State,
    System,
    action,
    exists,
    forall,
    invariant,
    safety,
    trace_view,
)

__all__ = [
    "CRDT",
    "REPLICA",
    "BmcReport",
    "BmcResult",
    "Bool",
    "Countermodel",
    "CrdtReport",
    "Formula",
    "InductionReport",
    "Int",
    "LawResult",
    "Obligation",
    "OneOf",
    "SetOf",
    "Shape",
    "Sort",
    "State",
    "SymSet",
    "System",
    "Term",
    "Tuple",
    "Update",
    "Vector",
    "action",
    "all_",
    "any_",
    "bmc",
    "contains",
    "count",
    "discard",
    "eq",
    "exists",
    "forall",
    "implies",
    "insert",
    "invariant",
    "ite",
    "laws",
    "lex_lt",
    "max_",
    "min_",
    "not_",
    "prove_crdt",
    "prove_inductive",
    "put",
    "safety",
    "trace_view",
    "union",
    "update",
]
