"""Match building shared by the SQL and JavaScript/TypeScript migration checks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reviewer.model import Match
from reviewer.rules.sqlmigrations._js import Op
from reviewer.rules.sqlmigrations._sql import Statement
from reviewer.treesitter import TreeModule


def sql_match(rule_id: str, statement: Statement, message: str) -> Match:
    return Match(rule_id=rule_id, line=statement.line, end_line=statement.end_line,
                 message=message, code=statement.code, scope="")


def grouped(ops: Iterable[Op]) -> Iterator[list[Op]]:
    """Ops of one call together, in source order."""
    groups: dict[tuple[int, int], list[Op]] = {}
    for op in ops:
        groups.setdefault((op.node.start_byte, op.node.end_byte), []).append(op)
    for key in sorted(groups):
        yield groups[key]


def js_match(rule_id: str, module: TreeModule, ops: list[Op], message: str) -> Match:
    node = ops[0].node
    line = module.line(ops[0].at or node)
    return Match(rule_id=rule_id, line=line, end_line=max(line, module.end_line(node)),
                 message=message, code=ops[0].code or module.code(node),
                 scope=module.scope(node))


def join(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    if len(unique) > 3:
        return ", ".join(unique[:3]) + f" and {len(unique) - 3} more"
    return ", ".join(unique)
