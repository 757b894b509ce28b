from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.python.module import CallSite, FunctionInfo, PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.injection._taint import Flow, Guard, route_flow

VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
# Module-level HTTP functions -> position of the URL argument.
MODULE_CALLS: dict[str, int] = {
    **{f"requests.{verb}": 0 for verb in VERBS},
    **{f"httpx.{verb}": 0 for verb in VERBS},
    "requests.request": 1,
    "httpx.request": 1,
    "httpx.stream": 1,
    "aiohttp.request": 1,
    "urllib.request.urlopen": 0,
    "urllib.request.urlretrieve": 0,
}
CLIENT_FACTORIES = frozenset({
    "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
    "httpx.AsyncClient", "aiohttp.ClientSession",
})
CLIENT_METHODS: dict[str, int] = {**{verb: 0 for verb in VERBS}, "request": 1, "stream": 1}
# Calls that keep the URL they wrap as it is.
URL_WRAPPERS = frozenset({"str", "urllib.request.Request", "httpx.URL", "yarl.URL"})
# `startswith("https://api.partner.com/")` pins the host; `startswith("http")` does not.
HOST_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+[/?#:]?", re.IGNORECASE)
BASE = "\0"  # stands for an untainted non-literal piece (a configured base URL) in a template


class ServerSideRequestForgery(Rule):
    id = "ssrf"
    title = "Outbound request to a URL taken from the request"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    category = Category.SECURITY
    cwe = 918
    languages = ("python",)
    skip_roles = ("test", "migration")
    rationale = (
        "When the client picks the host the server fetches, it can reach internal services, "
        "admin ports and the cloud metadata endpoint (169.254.169.254) from inside the "
        "network, with the server's credentials."
    )
    fix = (
        "Keep the scheme and host fixed in code or pick them from an allow-list; if the URL "
        "must be user supplied, parse it and check the host against an allow-list (and "
        "resolve it to refuse private addresses) before the call."
    )
    example = Example(
        before='requests.get(request.args["url"], timeout=5)',
        after=(
            'url = request.args["url"]\n'
            "if urlparse(url).hostname not in ALLOWED_HOSTS:\n"
            "    abort(400)\n"
            "requests.get(url, timeout=5)"
        ),
    )
    references = (
        "https://owasp.org/www-community/attacks/Server_Side_Request_Forgery",
        "https://cheatsheetseries.owasp.org/cheatsheets/"
        "Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if "request" not in module.source and not any(
            f.decorator_calls for f in module.functions
        ):
            return
        clients: set[str] | None = None
        flows: dict[int, Flow] = {}
        for call in module.calls:
            if call.function is None:
                continue
            position = MODULE_CALLS.get(call.name)
            if position is None and call.attr in CLIENT_METHODS:
                if clients is None:
                    clients = _client_names(module)
                if _is_client(module, call, clients):
                    position = CLIENT_METHODS[call.attr]
            if position is None:
                continue
            url = call.argument(position, "url")
            if url is None or isinstance(url, ast.Constant):
                continue
            key = id(call.function)
            if key not in flows:
                flows[key] = route_flow(module, call.function)
            flow = flows[key]
            line = call.node.lineno
            if not _host_tainted(flow, url, line, depth=4):
                continue
            if flow.guarded(url, line, _accept_guard):
                continue
            yield Match(
                rule_id=self.id,
                line=line,
                end_line=call.node.end_lineno or line,
                message=f"`{call.name}()` fetches a URL whose host comes from the request "
                f"(`{module.code(url)}`): a client can point the server at internal services "
                "or cloud metadata. Fix the host or check it against an allow-list.",
                code=module.code(call.node),
                scope=call.scope,
            )


def _client_names(module: PythonModule) -> set[str]:
    names = set()
    for scope in module.assignments.values():
        for name, values in scope.items():
            for value in values:
                if isinstance(value, ast.Await):
                    value = value.value
                if isinstance(value, ast.Call) and module.resolve(value.func) in CLIENT_FACTORIES:
                    names.add(name)
                    break
    return names


def _is_client(module: PythonModule, call: CallSite, clients: set[str]) -> bool:
    receiver = call.receiver
    if receiver in clients or receiver.removesuffix("()") in CLIENT_FACTORIES:
        return True
    function: FunctionInfo | None = call.function
    if function is None or "." in receiver:
        return False
    args = function.node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == receiver and arg.annotation is not None:
            return module.resolve(arg.annotation) in CLIENT_FACTORIES
    return False


def _host_tainted(flow: Flow, url: ast.expr, line: int, depth: int) -> bool:
    """Tainted data can reach the scheme or host part of the URL (not only path or query)."""
    if not flow.tainted(url, line):
        return False
    if isinstance(url, ast.Name) and depth > 0:
        live, bindings = flow.name_state(url.id, line)
        if live:
            return True
        return any(_host_tainted(flow, b.value, b.line - 1, depth - 1) for b in bindings)
    if isinstance(url, ast.Call) and url.args and depth > 0 and (
            flow.module.resolve(url.func) in URL_WRAPPERS):
        return _host_tainted(flow, url.args[0], line, depth - 1)
    pieces = _template_pieces(flow, url, line)
    if pieces is None:
        return True
    text = ""
    for piece in pieces:
        if isinstance(piece, str):
            text += piece
        elif flow.tainted(piece, line):
            if not _host_fixed(text):
                return True
        else:
            text += BASE
    return False


def _template_pieces(flow: Flow, url: ast.expr, line: int,
                     depth: int = 3) -> list[str | ast.expr] | None:
    """The URL as literal text and interpolated values in order, when it is a template."""
    match url:
        case ast.Constant(value=str() as value):
            return [value]
        case ast.Name(id=name):
            text = flow.constant_text(name, line)
            if text is not None:
                return [text]
            if depth == 0 or not flow.tainted(url, line):
                return None
            live, bindings = flow.name_state(name, line)
            if not live and len(bindings) == 1:
                return _template_pieces(flow, bindings[0].value, bindings[0].line - 1, depth - 1)
            return None
        case ast.JoinedStr(values=values):
            pieces: list[str | ast.expr] = []
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    pieces.append(value.value)
                elif isinstance(value, ast.FormattedValue):
                    expanded = _template_pieces(flow, value.value, line, 0)
                    pieces.extend(expanded if expanded is not None else [value.value])
            return pieces
        case ast.BinOp(op=ast.Add(), left=left, right=right):
            head = _template_pieces(flow, left, line, depth)
            tail = _template_pieces(flow, right, line, depth)
            return [*(head if head is not None else [left]),
                    *(tail if tail is not None else [right])]
        case ast.BinOp(op=ast.Mod(), left=ast.Constant(value=str() as template), right=right):
            values = right.elts if isinstance(right, ast.Tuple) else [right]
            prefix = template.split("%", 1)[0]
            return [prefix, *values]
        case ast.Call(func=ast.Attribute(value=ast.Constant(value=str() as template),
                                         attr="format"), args=args, keywords=keywords):
            prefix = template.split("{", 1)[0]
            return [prefix, *args, *(k.value for k in keywords)]
    return None


def _host_fixed(text: str) -> bool:
    """The literal text so far already ends the authority (scheme://host/...)."""
    if "://" in text:
        rest = text.split("://", 1)[1]
        return any(mark in rest for mark in "/?#")
    if text.startswith("//"):
        return any(mark in text[2:] for mark in "/?#")
    return bool(text) and text[0] in (BASE, "/")


def _accept_guard(guard: Guard) -> bool:
    subject = guard.subject
    if isinstance(subject, ast.Attribute) and subject.attr == "scheme":
        return False  # a scheme check alone does not pin the host
    match guard.kind:
        case "membership" | "equals" | "validator" | "function":
            return True
        case "method":
            call = guard.node
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "startswith" and call.args):
                return False
            prefixes = call.args[0]
            options = prefixes.elts if isinstance(prefixes, ast.Tuple) else [prefixes]
            return all(
                not isinstance(o, ast.Constant)
                or (isinstance(o.value, str) and HOST_PREFIX.match(o.value) is not None
                    and len(o.value.split("://", 1)[1]) > 0)
                for o in options
            )
    return False
