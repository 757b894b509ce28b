from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.migrations._helpers import (
    CREATE_TABLE,
    DjangoContext,
    alembic_ops,
    argument,
    const_str,
    created_tables,
    django_op,
    in_migration,
    is_true,
    keyword,
    make_match,
    other_dialect,
    sql_texts,
    strip_sql_comments,
)

CREATE_INDEX = re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY\b)([^;]*)",
                          re.IGNORECASE)
INDEX_TABLE = re.compile(r"\bON\s+(?:ONLY\s+)?(?:\"?\w+\"?\.)?\"?(\w+)\"?\s*(?:USING\b|\()",
                         re.IGNORECASE)


class IndexWithoutConcurrently(Rule):
    id = "index-without-concurrently"
    title = "Index built on an existing table without CONCURRENTLY"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.PERFORMANCE
    languages = ("python",)
    rationale = (
        "A plain CREATE INDEX takes a lock that blocks every INSERT, UPDATE and DELETE on the "
        "table until the index is built, which on a large table means minutes of failed or "
        "queued writes in production. PostgreSQL can build it concurrently without that lock."
    )
    fix = (
        "Build it concurrently outside the transaction: Alembic "
        "`op.create_index(..., postgresql_concurrently=True)` inside "
        "`op.get_context().autocommit_block()`, Django "
        "`AddIndexConcurrently` in a migration with `atomic = False`, or "
        "`CREATE INDEX CONCURRENTLY` in raw SQL."
    )
    example = Example(
        before="op.create_index('ix_orders_user_id', 'orders', ['user_id'])",
        after=(
            "with op.get_context().autocommit_block():\n"
            "    op.create_index('ix_orders_user_id', 'orders', ['user_id'],\n"
            "                    postgresql_concurrently=True)"
        ),
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",
        "https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/"
        "#concurrent-index-operations",
        "https://alembic.sqlalchemy.org/en/latest/ops.html"
        "#alembic.operations.Operations.create_index",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not in_migration(module):
            return
        yield from self._alembic(module)
        yield from self._django(module)

    def _alembic(self, module: PythonModule) -> Iterable[Match]:
        ops = alembic_ops(module)
        if not ops or other_dialect(module):
            return
        new_tables = created_tables(ops, module)
        for op in ops:
            if op.phase != "upgrade" or op.batch:
                continue  # batch mode is SQLite's table copy: no concurrent builds there
            message = None
            if op.name == "create_index":
                if (op.table.lower() in new_tables) if op.table else bool(new_tables):
                    continue
                if is_true(keyword(op.call.node, "postgresql_concurrently")):
                    continue
                keywords = {kw.arg for kw in op.call.node.keywords}
                if None in keywords or any(k and k.startswith(("mysql_", "sqlite_", "mssql_"))
                                           for k in keywords):
                    continue
                index = const_str(op.arg(0, "index_name")) or _op_f_name(op.call.node) or "?"
                message = (f"`op.create_index` builds {index} on existing table "
                           f"{op.table or '?'} "
                           "without `postgresql_concurrently=True`: writes to the table block "
                           "until it is built.")
            elif op.name == "execute":
                table = _plain_create_index(module, op.call, op.arg(0, "sqltext"), new_tables)
                if table is not None:
                    message = _sql_message(table)
            if message:
                yield make_match(self.id, module, op.call.node, message, op.call.scope)

    def _django(self, module: PythonModule) -> Iterable[Match]:
        django = None
        for call in module.calls:
            operation = django_op(call)
            if operation not in ("AddIndex", "RunSQL"):
                continue
            django = django or DjangoContext(module)
            if django.state_only(call.node):
                continue
            message = None
            if operation == "AddIndex":
                model = const_str(argument(call.node, 0, "model_name"))
                if django.new_model(model):
                    continue
                message = (f"`migrations.AddIndex` on existing model {model or '?'} locks the "
                           "table against writes while the index builds; use "
                           "`AddIndexConcurrently` (PostgreSQL) in a non-atomic migration.")
            else:
                table = _plain_create_index(module, call, argument(call.node, 0, "sql"),
                                            set())
                if table is not None:
                    message = _sql_message(table)
            if message:
                yield make_match(self.id, module, call.node, message, call.scope)


def _plain_create_index(module: PythonModule, call: CallSite, node: ast.expr | None,
                        new_tables: set[str]) -> str | None:
    """The table ("" when not literal) a plain CREATE INDEX in the SQL builds on, or None.
    An index on a table the same migration creates is not reported."""
    sql = strip_sql_comments(" ".join(sql_texts(module, call, node)))
    created = {t.lower() for t in new_tables}
    created.update(t.lower() for t in CREATE_TABLE.findall(sql))
    for match in CREATE_INDEX.finditer(sql):
        on = INDEX_TABLE.search(match.group(1))
        if on is None:
            if not created:
                return ""
        elif on.group(1).lower() not in created:
            return on.group(1)
    return None


def _sql_message(table: str) -> str:
    where = f" on {table}" if table else ""
    return (f"`CREATE INDEX`{where} without CONCURRENTLY: writes to the table block until "
            "the index is built.")


def _op_f_name(node: ast.Call) -> str | None:
    """The name in `op.create_index(op.f("ix_..."), ...)`."""
    first = node.args[0] if node.args else None
    if isinstance(first, ast.Call) and first.args:
        return const_str(first.args[0])
    return None
