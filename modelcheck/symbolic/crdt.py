"""State-based CRDTs, written once, run concretely and proved with z3 for every state.

A CRDT is a subclass of :class:`CRDT` whose methods use only the combinators of
:mod:`modelcheck.symbolic.ops` (and tuples, ``+``, ``-``, comparisons): ``shape`` (the type
of a state, for a number of replicas), ``initial``, ``merge``, ``value``, and update
operations marked with :func:`update`. Called with plain values they are the concrete
implementation (states are immutable, hashable tuples and frozensets). :func:`prove_crdt`
runs them on z3 terms instead and asks z3 whether these laws hold for every state:

- ``merge`` is idempotent, commutative and associative (a join-semilattice);
- every update is an inflation: ``merge(x, op(x)) = op(x)``;
- every delta is sound: ``merge(x, delta(x)) = op(x)``, for an update that names one;
- when the CRDT defines ``valid`` (which states are well formed), merge, updates and deltas
  keep states valid; every law then assumes its input states are valid.

Equality is structural. The number of replicas is fixed for a proof (3 unless asked
otherwise); integers are unbounded. A refuted law comes with a countermodel that has been
replayed through the concrete implementation: if the concrete run does not break the law
the same way, the CRDT's two meanings disagree and that is an error in its definition, not
a refutation.

>>> from modelcheck.symbolic import CRDT, REPLICA, Int, Vector, max_, put, update
>>> class Counter(CRDT[tuple[int, ...]]):
...     '''A grow-only counter.'''
...     def shape(self, replicas): return Vector(Int(), replicas)
...     def initial(self, replicas): return (0,) * replicas
...     def merge(self, a, b): return tuple(max_(x, y) for x, y in zip(a, b))
...     def value(self, state): return sum(state)
...     @update(replica=REPLICA)
...     def increment(self, state, replica): return put(state, replica, state[replica] + 1)
>>> c = Counter()
>>> c.value(c.merge(c.increment(c.initial(2), 0), c.increment(c.initial(2), 1)))
2
>>> report = prove_crdt(c, replicas=2)
>>> [(law.name, law.status) for law in report.laws]  # doctest: +NORMALIZE_WHITESPACE
[('merge is idempotent', 'proved'), ('merge is commutative', 'proved'),
 ('merge is associative', 'proved'), ('increment is an inflation', 'proved')]
"""

from __future__ import annotations

import inspect
import itertools
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import z3

from modelcheck.errors import ModelError
from modelcheck.params import Described
from modelcheck.symbolic._z3 import Answer, ask, new_context, solver
from modelcheck.symbolic.ops import _CONTROL_FLOW, all_, eq
from modelcheck.symbolic.results import Countermodel, CrdtReport, LawResult, ProofStatus
from modelcheck.symbolic.shapes import Shape, bindings, evaluate, read
from modelcheck.trace import call_model, location_of
from modelcheck.values import format_value, to_plain

__all__ = [
    "CRDT",
    "REPLICA",
    "Law",
    "OneOf",
    "Replica",
    "Update",
    "check_agreement",
    "laws",
    "prove_crdt",
    "update",
]

S = TypeVar("S")
F = TypeVar("F", bound=Callable[..., Any])

_UPDATE = "__modelcheck_update__"


class Replica:
    """The argument domain "the replica an update runs at": every one of them, in turn."""

    def __repr__(self) -> str:
        return "REPLICA"


REPLICA = Replica()
"""Use as ``@update(replica=REPLICA)``: the law is checked at replica 0, 1, ... in turn."""


@dataclass(frozen=True)
class OneOf:
    """An argument domain of a few plain values, each checked in turn: ``OneOf(("a", "b"))``."""

    values: tuple[Hashable, ...]


Domain = Replica | OneOf | Shape


def update(*, delta: str | None = None, **arguments: Domain) -> Callable[[F], F]:
    """Mark a CRDT method ``(self, state, *arguments) -> state`` as an update operation.

    Each keyword names an argument and its domain: :data:`REPLICA`, :class:`OneOf` (plain
    values tried one by one) or a :class:`~modelcheck.symbolic.shapes.Shape` (a symbolic
    value: the law is proved for all of them at once). ``delta`` names a method with the
    same arguments that returns the delta-state of the update.
    """

    def mark(fn: F) -> F:
        setattr(fn, _UPDATE, (dict(arguments), delta))
        return fn

    return mark


