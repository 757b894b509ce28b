from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import assigned, is_literal, make_match, string_value

STARLETTE_CORS = frozenset({
    "starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware",
})
MIDDLEWARE_WRAPPERS = frozenset({
    "starlette.middleware.Middleware", "fastapi.middleware.Middleware",
})
FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})
AIOHTTP_OPTIONS = frozenset({"aiohttp_cors.ResourceOptions"})
DJANGO_ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
DJANGO_REGEXES = ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST")
PROBE_ORIGINS = ("https://attacker.example", "https://evil-site.test:8443")
DEV_GUARD = re.compile(r"debug|dev|local|test", re.IGNORECASE)


class CorsAnyOriginWithCredentials(Rule):
    id = "cors-any-origin-with-credentials"
    title = "CORS allows any origin together with credentials"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    category = Category.SECURITY
    cwe = 942
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "With a wildcard origin and credentials on, these middlewares echo the caller's Origin "
        "back with `Access-Control-Allow-Credentials: true`: any web page a logged-in user "
        "visits can call the API with their cookies and read the answers."
    )
    fix = (
        "List the trusted front-end origins explicitly (from settings) when credentials are "
        "allowed, or keep the wildcard and turn credentials off for a public API."
    )
    example = Example(
        before='app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)',
        after=(
            "app.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS, "
            "allow_credentials=True)"
        ),
    )
    references = (
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS",
        "https://cwe.mitre.org/data/definitions/942.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if "CORS" in module.source:
            yield from self._django_settings(module)
        if not (module.imports("starlette") or module.imports("fastapi")
                or module.imports("flask_cors") or module.imports("aiohttp_cors")):
            return
        for call in module.calls:
            problem = None
            if _is_starlette_cors(module, call):
                problem = _starlette_problem(module, call)
            elif call.name in FLASK_CORS:
                problem = _flask_problem(module, call)
            elif call.name in AIOHTTP_OPTIONS:
                problem = _aiohttp_problem(module, call)
            if problem:
                yield make_match(self.id, module, call.node, problem, call.scope)

    def _django_settings(self, module: PythonModule) -> Iterable[Match]:
        names = module.assignments.get(None, {})
        credentials = names.get("CORS_ALLOW_CREDENTIALS", [])
        if not credentials or not all(is_literal(v, True) for v in credentials):
            return
        for setting in DJANGO_ALLOW_ALL:
            for value in names.get(setting, []):
                if is_literal(value, True) and not _dev_only(module, value):
                    yield make_match(
                        self.id, module, module.enclosing_statement(value),
                        f"`{setting} = True` with `CORS_ALLOW_CREDENTIALS = True` lets any "
                        "site make credentialed requests and read the responses.", "",
                    )
        for setting in DJANGO_REGEXES:
            for value in names.get(setting, []):
                if _any_origin_regex(value) and not _dev_only(module, value):
                    yield make_match(
                        self.id, module, module.enclosing_statement(value),
                        f"`{setting}` matches every origin while `CORS_ALLOW_CREDENTIALS = "
                        "True`.", "",
                    )


def _is_starlette_cors(module: PythonModule, call: CallSite) -> bool:
    if call.name in STARLETTE_CORS:
        return True
    if (call.attr == "add_middleware" or call.name in MIDDLEWARE_WRAPPERS) and call.node.args:
        return module.resolve(call.node.args[0]) in STARLETTE_CORS
    return False


def _starlette_problem(module: PythonModule, call: CallSite) -> str | None:
    credentials = call.keyword("allow_credentials")
    if credentials is None or not is_literal(credentials.value, True):
        return None
    origins = call.keyword("allow_origins")
    if origins is not None and _has_wildcard(module, call, origins.value):
        return ("CORSMiddleware with `allow_origins=[\"*\"]` and `allow_credentials=True` "
                "reflects any Origin with credentials.")
    regex = call.keyword("allow_origin_regex")
    if regex is not None and _any_origin_regex(regex.value, full=True):
        return ("CORSMiddleware `allow_origin_regex` matches every origin while "
                "`allow_credentials=True`.")
    return None


def _flask_problem(module: PythonModule, call: CallSite) -> str | None:
    credentials = call.keyword("supports_credentials")
    origins = call.keyword("origins")
    resources = call.keyword("resources")
    resource_options: list[ast.Dict] = []
    if resources is not None and isinstance(resources.value, ast.Dict):
        resource_options = [v for v in resources.value.values if isinstance(v, ast.Dict)]
    credentialed = credentials is not None and is_literal(credentials.value, True)
    credentialed = credentialed or any(
        is_literal(_dict_get(options, "supports_credentials"), True)
        for options in resource_options
    )
    if not credentialed:
        return None
    if origins is not None:
        wildcard = _has_wildcard(module, call, origins.value)
    elif resources is not None and not isinstance(resources.value, ast.Dict | ast.Constant):
        return None  # resources built elsewhere: origins unknown
    elif resource_options:
        wildcard = any(
            _dict_get(options, "origins") is None
            or _has_wildcard(module, call, _dict_get(options, "origins"))
            for options in resource_options
        )
    else:
        wildcard = True  # flask-cors defaults to origins="*"
    if not wildcard:
        return None
    return (f"`{call.attr}(supports_credentials=True)` with any origin (flask-cors defaults "
            "to `*`) reflects every Origin with credentials.")


def _aiohttp_problem(module: PythonModule, call: CallSite) -> str | None:
    credentials = call.keyword("allow_credentials")
    if credentials is None or not is_literal(credentials.value, True):
        return None
    parent = module.parent(call.node)
    if isinstance(parent, ast.Dict):
        for key, value in zip(parent.keys, parent.values, strict=True):
            if value is call.node and string_value(key) == "*":
                return ("aiohttp_cors defaults for origin `*` allow credentials: every site "
                        "can make credentialed requests.")
    return None


def _dict_get(node: ast.Dict, name: str) -> ast.expr | None:
    for key, value in zip(node.keys, node.values, strict=True):
        if string_value(key) == name:
            return value
    return None


def _has_wildcard(module: PythonModule, call: CallSite, node: ast.expr | None,
                  depth: int = 2) -> bool:
    if node is None:
        return False
    if string_value(node) == "*":
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(string_value(e) == "*" for e in node.elts)
    if isinstance(node, ast.Name) and depth:
        values = assigned(module, call.function, node.id)
        return bool(values) and all(_has_wildcard(module, call, v, depth - 1) for v in values)
    return False


def _any_origin_regex(node: ast.expr, full: bool = False) -> bool:
    """A pattern that matches unrelated sites (Starlette fullmatches, django-cors matches)."""
    patterns: list[str] = []
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        patterns = [p for p in (string_value(e) for e in node.elts) if p is not None]
    elif (text := string_value(node)) is not None:
        patterns = [text]
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error:
            continue
        test = compiled.fullmatch if full else compiled.match
        if all(test(origin) for origin in PROBE_ORIGINS):
            return True
    return False


def _dev_only(module: PythonModule, value: ast.expr) -> bool:
    """Set inside `if DEBUG:` or similar: development only."""
    for ancestor in module.ancestors(value):
        if isinstance(ancestor, ast.If) and DEV_GUARD.search(module.code(ancestor.test)):
            return True
    return False
