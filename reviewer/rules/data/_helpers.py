"""Shared helpers for the data rules: loops around a node, fixed iterables, exits."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from reviewer.python.module import PythonModule

FUNCTION_LIKE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
FOR_LOOPS = (ast.For, ast.AsyncFor)
LOOP_STATEMENTS = (ast.For, ast.AsyncFor, ast.While)

# A database session / connection as code usually names it: `session`, `db`, `db_session`,
# `self._session`, `async_session`, `conn`.
SESSION_NAME = re.compile(r"^_*(?:[a-z0-9]+_)*(?:session|sess|db|dbsession)$", re.IGNORECASE)
CONNECTION_NAME = re.compile(
    r"^_*(?:[a-z0-9]+_)*(?:session|sess|db|dbsession|conn|connection|con|cnx|dbconn|"
    r"database|engine_conn|cursor|cur)$",
    re.IGNORECASE,
)
CONSTANT_NAME = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
BATCHING = re.compile(r"chunk|batch|page|paginat|partition|slice|window|group", re.IGNORECASE)


def last_part(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1].removesuffix("()")


def contains(parent: list[ast.stmt], node: ast.AST) -> bool:
    return any(statement is node for statement in parent)


def loops_around(module: PythonModule, node: ast.AST) -> Iterator[ast.AST]:
    """Loops (innermost first) whose repeated part runs `node`, up to the enclosing function.

    A `for` loop's iterable and `else:` run once, so a node there is not "in" that loop;
    likewise the first iterable of a comprehension. Nested functions, lambdas and classes
    stop the walk: their bodies run when called, not per iteration.
    """
    child: ast.AST = node
    via_iter = False
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, FUNCTION_LIKE):
            return
        if isinstance(ancestor, LOOP_STATEMENTS):
            if contains(ancestor.body, child):
                yield ancestor
        elif isinstance(ancestor, ast.comprehension):
            via_iter = child is ancestor.iter
        elif isinstance(ancestor, COMPREHENSIONS):
            if not (child is ancestor.generators[0] and via_iter):
                yield ancestor
        child = ancestor


def loop_iterable(loop: ast.AST) -> ast.expr | None:
    if isinstance(loop, FOR_LOOPS):
        return loop.iter
    if isinstance(loop, COMPREHENSIONS):
        return loop.generators[0].iter
    return None


def loop_targets(loop: ast.AST) -> set[str]:
    if isinstance(loop, FOR_LOOPS):
        targets = [loop.target]
    elif isinstance(loop, COMPREHENSIONS):
        targets = [g.target for g in loop.generators]
    else:
        return set()
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def _is_literal_container(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return len(node.elts) <= 25 and all(
            isinstance(e, ast.Constant | ast.Name | ast.Attribute) or _is_literal_container(e)
            for e in node.elts
        )
    if isinstance(node, ast.Dict):
        return len(node.keys) <= 25 and all(
            k is None or isinstance(k, ast.Constant | ast.Name | ast.Attribute) for k in node.keys
        )
    return False


def unwrap_iterable(node: ast.expr) -> ast.expr:
    """`enumerate(x)`, `sorted(x)`, `x.items()`, `list(x)` iterate over `x`."""
    for _ in range(4):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name)
                    and func.id in {"enumerate", "sorted", "reversed", "list", "tuple", "set",
                                    "iter", "zip"} and node.args):
                node = node.args[0]
                continue
            if (isinstance(func, ast.Attribute) and func.attr in {"items", "keys", "values"}
                    and not node.args):
                node = func.value
                continue
        break
    return node


def is_fixed_iterable(module: PythonModule, function: ast.AST | None, node: ast.expr,
                      any_range: bool = True) -> bool:
    """A small fixed collection: literals, module constants, `range(...)`.

    With `any_range` every `range()` but `range(len(rows))` counts (attempts, pages);
    without it only a short constant one such as `range(3)`.
    """
    node = unwrap_iterable(node)
    if _is_literal_container(node):
        return True
    if isinstance(node, ast.Name):
        if CONSTANT_NAME.match(node.id):
            return True
        values = module.assigned_values(function, node.id)
        return bool(values) and all(_is_literal_container(v) for v in values)
    if isinstance(node, ast.Attribute):
        return bool(CONSTANT_NAME.match(node.attr))
    if isinstance(node, ast.Call):
        name = module.resolve(node.func)
        if name == "range" and not any_range:
            return all(isinstance(a, ast.Constant) and isinstance(a.value, int)
                       and a.value <= 10 for a in node.args)
        if name == "range":
            # `range(len(rows))` walks rows; `range(3)`, `range(pages)` do not.
            return not any(isinstance(n, ast.Call) and module.resolve(n.func) == "len"
                           for a in node.args for n in ast.walk(a))
        if name.endswith(("get_models", "__subclasses__", "get_app_configs")):
            return True
    return False


def is_batched_loop(module: PythonModule, loop: ast.AST) -> bool:
    """Loops over chunks/pages of rows: one query per batch is the fix, not the problem."""
    if any(BATCHING.search(name) for name in loop_targets(loop)):
        return True
    iterable = loop_iterable(loop)
    if isinstance(iterable, ast.Call):
        name = module.resolve(iterable.func)
        if BATCHING.search(last_part(name)):
            return True
    if isinstance(iterable, ast.Name) and BATCHING.search(iterable.id):
        return True
    return False


def runs_at_most_once(module: PythonModule, node: ast.AST, loop: ast.AST) -> bool:
    """True when the statement holding `node` leaves `loop` right after (break/return/raise)."""
    if isinstance(loop, COMPREHENSIONS):
        return False  # no way out of a comprehension but an exception
    statement = module.enclosing_statement(node)
    if isinstance(statement, ast.Return | ast.Raise):
        return True
    current: ast.AST = statement
    crossed_loop = False
    while current is not loop:
        parent = module.parent(current)
        if parent is None or isinstance(parent, FUNCTION_LIKE):
            return False
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(parent, field, None)
            if not isinstance(block, list) or not contains(block, current):
                continue
            following = block[block.index(current) + 1:]
            if isinstance(parent, ast.Try | ast.TryStar) and field == "body":
                following = following + parent.orelse + parent.finalbody
            for sibling in following:
                if isinstance(sibling, ast.Return | ast.Raise):
                    return True
                if isinstance(sibling, ast.Break) and not crossed_loop:
                    return True
        if parent is not loop and isinstance(parent, LOOP_STATEMENTS):
            crossed_loop = True
        current = parent
    return False


def chain_label(node: ast.AST, depth: int = 0) -> str:
    """`User.objects.filter(...).first()` as `User.objects.filter().first()`."""
    if depth > 12:
        return "…"
    if isinstance(node, ast.Call):
        return chain_label(node.func, depth + 1) + "()"
    if isinstance(node, ast.Attribute):
        return chain_label(node.value, depth + 1) + "." + node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Await):
        return chain_label(node.value, depth + 1)
    return "…"


def outermost_chain_call(module: PythonModule, call: ast.Call) -> ast.Call:
    """`a.filter(x).first()` from its inner `a.filter(x)`: follow `.method()` upwards."""
    current = call
    while True:
        attribute = module.parent(current)
        if not isinstance(attribute, ast.Attribute) or attribute.value is not current:
            return current
        outer = module.parent(attribute)
        if not isinstance(outer, ast.Call) or outer.func is not attribute:
            return current
        current = outer


def chain_methods(call: ast.Call) -> list[str]:
    """Method names along a call chain, outermost first."""
    methods = []
    node: ast.AST = call
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                methods.append(node.func.attr)
                node = node.func.value
            else:
                break
        else:
            node = node.value
    return methods
