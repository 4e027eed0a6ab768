"""Symbolic transition systems, in the style of mypyvy and Ivy, embedded in Python.

A :class:`System` declares its vocabulary in ``setup()``: *sorts* (uninterpreted, so that a
proof covers any number of elements, or finite enumerations), *relations*, *functions* and
*constants*, each either mutable (part of the state) or rigid (fixed for a run, like a
ring's topology). Formulas are z3 terms built from a *state view*: ``s.leader(n)`` is the
relation ``leader`` in state ``s``. Then:

- ``axioms(s)``: facts about the rigid symbols (a total order, a ring);
- ``init(s)``: the initial states;
- actions, methods marked :func:`action`: two-state formulas over ``s`` (before) and ``t``
  (after), with parameters of declared sorts; every mutable symbol the action does not
  list in ``modifies`` is kept unchanged;
- invariants, methods marked :func:`invariant`: one-state formulas; :func:`safety` marks
  the ones that are goals (what bounded model checking looks for violations of), the others
  only help an induction proof.

:func:`forall` and :func:`exists` quantify over sorts (expanded into conjunctions and
disjunctions for finite sorts); ``t.rel.becomes(lambda x: ...)`` says what a relation or
function is after a step, for every argument.

>>> import z3
>>> class Switch(System):
...     '''Nodes toggle a flag.'''
...     def setup(self):
...         self.node = self.sort("node")
...         self.on = self.relation("on", self.node)
...     def init(self, s):
...         return forall(self.node, lambda n: z3.Not(s.on(n)))
...     @action("node", modifies="on")
...     def flip(self, s, t, n):
...         return t.on.becomes(lambda m: z3.If(m == n, z3.Not(s.on(m)), s.on(m)))
...     @invariant
...     def all_off(self, s):
...         return forall(self.node, lambda n: z3.Not(s.on(n)))
>>> system = Switch()
>>> [a.name for a in system.actions()], [i.name for i in system.invariants()]
(['flip'], ['all_off'])
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import z3

from modelcheck.docstrings import first_sentence
from modelcheck.errors import ModelError
from modelcheck.model import Model
from modelcheck.params import Parameterized, resolve_params
from modelcheck.symbolic._z3 import Formula, Term, new_context

__all__ = [
    "Action",
    "Invariant",
    "Sort",
    "State",
    "Symbol",
    "System",
    "action",
    "conjunction",
    "disjunction",
    "exists",
    "forall",
    "invariant",
    "safety",
    "trace_view",
]

F = TypeVar("F", bound=Callable[..., Any])

_ACTION = "__modelcheck_action__"
_INVARIANT = "__modelcheck_invariant__"


class Sort:
    """A sort of a system: uninterpreted (any size), finite (named elements), bool or int."""

    def __init__(
        self, name: str, z3sort: Any, elements: Sequence[Any] = (), kind: str = ""
    ) -> None:
        self.name = name
        self.z3 = z3sort
        self.elements: tuple[Any, ...] = tuple(elements)
        self.kind = kind or ("finite" if elements else "uninterpreted")
        self._bound = itertools.count()
        self._expansion: tuple[Any, ...] | None = None

    @property
    def finite(self) -> bool:
        """Whether the sort has a fixed list of elements."""
        return self.kind == "finite"

    @property
    def uninterpreted(self) -> bool:
        """Whether the sort stands for any nonempty set of elements."""
        return self.kind == "uninterpreted"

    def __getitem__(self, name: str) -> Term:
        """The element called ``name`` of a finite sort."""
        for element in self.elements:
            if str(element) == name:
                return element
        raise ModelError(f"sort {self.name} has no element '{name}'")

    def var(self, name: str) -> Term:
        """A z3 constant of this sort, for writing quantifiers by hand."""
        return z3.Const(name, self.z3)

    def expansion(self) -> tuple[Any, ...] | None:
        """The elements :func:`forall` and :func:`exists` expand over, if they do."""
        return self.elements if self.finite else self._expansion

    def bound(self) -> Term:
        """A fresh variable for a quantifier (unique names, so nested ones never clash)."""
        return z3.Const(f"{self.name.upper()}#{next(self._bound)}", self.z3)

    def __repr__(self) -> str:
        return f"Sort({self.name!r})"


@dataclass(frozen=True)
class Symbol:
    """A relation, function or constant of a system."""

    name: str
    args: tuple[Sort, ...]
    result: Sort
    rigid: bool

    @property
    def kind(self) -> str:
        """``relation``, ``function`` or ``constant``."""
        if not self.args:
            return "constant"
        return "relation" if self.result.kind == "bool" else "function"


class BoundSymbol:
    """A relation or function in one state: call it to apply it, or say what it ``becomes``."""

    def __init__(self, symbol: Symbol, decl: Any) -> None:
        self.symbol = symbol
        self.decl = decl

    def __call__(self, *args: Any) -> Term:
        if len(args) != len(self.symbol.args):
            raise ModelError(
                f"{self.symbol.name} takes {len(self.symbol.args)} argument"
                f"{'s' if len(self.symbol.args) != 1 else ''}, got {len(args)}"
            )
        return self.decl(*args)

    def becomes(self, value: Callable[..., Term]) -> Formula:
        """For every argument tuple ``xs``: this symbol at ``xs`` equals ``value(*xs)``."""
        return forall(self.symbol.args, lambda *xs: self.decl(*xs) == value(*xs))

    def same_as(self, other: BoundSymbol) -> Formula:
        """This symbol equals ``other`` at every argument (e.g. the same symbol, one state back)."""
        return self.becomes(other.decl)


class State:
    """The vocabulary of a system in one state: ``s.leader(n)``, ``s.tmState``, ``s.le(a, b)``.

    Rigid symbols are the same in every state. A constant reads as its z3 term; relations
    and functions as :class:`BoundSymbol`.
    """

    def __init__(self, system: System, tag: str) -> None:
        self._system = system
        self._tag = tag

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        symbol = self._system._symbols.get(name)
        if symbol is None:
            raise ModelError(f"{self._system.name} has no relation, function or constant '{name}'")
        decl = self._system._decl(symbol, self._tag)
        return decl() if not symbol.args else BoundSymbol(symbol, decl)

    @property
    def tag(self) -> str:
        """The state's name in z3 terms (``0``, ``1``, ... or ``pre``/``post``)."""
        return self._tag


