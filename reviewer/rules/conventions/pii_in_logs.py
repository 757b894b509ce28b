from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule, dotted_name
from reviewer.rules.base import Example, Rule
from reviewer.rules.conventions._names import classify

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "fatal", "log", "msg", "trace", "success", "bind"})
LOGGER = re.compile(
    r"^_*(?:[a-z0-9_]*_)?(?:log|logger|logging|structlog|loguru|getlogger|get_logger|"
    r"get_task_logger)$",
    re.IGNORECASE,
)
# Calls on a logger that return a logger: `logger.bind(...).info(...)`.
LOGGER_FACTORIES = frozenset({"bind", "opt", "new", "patch", "with_fields", "child",
                              "getChild", "getLogger", "get_logger"})
PRINTS = frozenset({"print", "rich.print", "pprint.pprint", "pprint.pp"})
NOT_LOGGED_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "stack_level"})
REQUEST = re.compile(r"^(?:self\.)?(?:request|req|http_request|flask\.request)$")
REQUEST_PAYLOAD = frozenset({"headers", "body", "data", "json", "form", "POST", "cookies",
                             "META", "stream", "files"})
REQUEST_READERS = frozenset({"json", "body", "form", "get_json", "get_data", "read",
                             "data"})
# Calls that hand their argument through unchanged (for the log line's purposes).
PASSTHROUGH = frozenset({"str", "repr", "dict", "list", "tuple", "format", "dumps", "pformat",
                         "jsonable_encoder", "model_dump", "to_dict"})
PASSTHROUGH_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "title",
                                 "casefold", "decode", "encode", "get_secret_value",
                                 "format"})
LOOKUPS = frozenset({"get", "getenv", "pop", "getattr", "getlist", "get_header"})
MASKING = re.compile(
    r"mask|redact|hash|sha\d|md5|blake|obfuscat|anonymi|scrub|saniti|censor|truncat|hmac|"
    r"encrypt|digest|hide|fingerprint|partial|last_?four|last4|^len$|^bool$|^type$|^id$|"
    r"^isinstance$|^count$|^hexdigest$",
    re.IGNORECASE,
)
# Holders of a person's record: their `.address` is personal.
PERSON = re.compile(r"(?:^|_)(user|customer|person|profile|patient|member|client|contact|"
                    r"employee|owner|buyer|recipient|account|shipping|billing)$", re.IGNORECASE)
VALUE_ATTRIBUTES = frozenset({"data", "value", "text", "raw", "plain", "cleaned"})


@dataclass(frozen=True, slots=True)
class Leak:
    kind: str  # secret, personal, request
    what: str


class PiiInLogs(Rule):
    id = "pii-in-logs"
    title = "Secret or personal data written to logs"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 532
    languages = ("python",)
    rationale = (
        "Logs are copied to aggregators, tickets and laptops and kept for months, with far "
        "wider access than the database. Passwords, tokens, card numbers or a person's email "
        "and phone written there leak credentials and breach privacy rules (GDPR, PCI DSS)."
    )
    fix = (
        "Log an identifier (user id, request id) or a masked form instead of the value; never "
        "log credentials or whole request headers and bodies."
    )
    example = Example(
        before='logger.info("login for %s with password %s", user.email, password)',
        after='logger.info("login for user %s", user.id)',
    )
    references = (
        "https://cwe.mitre.org/data/definitions/532.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html",
    )
    skip_roles = ("test", "migration")

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        script = module.kind is not None and module.kind.role == "script"
        for call in module.calls:
            if call.name in PRINTS:
                if script:
                    continue  # a command-line tool printing to its operator
                sink = "print()"
                values = [(None, a) for a in call.node.args]
            elif _is_log_call(call):
                sink = f"{call.name.replace('()', '(...)')}()"
                values = _log_values(call)
            else:
                continue
            leak = _first_leak(module, values)
            if leak is None:
                continue
            yield Match(
                rule_id=self.id,
                line=call.node.lineno,
                end_line=call.node.end_lineno or call.node.lineno,
                message=_message(sink, leak),
                code=module.code(call.node),
                scope=call.scope,
            )


def _message(sink: str, leak: Leak) -> str:
    if leak.kind == "secret":
        return f"`{sink}` writes the secret `{leak.what}` to the logs; never log credentials."
    if leak.kind == "request":
        return (f"`{sink}` writes the whole `{leak.what}` to the logs; it carries credentials "
                "and personal data.")
    return (f"`{sink}` writes personal data (`{leak.what}`) to the logs; log an identifier "
            "or a masked value instead.")


def _is_log_call(call: CallSite) -> bool:
    if call.attr not in LOG_METHODS or not isinstance(call.node.func, ast.Attribute):
        return False
    receiver = call.node.func.value
    for _ in range(3):
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute | ast.Name):
            func = receiver.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id
            if name in LOGGER_FACTORIES and isinstance(func, ast.Attribute):
                receiver = func.value
                continue
            return bool(LOGGER.match(name))
        break
    name = dotted_name(receiver).rsplit(".", 1)[-1] if dotted_name(receiver) else ""
    return bool(name and LOGGER.match(name))


def _log_values(call: CallSite) -> list[tuple[str | None, ast.expr]]:
    args = list(call.node.args)
    if call.attr == "log" and args:
        args = args[1:]  # the level
    if call.attr == "bind":
        args = []
    values: list[tuple[str | None, ast.expr]] = [(None, a) for a in args]
    for keyword in call.node.keywords:
        if keyword.arg in NOT_LOGGED_KEYWORDS:
            continue
        if keyword.arg == "extra":
            values.append((None, keyword.value))
        else:
            values.append((keyword.arg, keyword.value))
    return values


