from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import (
    assigned,
    is_literal,
    own_nodes,
    string_value,
    words,
)

# Function names that check an incoming caller (not client code that builds auth headers).
AUTH_VERBS = frozenset({
    "authenticate", "authenticated", "authorize", "authorized", "authorise", "authorised",
    "authentication", "authorization", "permission", "permissions", "guard", "auth", "authn",
    "authz",
})
CHECK_VERBS = frozenset({
    "verify", "check", "validate", "require", "requires", "required", "ensure", "enforce",
    "is", "has", "can", "protect", "protected",
})
CHECKED_THINGS = frozenset({
    "token", "key", "apikey", "jwt", "signature", "auth", "credentials", "credential",
    "secret", "password", "webhook", "hmac", "user", "access", "admin", "request", "caller",
    "api", "basic", "bearer", "login", "staff", "superuser", "scope", "scopes", "role",
    "roles", "internal", "service",
})
CLIENT_WORDS = frozenset({
    "header", "headers", "client", "fetch", "refresh", "obtain", "issue", "create",
    "generate", "build", "make", "encode", "send", "sign", "init", "rotate", "store", "save",
    "cache", "cached", "load", "log", "format", "url", "render",
})
AUTH_CLASS_THINGS = frozenset({
    "auth", "authentication", "authorization", "permission", "permissions", "apikey", "key",
    "token", "jwt", "signature", "bearer", "hmac", "webhook",
})
AUTH_CLASS_ROLES = frozenset({
    "middleware", "permission", "permissions", "backend", "authentication", "guard", "bearer",
    "verifier", "validator", "dependency", "required", "has", "is", "auth", "check", "checker",
})
SETTING_CONTAINERS = frozenset({
    "settings", "config", "conf", "cfg", "configuration", "app_settings", "environ", "env",
    "app_config", "options",
})
ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
# python-decouple's `config("API_KEY")`, django-environ's `env("API_KEY")`.
ENV_FUNCTIONS = frozenset({"decouple.config", "config", "env"})
CONFIG_GETTERS = frozenset({"get", "str", "bool", "list", "getenv", "get_secret"})
# Settings whose absence means "no credential to check against".
CREDENTIAL_WORDS = frozenset({
    "key", "keys", "secret", "secrets", "token", "tokens", "password", "passwd", "jwks",
    "cert", "hmac", "signing", "apikey", "credentials", "credential", "auth", "authentication",
    "htpasswd",
})
# `AUTH_HEADER_NAME`, `JWT_ALGORITHM`: settings about the credential, not the credential.
NOT_CREDENTIAL_LAST = frozenset({
    "header", "name", "url", "uri", "prefix", "scheme", "type", "algorithm", "algorithms",
    "path", "file", "ttl", "expiry", "expires", "lifetime", "length", "timeout", "location",
    "cookie", "field", "param", "id",
})
DISABLE_WORDS = frozenset({"disable", "disabled", "skip", "bypass", "no", "off", "insecure"})
AUTH_WORDS = frozenset({
    "auth", "authentication", "authorization", "login", "security", "verification", "verify",
    "permission", "permissions", "signature", "apikey", "token", "jwt",
})
TRUE_STRINGS = frozenset({"1", "true", "yes", "on", "y", "t"})
PASS_THROUGH = frozenset({
    "call_next", "get_response", "app", "f", "fn", "func", "function", "view", "view_func",
    "view_function", "wrapped", "handler", "next", "callback", "endpoint", "original",
})
DENY_CALL = re.compile(
    r"response|abort|redirect|error|deny|denied|unauthori[sz]ed|forbidden|reject|fail|"
    r"challenge|anonymous|guest|exception", re.IGNORECASE,
)
ANONYMOUS = re.compile(r"anonymous|anon|guest|unauthenticated", re.IGNORECASE)
DENY_STATUS = frozenset({401, 403, 500, 503})


