"""How a string was built: literal, or assembled at run time from values the code does not fix."""

from __future__ import annotations

import ast


def literal_parts(node: ast.expr) -> list[str]:
    """The constant text that a string expression contributes, for keyword sniffing."""
    match node:
        case ast.Constant(value=str() as value):
            return [value]
        case ast.JoinedStr(values=values):
            return [
                v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            ]
        case ast.BinOp(left=left, right=right):
            return literal_parts(left) + literal_parts(right)
        case ast.Call(func=ast.Attribute(value=value, attr="format")):
            return literal_parts(value)
    return []


def is_constant(node: ast.expr) -> bool:
    match node:
        case ast.Constant():
            return True
        case ast.JoinedStr(values=values):
            return all(isinstance(v, ast.Constant) for v in values)
        case ast.BinOp(left=left, right=right):
            return is_constant(left) and is_constant(right)
        case ast.Tuple(elts=elts):
            return all(is_constant(e) for e in elts)
    return False


def is_dynamic_string(node: ast.expr) -> bool:
    """True when the string is formatted from a non-constant value at run time.

    `%` counts only when the left side is a string literal (otherwise it may be arithmetic),
    `+` only when one side is a string literal and the other is not constant.
    """
    match node:
        case ast.JoinedStr(values=values):
            return any(
                isinstance(v, ast.FormattedValue) and not is_constant(v.value) for v in values
            )
        case ast.BinOp(op=ast.Mod(), left=left, right=right):
            return bool(literal_parts(left)) and not is_constant(right)
        case ast.BinOp(op=ast.Add(), left=left, right=right):
            has_literal = bool(literal_parts(left) or literal_parts(right))
            return has_literal and (
                is_dynamic_string(left)
                or is_dynamic_string(right)
                or not is_constant(left)
                or not is_constant(right)
            )
        case ast.Call(func=ast.Attribute(value=value, attr="format"), args=args, keywords=keywords):
            return bool(literal_parts(value)) and (
                any(not is_constant(a) for a in args)
                or any(not is_constant(k.value) for k in keywords)
            )
    return False
