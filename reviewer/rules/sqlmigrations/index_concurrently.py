"""index-without-concurrently for PostgreSQL SQL files and Knex/TypeORM/node-pg-migrate
migrations: an index built on an existing table with a plain, write-blocking CREATE INDEX."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.sqlmigrations import _sql
from reviewer.rules.sqlmigrations._js import in_migration, migration
from reviewer.rules.sqlmigrations._report import grouped, js_match, sql_match
from reviewer.rules.sqlmigrations._sql import Change
from reviewer.text import TextFile
from reviewer.treesitter import TreeModule

RULE_ID = "index-without-concurrently"
CONSEQUENCE = ("INSERT, UPDATE and DELETE on the table block until the index is built, "
               "minutes on a large table")


def _subject(change: Change) -> str:
    name = f"{change.name} " if change.name else ""
    return f"index {name}on existing table {change.table}"


def _plain(change: Change, created: set[str]) -> bool:
    return (change.kind == "index" and not change.concurrently and not change.only
            and change.key not in created)


@language_check(RULE_ID, "sql")
def check_sql(rule, text: TextFile) -> Iterable[Match]:
    if text.kind.role != "migration" or not _sql.postgres_compatible(text.text):
        return
    statements = _sql.up_statements(text.text, text.kind.variant)
    created = _sql.created_tables(statements)
    for statement in statements:
        for change in _sql.changes(statement.sql):
            if _plain(change, created):
                message = (f"`CREATE INDEX` builds {_subject(change)} without CONCURRENTLY: "
                           f"{CONSEQUENCE}; use CREATE INDEX CONCURRENTLY, outside a "
                           "transaction (goose: `-- +goose NO TRANSACTION`).")
                yield sql_match(rule.id, statement, message)
                break


@language_check(RULE_ID, "javascript", "typescript")
def check_js(rule, module: TreeModule) -> Iterable[Match]:
    if not in_migration(module):
        return
    view = migration(module)
    ops = [op for op in view.up_ops() if op.change.kind == "index"]
    if not ops or not view.postgres():
        return
    created = view.created_tables()
    for group in grouped(op for op in ops if _plain(op.change, created)):
        op = group[0]
        if op.sql:
            advice = "use CREATE INDEX CONCURRENTLY in a migration that runs outside a transaction"
        elif op.api.split(".")[0].lower().startswith("pgm"):
            advice = "pass `{ concurrently: true }` (and `pgm.noTransaction()`)"
        else:
            advice = ("build it with raw `CREATE INDEX CONCURRENTLY` in a migration that runs "
                      "outside a transaction")
        message = (f"`{op.api}` in up() builds {_subject(op.change)} without CONCURRENTLY: "
                   f"{CONSEQUENCE}; {advice}.")
        yield js_match(rule.id, module, group, message)