@dataclass(frozen=True)
class Action:
    """An action of a system instance: the two-state formula and its parameters' sorts."""

    name: str
    fn: Callable[..., Formula]
    params: tuple[tuple[str, Sort], ...]
    modifies: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Invariant:
    """A named one-state formula; a ``safety`` one is a goal, the others support a proof."""

    name: str
    fn: Callable[[State], Formula]
    description: str = ""
    safety: bool = False


def action(*sorts: str, modifies: str | Sequence[str]) -> Callable[[F], F]:
    """Mark a method ``(self, s, t, *params) -> formula`` as an action.

    ``sorts`` name the sorts of the parameters, in order; ``modifies`` names the mutable
    symbols the action may change (every other one stays the same).
    """
    changed = (modifies,) if isinstance(modifies, str) else tuple(modifies)

    def mark(fn: F) -> F:
        setattr(fn, _ACTION, (tuple(sorts), changed))
        return fn

    return mark


def invariant(fn: F) -> F:
    """Mark a method ``(self, s) -> formula`` as an invariant."""
    setattr(fn, _INVARIANT, False)
    return fn


def safety(fn: F) -> F:
    """Mark a method ``(self, s) -> formula`` as a safety property: an invariant that is a
    goal (what ``prove bmc`` looks for violations of), not just a help for a proof."""
    setattr(fn, _INVARIANT, True)
    return fn


