"""Small intra-function taint tracking: web request data (or parameters) flowing into a sink.

One `Flow` per function. It walks that function's body once to collect the local bindings
(assignments, `for` targets, `with ... as`, comprehensions, walrus) and the checks that
guard a value (allow-list membership, `startswith`, `is_relative_to`, validators). Taint
is then asked for per expression and line: a name is tainted at line L when a binding of
it before L holds a tainted value, or when it is a source parameter that no unconditional
clean re-assignment has replaced.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reviewer.python.module import FunctionInfo, PythonModule, dotted_name

ROUTE_VERBS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "api_route", "route",
    "websocket",
})
REQUEST_NAMES = frozenset({"request", "req"})
REQUEST_RESOLVED = frozenset({"flask.request", "quart.request", "sanic.request"})
# Attributes of a web request object that carry client-controlled data
# (Flask, Django, DRF, Starlette/FastAPI).
REQUEST_ATTRS = frozenset({
    "args", "form", "values", "json", "data", "files", "cookies", "headers", "view_args",
    "GET", "POST", "FILES", "COOKIES", "META", "body", "query_params", "path_params",
    "query_string",
})
# Methods of a web request object that return client-controlled data.
REQUEST_METHODS = frozenset({"get_json", "get_data", "json", "form", "body"})
# Route-handler parameters with these annotations are not attacker-chosen text.
SAFE_ANNOTATIONS = frozenset({
    "int", "float", "bool", "UUID", "UUID4", "UUID1", "datetime", "date", "time", "Decimal",
    "PositiveInt", "NonNegativeInt", "conint", "confloat", "Request", "Response",
    "HttpRequest", "BackgroundTasks", "Session", "AsyncSession", "WebSocket",
    "HTTPConnection", "SecurityScopes", "HTTPAuthorizationCredentials", "Literal", "None",
    "AsyncClient", "Client", "ClientSession", "Redis", "Connection", "Engine",
})
DEPENDENCY_FACTORIES = frozenset({"Depends", "Security"})
SAFE_CONVERTER = re.compile(r"<(?:int|float|uuid):(\w+)>|\{(\w+):(?:int|float|uuid)\}")
# Calls whose result carries the taint of their arguments.
PASS_THROUGH = frozenset({
    "str", "format", "os.fspath", "os.path.join", "os.path.abspath", "os.path.normpath",
    "os.path.realpath", "os.path.expanduser", "os.path.expandvars", "posixpath.join",
    "ntpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath",
    "pathlib.PosixPath", "anyio.Path", "trio.Path", "urllib.parse.urljoin",
    "urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.urlparse",
    "urllib.parse.urlsplit", "urllib.parse.urlunparse", "urllib.parse.urlunsplit",
    "urllib.request.Request", "httpx.URL", "yarl.URL", "furl.furl", "json.loads",
    "base64.b64decode", "base64.urlsafe_b64decode", "bytes.decode",
})
# Methods on an untainted receiver that splice their arguments into the result.
SPLICING_METHODS = frozenset({"join", "format", "format_map", "joinpath", "replace"})
# Methods whose result is a boolean or a number: never a path or a URL.
PREDICATE_METHODS = frozenset({
    "startswith", "endswith", "isdigit", "isalnum", "isalpha", "isdecimal", "isnumeric",
    "isidentifier", "exists", "is_file", "is_dir", "is_relative_to", "count", "index", "find",
})
# Methods whose result the server chooses, whatever the receiver.
CLEAN_METHODS = frozenset({"temporary_file_path", "hexdigest", "digest", "uuid4"})
# Calls that turn any input into something harmless for every sink here.
ALWAYS_CLEAN = frozenset({
    "int", "float", "bool", "len", "abs", "round", "hash", "uuid.UUID", "uuid.uuid4",
    "hashlib.sha256", "hashlib.md5", "hashlib.sha1",
})
PATH_PART_ATTRS = frozenset({"name", "stem", "suffix"})
PATH_FACTORIES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath",
                            "pathlib.PosixPath", "anyio.Path"})
GUARD_METHODS = frozenset({
    "startswith", "is_relative_to", "relative_to", "isalnum", "isdigit", "isidentifier",
    "isdecimal", "isnumeric", "match", "fullmatch",
})
GUARD_FUNCTIONS = frozenset({
    "os.path.commonpath", "os.path.commonprefix", "re.match", "re.fullmatch", "re.search",
})
VALIDATOR = re.compile(
    r"valid|allow|safe|secure|trusted|whitelist|permit|verify|check|sanitiz|ensure", re.I
)


@dataclass(slots=True)
class Binding:
    line: int
    value: ast.expr
    top_level: bool  # a statement directly in the function body: runs unconditionally
    kills: bool  # a fresh binding (not `+=`): replaces what the name held before


@dataclass(slots=True)
class Guard:
    line: int
    node: ast.AST  # the Compare or Call doing the check
    subject: ast.expr  # the value being checked
    kind: str  # "membership", "contains", "equals", "method", "function", "validator"


def is_request_object(module: PythonModule, node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        if node.id in REQUEST_NAMES:
            return True
        return module.aliases.get(node.id, "") in REQUEST_RESOLVED
    if isinstance(node, ast.Attribute):
        if node.attr == "request" and isinstance(node.value, ast.Name):
            return node.value.id == "self" or module.resolve(node) in REQUEST_RESOLVED
    return False


def is_source_attribute(module: PythonModule, node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in REQUEST_ATTRS
            and is_request_object(module, node.value))


def is_source_call(module: PythonModule, node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in REQUEST_METHODS
            and is_request_object(module, node.func.value))


def route_decorator(function: FunctionInfo) -> ast.Call | None:
    """The `@app.get("/x")` / `@bp.route("/x")` decorator that makes this a web handler."""
    for decorator in function.decorator_calls:
        func = decorator.func
        if not (isinstance(func, ast.Attribute) and func.attr in ROUTE_VERBS):
            continue
        if decorator.args and isinstance(decorator.args[0], ast.Constant) and isinstance(
                decorator.args[0].value, str):
            return decorator
        if any(kw.arg in ("path", "rule") for kw in decorator.keywords):
            return decorator
    return None


def route_parameters(function: FunctionInfo, module: PythonModule | None = None) -> set[str]:
    """Parameters of a web route handler that the client chooses (path, query, body...)."""
    decorator = route_decorator(function)
    if decorator is None:
        return set()
    safe_names: set[str] = set()
    for arg in decorator.args[:1]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            for found in SAFE_CONVERTER.finditer(arg.value):
                safe_names.add(found.group(1) or found.group(2))
    args = function.node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: dict[str, ast.expr] = {}
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults,
                            strict=True):
        defaults[arg.arg] = default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            defaults[arg.arg] = default
    found = set()
    for arg in (*positional, *args.kwonlyargs):
        name = arg.arg
        if name in ("self", "cls") or name in REQUEST_NAMES or name in safe_names:
            continue
        default = defaults.get(name)
        if isinstance(default, ast.Call) and (
                _last(default.func) in DEPENDENCY_FACTORIES or _constrained(default)):
            continue
        if arg.annotation is not None and safe_annotation(arg.annotation, module):
            continue
        found.add(name)
    return found


def _constrained(node: ast.expr) -> bool:
    """`Query(..., pattern=r"^[a-z]+$")`, `constr(regex=...)`: validated against a pattern."""
    return isinstance(node, ast.Call) and any(
        kw.arg in ("regex", "pattern") for kw in node.keywords
    )


def safe_annotation(node: ast.expr, module: PythonModule | None = None) -> bool:
    match node:
        case ast.Constant(value=None):
            return True
        case ast.Constant(value=str() as text):
            return text.rsplit(".", 1)[-1] in SAFE_ANNOTATIONS
        case ast.Name() | ast.Attribute():
            last = _last(node)
            return last in SAFE_ANNOTATIONS or (module is not None and _is_enum(module, last))
        case ast.Call():
            return _constrained(node) or _last(node.func) in SAFE_ANNOTATIONS
        case ast.BinOp(op=ast.BitOr(), left=left, right=right):
            return safe_annotation(left, module) and safe_annotation(right, module)
        case ast.Subscript(value=base, slice=inner):
            head = _last(base)
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if head == "Annotated":
                if any(isinstance(p, ast.Call) and (_last(p.func) in DEPENDENCY_FACTORIES
                                                    or _constrained(p)) for p in parts[1:]):
                    return True
                return bool(parts) and safe_annotation(parts[0], module)
            if head == "Literal":
                return True
            if head in ("Optional", "Union", "list", "List", "set", "Set", "Sequence"):
                return all(safe_annotation(p, module) for p in parts)
    return False


def _is_enum(module: PythonModule, name: str) -> bool:
    for cls in module.classes:
        if cls.name == name:
            return any(_last(base).endswith("Enum") for base in cls.bases)
    return False


def model_field_annotation(module: PythonModule, class_name: str, field: str) -> ast.expr | None:
    """The annotation of `field` in a class defined in this module (a pydantic model)."""
    for cls in module.classes:
        if cls.name == class_name:
            for statement in cls.body:
                if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                        and statement.target.id == field):
                    return statement.annotation
    return None


def route_flow(module: PythonModule, function: FunctionInfo,
               sanitizers: frozenset[str] = frozenset(), shared: Flow | None = None) -> Flow:
    """A Flow whose sources are the route's client-chosen parameters and request data."""
    sources = route_parameters(function, module)
    models: dict[str, str] = {}
    args = function.node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg in sources and isinstance(arg.annotation, ast.Name | ast.Attribute):
            models[arg.arg] = _last(arg.annotation)
    return Flow(module, function, sources=sources, sanitizers=sanitizers, models=models,
                shared=shared)