@dataclass(frozen=True)
class Update:
    """An update operation of a CRDT instance: bound method, argument domains, delta."""

    name: str
    fn: Callable[..., Any]
    arguments: tuple[tuple[str, Domain], ...]
    delta: Callable[..., Any] | None = None
    delta_name: str | None = None

    def call_text(self, state: str = "x", name: str | None = None) -> str:
        """``increment(x, replica)``."""
        args = ", ".join([state, *(a for a, _ in self.arguments)])
        return f"{name or self.name}({args})"


class CRDT(Described, Generic[S]):
    """Base class of a state-based CRDT; ``S`` is the type of its (concrete) states.

    Subclasses define ``shape``, ``initial``, ``merge``, ``value`` and updates marked with
    :func:`update`; optionally ``valid``. Instances have no state of their own.
    """

    def shape(self, replicas: int) -> Shape:
        """The type of a state with ``replicas`` replicas."""
        raise NotImplementedError(f"{type(self).__name__} must define shape(replicas)")

    def initial(self, replicas: int) -> S:
        """The initial state of every replica."""
        raise NotImplementedError(f"{type(self).__name__} must define initial(replicas)")

    def merge(self, a: S, b: S) -> S:
        """The join of two states."""
        raise NotImplementedError(f"{type(self).__name__} must define merge(a, b)")

    def value(self, state: S) -> Any:
        """What a client reads from a state."""
        raise NotImplementedError(f"{type(self).__name__} must define value(state)")

    def valid(self, state: S) -> bool:
        """Whether a state is well formed (every state, unless a subclass says otherwise)."""
        return True

    @property
    def has_validity(self) -> bool:
        """Whether the class defines ``valid`` (so laws assume it and check it is kept)."""
        return type(self).valid is not CRDT.valid

    def updates(self) -> list[Update]:
        """The update operations, in definition order."""
        found: dict[str, Update] = {}
        for klass in reversed(type(self).__mro__):
            for attr, fn in vars(klass).items():
                mark = getattr(fn, _UPDATE, None)
                if mark is None:
                    continue
                domains, delta_name = mark
                found[attr] = self._make_update(attr, domains, delta_name)
        return list(found.values())

    def _make_update(self, attr: str, domains: dict[str, Domain], delta_name: str | None) -> Update:
        fn = getattr(self, attr)
        params = list(inspect.signature(fn).parameters)
        where = f"{self.name}.{attr}"
        if not params:
            raise ModelError(f"{where} must take the state as its first argument")
        names = params[1:]
        if sorted(names) != sorted(domains):
            raise ModelError(
                f"{where}: @update gives domains for ({', '.join(domains)}) but the method "
                f"takes ({', '.join(names)}) after the state"
            )
        for arg, dom in domains.items():
            if not isinstance(dom, Replica | OneOf | Shape):
                raise ModelError(
                    f"{where}: the domain of '{arg}' must be REPLICA, OneOf(...) or a shape, "
                    f"not {dom!r}"
                )
        delta = None
        if delta_name is not None:
            delta = getattr(self, delta_name, None)
            if not callable(delta):
                raise ModelError(f"{where}: delta '{delta_name}' is not a method of {self.name}")
        arguments = tuple((n, domains[n]) for n in names)
        return Update(attr, fn, arguments, delta, delta_name)


@dataclass(frozen=True)
class Law:
    """A law: an equation ``lhs = rhs`` over some states and an update's arguments."""

    name: str
    states: tuple[str, ...]
    lhs_text: str
    rhs_text: str
    sides: Callable[[dict[str, Any], tuple[Any, ...]], tuple[Any, Any]]
    update: Update | None = None
    premise: str = ""

    @property
    def statement(self) -> str:
        """``merge(x, y) = merge(y, x)``; a validity law is just ``premise => valid(...)``."""
        if self.rhs_text == "true":
            return f"{self.premise}{self.lhs_text}"
        return f"{self.premise}{self.lhs_text} = {self.rhs_text}"


Sides = Callable[[dict[str, Any], tuple[Any, ...]], tuple[Any, Any]]