class System(Parameterized):
    """Base class of a symbolic transition system; declare the vocabulary in ``setup()``.

    ``inductive`` may name the invariants whose conjunction is meant to be inductive (the
    default for ``modelcheck prove inductive`` without ``--inv``). Parameters are declared
    with :class:`~modelcheck.Param`, as for models.
    """

    inductive: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: object) -> None:
        self.params: dict[str, object] = resolve_params(type(self), params)
        self.ctx: Any = new_context()
        self._sorts: dict[str, Sort] = {}
        self._symbols: dict[str, Symbol] = {}
        self._decls: dict[tuple[str, str], Any] = {}
        self.BOOL = Sort("bool", z3.BoolSort(self.ctx), kind="bool")
        self.INT = Sort("int", z3.IntSort(self.ctx), kind="int")
        self.setup()

    # -- what a system defines ----------------------------------------------------------------

    def setup(self) -> None:
        """Declare sorts and symbols (the parameters are set already)."""

    def axioms(self, s: State) -> Iterable[Formula]:
        """Facts about the rigid symbols."""
        return ()

    def init(self, s: State) -> Formula:
        """The initial states."""
        raise NotImplementedError(f"{self.name} must define init(s)")

    def show(self, state: Mapping[str, Any]) -> Mapping[str, Any]:
        """A state (symbol name -> plain value) as named fields for traces; override to
        present it like an explicit model does."""
        return state

    # -- declarations ---------------------------------------------------------------------------

    def sort(self, name: str) -> Sort:
        """An uninterpreted sort: proofs hold for any nonempty set of its elements."""
        self._fresh_name(name)
        sort = Sort(name, z3.DeclareSort(name, self.ctx))
        self._sorts[name] = sort
        return sort

    def enum(self, name: str, elements: Sequence[str]) -> Sort:
        """A finite sort with the given, distinct elements."""
        self._fresh_name(name)
        if not elements or len(set(elements)) != len(elements):
            raise ModelError(f"sort {name} needs distinct elements, got {list(elements)}")
        z3sort, consts = z3.EnumSort(name, list(elements), ctx=self.ctx)
        sort = Sort(name, z3sort, consts)
        self._sorts[name] = sort
        return sort

    def relation(self, name: str, *args: Sort, rigid: bool = False) -> Symbol:
        """A relation over ``args`` (true or false for each tuple of elements)."""
        return self._declare(name, args, self.BOOL, rigid)

    def function(self, name: str, *args: Sort, result: Sort, rigid: bool = False) -> Symbol:
        """A function from ``args`` to ``result``."""
        if not args:
            raise ModelError(f"function {name} needs arguments: use constant() for none")
        return self._declare(name, args, result, rigid)

    def constant(self, name: str, sort: Sort, rigid: bool = False) -> Symbol:
        """A single value of ``sort`` (a boolean flag with ``self.BOOL``)."""
        return self._declare(name, (), sort, rigid)

    # -- derived ------------------------------------------------------------------------------

    def sorts(self) -> list[Sort]:
        """The declared sorts, in order."""
        return list(self._sorts.values())

    def unbounded_sorts(self) -> list[Sort]:
        """The uninterpreted sorts: what a proof holds for any number of."""
        return [s for s in self._sorts.values() if s.uninterpreted]

    def symbols(self) -> list[Symbol]:
        """The declared symbols, in order."""
        return list(self._symbols.values())

    def mutable(self) -> list[Symbol]:
        """The symbols that make up a state."""
        return [s for s in self._symbols.values() if not s.rigid]

    def state(self, tag: str) -> State:
        """The vocabulary in the state called ``tag``."""
        return State(self, tag)

    def actions(self) -> list[Action]:
        """The actions, in definition order."""
        found: dict[str, Action] = {}
        for attr, fn, mark in self._marked(_ACTION):
            sort_names, modifies = mark
            found[attr] = self._make_action(attr, fn, sort_names, modifies)
        if not found:
            raise ModelError(f"{self.name} has no action (a method marked @action)")
        return list(found.values())

    def invariants(self) -> list[Invariant]:
        """The invariants, in definition order."""
        return [
            Invariant(attr, getattr(self, attr), first_sentence(fn.__doc__), bool(goal))
            for attr, fn, goal in self._marked(_INVARIANT)
        ]

    def safety_properties(self) -> list[Invariant]:
        """The invariants marked :func:`safety`, or every invariant if none is."""
        invariants = self.invariants()
        return [i for i in invariants if i.safety] or invariants

    def invariant(self, name: str) -> Invariant:
        """The invariant called ``name``; a clear error naming the others if there is none."""
        invariants = self.invariants()
        for inv in invariants:
            if inv.name == name:
                return inv
        known = ", ".join(i.name for i in invariants) or "none"
        raise ModelError(f"{self.name} has no invariant '{name}' (its invariants: {known})")

    def transition(self, act: Action, s: State, t: State, params: Sequence[Term]) -> Formula:
        """The action's formula with its parameters, and frame conditions for the rest."""
        parts = [_boolean(act.fn(s, t, *params), self.ctx, f"{self.name}.{act.name}")]
        for symbol in self.mutable():
            if symbol.name in act.modifies:
                continue
            if symbol.args:
                parts.append(getattr(t, symbol.name).same_as(getattr(s, symbol.name)))
            else:
                parts.append(getattr(t, symbol.name) == getattr(s, symbol.name))
        return conjunction(parts, self.ctx)

    def background(self, s: State) -> Formula:
        """The conjunction of the axioms."""
        axioms = [_boolean(a, self.ctx, f"{self.name}.axioms") for a in self.axioms(s)]
        return conjunction(axioms, self.ctx)

    def initial(self, s: State) -> Formula:
        """``init(s)`` checked to be a formula."""
        return _boolean(self.init(s), self.ctx, f"{self.name}.init")

    def holds(self, names: Sequence[str], s: State) -> list[Formula]:
        """The named invariants in state ``s``."""
        return [_boolean(self.invariant(n).fn(s), self.ctx, f"{self.name}.{n}") for n in names]

    @contextmanager
    def expanded(self, universes: Mapping[str, Sequence[Term]]) -> Iterator[None]:
        """Within the block, :func:`forall` and :func:`exists` over an uninterpreted sort
        expand over the given elements (those of a model), so that formulas built then are
        free of quantifiers and a model evaluates them to true or false."""
        sorts = self.unbounded_sorts()
        try:
            for sort in sorts:
                sort._expansion = tuple(universes.get(sort.name, ()))
            yield
        finally:
            for sort in sorts:
                sort._expansion = None

    # -- internals ------------------------------------------------------------------------------

    def _fresh_name(self, name: str) -> None:
        if not name.isidentifier():
            raise ModelError(f"{self.name}: '{name}' is not a valid name")
        if name in self._sorts or name in self._symbols or name in ("bool", "int"):
            raise ModelError(f"{self.name}: '{name}' is declared twice")

    def _declare(self, name: str, args: tuple[Sort, ...], result: Sort, rigid: bool) -> Symbol:
        self._fresh_name(name)
        for sort in (*args, result):
            if not isinstance(sort, Sort):
                raise ModelError(f"{self.name}.{name}: {sort!r} is not a sort of the system")
        symbol = Symbol(name, tuple(args), result, rigid)
        self._symbols[name] = symbol
        return symbol

    def _decl(self, symbol: Symbol, tag: str) -> Any:
        key = (symbol.name, "" if symbol.rigid else tag)
        decl = self._decls.get(key)
        if decl is None:
            z3name = symbol.name if symbol.rigid else f"{symbol.name}@{tag}"
            sig = [a.z3 for a in symbol.args] + [symbol.result.z3]
            decl = z3.Function(z3name, *sig)
            self._decls[key] = decl
        return decl

    def _marked(self, mark_name: str) -> list[tuple[str, Any, Any]]:
        found: dict[str, tuple[str, Any, Any]] = {}
        for klass in reversed(type(self).__mro__):
            for attr, fn in vars(klass).items():
                mark = getattr(fn, mark_name, None)
                if mark is not None:
                    found[attr] = (attr, fn, mark)
        return list(found.values())

    def _make_action(
        self, attr: str, fn: Any, sort_names: tuple[str, ...], modifies: tuple[str, ...]
    ) -> Action:
        where = f"{self.name}.{attr}"
        names = list(inspect.signature(fn).parameters)[3:]
        if len(names) != len(sort_names):
            raise ModelError(
                f"{where}: @action names {len(sort_names)} parameter sort"
                f"{'s' if len(sort_names) != 1 else ''} but the method takes {len(names)} "
                "parameters after (self, s, t)"
            )
        sorts = []
        for sort_name in sort_names:
            sort = self._sorts.get(sort_name) or {"bool": self.BOOL, "int": self.INT}.get(sort_name)
            if sort is None:
                raise ModelError(
                    f"{where}: no sort '{sort_name}' (declared: {', '.join(self._sorts)})"
                )
            sorts.append(sort)
        for name in modifies:
            symbol = self._symbols.get(name)
            if symbol is None or symbol.rigid:
                raise ModelError(f"{where}: modifies '{name}', which is not a mutable symbol")
        return Action(
            attr,
            getattr(self, attr),
            tuple(zip(names, sorts, strict=True)),
            modifies,
            first_sentence(fn.__doc__),
        )


