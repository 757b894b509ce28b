from __future__ import annotations

import ast
import http
import re
from collections.abc import Iterable, Iterator

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.project._helpers import handler_type_names, names, terminal, walk_body

DEFAULT_CHECKS = ["check_quota", "ensure_quota", "has_quota", "quota_available", "assert_quota",
                  "require_quota"]
DEFAULT_FIELDS = ["used", "limit", "reset"]
# Exceptions that mean "quota exhausted": QuotaExceeded, QuotaExhaustedError, UsageLimitExceeded.
QUOTA_EXCEPTION = re.compile(
    r"(quota|credit|usage)_?\w*?(exceed|exhaust|insufficient|overage|over_?limit|deplet|"
    r"reached|limit)|(exceeded|exhausted|insufficient|out_?of|no|over)_?(quota|credit)",
    re.IGNORECASE,
)
RATE_LIMIT = re.compile(r"rate_?limit|ratelimit|throttl|per_(second|minute)", re.IGNORECASE)
USED = re.compile(r"used|usage|consumed|count", re.IGNORECASE)
LIMIT = re.compile(r"limit|quota|allowance|max", re.IGNORECASE)
REMAINING = re.compile(r"remaining|left|available|credits|balance", re.IGNORECASE)
EXHAUSTED = re.compile(r"exceeded|exhausted|over_limit|over_quota|depleted", re.IGNORECASE)
QUOTA_WORDS = re.compile(r"quota|credit", re.IGNORECASE)
HTTP_CODE = re.compile(r"HTTP_(\d{3})")
# Field synonyms accepted in the detail: `usage` says what `used` says.
ALIASES = {"used": ("usage",)}


class QuotaExhaustedNot402(Rule):
    id = "quota-exhausted-not-402"
    title = "Exhausted quota not answered with 402 and its details"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.API_CONTRACT
    languages = ("python",)
    rationale = (
        "Clients tell 'quota exhausted' from other refusals by HTTP 402 and show the upgrade "
        "prompt from its body: a 403/429/400 reads as a permission or rate-limit problem, and "
        "a 402 without used, limit and reset leaves the client unable to say when it works again."
    )
    fix = (
        "Raise `HTTPException(status_code=402, detail={\"used\": ..., \"limit\": ..., "
        "\"reset_at\": ...})` (or return a 402 JSONResponse with that content)."
    )
    example = Example(
        before=(
            "if not has_quota(user):\n"
            '    raise HTTPException(status_code=403, detail="No quota")'
        ),
        after=(
            "if not has_quota(user):\n    raise HTTPException(status_code=402, detail={\n"
            '        "used": usage.used, "limit": usage.limit, "reset_at": usage.reset_at})'
        ),
    )
    references = ("https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/402",)
    skip_roles = ("test",)
    settings = {"check_calls": DEFAULT_CHECKS, "required_fields": DEFAULT_FIELDS}

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not any(_is_http_error(c.name) or _is_response(c.name) for c in module.calls):
            return
        config = module.settings(self.id, self.settings)
        checks = names(config.get("check_calls", DEFAULT_CHECKS))
        required = [str(f) for f in config.get("required_fields", DEFAULT_FIELDS)]
        seen: set[int] = set()
        for function, branch in self._branches(module, checks):
            for node, call in _responses(module, branch):
                if id(call) in seen:
                    continue
                seen.add(id(call))
                problem = _problem(module, function, call, required)
                if problem:
                    yield Match(
                        rule_id=self.id,
                        line=node.lineno,
                        end_line=node.end_lineno or node.lineno,
                        message=problem,
                        code=module.code(node),
                        scope=function.qualname if function else "",
                    )

    def _branches(self, module: PythonModule, checks: frozenset[str]
                  ) -> Iterator[tuple[FunctionInfo | None, list[ast.stmt]]]:
        for handler in module.handlers:
            if any(QUOTA_EXCEPTION.search(n) for n in handler_type_names(handler)):
                yield module.function_at(handler), handler.body
        for function in module.functions:
            if not any(_is_http_error(c.name) or _is_response(c.name) for c in function.calls):
                continue
            if _handles_quota_exception(module, function):
                yield function, function.node.body
            for node in walk_body(function.node.body):
                if isinstance(node, ast.If):
                    side = _exhausted_side(module, function, node.test, checks)
                    if side == "body":
                        yield function, node.body
                    elif side == "orelse" and not (
                        len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
                    ):
                        yield function, node.orelse


