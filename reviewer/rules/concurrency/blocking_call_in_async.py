"""`blocking-call-in-async`: a blocking call made directly in an `async def` body.

Flags the line of the call. Calls inside a nested `def` or a `lambda` (typically handed to
`asyncio.to_thread`/`run_in_executor`) and awaited calls are not direct blocking calls.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import CallSite, FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.concurrency._db import (
    SESSION_CLASSES,
    annotation_type,
    parameter_annotation,
    session_factory_kind,
)

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
HTTP = "a blocking HTTP request"
SLEEP = "a blocking sleep"
FILE = "blocking file I/O"
PROCESS = "a blocking subprocess call"
CONNECT = "a blocking network connection"
BLOCKING_FUNCTIONS: dict[str, str] = {
    **{f"requests.{verb}": HTTP for verb in HTTP_VERBS},
    **{f"requests.api.{verb}": HTTP for verb in HTTP_VERBS},
    **{f"httpx.{verb}": HTTP for verb in HTTP_VERBS},
    "httpx.stream": HTTP,
    "urllib.request.urlopen": HTTP,
    "urllib.request.urlretrieve": HTTP,
    "time.sleep": SLEEP,
    "io.open": FILE,
    **{f"subprocess.{name}": PROCESS for name in (
        "run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput")},
    "os.system": PROCESS,
    "os.popen": PROCESS,
    **{name: CONNECT for name in (
        "psycopg2.connect", "psycopg.connect", "pymysql.connect", "MySQLdb.connect",
        "mysql.connector.connect", "smtplib.SMTP", "smtplib.SMTP_SSL")},
}
HTTP_CLIENT_FACTORIES = frozenset({
    "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
})
HTTP_CLIENT_METHODS = HTTP_VERBS | {"send", "stream"}
SESSION_METHODS = frozenset({
    "execute", "query", "commit", "flush", "get", "scalars", "scalar", "refresh", "add_all",
})
PATH_IO = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
PATH_FACTORIES = frozenset({
    "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath",
    "zipfile.Path", "importlib.resources.files", "importlib_resources.files",
})
PATH_METHODS = frozenset({
    "with_suffix", "with_name", "with_stem", "joinpath", "resolve", "absolute", "expanduser",
    "relative_to",
})
PATHISH_NAME = re.compile(r"(?i)(path|file|dir|folder)")
ASYNC_PATH_LIBS = ("anyio", "trio", "aiofiles", "aiopath")

SESSION = "session"
HTTP_CLIENT = "http"
PATH = "path"


class BlockingCallInAsync(Rule):
    id = "blocking-call-in-async"
    title = "Blocking call inside an async function"
    severity = Severity.HIGH
    category = Category.PERFORMANCE
    languages = ("python",)
    skip_roles = ("test",)
    # ruff's flake8-async checks agree with this rule where they overlap; they add a few
    # spellings (os.spawn*, os.wait*, io.open variants) the rule does not list itself.
    ruff_codes = ("ASYNC210", "ASYNC212", "ASYNC220", "ASYNC221", "ASYNC222", "ASYNC230",
                  "ASYNC251")
    rationale = (
        "An async function shares one event-loop thread with every other request: a "
        "blocking HTTP call, sleep, file read, subprocess or sync database call stops all of "
        "them until it returns, so latency and throughput collapse under load."
    )
    fix = (
        "Use the async equivalent (httpx.AsyncClient, `await asyncio.sleep`, aiofiles, "
        "asyncio.create_subprocess_exec, AsyncSession) or move the blocking work to a thread "
        "with `await asyncio.to_thread(...)`."
    )
    example = Example(
        before="async def fetch(url):\n    return requests.get(url, timeout=5).json()",
        after="async def fetch(url):\n    async with httpx.AsyncClient(timeout=5) as client:\n"
              "        return (await client.get(url)).json()",
    )
    references = (
        "https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code",
        "https://fastapi.tiangolo.com/async/",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        functions = [f for f in module.functions if f.is_async and f.calls]
        if not functions:
            return
        checker = _Checker(module)
        for function in functions:
            for call in function.calls:
                what = checker.blocking(call, function)
                if what is None or _deferred(module, call, function):
                    continue
                yield Match(
                    rule_id=self.id,
                    line=call.node.lineno,
                    end_line=call.node.end_lineno or call.node.lineno,
                    message=f"`{_callee(module, call)}()` in `async def {function.name}` is "
                    f"{what}: it stalls the event loop for every other task; {_advice(what)}",
                    code=module.code(call.node),
                    scope=function.qualname,
                )


def _callee(module: PythonModule, call: CallSite) -> str:
    return call.name if len(call.name) <= 60 else module.code(call.node.func)[:60]


def _advice(what: str) -> str:
    if what == HTTP:
        return "use an async client (httpx.AsyncClient) or `await asyncio.to_thread(...)`."
    if what == SLEEP:
        return "use `await asyncio.sleep()`."
    if what == FILE:
        return "use aiofiles/anyio or `await asyncio.to_thread(...)`."
    if what == PROCESS:
        return "use `asyncio.create_subprocess_exec()`."
    if what.startswith("a synchronous SQLAlchemy"):
        return "use an AsyncSession and await it, or make the function a plain `def`."
    return "move it to `await asyncio.to_thread(...)` or use an async library."


def _deferred(module: PythonModule, call: CallSite, function: FunctionInfo) -> bool:
    """Awaited, or inside a lambda (run later, usually in a thread)."""
    if isinstance(module.parent(call.node), ast.Await):
        return True
    for ancestor in module.ancestors(call.node):
        if ancestor is function.node:
            return False
        if isinstance(ancestor, ast.Lambda):
            return True
    return False


class _Checker:
    def __init__(self, module: PythonModule) -> None:
        self.module = module
        self._open_shadowed: bool | None = None

    def blocking(self, call: CallSite, function: FunctionInfo) -> str | None:
        name = call.name
        what = BLOCKING_FUNCTIONS.get(name)
        if what is not None:
            return what
        if name == "open":
            return FILE if not self.open_shadowed(function) else None
        func = call.node.func
        if not isinstance(func, ast.Attribute):
            return None
        attr = func.attr
        if attr in SESSION_METHODS or attr in HTTP_CLIENT_METHODS or attr in PATH_IO:
            kind = self.kind(function, func.value, depth=6)
            if kind == SESSION and attr in SESSION_METHODS:
                return "a synchronous SQLAlchemy session call (a blocking database round trip)"
            if kind == HTTP_CLIENT and attr in HTTP_CLIENT_METHODS:
                return HTTP
            if attr in PATH_IO and (kind == PATH or self.looks_like_path(func.value)):
                return FILE
        elif attr == "open" and self.kind(function, func.value, depth=6) == PATH:
            return FILE
        return None

    def open_shadowed(self, function: FunctionInfo) -> bool:
        if "open" in function.parameter_names():
            return True
        if self._open_shadowed is None:
            self._open_shadowed = "open" in self.module.aliases or any(
                f.name == "open" and f.parent is None and f.class_name is None
                for f in self.module.functions
            )
        return self._open_shadowed

    def looks_like_path(self, node: ast.expr) -> bool:
        module = self.module
        if not (module.imports("pathlib") or module.imports("importlib")):
            return False
        name = module.resolve(node)
        if not name or name.startswith(ASYNC_PATH_LIBS):
            return False
        return bool(PATHISH_NAME.search(name.rsplit(".", 1)[-1]))

    def kind(self, function: FunctionInfo | None, node: ast.expr, depth: int) -> str | None:
        module = self.module
        if isinstance(node, ast.Call):
            name = module.resolve(node.func)
            if name in HTTP_CLIENT_FACTORIES:
                return HTTP_CLIENT
            if name in PATH_FACTORIES:
                return PATH
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in PATH_METHODS and depth > 0:
                return PATH if self.kind(function, func.value, depth - 1) == PATH else None
            if session_factory_kind(module, func) == "sync":
                return SESSION
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and depth > 0:
            return PATH if self.kind(function, node.left, depth - 1) == PATH else None
        if isinstance(node, ast.Attribute) and node.attr == "parent" and depth > 0:
            return PATH if self.kind(function, node.value, depth - 1) == PATH else None
        if isinstance(node, ast.Name):
            return self._name_kind(function, node.id, depth)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and function is not None and function.class_name
                and depth > 0):
            return self._self_attribute_kind(function, node.attr, depth)
        return None

    def _name_kind(self, function: FunctionInfo | None, name: str, depth: int) -> str | None:
        module = self.module
        scope = function
        while scope is not None:
            annotation = parameter_annotation(scope, name)
            if annotation is not None:
                return self._annotation_kind(annotation)
            values = module.assigned_values(scope, name)
            if values:
                return self._values_kind(scope, values, depth)
            if name in scope.parameter_names():
                return None
            scope = scope.parent
        values = module.assigned_values(None, name)
        return self._values_kind(None, values, depth) if values else None

    def _values_kind(self, scope: FunctionInfo | None, values: list[ast.expr],
                     depth: int) -> str | None:
        if depth == 0:
            return None
        for value in values:
            if self._bound_by_async_with(value):
                continue
            found = self.kind(scope, value, depth - 1)
            if found is not None:
                return found
        return None

    def _bound_by_async_with(self, value: ast.expr) -> bool:
        item = self.module.parent(value)
        return isinstance(item, ast.withitem) and isinstance(
            self.module.parent(item), ast.AsyncWith)

    def _annotation_kind(self, annotation: ast.expr) -> str | None:
        resolved = annotation_type(self.module, annotation)
        if resolved in SESSION_CLASSES:
            return SESSION
        if resolved in HTTP_CLIENT_FACTORIES:
            return HTTP_CLIENT
        if resolved in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"):
            return PATH
        return None

    def _self_attribute_kind(self, function: FunctionInfo, attr: str, depth: int) -> str | None:
        module = self.module
        key = f"self.{attr}"
        for method in module.functions:
            if method.class_name != function.class_name:
                continue
            values = module.assigned_values(method, key)
            if values:
                found = self._values_kind(method, values, depth)
                if found is not None:
                    return found
        return None
