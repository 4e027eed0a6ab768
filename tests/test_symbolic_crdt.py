"""CRDT laws with z3: exact verdicts, countermodels that replay, concrete and symbolic
semantics that agree (hypothesis), honest unknowns and clear errors."""

from __future__ import annotations

from typing import Any

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.errors import ModelError
from modelcheck.symbolic import (
    CRDT,
    REPLICA,
    Bool,
    Int,
    OneOf,
    SetOf,
    Shape,
    Tuple,
    Vector,
    contains,
    count,
    discard,
    eq,
    insert,
    ite,
    laws,
    prove_crdt,
    union,
    update,
)
from modelcheck.symbolic.crdt import check_agreement
from modelcheck.symbolic.shapes import bindings, evaluate
from models.crdt.g_counter import GCounter
from models.crdt.lww_no_tiebreak import LWWNoTieBreak
from models.crdt.lww_register import LWWRegister, Register
from models.crdt.or_set import ELEMENTS, ORSet, ORState
from models.crdt.pn_counter import PN, PNCounter
from models.crdt.sum_counter import SumCounter
from tests.symbolic_models import (
    FermatCounter,
    ModuloCounter,
    PythonMaxCounter,
    TwoFacedCounter,
)

SEMILATTICE = ["merge is idempotent", "merge is commutative", "merge is associative"]


def _statuses(crdt: CRDT[Any], replicas: int = 3) -> dict[str, str]:
    return {law.name: law.status for law in prove_crdt(crdt, replicas=replicas).laws}


# -- verdicts -------------------------------------------------------------------------------


def test_g_counter_every_law_is_proved() -> None:
    assert _statuses(GCounter()) == {
        **dict.fromkeys(SEMILATTICE, "proved"),
        "increment is an inflation": "proved",
        "increment's delta is sound": "proved",
        "merge keeps states valid": "proved",
        "increment keeps states valid": "proved",
        "increment's delta is valid": "proved",
    }


def test_pn_counter_every_law_is_proved() -> None:
    statuses = _statuses(PNCounter())
    assert len(statuses) == 12
    assert set(statuses.values()) == {"proved"}
    assert "decrement's delta is sound" in statuses


def test_lww_register_every_law_is_proved() -> None:
    assert _statuses(LWWRegister()) == {
        **dict.fromkeys(SEMILATTICE, "proved"),
        "assign is an inflation": "proved",
    }


def test_or_set_every_law_is_proved() -> None:
    assert _statuses(ORSet()) == {
        **dict.fromkeys(SEMILATTICE, "proved"),
        "add is an inflation": "proved",
        "remove is an inflation": "proved",
        "merge keeps states valid": "proved",
        "add keeps states valid": "proved",
        "remove keeps states valid": "proved",
    }


@pytest.mark.parametrize("replicas", [1, 2, 5])
def test_the_number_of_replicas_is_a_parameter(replicas: int) -> None:
    report = prove_crdt(GCounter(), replicas=replicas)
    assert report.replicas == replicas
    assert report.shape == f"tuple of {replicas} integers"
    inflation = next(law for law in report.laws if law.name == "increment is an inflation")
    assert inflation.queries == replicas  # one query per replica the update runs at
    assert report.exit_code == 0


def test_sum_merge_is_refuted_where_it_adds() -> None:
    report = prove_crdt(SumCounter())
    assert {law.name: law.status for law in report.laws} == {
        "merge is idempotent": "refuted",
        "merge is commutative": "proved",
        "merge is associative": "proved",
        "increment is an inflation": "refuted",
        "increment's delta is sound": "refuted",
        "merge keeps states valid": "proved",
        "increment keeps states valid": "proved",
        "increment's delta is valid": "proved",
    }
    assert report.exit_code == 1
    idem = report.laws[0].countermodel
    assert idem is not None
    ((name, x),) = idem.inputs
    assert name == "x" and len(x) == 3 and all(v >= 0 for v in x) and any(x)
    assert idem.lhs == ("merge(x, x)", tuple(2 * v for v in x))
    assert idem.rhs == ("x", x)


def test_lww_without_tie_break_is_not_commutative() -> None:
    report = prove_crdt(LWWNoTieBreak())
    statuses = {law.name: law.status for law in report.laws}
    assert statuses == {
        "merge is idempotent": "proved",
        "merge is commutative": "refuted",
        "merge is associative": "proved",
        "assign is an inflation": "proved",
    }
    cm = report.laws[1].countermodel
    assert cm is not None
    (_, x), (_, y) = cm.inputs
    assert isinstance(x, Register) and isinstance(y, Register)
    assert x.stamp == y.stamp and x != y  # a tie, and the order of merging decides
    assert cm.lhs == ("merge(x, y)", x) and cm.rhs == ("merge(y, x)", y)


