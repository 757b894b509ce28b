from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.hardening._helpers import is_literal, make_match, string_value

APP_CLASSES = frozenset({
    "fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette",
    "starlette.Starlette",
})
# `.run(debug=True)` of these is not a web server's debugger.
NOT_WEB_RUN = ("asyncio.", "uvicorn.", "hypercorn.", "trio.", "anyio.", "uvloop.",
               "subprocess.", "unittest.", "pytest.", "click.", "typer.")
RUN_METHODS = frozenset({"run", "run_server"})
DJANGO_MARKERS = frozenset({"INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE", "ALLOWED_HOSTS",
                            "WSGI_APPLICATION"})
# A settings module for tests or local development, told apart by what it sets.
NON_PRODUCTION = re.compile(
    r"debug_toolbar|INTERNAL_IPS|django_extensions|(console|locmem|dummy)\.EmailBackend|"
    r"MD5PasswordHasher|TEST_RUNNER|:memory:"
)
STAR_IMPORT_BASE = re.compile(r"^from\s+\S*(base|common|settings|defaults)\S*\s+import\s+\*",
                              re.MULTILINE)
PRODUCTION_MARKERS = re.compile(
    r"\bprod(uction)?\b|SECURE_SSL_REDIRECT\s*=\s*True|SESSION_COOKIE_SECURE\s*=\s*True|"
    r"SECURE_HSTS_SECONDS",
    re.IGNORECASE,
)
PROD_CLASS = re.compile(r"prod|live|release", re.IGNORECASE)
APP_CONFIG_DEBUG = re.compile(r"\.(debug\s*=|config\s*\[\s*['\"]DEBUG['\"]\s*\]\s*=)")


class DebugEnabled(Rule):
    id = "debug-enabled"
    title = "Debug mode enabled in deployable code"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 489
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "Debug mode shows stack traces, settings and SQL to anyone who triggers an error; "
        "Werkzeug's debugger goes further and runs Python typed into the error page, which "
        "is remote code execution if the port is reachable."
    )
    fix = (
        "Read the flag from the environment with a safe default "
        "(`DEBUG = env.bool(\"DEBUG\", default=False)`) and keep `debug=True` out of code "
        "that starts the server."
    )
    example = Example(
        before='app.run(host="0.0.0.0", debug=True)',
        after='app.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG") == "1")',
    )
    references = (
        "https://docs.djangoproject.com/en/stable/ref/settings/#debug",
        "https://flask.palletsprojects.com/en/stable/debugging/",
        "https://cwe.mitre.org/data/definitions/489.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        yield from self._settings_debug(module)
        yield from self._config_classes(module)
        for call in module.calls:
            problem = _call_problem(module, call)
            if problem:
                yield make_match(self.id, module, call.node, problem, call.scope)
        if APP_CONFIG_DEBUG.search(module.source) and module.imports("flask"):
            yield from self._flask_config(module)

    def _settings_debug(self, module: PythonModule) -> Iterable[Match]:
        names = module.assignments.get(None, {})
        values = names.get("DEBUG")
        if not values or not all(is_literal(v, True) for v in values):
            return
        if module.kind is not None and module.kind.variant == "dev":
            return  # settings/dev.py, local_settings.py, ...: debug is their purpose
        settings_like = (
            (module.kind is not None and module.kind.role == "settings")
            or DJANGO_MARKERS.intersection(names)
        )
        if not settings_like or NON_PRODUCTION.search(module.source):
            return
        if STAR_IMPORT_BASE.search(module.source) and not PRODUCTION_MARKERS.search(
            module.source
        ):
            return  # an overlay on base settings that turns debug on: a dev/local module
        for value in values:
            statement = module.enclosing_statement(value)
            if module.parent(statement) is module.tree:
                yield make_match(
                    self.id, module, statement,
                    "`DEBUG = True` in a settings module: error pages then expose stack "
                    "traces, settings and queries.", "",
                )

    def _config_classes(self, module: PythonModule) -> Iterable[Match]:
        for cls in module.classes:
            if not PROD_CLASS.search(cls.name):
                continue
            for statement in cls.body:
                if (isinstance(statement, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "DEBUG"
                                for t in statement.targets)
                        and is_literal(statement.value, True)):
                    yield make_match(
                        self.id, module, statement,
                        f"`{cls.name}` sets `DEBUG = True`: production runs in debug mode.",
                        cls.name,
                    )

    def _flask_config(self, module: PythonModule) -> Iterable[Match]:
        for node in ast.walk(module.tree):  # only files that assign app.debug / config[DEBUG]
            if not (isinstance(node, ast.Assign) and is_literal(node.value, True)):
                continue
            for target in node.targets:
                flagged = (
                    isinstance(target, ast.Attribute) and target.attr == "debug"
                    and isinstance(target.value, ast.Name)
                    and target.value.id in ("app", "application")
                ) or (
                    isinstance(target, ast.Subscript)
                    and string_value(target.slice) == "DEBUG"
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr == "config"
                )
                if flagged:
                    function = module.function_at(node)
                    yield make_match(
                        self.id, module, node,
                        f"`{module.code(target)} = True` runs the app in debug mode.",
                        function.qualname if function else "",
                    )
                    break


def _call_problem(module: PythonModule, call: CallSite) -> str | None:
    if not call.node.keywords:
        return None
    name = call.name
    if name in APP_CLASSES:
        debug = call.keyword("debug")
        if debug is not None and is_literal(debug.value, True):
            return (f"`{call.attr}(debug=True)` returns tracebacks to clients on every "
                    "server error.")
        return None
    if call.attr in RUN_METHODS and "." in name and not name.startswith(NOT_WEB_RUN):
        debug = call.keyword("debug")
        if debug is not None and is_literal(debug.value, True):
            return (f"`{name}(debug=True)` starts the Werkzeug debugger: anyone who reaches "
                    "an error page can run Python on the server.")
        return None
    if name in ("werkzeug.serving.run_simple", "werkzeug.run_simple"):
        debugger = call.keyword("use_debugger")
        if debugger is not None and is_literal(debugger.value, True):
            return "`run_simple(use_debugger=True)` exposes the interactive Werkzeug debugger."
    if name in ("werkzeug.debug.DebuggedApplication", "werkzeug.DebuggedApplication"):
        evalex = call.keyword("evalex")
        if evalex is not None and is_literal(evalex.value, True):
            return "`DebuggedApplication(evalex=True)` lets error pages run Python."
    return None
