"""not-null-column-without-default for SQL files and Knex/TypeORM/Sequelize/node-pg-migrate/
Kysely migrations: a NOT NULL column added to an existing table with nothing to fill its rows."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.sqlmigrations import _sql
from reviewer.rules.sqlmigrations._js import in_migration, migration
from reviewer.rules.sqlmigrations._report import grouped, join, js_match, sql_match
from reviewer.text import TextFile
from reviewer.treesitter import TreeModule

RULE_ID = "not-null-column-without-default"
CONSEQUENCE = ("it fails on a table that already has rows, and inserts from the code still "
               "running during the deploy, which do not set it, are rejected; give it a "
               "default, or add it nullable, backfill, then set NOT NULL in a later migration.")


@language_check(RULE_ID, "sql")
def check_sql(rule, text: TextFile) -> Iterable[Match]:
    if text.kind.role != "migration":
        return
    statements = _sql.up_statements(text.text, text.kind.variant)
    created = _sql.created_tables(statements)
    for statement in statements:
        columns = [
            f"{c.table}.{c.column} ({_sql.column_type(c.definition)})"
            for c in _sql.changes(statement.sql)
            if c.kind == "add-column" and c.key not in created and _sql.needs_default(
                c.definition)
        ]
        if columns:
            message = (f"`ALTER TABLE ... ADD` adds NOT NULL column {join(columns)} without a "
                       "DEFAULT: " + CONSEQUENCE)
            yield sql_match(rule.id, statement, message)


@language_check(RULE_ID, "javascript", "typescript")
def check_js(rule, module: TreeModule) -> Iterable[Match]:
    if not in_migration(module):
        return
    view = migration(module)
    created = view.created_tables()
    ops = [op for op in view.up_ops()
           if op.change.kind == "add-column" and op.change.key not in created
           and _sql.needs_default(op.change.definition)]
    for group in grouped(ops):
        columns = join([f"{op.change.table}.{op.change.column}" for op in group])
        message = (f"`{group[0].api}` in up() adds NOT NULL column {columns} without a "
                   "default: " + CONSEQUENCE)
        yield js_match(rule.id, module, group, message)
