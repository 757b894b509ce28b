from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.python.strings import is_constant, is_dynamic_string, literal_parts
from reviewer.rules.base import Example, Rule

SQL_SINKS = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "raw", "extra", "mogrify"}
)
SQL_FACTORIES = frozenset({
    "sqlalchemy.text",
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
    "django.db.models.expressions.RawSQL",
    "django.db.models.RawSQL",
})
# Values passed through these are identifiers quoted by the driver/ORM, or numbers.
IDENTIFIER_QUOTERS = frozenset({
    "quote_name", "quote_ident", "quote_identifier", "quote_name_unless_alias",
    "escape_identifier", "Identifier", "qn", "qn2",
})
SQL_WORDS = re.compile(
    r"\b(select|insert\s+into|update|delete\s+from|where|from|join|values|order\s+by|"
    r"create|drop|alter|truncate|set)\b",
    re.IGNORECASE,
)


class SqlInjection(Rule):
    id = "sql-injection"
    title = "SQL built from run-time values"
    severity = Severity.CRITICAL
    category = Category.SECURITY
    cwe = 89
    languages = ("python",)
    rationale = (
        "A query assembled with an f-string, `%`, `.format()` or `+` sends data as SQL: "
        "any caller-controlled value can rewrite the statement, read other tenants' rows "
        "or drop tables. Drivers and ORMs bind parameters safely; string building bypasses that."
    )
    fix = "Pass values as bound parameters and keep the SQL text constant."
    example = Example(
        before='cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")',
        after='cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))',
    )
    references = ("https://owasp.org/www-community/attacks/SQL_Injection",)

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        for call in module.calls:
            if not (call.attr in SQL_SINKS and "." in call.name) and call.name not in SQL_FACTORIES:
                continue
            query = _query_argument(call)
            if query is None:
                continue
            if _is_dynamic_sql(module, call, query):
                yield Match(
                    rule_id=self.id,
                    line=call.node.lineno,
                    end_line=call.node.end_lineno or call.node.lineno,
                    message=f"SQL passed to `{call.attr}()` is built from run-time values; "
                    "use bound parameters.",
                    code=module.code(call.node),
                    scope=call.scope,
                )


def _query_argument(call: CallSite) -> ast.expr | None:
    if call.node.args:
        return call.node.args[0]
    for name in ("sql", "statement", "query", "text"):
        keyword = call.keyword(name)
        if keyword is not None:
            return keyword.value
    return None


def _is_dynamic_sql(module: PythonModule, call: CallSite, query: ast.expr) -> bool:
    """Dynamic (built from run-time values) and SQL-looking, following local assignments."""
    values = _candidate_values(module, call, query, depth=3)
    dynamic = [v for v in values if _is_dynamic(module, call, v)]
    if not dynamic or all(_only_identifiers(module, call, v) for v in dynamic):
        return False
    return any(_looks_like_sql(module, call, v) for v in values)


def _interpolated(node: ast.expr) -> list[ast.expr]:
    """The run-time values a string expression splices into its text."""
    match node:
        case ast.JoinedStr(values=values):
            return [v.value for v in values if isinstance(v, ast.FormattedValue)]
        case ast.BinOp(op=ast.Mod(), right=ast.Tuple(elts=elts)):
            return list(elts)
        case ast.BinOp(op=ast.Mod(), right=ast.Dict(values=values)):
            return [v for v in values if v is not None]
        case ast.BinOp(op=ast.Mod(), right=right):
            return [right]
        case ast.BinOp(op=ast.Add(), left=left, right=right):
            parts = []
            for side in (left, right):
                if isinstance(side, ast.BinOp | ast.JoinedStr):
                    parts.extend(_interpolated(side))
                elif not (isinstance(side, ast.Constant) and isinstance(side.value, str)):
                    parts.append(side)
            return parts
        case ast.Call(func=ast.Attribute(attr="format"), args=args, keywords=keywords):
            return [*args, *(k.value for k in keywords)]
    return []


def _only_identifiers(module: PythonModule, call: CallSite, node: ast.expr) -> bool:
    """Every spliced value is a quoted identifier, a number or a constant: not injectable."""
    parts = _interpolated(node)
    return bool(parts) and all(_is_safe_value(module, call, p, depth=2) for p in parts)


def _is_safe_value(module: PythonModule, call: CallSite, node: ast.expr, depth: int) -> bool:
    match node:
        case ast.Constant():
            return True
        case ast.Call(func=func):
            name = module.resolve(func).rsplit(".", 1)[-1]
            return name in IDENTIFIER_QUOTERS or name in ("int", "float", "len", "bool")
        case ast.Name(id=name) if name.isupper():
            return True  # a module constant such as TABLE_NAME
        case ast.Name(id=name) if depth > 0:
            values = [v for v in module.assigned_values(call.function, name)
                      if v.lineno <= call.node.lineno]
            return bool(values) and all(
                _is_safe_value(module, call, v, depth - 1) for v in values)
    return False


def _candidate_values(module: PythonModule, call: CallSite, node: ast.expr, depth: int):
    if isinstance(node, ast.Name) and depth > 0:
        values = [v for v in module.assigned_values(call.function, node.id)
                  if v.lineno <= call.node.lineno]
        found = []
        for value in values:
            found.extend(_candidate_values(module, call, value, depth - 1))
        return found
    return [node]


def _is_dynamic(module: PythonModule, call: CallSite, node: ast.expr) -> bool:
    if is_dynamic_string(node):
        return True
    # `query % args` / `query + suffix` where `query` is a local holding SQL text.
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        sides = (node.left, node.right)
        named = [s for s in sides if isinstance(s, ast.Name)]
        others = [s for s in sides if s not in named]
        if named and any(_looks_like_sql(module, call, n) for n in named):
            if isinstance(node.op, ast.Mod):
                return not is_constant(node.right)
            return any(not is_constant(o) for o in others) or len(named) == 2
    return False


def _looks_like_sql(module: PythonModule, call: CallSite, node: ast.expr, depth: int = 3) -> bool:
    if any(SQL_WORDS.search(part) for part in literal_parts(node)):
        return True
    if depth == 0:
        return False
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    for name in names:
        for value in module.assigned_values(call.function, name.id):
            if value is not node and value.lineno <= call.node.lineno:
                if _looks_like_sql(module, call, value, depth - 1):
                    return True
    return False