def _last(node: ast.expr) -> str:
    return dotted_name(node).rsplit(".", 1)[-1]


class Flow:
    """Taint questions about one function; build it only for functions that hold a sink."""

    def __init__(
        self,
        module: PythonModule,
        function: FunctionInfo | None,
        *,
        sources: Iterable[str] = (),
        sanitizers: frozenset[str] = frozenset(),
        propagate_calls: bool = False,
        extra_source: Callable[[ast.expr], bool] | None = None,
        models: dict[str, str] | None = None,
        shared: Flow | None = None,
    ) -> None:
        self.module = module
        self.function = function
        self.sources = set(sources)
        self.sanitizers = sanitizers
        self.propagate_calls = propagate_calls
        self.extra_source = extra_source
        # Source parameters annotated with a class: its field annotations tell safe fields.
        self.models = models or {}
        self._memo: dict[tuple[str, int], bool] = {}
        self._busy: set[tuple[str, int]] = set()
        self._request_flow: Flow | None = None
        self._shared = shared  # same function, other sources: reuse its one walk
        self._bindings: dict[str, list[Binding]] | None = None
        self._guards: list[Guard] = []

    @property
    def bindings(self) -> dict[str, list[Binding]]:
        """Local bindings by name; the function body is walked on first use only."""
        if self._bindings is None:
            if self._shared is not None:
                self._bindings = self._shared.bindings
                self._guards = self._shared.guards
            else:
                self._bindings = {}
                self._collect()
                for bindings in self._bindings.values():
                    bindings.sort(key=lambda b: b.line)
        return self._bindings

    @property
    def guards(self) -> list[Guard]:
        self.bindings  # noqa: B018 - collects the guards too
        return self._guards

    @property
    def request_flow(self) -> Flow:
        """The same function seen with request data (and route parameters) as the only
        sources; for callers whose own sources are broader, such as every parameter."""
        if self._request_flow is None:
            if self.function is None:
                self._request_flow = self
            else:
                self._request_flow = route_flow(self.module, self.function, shared=self)
        return self._request_flow

    # -- collection -------------------------------------------------------------------

    def _collect(self) -> None:
        if self.function is None:
            # Module level: the shared index's assignments, not a walk of the whole module.
            for name, values in self.module.assignments.get(None, {}).items():
                self._bindings[name] = [Binding(v.lineno, v, True, True) for v in values]
            return
        body = {id(statement) for statement in self.function.node.body}
        for node in ast.walk(self.function.node):
            match node:
                case ast.Assign(targets=targets, value=value):
                    for target in targets:
                        self._bind(target, value, node.lineno, id(node) in body, True)
                case ast.AnnAssign(target=target, value=value) if value is not None:
                    self._bind(target, value, node.lineno, id(node) in body, True)
                case ast.AugAssign(target=target, value=value):
                    if isinstance(target, ast.Name):
                        # `url += x` holds what `url` held before, then `x`.
                        previous = ast.copy_location(ast.Name(id=target.id, ctx=ast.Load()),
                                                     target)
                        value = ast.copy_location(
                            ast.BinOp(left=previous, op=node.op, right=value), node)
                    self._bind(target, value, node.lineno, False, False)
                case ast.NamedExpr(target=target, value=value):
                    self._bind(target, value, node.lineno, False, True)
                case ast.For(target=target, iter=iterable) | ast.AsyncFor(
                        target=target, iter=iterable):
                    self._bind(target, iterable, node.lineno, False, True)
                case ast.comprehension(target=target, iter=iterable):
                    self._bind(target, iterable, iterable.lineno, False, True)
                case ast.withitem(context_expr=value, optional_vars=target) if target:
                    self._bind(target, value, value.lineno, False, True)
                case ast.Compare():
                    self._compare_guard(node)
                case ast.Call():
                    self._call_guard(node)

    def _bind(self, target: ast.expr, value: ast.expr, line: int, top: bool, kills: bool):
        if isinstance(target, ast.Name):
            self._bindings.setdefault(target.id, []).append(Binding(line, value, top, kills))
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            key = f"{target.value.id}.{target.attr}"
            self._bindings.setdefault(key, []).append(Binding(line, value, top, kills))
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element, value, line, top, kills)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, line, top, kills)

    def _compare_guard(self, node: ast.Compare) -> None:
        if len(node.ops) != 1:
            return
        op, right = node.ops[0], node.comparators[0]
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(node.left, ast.Constant):
                self._guards.append(Guard(node.lineno, node, right, "contains"))
            else:
                self._guards.append(Guard(node.lineno, node, node.left, "membership"))
        elif isinstance(op, ast.Eq | ast.NotEq):
            for subject, other in ((node.left, right), (right, node.left)):
                if isinstance(other, ast.Constant) and isinstance(other.value, str) and "." in (
                        other.value):
                    self._guards.append(Guard(node.lineno, node, subject, "equals"))

    def _call_guard(self, node: ast.Call) -> None:
        func = node.func
        name = self.module.resolve(func)
        if name in GUARD_FUNCTIONS:
            for arg in node.args:
                self._guards.append(Guard(node.lineno, node, arg, "function"))
        elif isinstance(func, ast.Attribute) and func.attr in GUARD_METHODS:
            if func.attr in ("match", "fullmatch"):
                for arg in node.args[:1]:
                    self._guards.append(Guard(node.lineno, node, arg, "function"))
            else:
                self._guards.append(Guard(node.lineno, node, func.value, "method"))
        elif node.args and VALIDATOR.search(name.rsplit(".", 1)[-1]) and self._is_check(node):
            for arg in node.args:
                self._guards.append(Guard(node.lineno, node, arg, "validator"))

    def _is_check(self, node: ast.Call) -> bool:
        """The call's result is a verdict (a statement, a condition), not a cleaned value."""
        parent = self.module.parent(node)
        while isinstance(parent, ast.UnaryOp | ast.BoolOp | ast.Await):
            parent = self.module.parent(parent)
        return isinstance(parent, ast.Expr | ast.If | ast.Assert | ast.While | ast.IfExp)

    # -- taint ------------------------------------------------------------------------

    def name_state(self, name: str, line: int) -> tuple[bool, list[Binding]]:
        """(source parameter still live at `line`, tainted bindings that reach `line`)."""
        live = name in self.sources
        tainted: list[Binding] = []
        for binding in self.bindings.get(name, ()):
            if binding.line > line:
                break
            if self.tainted(binding.value, binding.line - 1):
                tainted.append(binding)
            elif binding.top_level and binding.kills:
                live = False
                tainted = []
        return live, tainted

    def name_tainted(self, name: str, line: int) -> bool:
        key = (name, line)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            return False
        self._busy.add(key)
        live, tainted = self.name_state(name, line)
        self._busy.discard(key)
        self._memo[key] = result = live or bool(tainted)
        return result

    def tainted(self, node: ast.expr | None, line: int) -> bool:
        if node is None:
            return False
        if self.extra_source is not None and self.extra_source(node):
            return True
        match node:
            case ast.Constant():
                return False
            case ast.Name(id=name):
                return self.name_tainted(name, line)
            case ast.Attribute(value=value, attr=attr):
                if is_source_attribute(self.module, node):
                    return True
                if isinstance(value, ast.Name) and f"{value.id}.{attr}" in self.bindings:
                    if self.name_tainted(f"{value.id}.{attr}", line):
                        return True
                if attr in PATH_PART_ATTRS and self.pathlike(value, line):
                    return False
                if isinstance(value, ast.Name) and value.id in self.models:
                    field = model_field_annotation(self.module, self.models[value.id], attr)
                    if field is not None and safe_annotation(field, self.module):
                        return False
                return self.tainted(value, line)
            case ast.Subscript(value=value):
                return self.tainted(value, line)
            case ast.Call():
                return self._call_tainted(node, line)
            case ast.Await(value=value) | ast.Starred(value=value) | ast.NamedExpr(
                    value=value) | ast.FormattedValue(value=value):
                return self.tainted(value, line)
            case ast.JoinedStr(values=values):
                return any(self.tainted(v, line) for v in values)
            case ast.BinOp(left=left, right=right):
                return self.tainted(left, line) or self.tainted(right, line)
            case ast.BoolOp(values=values):
                return any(self.tainted(v, line) for v in values)
            case ast.IfExp(body=body, orelse=orelse):
                return self.tainted(body, line) or self.tainted(orelse, line)
            case ast.List(elts=elts) | ast.Tuple(elts=elts) | ast.Set(elts=elts):
                return any(self.tainted(e, line) for e in elts)
            case ast.Dict(values=values):
                return any(self.tainted(v, line) for v in values)
            case ast.ListComp(elt=elt, generators=gens) | ast.SetComp(
                    elt=elt, generators=gens) | ast.GeneratorExp(elt=elt, generators=gens):
                # The targets are bound to their iterables, so `elt` carries the taint.
                if self.function is None and isinstance(elt, ast.Name) and any(
                        isinstance(g.target, ast.Name) and g.target.id == elt.id for g in gens):
                    return any(self.tainted(g.iter, line) for g in gens)
                return self.tainted(elt, line)
        return False

    def _call_tainted(self, node: ast.Call, line: int) -> bool:
        if is_source_call(self.module, node):
            return True
        func = node.func
        name = self.module.resolve(func)
        last = name.rsplit(".", 1)[-1]
        if name in ALWAYS_CLEAN or name in self.sanitizers or last in self.sanitizers:
            return False
        arguments = [*node.args, *(kw.value for kw in node.keywords)]
        if name in PASS_THROUGH:
            return any(self.tainted(a, line) for a in arguments)
        if isinstance(func, ast.Attribute):
            if func.attr in PREDICATE_METHODS or func.attr in CLEAN_METHODS:
                return False
            if func.attr == "get" and any(
                kw.arg == "type" and isinstance(kw.value, ast.Name)
                and kw.value.id in ("int", "float", "bool") for kw in node.keywords
            ):
                return False  # `request.args.get("page", type=int)`
            if self.tainted(func.value, line):
                return True
            if func.attr in SPLICING_METHODS:
                return any(self.tainted(a, line) for a in arguments)
            if func.attr == "get" and not self.propagate_calls:
                return False  # a lookup in a fixed mapping: the allow-list pattern
        if self.propagate_calls:
            return any(self.tainted(a, line) for a in arguments)
        return False

    def constant_text(self, name: str, line: int) -> str | None:
        """The string a name holds at `line` when every binding of it is one literal."""
        bindings = [b for b in self.bindings.get(name, ()) if b.line <= line]
        if not bindings and self.function is not None:
            bindings = [Binding(v.lineno, v, True, True)
                        for v in self.module.assignments.get(None, {}).get(name, ())]
        values = {b.value.value for b in bindings
                  if isinstance(b.value, ast.Constant) and isinstance(b.value.value, str)}
        if len(values) == 1 and len(bindings) == len([b for b in bindings
                                                      if isinstance(b.value, ast.Constant)]):
            return values.pop()
        return None

    def pathlike(self, node: ast.expr, line: int, depth: int = 3) -> bool:
        """A pathlib object: `Path(...)`, `base / name`, or a name bound to one."""
        match node:
            case ast.Call(func=func):
                if self.module.resolve(func) in PATH_FACTORIES:
                    return True
                if isinstance(func, ast.Attribute) and func.attr == "joinpath":
                    return True
                return isinstance(func, ast.Attribute) and func.attr in (
                    "resolve", "absolute", "with_name", "with_suffix", "expanduser"
                ) and self.pathlike(func.value, line, depth)
            case ast.BinOp(op=ast.Div()):
                return True
            case ast.Name(id=name) if depth > 0:
                return any(self.pathlike(b.value, b.line, depth - 1)
                           for b in self.bindings.get(name, ()) if b.line <= line)
        return False

    # -- guards -----------------------------------------------------------------------

    def guarded(self, sink: ast.expr, line: int, accept: Callable[[Guard], bool],
                direct_kinds: frozenset[str] = frozenset()) -> bool:
        """True when a check on the same data (allow-list, prefix, validator) precedes it.

        A guard of a kind in `direct_kinds` must check a name the sink's value is built
        from, not something derived from it (`ext in ALLOWED` does not vet `filename`).
        """
        if not self.guards:
            return False
        sink_roots = self.roots(sink, line)
        if not sink_roots:
            return False
        for guard in self.guards:
            if guard.line > line or not accept(guard):
                continue
            if not self.tainted(guard.subject, guard.line):
                continue
            follow = guard.kind not in direct_kinds
            if self.roots(guard.subject, guard.line, follow=follow) & sink_roots:
                return True
        return False

    def roots(self, node: ast.expr, line: int, follow: bool = True) -> set[str]:
        """Names (and request fields) a value is built from, followed through bindings."""
        found: set[str] = set()
        pending = [(node, line)]
        seen: set[str] = set()
        while pending:
            expr, at = pending.pop()
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Name):
                    if sub.id in REQUEST_NAMES or sub.id in ("self", "cls") or sub.id in seen:
                        continue
                    seen.add(sub.id)
                    found.add(sub.id)
                    if not follow:
                        continue
                    for binding in self.bindings.get(sub.id, ()):
                        if binding.line <= at:
                            pending.append((binding.value, binding.line))
                elif isinstance(sub, ast.Subscript) and is_source_attribute(
                        self.module, sub.value):
                    found.add(f"{self.module.code(sub.value)}[{self.module.code(sub.slice)}]")
                elif (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                      and sub.func.attr == "get" and sub.args
                      and is_source_attribute(self.module, sub.func.value)):
                    found.add(f"{self.module.code(sub.func.value)}[{self.module.code(sub.args[0])}]")
                elif is_source_call(self.module, sub):
                    found.add(self.module.code(sub))
        return found
