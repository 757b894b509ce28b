"""`fastapi-sync-route`: a FastAPI route handler written as a plain `def`.

Flags the line of the `def` (not the decorator). Routes are functions decorated with
`<app-or-router>.get/post/put/patch/delete/options/head/trace/api_route/websocket(...)` where
the receiver is a `FastAPI()`/`APIRouter()` created in the file, or, in a file that imports
fastapi and no other web framework, an app or router imported from elsewhere.
Project setting `require_async_routes` (default true) turns the rule off when false.
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.concurrency._fastapi import fastapi_routes

FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})


def enabled(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


class FastapiSyncRoute(Rule):
    id = "fastapi-sync-route"
    title = "FastAPI route handler is a plain def"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.PERFORMANCE
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "FastAPI runs a plain `def` route in a small shared thread pool (40 threads by "
        "default): under load requests queue for a thread, and the project's convention is "
        "async routes with async clients so the event loop serves them directly. A sync "
        "websocket route does not work at all."
    )
    fix = (
        "Declare the route `async def` and use async I/O inside (httpx.AsyncClient, "
        "AsyncSession, `await asyncio.to_thread(...)` for the rest)."
    )
    example = Example(
        before='@router.get("/items/{item_id}")\ndef read_item(item_id: int):\n'
               '    return repo.get(item_id)',
        after='@router.get("/items/{item_id}")\nasync def read_item(item_id: int):\n'
              '    return await repo.get(item_id)',
    )
    references = ("https://fastapi.tiangolo.com/async/#path-operation-functions",)
    settings = {"require_async_routes": True}

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not enabled(module.settings(self.id, self.settings).get("require_async_routes")):
            return
        for route in fastapi_routes(module):
            function = route.function
            if function.is_async:
                continue
            if route.is_websocket:
                message = (f"Websocket route `{function.name}` is a plain `def`; FastAPI "
                           "websocket endpoints must be `async def`.")
            else:
                message = (f"Route `{function.name}` ({route.method.upper()} "
                           f"{route.path or '?'}) is a plain `def`: FastAPI runs it in the "
                           "shared thread pool; declare it `async def` with async I/O.")
            yield Match(
                rule_id=self.id,
                line=function.node.lineno,
                end_line=function.node.lineno,
                message=message,
                code=route.header(module),
                scope=function.qualname,
            )