class AuthBypassOnMissingSetting(Rule):
    id = "auth-bypass-on-missing-setting"
    title = "Authentication skipped when a setting is missing"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 287
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "An auth check that lets every request through when its key or secret is unset "
        "fails open: one missing environment variable in a deploy, a renamed setting or an "
        "empty secret silently turns authentication off in production."
    )
    fix = (
        "Fail closed: refuse to start (or answer 500/503) when the credential setting is "
        "missing, and keep an explicit, loudly-logged opt-out for local development only."
    )
    example = Example(
        before=(
            "def verify_api_key(key: str = Header(None)):\n"
            "    if not settings.API_KEY:\n"
            "        return True\n"
            "    if key != settings.API_KEY:\n"
            "        raise HTTPException(401)"
        ),
        after=(
            "def verify_api_key(key: str = Header(None)):\n"
            "    if not settings.API_KEY:\n"
            "        raise HTTPException(503, \"API key not configured\")\n"
            "    if not hmac.compare_digest(key or \"\", settings.API_KEY):\n"
            "        raise HTTPException(401)"
        ),
    )
    references = (
        "https://cwe.mitre.org/data/definitions/287.html",
        "https://cwe.mitre.org/data/definitions/636.html",
    )
    # Extra function names the project uses for its auth checks.
    settings = {"auth_functions": []}

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        extra = set(module.settings(self.id, self.settings).get("auth_functions", []))
        for function in module.functions:
            if function.name not in extra and not _auth_function(function):
                continue
            nodes = own_nodes(function)
            raises_elsewhere = any(_denies(module, n) for n in nodes
                                   if isinstance(n, ast.Raise | ast.Call))
            for node in nodes:
                if not isinstance(node, ast.If):
                    continue
                message = _bypass(module, function, node, raises_elsewhere)
                if message:
                    yield Match(
                        rule_id=self.id,
                        line=node.lineno,
                        end_line=node.body[-1].end_lineno or node.lineno,
                        message=message,
                        code="if " + module.code(node.test),
                        scope=function.qualname,
                    )


def _auth_function(function: FunctionInfo) -> bool:
    """The function (or the decorator / class it belongs to) checks an incoming caller."""
    current: FunctionInfo | None = function
    while current is not None:
        if _auth_name(current.name):
            return True
        if current.class_name and not current.name.startswith("__init"):
            parts = set(words(current.class_name))
            if (parts & AUTH_CLASS_THINGS and parts & AUTH_CLASS_ROLES
                    and not parts & CLIENT_WORDS and not set(words(current.name)) & CLIENT_WORDS):
                return True
        current = current.parent
    return False


def _auth_name(name: str) -> bool:
    parts = set(words(name))
    if parts & CLIENT_WORDS:
        return False
    if parts & AUTH_VERBS:
        return True
    if parts & CHECK_VERBS and parts & CHECKED_THINGS:
        return True
    if "current" in parts and parts & {"user", "principal", "account", "identity", "admin"}:
        return True
    return "user" in parts and bool(parts & {"token", "key", "jwt", "apikey", "session"})


def _bypass(module: PythonModule, function: FunctionInfo, node: ast.If,
            raises_elsewhere: bool) -> str | None:
    missing = _missing_guard(module, function, node.test)
    if missing is not None:
        allowed = _allows(module, function, node.body, raises_elsewhere)
        if allowed and missing.endswith("is set"):
            return (f"`{function.name}()` {allowed} when {missing}: one configuration value "
                    "switches authentication off.")
        if allowed:
            return (f"`{function.name}()` {allowed} when {missing}: a missing setting "
                    "turns authentication off (fails open).")
        return None
    present = _present_guard(module, function, node.test)
    if present is not None and not node.orelse and _body_denies(module, node.body):
        return (f"`{function.name}()` only rejects requests when `{present}` is set: with the "
                "setting empty the check is skipped and every request passes (fails open).")
    return None


