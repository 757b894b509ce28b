"""Go API surface: net/http (incl. Go 1.22 method patterns), gin, echo, chi, gorilla/mux and
fiber routes; structs with json tags and typed const enums."""

from __future__ import annotations

import re

from tree_sitter import Node

from reviewer.api.model import HTTP_METHODS, Endpoint, Field, Model, Unreadable
from reviewer.api.paths import join
from reviewer.files import FileKind
from reviewer.treesitter import TreeModule

# Import path fragments (github.com/..., gopkg.in/..., versioned suffixes all match).
FRAMEWORK_IMPORTS = (
    ("gin-gonic/gin", "gin"),
    ("labstack/echo", "echo"),
    ("go-chi/chi", "chi"),
    ("gorilla/mux", "gorilla/mux"),
    ("gofiber/fiber", "fiber"),
    ("julienschmidt/httprouter", "httprouter"),
)
UPPER_VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD",
                         "CONNECT", "TRACE"})
TITLE_VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH",
               "Delete": "DELETE", "Options": "OPTIONS", "Head": "HEAD", "Connect": "CONNECT",
               "Trace": "TRACE", "All": "ANY"}
BINDERS = frozenset({"ShouldBindJSON", "BindJSON", "ShouldBind", "Bind", "ShouldBindWith",
                     "MustBindWith", "ShouldBindBodyWith", "BodyParser", "ShouldBindXML",
                     "BindXML"})
STRING_TYPES = frozenset({"interpreted_string_literal", "raw_string_literal"})
ROOT_CONSTRUCTORS = re.compile(r"^(gin\.(Default|New)|echo\.New|chi\.NewRouter|chi\.NewMux|"
                               r"mux\.NewRouter|http\.NewServeMux|fiber\.New|httprouter\.New)$")
WRAPPERS = frozenset({"http.HandlerFunc", "http.StripPrefix", "http.TimeoutHandler",
                      "http.MaxBytesHandler", "http.AllowQuerySemicolons"})
BASIC_LITERALS = frozenset({"interpreted_string_literal", "raw_string_literal", "int_literal",
                            "float_literal", "nil", "true", "false"})
TAG = re.compile(r'(\w+):"((?:[^"\\]|\\.)*)"')


def extract(text: str, kind: FileKind) -> tuple[list[Endpoint], list[Model]]:
    module = TreeModule.parse(text, kind)
    if module.parse_problem() is not None:
        raise Unreadable(module.parse_problem())
    return _GoApi(module).run()