def test_the_laws_and_their_statements() -> None:
    assert [(law.name, law.statement) for law in laws(LWWRegister())] == [
        ("merge is idempotent", "merge(x, x) = x"),
        ("merge is commutative", "merge(x, y) = merge(y, x)"),
        ("merge is associative", "merge(merge(x, y), z) = merge(x, merge(y, z))"),
        (
            "assign is an inflation",
            "merge(x, assign(x, replica, value)) = assign(x, replica, value)",
        ),
    ]
    valid = [law.statement for law in laws(GCounter()) if "valid" in law.name]
    assert valid == [
        "valid(x), valid(y) => valid(merge(x, y))",
        "valid(x) => valid(increment(x, replica))",
        "valid(x) => valid(increment_delta(x, replica))",
    ]


# -- the concrete side: plain, hashable values that behave as the CRDTs should ----------------


def test_g_counter_concretely() -> None:
    c = GCounter()
    a = c.increment(c.increment(c.initial(3), 0), 0)
    b = c.increment(c.initial(3), 2)
    assert a == (2, 0, 0) and hash(c.merge(a, b)) == hash((2, 0, 1))
    assert c.value(c.merge(a, b)) == 3
    assert c.increment_delta(a, 0) == (3, 0, 0)


def test_pn_counter_concretely() -> None:
    c = PNCounter()
    s = c.decrement(c.increment(c.initial(2), 0), 1)
    assert s == PN((1, 0), (0, 1)) and c.value(s) == 0
    assert c.value(c.merge(s, c.decrement(c.initial(2), 1))) == 0


def test_lww_register_breaks_ties_by_writer() -> None:
    r = LWWRegister()
    a, b = r.assign(r.initial(2), 0, 7), r.assign(r.initial(2), 1, 9)
    assert a == Register(1, 0, 7)
    assert r.merge(a, b) == r.merge(b, a) == b
    later = r.assign(b, 0, 3)
    assert r.value(r.merge(later, a)) == 3


def test_or_set_add_wins_over_a_concurrent_remove() -> None:
    s = ORSet()
    start = s.add(s.initial(2), "x", 0)
    removed = s.remove(start, "x")  # a replica that saw the add removes x
    re_added = s.add(start, "x", 0)  # concurrently, x is added again
    assert s.value(removed) == frozenset()
    assert s.value(s.merge(re_added, removed)) == frozenset({"x"})
    assert s.value(s.merge(removed, start)) == frozenset()  # a seen add stays removed
    assert isinstance(start, ORState) and hash(start) == hash(ORState((1, 0), ((1, 0), (0, 0))))
    assert ELEMENTS == ("x", "y")


# -- concrete and symbolic semantics agree (hypothesis) ---------------------------------------

INTS = st.integers(min_value=-50, max_value=50)


def _values(shape: Shape) -> st.SearchStrategy[Any]:
    if isinstance(shape, Int):
        return INTS
    if isinstance(shape, Bool):
        return st.booleans()
    if isinstance(shape, Vector):
        return st.tuples(*[_values(shape.of)] * shape.length)
    if isinstance(shape, Tuple):
        parts = st.tuples(*[_values(s) for s in shape.items])
        return parts.map(shape.cls._make) if shape.cls else parts  # type: ignore[attr-defined]
    if isinstance(shape, SetOf):
        return st.frozensets(st.sampled_from(shape.universe))
    raise AssertionError(shape)


CRDTS: list[CRDT[Any]] = [
    GCounter(),
    SumCounter(),
    PNCounter(),
    LWWRegister(),
    LWWNoTieBreak(),
    ORSet(),
]


def _agree(crdt: CRDT[Any], data: st.DataObject, replicas: int = 3) -> None:
    shape = crdt.shape(replicas)
    ctx = z3.Context()
    x, y = shape.fresh("x", ctx), shape.fresh("y", ctx)
    a, b = data.draw(_values(shape)), data.draw(_values(shape))
    pairs = bindings(x, a, ctx) + bindings(y, b, ctx)
    assert evaluate(crdt.merge(x, y), pairs) == crdt.merge(a, b)
    assert evaluate(crdt.valid(x), pairs) == crdt.valid(a)
    for op in crdt.updates():
        args = []
        sym_args = []
        for name, dom in op.arguments:
            if isinstance(dom, Shape):
                value = data.draw(_values(dom))
                var = dom.fresh(name, ctx)
                pairs = pairs + bindings(var, value, ctx)
                args.append(value)
                sym_args.append(var)
            else:
                pick = range(replicas) if dom is REPLICA else dom.values  # type: ignore[union-attr]
                value = data.draw(st.sampled_from(list(pick)))
                args.append(value)
                sym_args.append(value)
        assert evaluate(op.fn(x, *sym_args), pairs) == op.fn(a, *args)
        if op.delta is not None:
            assert evaluate(op.delta(x, *sym_args), pairs) == op.delta(a, *args)