def _is_http_error(name: str) -> bool:
    return terminal(name) == "HTTPException"


def _is_response(name: str) -> bool:
    last = terminal(name)
    return last.endswith("Response") and last not in {"RedirectResponse", "TemplateResponse",
                                                      "FileResponse", "StreamingResponse"}


def _handles_quota_exception(module: PythonModule, function: FunctionInfo) -> bool:
    """`@app.exception_handler(QuotaExceeded)`: the whole handler answers an exhausted quota."""
    for decorator in function.decorator_calls:
        if terminal(module.resolve(decorator.func)) == "exception_handler" and decorator.args:
            target = decorator.args[0]
            if isinstance(target, (ast.Name, ast.Attribute)) and QUOTA_EXCEPTION.search(
                module.code(target)
            ):
                return True
    return False


def _unwrap(node: ast.expr) -> ast.expr:
    return node.value if isinstance(node, ast.Await) else node


def _exhausted_side(module: PythonModule, function: FunctionInfo, test: ast.expr,
                    checks: frozenset[str], negated: bool = False) -> str | None:
    """Which side of `if test:` runs when the quota is exhausted: "body", "orelse" or None."""
    test = _unwrap(test)
    flip = {"body": "orelse", "orelse": "body", None: None}
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return flip[_exhausted_side(module, function, test.operand, checks)]
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.And):
            sides = [_exhausted_side(module, function, v, checks) for v in test.values]
            return "body" if "body" in sides else None
        return None
    if _is_check(module, function, test, checks):
        return "orelse"
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compare_side(module, function, test)
    if isinstance(test, (ast.Name, ast.Attribute)) and EXHAUSTED.search(module.code(test)):
        if QUOTA_WORDS.search(_context(module, function, test)):
            return "body"
    return None


def _is_check(module: PythonModule, function: FunctionInfo, node: ast.expr,
              checks: frozenset[str]) -> bool:
    node = _unwrap(node)
    if isinstance(node, ast.Call):
        return terminal(module.resolve(node.func)) in checks
    if isinstance(node, ast.Name):  # allowed = await has_quota(user); if not allowed: ...
        values = module.assigned_values(function, node.id)
        return bool(values) and all(
            isinstance(_unwrap(v), ast.Call) and terminal(module.resolve(_unwrap(v).func))
            in checks for v in values
        )
    return False


def _context(module: PythonModule, function: FunctionInfo, node: ast.expr) -> str:
    """The test's source plus what its local names were assigned from."""
    parts = [module.code(node)]
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            parts.extend(module.code(v) for v in module.assigned_values(function, child.id))
    return " ".join(parts)


def _compare_side(module: PythonModule, function: FunctionInfo, test: ast.Compare) -> str | None:
    left, op, right = test.left, test.ops[0], test.comparators[0]
    context = _context(module, function, test)
    if RATE_LIMIT.search(context):
        return None
    left_code, right_code = module.code(left), module.code(right)
    if USED.search(left_code) and LIMIT.search(right_code) and (
        QUOTA_WORDS.search(context) or re.search(r"used|usage", left_code, re.IGNORECASE)
    ):
        if isinstance(op, (ast.GtE, ast.Gt)):
            return "body"
        if isinstance(op, ast.Lt):
            return "orelse"
        return None
    if REMAINING.search(left_code) and QUOTA_WORDS.search(context) and isinstance(
        right, ast.Constant
    ) and isinstance(right.value, int):
        if isinstance(op, (ast.LtE, ast.Eq)) and right.value == 0:
            return "body"
        if isinstance(op, ast.Lt) and right.value == 1:
            return "body"
        if isinstance(op, ast.Gt) and right.value == 0:
            return "orelse"
    return None