class _GoApi:
    def __init__(self, module: TreeModule) -> None:
        self.module = module
        self.endpoints: list[Endpoint] = []
        self.structs: dict[str, Node] = {}
        self.models: dict[str, Model] = {}
        self.frameworks: list[str] = []
        self.net_http = False
        self.functions: dict[str, list[Node]] = {}
        # name -> [(scope node or None, start byte, value node)] for `x := ...` / `var x = ...`
        self.assignments: dict[str, list[tuple[Node | None, int, Node]]] = {}
        self.mounts: list[tuple[Node, Node, Node]] = []  # (call, pattern, mounted expression)
        self._parameter_cache: dict[tuple[int, str], list[str]] = {}
        self.calls_by_name: dict[str, list] = {}
        for call in module.calls:
            self.calls_by_name.setdefault(call.attr, []).append(call)

    def text_of(self, node: Node | None) -> str:
        return self.module.text_of(node)

    def string(self, node: Node | None) -> str | None:
        if node is None or node.type not in STRING_TYPES:
            return None
        content = self.text_of(node)[1:-1]
        if node.type == "interpreted_string_literal":
            content = content.replace('\\"', '"').replace("\\\\", "\\")
        return content

    def run(self) -> tuple[list[Endpoint], list[Model]]:
        self._imports()
        self._declarations()
        self._routes()
        self._models()
        used = {e.request_model for e in self.endpoints}
        for name in used:
            bare = (name or "").lstrip("[]*")
            if bare in self.structs and bare not in self.models:
                self.models[bare] = self._struct_model(bare, force=True)
        return self.endpoints, [m for m in self.models.values() if m is not None]

    def _imports(self) -> None:
        for node in self.module.captures("(import_spec path: (_) @path)").get("path", []):
            path = self.string(node) or ""
            if path == "net/http":
                self.net_http = True
            for prefix, framework in FRAMEWORK_IMPORTS:
                if prefix in path and framework not in self.frameworks:
                    self.frameworks.append(framework)

    def _declarations(self) -> None:
        query = ("(function_declaration name: (identifier) @name) @fn "
                 "(method_declaration name: (field_identifier) @name) @fn")
        for _, captures in self.module.matches(query):
            self.functions.setdefault(self.text_of(captures["name"][0]), []).append(
                captures["fn"][0])
        for _, captures in self.module.matches(
                "(type_spec name: (type_identifier) @name type: (struct_type) @type)"):
            self.structs.setdefault(self.text_of(captures["name"][0]), captures["type"][0])
        query = ("(short_var_declaration left: (expression_list . (identifier) @name) "
                 "right: (expression_list . (_) @value)) @at "
                 "(assignment_statement left: (expression_list . (identifier) @name) "
                 "right: (expression_list . (_) @value)) @at "
                 "(var_spec name: (identifier) @name value: (expression_list . (_) @value)) @at "
                 "(var_spec name: (identifier) @name type: (_) @value) @at")
        for _, captures in self.module.matches(query):
            at = captures["at"][0]
            self.assignments.setdefault(self.text_of(captures["name"][0]), []).append(
                (self.module.enclosing_function(at), at.start_byte, captures["value"][0]))

    # -- prefixes -------------------------------------------------------------------------

    def _assignment(self, name: str, at: Node) -> Node | None:
        """The value last assigned to `name` before `at`, in `at`'s function or around it."""
        scopes = [a for a in self.module.ancestors(at) if a.type in (
            "function_declaration", "method_declaration", "func_literal")]
        best: tuple[int, int, Node] | None = None
        for scope, start, value in self.assignments.get(name, []):
            if start > at.start_byte:
                continue
            if scope is not None and not any(s.id == scope.id for s in scopes):
                continue
            depth = next((i for i, s in enumerate(scopes) if scope is not None
                          and s.id == scope.id), len(scopes))
            key = (-depth, start, value)
            if best is None or key[:2] > best[:2]:
                best = key
        return best[2] if best is not None else None

    def prefixes(self, receiver: Node, at: Node, depth: int = 0) -> list[str]:
        """Every static prefix the router expression `receiver` carries at `at`."""
        if depth > 12:
            return [""]
        if receiver.type == "call_expression":
            return self._call_prefixes(receiver, depth)
        if receiver.type == "parenthesized_expression" and receiver.named_children:
            return self.prefixes(receiver.named_children[0], at, depth + 1)
        if receiver.type != "identifier":
            return [""]
        name = self.text_of(receiver)
        # A closure parameter: chi `r.Route("/v1", func(r chi.Router) {...})`, `r.Group(...)`.
        for ancestor in self.module.ancestors(at):
            if ancestor.type not in ("func_literal", "function_declaration",
                                     "method_declaration"):
                continue
            if name not in self._parameters(ancestor):
                continue
            if ancestor.type == "func_literal":
                call = ancestor.parent.parent if ancestor.parent is not None else None
                if call is None or call.type != "call_expression":
                    return [""]
                callee = call.child_by_field_name("function")
                if callee is None or callee.type != "selector_expression":
                    return [""]
                outer = self.prefixes(callee.child_by_field_name("operand"), call, depth + 1)
                field = self.text_of(callee.child_by_field_name("field"))
                arguments = self._arguments(call)
                if field == "Route" and arguments:
                    path = self.string(arguments[0])
                    return [join(p, path) for p in outer] if path is not None else outer
                return outer if field == "Group" else [""]
            return self._parameter_prefixes(ancestor, name, depth)
        value = self._assignment(name, at)
        if value is None:
            return [""]
        if value.type == "call_expression" and ROOT_CONSTRUCTORS.match(
                "".join(self.text_of(value.child_by_field_name("function")).split())):
            return self._mounted_prefixes(name, at, depth)
        return self.prefixes(value, value, depth + 1)

    def _call_prefixes(self, call: Node, depth: int) -> list[str]:
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "selector_expression":
            return [""]
        field = self.text_of(callee.child_by_field_name("field"))
        operand = callee.child_by_field_name("operand")
        arguments = self._arguments(call)
        if field in ("Group", "PathPrefix", "Route") and arguments:
            path = self.string(arguments[0])
            outer = self.prefixes(operand, call, depth + 1)
            return [join(p, path) for p in outer] if path is not None else outer
        if field in ("Subrouter", "With"):
            return self.prefixes(operand, call, depth + 1)
        return [""]

    def _parameters(self, function: Node) -> list[str]:
        params = function.child_by_field_name("parameters")
        names = []
        for declaration in params.named_children if params is not None else []:
            for child in declaration.children:
                if child.type == "identifier":
                    names.append(self.text_of(child))
        return names

    def _parameter_prefixes(self, function: Node, name: str, depth: int) -> list[str]:
        """`func userRoutes(rg *gin.RouterGroup)` called as `userRoutes(v1)` in this file."""
        key = (function.id, name)
        if key in self._parameter_cache:
            return self._parameter_cache[key]
        self._parameter_cache[key] = [""]  # recursion guard
        index = self._parameters(function).index(name)
        function_name = self.text_of(function.child_by_field_name("name"))
        found: list[str] = []
        for call in self.calls_by_name.get(function_name, []):
            arguments = call.arguments
            if index < len(arguments):
                for prefix in self.prefixes(arguments[index], call.node, depth + 1):
                    if prefix not in found:
                        found.append(prefix)
        self._parameter_cache[key] = found or [""]
        return self._parameter_cache[key]

    def _mounted_prefixes(self, name: str, at: Node, depth: int) -> list[str]:
        """A root router mounted elsewhere: `r.Mount("/admin", admin)`, `r.Mount("/admin",
        adminRouter())`, `mux.Handle("/api/", http.StripPrefix("/api", api))`."""
        function = self.module.enclosing_function(at)
        found: list[str] = []
        for call, pattern, mounted in self.mounts:
            target = mounted
            while target.type == "call_expression" and self.text_of(
                    target.child_by_field_name("function")) == "http.StripPrefix":
                arguments = self._arguments(target)
                target = arguments[-1] if arguments else target
                if not arguments:
                    break
            around = self.module.enclosing_function(call)
            matches = (target.type == "identifier" and self.text_of(target) == name
                       and (around.id if around else None) == (function.id if function else None))
            if target.type == "call_expression" and function is not None:
                callee = self.text_of(target.child_by_field_name("function"))
                own = self.text_of(function.child_by_field_name("name"))
                matches = matches or (bool(own) and callee.rsplit(".", 1)[-1] == own)
            if not matches:
                continue
            path = self.string(pattern)
            if path is None:
                continue
            callee = call.child_by_field_name("function")
            outer = self.prefixes(callee.child_by_field_name("operand"), call, depth + 1) \
                if callee is not None and callee.type == "selector_expression" else [""]
            _, path = _split_pattern(path)
            for prefix in outer:
                if join(prefix, path) not in found:
                    found.append(join(prefix, path))
        return found or [""]

    def _arguments(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        return [c for c in args.named_children if c.type != "comment"] if args else []

    # -- routes ---------------------------------------------------------------------------

    def framework(self, receiver: Node, at: Node, style: str) -> str | None:
        """Which framework a call of the given style ("upper", "title", "handle") belongs to."""
        frameworks = self.frameworks
        if style == "upper":
            candidates = [f for f in frameworks if f in ("gin", "echo", "httprouter")]
        elif style == "title":
            candidates = [f for f in frameworks if f in ("chi", "fiber")]
        else:
            candidates = [f for f in frameworks if f in ("chi", "gorilla/mux", "httprouter")]
            if not candidates and self.net_http:
                candidates = ["net/http"]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        origin = self._origin(receiver, at)
        for framework in candidates:
            if origin.startswith(framework.split("/")[0]):
                return framework
        return candidates[0]

    def _origin(self, receiver: Node, at: Node, depth: int = 0) -> str:
        """The constructor text a router variable comes from, e.g. "gin.Default"."""
        while receiver.type in ("call_expression", "selector_expression") and depth < 12:
            depth += 1
            inner = receiver.child_by_field_name("function") or receiver.child_by_field_name(
                "operand")
            if inner is None:
                break
            if receiver.type == "call_expression" and ROOT_CONSTRUCTORS.match(
                    "".join(self.text_of(inner).split())):
                return self.text_of(inner)
            receiver = inner
        if receiver.type == "identifier" and depth < 12:
            value = self._assignment(self.text_of(receiver), at)
            if value is not None:
                if value.type in ("pointer_type", "qualified_type"):
                    return self.text_of(value).lstrip("*")
                return self._origin(value, value, depth + 1)
        return ""

    def _routes(self) -> None:
        if not self.frameworks and not self.net_http:
            return
        for call in self.module.calls:
            callee = call.callee
            if callee.type == "selector_expression" and call.attr in ("Mount", "Handle"):
                arguments = call.arguments
                if call.attr == "Mount" and len(arguments) == 2:
                    self.mounts.append((call.node, arguments[0], arguments[1]))
                elif len(arguments) == 2 and arguments[1].type == "call_expression" and \
                        self.text_of(arguments[1].child_by_field_name("function")) == \
                        "http.StripPrefix":
                    self.mounts.append((call.node, arguments[0], arguments[1]))
        for call in self.module.calls:
            callee = call.callee
            if callee.type != "selector_expression":
                continue
            field = call.attr
            receiver = callee.child_by_field_name("operand")
            arguments = call.arguments
            if not arguments or receiver is None:
                continue
            method_node = None
            if field in UPPER_VERBS or field == "Any" and "chi" not in self.frameworks:
                style, methods, path_node = "upper", [field if field != "Any" else "ANY"], \
                    arguments[0]
            elif field in TITLE_VERBS:
                style, methods, path_node = "title", [TITLE_VERBS[field]], arguments[0]
            elif field in ("Handle", "HandleFunc", "Match", "Method", "MethodFunc",
                           "Handler", "HandlerFunc") and len(arguments) >= 2:
                style, methods, path_node = "handle", ["ANY"], arguments[0]
                if field in ("Method", "MethodFunc", "Handler", "HandlerFunc", "Match") or (
                        field == "Handle" and len(arguments) >= 3 and "gin" in self.frameworks):
                    method_node, path_node = arguments[0], arguments[1]
                    if field == "Handle" or (field in ("Handler", "HandlerFunc")
                                             and len(arguments) >= 3):
                        style = "upper" if field == "Handle" else "handle"
                    if field == "Match":
                        style = "upper"
            else:
                continue
            path = self.string(path_node)
            if path is None or len(arguments) < 2:
                continue
            if self.text_of(receiver) == "http" and field not in ("Handle", "HandleFunc"):
                continue
            framework = self.framework(receiver, call.node, style)
            if self.text_of(receiver) == "http":
                framework = "net/http"
            if framework is None:
                continue
            if method_node is not None:
                methods = self._methods(method_node) or []
                if not methods:
                    continue
            if framework == "net/http" or framework == "chi" and style == "handle":
                pattern_method, path = _split_pattern(path)
                if pattern_method:
                    methods = [pattern_method]
            if framework == "gorilla/mux":
                methods = self._gorilla_methods(call.node) or methods
            # echo: (path, handler, middleware...); the others end with the handler.
            path_index = arguments.index(path_node) if path_node in arguments else 0
            handler = arguments[path_index + 1] if framework == "echo" and \
                len(arguments) > path_index + 1 else arguments[-1]
            if self._is_router(handler, call.node):
                continue  # mux.Handle("/api/", http.StripPrefix("/api", apiMux)) mounts
            request = self._request_model(handler)
            line = self.module.line(callee.child_by_field_name("field"))
            for prefix in self.prefixes(receiver, call.node):
                for method in methods:
                    self.endpoints.append(Endpoint(
                        method, join(prefix, path), self.handler_name(handler), line, request,
                        None, framework))

    def _is_router(self, handler: Node, at: Node) -> bool:
        while handler.type == "call_expression":
            inner = self._wrapped(handler)
            if inner is None:
                return False
            handler = inner
        if handler.type != "identifier":
            return False
        value = self._assignment(self.text_of(handler), at)
        return value is not None and value.type == "call_expression" and bool(
            ROOT_CONSTRUCTORS.match("".join(self.text_of(
                value.child_by_field_name("function")).split())))

    def _methods(self, node: Node) -> list[str] | None:
        single = self.string(node)
        if single is not None:
            return [single.upper()]
        if node.type == "selector_expression":  # http.MethodGet
            name = self.text_of(node.child_by_field_name("field"))
            if name.startswith("Method") and name[6:].upper() in HTTP_METHODS:
                return [name[6:].upper()]
            return None
        if node.type == "composite_literal":  # []string{"GET", "POST"}
            body = node.child_by_field_name("body")
            found = []
            for element in body.named_children if body is not None else []:
                value = element.named_children[0] if element.named_children else element
                methods = self._methods(value)
                if methods is None:
                    return None
                found.extend(methods)
            return found
        return None

    def _gorilla_methods(self, call: Node) -> list[str] | None:
        """`r.HandleFunc("/x", h).Methods("GET", "POST")`."""
        node = call
        while node.parent is not None and node.parent.type == "selector_expression" and \
                node.parent.parent is not None and node.parent.parent.type == "call_expression":
            outer = node.parent.parent
            if self.text_of(node.parent.child_by_field_name("field")) == "Methods":
                found = []
                for argument in self._arguments(outer):
                    methods = self._methods(argument)
                    if methods:
                        found.extend(methods)
                return found or None
            node = outer
        return None

    def handler_name(self, node: Node | None, depth: int = 0) -> str:
        if node is None or depth > 5:
            return "<anonymous>"
        if node.type == "identifier":
            return self.text_of(node)
        if node.type == "selector_expression":  # h.GetUser -> GetUser
            return self.text_of(node.child_by_field_name("field"))
        if node.type == "call_expression":
            inner = self._wrapped(node)
            if inner is not None:
                return self.handler_name(inner, depth + 1)
            callee = node.child_by_field_name("function")
            return self.text_of(callee).rsplit(".", 1)[-1] or "<anonymous>"
        return "<anonymous>"

    def _wrapped(self, call: Node) -> Node | None:
        """The handler a wrapper call carries: `http.HandlerFunc(h)`, `http.StripPrefix("/x",
        h)`, `auth(h)`, `timeout(func(...) {...})`; None for handler factories such as
        `http.FileServer(http.Dir("."))` or `h.List()`."""
        callee = "".join(self.text_of(call.child_by_field_name("function")).split())
        arguments = self._arguments(call)
        if callee in WRAPPERS:
            return next((a for a in arguments if a.type not in BASIC_LITERALS), None)
        for argument in arguments:
            if argument.type == "func_literal":
                return argument
            if argument.type in ("identifier", "selector_expression") and self.text_of(
                    argument).rsplit(".", 1)[-1] in self.functions:
                return argument
            if argument.type == "call_expression" and self._wrapped(argument) is not None:
                return argument
        return None

    def _handler_function(self, node: Node | None, depth: int = 0) -> Node | None:
        if node is None or depth > 5:
            return None
        if node.type == "func_literal":
            return node
        if node.type in ("identifier", "selector_expression"):
            name = self.text_of(node).rsplit(".", 1)[-1]
            candidates = self.functions.get(name, [])
            return candidates[0] if len(candidates) == 1 else None
        if node.type == "call_expression":
            inner = self._wrapped(node)
            return self._handler_function(inner, depth + 1) if inner is not None else None
        return None

    def _request_model(self, handler: Node) -> str | None:
        """`c.ShouldBindJSON(&req)`, `json.NewDecoder(r.Body).Decode(&req)` with req's type a
        struct of this file."""
        function = self._handler_function(handler)
        if function is None:
            return None
        query = ("(call_expression function: (selector_expression operand: (_) @on "
                 "field: (field_identifier) @method) arguments: (argument_list) @args) @call")
        for _, captures in self.module.matches(query, function):
            method = self.text_of(captures["method"][0])
            if method not in BINDERS and not (
                    method == "Decode" and "Body" in self.text_of(captures["on"][0])):
                continue
            arguments = self._arguments(captures["call"][0])
            if not arguments:
                continue
            target = arguments[-1]
            if target.type == "unary_expression" and target.named_children:
                target = target.named_children[-1]
            if target.type != "identifier":
                continue
            type_text = self._variable_type(self.text_of(target), captures["call"][0])
            bare = (type_text or "").lstrip("[]*&")
            if type_text and bare in self.structs:
                return type_text.lstrip("&*")
        return None

    def _variable_type(self, name: str, at: Node) -> str | None:
        value = self._assignment(name, at)
        if value is None:
            return None
        if value.type == "unary_expression" and value.named_children:
            value = value.named_children[-1]
        if value.type == "composite_literal":
            return self.text_of(value.child_by_field_name("type"))
        if value.type == "call_expression" and self.text_of(
                value.child_by_field_name("function")) == "new":
            arguments = self.text_of(value.child_by_field_name("arguments"))
            return arguments.strip("()")
        if value.type in ("type_identifier", "pointer_type", "slice_type", "qualified_type"):
            return self.text_of(value)
        return None

    # -- models ---------------------------------------------------------------------------

    def _models(self) -> None:
        for name in self.structs:
            model = self._struct_model(name)
            if model is not None:
                self.models[name] = model
        self._enums()

    def _struct_model(self, name: str, force: bool = False) -> Model | None:
        struct = self.structs[name]
        fields, tagged = self._struct_fields(struct, set())
        if not tagged and not force:
            return None
        spec = struct.parent
        return Model(name, "go-struct", tuple(fields), (), self.module.line(spec))

    def _struct_fields(self, struct: Node, seen: set[str]) -> tuple[list[Field], bool]:
        fields: list[Field] = []
        tagged = False
        body = next((c for c in struct.named_children if c.type == "field_declaration_list"),
                    None)
        for declaration in body.named_children if body is not None else []:
            if declaration.type != "field_declaration":
                continue
            type_node = declaration.child_by_field_name("type")
            type_text = " ".join(self.text_of(type_node).split())
            tags = dict(TAG.findall(self.string(declaration.child_by_field_name("tag")) or ""))
            names = [self.text_of(c) for c in declaration.children
                     if c.type == "field_identifier"]
            json_tag = tags.get("json")
            if json_tag is not None:
                tagged = True
            wire, _, options = (json_tag or "").partition(",")
            if wire == "-" and not options:
                continue
            line = self.module.line(declaration)
            pointer = type_text.startswith("*")
            validated = any("required" in tags.get(k, "").split(",") for k in (
                "binding", "validate"))
            required = validated or ("omitempty" not in options.split(",") and
                                     "omitzero" not in options.split(",") and not pointer)
            if not names:  # embedded
                embedded = type_text.lstrip("*")
                if not wire and embedded in self.structs and embedded not in seen:
                    inner, inner_tagged = self._struct_fields(self.structs[embedded],
                                                              seen | {embedded})
                    fields.extend(inner)
                    tagged = tagged or inner_tagged
                    continue
                names = [embedded.rsplit(".", 1)[-1]]
            for field_name in names:
                if not field_name[:1].isupper():
                    continue
                fields.append(Field(wire or field_name, type_text, required, line))
        return fields, tagged

    def _enums(self) -> None:
        basic = {}
        for _, captures in self.module.matches(
                "(type_spec name: (type_identifier) @name type: (type_identifier) @type) @spec"):
            if self.text_of(captures["type"][0]) in ("string", "int", "int32", "int64",
                                                     "uint", "uint8", "int8", "int16"):
                basic[self.text_of(captures["name"][0])] = captures["spec"][0]
        if not basic:
            return
        values: dict[str, list[str]] = {}
        for block in self.module.captures("(const_declaration) @block").get("block", []):
            current = None
            for spec in block.named_children:
                if spec.type != "const_spec":
                    continue
                type_node = spec.child_by_field_name("type")
                value = spec.child_by_field_name("value")
                if type_node is not None:
                    current = self.text_of(type_node)
                elif value is not None:
                    current = None
                if current not in basic:
                    continue
                name = self.text_of(spec.child_by_field_name("name"))
                literal = value.named_children[0] if value is not None and \
                    value.named_children else None
                content = self.string(literal)
                if name == "_":
                    continue
                values.setdefault(current, []).append(content if content is not None else name)
        for name, found in values.items():
            self.models[name] = Model(name, "enum", (), tuple(found),
                                      self.module.line(basic[name]))


def _split_pattern(pattern: str) -> tuple[str | None, str]:
    """Go 1.22 ServeMux patterns: "GET /users/{id}", "POST example.com/x"."""
    method, space, rest = pattern.strip().partition(" ")
    if space and method.upper() in HTTP_METHODS:
        pattern = rest.strip()
        found = method.upper()
    else:
        found = None
    if not pattern.startswith("/") and "/" in pattern:  # host-specific pattern
        pattern = pattern[pattern.index("/"):]
    return found, pattern
