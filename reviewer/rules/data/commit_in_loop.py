from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.data._helpers import (
    COMPREHENSIONS,
    CONNECTION_NAME,
    FOR_LOOPS,
    is_batched_loop,
    is_fixed_iterable,
    last_part,
    loop_iterable,
    loop_targets,
    loops_around,
    runs_at_most_once,
)

TRANSACTION_COMMITS = frozenset({"django.db.transaction.commit", "transaction.commit"})
RETRY_NAME = re.compile(r"attempt|retr|tries|^try_|^_$", re.IGNORECASE)
# Consumers hand over one message at a time: committing each one is the unit of work.
STREAM_SOURCE = re.compile(r"consumer|listen|subscri|poll|consume|stream|messages?$|queue",
                           re.IGNORECASE)
BATCH_GUARD = re.compile(r"batch|chunk|size|pending|buffer|flush|every|limit|threshold|count",
                         re.IGNORECASE)


class CommitInLoop(Rule):
    id = "commit-in-loop"
    title = "Transaction committed on every loop iteration"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.PERFORMANCE
    languages = ("python",)
    rationale = (
        "Each commit is a round trip and a durable flush (fsync) on the database: committing "
        "per row makes bulk work orders of magnitude slower and leaves half-applied batches "
        "behind when the loop fails midway."
    )
    fix = (
        "Commit once after the loop (or every N rows in large imports), and use bulk "
        "inserts/updates where the ORM offers them."
    )
    example = Example(
        before="for row in rows:\n    session.add(Item(**row))\n    session.commit()",
        after="for row in rows:\n    session.add(Item(**row))\nsession.commit()",
    )
    references = (
        "https://docs.sqlalchemy.org/en/20/orm/session_basics.html#committing",
    )
    skip_roles = ("test",)

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        for call in module.calls:
            if call.loop is None or call.attr != "commit" or not _is_db_commit(call):
                continue
            loop = next(loops_around(module, call.node), None)
            if loop is None or not _commits_per_item(module, call, loop):
                continue
            iterable = loop_iterable(loop)
            yield Match(
                rule_id=self.id,
                line=call.node.lineno,
                end_line=call.node.end_lineno or call.node.lineno,
                message=(
                    f"`{call.name}()` commits once per iteration of the loop over "
                    f"`{ast.unparse(iterable)[:60]}`; commit once after the loop "
                    "(or in batches) instead."
                ),
                code=module.code(call.node),
                scope=call.scope,
            )


def _is_db_commit(call: CallSite) -> bool:
    if call.node.args or any(kw.arg is not None for kw in call.node.keywords):
        return False  # git/kafka style `commit(message)` / `commit(offsets=...)`
    if call.name in TRANSACTION_COMMITS:
        return True
    receiver = call.receiver
    return bool(receiver) and bool(CONNECTION_NAME.match(last_part(receiver)))


def _commits_per_item(module: PythonModule, call: CallSite, loop: ast.AST) -> bool:
    if isinstance(loop, ast.While) or isinstance(loop, COMPREHENSIONS):
        return False  # worker, polling and batch-draining loops commit per unit of work
    if not isinstance(loop, FOR_LOOPS):
        return False
    targets = loop_targets(loop)
    if any(RETRY_NAME.search(t) for t in targets):
        return False
    if is_batched_loop(module, loop):
        return False
    function = call.function.node if call.function else None
    if is_fixed_iterable(module, function, loop.iter, any_range=False):
        return False  # a handful of fixed steps, not one commit per row
    iterable = ast.unparse(loop.iter)
    if STREAM_SOURCE.search(iterable):
        return False
    if runs_at_most_once(module, call.node, loop):
        return False
    if _guarded_by_batch_condition(module, call.node, loop):
        return False
    if _isolated_per_item(module, call.node, loop):
        return False
    return True


def _guarded_by_batch_condition(module: PythonModule, node: ast.AST, loop: ast.AST) -> bool:
    """`if i % 1000 == 0: session.commit()` / `if len(pending) >= BATCH_SIZE:`."""
    for ancestor in module.ancestors(node):
        if ancestor is loop:
            return False
        if isinstance(ancestor, ast.If):
            for sub in ast.walk(ancestor.test):
                if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mod):
                    return True
                if isinstance(sub, ast.Compare) and _mentions_batch(sub):
                    return True
    return False


def _mentions_batch(compare: ast.Compare) -> bool:
    for sub in ast.walk(compare):
        if isinstance(sub, ast.Name) and BATCH_GUARD.search(sub.id):
            return True
        if isinstance(sub, ast.Attribute) and BATCH_GUARD.search(sub.attr):
            return True
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "len":
            return True
    return False


def _isolated_per_item(module: PythonModule, node: ast.AST, loop: ast.AST) -> bool:
    """try: ...; commit() except: rollback(): a deliberate transaction per item."""
    for ancestor in module.ancestors(node):
        if ancestor is loop:
            return False
        if isinstance(ancestor, ast.Try | ast.TryStar):
            for handler in ancestor.handlers:
                for sub in ast.walk(handler):
                    if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                            and sub.func.attr == "rollback"):
                        return True
    return False
