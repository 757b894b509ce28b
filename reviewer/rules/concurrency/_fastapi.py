"""FastAPI route discovery shared by the concurrency rules: which functions are routes, on
which app or router, for which method and path."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from reviewer.python.module import FunctionInfo, PythonModule, dotted_name

ROUTE_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "options", "head", "trace", "api_route",
    "websocket",
})
READ_METHODS = frozenset({"get", "head", "options", "trace"})
APP_FACTORIES = frozenset({
    "fastapi.FastAPI",
    "fastapi.APIRouter",
    "fastapi.applications.FastAPI",
    "fastapi.routing.APIRouter",
    "fastapi_utils.inferring_router.InferringRouter",
})
# Frameworks whose apps also offer `.get("/path")`-style decorators.
OTHER_FRAMEWORKS = ("flask", "quart", "sanic", "bottle", "litestar", "aiohttp", "falcon",
                    "starlette", "django", "ninja", "apiflask", "connexion", "blacksheep")


@dataclass(slots=True, eq=False)
class Route:
    function: FunctionInfo
    decorator: ast.Call
    receiver: str
    method: str  # the decorator attribute: get, post, ..., api_route, websocket
    path: str | None

    @property
    def is_websocket(self) -> bool:
        return self.method == "websocket"

    @property
    def is_read(self) -> bool:
        if self.method == "api_route":
            methods = keyword(self.decorator, "methods")
            if isinstance(methods, ast.List | ast.Tuple | ast.Set):
                verbs = {e.value.lower() for e in methods.elts
                         if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                return bool(verbs) and verbs <= READ_METHODS
            return False
        return self.method in READ_METHODS

    def header(self, module: PythonModule) -> str:
        """A short, line-independent text naming the route, for fingerprints."""
        prefix = "async def" if self.function.is_async else "def"
        return f"@{module.code(self.decorator)} {prefix} {self.function.name}"


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def is_fastapi_file(module: PythonModule) -> bool:
    return module.imports("fastapi") or module.imports("fastapi_utils")


def fastapi_apps(module: PythonModule) -> dict[str, ast.Call]:
    """Names (dotted, e.g. `router` or `self.router`) bound to FastAPI()/APIRouter() calls."""
    apps: dict[str, ast.Call] = {}
    for scope in module.assignments.values():
        for name, values in scope.items():
            for value in values:
                if isinstance(value, ast.Call) and module.resolve(value.func) in APP_FACTORIES:
                    apps.setdefault(name, value)
    return apps


def _assigned_elsewhere(module: PythonModule, name: str) -> bool:
    return any(name in scope for scope in module.assignments.values())


_CACHE: list = [None, None]


def fastapi_routes(module: PythonModule) -> list[Route]:
    """Every FastAPI route handler in the file (computed once per module)."""
    if _CACHE[0] is module:
        return _CACHE[1]
    routes = _find_routes(module)
    _CACHE[0], _CACHE[1] = module, routes
    return routes


def _find_routes(module: PythonModule) -> list[Route]:
    if not is_fastapi_file(module):
        return []
    apps = fastapi_apps(module)
    other_framework = any(module.imports(name) for name in OTHER_FRAMEWORKS)
    routes = []
    for function in module.functions:
        for decorator in function.decorator_calls:
            func = decorator.func
            if not (isinstance(func, ast.Attribute) and func.attr in ROUTE_METHODS):
                continue
            receiver = module.resolve(func.value)
            if not receiver:
                continue
            if receiver not in apps:
                # An app or router imported from another module of a FastAPI project.
                local = dotted_name(func.value).split(".")[0]
                if other_framework or _assigned_elsewhere(module, local):
                    continue
                if _path_of(decorator) is None:
                    continue
            routes.append(Route(function, decorator, receiver, func.attr, _path_of(decorator)))
            break
    return routes


def _path_of(decorator: ast.Call) -> str | None:
    value = decorator.args[0] if decorator.args else keyword(decorator, "path")
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None