def forall(sorts: Sort | Sequence[Sort], body: Callable[..., Formula]) -> Formula:
    """``body(*xs)`` for every tuple ``xs`` of elements of ``sorts``.

    Finite sorts are expanded (a conjunction over their elements), others quantified.
    """
    return _quantify(sorts, body, universal=True)


def exists(sorts: Sort | Sequence[Sort], body: Callable[..., Formula]) -> Formula:
    """``body(*xs)`` for some tuple ``xs`` of elements of ``sorts``."""
    return _quantify(sorts, body, universal=False)


def _quantify(
    sorts: Sort | Sequence[Sort], body: Callable[..., Formula], universal: bool
) -> Formula:
    sorts = (sorts,) if isinstance(sorts, Sort) else tuple(sorts)
    if not sorts:
        return body()
    ctx = sorts[0].z3.ctx
    expansions = [s.expansion() for s in sorts]
    variables = [s.bound() if e is None else None for s, e in zip(sorts, expansions, strict=True)]
    choices = [e if e is not None else (v,) for e, v in zip(expansions, variables, strict=True)]
    cases = [body(*xs) for xs in itertools.product(*choices)]
    joined = conjunction(cases, ctx) if universal else disjunction(cases, ctx)
    bound = [v for v in variables if v is not None]
    if not bound:
        return joined
    return z3.ForAll(bound, joined) if universal else z3.Exists(bound, joined)


