"""migration-missing-downgrade for goose/sql-migrate/dbmate SQL files (no or an empty Down
section) and Knex/TypeORM/Sequelize/... migrations (no `down`, or an empty one)."""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.sqlmigrations import _sql
from reviewer.rules.sqlmigrations._js import first_parameter, in_migration, migration
from reviewer.rules.sqlmigrations._report import sql_match
from reviewer.text import TextFile
from reviewer.treesitter import TreeModule

RULE_ID = "migration-missing-downgrade"
NOOP_EXPRESSIONS = frozenset({"undefined", "null", "Promise.resolve()", "Promise.resolve(null)",
                              "Promise.resolve(undefined)", "void 0"})
DOWN_NAMES = ("(identifier) @n (property_identifier) @n (shorthand_property_identifier) @n "
              "(shorthand_property_identifier_pattern) @n")


@language_check(RULE_ID, "sql")
def check_sql(rule, text: TextFile) -> Iterable[Match]:
    if text.kind.role != "migration":
        return
    marks = _sql.marker_lines(text.text)
    if not any(kind == "up" for _, kind in marks):
        return
    statements = _sql.statements(text.text)
    up = [s for s in statements if s.section == "up"]
    if not up or not _sql.does_something(up):
        return
    tool, down_marker = _tool(text.text)
    first = " ".join(up[0].code.split()[:6])
    if not any(kind == "down" for _, kind in marks):
        message = (f"This {tool} migration has an Up section ({first} ...) but no "
                   f"`{down_marker}` section: it cannot be rolled back, and a rollback of the "
                   "release leaves the schema as migrated.")
        yield sql_match(rule.id, up[0], message)
        return
    down = [s for s in statements if s.section == "down"]
    if _sql.does_something(down) or _sql.IRREVERSIBLE.search(_down_text(text, marks)):
        return
    message = (f"The `{down_marker}` section of this {tool} migration is empty while Up "
               f"changes the database ({first} ...): rolling back does nothing and leaves the "
               "schema as migrated; write the statements that undo Up.")
    yield sql_match(rule.id, up[0], message)


def _tool(text: str) -> tuple[str, str]:
    if "+migrate" in text:
        return "sql-migrate", "-- +migrate Down"
    if "migrate:up" in text.lower():
        return "dbmate", "-- migrate:down"
    return "goose", "-- +goose Down"


def _down_text(text: TextFile, marks: list[tuple[int, str]]) -> str:
    lines = []
    for index, (line, kind) in enumerate(marks):
        if kind != "down":
            continue
        end = marks[index + 1][0] - 1 if index + 1 < len(marks) else len(text.lines)
        lines.extend(text.lines[line - 1:end])
    return "\n".join(lines)


@language_check(RULE_ID, "javascript", "typescript")
def check_js(rule, module: TreeModule) -> Iterable[Match]:
    if not in_migration(module):
        return
    view = migration(module)
    groups: dict[tuple[int, int] | None, list[Node]] = {}
    for function in view.definitions():
        owner = module.enclosing(function, {"class_declaration", "class", "class_body"})
        key = (owner.start_byte, owner.end_byte) if owner is not None else None
        groups.setdefault(key, []).append(function)
    names = {module.text_of(n) for n in module.captures(DOWN_NAMES).get("n", [])}
    for key, functions in groups.items():
        ups = [f for f in functions if view.name(f) == "up" and not _empty(module, f)]
        downs = [f for f in functions if view.name(f) == "down"]
        if not ups:
            continue
        if not downs:
            if key is None and ("down" in names or _node_pg_migrate(module, ups)):
                continue  # defined elsewhere, or node-pg-migrate infers the reverse itself
            if key is not None and _extends(module, ups[0]):
                continue  # the base class (e.g. MikroORM's Migration) has its own down()
            for function in ups:
                yield _match(rule.id, module, function, (
                    "`up` has no matching `down`: this migration cannot be rolled back, and a "
                    "rollback of the release leaves the schema as migrated."))
            continue
        for function in downs:
            if _empty(module, function) and not _sql.IRREVERSIBLE.search(
                    module.text_of(function)):
                yield _match(rule.id, module, function, (
                    "`down` is empty while `up` changes the database: rolling back does "
                    "nothing and leaves the schema as migrated; undo `up` step by step, or "
                    "throw if it cannot be undone."))


def _extends(module: TreeModule, function: Node) -> bool:
    owner = module.enclosing(function, {"class_declaration", "class"})
    if owner is None:
        return False
    return any(c.type == "class_heritage" and "extends" in module.text_of(c).split()
               for c in owner.children)


def _node_pg_migrate(module: TreeModule, ups: list[Node]) -> bool:
    return any(first_parameter(module, f) == "pgm" for f in ups)


def _match(rule_id: str, module: TreeModule, function: Node, message: str) -> Match:
    line = module.line(function)
    text = module.lines[line - 1] if line <= len(module.lines) else ""
    own = module.function_name(function)
    scope = ".".join(part for part in (module.scope(function), own) if part)
    return Match(rule_id=rule_id, line=line, end_line=module.end_line(function),
                 message=message, code=" ".join(text.split()), scope=scope)


def _empty(module: TreeModule, function: Node) -> bool:
    body = function.child_by_field_name("body")
    if body is None:
        return False
    if body.type != "statement_block":
        return _noop(module, body)
    for statement in body.named_children:
        if statement.type in ("comment", "empty_statement"):
            continue
        if statement.type == "return_statement":
            values = [c for c in statement.named_children if c.type != "comment"]
            if not values or _noop(module, values[0]):
                continue
        if statement.type == "expression_statement" and statement.named_children and _noop(
                module, statement.named_children[0]):
            continue
        return False
    return True


def _noop(module: TreeModule, node: Node) -> bool:
    while node.type in ("await_expression", "parenthesized_expression") and node.named_children:
        node = node.named_children[0]
    return "".join(module.text_of(node).split()) in NOOP_EXPRESSIONS
