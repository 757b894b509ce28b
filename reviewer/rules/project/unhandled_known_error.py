from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.project._helpers import (
    ancestors_in_function,
    handler_type_names,
    in_block,
    names,
    terminal,
    use_sites,
)

DEFAULT_CALLS = {
    "blocks.update": ["APIResponseError", "archived"],
    "pages.update": ["APIResponseError", "archived"],
}
DEFAULT_DECORATORS = ["handle_archived", "notion_errors"]
ID_KEYWORDS = frozenset({"block_id", "page_id"})


class UnhandledKnownError(Rule):
    id = "unhandled-known-error"
    title = "External call without handling its known error"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.RELIABILITY
    cwe = 755
    languages = ("python",)
    rationale = (
        "Some upstream calls fail in a known, expected way: Notion rejects updates to an "
        "archived page or block with `APIResponseError`. Left unhandled, one archived block "
        "aborts the whole sync and the job retries it forever."
    )
    fix = (
        "Wrap the call in `try/except APIResponseError` and handle the archived case (skip, "
        "unarchive or mark the page), or route it through the `@handle_archived` helper."
    )
    example = Example(
        before="await notion.blocks.update(block_id=block_id, paragraph=body)",
        after=(
            "try:\n    await notion.blocks.update(block_id=block_id, paragraph=body)\n"
            "except APIResponseError as error:\n    if 'archived' not in str(error):\n"
            "        raise\n    mark_block_archived(block_id)"
        ),
    )
    references = ("https://developers.notion.com/reference/errors",)
    skip_roles = ("test",)
    settings = {"calls": DEFAULT_CALLS, "handler_decorators": DEFAULT_DECORATORS}

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        config = module.settings(self.id, self.settings)
        table = config.get("calls", DEFAULT_CALLS)
        if not isinstance(table, dict) or not table:
            return
        known = {str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
                 for k, v in table.items()}
        decorators = [d.lower() for d in names(config.get("handler_decorators",
                                                          DEFAULT_DECORATORS))]
        guard = _Guard(module, decorators)
        notion = module.imports("notion_client")
        for call in module.calls:
            key = _configured(call.name, known)
            if key is None or not _is_client_call(call, key, notion):
                continue
            markers = known[key]
            if guard.handled(call, markers):
                continue
            if call.function is not None and guard.callers_handled(call.function, markers, 2):
                continue
            yield Match(
                rule_id=self.id,
                line=call.node.lineno,
                end_line=call.node.end_lineno or call.node.lineno,
                message=_message(module.code(call.node.func), markers),
                code=module.code(call.node),
                scope=call.scope,
            )


def _message(callee: str, markers: list[str]) -> str:
    errors = [m for m in markers if m[:1].isupper()] or ["its known error"]
    hints = [m for m in markers if not m[:1].isupper()]
    why = f" (e.g. the target is {' / '.join(hints)})" if hints else ""
    return (
        f"`{callee}()` can raise {' or '.join(errors)}{why} and nothing handles it here; "
        f"wrap it in `try/except {errors[0]}` and deal with that case."
    )


def _configured(name: str, known: dict[str, list[str]]) -> str | None:
    for key in known:
        if name == key or name.endswith("." + key):
            return key
    return None


def _is_client_call(call: CallSite, key: str, notion: bool) -> bool:
    """Tell `notion.blocks.update(block_id=...)` from `blocks.update(other_dict)`."""
    keywords = call.node.keywords
    if not keywords:
        return False  # the SDK takes everything but the id as keywords; dict.update does not
    if any(kw.arg in ID_KEYWORDS for kw in keywords) or notion:
        return True
    receiver = call.name[: -len(key)].lower()
    return "notion" in receiver or "client" in receiver


class _Guard:
    def __init__(self, module: PythonModule, decorators: list[str]) -> None:
        self.module = module
        self.decorators = decorators

    def _decorated(self, function: FunctionInfo | None) -> bool:
        while function is not None:
            if any(marker in d.lower() for d in function.decorators for marker in
                   self.decorators):
                return True
            function = function.parent
        return False

    def _catches(self, handler: ast.ExceptHandler, markers: list[str]) -> bool:
        if set(handler_type_names(handler)) & set(markers):
            return True
        text = self.module.code(handler).lower()
        return any(marker.lower() in text for marker in markers)

    def handled(self, call: CallSite, markers: list[str]) -> bool:
        if self._decorated(call.function):
            return True
        for ancestor in ancestors_in_function(self.module, call.node):
            if isinstance(ancestor, (ast.Try, ast.TryStar)) and in_block(
                self.module, ancestor.body, call.node
            ):
                if any(self._catches(h, markers) for h in ancestor.handlers):
                    return True
            elif isinstance(ancestor, (ast.With, ast.AsyncWith)):
                for item in ancestor.items:
                    expr = item.context_expr
                    if isinstance(expr, ast.Call) and terminal(
                        self.module.resolve(expr.func)
                    ) == "suppress" and any(
                        isinstance(a, (ast.Name, ast.Attribute))
                        and terminal(self.module.code(a)) in markers
                        for a in expr.args
                    ):
                        return True
        return False

    def callers_handled(self, function: FunctionInfo, markers: list[str], depth: int) -> bool:
        """Every call of this helper in the module is itself inside such a handler."""
        sites = use_sites(self.module, function)
        if not sites:
            return False
        for site in sites:
            if self.handled(site, markers):
                continue
            caller = site.function
            if depth > 0 and caller is not None and caller is not function and (
                self.callers_handled(caller, markers, depth - 1)
            ):
                continue
            return False
        return True