def _first_leak(module: PythonModule, values: list[tuple[str | None, ast.expr]]) -> Leak | None:
    for label, value in values:
        if label is not None:
            kind = classify(label)
            if kind and _is_raw(value):
                return Leak(kind, label)
        leak = _leak(module, value, 0)
        if leak is not None:
            return leak
    return None


def _is_raw(node: ast.expr) -> bool:
    """The value itself (not a literal, a length, a mask or a test of it)."""
    match node:
        case ast.Name() | ast.Attribute() | ast.Await() | ast.Starred():
            return True
        case ast.Subscript(slice=index):
            return not isinstance(index, ast.Slice)
        case ast.JoinedStr(values=parts):
            return any(isinstance(p, ast.FormattedValue) and _is_raw(p.value) for p in parts)
        case ast.Call(func=func, args=args):
            name = _callee(func)
            if MASKING.search(name):
                return False
            if name in PASSTHROUGH:
                return any(_is_raw(a) for a in args)
            if name in PASSTHROUGH_METHODS and isinstance(func, ast.Attribute):
                return _is_raw(func.value)
            return name in LOOKUPS
    return False


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _leak(module: PythonModule, node: ast.expr, depth: int) -> Leak | None:
    if depth > 6:
        return None
    match node:
        case ast.JoinedStr(values=parts):
            for part in parts:
                if isinstance(part, ast.FormattedValue):
                    found = _leak(module, part.value, depth + 1)
                    if found:
                        return found
        case ast.BinOp(left=left, right=right):
            return _leak(module, left, depth + 1) or _leak(module, right, depth + 1)
        case ast.Tuple(elts=items) | ast.List(elts=items) | ast.Set(elts=items):
            for item in items:
                found = _leak(module, item, depth + 1)
                if found:
                    return found
        case ast.Dict(keys=keys, values=items):
            for key, item in zip(keys, items, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    kind = classify(key.value)
                    if kind and _is_raw(item):
                        return Leak(kind, key.value)
                found = _leak(module, item, depth + 1)
                if found:
                    return found
        case ast.Await(value=inner) | ast.Starred(value=inner):
            return _leak(module, inner, depth + 1)
        case ast.IfExp(body=body, orelse=orelse):
            return _leak(module, body, depth + 1) or _leak(module, orelse, depth + 1)
        case ast.Name(id=name):
            kind = classify(name)
            if kind and not _loop_token(module, node):
                return Leak(kind, name)
        case ast.Attribute():
            return _attribute_leak(module, node)
        case ast.Subscript(value=value, slice=index):
            if isinstance(index, ast.Slice):
                return None  # a prefix or suffix: the masked form
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                kind = classify(index.value)
                return Leak(kind, module.code(node)) if kind else None
            return _leak(module, value, depth + 1)
        case ast.Call():
            return _call_leak(module, node, depth)
    return None


def _attribute_leak(module: PythonModule, node: ast.Attribute) -> Leak | None:
    holder = dotted_name(node.value)
    if node.attr in REQUEST_PAYLOAD and REQUEST.match(holder):
        return Leak("request", module.code(node))
    kind = classify(node.attr)
    if kind:
        return Leak(kind, module.code(node))
    if node.attr.lower() == "address" and PERSON.search(holder.rsplit(".", 1)[-1]):
        return Leak("personal", module.code(node))
    if node.attr in VALUE_ATTRIBUTES and isinstance(node.value, ast.Attribute):
        inner = classify(node.value.attr)
        if inner:
            return Leak(inner, module.code(node))
    return None


def _call_leak(module: PythonModule, node: ast.Call, depth: int) -> Leak | None:
    func = node.func
    name = _callee(func)
    if not name or MASKING.search(name):
        return None
    if isinstance(func, ast.Attribute):
        holder = dotted_name(func.value)
        if name in REQUEST_READERS and REQUEST.match(holder):
            return Leak("request", module.code(node))
    if name in LOOKUPS:
        position = 1 if name == "getattr" else 0
        if len(node.args) > position:
            key = node.args[position]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                kind = classify(key.value)
                return Leak(kind, module.code(node)) if kind else None
        return None
    if name in PASSTHROUGH:
        for argument in node.args:
            found = _leak(module, argument, depth + 1)
            if found:
                return found
        for keyword in node.keywords:
            if keyword.arg and classify(keyword.arg) and _is_raw(keyword.value):
                return Leak(classify(keyword.arg) or "secret", keyword.arg)
            found = _leak(module, keyword.value, depth + 1)
            if found:
                return found
        return None
    if name in PASSTHROUGH_METHODS and isinstance(func, ast.Attribute):
        return _leak(module, func.value, depth + 1)
    return None


def _loop_token(module: PythonModule, node: ast.Name) -> bool:
    """`for token in tokens: print(token)`: a lexer's token, not a credential."""
    if node.id.lower() not in ("token", "tok"):
        return False
    for ancestor in module.ancestors(node):
        targets: list[ast.expr] = []
        if isinstance(ancestor, ast.For | ast.AsyncFor):
            targets = [ancestor.target]
        elif isinstance(ancestor, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            targets = [g.target for g in ancestor.generators]
        for target in targets:
            if any(isinstance(n, ast.Name) and n.id == node.id for n in ast.walk(target)):
                return True
    return False
