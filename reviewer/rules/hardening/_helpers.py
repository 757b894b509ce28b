"""Small AST helpers shared by the hardening rules."""

from __future__ import annotations

import ast
import re

from reviewer.model import Match
from reviewer.python.module import FUNCTIONS, FunctionInfo, PythonModule

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def words(name: str) -> list[str]:
    """`resetToken_hash` -> ["reset", "token", "hash"]."""
    return [w for w in _SPLIT.split(_CAMEL.sub(r"\1_\2", name).lower()) if w]


def snake(name: str) -> str:
    return "_".join(words(name))


def is_literal(node: ast.expr | None, value: object) -> bool:
    """True for the constant `value` itself (identity, so `1` is not `True`)."""
    return isinstance(node, ast.Constant) and node.value is value


def string_value(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def target_name(target: ast.expr) -> str:
    """The name a value is stored under: `x`, `obj.attr` -> attr, `d["key"]` -> key."""
    match target:
        case ast.Name(id=name):
            return name
        case ast.Attribute(attr=attr):
            return attr
        case ast.Subscript(slice=ast.Constant(value=str() as key)):
            return key
        case ast.Starred(value=value):
            return target_name(value)
    return ""


def naming_context(module: PythonModule, node: ast.AST) -> tuple[str, str] | None:
    """The name the value of `node` ends up under, looking up to its statement.

    Returns (kind, name) with kind one of keyword, key, target, return; None when the
    value is not named (a call argument, a condition, a bare expression).
    """
    child: ast.AST = node
    for parent in module.ancestors(node):
        match parent:
            case ast.keyword(arg=str() as arg):
                return "keyword", arg
            case ast.Dict(keys=keys, values=values):
                for key, value in zip(keys, values, strict=True):
                    if value is child:
                        text = string_value(key)
                        return ("key", text) if text else None
                return None
            case ast.Assign(targets=targets):
                names = [target_name(t) for t in targets]
                names = [n for n in names if n]
                return ("target", names[0]) if names else None
            case ast.AnnAssign(target=target) | ast.AugAssign(target=target):
                name = target_name(target)
                return ("target", name) if name else None
            case ast.NamedExpr(target=target):
                return "target", target.id
            case ast.Return():
                function = module.function_at(parent)
                return ("return", function.name) if function else None
            case ast.Compare():
                return None
            case ast.IfExp(test=test) if test is child:
                return None
            case ast.stmt() | ast.Lambda() | ast.FunctionDef() | ast.AsyncFunctionDef():
                return None
        child = parent
    return None


def own_nodes(function: FunctionInfo) -> list[ast.AST]:
    """Every node of the function body, not descending into nested functions or classes."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(function.node.body))
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, (*FUNCTIONS, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def assigned(module: PythonModule, function: FunctionInfo | None, name: str) -> list[ast.expr]:
    """Values assigned to `name` in the function, else at module level."""
    values = module.assigned_values(function, name) if function is not None else []
    return values or module.assigned_values(None, name)


def make_match(rule_id: str, module: PythonModule, node: ast.AST, message: str,
               scope: str, end: ast.AST | None = None) -> Match:
    last = end if end is not None else node
    return Match(
        rule_id=rule_id,
        line=node.lineno,
        end_line=getattr(last, "end_lineno", None) or node.lineno,
        message=message,
        code=module.code(node),
        scope=scope,
    )


def scope_of(module: PythonModule, node: ast.AST) -> str:
    function = module.function_at(node)
    if function is not None:
        return function.qualname
    return ""



def value_before(module: PythonModule, function: FunctionInfo | None, name: str,
                 line: int) -> ast.expr | None:
    """The value last assigned to `name` above `line` (in the function, else module level)."""
    values = [v for v in assigned(module, function, name) if v.lineno <= line]
    if not values and function is not None:
        values = [v for v in module.assigned_values(None, name) if v.lineno <= line]
    return max(values, key=lambda v: v.lineno) if values else None