def _responses(module: PythonModule, branch: list[ast.stmt]
               ) -> Iterator[tuple[ast.stmt, ast.Call]]:
    """`raise HTTPException(...)` and `return XResponse(...)` statements in the branch."""
    for node in walk_body(branch):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            if _is_http_error(module.resolve(node.exc.func)):
                yield node, node.exc
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            if _is_response(module.resolve(node.value.func)):
                yield node, node.value


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position < len(call.args) and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    return None


def _status(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Attribute):
        found = HTTP_CODE.search(node.attr)
        if found:
            return int(found.group(1))
        if _simple_name(node.value) == "HTTPStatus":
            try:
                return http.HTTPStatus[node.attr].value
            except KeyError:
                return None
    return None


def _simple_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _problem(module: PythonModule, function: FunctionInfo | None, call: ast.Call,
             required: list[str]) -> str | None:
    name = terminal(module.resolve(call.func))
    if _is_http_error(name):
        status_node, detail = _argument(call, 0, "status_code"), _argument(call, 1, "detail")
        detail_name = "detail"
    else:
        status_node, detail = _argument(call, 1, "status_code"), _argument(call, 0, "content")
        detail_name = "content"
        if status_node is None:
            return None  # no explicit status: not what this rule judges
    status = _status(status_node)
    if status is None:
        return None
    if status != 402:
        return (
            f"`{name}` answers an exhausted quota with HTTP {status}; clients expect "
            f"402 Payment Required with {', '.join(required)} in the {detail_name}."
        )
    keys = _detail_keys(module, function, detail, depth=2)
    if keys is None:
        return None
    missing = [f for f in required if not _has_field(f, keys)]
    if not missing:
        return None
    return (
        f"`{name}` returns 402 for an exhausted quota but its {detail_name} lacks "
        f"{', '.join(missing)}; include {', '.join(required)} so the client can explain "
        "the limit and when it resets."
    )


def _has_field(field: str, keys: set[str]) -> bool:
    wanted = (field.lower(), *ALIASES.get(field.lower(), ()))
    return any(w in key for key in keys for w in wanted)


def _detail_keys(module: PythonModule, function: FunctionInfo | None, node: ast.expr | None,
                 depth: int) -> set[str] | None:
    """Lower-cased keys/names the detail carries; None when it cannot be known statically."""
    if node is None:
        return set()
    if isinstance(node, ast.Constant):
        return set()
    if isinstance(node, ast.Dict):
        keys: set[str] = set()
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                return None  # **spread: unknown content
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value.lower())
            nested = _detail_keys(module, function, value, depth) if isinstance(
                value, ast.Dict) else set()
            if nested is None:
                return None
            keys |= nested
        return keys
    if isinstance(node, ast.JoinedStr):
        found: set[str] = set()
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                found |= {n.lower() for n in re.findall(r"\w+", module.code(value.value))}
        return found
    if isinstance(node, ast.Call):
        if any(kw.arg is None for kw in node.keywords):
            return None
        if node.keywords:  # dict(used=...), QuotaDetail(used=..., limit=..., reset_at=...)
            return {kw.arg.lower() for kw in node.keywords if kw.arg}
        callee = terminal(module.resolve(node.func))
        if callee in {"dumps", "jsonable_encoder"} and node.args:
            return _detail_keys(module, function, node.args[0], depth)
        return None
    if isinstance(node, ast.Name) and depth > 0 and function is not None:
        values = [v for v in module.assigned_values(function, node.id)
                  if v.lineno <= node.lineno]
        if not values:
            return None
        return _detail_keys(module, function, values[-1], depth - 1)
    return None
