from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.python.strings import is_dynamic_string, literal_parts
from reviewer.rules.base import Example, Rule

SQL_SINKS = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "raw", "extra", "mogrify"}
)
SQL_FACTORIES = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                           "django.db.models.expressions.RawSQL", "django.db.models.RawSQL"})
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
    if is_dynamic_string(query):
        return _looks_like_sql(query)
    if isinstance(query, ast.Name):
        values = module.assigned_values(call.function, query.id)
        # Only values assigned before the call can reach it.
        values = [v for v in values if v.lineno <= call.node.lineno]
        if any(is_dynamic_string(v) for v in values):
            return any(_looks_like_sql(v) for v in values)
    return False


def _looks_like_sql(node: ast.expr) -> bool:
    return any(SQL_WORDS.search(part) for part in literal_parts(node))
