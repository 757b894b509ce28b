"""Python API surface: FastAPI, Flask (+ Flask-RESTful), Django URLconfs (+ DRF routers);
pydantic models, dataclasses and enums."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from reviewer.api.model import Endpoint, Field, Model
from reviewer.api.paths import join, normalize_path, normalize_regex_path
from reviewer.python.module import FunctionInfo, PythonModule, dotted_name

ROUTE_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
# Constructors of objects that carry routes: resolved name -> (framework, prefix keyword).
ROUTERS = {
    "fastapi.FastAPI": ("fastapi", None),
    "fastapi.APIRouter": ("fastapi", "prefix"),
    "fastapi.routing.APIRouter": ("fastapi", "prefix"),
    "flask.Flask": ("flask", None),
    "flask.Blueprint": ("flask", "url_prefix"),
    "flask.blueprints.Blueprint": ("flask", "url_prefix"),
    "apiflask.APIFlask": ("flask", None),
    "apiflask.APIBlueprint": ("flask", "url_prefix"),
    "flask_restful.Api": ("flask", "prefix"),
    "flask_restx.Api": ("flask", "prefix"),
}
RESTX_NAMESPACES = ("flask_restx.Namespace", "flask_restplus.Namespace")
DRF_ROUTERS = ("rest_framework.routers.DefaultRouter", "rest_framework.routers.SimpleRouter")
DJANGO_PATHS = {"django.urls.path": "path", "django.urls.re_path": "regex",
                "django.conf.urls.url": "regex"}
PYDANTIC_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.RootModel",
                            "pydantic.generics.GenericModel", "sqlmodel.SQLModel",
                            "pydantic.v1.BaseModel"})
ENUM_BASES = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.IntFlag",
                        "enum.Flag", "enum.ReprEnum"})
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
ORM_MODULES = ("django", "sqlalchemy", "tortoise", "peewee", "mongoengine", "odmantic",
               "beanie", "flask_sqlalchemy")
WEB_MODULES = ("fastapi", "flask", "pydantic", "starlette", "litestar", "sanic", "quart",
               "apiflask", "flask_restful", "flask_restx", "sqlmodel", "msgspec")
TYPING_NAMES = {"List": "list", "Dict": "dict", "Set": "set", "FrozenSet": "frozenset",
                "Tuple": "tuple", "Type": "type", "Text": "str", "Sequence": "Sequence",
                "Mapping": "Mapping"}
# Parameters that are never a request body.
PARAMETER_MARKERS = frozenset({"Depends", "Security", "Query", "Path", "Header", "Cookie",
                               "File", "Form"})
NOT_BODY_TYPES = frozenset({
    "Request", "Response", "WebSocket", "BackgroundTasks", "UploadFile", "HTTPConnection",
    "SecurityScopes", "Session", "AsyncSession", "HTTPAuthorizationCredentials",
    "HTTPBasicCredentials", "OAuth2PasswordRequestForm", "UUID", "Decimal", "Any", "Path",
    "Enum", "Optional", "Literal", "StreamingResponse", "JSONResponse",
})
RESPONSE_CLASSES = frozenset({
    "Response", "JSONResponse", "HTMLResponse", "PlainTextResponse", "RedirectResponse",
    "StreamingResponse", "FileResponse", "ORJSONResponse", "UJSONResponse",
    "EventSourceResponse", "Any", "None", "NoReturn",
})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


ALIAS_GENERATORS = {"to_camel": _camel, "to_lower_camel": _camel, "to_pascal": _pascal,
                    "camelize": _camel}


@dataclass
class _Router:
    framework: str
    prefix: str = ""
    # (parent name, prefix given when mounting, whether that prefix replaces our own)
    mounts: list[tuple[str, str | None, bool]] = field(default_factory=list)


def extract(text: str) -> tuple[list[Endpoint], list[Model]]:
    return _PythonApi(PythonModule.parse(text)).run()


class _PythonApi:
    def __init__(self, module: PythonModule) -> None:
        self.module = module
        self.routers: dict[str, _Router] = {}
        self.endpoints: list[Endpoint] = []
        self.models: dict[str, Model] = {}
        self.model_kinds: dict[str, str] = {}
        self.alias_generators: dict[str, str] = {}
        self.classes = {c.name: c for c in module.classes}

    def run(self) -> tuple[list[Endpoint], list[Model]]:
        self._collect_models()
        self._collect_routers()
        self._decorated_routes()
        self._resource_classes()
        self._django_routes()
        self._registered_routes()
        return self.endpoints, self._kept_models()

    # -- static values --------------------------------------------------------------------

    def string(self, node: ast.expr | None, depth: int = 0) -> str | None:
        if node is None or depth > 5:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            values = self.module.assigned_values(None, node.id)
            return self.string(values[0], depth + 1) if len(values) == 1 else None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                part = self.string(value.value if isinstance(value, ast.FormattedValue)
                                   else value, depth + 1)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.string(node.left, depth + 1), self.string(node.right, depth + 1)
            return None if left is None or right is None else left + right
        return None

    def strings(self, node: ast.expr | None) -> list[str] | None:
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            found = [self.string(e) for e in node.elts]
            return None if any(s is None for s in found) else found  # type: ignore[return-value]
        if isinstance(node, ast.Name):
            values = self.module.assigned_values(None, node.id)
            return self.strings(values[0]) if len(values) == 1 else None
        return None

    def last_name(self, node: ast.expr) -> str:
        return self.module.resolve(node).rsplit(".", 1)[-1]

    # -- routers and prefixes -------------------------------------------------------------

    def _collect_routers(self) -> None:
        for names in self.module.assignments.values():
            for name, values in names.items():
                for value in values:
                    if not isinstance(value, ast.Call):
                        continue
                    resolved = self.module.resolve(value.func)
                    if resolved in ROUTERS:
                        framework, keyword = ROUTERS[resolved]
                        prefix = ""
                        if keyword:
                            given = next((k.value for k in value.keywords if k.arg == keyword),
                                         None)
                            prefix = self.string(given) or ""
                        self.routers[name] = _Router(framework, prefix)
                    elif resolved in DRF_ROUTERS:
                        self.routers[name] = _Router("django")
                    elif resolved in RESTX_NAMESPACES or (
                            isinstance(value.func, ast.Attribute) and value.func.attr ==
                            "namespace" and self.module.imports("flask_restx")):
                        # Namespace("users", path="/u"): the path, else "/" + the name
                        path = self.string(next((k.value for k in value.keywords
                                                 if k.arg == "path"), None))
                        title = self.string(value.args[0]) if value.args else None
                        self.routers[name] = _Router("flask", path if path is not None
                                                     else "/" + (title or ""))
                        if isinstance(value.func, ast.Attribute):  # api.namespace(...)
                            self.routers[name].mounts.append(
                                (dotted_name(value.func.value), None, False))
        for site in self.module.calls:
            attr, receiver = site.attr, site.receiver
            if attr == "include_router":
                child, prefix, replaces = site.argument(0, "router"), site.keyword("prefix"), False
            elif attr == "register_blueprint":
                child, prefix, replaces = site.argument(0, "blueprint"), site.keyword(
                    "url_prefix"), True
            elif attr == "add_namespace":
                child, prefix, replaces = site.argument(0, "ns"), site.keyword("path"), True
            elif attr == "mount" and len(site.node.args) >= 2:
                child, prefix, replaces = site.node.args[1], None, False
                path = self.string(site.node.args[0])
                if isinstance(child, ast.Name) and child.id in self.routers and path is not None:
                    self.routers[child.id].mounts.append((receiver, path, False))
                continue
            else:
                continue
            if isinstance(child, ast.Name) and child.id in self.routers:
                given = self.string(prefix.value) if prefix is not None else None
                self.routers[child.id].mounts.append((receiver, given, replaces))

    def prefixes(self, name: str, seen: frozenset[str] = frozenset()) -> list[str]:
        router = self.routers.get(name)
        if router is None or name in seen:
            return [""]
        if not router.mounts:
            return [router.prefix]
        found = []
        for parent, given, replaces in router.mounts:
            own = given if replaces and given is not None else join(given or "", router.prefix)
            for outer in self.prefixes(parent, seen | {name}):
                found.append(join(outer, own))
        return found

    def framework_for(self, receiver: str) -> str | None:
        if receiver in self.routers:
            return self.routers[receiver].framework
        if self.module.imports("fastapi"):
            return "fastapi"
        if self.module.imports("flask") or self.module.imports("apiflask"):
            return "flask"
        return None

    # -- decorated routes: @app.get("/x"), @bp.route("/x", methods=[...]) -----------------

    def _decorated_routes(self) -> None:
        for info in self.module.functions:
            for decorator in info.decorator_calls:
                func = decorator.func
                if not isinstance(func, ast.Attribute):
                    continue
                receiver = dotted_name(func.value)
                attr = func.attr
                if attr in ROUTE_VERBS:
                    methods = [attr.upper()]
                elif attr in ("route", "api_route"):
                    given = next((k.value for k in decorator.keywords if k.arg == "methods"), None)
                    methods = [m.upper() for m in self.strings(given) or ["GET"]]
                elif attr == "websocket":
                    methods = ["WEBSOCKET"]
                else:
                    continue
                path_node = decorator.args[0] if decorator.args else next(
                    (k.value for k in decorator.keywords if k.arg in ("path", "rule")), None)
                path = self.string(path_node)
                if path is None:
                    continue
                framework = self.framework_for(receiver)
                known = receiver in self.routers
                if framework is None or framework == "django" or (
                        not known and not (path.startswith("/") or path == "")):
                    continue
                if framework == "flask" and attr == "websocket":
                    continue
                request = response = None
                if framework == "fastapi":
                    # Bodies on GET/DELETE are rare: there only Body() or a model of this file.
                    bodyless = not set(methods) & {"POST", "PUT", "PATCH"}
                    request = self.request_model(info, path, strict=bodyless)
                    response = self.response_model(info, decorator)
                for prefix in self.prefixes(receiver):
                    for method in methods:
                        self.endpoints.append(Endpoint(
                            method=method, path=join(prefix, path), handler=info.name,
                            line=decorator.lineno, request_model=request,
                            response_model=response, framework=framework))

    def _resource_classes(self) -> None:
        """Flask-RESTX resources: `@ns.route("/<int:id>")` on a class with get/post/..."""
        for node in self.module.classes:
            for decorator in node.decorator_list:
                if not (isinstance(decorator, ast.Call) and isinstance(decorator.func,
                                                                        ast.Attribute)
                        and decorator.func.attr == "route"):
                    continue
                receiver = dotted_name(decorator.func.value)
                known = self.routers.get(receiver)
                if (known.framework != "flask") if known is not None else not (
                        self.module.imports("flask_restx") or self.module.imports(
                            "flask_restplus")):
                    continue
                methods = self._class_methods(node.name)
                for path in [self.string(a) for a in decorator.args]:
                    if path is None:
                        continue
                    for prefix in self.prefixes(receiver):
                        for method in methods or ["ANY"]:
                            self.endpoints.append(Endpoint(
                                method=method, path=join(prefix, path), handler=node.name,
                                line=decorator.lineno, request_model=None,
                                response_model=None, framework="flask"))

    def request_model(self, info: FunctionInfo, path: str, strict: bool = False
                      ) -> str | None:
        args = info.node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: dict[str, ast.expr] = {}
        for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                args.defaults, strict=True):
            defaults[arg.arg] = default
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                defaults[arg.arg] = default
        path_names = {p.strip("{}").split(":")[0] for p in path.split("/") if p.startswith("{")}
        candidates = []
        for arg in (*positional, *args.kwonlyargs):
            if arg.arg in ("self", "cls") or arg.arg in path_names or arg.annotation is None:
                continue
            annotation = self._dealias(arg.annotation)
            markers = []
            if isinstance(annotation, ast.Subscript) and self.last_name(
                    annotation.value) == "Annotated" and isinstance(annotation.slice, ast.Tuple):
                markers = list(annotation.slice.elts[1:])
                annotation = annotation.slice.elts[0]
            if arg.arg in defaults:
                markers.append(defaults[arg.arg])
            marker_names = {self.last_name(m.func) for m in markers if isinstance(m, ast.Call)}
            if marker_names & PARAMETER_MARKERS:
                continue
            text = py_type(self.module, annotation)
            if "Body" in marker_names:
                return text
            if self._is_body_type(annotation) and (not strict or self._local_model(annotation)):
                candidates.append(text)
        return candidates[0] if candidates else None

    def _local_model(self, annotation: ast.expr) -> bool:
        if isinstance(annotation, ast.Subscript):
            annotation = annotation.slice
        return self.model_kinds.get(dotted_name(annotation), "enum") != "enum"

    def _dealias(self, annotation: ast.expr) -> ast.expr:
        """`SessionDep = Annotated[Session, Depends(get_db)]` used as `db: SessionDep`."""
        if isinstance(annotation, ast.Name):
            values = self.module.assigned_values(None, annotation.id)
            if len(values) == 1 and isinstance(values[0], ast.Subscript):
                return values[0]
        return annotation

    def _is_body_type(self, annotation: ast.expr) -> bool:
        if isinstance(annotation, ast.Subscript):
            if self.last_name(annotation.value) in ("list", "List", "Sequence"):
                inner = annotation.slice
                return isinstance(inner, (ast.Name, ast.Attribute)) and self._is_body_type(inner)
            return False
        if not isinstance(annotation, (ast.Name, ast.Attribute)):
            return False
        name = dotted_name(annotation).rsplit(".", 1)[-1]
        if name in self.model_kinds:
            return self.model_kinds[name] != "enum"
        if not name[:1].isupper() or name in NOT_BODY_TYPES or name.endswith(("Dep", "Deps")):
            return False
        origin = self.module.resolve(annotation)
        module_path = origin.rpartition(".")[0].lower()
        return not any(part in module_path for part in ("deps", "dependencies", "fastapi",
                                                        "starlette", "sqlalchemy", "typing"))

    def response_model(self, info: FunctionInfo, decorator: ast.Call) -> str | None:
        given = next((k.value for k in decorator.keywords if k.arg == "response_model"), None)
        if given is not None:
            if isinstance(given, ast.Constant) and given.value is None:
                return None
            return py_type(self.module, given)
        returns = info.node.returns
        if returns is None:
            return None
        text = py_type(self.module, returns)
        if text.rsplit(".", 1)[-1] in RESPONSE_CLASSES:
            return None
        origin = self.module.resolve(returns) if isinstance(returns, (ast.Name, ast.Attribute)) \
            else ""
        if origin.startswith(("fastapi.", "starlette.")):
            return None
        return text

    # -- registered routes: add_url_rule, add_api_route, add_resource, DRF register ------

    def _registered_routes(self) -> None:
        imports_restful = self.module.imports("flask_restful") or self.module.imports(
            "flask_restx")
        for site in self.module.calls:
            attr, receiver = site.attr, site.receiver
            if attr == "add_url_rule":
                framework = self.framework_for(receiver)
                if framework != "flask":
                    continue
                view = site.argument(2, "view_func")
                paths = [self.string(site.argument(0, "rule"))]
                methods = self.strings(site.keyword("methods").value) if site.keyword(
                    "methods") else None
            elif attr == "add_api_route":
                framework = self.framework_for(receiver)
                if framework != "fastapi":
                    continue
                view = site.argument(1, "endpoint")
                paths = [self.string(site.argument(0, "path"))]
                methods = self.strings(site.keyword("methods").value) if site.keyword(
                    "methods") else ["GET"]
            elif attr == "add_resource" and (imports_restful or receiver in self.routers):
                framework = "flask"
                view = site.node.args[0] if site.node.args else None
                paths = [self.string(a) for a in site.node.args[1:]]
                methods = None
            elif attr == "register" and self.routers.get(receiver, _Router("")).framework \
                    == "django":
                prefix = self.string(site.argument(0, "prefix"))
                view = site.argument(1, "viewset")
                if prefix is None or view is None:
                    continue
                handler = handler_name(self.module, view)
                for outer in self.prefixes(receiver):
                    for suffix in ("", "{pk}"):
                        self.endpoints.append(Endpoint(
                            method="ANY", path=join(outer, prefix, suffix), handler=handler,
                            line=site.node.lineno, request_model=None, response_model=None,
                            framework="django"))
                continue
            else:
                continue
            if view is None:
                continue
            handler = handler_name(self.module, view)
            if methods is None:
                methods = self._class_methods(handler) or (
                    ["GET"] if attr == "add_url_rule" and handler in {
                        f.name for f in self.module.functions} else ["ANY"])
            for path in paths:
                if path is None:
                    continue
                for prefix in self.prefixes(receiver):
                    for method in methods:
                        self.endpoints.append(Endpoint(
                            method=method.upper(), path=join(prefix, path), handler=handler,
                            line=site.node.lineno, request_model=None, response_model=None,
                            framework=framework))

    def _class_methods(self, name: str) -> list[str]:
        node = self.classes.get(name.rsplit(".", 1)[-1])
        if node is None:
            return []
        return [s.name.upper() for s in node.body
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                and s.name in ROUTE_VERBS]

    # -- Django URLconfs ------------------------------------------------------------------

    def _django_routes(self) -> None:
        module = self.module
        for site in module.calls:
            style = DJANGO_PATHS.get(site.name)
            if style is None:
                continue
            route = self.string(site.argument(0, "route"))
            view = site.argument(1, "view")
            if route is None or view is None:
                continue
            prefix = self._django_prefix(site.node)
            if prefix is None:
                continue
            if isinstance(view, ast.Call) and self.last_name(view.func) == "include":
                target = view.args[0] if view.args else None
                if isinstance(target, ast.Attribute) and target.attr == "urls" and isinstance(
                        target.value, ast.Name) and target.value.id in self.routers:
                    here = self._route(style, route)
                    self.routers[target.value.id].mounts.append(("", join(prefix, here),
                                                                 False))
                continue
            self.endpoints.append(Endpoint(
                method="ANY", path=join(prefix, self._route(style, route)),
                handler=handler_name(module, view), line=site.node.lineno,
                request_model=None, response_model=None, framework="django"))

    def _route(self, style: str, route: str) -> str:
        return normalize_regex_path(route) if style == "regex" else normalize_path(route)

    def _django_prefix(self, node: ast.Call) -> str | None:
        """Routes nested in `path("api/", include([...]))` carry the outer route."""
        parts = []
        for ancestor in self.module.ancestors(node):
            if isinstance(ancestor, ast.Call):
                style = DJANGO_PATHS.get(self.module.resolve(ancestor.func))
                if style is not None:
                    route = self.string(ancestor.args[0]) if ancestor.args else None
                    if route is None:
                        return None
                    parts.append(self._route(style, route))
        return join(*reversed(parts))

    # -- models ---------------------------------------------------------------------------

    def _collect_models(self) -> None:
        imports_pydantic = self.module.imports("pydantic") or self.module.imports("sqlmodel")
        for node in self.module.classes:
            if not isinstance(self.module.parent(node), ast.Module):
                continue
            kind = self._model_kind(node, imports_pydantic)
            if kind is None:
                continue
            self.model_kinds[node.name] = kind
            if kind == "enum":
                self.models[node.name] = Model(node.name, "enum", (), self._enum_values(node),
                                               node.lineno)
                continue
            inherited: dict[str, Field] = {}
            generator = self._alias_generator(node)
            for base in node.bases:
                parent = self.models.get(dotted_name(base))
                if parent is not None and parent.kind == kind:
                    inherited.update({f.name: f for f in parent.fields})
                    generator = generator or self.alias_generators.get(parent.name)
            if generator:
                self.alias_generators[node.name] = generator
            own = {f.name: f for f in self._fields(node, kind, generator)}
            fields = {**inherited, **own}
            self.models[node.name] = Model(node.name, kind, tuple(fields.values()), (),
                                           node.lineno)

    def _model_kind(self, node: ast.ClassDef, imports_pydantic: bool) -> str | None:
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.module.resolve(target) in DATACLASS_DECORATORS:
                return "dataclass"
        for base in node.bases:
            resolved = self.module.resolve(base)
            local = dotted_name(base)
            if resolved in PYDANTIC_BASES or self.model_kinds.get(local) == "pydantic":
                return "pydantic"
            if resolved in ENUM_BASES or self.model_kinds.get(local) == "enum":
                return "enum"
        if imports_pydantic:
            for base in node.bases:
                resolved = self.module.resolve(base)
                local = dotted_name(base)
                if "." not in local and resolved != local and local.endswith(
                        ("Schema", "Model")) and not any(
                        resolved.startswith(m) for m in ORM_MODULES) and "BaseSettings" not in \
                        resolved:
                    return "pydantic"
        return None

    def _alias_generator(self, node: ast.ClassDef) -> str | None:
        """`model_config = ConfigDict(alias_generator=to_camel)` or v1 `class Config:`."""
        for statement in node.body:
            value = None
            if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "model_config" for t in statement.targets):
                config = statement.value
                if isinstance(config, ast.Call):
                    value = next((k.value for k in config.keywords
                                  if k.arg == "alias_generator"), None)
                elif isinstance(config, ast.Dict):
                    value = next((v for k, v in zip(config.keys, config.values, strict=True)
                                  if isinstance(k, ast.Constant) and k.value == "alias_generator"),
                                 None)
            elif isinstance(statement, ast.ClassDef) and statement.name == "Config":
                for inner in statement.body:
                    if isinstance(inner, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == "alias_generator"
                            for t in inner.targets):
                        value = inner.value
            if value is not None:
                name = self.last_name(value) if isinstance(value, (ast.Name, ast.Attribute)) \
                    else ""
                return name if name in ALIAS_GENERATORS else None
        return None

    def _fields(self, node: ast.ClassDef, kind: str, generator: str | None = None
                ) -> list[Field]:
        fields = []
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target,
                                                                          ast.Name):
                continue
            name = statement.target.id
            annotation = statement.annotation
            if name.startswith("_") or name == "model_config":
                continue
            if self.last_name(annotation.value if isinstance(annotation, ast.Subscript)
                              else annotation) in ("ClassVar", "InitVar"):
                continue
            options: ast.Call | None = None
            if isinstance(annotation, ast.Subscript) and self.last_name(
                    annotation.value) == "Annotated" and isinstance(annotation.slice, ast.Tuple):
                options = next((m for m in annotation.slice.elts[1:] if isinstance(m, ast.Call)
                                and self.last_name(m.func) == "Field"), None)
                annotation = annotation.slice.elts[0]
            value = statement.value
            if isinstance(value, ast.Call) and self.last_name(value.func) in (
                    "Relationship", "PrivateAttr"):
                continue  # sqlmodel relationships and private attributes are not serialized
            has_default = value is not None
            if isinstance(value, ast.Call) and self.last_name(value.func) in ("Field", "field"):
                options = value
            if options is not None:
                has_default = _field_has_default(options, kind)
                if value is not None and value is not options:
                    has_default = True
            wire = ALIAS_GENERATORS[generator](name) if generator else name
            if options is not None and kind == "pydantic":
                alias = next((k.value for k in options.keywords if k.arg == "alias"), None)
                wire = self.string(alias) or wire
            type_text = py_type(self.module, annotation)
            optional = kind == "pydantic" and _is_optional(type_text)
            fields.append(Field(wire, type_text, not has_default and not optional,
                                statement.lineno))
        return fields

    def _enum_values(self, node: ast.ClassDef) -> tuple[str, ...]:
        values = []
        for statement in node.body:
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            target = statement.targets[0]
            if not isinstance(target, ast.Name) or target.id.startswith("_"):
                continue
            value = statement.value
            if isinstance(value, ast.Constant) and isinstance(value.value, (str, int, float)) \
                    and not isinstance(value.value, bool):
                values.append(str(value.value))
            elif isinstance(value, ast.Call) and self.last_name(value.func) == "auto" and any(
                    self.module.resolve(b) == "enum.StrEnum" for b in node.bases):
                values.append(target.id.lower())
            else:
                values.append(target.id)
        return tuple(values)

    def _kept_models(self) -> list[Model]:
        """Pydantic models and str/int enums always; dataclasses and plain enums only in files
        that look like API code, or when an endpoint of the file uses them."""
        api_file = bool(self.endpoints) or "pydantic" in self.model_kinds.values() or any(
            self.module.imports(m) for m in WEB_MODULES)
        used = {e.request_model for e in self.endpoints} | {e.response_model
                                                              for e in self.endpoints}
        kept = []
        for name, model in self.models.items():
            if model.kind == "pydantic" or api_file or name in used:
                kept.append(model)
            elif model.kind == "enum" and self._typed_enum(self.classes[name]):
                kept.append(model)
        return kept

    def _typed_enum(self, node: ast.ClassDef) -> bool:
        return any(self.module.resolve(b) in ("str", "int", "enum.StrEnum", "enum.IntEnum")
                   for b in node.bases)


def _field_has_default(options: ast.Call, kind: str) -> bool:
    if kind == "pydantic" and options.args:
        first = options.args[0]
        return not (isinstance(first, ast.Constant) and first.value is Ellipsis)
    for keyword in options.keywords:
        if keyword.arg in ("default", "default_factory"):
            return not (isinstance(keyword.value, ast.Constant) and keyword.value.value is
                        Ellipsis)
    return False


def _is_optional(type_text: str) -> bool:
    return type_text == "None" or type_text.endswith(" | None") or type_text == "Any"


def handler_name(module: PythonModule, view: ast.expr) -> str:
    """The bare function or class name: `views.PostDetail.as_view()` -> "PostDetail"."""
    if isinstance(view, ast.Call):
        if isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            return handler_name(module, view.func.value)
        if view.args:  # login_required(view), csrf_exempt(view)
            return handler_name(module, view.args[0])
        return handler_name(module, view.func)
    name = dotted_name(view)
    return name.rsplit(".", 1)[-1] if name else "<anonymous>"


def py_type(module: PythonModule, node: ast.expr | None) -> str:
    """Annotation text with typing spellings folded: List[X] -> list[X], Optional[X] ->
    X | None, Annotated[X, ...] -> X, None last in unions."""
    if node is None:
        return ""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return "None"
        if isinstance(node.value, str):  # forward reference
            try:
                return py_type(module, ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return node.value
        return repr(node.value)
    if isinstance(node, (ast.Name, ast.Attribute)):
        text = dotted_name(node)
        resolved = module.resolve(node)
        if resolved.startswith(("typing.", "typing_extensions.")) or text in TYPING_NAMES:
            short = resolved.rsplit(".", 1)[-1]
            return TYPING_NAMES.get(short, short)
        return text or ast.unparse(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([py_type(module, node.left), py_type(module, node.right)])
    if isinstance(node, ast.Subscript):
        base = py_type(module, node.value)
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Optional":
            return _union([py_type(module, items[0]), "None"])
        if base == "Union":
            return _union([py_type(module, i) for i in items])
        if base == "Annotated":
            return py_type(module, items[0])
        if base == "Literal":
            return f"Literal[{', '.join(ast.unparse(i) for i in items)}]"
        return f"{base}[{', '.join(py_type(module, i) for i in items)}]"
    if isinstance(node, ast.List):
        return f"[{', '.join(py_type(module, i) for i in node.elts)}]"
    return " ".join(ast.unparse(node).split())


def _union(parts: list[str]) -> str:
    flat: list[str] = []
    for part in parts:
        for piece in part.split(" | ") if "[" not in part else [part]:
            if piece not in flat:
                flat.append(piece)
    if "None" in flat:
        flat.remove("None")
        flat.append("None")
    return " | ".join(flat)