def laws(crdt: CRDT[Any]) -> list[Law]:
    """The laws :func:`prove_crdt` checks for ``crdt``, in order."""
    m = crdt.merge
    out = [
        Law("merge is idempotent", ("x",), "merge(x, x)", "x", _idempotent(m)),
        Law("merge is commutative", ("x", "y"), "merge(x, y)", "merge(y, x)", _commutative(m)),
        Law(
            "merge is associative",
            ("x", "y", "z"),
            "merge(merge(x, y), z)",
            "merge(x, merge(y, z))",
            _associative(m),
        ),
    ]
    updates = crdt.updates()
    for op in updates:
        call = op.call_text()
        out.append(
            Law(
                f"{op.name} is an inflation",
                ("x",),
                f"merge(x, {call})",
                call,
                _sound(m, op.fn, op.fn),
                op,
            )
        )
        if op.delta is not None:
            delta_call = op.call_text(name=op.delta_name)
            out.append(
                Law(
                    f"{op.name}'s delta is sound",
                    ("x",),
                    f"merge(x, {delta_call})",
                    call,
                    _sound(m, op.fn, op.delta),
                    op,
                )
            )
    if not crdt.has_validity:
        return out
    v = crdt.valid
    both = "valid(x), valid(y) => "
    out.append(
        Law(
            "merge keeps states valid",
            ("x", "y"),
            "valid(merge(x, y))",
            "true",
            _keeps(v, m),
            premise=both,
        )
    )
    for op in updates:
        call = op.call_text()
        out.append(
            Law(
                f"{op.name} keeps states valid",
                ("x",),
                f"valid({call})",
                "true",
                _keeps(v, op.fn),
                op,
                "valid(x) => ",
            )
        )
        if op.delta is not None:
            out.append(
                Law(
                    f"{op.name}'s delta is valid",
                    ("x",),
                    f"valid({op.call_text(name=op.delta_name)})",
                    "true",
                    _keeps(v, op.delta),
                    op,
                    "valid(x) => ",
                )
            )
    return out


def _idempotent(m: Callable[[Any, Any], Any]) -> Sides:
    return lambda s, a: (m(s["x"], s["x"]), s["x"])


def _commutative(m: Callable[[Any, Any], Any]) -> Sides:
    return lambda s, a: (m(s["x"], s["y"]), m(s["y"], s["x"]))


def _associative(m: Callable[[Any, Any], Any]) -> Sides:
    return lambda s, a: (m(m(s["x"], s["y"]), s["z"]), m(s["x"], m(s["y"], s["z"])))


def _sound(m: Callable[[Any, Any], Any], op: Callable[..., Any], part: Callable[..., Any]) -> Sides:
    """merge(x, part(x, args)) = op(x, args): inflation when part is op, else delta soundness."""
    return lambda s, a: (m(s["x"], part(s["x"], *a)), op(s["x"], *a))


def _keeps(valid: Callable[[Any], bool], fn: Callable[..., Any]) -> Sides:
    """valid(fn(states..., args)): fn is merge (two states) or an update (one state, args)."""

    def sides(s: dict[str, Any], a: tuple[Any, ...]) -> tuple[Any, Any]:
        states = [s[name] for name in ("x", "y") if name in s]
        return valid(fn(*states, *a)), True

    return sides


def prove_crdt(crdt: CRDT[Any], replicas: int = 3, timeout: float | None = 10.0) -> CrdtReport:
    """Check every law of :func:`laws` for all states of ``replicas`` replicas.

    ``timeout`` (seconds) bounds each z3 query; a query that runs out is ``unknown``.
    Raises :class:`~modelcheck.errors.ModelError` when the CRDT's code cannot run on z3
    terms, or when a countermodel does not replay through the concrete implementation.
    """
    if replicas < 1:
        raise ModelError(f"a CRDT needs at least one replica, not {replicas}")
    shape = call_model(lambda: crdt.shape(replicas), f"{crdt.name}.shape({replicas})")
    if not isinstance(shape, Shape):
        raise ModelError(f"{crdt.name}.shape() must return a shape (Int(), Vector(...), ...)")
    check_agreement(crdt, replicas)
    results = tuple(_check_law(crdt, law, replicas, timeout) for law in laws(crdt))
    valid = "valid " if crdt.has_validity else ""
    assumption = f"every {valid}state of {replicas} replicas"
    return CrdtReport(crdt.name, replicas, shape.describe(), assumption, results)


