"""migration-drops-column for SQL files and Knex/TypeORM/Sequelize/node-pg-migrate/Kysely
migrations: DROP COLUMN, DROP TABLE and renames in the part that runs on deploy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.sqlmigrations import _sql
from reviewer.rules.sqlmigrations._js import in_migration, migration
from reviewer.rules.sqlmigrations._report import grouped, join, js_match, sql_match
from reviewer.rules.sqlmigrations._sql import Change
from reviewer.text import TextFile
from reviewer.treesitter import TreeModule

RULE_ID = "migration-drops-column"
CONSEQUENCE = ("the previous release, still running during the deploy, fails on every query "
               "that uses it (and a rollback finds the data gone); use expand/contract: stop "
               "using it in code first, drop or rename it in a later release.")


def _what(change: Change) -> str:
    column = f"{change.table}.{change.column}" if change.table != "?" else change.column
    if change.kind == "drop-column":
        return f"drops column {column}"
    if change.kind == "drop-table":
        return f"drops table {change.table}"
    if change.kind == "rename-column":
        return f"renames column {column} to {change.new}"
    return f"renames table {change.table} to {change.new}"


def _breaking(changes: list[Change]) -> Iterator[tuple[int, Change]]:
    """(index, change) of the drops and renames of tables that exist before the migration.

    A table the migration creates (or renames another table to) is its own; a table renamed
    away or dropped while another takes its name is a swap, not a removal."""
    created: set[str] = set()
    replaced: set[str] = set()
    for change in changes:
        if change.kind == "create-table":
            created.add(change.key)
        elif change.kind == "rename-table":
            created.add(_sql.table_key(change.new))
            replaced.add(change.key)
        elif change.kind == "drop-table":
            replaced.add(change.key)
    for index, change in enumerate(changes):
        if change.kind not in ("drop-column", "drop-table", "rename-column", "rename-table"):
            continue
        if change.key in created or _sql.is_temporary(change.table):
            continue
        if change.kind == "rename-table" and _sql.table_key(change.new) in replaced:
            continue
        if change.kind == "rename-column" and change.column.lower() == change.new.lower():
            continue
        yield index, change


@language_check(RULE_ID, "sql")
def check_sql(rule, text: TextFile) -> Iterable[Match]:
    if text.kind.role != "migration":
        return
    statements = _sql.up_statements(text.text, text.kind.variant)
    changes: list[Change] = []
    owner: list[int] = []
    for number, statement in enumerate(statements):
        for change in _sql.changes(statement.sql):
            changes.append(change)
            owner.append(number)
        match = _sql.CREATE_TABLE.match(statement.sql)
        if match:
            changes.append(Change("create-table", _sql.display_name(match.group(1))))
            owner.append(number)
    found: dict[int, list[Change]] = {}
    for index, change in _breaking(changes):
        found.setdefault(owner[index], []).append(change)
    for number, group in sorted(found.items()):
        statement = statements[number]
        message = (f"`{_sql_verb(group[0])}` {join([_what(c) for c in group])}: "
                   + CONSEQUENCE)
        yield sql_match(rule.id, statement, message)


def _sql_verb(change: Change) -> str:
    return "DROP TABLE" if change.kind == "drop-table" else "ALTER TABLE"


@language_check(RULE_ID, "javascript", "typescript")
def check_js(rule, module: TreeModule) -> Iterable[Match]:
    if not in_migration(module):
        return
    ops = migration(module).up_ops()
    keep = {index for index, _ in _breaking([op.change for op in ops])}
    for group in grouped(op for index, op in enumerate(ops) if index in keep):
        api = group[0].api
        message = f"`{api}` in up() {join([_what(op.change) for op in group])}: " + CONSEQUENCE
        yield js_match(rule.id, module, group, message)
