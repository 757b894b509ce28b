from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule

BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
# Best-effort cleanup: failing to close or release something already being torn down is
# routinely ignored on purpose.
CLEANUP = frozenset({
    "close", "aclose", "unlink", "remove", "rmtree", "rmdir", "shutdown", "kill", "terminate",
    "cancel", "disconnect", "quit", "release", "cleanup", "dispose", "unregister", "stop",
    "wait_closed", "join", "logout", "detach",
})
CLEANUP_FUNCTION = re.compile(r"^__(del|exit|aexit)__$|close|cleanup|teardown|shutdown|dispose",
                              re.IGNORECASE)


class SwallowedException(Rule):
    id = "swallowed-exception"
    title = "Broad exception swallowed silently"
    severity = Severity.MEDIUM
    category = Category.RELIABILITY
    cwe = 390
    languages = ("python",)
    rationale = (
        "`except Exception: pass` hides every failure in the block, including bugs and "
        "outages: the code carries on with missing data and nobody learns why, because "
        "nothing is logged or reported."
    )
    fix = (
        "Catch the specific exceptions you expect; otherwise log with `logger.exception(...)`, "
        "report it, or re-raise. Use `contextlib.suppress(SpecificError)` for intended no-ops."
    )
    example = Example(
        before="try:\n    sync_account(account)\nexcept Exception:\n    pass",
        after=(
            "try:\n    sync_account(account)\nexcept Exception:\n"
            '    logger.exception("sync failed for %s", account.id)'
        ),
    )
    references = ("https://cwe.mitre.org/data/definitions/390.html",)
    skip_roles = ("test",)

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        for handler in module.handlers:
            caught = _broad_type(module, handler)
            if caught is None or not _swallows(handler):
                continue
            if _is_cleanup(module, handler):
                continue
            function = module.function_at(handler)
            what = _describe(handler)
            yield Match(
                rule_id=self.id,
                line=handler.lineno,
                end_line=handler.end_lineno or handler.lineno,
                message=(
                    f"`{caught}` catches every error and {what} without logging, re-raising "
                    "or reporting it: failures here vanish silently."
                ),
                code=_header(handler),
                scope=function.qualname if function else "",
            )


def _broad_type(module: PythonModule, handler: ast.ExceptHandler) -> str | None:
    if handler.type is None:
        return "except:"
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for kind in types:
        if module.resolve(kind) in BROAD:
            return f"except {ast.unparse(handler.type)}"
    return None


def _swallows(handler: ast.ExceptHandler) -> bool:
    """Nothing in the body but pass / continue / break / return None / print(...)."""
    for statement in handler.body:
        match statement:
            case ast.Pass() | ast.Continue() | ast.Break():
                continue
            case ast.Return(value=None) | ast.Return(value=ast.Constant(value=None)):
                continue
            case ast.Expr(value=ast.Constant()):
                continue  # docstring-like comment or `...`
            case ast.Expr(value=ast.Call(func=ast.Name(id="print"))):
                continue  # print is not error reporting
            case _:
                return False
    return True


def _is_cleanup(module: PythonModule, handler: ast.ExceptHandler) -> bool:
    """`try: conn.close() except Exception: pass`, teardown code, and error paths."""
    attempt = module.parent(handler)
    if isinstance(attempt, ast.Try | ast.TryStar) and attempt.body and all(
        isinstance(s, ast.Expr) and _cleanup_call(s.value) for s in attempt.body
    ):
        return True
    function = module.function_at(handler)
    if function is not None and CLEANUP_FUNCTION.search(function.name):
        return True
    # Inside another handler or a `finally:`: best effort while already failing.
    child: ast.AST = attempt
    for ancestor in module.ancestors(attempt):
        if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return False
        if isinstance(ancestor, ast.ExceptHandler):
            return True
        if isinstance(ancestor, ast.Try | ast.TryStar) and any(
                s is child for s in ancestor.finalbody):
            return True
        child = ancestor
    return False


def _cleanup_call(node: ast.expr) -> bool:
    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in CLEANUP or "close" in name.lower()


def _describe(handler: ast.ExceptHandler) -> str:
    kinds = {type(s) for s in handler.body}
    if ast.Continue in kinds:
        return "continues"
    if ast.Break in kinds:
        return "breaks out"
    if ast.Return in kinds:
        return "returns None"
    if ast.Expr in kinds:
        return "only prints"
    return "passes"


def _header(handler: ast.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    name = f" as {handler.name}" if handler.name else ""
    return f"except {ast.unparse(handler.type)}{name}:"