def check_agreement(crdt: CRDT[Any], replicas: int, samples: int = 12, seed: int = 0) -> int:
    """Run merge, ``valid``, every update and delta both concretely and on z3 terms, on
    sample states (reached from ``initial`` by random updates and merges, and random valid
    states of the shape), and compare. Returns how many comparisons were made.

    A proof says something about the symbolic run only; this catches, before any proof,
    code whose two meanings differ (Python's ``%`` on negative numbers, say). Raises
    :class:`~modelcheck.errors.ModelError` naming the first disagreement.
    """
    rng = random.Random(seed)
    shape = crdt.shape(replicas)
    updates = crdt.updates()
    states = [call_model(lambda: crdt.initial(replicas), f"{crdt.name}.initial({replicas})")]
    for _ in range(samples):
        if updates and (len(states) < 2 or rng.random() < 0.6):
            op = rng.choice(updates)
            args = _sample_arguments(op, replicas, rng)
            base = rng.choice(states)
            states.append(call_model(partial(op.fn, base, *args), f"{crdt.name}.{op.name}"))
        else:
            a, b = rng.choice(states), rng.choice(states)
            states.append(call_model(partial(crdt.merge, a, b), f"{crdt.name}.merge"))
    for _ in range(4 * samples):
        candidate = shape.sample(rng)
        if call_model(partial(crdt.valid, candidate), f"{crdt.name}.valid") is True:
            states.append(candidate)
    ctx = new_context()
    x, y = shape.fresh("x", ctx), shape.fresh("y", ctx)
    compared = 0

    def compare(
        what: str, symbolic: Any, concrete: Any, inputs: list[tuple[str, Any, Any]]
    ) -> None:
        pairs: list[tuple[Any, Any]] = []
        for name, sym, value in inputs:
            try:
                pairs += bindings(sym, value, ctx)
            except ModelError as exc:
                raise ModelError(
                    f"{crdt.name}: {name} = {value!r} does not fit the shape "
                    f"{shape.describe()}: {exc}"
                ) from None
        got = evaluate(symbolic, pairs)
        if got != concrete:
            shown = ", ".join(f"{name} = {_text(value)}" for name, _, value in inputs)
            raise ModelError(
                f"{crdt.name}: the concrete and symbolic {what} disagree on {shown}: the "
                f"concrete code gives {_text(concrete)}, the z3 terms {_text(got)} (use only "
                "modelcheck.symbolic.ops combinators on state values)"
            )

    sym_merge = _symbolic(lambda: crdt.merge(x, y), f"{crdt.name}.merge(x, y)")
    sym_valid = _symbolic(lambda: crdt.valid(x), f"{crdt.name}.valid(x)")
    for a in states:
        b = rng.choice(states)
        merged = call_model(partial(crdt.merge, a, b), f"{crdt.name}.merge")
        compare("merge(x, y)", sym_merge, merged, [("x", x, a), ("y", y, b)])
        ok = call_model(partial(crdt.valid, a), f"{crdt.name}.valid")
        compare("valid(x)", sym_valid, ok, [("x", x, a)])
        compared += 2
        for op in updates:
            args = _sample_arguments(op, replicas, rng)
            sym_args = [
                dom.fresh(f"@{name}", ctx) if isinstance(dom, Shape) else value
                for (name, dom), value in zip(op.arguments, args, strict=True)
            ]
            arg_inputs = [
                (name, sym, value)
                for (name, dom), sym, value in zip(op.arguments, sym_args, args, strict=True)
                if isinstance(dom, Shape)
            ]
            for fn, fn_name in ((op.fn, op.name), (op.delta, op.delta_name)):
                if fn is None:
                    continue
                text = f"{fn_name}(x, {', '.join(_text(v) for v in args)})"
                sym = _symbolic(partial(fn, x, *sym_args), f"{crdt.name}.{text}")
                concrete = call_model(partial(fn, a, *args), f"{crdt.name}.{fn_name}")
                compare(text, sym, concrete, [("x", x, a), *arg_inputs])
                compared += 1
    return compared


def _sample_arguments(op: Update, replicas: int, rng: random.Random) -> tuple[Any, ...]:
    values: list[Any] = []
    for _, dom in op.arguments:
        if isinstance(dom, Replica):
            values.append(rng.randrange(replicas))
        elif isinstance(dom, OneOf):
            values.append(rng.choice(dom.values))
        else:
            values.append(dom.sample(rng))
    return tuple(values)


def _argument_choices(op: Update | None, replicas: int) -> list[tuple[Any, ...]]:
    if op is None:
        return [()]
    options: list[Sequence[Any]] = []
    for _, dom in op.arguments:
        if isinstance(dom, Replica):
            options.append(range(replicas))
        elif isinstance(dom, OneOf):
            options.append(dom.values)
        else:
            options.append([dom])
    return list(itertools.product(*options))


def _check_law(crdt: CRDT[Any], law: Law, replicas: int, timeout: float | None) -> LawResult:
    status: ProofStatus = "proved"
    seconds = 0.0
    reason = ""
    queries = 0
    for choice in _argument_choices(law.update, replicas):
        queries += 1
        answer, countermodel = _query(crdt, law, replicas, choice, timeout)
        seconds += answer.seconds
        if answer.verdict == "sat":
            return LawResult(law.name, law.statement, "refuted", queries, seconds, countermodel)
        if answer.verdict == "unknown":
            status, reason = "unknown", answer.reason
    return LawResult(law.name, law.statement, status, queries, seconds, reason=reason)


