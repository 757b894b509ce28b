from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.project._helpers import (
    expression_names,
    names,
    position,
    protected_name,
    use_sites,
)

# Names of dependencies / decorators that enforce a quota (not ones that merely inject a
# quota service): `require_ocr_quota`, `enforce_quota`, `QuotaCheckedUser`, `quota_guard`.
QUOTA_GUARD = re.compile(
    r"(require|ensure|check|enforce|assert|guard|verify|limit)\w*quota|"
    r"quota\w*(guard|check|require|enforce|limit)",
    re.IGNORECASE,
)
DEFAULT_PROTECTED = ["run_ocr", "ocr_page", "perform_ocr", "sync_to_notion", "sync_pages",
                     "sync_page"]
DEFAULT_CHECKS = ["check_quota", "ensure_quota", "has_quota", "quota_available", "assert_quota",
                  "require_quota"]


class QuotaCheckMissing(Rule):
    id = "quota-check-missing"
    title = "Paid operation runs without a quota check"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.CORRECTNESS
    cwe = 770
    languages = ("python",)
    rationale = (
        "OCR and Notion sync cost money per call and are limited by each user's quota. "
        "A code path that reaches them without checking the quota first lets a user run "
        "paid work past their plan, and the bill lands on us."
    )
    fix = (
        "Check the quota (e.g. `check_quota(user)` or a `@requires_quota` decorator / "
        "`Depends(require_quota)`) before the protected call in the same function."
    )
    example = Example(
        before="async def ocr(page_uuid, user):\n    return await run_ocr(page_uuid)",
        after=(
            "async def ocr(page_uuid, user):\n    await check_quota(user, 'ocr')\n"
            "    return await run_ocr(page_uuid)"
        ),
    )
    skip_roles = ("test",)
    settings = {"protected_calls": DEFAULT_PROTECTED, "check_calls": DEFAULT_CHECKS}

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        config = module.settings(self.id, self.settings)
        protected = names(config.get("protected_calls", DEFAULT_PROTECTED))
        checks = names(config.get("check_calls", DEFAULT_CHECKS))
        sites = [(c, op) for c in module.calls
                 if c.function is not None and (op := protected_name(c, protected))]
        if not sites:
            return
        checker = _Checker(module, protected, checks)
        # Operations this module defines with their own check (`async def run_ocr(...):
        # await check_quota(...)`): calling them is checked already.
        self_checking = {(f.class_name, f.name) for f in module.functions
                         if f.name in protected and f.parent is None and checker.checks_inside(f)}
        for call, operation in sites:
            function = call.function
            assert function is not None
            if _local_target(module, call, function) in self_checking:
                continue
            if checker.guarded(function, call.node) or checker.callers_guarded(function, 2):
                continue
            configured = config.get("check_calls", DEFAULT_CHECKS)
            example = configured[0] if isinstance(configured, list) and configured else (
                "check_quota")
            late = any(c.attr in checks for c in function.calls)
            yield Match(
                rule_id=self.id,
                line=call.node.lineno,
                end_line=call.node.end_lineno or call.node.lineno,
                message=(
                    f"`{module.code(call.node.func)}()` runs the paid operation `{operation}` "
                    f"but `{function.name}` "
                    + ("checks the quota only after it" if late else "never checks the quota")
                    + f"; call `{example}()` (or another configured check) before it."
                ),
                code=module.code(call.node),
                scope=call.scope,
            )


def _local_target(module: PythonModule, call: CallSite,
                  function: FunctionInfo) -> tuple[str | None, str] | None:
    """(class, name) of the definition in this module that the call runs, if it is one."""
    receiver, _, name = call.name.rpartition(".")
    if not receiver:
        return None if name in module.aliases else (None, name)
    if receiver in {"self", "cls"}:
        owner: FunctionInfo | None = function
        while owner is not None and owner.class_name is None:
            owner = owner.parent
        return (owner.class_name, name) if owner is not None else None
    return None


class _Checker:
    def __init__(self, module: PythonModule, protected: frozenset[str],
                 checks: frozenset[str]) -> None:
        self.module = module
        self.protected = protected
        self.checks = checks

    def _quota_name(self, name: str) -> bool:
        return name in self.checks or bool(QUOTA_GUARD.search(name))

    def checks_inside(self, function: FunctionInfo) -> bool:
        return any("quota" in name.lower() for name in function.decorators) or any(
            call.attr in self.checks for call in function.calls
        )

    def guarded(self, function: FunctionInfo, node: ast.AST) -> bool:
        """A check runs before `node` in `function`, or the function is checked as a whole."""
        if function.name in self.checks or function.name in self.protected:
            return True  # the check helper itself, or a thin wrapper named like the operation
        if any("quota" in name.lower() for name in function.decorators):
            return True
        # `@router.post(..., dependencies=[Depends(require_quota)])`,
        # `user: Annotated[User, Depends(require_quota)]`, `_=Depends(ensure_quota)`.
        args = function.node.args
        annotated = [*function.node.decorator_list, *args.defaults,
                     *(d for d in args.kw_defaults if d is not None),
                     *(a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)
                       if a.annotation is not None)]
        if any(self._quota_name(n) for expr in annotated for n in expression_names(expr)):
            return True
        where = position(node)
        if any(call.attr in self.checks and position(call.node) < where
               for call in function.calls):
            return True
        parent = function.parent
        return parent is not None and self.guarded(parent, function.node)

    def callers_guarded(self, function: FunctionInfo, depth: int) -> bool:
        """Every place this module runs the function checked the quota before it."""
        sites = use_sites(self.module, function)
        if not sites:
            return False
        for site in sites:
            caller = site.function
            if caller is None:
                return False
            if self.guarded(caller, site.node):
                continue
            if depth > 0 and caller is not function and self.callers_guarded(caller, depth - 1):
                continue
            return False
        return True
