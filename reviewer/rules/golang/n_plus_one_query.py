"""n-plus-one-query for Go: a read query inside a loop over a collection or a result set.

Reads: database/sql and pgx `Query/QueryRow(Context)`, sqlx `Queryx/QueryRowx`,
`Get/Select(Context)(&dest, ...)`, `NamedQuery`, gorm `First/Find/Take/Last/Count/Pluck`
(also at the end of a chain such as `db.Where(...).First(&x)`), on a receiver named like a
database handle (`db`, `s.db`, `tx`, `conn`, `pool`, `h.DB`, `readDB`).

Loops: `for ... range xs` (not over channels, tickers or a number), `for rows.Next()`, and
counted loops bounded by `len(...)`. Retry and polling loops (`for {}`, `for i < 3`) are
not reported. Writes (`Exec`, `Create`, `Save`) are left out on purpose: a prepared
statement or transaction executed per row is the usual batch-insert pattern and belongs to
a different trade-off. One finding per loop: the first read in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import (
    DB_NAME,
    chain_base,
    index_for,
    is_test,
    make_match,
    short,
)
from reviewer.treesitter import TreeCall, TreeModule

SQL_READS = frozenset({
    "Query", "QueryRow", "QueryContext", "QueryRowContext", "Queryx", "QueryRowx",
    "QueryxContext", "QueryRowxContext", "NamedQuery", "NamedQueryContext",
})
DEST_READS = frozenset({"Get", "Select", "GetContext", "SelectContext"})
GORM_READS = frozenset({"First", "Find", "Take", "Last", "Count", "Pluck", "FirstOrInit",
                        "FindInBatches"})
CHANNEL_LIKE = re.compile(r"\.C$|(?:^|\.)(?:ch|c|in|out|done)$|[cC]han|Ch$|[Tt]ick|[Qq]ueue$|"
                          r"^\d+$")


@language_check("n-plus-one-query", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if is_test(module):
        return []
    per_loop: dict[int, tuple[Node, TreeCall]] = {}
    for call in module.calls:
        if not _is_read(module, call):
            continue
        if call.loop is None or call.loop.id in per_loop:
            continue
        loop = _repeating_loop(module, call.loop, call.function)
        if loop is None:
            continue
        per_loop.setdefault(loop.id, (loop, call))
    found = []
    for loop, call in per_loop.values():
        over = _over(module, loop)
        label = call.name if "(" not in call.name else call.name.rsplit(".", 1)[-1]
        found.append(make_match(
            rule, module, call.node,
            f"`{short(label, 50)}()` runs a database query on every iteration of the loop"
            f"{over} (N+1 queries); fetch the rows in one query before the loop "
            "(`WHERE id = ANY($1)`, `sqlx.In`, a join or gorm `Preload`).",
        ))
    return [m for m in found if m is not None]


def _is_read(module: TreeModule, call: TreeCall) -> bool:
    attr = call.name.rsplit(".", 1)[-1]
    if attr not in SQL_READS and attr not in DEST_READS and attr not in GORM_READS:
        return False
    callee = call.callee
    if callee.type != "selector_expression":
        return False
    base, chained = chain_base(callee)
    if base is None:
        return False
    last = module.text_of(base).rsplit(".", 1)[-1]
    if not DB_NAME.search(last):
        return False
    args = call.arguments
    if attr in DEST_READS:
        return any(module.text_of(a).startswith("&") for a in args[:2])
    if attr in GORM_READS:
        return bool(args) or chained
    return bool(args)


def _repeating_loop(module: TreeModule, loop: Node, function: Node | None) -> Node | None:
    """The loop when it walks a collection or result set; None for retry/poll loops."""
    clause = next((c for c in loop.named_children if c.type in ("range_clause", "for_clause")),
                  None)
    if clause is not None and clause.type == "range_clause":
        right = clause.child_by_field_name("right")
        text = "".join(module.text_of(right).split()) if right is not None else ""
        if CHANNEL_LIKE.search(text) or _is_channel(module, right, function):
            return None
        if right is not None and right.type == "composite_literal":
            return None  # a fixed list written in the code: a known, small number of queries
        return loop
    if clause is not None:
        condition = clause.child_by_field_name("condition")
        text = module.text_of(condition) if condition is not None else ""
        return loop if "len(" in text or ".Len()" in text else None
    condition = next((c for c in loop.named_children if c.type != "block"
                      and c.type != "comment"), None)
    if condition is not None and condition.type == "call_expression" and module.text_of(
            condition.child_by_field_name("function")).endswith(".Next"):
        return loop
    return None


def _is_channel(module: TreeModule, node: Node | None, function: Node | None) -> bool:
    """`for job := range jobs` over a channel parameter or a `make(chan ...)` local: a worker
    consuming messages, not a walk over rows it could have fetched at once."""
    if node is None or node.type != "identifier":
        return False
    bindings = index_for(module).bindings(module.text_of(node), function, node.start_byte)
    return any("chan" in b.type or (b.value is not None and module.text_of(b.value).startswith(
        ("make(chan", "make(<-chan"))) for b in bindings)


def _over(module: TreeModule, loop: Node) -> str:
    clause = next((c for c in loop.named_children if c.type == "range_clause"), None)
    if clause is not None:
        right = clause.child_by_field_name("right")
        if right is not None:
            return f" over `{short(module.text_of(right), 40)}`"
    condition = next((c for c in loop.named_children if c.type == "call_expression"), None)
    if condition is not None:
        return f" over `{short(module.text_of(condition), 40)}`"
    return ""
