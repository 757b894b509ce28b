from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.migrations._helpers import (
    DjangoContext,
    alembic_ops,
    argument,
    column_call,
    column_name,
    const_str,
    created_tables,
    django_op,
    field_type,
    in_migration,
    is_none,
    is_true,
    keyword,
    make_match,
)

# Django fills existing rows itself for these: they are not columns on the table, or have
# a value the database generates.
NO_BACKFILL_NEEDED = frozenset({
    "ManyToManyField", "GenericRelation", "GenericForeignKey", "AutoField", "BigAutoField",
    "SmallAutoField", "GeneratedField",
})
# Fields whose empty value is not "": with blank=True Django still has no value for old rows.
NO_EMPTY_STRING = frozenset({
    "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField", "DateField",
    "DateTimeField", "TimeField", "DecimalField", "FloatField", "DurationField", "UUIDField",
    "GenericIPAddressField", "JSONField", "ForeignKey", "OneToOneField", "ArrayField",
    "HStoreField",
})
# Column arguments that make the database produce the value.
GENERATED = frozenset({"Identity", "Computed", "Sequence"})


class NotNullColumnWithoutDefault(Rule):
    id = "not-null-column-without-default"
    title = "NOT NULL column added to an existing table without a default"
    severity = Severity.HIGH
    category = Category.DATA
    languages = ("python",)
    rationale = (
        "Adding a NOT NULL column with no database default fails outright on a table that "
        "already has rows, and even on an empty one the code still running during the deploy "
        "keeps inserting rows without the column, which the database now rejects."
    )
    fix = (
        "Give the column a database default (`server_default=` in Alembic, `default=` or "
        "`db_default=` in Django), or add it nullable, backfill, then make it NOT NULL in a "
        "later migration."
    )
    example = Example(
        before="op.add_column('users', sa.Column('plan', sa.String(), nullable=False))",
        after=(
            "op.add_column('users', sa.Column('plan', sa.String(), nullable=False,\n"
            "                                 server_default='free'))"
        ),
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/ops.html"
        "#alembic.operations.Operations.add_column",
        "https://docs.djangoproject.com/en/stable/ref/migration-operations/#addfield",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not in_migration(module):
            return
        ops = alembic_ops(module)
        new_tables = created_tables(ops, module)
        for op in ops:
            if op.name != "add_column" or op.phase != "upgrade":
                continue
            if op.table and op.table.lower() in new_tables:
                continue
            column = column_call(module, op.call, op.arg(1, "column"))
            if column is None or not _not_null_without_default(module, column):
                continue
            name = column_name(column) or "?"
            message = (f"NOT NULL column {op.table or '?'}.{name} is added without a "
                       "server_default: it fails on existing rows and breaks inserts from the "
                       "running code; add a server_default or add it nullable and backfill.")
            yield make_match(self.id, module, op.call.node, message, op.call.scope)

        django = None
        for call in module.calls:
            if django_op(call) != "AddField":
                continue
            django = django or DjangoContext(module)
            model = const_str(argument(call.node, 0, "model_name"))
            if django.new_model(model) or django.state_only(call.node):
                continue
            field = argument(call.node, 2, "field")
            if not isinstance(field, ast.Call) or not _django_needs_default(module, field):
                continue
            name = const_str(argument(call.node, 1, "name")) or "?"
            kind = field_type(module, field)
            message = (f"`AddField` adds NOT NULL {kind} {model or '?'}.{name} without a "
                       "default: existing rows have no value for it; pass `default=` "
                       "(or `db_default=`) or `null=True`.")
            yield make_match(self.id, module, call.node, message, call.scope)


def _not_null_without_default(module: PythonModule, column: ast.Call) -> bool:
    if not _is_false(keyword(column, "nullable")):
        return False
    if any(kw.arg is None for kw in column.keywords):
        return False
    default = keyword(column, "server_default")
    if default is not None and not is_none(default):
        return False
    if is_true(keyword(column, "primary_key")) or keyword(column, "server_onupdate"):
        return False
    for arg in column.args:
        target = arg.func if isinstance(arg, ast.Call) else arg
        if module.resolve(target).rsplit(".", 1)[-1] in GENERATED:
            return False
    return True


def _django_needs_default(module: PythonModule, field: ast.Call) -> bool:
    kind = field_type(module, field)
    if not kind.endswith("Field") and kind not in ("ForeignKey",):
        return False
    if kind in NO_BACKFILL_NEEDED or any(kw.arg is None for kw in field.keywords):
        return False
    null = keyword(field, "null")
    if null is not None and not _is_false(null):
        return False
    for name in ("default", "db_default"):
        if keyword(field, name) is not None:
            return False
    if is_true(keyword(field, "primary_key")):
        return False
    if is_true(keyword(field, "auto_now")) or is_true(keyword(field, "auto_now_add")):
        return False  # Django fills existing rows with the current time
    if is_true(keyword(field, "blank")) and kind not in NO_EMPTY_STRING:
        return False  # Django fills existing rows with ""
    return True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False
