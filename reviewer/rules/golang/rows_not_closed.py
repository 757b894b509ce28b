"""rows-not-closed: `*sql.Rows` (sqlx, pgx, gorm `Rows()`) opened and never closed."""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.golang._go import (
    DB_NAME,
    chain_base,
    exprs,
    index_for,
    make_match,
    root,
)
from reviewer.treesitter import TreeModule

QUERY_METHODS = frozenset({"Query", "QueryContext", "Queryx", "QueryxContext", "NamedQuery",
                           "NamedQueryContext"})
QUERY = """
(short_var_declaration left: (expression_list) @left
  right: (expression_list . (call_expression
      function: (selector_expression field: (field_identifier) @attr)) @call .)) @stmt
(assignment_statement left: (expression_list) @left
  right: (expression_list . (call_expression
      function: (selector_expression field: (field_identifier) @attr)) @call .)) @stmt
"""


class RowsNotClosed(Rule):
    id = "rows-not-closed"
    title = "Query result rows never closed"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.RELIABILITY
    cwe = 404
    languages = ("go",)
    skip_roles = ("test",)
    rationale = (
        "`*sql.Rows` holds a pooled database connection until it is closed. Rows that are "
        "not closed on every path (an early `return` inside the loop, a failed `Scan`) leak "
        "that connection: after a few requests the pool is exhausted and every query waits "
        "forever."
    )
    fix = (
        "Put `defer rows.Close()` right after checking the query's error, and check "
        "`rows.Err()` after the loop."
    )
    example = Example(
        before=(
            'rows, err := db.QueryContext(ctx, "SELECT id FROM users")\n'
            "if err != nil {\n    return err\n}\nfor rows.Next() {"
        ),
        after=(
            'rows, err := db.QueryContext(ctx, "SELECT id FROM users")\n'
            "if err != nil {\n    return err\n}\ndefer rows.Close()\nfor rows.Next() {"
        ),
    )
    references = (
        "https://go.dev/doc/database/querying#multiple_rows",
        "https://pkg.go.dev/database/sql#Rows.Close",
        "https://cwe.mitre.org/data/definitions/404.html",
    )

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        if module.language != "go" or "Query" not in module.text and "Rows()" not in \
                module.text:
            return []
        found = []
        for _, capture in module.matches(QUERY):
            attr = module.text_of(capture["attr"][0])
            call = capture["call"][0]
            statement = capture["stmt"][0]
            arguments = call.child_by_field_name("arguments")
            has_args = arguments is not None and arguments.named_child_count > 0
            if attr == "Rows":
                if has_args or "(" not in module.text_of(call.child_by_field_name("function")):
                    continue  # gorm: `db.Raw(...).Rows()` / `db.Model(&u).Rows()`
            elif attr not in QUERY_METHODS or not has_args:
                continue
            if not _database_receiver(module, call, statement):
                continue
            targets = exprs(capture["left"][0])
            if len(targets) != 2 or targets[0].type != "identifier":
                continue
            name = module.text_of(targets[0])
            function = module.enclosing_function(statement)
            if function is None:
                continue
            if name != "_" and _handled(module, name, function, statement.end_byte):
                continue
            what = "discarded" if name == "_" else "never closed"
            found.append(make_match(
                self, module, statement,
                f"The rows from `{attr}()` are {what}: each call leaks a pooled connection "
                f"until the pool runs dry. Add `defer {name if name != '_' else 'rows'}.Close()` "
                "after the error check."))
        for call in module.calls:
            # `db.Query(...)` as a statement: the rows are dropped without being closed
            parent = call.node.parent
            if parent is None or parent.type != "expression_statement":
                continue
            attr = call.name.rsplit(".", 1)[-1]
            if attr not in QUERY_METHODS or not call.arguments or "(" in call.name:
                continue
            if not _database_receiver(module, call.node, parent):
                continue
            found.append(make_match(
                self, module, parent,
                f"The rows from `{call.name}()` are dropped without `Close()`: each call leaks "
                "a pooled connection. Use `Exec`/`ExecContext` for statements without rows."))
        return [m for m in found if m is not None]


def _database_receiver(module: TreeModule, call, statement) -> bool:
    """`db.Query`, `s.db.QueryContext`, `tx.Query`, `stmt.Query`: a handle held in a variable,
    not a package function such as `modload.Query(...)`."""
    base, _ = chain_base(call.child_by_field_name("function"))
    if base is None:
        return False
    if DB_NAME.search(module.text_of(base).rsplit(".", 1)[-1]):
        return True
    first = root(base)
    if first is None or first.type != "identifier":
        return False
    index = index_for(module)
    return index.is_bound(module.text_of(first), module.enclosing_function(statement),
                          statement.start_byte)


def _handled(module: TreeModule, name: str, function, after: int) -> bool:
    """Closed, returned, passed on or stored: someone else owns the rows."""
    rest = module.source[after:function.end_byte].decode("utf-8", "replace")
    word = re.escape(name)
    patterns = (
        rf"\b{word}\.Close\(",
        rf"\breturn\b[^\n]*(?<![\w.]){word}\b(?!\.)",
        rf"[(,]\s*{word}\s*[,)]",
        rf"(?<![=!<>:])=\s*&?{word}\s*(?:$|[,;}}\n])",
        rf":\s*{word}\s*[,}}\n]",
        rf"<-\s*{word}\b",
    )
    return any(re.search(p, rest, re.MULTILINE) for p in patterns)
