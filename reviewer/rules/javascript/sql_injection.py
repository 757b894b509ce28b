"""sql-injection for JavaScript/TypeScript: SQL text built with template literals, `+`,
`.concat()` or `util.format()` from non-constant values and handed to a driver or ORM.

Sinks: `query`/`execute` (pg, mysql2, mssql, Sequelize, TypeORM), knex `raw`/`whereRaw`/...,
Prisma `$queryRawUnsafe`/`$executeRawUnsafe`, `sequelize.literal`, postgres.js `sql.unsafe`,
SQLite `prepare/all/get/run/exec`, TypeORM query builder `where/andWhere/orWhere/having`.
Safe: constant SQL with placeholders and a values array, Prisma's `$queryRaw` tagged
template, knex bindings, values that are constants, numbers or escaped identifiers, and
numbered placeholder lists (`ids.map((_, i) => `$${i + 1}`).join()`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    call_arguments,
    index,
    is_tagged_template,
    make_match,
    object_pairs,
    role,
    short,
    squash,
    string_value,
    unwrap,
)
from reviewer.treesitter import TreeCall, TreeModule

SQL_STATEMENT = re.compile(
    r"\b(select\b[\s\S]*\bfrom|insert\s+into|update\s+[\w`\"\[\].]+\s+set|delete\s+from|"
    r"where|order\s+by|group\s+by|values\s*\(|join|create\s+(table|index)|drop\s+table|"
    r"alter\s+table|truncate)\b",
    re.IGNORECASE,
)
SQL_FRAGMENT = re.compile(r"[=<>]|\b(like|in|is|and|or|not|asc|desc|between|select|from)\b",
                          re.IGNORECASE)
DDL = re.compile(r"^\s*(alter|create|drop|truncate|comment\s+on|grant|revoke|rename|"
                 r"vacuum|analyze|reindex|cluster|refresh\s+materialized|set\s+search_path)\b",
                 re.IGNORECASE)
QUERY_METHODS = frozenset({"query", "execute"})
RAW_METHODS = frozenset({"raw", "whereRaw", "orWhereRaw", "andWhereRaw", "havingRaw",
                         "orHavingRaw", "orderByRaw", "groupByRaw", "joinRaw", "fromRaw",
                         "whereNotRaw", "onRaw"})
UNSAFE_METHODS = frozenset({"$queryRawUnsafe", "$executeRawUnsafe", "unsafe"})
BUILDER_METHODS = frozenset({"where", "andWhere", "orWhere", "having", "andHaving",
                             "orHaving"})
SQLITE_METHODS = frozenset({"prepare", "all", "get", "run", "exec", "each"})
DB_RECEIVER = re.compile(r"(^|\.)(db|database|sqlite|sqlite3|conn|connection|client|pool|"
                         r"knex|sequelize|trx|tx|manager|dataSource|queryRunner)$", re.I)
NOT_SQL_RECEIVER = re.compile(r"(^|\.)(router|route|url|searchParams|\$|jQuery|graphql|"
                              r"apollo|cache|redis|es|elastic|influx)$", re.I)
BUILDER_CHAIN = re.compile(r"createQueryBuilder|QueryBuilder|(^|\.)(qb|queryBuilder|builder)"
                           r"(\.|$)")


@language_check("sql-injection", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if role(module) == "test":
        return  # test set-up and clean-up SQL (`TRUNCATE ${table}`) is not an attack surface
    text = module.text
    if not any(word in text for word in ("query", "execute", "raw", "Raw", "unsafe",
                                         "where", "prepare", "literal", "exec", "run(")):
        return
    idx: FileIndex | None = None
    for call in module.calls:
        kind = _sink_kind(call)
        if kind is None or is_tagged_template(call.node):
            continue
        arguments = call.arguments
        if not arguments:
            continue
        sql = arguments[0]
        if idx is None:
            idx = index(module)
        pairs = object_pairs(module, sql)
        if pairs is not None:  # mysql2 `{ sql, values }`, pg `{ text, values }`
            sql = pairs.get("sql") or pairs.get("text") or pairs.get("query")
            if sql is None:
                continue
        built = _dynamic(idx, sql, kind)
        if built is None:
            continue
        yield make_match(
            rule.id, module, call.node,
            f"SQL passed to `{call.attr}()` is built from run-time values "
            f"(`{short(module.text_of(built))}`); use placeholders with a values array "
            "(or a tagged `sql` template) instead of string building.",
        )


def _sink_kind(call: TreeCall) -> str | None:
    name = call.name
    if "." not in name:
        return None
    receiver, _, method = name.rpartition(".")
    if method in UNSAFE_METHODS:
        if method == "unsafe" and not re.search(r"(^|\.)(sql|db|postgres|pg)$", receiver):
            return None
        return "unsafe"
    if method in RAW_METHODS:
        if method == "raw" and re.search(r"(^|\.)(Prisma|String)$", receiver):
            return "unsafe" if receiver.endswith("Prisma") else None
        return "raw"
    if method == "literal" and re.search(r"(^|\.)(sequelize|Sequelize)$", receiver):
        return "raw"
    if method in QUERY_METHODS:
        if NOT_SQL_RECEIVER.search(receiver):
            return None
        return "query"
    if method in BUILDER_METHODS and BUILDER_CHAIN.search(receiver):
        return "raw"
    if method in SQLITE_METHODS and DB_RECEIVER.search(receiver):
        return "query"
    return None


def _dynamic(idx: FileIndex, node: Node, kind: str, depth: int = 3) -> Node | None:
    """The string-building expression that makes this SQL dynamic, or None."""
    node = unwrap(node)
    if node.type == "await_expression":
        return None
    if node.type == "identifier":
        if depth <= 0:
            return None
        bindings = idx.values(idx.module.text_of(node), node)
        literal_parts: list[str] = []
        culprit = None
        for binding in bindings:
            value = unwrap(binding.value)
            literal_parts.extend(_literals(idx, value))
            if binding.kind == "aug":
                if not idx.constant(value):
                    culprit = culprit or value
                continue
            found = _dynamic(idx, value, kind, depth - 1)
            if found is not None:
                culprit = culprit or found
        if culprit is not None and _looks_like_sql("".join(literal_parts), kind):
            return culprit
        return None
    parts = _spliced(idx, node)
    if parts is None:
        return None
    literals, values = parts
    if not values or all(idx.constant(v) for v in values):
        return None
    # Text concatenated from other SQL-holding locals counts as SQL too.
    extra = []
    for value in values:
        value = unwrap(value)
        if value.type == "identifier":
            for binding in idx.values(idx.module.text_of(value), value):
                extra.extend(_literals(idx, unwrap(binding.value)))
    text = "".join(literals + extra)
    if not _looks_like_sql(text, kind):
        return None
    if DDL.match(text) and not any(idx.tainted(v) for v in values):
        return None  # schema statements splice identifiers, which cannot be bound
    return node


def _spliced(idx: FileIndex, node: Node) -> tuple[list[str], list[Node]] | None:
    """(literal text, spliced values) of a string-building expression; None otherwise."""
    module = idx.module
    kind = node.type
    if kind == "template_string":
        literals, values = [], []
        for child in node.named_children:
            if child.type == "string_fragment":
                literals.append(module.text_of(child))
            elif child.type == "template_substitution" and child.named_children:
                values.append(child.named_children[0])
        return literals, values
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type != "+":
            return None
        literals, values = [], []
        for side in (node.child_by_field_name("left"), node.child_by_field_name("right")):
            side = unwrap(side)
            text = string_value(module, side)
            if text is not None:
                literals.append(text)
                continue
            inner = _spliced(idx, side) if side.type in ("binary_expression",
                                                         "template_string") else None
            if inner is not None:
                literals.extend(inner[0])
                values.extend(inner[1])
            else:
                values.append(side)
        return literals, values
    if kind == "call_expression":
        callee = node.child_by_field_name("function")
        arguments = call_arguments(node)
        name = squash(module.text_of(callee)) if callee is not None else ""
        if name in ("util.format", "format") and arguments:
            first = string_value(module, arguments[0])
            if first is None or "%s" not in first and "%d" not in first:
                return None
            return [first], arguments[1:]
        if callee is not None and callee.type == "member_expression" and name.endswith(
                ".concat"):
            receiver = unwrap(callee.child_by_field_name("object"))
            literals, values = [], []
            text = string_value(module, receiver)
            if text is not None:
                literals.append(text)
            else:
                values.append(receiver)
            for argument in arguments:
                text = string_value(module, argument)
                if text is not None:
                    literals.append(text)
                else:
                    values.append(argument)
            return literals, values
    return None


def _literals(idx: FileIndex, node: Node) -> list[str]:
    text = string_value(idx.module, node)
    if text is not None:
        return [text]
    parts = _spliced(idx, node)
    return parts[0] if parts else []


def _looks_like_sql(text: str, kind: str) -> bool:
    if kind in ("raw", "unsafe"):
        return bool(SQL_STATEMENT.search(text) or SQL_FRAGMENT.search(text))
    return bool(SQL_STATEMENT.search(text))