@pytest.mark.parametrize("crdt", CRDTS, ids=lambda c: c.name)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_concrete_and_symbolic_semantics_agree(crdt: CRDT[Any], data: st.DataObject) -> None:
    _agree(crdt, data)


@settings(max_examples=40, deadline=None)
@given(
    a=st.frozensets(st.sampled_from("abc")),
    b=st.frozensets(st.sampled_from("abc")),
    cond=st.booleans(),
)
def test_set_combinators_agree(a: frozenset[str], b: frozenset[str], cond: bool) -> None:
    ctx = z3.Context()
    shape = SetOf(("a", "b", "c"))
    x, y, c = shape.fresh("x", ctx), shape.fresh("y", ctx), z3.Bool("c", ctx)
    pairs = bindings(x, a, ctx) + bindings(y, b, ctx) + [(c, z3.BoolVal(cond, ctx))]
    assert evaluate(union(x, y), pairs) == union(a, b) == a | b
    assert evaluate(insert(x, "b"), pairs) == insert(a, "b")
    assert evaluate(discard(x, "a"), pairs) == discard(a, "a")
    assert evaluate(contains(x, "c"), pairs) == contains(a, "c")
    assert evaluate(count(x), pairs) == count(a) == len(a)
    assert evaluate(eq(x, y), pairs) == eq(a, b) == (a == b)
    assert evaluate(ite(c, x, y), pairs) == (a if cond else b)


def test_the_built_in_sample_check_compares_many_states() -> None:
    # at least the initial state and 12 reached from it; each compared on merge, valid,
    # add and remove
    assert check_agreement(ORSet(), 3, samples=12) >= 13 * 4


# -- honest answers and clear errors ----------------------------------------------------------


def test_a_law_z3_cannot_decide_in_time_is_unknown_not_proved() -> None:
    report = prove_crdt(FermatCounter(), timeout=0.2)
    assert [(law.status, law.reason) for law in report.laws] == [("unknown", "timeout")] * 3
    assert report.exit_code == 3


def test_a_countermodel_the_concrete_code_does_not_confirm_is_an_error() -> None:
    with pytest.raises(ModelError) as info:
        prove_crdt(TwoFacedCounter())
    message = info.value.message
    assert message.startswith(
        "TwoFacedCounter: merge(x, x) = x: the CRDT's concrete and symbolic semantics disagree"
    )
    assert "z3 computes merge(x, x) = [" in message and "\n" not in message


def test_python_control_flow_on_terms_is_refused_with_its_line() -> None:
    with pytest.raises(ModelError) as info:
        prove_crdt(PythonMaxCounter())
    assert info.value.message.startswith(
        "PythonMaxCounter.merge(x, y): CRDT code used Python control flow (if, and, or, not, "
        "max(), min() or == on tuples) on a symbolic value: use ite, all_, any_, not_, max_, "
        "min_ or eq from modelcheck.symbolic.ops (at tests/symbolic_models.py:"
    )
    assert z3.AstRef.__bool__.__name__ == "__bool__"  # z3's own behaviour is back


def test_semantics_that_differ_on_sample_states_are_caught_before_proving() -> None:
    with pytest.raises(ModelError) as info:
        prove_crdt(ModuloCounter())
    assert info.value.message.startswith(
        "ModuloCounter: the concrete and symbolic merge(x, y) disagree on x = "
    )


def test_update_declarations_are_checked() -> None:
    class Bad(CRDT[int]):
        def shape(self, replicas: int) -> Shape:
            return Int()

        @update(count=REPLICA)
        def bump(self, state: int, replica: int) -> int:
            return state + 1

    with pytest.raises(ModelError, match=r"Bad.bump: @update gives domains for \(count\) but "):
        Bad().updates()


def test_one_of_enumerates_its_values() -> None:
    report = prove_crdt(ORSet(), replicas=2)
    add = next(law for law in report.laws if law.name == "add is an inflation")
    remove = next(law for law in report.laws if law.name == "remove is an inflation")
    assert (add.queries, remove.queries) == (len(ELEMENTS) * 2, len(ELEMENTS))
    assert isinstance(OneOf(("a",)).values, tuple)