def _missing_guard(module: PythonModule, function: FunctionInfo, test: ast.expr) -> str | None:
    """A description of the condition when `test` is true only for a missing/disabled setting."""
    match test:
        case ast.BoolOp(op=ast.Or(), values=values):
            for value in values:
                found = _missing_guard(module, function, value)
                if found:
                    return found
            return None
        case ast.BoolOp(op=ast.And(), values=values):
            found = [_missing_guard(module, function, v) for v in values]
            return found[0] if all(found) else None
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            name = _setting(module, function, operand)
            if name and (_credential(name) or _auth_toggle(name)):
                return f"`{name}` is empty"
            if isinstance(operand, ast.Call) and module.resolve(operand.func) == "len":
                return _missing_guard(module, function, ast.UnaryOp(
                    op=ast.Not(), operand=operand.args[0])) if operand.args else None
            return None
        case ast.Compare(left=left, ops=[op], comparators=[right]):
            name = _setting(module, function, left)
            if name is None:
                return None
            if _disable_flag(name) and _truthy_comparison(op, right):
                return f"`{name}` is set"
            if not _credential(name):
                return None
            empty = is_literal(right, None) or string_value(right) == ""
            if isinstance(op, ast.Is | ast.Eq) and empty:
                return f"`{name}` is empty"
            if isinstance(op, ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set):
                if all(is_literal(e, None) or string_value(e) == "" for e in right.elts):
                    return f"`{name}` is empty"
            return None
        case _:
            name = _setting(module, function, test)
            if name and _disable_flag(name):
                return f"`{name}` is set"
    return None


def _present_guard(module: PythonModule, function: FunctionInfo, test: ast.expr) -> str | None:
    """`if settings.API_KEY:` / `if API_KEY and key != API_KEY:` around the rejection."""
    values = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [
        test]
    for value in values:
        name = _setting(module, function, value)
        if name and _credential(name) and not _auth_toggle(name):
            return name
    return None


def _truthy_comparison(op: ast.cmpop, right: ast.expr) -> bool:
    if isinstance(op, ast.Eq | ast.Is):
        text = string_value(right)
        return is_literal(right, True) or (text is not None and text.lower() in TRUE_STRINGS)
    if isinstance(op, ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set):
        return any((string_value(e) or "").lower() in TRUE_STRINGS for e in right.elts)
    return False


def _setting(module: PythonModule, function: FunctionInfo, node: ast.expr,
             depth: int = 2) -> str | None:
    """The setting's name when `node` reads configuration, else None."""
    match node:
        case ast.Call(func=func, args=args):
            callee = module.resolve(func)
            key = string_value(args[0]) if args else None
            if callee in ENV_CALLS or (callee in ENV_FUNCTIONS and key):
                return key
            receiver = func.value if isinstance(func, ast.Attribute) else None
            if receiver is not None and callee.endswith((".lower", ".strip")):
                return _setting(module, function, receiver, depth)
            if callee == "getattr" and len(args) >= 2 and _container(module, args[0]):
                return string_value(args[1])
            if receiver is not None and callee.rsplit(".", 1)[-1] in CONFIG_GETTERS and key and (
                _container(module, receiver)
            ):
                return key
            if callee in ("bool", "str", "len", "int") and args:
                return _setting(module, function, args[0], depth)
            return None
        case ast.Subscript(value=value, slice=key):
            text = string_value(key)
            if text and (_container(module, value) or module.resolve(value) == "os.environ"):
                return text
            return None
        case ast.Attribute(value=value, attr=attr):
            if isinstance(value, ast.Name) and value.id in ("self", "cls"):
                return f"self.{attr}" if _credential(attr) else None
            if _container(module, value):
                return attr
            return None
        case ast.Name(id=name):
            if name.isupper() and len(name) > 2:
                return name
            if depth == 0 or name in function.parameter_names():
                return None
            for value in assigned(module, function, name):
                found = _setting(module, function, value, depth - 1)
                if found:
                    return found
            return None
    return None


