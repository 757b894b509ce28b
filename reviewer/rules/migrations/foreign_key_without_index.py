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
    column_call,
    column_name,
    const_str,
    django_op,
    in_migration,
    is_true,
    keyword,
    make_match,
    other_dialect,
    sql_texts,
    strip_sql_comments,
)

INDEX_SQL = re.compile(
    r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*?\bON\s+(?:ONLY\s+)?(?:\"?\w+\"?\.)?\"?(\w+)\"?"
    r"\s*(?:USING\s+\w+\s*)?\(\s*\"?(\w+)",
    re.IGNORECASE,
)
# Table-level items of create_table whose first column gets an index.
INDEXED_ITEMS = frozenset({"Index", "UniqueConstraint", "PrimaryKeyConstraint"})
COVERING_OPS = {"create_index": (2, "columns"), "create_unique_constraint": (2, "columns"),
                "create_primary_key": (2, "columns")}
ADVICE = ("PostgreSQL does not index foreign keys: joins on it and every DELETE or key update "
          "of the referenced row scan the whole table.")


class ForeignKeyWithoutIndex(Rule):
    id = "foreign-key-without-index"
    title = "Foreign key column without an index"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.PERFORMANCE
    languages = ("python",)
    rationale = (
        "PostgreSQL creates no index for the referencing side of a foreign key: lookups and "
        "joins by it scan the table, and every delete or key update of a referenced row has "
        "to scan it too to check the constraint, holding locks while it does."
    )
    fix = (
        "Index the column: `index=True` on the Alembic column or an `op.create_index` for it "
        "in the same migration; in Django keep the default `db_index=True`."
    )
    example = Example(
        before=(
            "op.add_column('orders', sa.Column('user_id', sa.Integer(),\n"
            "              sa.ForeignKey('users.id')))"
        ),
        after=(
            "op.add_column('orders', sa.Column('user_id', sa.Integer(),\n"
            "              sa.ForeignKey('users.id'), index=True))"
        ),
    )
    references = (
        "https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK",
        "https://docs.djangoproject.com/en/stable/ref/models/fields/#foreignkey",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not in_migration(module):
            return
        yield from self._alembic(module)
        yield from self._django(module)

    # --- Alembic ---------------------------------------------------------------------------

    def _alembic(self, module: PythonModule) -> Iterable[Match]:
        ops = [op for op in alembic_ops(module) if op.phase == "upgrade"]
        if not ops or other_dialect(module):
            return
        covered = _alembic_covered(module, ops)
        reported: set[tuple[str, str]] = set()
        for op in ops:
            for table, column, node in _foreign_keys(module, op):
                key = (table.lower(), column.lower())
                if key in covered or key in reported:
                    continue
                reported.add(key)
                message = (f"Foreign key column {table}.{column} has no index in this "
                           f"migration: {ADVICE} Add `index=True` or `op.create_index`.")
                yield make_match(self.id, module, node, message, op.call.scope)

    # --- Django ----------------------------------------------------------------------------

    def _django(self, module: PythonModule) -> Iterable[Match]:
        django = None
        covered: set[str] | None = None
        for call in module.calls:
            if not call.name.startswith("django.db.models.") or call.attr != "ForeignKey":
                continue
            db_index = keyword(call.node, "db_index")
            if not (isinstance(db_index, ast.Constant) and db_index.value is False):
                continue
            if is_true(keyword(call.node, "unique")) or is_true(keyword(call.node,
                                                                        "primary_key")):
                continue
            django = django or DjangoContext(module)
            if django.state_only(call.node):
                continue
            name = _django_field_name(module, call.node)
            if covered is None:
                covered = _django_covered(module)
            if name is not None and name.lower() in covered:
                continue
            message = (f"ForeignKey {name or ''} is created with `db_index=False`: {ADVICE} "
                       "Keep the index unless another index starts with this column.")
            yield make_match(self.id, module, call.node, " ".join(message.split()), call.scope)


def _foreign_keys(module: PythonModule, op: AlembicOp):
    """(table, local column, node to flag) for each foreign key the operation creates
    on a column that does not carry its own index."""
    table = op.table
    if table is None:
        return
    if op.name == "add_column":
        column = column_call(module, op.call, op.arg(1, "column"))
        if column is not None and _has_foreign_key(module, column) and not _self_indexed(column):
            name = column_name(column)
            if name:
                yield table, name, op.call.node
    elif op.name == "create_table" and not op.batch:
        for item in op.call.node.args[1:]:
            if not isinstance(item, ast.Call):
                continue
            kind = _kind(module, item)
            if kind == "Column" and _has_foreign_key(module, item) and not _self_indexed(item):
                name = column_name(item)
                if name:
                    yield table, name, item
            elif kind == "ForeignKeyConstraint":
                first = _first_string(argument(item, 0, "columns"))
                if first:
                    yield table, first, item
    elif op.name == "create_foreign_key":
        first = _first_string(op.arg(3, "local_cols"))
        if first:
            yield table, first, op.call.node


def _alembic_covered(module: PythonModule, ops: list[AlembicOp]) -> set[tuple[str, str]]:
    covered: set[tuple[str, str]] = set()
    for op in ops:
        table = (op.table or "").lower()
        if op.name in COVERING_OPS:
            position, name = COVERING_OPS[op.name]
            first = _first_string(op.arg(position, name))
            if first:
                covered.add((table, first.lower()))
        elif op.name in ("add_column", "create_table"):
            args = ([op.arg(1, "column")] if op.name == "add_column"
                    else list(op.call.node.args[1:]))
            for arg in args:
                item = (column_call(module, op.call, arg) if op.name == "add_column"
                        else arg if isinstance(arg, ast.Call) else None)
                if item is None:
                    continue
                kind = _kind(module, item)
                if kind == "Column" and _self_indexed(item):
                    covered.add((table, (column_name(item) or "").lower()))
                elif kind == "PrimaryKeyConstraint":
                    # every key column counts: the rule does not report primary key columns
                    covered.update((table, c.lower()) for c in _string_args(item))
                elif kind in INDEXED_ITEMS:
                    strings = _string_args(item)
                    if kind == "Index":
                        strings = strings[1:]  # Index(name, *columns)
                    if strings:
                        covered.add((table, strings[0].lower()))
        elif op.name == "execute":
            sql = strip_sql_comments(" ".join(sql_texts(module, op.call, op.arg(0, "sqltext"))))
            covered.update((t.lower(), c.lower()) for t, c in INDEX_SQL.findall(sql))
    return covered


def _kind(module: PythonModule, node: ast.Call) -> str:
    return module.resolve(node.func).rsplit(".", 1)[-1]


def _has_foreign_key(module: PythonModule, column: ast.Call) -> bool:
    return any(isinstance(a, ast.Call) and _kind(module, a) == "ForeignKey"
               for a in column.args)


def _self_indexed(column: ast.Call) -> bool:
    if any(kw.arg is None for kw in column.keywords):
        return True  # **kwargs may carry index=True
    return any(is_true(keyword(column, name)) for name in ("index", "unique", "primary_key"))


def _string_args(node: ast.Call) -> list[str]:
    strings = []
    for arg in node.args:
        value = const_str(arg)
        if value is None:
            break
        strings.append(value)
    return strings


def _first_string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return const_str(node.elts[0])
    return const_str(node)


def _django_field_name(module: PythonModule, node: ast.Call) -> str | None:
    parent = module.parent(node)
    if isinstance(parent, ast.Tuple) and parent.elts and parent.elts[-1] is node:
        return const_str(parent.elts[0])
    if isinstance(parent, ast.keyword) and parent.arg == "field":
        operation = module.parent(parent)
        if isinstance(operation, ast.Call):
            return const_str(argument(operation, 1, "name"))
    return None


def _django_covered(module: PythonModule) -> set[str]:
    """Fields some index or unique constraint in this migration starts with."""
    covered: set[str] = set()
    for call in module.calls:
        if call.attr in ("Index", "UniqueConstraint") or call.attr.endswith("Index"):
            first = _first_string(keyword(call.node, "fields"))
            if first:
                covered.add(first.lstrip("-").lower())
        operation = django_op(call)
        groups: list[ast.expr] = []
        if operation == "CreateModel":
            options = argument(call.node, 2, "options")
            if isinstance(options, ast.Dict):
                groups = [v for k, v in zip(options.keys, options.values, strict=True)
                          if const_str(k) in ("unique_together", "index_together")]
        elif operation in ("AlterUniqueTogether", "AlterIndexTogether"):
            value = argument(call.node, 1, "unique_together" if operation ==
                             "AlterUniqueTogether" else "index_together")
            groups = [value] if value is not None else []
        for group in groups:
            covered.update(_together_firsts(group))
    return covered


def _together_firsts(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        if node.elts and all(const_str(e) is not None for e in node.elts):
            return {const_str(node.elts[0]).lower()}
        firsts = set()
        for element in node.elts:
            if isinstance(element, ast.List | ast.Tuple) and element.elts:
                first = const_str(element.elts[0])
                if first:
                    firsts.add(first.lower())
        return firsts
    return set()