def conjunction(parts: Sequence[Formula], ctx: Any) -> Formula:
    """``And(parts)``, true for none (in ``ctx``)."""
    if not parts:
        return z3.BoolVal(True, ctx)
    return parts[0] if len(parts) == 1 else z3.And(list(parts))


def disjunction(parts: Sequence[Formula], ctx: Any) -> Formula:
    """``Or(parts)``, false for none (in ``ctx``)."""
    if not parts:
        return z3.BoolVal(False, ctx)
    return parts[0] if len(parts) == 1 else z3.Or(list(parts))


def _boolean(value: Any, ctx: Any, what: str) -> Formula:
    if isinstance(value, bool):
        return z3.BoolVal(value, ctx)
    if not (isinstance(value, z3.ExprRef) and z3.is_bool(value)):
        raise ModelError(f"{what} must return a z3 formula, not {value!r}")
    if value.ctx != ctx:
        raise ModelError(
            f"{what} built a term outside the system's z3 context: make constants with the "
            "system's sorts (sort.var, forall, exists), not z3.Int(...) or z3.BoolVal(...)"
        )
    return value


class _TraceView(Model[Any]):
    """A model whose only job is to show a symbolic system's states in traces."""

    def __init__(self, system: System) -> None:
        super().__init__()
        self.system = system

    @property
    def name(self) -> str:
        return self.system.name

    def show(self, state: Any) -> Mapping[str, Any]:
        return self.system.show(state)


def trace_view(system: System) -> Model[Any]:
    """A :class:`~modelcheck.Model` that shows ``system``'s decoded states, for
    :func:`modelcheck.render.text.format_trace`."""
    return _TraceView(system)