def _query(
    crdt: CRDT[Any], law: Law, replicas: int, choice: tuple[Any, ...], timeout: float | None
) -> tuple[Answer, Countermodel | None]:
    ctx = new_context()
    shape = crdt.shape(replicas)
    states = {name: shape.fresh(name, ctx) for name in law.states}
    args = tuple(
        dom.fresh(f"@{name}", ctx) if isinstance(dom, Shape) else dom
        for dom, (name, _) in zip(choice, law.update.arguments if law.update else (), strict=True)
    )
    what = f"{crdt.name}: {law.statement}"
    lhs, rhs = _symbolic(lambda: law.sides(states, args), what)
    premise = _symbolic(lambda: all_(*(crdt.valid(s) for s in states.values())), what)
    equal = _symbolic(lambda: eq(lhs, rhs), what)
    s = solver(ctx, timeout)
    s.add(_formula(premise, ctx))
    s.add(z3.Not(_formula(equal, ctx)))
    answer = ask(s)
    if answer.verdict != "sat":
        return answer, None
    return answer, _replay(crdt, law, answer.model, states, args, (lhs, rhs))


def _replay(
    crdt: CRDT[Any],
    law: Law,
    model: Any,
    states: dict[str, Any],
    args: tuple[Any, ...],
    sides: tuple[Any, Any],
) -> Countermodel:
    conc_states = {name: read(value, model) for name, value in states.items()}
    conc_args = tuple(read(a, model) for a in args)
    names = [a for a, _ in law.update.arguments] if law.update else []
    inputs = tuple(list(conc_states.items()) + list(zip(names, conc_args, strict=True)))
    shown = ", ".join(f"{k} = {_text(v)}" for k, v in inputs)
    where = f"{crdt.name}: {law.statement}"
    for name, value in conc_states.items():
        ok = call_model(lambda v=value: crdt.valid(v), f"{crdt.name}.valid({name})")  # type: ignore[misc]
        if ok is not True:
            raise ModelError(
                f"{where}: z3 found a countermodel with {shown}, but the concrete "
                f"valid({name}) is {_text(ok)}: the concrete and symbolic valid() disagree"
            )
    z3_sides = (read(sides[0], model), read(sides[1], model))
    lhs, rhs = call_model(lambda: law.sides(conc_states, conc_args), where)
    if (lhs, rhs) != z3_sides or lhs == rhs:
        raise ModelError(
            f"{where}: the CRDT's concrete and symbolic semantics disagree on {shown}: "
            f"z3 computes {law.lhs_text} = {_text(z3_sides[0])} and {law.rhs_text} = "
            f"{_text(z3_sides[1])}, the concrete code {_text(lhs)} and {_text(rhs)} "
            "(use only modelcheck.symbolic.ops combinators on state values)"
        )
    return Countermodel(inputs, (law.lhs_text, lhs), (law.rhs_text, rhs))


def _symbolic(fn: Callable[[], Any], what: str) -> Any:
    """Run CRDT code on z3 terms; its failures become one-line model errors.

    While it runs, a z3 term refuses to be a Python truth value. (z3 itself answers
    ``bool(x == y)`` by comparing the two terms' syntax, which would silently give code
    like ``a if a == b else ...`` a different meaning on terms than on numbers.)
    """

    def guarded() -> Any:
        saved = z3.AstRef.__bool__
        z3.AstRef.__bool__ = _refuse_truth
        try:
            return fn()
        except z3.Z3Exception as exc:
            text = str(exc.value if hasattr(exc, "value") else exc)
            raise ModelError(f"{what}: z3 rejected a term the code built: {text}") from None
        except ModelError as exc:
            if exc.message == _CONTROL_FLOW:
                at = location_of(exc)
                where = f" (at {at})" if at else ""
                raise ModelError(f"{what}: {_CONTROL_FLOW}{where}") from None
            raise
        finally:
            z3.AstRef.__bool__ = saved

    return call_model(guarded, what)


def _refuse_truth(term: Any) -> bool:
    if z3.is_true(term):
        return True
    if z3.is_false(term):
        return False
    raise ModelError(_CONTROL_FLOW)


def _formula(value: Any, ctx: Any) -> Any:
    if isinstance(value, bool):
        return z3.BoolVal(value, ctx)
    if not z3.is_bool(value):
        raise ModelError(f"expected a boolean, got {value!r}")
    return value


def _text(value: Any) -> str:
    return format_value(to_plain(value))
