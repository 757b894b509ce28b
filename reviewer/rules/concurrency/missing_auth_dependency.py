"""`missing-auth-dependency`: a FastAPI route without the authentication dependency that the
majority of its sibling routes (same app or router object, at least two) declare.

Flags the line of the route's `def`. Not flagged: routes on an app/router created or
included with an auth `dependencies=[...]`, public-looking paths and handlers (health,
login, token, signup, docs, metrics, webhooks, ...), websocket routes, routes that check
credentials in their body (`verify_token(request)`), and unauthenticated reads (GET/HEAD)
when the authenticated siblings are all writes ("public reads, protected writes").
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.concurrency._fastapi import Route, fastapi_apps, fastapi_routes, keyword

AUTH_NAME = re.compile(
    r"(?i)current_?(?:active_?)?(?:super_?)?user|auth(?!or)|token(?!iz)|api_?key|verify|require|"
    r"permission|admin|superuser|jwt|bearer|role|credential|principal|logged_?in"
)
# Annotation names that mean "the authenticated caller" on their own (type aliases such as
# `CurrentUser = Annotated[User, Depends(get_current_user)]` imported from a deps module).
AUTH_ANNOTATION = re.compile(
    r"(?i)^(?:current_?(?:active_?)?(?:super_?)?user|.*auth\w*(?:user|dep|context)|"
    r"authenticated\w*|admin_?user|api_?key_?dep|token_?dep)$"
)
DEPENDS = frozenset({
    "fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security",
})
LOGIN_FORMS = frozenset({
    "fastapi.security.OAuth2PasswordRequestForm",
    "fastapi.security.OAuth2PasswordRequestFormStrict",
    "fastapi.security.oauth2.OAuth2PasswordRequestForm",
})
PUBLIC_SEGMENT = re.compile(
    r"(?i)^(?:health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|"
    r"liveness|ping|login|logout|token|refresh|signup|sign-up|sign_up|register|docs|redoc|"
    r"openapi(?:\.json)?|public|metrics|webhooks?|callback|oauth|sso|forgot-password|"
    r"reset-password|password-reset|password-recovery|verify-email|confirm-email)$"
)
# Parameters through which a route authenticates the caller itself (signed links, webhook
# signatures, API keys read from a header).
SELF_AUTH_PARAM = re.compile(
    r"(?i)^(?:x_)?(?:\w*_)?(?:token|api_?key|authorization|signature|secret|otp)$"
)
PUBLIC_HANDLER = re.compile(
    r"(?i)^(?:health\w*|ready\w*|live\w*|ping|login\w*|logout|signup|sign_up|register\w*|"
    r"\w*webhook\w*|metrics|root|index|home|openapi\w*|docs|\w*access_token\w*|"
    r"\w*callback\w*|(?:forgot|reset|recover)_password\w*)$"
)


class MissingAuthDependency(Rule):
    id = "missing-auth-dependency"
    title = "Route lacks the authentication dependency its siblings declare"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 306
    languages = ("python",)
    skip_roles = ("test",)
    rationale = (
        "FastAPI enforces authentication per route: when most routes of a router declare "
        "`Depends(get_current_user)` and one does not, that endpoint answers anonymous "
        "callers, typically exposing or changing data that is meant to be protected."
    )
    fix = (
        "Add the same auth dependency (`user = Depends(get_current_user)` or "
        "`dependencies=[Depends(...)]`), or declare it once on the APIRouter."
    )
    example = Example(
        before='@router.delete("/items/{item_id}")\nasync def delete_item(item_id: int): ...',
        after='@router.delete("/items/{item_id}")\nasync def delete_item(\n'
              '    item_id: int, user: User = Depends(get_current_user)): ...',
    )
    references = (
        "https://fastapi.tiangolo.com/tutorial/security/get-current-user/",
        "https://cwe.mitre.org/data/definitions/306.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        routes = [r for r in fastapi_routes(module) if not r.is_websocket]
        if len(routes) < 3:
            return
        groups: dict[str, list[Route]] = {}
        for route in routes:
            groups.setdefault(route.receiver, []).append(route)
        protected_receivers = _protected_receivers(module)
        for receiver, group in groups.items():
            if receiver in protected_receivers:
                continue
            authed = [r for r in group if _has_auth(module, r)]
            candidates = [r for r in group if r in authed or not _is_public(module, r)]
            if len(authed) < 2:
                continue
            majority = len(authed) * 2 > len(candidates)
            writes = [r for r in candidates if not r.is_read]
            authed_writes = [r for r in authed if not r.is_read]
            # Writes are compared with the writes too: "public reads, protected writes"
            # routers protect most writes even when the reads make up half the routes.
            writes_majority = len(authed_writes) >= 2 and len(authed_writes) * 2 > len(writes)
            authed_reads = len(authed) > len(authed_writes)
            for route in candidates:
                if route in authed:
                    continue
                if route.is_read and not (majority and authed_reads):
                    continue
                if not route.is_read and not (majority or writes_majority):
                    continue
                if _checks_in_body(module, route):
                    continue
                function = route.function
                if majority:
                    share = f"{len(authed)} of the {len(candidates)} routes"
                else:
                    share = f"{len(authed_writes)} of the {len(writes)} write routes"
                yield Match(
                    rule_id=self.id,
                    line=function.node.lineno,
                    end_line=function.node.lineno,
                    message=f"Route `{function.name}` ({route.method.upper()} "
                    f"{route.path or '?'}) declares no authentication dependency while "
                    f"{share} on `{receiver}` do: it answers anonymous callers.",
                    code=route.header(module),
                    scope=function.qualname,
                )


def _auth_dependency_call(module: PythonModule, node: ast.expr) -> bool:
    """`Depends(auth_thing)` / `Security(...)` with an auth-looking dependency."""
    if not isinstance(node, ast.Call):
        return False
    name = module.resolve(node.func)
    if name not in DEPENDS and name.rsplit(".", 1)[-1] not in ("Depends", "Security"):
        return False
    if name.endswith("Security"):
        return True
    target = node.args[0] if node.args else keyword(node, "dependency")
    if target is None:
        return False
    if isinstance(target, ast.Call):  # Depends(RoleChecker(["admin"]))
        target = target.func
    dependency = module.resolve(target) or ast.unparse(target)
    return bool(AUTH_NAME.search(dependency.rsplit(".", 1)[-1]))


def _has_auth_in(module: PythonModule, node: ast.expr | None, depth: int = 2) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Call):
        return _auth_dependency_call(module, node)
    if isinstance(node, ast.List | ast.Tuple):
        return any(_has_auth_in(module, e, depth) for e in node.elts)
    if isinstance(node, ast.Subscript):  # Annotated[User, Depends(get_current_user)]
        inner = node.slice
        elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        return any(_has_auth_in(module, e, depth) for e in elements)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _has_auth_in(module, node.left, depth) or _has_auth_in(module, node.right, depth)
    if isinstance(node, ast.Name):
        values = module.assigned_values(None, node.id)
        if values and depth > 0:  # CurrentUser = Annotated[User, Depends(get_current_user)]
            return any(_has_auth_in(module, v, depth - 1) for v in values)
        return bool(AUTH_ANNOTATION.match(node.id))
    return False


def _has_auth(module: PythonModule, route: Route) -> bool:
    if _has_auth_in(module, keyword(route.decorator, "dependencies")):
        return True
    for decorator in route.function.decorator_calls:  # stacked auth decorators
        if decorator is not route.decorator and _has_auth_in(module, decorator):
            return True
    # `@login_required`, `@requires("authenticated")`, `@permission_required(...)`
    route_name = module.resolve(route.decorator.func)
    if any(AUTH_NAME.search(name.rsplit(".", 1)[-1])
           for name in route.function.decorators if name != route_name):
        return True
    args = route.function.node.args
    defaults = [*args.defaults, *[d for d in args.kw_defaults if d is not None]]
    if any(_auth_dependency_call(module, d) for d in defaults):
        return True
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.annotation is not None and _has_auth_in(module, arg.annotation):
            return True
    return False


def _is_public(module: PythonModule, route: Route) -> bool:
    if route.path is not None:
        if any(PUBLIC_SEGMENT.match(s) for s in route.path.split("/") if s):
            return True
    if PUBLIC_HANDLER.match(route.function.name):
        return True
    args = route.function.node.args
    return any(
        SELF_AUTH_PARAM.match(arg.arg)
        or (arg.annotation is not None and module.resolve(arg.annotation) in LOGIN_FORMS)
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs)
    )


def _protected_receivers(module: PythonModule) -> set[str]:
    """Apps/routers created or included with an auth `dependencies=[...]`."""
    protected = {
        name for name, call in fastapi_apps(module).items()
        if _has_auth_in(module, keyword(call, "dependencies"))
    }
    for call in module.calls:
        if call.attr == "include_router" and call.node.args:
            if _has_auth_in(module, keyword(call.node, "dependencies")):
                protected.add(module.resolve(call.node.args[0]))
    return protected


def _checks_in_body(module: PythonModule, route: Route) -> bool:
    """The handler authenticates by hand: `verify_token(request)`, `await authenticate(...)`."""
    for call in route.function.calls:
        func = call.node.func
        name = func.attr if isinstance(func, ast.Attribute) else call.name.rsplit(".", 1)[-1]
        if AUTH_NAME.search(name):
            return True
    return False
