from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
# requests has no default timeout at all; urllib's urlopen waits forever by default.
NO_DEFAULT_TIMEOUT = frozenset(
    {f"requests.{verb}" for verb in HTTP_VERBS} | {"urllib.request.urlopen"}
)
# httpx defaults to 5 s, so only an explicit `timeout=None` disables it.
HTTPX_CALLS = frozenset(
    {f"httpx.{verb}" for verb in HTTP_VERBS} | {"httpx.Client", "httpx.AsyncClient", "httpx.stream"}
)
SESSION_FACTORIES = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})


class HttpCallWithoutTimeout(Rule):
    id = "http-call-without-timeout"
    title = "Outbound HTTP call without a timeout"
    severity = Severity.MEDIUM
    category = Category.RELIABILITY
    cwe = 400
    languages = ("python",)
    rationale = (
        "Without a timeout a slow or silent upstream holds the worker or request thread "
        "forever; under load every worker ends up waiting and the service stops answering."
    )
    fix = "Pass an explicit timeout (connect and read) sized to the caller's own deadline."
    example = Example(
        before="requests.get(url)",
        after="requests.get(url, timeout=(3.05, 10))",
    )
    references = ("https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",)

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        sessions = _session_names(module)
        for call in module.calls:
            problem = None
            if call.name in NO_DEFAULT_TIMEOUT or _is_session_call(call.name, sessions):
                if call.keyword("timeout") is None and not call.has_star_kwargs:
                    if not (call.name == "urllib.request.urlopen" and len(call.node.args) >= 3):
                        problem = f"`{call.name}()` has no timeout and can wait forever."
            elif call.name in HTTPX_CALLS:
                timeout = call.keyword("timeout")
                if timeout is not None and _is_none(timeout.value):
                    problem = (
                        f"`{call.name}()` disables httpx's default timeout with `timeout=None`."
                    )
            if problem:
                yield Match(
                    rule_id=self.id,
                    line=call.node.lineno,
                    end_line=call.node.end_lineno or call.node.lineno,
                    message=problem,
                    code=module.code(call.node),
                    scope=call.scope,
                )


def _session_names(module: PythonModule) -> set[str]:
    names = set()
    for scope in module.assignments.values():
        for name, values in scope.items():
            if any(isinstance(v, ast.Call) and module.resolve(v.func) in SESSION_FACTORIES
                   for v in values):
                names.add(name)
    return names


def _is_session_call(name: str, sessions: set[str]) -> bool:
    receiver, _, verb = name.rpartition(".")
    if verb not in HTTP_VERBS:
        return False
    return receiver in sessions or receiver in {f"{s}()" for s in SESSION_FACTORIES}


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
