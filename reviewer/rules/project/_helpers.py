"""Shared pieces of the project-pattern rules: settings, positions, control flow, call sites."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from reviewer.python.module import FUNCTIONS, CallSite, FunctionInfo, PythonModule

# Celery / dramatiq / taskiq ways of running a function later: `run_ocr.delay(page)`.
DEFERRED = frozenset({"delay", "apply_async", "send", "kiq", "s", "si"})
TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
TRANSACTIONS = frozenset({"begin", "begin_nested", "atomic", "transaction"})


def names(value: object) -> frozenset[str]:
    """A setting that is a list of names (or one name) as a set."""
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, Iterable):
        return frozenset(str(v) for v in value)
    return frozenset()


def position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def terminal(name: str) -> str:
    """`self.ocr.run_ocr` -> `run_ocr`; `run_ocr()` parts lose their call parentheses."""
    return name.rsplit(".", 1)[-1].removesuffix("()")


def protected_name(call: CallSite, protected: frozenset[str]) -> str | None:
    """The protected operation a call runs: `run_ocr(...)` or `run_ocr.delay(...)`."""
    if call.attr in protected:
        return call.attr
    parts = call.name.split(".")
    if len(parts) >= 2 and parts[-1] in DEFERRED and parts[-2] in protected:
        return parts[-2]
    return None


def expression_names(node: ast.AST) -> Iterator[str]:
    """Every Name id and Attribute attr under node."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr


def walk_body(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of a block, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(reversed(statements))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*FUNCTIONS, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def ancestors_in_function(module: PythonModule, node: ast.AST) -> Iterator[ast.AST]:
    """Ancestors up to (not including) the enclosing function definition."""
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, FUNCTIONS):
            return
        yield ancestor


def contains(module: PythonModule, outer: ast.AST, inner: ast.AST) -> bool:
    return outer is inner or any(a is outer for a in module.ancestors(inner))


def failure_branch(module: PythonModule, node: ast.AST) -> tuple[ast.Try, str, list] | None:
    """(try, "except"/"finally", block) when node runs in an except handler or finally block;
    block is the handler body or the finally statements."""
    child: ast.AST = node
    for ancestor in ancestors_in_function(module, node):
        if isinstance(ancestor, ast.ExceptHandler):
            parent = module.parent(ancestor)
            if isinstance(parent, (ast.Try, ast.TryStar)):
                return parent, "except", ancestor.body
        if isinstance(ancestor, (ast.Try, ast.TryStar)) and any(
            s is child for s in ancestor.finalbody
        ):
            return ancestor, "finally", ancestor.finalbody
        child = ancestor
    return None


def in_block(module: PythonModule, block: list[ast.stmt], node: ast.AST) -> bool:
    return any(contains(module, statement, node) for statement in block)


def _block_of(parent: ast.AST, child: ast.AST) -> tuple[str, list] | None:
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and any(s is child for s in block):
            return field, block
    return None


def runs_later(module: PythonModule, statement: ast.stmt, targets: list[ast.AST]) -> bool:
    """True when, after `statement` completes normally, control reaches one of `targets`
    without leaving the function: a later statement of its block or of an enclosing one."""
    target_ancestors = [{id(a) for a in module.ancestors(t)} | {id(t)} for t in targets]

    def holds_target(node: ast.AST) -> bool:
        return any(id(node) in ids for ids in target_ancestors)

    current: ast.AST = statement
    while True:
        parent = module.parent(current)
        if parent is None or isinstance(parent, (ast.Module, ast.ClassDef, ast.Lambda)):
            return False
        found = _block_of(parent, current)
        if found is None:
            current = parent
            continue
        field, block = found
        index = next(i for i, s in enumerate(block) if s is current)
        for later in block[index + 1:]:
            if holds_target(later):
                return True
            if isinstance(later, TERMINATORS):
                return False
        if isinstance(parent, (ast.Try, ast.TryStar)) and field == "body":
            if any(holds_target(s) for s in parent.orelse):
                return True
        if isinstance(parent, FUNCTIONS):
            return False
        current = parent


def in_transaction_with(module: PythonModule, node: ast.AST, targets: list[ast.AST]) -> bool:
    """Both inside one `with session.begin():` / `with transaction.atomic():` block."""
    for ancestor in ancestors_in_function(module, node):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                expr = item.context_expr
                func = expr.func if isinstance(expr, ast.Call) else expr
                if terminal(module.resolve(func) or "") in TRANSACTIONS and any(
                    contains(module, ancestor, t) for t in targets
                ):
                    return True
    return False


def use_sites(module: PythonModule, function: FunctionInfo) -> list[CallSite]:
    """Calls in this module that run `function`: direct calls, `task.delay()`, or a call
    that receives it as an argument (`background_tasks.add_task(process, page)`)."""
    name = function.name
    sites = []
    for call in module.calls:
        if call.function is function:
            continue  # recursion does not tell us about the callers
        parts = call.name.split(".")
        if parts[-1] == name or (len(parts) >= 2 and parts[-2] == name
                                 and parts[-1] in DEFERRED):
            sites.append(call)
            continue
        arguments = [*call.node.args, *(k.value for k in call.node.keywords)]
        for argument in arguments:
            if (isinstance(argument, ast.Name) and argument.id == name) or (
                isinstance(argument, ast.Attribute) and argument.attr == name
            ):
                sites.append(call)
                break
    return sites


def handler_type_names(handler: ast.ExceptHandler) -> list[str]:
    """Terminal names of the exception types an except clause catches ([] for bare)."""
    if handler.type is None:
        return []
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    found = []
    for exc in types:
        if isinstance(exc, (ast.Name, ast.Attribute)):
            found.append(exc.id if isinstance(exc, ast.Name) else exc.attr)
    return found