def _container(module: PythonModule, node: ast.expr) -> bool:
    name = module.resolve(node) or ""
    if not name:
        return False
    parts = [p.removesuffix("()").lower() for p in name.split(".")]
    return any(p in SETTING_CONTAINERS or p.endswith(("settings", "config")) for p in parts)


def _credential(name: str) -> bool:
    parts = words(name.rsplit(".", 1)[-1])
    if not parts or parts[-1] in NOT_CREDENTIAL_LAST:
        return False
    return bool(CREDENTIAL_WORDS.intersection(parts))


def _auth_toggle(name: str) -> bool:
    parts = set(words(name))
    return bool(parts & AUTH_WORDS) and bool(parts & {"enabled", "required", "enable",
                                                      "require", "on", "enforce"})


def _disable_flag(name: str) -> bool:
    parts = set(words(name))
    return bool(parts & DISABLE_WORDS) and bool(parts & AUTH_WORDS)


def _allows(module: PythonModule, function: FunctionInfo, body: list[ast.stmt],
            raises_elsewhere: bool) -> str | None:
    """How the branch lets the request through, or None when it denies."""
    if _body_denies(module, body):
        return None
    returns = [s for s in body if isinstance(s, ast.Return)]
    if not returns:
        return None
    value = returns[-1].value
    if isinstance(value, ast.Await):
        value = value.value
    if value is None or is_literal(value, None):
        if function.parent is not None or not raises_elsewhere:
            return None  # None is a denial in wrappers and in functions that return verdicts
        if function.name.startswith(("is_", "has_", "can_", "check_")) or (
            function.class_name and function.name == "authenticate"
        ):
            return None  # DRF: None means "not authenticated by this backend"
        return "returns without checking anything"
    if isinstance(value, ast.Constant):
        return "returns True" if value.value is True else None
    if any(isinstance(n, ast.Constant) and n.value in DENY_STATUS and not isinstance(
            n.value, bool) for n in ast.walk(value)):
        return None
    if isinstance(value, ast.Call):
        callee = module.resolve(value.func) or ""
        last = callee.rsplit(".", 1)[-1]
        if last in PASS_THROUGH:
            return f"calls `{callee}()` straight through"
        if _deny_call(module, value):
            return None
        return f"returns `{module.code(value)}`"
    if isinstance(value, ast.Name | ast.Attribute):
        if ANONYMOUS.search(module.code(value)):
            return None
        return f"returns `{module.code(value)}`"
    if isinstance(value, ast.Dict):
        return "returns a hard-coded identity"
    return None


def _body_denies(module: PythonModule, body: list[ast.stmt]) -> bool:
    for statement in body:
        for node in ast.walk(statement):
            if _denies(module, node):
                return True
            if isinstance(node, ast.Return) and node.value is not None:
                value = node.value
                if is_literal(value, False) or any(
                    isinstance(n, ast.Constant) and n.value in DENY_STATUS
                    and not isinstance(n.value, bool) for n in ast.walk(value)
                ):
                    return True
                if isinstance(value, ast.Await):
                    value = value.value
                if isinstance(value, ast.Call) and _deny_call(module, value):
                    return True
    return False


def _deny_call(module: PythonModule, node: ast.Call) -> bool:
    callee = module.resolve(node.func) or ""
    if callee.rsplit(".", 1)[-1] in PASS_THROUGH:
        return False
    return bool(DENY_CALL.search(callee))


def _denies(module: PythonModule, node: ast.AST) -> bool:
    if isinstance(node, ast.Raise):
        return True
    if isinstance(node, ast.Call):
        callee = (module.resolve(node.func) or "").rsplit(".", 1)[-1]
        return callee in ("abort", "HTTPException", "PermissionDenied", "AuthenticationFailed",
                          "NotAuthenticated", "Unauthorized", "Forbidden")
    return False
