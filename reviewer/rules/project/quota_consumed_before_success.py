from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.project._helpers import (
    contains,
    failure_branch,
    handler_type_names,
    in_block,
    in_transaction_with,
    names,
    position,
    protected_name,
    runs_later,
)

DEFAULT_PROTECTED = ["run_ocr", "ocr_page", "perform_ocr", "sync_to_notion", "sync_pages",
                     "sync_page"]
DEFAULT_CONSUME = ["consume_quota", "increment_usage", "record_usage", "decrement_quota",
                   "use_quota"]
DEFAULT_REFUND = ["refund_quota", "release_quota", "restore_quota", "rollback_usage",
                  "credit_quota"]


class QuotaConsumedBeforeSuccess(Rule):
    id = "quota-consumed-before-success"
    title = "Quota consumed before the paid operation succeeded"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.CORRECTNESS
    languages = ("python",)
    rationale = (
        "Usage recorded before OCR or a Notion sync has succeeded, or recorded in an `except` "
        "or `finally` branch, charges the user for work that failed: support tickets and "
        "refunds follow, and a flaky upstream drains quotas on retries."
    )
    fix = (
        "Record usage only on the success path: after the protected call returned (or in the "
        "`try`'s `else`), or reserve first and refund in the `except` branch."
    )
    example = Example(
        before="consume_quota(user, 'ocr')\ntext = await run_ocr(page)",
        after="text = await run_ocr(page)\nconsume_quota(user, 'ocr')",
    )
    skip_roles = ("test",)
    settings = {
        "protected_calls": DEFAULT_PROTECTED,
        "consume_calls": DEFAULT_CONSUME,
        "refund_calls": DEFAULT_REFUND,
    }

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        config = module.settings(self.id, self.settings)
        protected = names(config.get("protected_calls", DEFAULT_PROTECTED))
        consume = names(config.get("consume_calls", DEFAULT_CONSUME))
        refund = names(config.get("refund_calls", DEFAULT_REFUND))
        consumers = [c for c in module.calls if c.function is not None and c.attr in consume]
        if not consumers:
            return
        for call in consumers:
            function = call.function
            assert function is not None
            operations = [c.node for c in function.calls if protected_name(c, protected)]
            if not operations:
                continue
            problem = None
            callee = module.code(call.node.func)
            branch = failure_branch(module, call.node)
            if branch is not None:
                try_node, kind, block = branch
                where = position(call.node)
                retried = any(in_block(module, block, op) and position(op) < where
                              for op in operations)
                if any(in_block(module, try_node.body, op) for op in operations) and not (
                    retried or (kind == "except" and _partial_success(module, call.node))
                ):
                    what = "an `except` branch" if kind == "except" else "a `finally` block"
                    problem = (
                        f"`{callee}()` records usage in {what} around the paid operation: "
                        "the user is charged when it fails; record usage only after it "
                        "succeeded."
                    )
            elif self._before(module, call, operations, function, refund):
                first = min((op for op in operations if position(op) > position(call.node)),
                            key=position)
                problem = (
                    f"`{callee}()` records usage before `{module.code(first.func)}()` has "
                    "run: a failure still costs the user quota; move it after the call "
                    "succeeded (or refund in an `except` branch)."
                )
            if problem:
                yield Match(
                    rule_id=self.id,
                    line=call.node.lineno,
                    end_line=call.node.end_lineno or call.node.lineno,
                    message=problem,
                    code=module.code(call.node),
                    scope=call.scope,
                )

    def _before(self, module, call, operations, function, refund) -> bool:
        where = position(call.node)
        later = [op for op in operations if position(op) > where]
        if not later:
            return False
        if any(c.attr in refund or "refund" in c.attr.lower() for c in function.calls):
            return False  # reserve-then-refund: a deliberate pattern
        if in_transaction_with(module, call.node, later):
            return False  # rolled back with the transaction when the operation raises
        statement = module.enclosing_statement(call.node)
        if any(contains(module, statement, op) for op in later):
            # `if consume_quota(user): run_ocr(page)`: the header runs before the body.
            header = _header(statement)
            if header and any(contains(module, h, call.node) for h in header):
                body = getattr(statement, "body", [])
                return any(in_block(module, body, op) for op in later)
            return False  # one expression: evaluation order is not worth guessing
        return runs_later(module, statement, later)


def _header(statement: ast.stmt) -> list[ast.AST]:
    """The parts of a compound statement evaluated before its body."""
    if isinstance(statement, (ast.If, ast.While)):
        return [statement.test]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return list(statement.items)
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return [statement.iter]
    return []


def _partial_success(module: PythonModule, node: ast.AST) -> bool:
    """`except PartialSyncError as e: record_usage(user, e.synced)` bills what did sync."""
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, ast.ExceptHandler):
            return any("partial" in name.lower() for name in handler_type_names(ancestor))
    return False
