"""One loop, specialised: a function whose ``bool`` parameters choose its parts, compiled
again for given values of them with every branch on them decided, so that a search loop
written once runs as fast as the copies it would otherwise be written out as.

Each such parameter becomes its constant; then ``not`` of a constant, the leading constant
operands of ``and`` and ``or``, and every ``if`` statement and conditional expression whose
test is now a constant are decided (an ``if`` replaced by the branch it takes). The copy is
compiled from the function's own source, with its lines, so tracebacks point there; the
parameters are gone from its signature. It needs the source (through ``linecache``);
where there is none (an install of compiled files only) the function itself runs, with the
flags given as arguments: the same results, a few per cent slower.

>>> def count(items: list[int], odd: bool) -> int:
...     total = 0
...     for item in items:
...         if odd:
...             total += item % 2
...         else:
...             total += 1 - item % 2
...     return total
>>> odd = specialise(count, odd=True)
>>> odd([1, 2, 3]), specialise(count, odd=False)([1, 2, 3])
(2, 1)
>>> "odd" in odd.__code__.co_varnames
False
"""

from __future__ import annotations
import __future__

import ast
import functools
import itertools
import linecache
from collections.abc import Callable
from typing import Any

__all__ = ["specialise"]


def specialise(function: Callable[..., Any], **flags: bool) -> Callable[..., Any]:
    """``function`` compiled again with each of ``flags`` fixed to its value: the
    parameters named go from the signature, and every test they decide is decided (an
    ``if`` replaced by the branch it takes). A function that reads variables of an
    enclosing function is refused: the copy is compiled at the module's level. Without
    its source, the function itself with the flags given (:func:`functools.partial`)."""
    outer = function.__code__.co_freevars
    if outer:
        raise TypeError(
            f"{function.__qualname__} cannot be specialised: it reads {', '.join(outer)} "
            "from an enclosing function"
        )
    tree = _definition(function)
    if tree is None:  # no source to compile again: the general function, flags given
        return functools.partial(function, **flags)
    names = {arg.arg for arg in tree.args.args}
    unknown = sorted(set(flags) - names)
    if unknown:
        raise TypeError(f"{function.__name__} has no parameter {', '.join(unknown)}")
    args, defaults = tree.args.args, tree.args.defaults
    padded = [None] * (len(args) - len(defaults)) + defaults
    kept = [
        (arg, default) for arg, default in zip(args, padded, strict=True) if arg.arg not in flags
    ]
    tree.args.args = [arg for arg, _ in kept]
    tree.args.defaults = [default for _, default in kept if default is not None]
    tree.decorator_list = []
    folded = _Decide(flags).visit(ast.Module(body=[tree], type_ignores=[]))
    code = compile(
        folded,
        function.__code__.co_filename,
        "exec",
        flags=__future__.annotations.compiler_flag,
        dont_inherit=True,
    )
    namespace: dict[str, Any] = {}
    exec(code, function.__globals__, namespace)  # the function's own source, recompiled
    copy: Callable[..., Any] = namespace[function.__name__]
    copy.__qualname__ = f"{function.__qualname__}[{_spelt(flags)}]"
    copy.__doc__ = function.__doc__
    return copy


def _definition(function: Callable[..., Any]) -> ast.FunctionDef | None:
    """The ``def`` of ``function``, parsed from its file (so with that file's lines), or
    None if its source cannot be found."""
    code = function.__code__
    tree = ast.parse("".join(linecache.getlines(code.co_filename, function.__globals__)))
    for node in itertools.chain(tree.body, ast.walk(tree)):  # a module's own ones first
        if isinstance(node, ast.FunctionDef) and node.name == code.co_name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first == code.co_firstlineno:
                return node
    return None


def _spelt(flags: dict[str, bool]) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(flags.items()))


class _Decide(ast.NodeTransformer):
    """Each flag replaced by its constant, and what then has a constant test decided:
    ``not``, leading operands of ``and`` and ``or``, ``if`` statements and conditional
    expressions."""

    def __init__(self, flags: dict[str, bool]) -> None:
        self.flags = flags

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.flags:
            return node
        if not isinstance(node.ctx, ast.Load):
            raise TypeError(f"a specialised parameter is assigned to: {node.id}")
        return ast.copy_location(ast.Constant(self.flags[node.id]), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        value = _constant(node.operand)
        if isinstance(node.op, ast.Not) and value is not None:
            return ast.copy_location(ast.Constant(not value), node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        settles = isinstance(node.op, ast.Or)  # the value that ends the evaluation
        values = node.values
        while values and (value := _constant(values[0])) is not None:
            if value is settles:
                return values[0]
            values = values[1:]  # (True and x) is x, (False or x) is x
        if not values:  # every operand a constant that does not settle it: the last one
            return ast.copy_location(ast.Constant(not settles), node)
        if len(values) == 1:
            return values[0]
        node.values = values
        return node

    def visit_If(self, node: ast.If) -> Any:
        node.test = self.visit(node.test)
        value = _constant(node.test)
        if value is None:
            return self.generic_visit(node)
        return self._statements(node.body if value else node.orelse) or None

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        node.test = self.visit(node.test)
        value = _constant(node.test)
        if value is None:
            return self.generic_visit(node)
        return self.visit(node.body if value else node.orelse)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        body = getattr(node, "body", None)
        if isinstance(body, list) and not body and not isinstance(node, ast.Module):
            empty = ast.copy_location(ast.Pass(), node)  # a body a decided branch emptied
            node.body = [empty]  # type: ignore[attr-defined]
        return node

    def _statements(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        kept: list[ast.stmt] = []
        for statement in statements:
            done = self.visit(statement)
            if isinstance(done, list):
                kept.extend(done)
            elif done is not None:
                kept.append(done)
        return kept


def _constant(node: ast.expr) -> bool | None:
    """The value of a test decided already (a bool constant), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None
