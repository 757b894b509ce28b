from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.migrations._helpers import (
    AlembicOp,
    DjangoContext,
    alembic_ops,
    argument,
    const_str,
    created_tables,
    django_op,
    in_migration,
    is_none,
    make_match,
    sql_texts,
    strip_sql_comments,
)

DJANGO_OPERATIONS = {
    "RemoveField": "drops column",
    "DeleteModel": "drops table",
    "RenameField": "renames column",
    "RenameModel": "renames table",
    "AlterModelTable": "renames table",
}
RAW_DROP = re.compile(
    r"\bDROP\s+(?:COLUMN|TABLE)\b|\bRENAME\s+COLUMN\b|\bALTER\s+TABLE\b[^;]*?\bRENAME\s+TO\b",
    re.IGNORECASE,
)
CONSEQUENCE = ("the previous release, still running during the deploy, will fail on it; "
               "use expand/contract (stop using it in code first, drop it in a later release).")


class MigrationDropsColumn(Rule):
    id = "migration-drops-column"
    title = "Migration drops or renames a column or table"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.DATA
    languages = ("python",)
    rationale = (
        "Migrations run before or while the new code rolls out, so the old code is still "
        "serving traffic: a column or table it selects or writes that is dropped or renamed "
        "under it makes every such query fail until the deploy finishes, and the data is gone "
        "if the release is rolled back."
    )
    fix = (
        "Use expand/contract: first ship code that no longer reads or writes the column "
        "(or reads both names), then drop or rename it in a later release's migration."
    )
    example = Example(
        before=(
            "def upgrade():\n"
            "    op.alter_column('users', 'name', new_column_name='full_name')"
        ),
        after=(
            "def upgrade():  # release 1: add and backfill, code writes both\n"
            "    op.add_column('users', sa.Column('full_name', sa.String(), nullable=True))"
        ),
    )
    references = (
        "https://martinfowler.com/bliki/ParallelChange.html",
        "https://docs.djangoproject.com/en/stable/ref/migration-operations/#removefield",
        "https://alembic.sqlalchemy.org/en/latest/ops.html"
        "#alembic.operations.Operations.drop_column",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not in_migration(module):
            return
        ops = alembic_ops(module)
        new_tables = created_tables(ops, module)
        for op in ops:
            if op.phase != "upgrade" or (op.table and op.table.lower() in new_tables):
                continue
            message = _alembic_message(module, op)
            if message:
                yield make_match(self.id, module, op.call.node, message, op.call.scope)
        django = None
        for call in module.calls:
            operation = django_op(call)
            if operation is None:
                continue
            django = django or DjangoContext(module)
            if django.state_only(call.node):
                continue
            message = None
            if operation in DJANGO_OPERATIONS:
                model = const_str(argument(call.node, 0, "model_name" if operation in (
                    "RemoveField", "RenameField") else "old_name" if operation == "RenameModel"
                    else "name"))
                if not django.new_model(model):
                    message = _django_message(call.node, operation)
            elif operation == "RunSQL":
                sql = " ".join(sql_texts(module, call, argument(call.node, 0, "sql")))
                if RAW_DROP.search(strip_sql_comments(sql)):
                    message = "`RunSQL` drops or renames a column or table: " + CONSEQUENCE
            if message:
                yield make_match(self.id, module, call.node, message, call.scope)


def _alembic_message(module: PythonModule, op: AlembicOp) -> str | None:
    table = op.table or "?"
    prefix = "batch_op" if op.batch else "op"
    if op.name == "drop_column":
        column = const_str(op.arg(1, "column_name")) or "?"
        return f"`{prefix}.drop_column` drops column {table}.{column}: " + CONSEQUENCE
    if op.name == "drop_table" and not op.batch:
        return f"`op.drop_table` drops table {table}: " + CONSEQUENCE
    if op.name == "rename_table" and not op.batch:
        new = const_str(op.arg(1, "new_table_name")) or "?"
        return f"`op.rename_table` renames table {table} to {new}: " + CONSEQUENCE
    if op.name == "alter_column":
        new_name = op.call.keyword("new_column_name")
        if new_name is None or is_none(new_name.value):
            return None
        column = const_str(op.arg(1, "column_name")) or "?"
        target = const_str(new_name.value) or "?"
        if column == target:
            return None
        return (f"`{prefix}.alter_column` renames column {table}.{column} to {target}: "
                + CONSEQUENCE)
    if op.name == "execute" and not op.batch:
        sql = " ".join(sql_texts(module, op.call, op.arg(0, "sqltext")))
        if RAW_DROP.search(strip_sql_comments(sql)):
            return "`op.execute` drops or renames a column or table: " + CONSEQUENCE
    return None


def _django_message(node: ast.Call, operation: str) -> str:
    what = DJANGO_OPERATIONS[operation]
    if operation in ("RemoveField", "RenameField"):
        model = const_str(argument(node, 0, "model_name")) or "?"
        field = const_str(argument(node, 1, "name" if operation == "RemoveField"
                                   else "old_name")) or "?"
        subject = f"{model}.{field}"
        new = const_str(argument(node, 2, "new_name")) if operation == "RenameField" else None
    elif operation == "RenameModel":
        subject = const_str(argument(node, 0, "old_name")) or "?"
        new = const_str(argument(node, 1, "new_name"))
    else:
        subject = const_str(argument(node, 0, "name")) or "?"
        new = const_str(argument(node, 1, "table")) if operation == "AlterModelTable" else None
    target = f" to {new}" if new else ""
    return f"`migrations.{operation}` {what} {subject}{target}: " + CONSEQUENCE
