"""Shared Go analysis for the golang rules: string literals, local bindings, request sources,
value origins (request data, parameters, process input) and allow-list guards.

One `GoIndex` per file, built lazily on first use and shared by every Go rule: the bindings
come from one tree-sitter query over the file. Origins are asked per expression and byte
position: a name carries the origins of its bindings that precede the position in its
function (then in the enclosing functions, for closures), or of its parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from reviewer.model import Match
from reviewer.treesitter import TreeModule

STRINGS = frozenset({"interpreted_string_literal", "raw_string_literal"})
CONSTANT_TYPES = STRINGS | {"int_literal", "float_literal", "rune_literal", "imaginary_literal",
                            "true", "false", "nil", "iota"}
ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
NOSEC = re.compile(r"#nosec|nolint:[\w,]*gosec|gosec:disable")

REQUEST = "request"
PARAM = "param"
ARGS = "args"  # os.Args, stdin: outside input of a command-line program

# Parameter types that make the parameter a request object of a web framework.
REQUEST_TYPES = {
    "*http.Request": "http", "*gin.Context": "gin", "echo.Context": "echo",
    "*fiber.Ctx": "fiber", "httprouter.Params": "params",
}
HTTP_SOURCE = (r"(?:URL|Form|PostForm|MultipartForm|Header|Body|Host|RequestURI|Trailer)\b|"
               r"(?:FormValue|PostFormValue|FormFile|Cookie|Cookies|Referer|UserAgent|"
               r"PathValue|MultipartReader|BasicAuth|ParseMultipartForm)\(")
SOURCES = {
    "http": re.compile(HTTP_SOURCE),
    "gin": re.compile(
        r"(?:Query|DefaultQuery|GetQuery|QueryArray|GetQueryArray|QueryMap|GetQueryMap|Param|"
        r"PostForm|DefaultPostForm|GetPostForm|PostFormArray|GetPostFormArray|PostFormMap|"
        r"GetPostFormMap|FormFile|MultipartForm|GetHeader|Cookie|GetRawData|ShouldBind\w*|"
        r"Bind\w*|MustBindWith)\(|Params\b|Request\.(?:" + HTTP_SOURCE + ")"),
    "echo": re.compile(
        r"(?:QueryParam|QueryParams|QueryString|Param|ParamValues|FormValue|FormParams|"
        r"FormFile|MultipartForm|Cookie|Cookies|Bind)\(|Request\(\)\.(?:" + HTTP_SOURCE + ")"),
    "fiber": re.compile(
        r"(?:Query|Queries|Params|FormValue|FormFile|Get|Body|BodyParser|QueryParser|"
        r"ParamsParser|Cookies|OriginalURL)\("),
    "params": re.compile(r"ByName\("),
}
GLOBAL_SOURCE = re.compile(
    r"^(?:mux\.Vars|chi\.URLParam|chi\.URLParamFromCtx|pat\.Param|vestigo\.Param|"
    r"httprouter\.ParamsFromContext)\(")
# Methods that fill their `&target` argument from the receiver or the other arguments.
OUT_METHODS = frozenset({
    "Decode", "Unmarshal", "ShouldBind", "ShouldBindJSON", "ShouldBindQuery", "ShouldBindUri",
    "ShouldBindWith", "ShouldBindBodyWith", "ShouldBindHeader", "ShouldBindXML",
    "ShouldBindYAML", "Bind", "BindJSON", "BindQuery", "BindUri", "BindWith", "BindHeader",
    "BindXML", "BodyParser", "QueryParser", "ParamsParser", "ReqHeaderParser", "Scan",
    "Scanln", "Scanf", "Sscanf", "Sscan",
})
STDIN_READS = frozenset({"ReadString", "ReadLine", "ReadBytes", "Text", "Bytes"})
# Calls whose result carries their arguments' (and receiver's) data.
PASS_PACKAGES = ("strings.", "bytes.", "filepath.", "path.", "url.", "base64.", "hex.",
                 "html.", "fmt.Sprint", "io.ReadAll", "ioutil.ReadAll", "strconv.Quote",
                 "strconv.Unquote", "utf8.", "unicode.", "norm.", "template.HTML",
                 "json.RawMessage", "errors.New", "fmt.Errorf", "json.NewDecoder",
                 "xml.NewDecoder", "yaml.NewDecoder", "bufio.New", "io.LimitReader",
                 "http.MaxBytesReader", "gzip.NewReader", "csv.NewReader", "io.TeeReader",
                 "mime.ParseMediaType", "multipart.NewReader")
PASS_CALLS = frozenset({"string", "append", "copy", "min", "max"})
# Calls whose result carries none of the argument's text (numbers, booleans, escapes,
# names reduced to their last element).
SANITIZERS = frozenset({
    "len", "cap", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16",
    "uint32", "uint64", "float32", "float64", "bool", "strconv.Atoi", "strconv.ParseInt",
    "strconv.ParseUint", "strconv.ParseFloat", "strconv.ParseBool", "strconv.Itoa",
    "strconv.FormatInt", "strconv.FormatUint", "strconv.FormatFloat", "strconv.FormatBool",
    "filepath.Base", "path.Base", "filepath.Clean", "path.Clean", "filepath.Rel",
    "filepath.Ext", "path.Ext", "filepath.IsAbs", "filepath.IsLocal", "filepath.Match",
    "url.QueryEscape", "url.PathEscape", "html.EscapeString", "template.HTMLEscapeString",
    "uuid.Parse", "uuid.MustParse", "uuid.FromString", "strings.Count", "strings.Contains",
    "strings.ContainsAny", "strings.ContainsRune", "strings.HasPrefix", "strings.HasSuffix",
    "strings.Index", "strings.IndexByte", "strings.LastIndex", "strings.EqualFold",
    "strings.Compare", "bytes.Equal", "bytes.Contains", "bytes.HasPrefix",
    "utf8.RuneCountInString", "utf8.ValidString", "securejoin.SecureJoin",
    "pq.QuoteIdentifier", "pq.QuoteLiteral", "shellescape.Quote", "shellquote.Join",
    "regexp.MatchString", "regexp.QuoteMeta", "errors.Is", "errors.As",
})
SANITIZER_NAME = re.compile(
    r"(?:^|\.)(?:[Ss]anitiz\w*|[Ee]scape\w*|[Qq]uote\w*|[Ii]s[A-Z]\w*|[Hh]as[A-Z]\w*|"
    r"[Vv]alid\w*|[Ss]afe\w*|[Aa]llow\w*|[Cc]lean\w*|MatchString|Match)$")
# Parameter types that carry text a caller chose.
TEXT_TYPE = re.compile(r"^(?:\.\.\.)?\*?(?:\[\])?(?:string|byte|rune|any|interface\{\}|"
                       r"map\[string\]\w+|[A-Z]\w*)$")
INT_TYPE = re.compile(r"^(?:u?int(?:8|16|32|64)?|float(?:32|64)|bool|byte|rune|uintptr|"
                      r"time\.Duration)$")

BINDING_QUERY = """
(short_var_declaration left: (expression_list) @left right: (expression_list) @right) @stmt
(assignment_statement left: (expression_list) @left right: (expression_list) @right) @stmt
(var_spec) @spec
(const_spec) @spec
(range_clause left: (expression_list) @left right: (_) @right) @range
(call_expression
  function: (selector_expression field: (field_identifier) @attr)
  arguments: (argument_list (unary_expression operand: (identifier) @target) @amp)) @out
"""
# The last name of a receiver that holds a database handle: `db`, `s.db`, `tx`, `h.DB`.
DB_NAME = re.compile(r"(?i)(?:^|_)(?:db|dbx|sqlx|gdb|tx|txn|conn|dbconn|pool|dbpool|database|gorm|"
                     r"orm|stmt)$|"
                     r"(?:DB|Db|Tx|Conn|Pool|Stmt)$")
IF_QUERY = "(if_statement condition: (_) @cond) @if"
GUARD_WORDS = re.compile(
    r"HasPrefix|HasSuffix|Contains|MatchString|Match\(|IsLocal|IsAbs|EqualFold|[Aa]llow|"
    r"[Vv]alid|[Ww]hitelist|[Pp]ermit|[Tt]rusted|[Ss]afe|[Ss]anitiz|[Cc]heck|[Vv]erify|\w\[[A-Za-z_][\w.]*\]|"
    r"(?:==|!=)\s*(?:\"[^\"]+\"|`[^`]+`|[A-Za-z_][\w.]*[A-Za-z0-9_])")
# `strings.HasPrefix(u, "https://")`: checks the scheme, not where the URL points.
WEAK_PREFIX = re.compile(r"HasPrefix\([^,()]+,\s*\"(?:https?:?/{0,2}|/|\.)\"\)")
EMPTY_COMPARE = re.compile(r"(?:==|!=)\s*(?:nil|\"\"|0)\b")
EXITS = re.compile(r"\breturn\b|\bpanic\(|\.Fatal|\bcontinue\b|\bbreak\b|http\.Error\(|"
                   r"\.Abort\w*\(|os\.Exit\(")


@dataclass(slots=True)
class Binding:
    name: str
    pos: int  # visible to uses at or after this byte offset
    value: Node | None
    kind: str  # assign, append, range, out, param, receiver, declared
    function: Node | None
    type: str = ""
    multi: bool = False  # one of several names bound from one call: `rows, err := db.Query()`
    index: int = 0


@dataclass(slots=True)
class GoIndex:
    """Bindings and parameters of one file, collected lazily: one top-level declaration at
    a time, when a rule first asks about a function in it."""

    module: TreeModule
    by_function: dict[int, dict[str, list[Binding]]] = field(default_factory=dict)
    params: dict[int, dict[str, Binding]] = field(default_factory=dict)
    top: dict[str, list[Binding]] = field(default_factory=dict)
    constants: set[str] = field(default_factory=set)
    _functions: dict[str, list[Node]] | None = None
    _done: set[int] = field(default_factory=set)
    _origins: dict[tuple, frozenset] = field(default_factory=dict)
    _requests: dict[int, dict[str, str]] = field(default_factory=dict)

    # -- building ---------------------------------------------------------------------

    @classmethod
    def build(cls, module: TreeModule) -> GoIndex:
        index = cls(module)
        root_node = module.root
        for child in root_node.named_children:
            if child.type in ("const_declaration", "var_declaration"):
                index._collect(child)
        index._sort(index.top)
        return index

    @property
    def functions(self) -> dict[str, list[Node]]:
        """Top-level functions and methods by name."""
        if self._functions is None:
            found: dict[str, list[Node]] = {}
            for child in self.module.root.named_children:
                if child.type in ("function_declaration", "method_declaration"):
                    name = child.child_by_field_name("name")
                    if name is not None:
                        found.setdefault(self.module.text_of(name), []).append(child)
            self._functions = found
        return self._functions

    def _ensure(self, function: Node | None) -> None:
        """Collect the bindings of the top-level declaration holding `function`."""
        if function is None:
            return
        top = function
        while top.parent is not None and top.parent.type != "source_file":
            top = top.parent
        if top.id in self._done:
            return
        self._done.add(top.id)
        touched = self._collect(top)
        for key in touched:
            self._sort(self.by_function.get(key, {}))

    @staticmethod
    def _sort(names: dict[str, list[Binding]]) -> None:
        for bindings in names.values():
            bindings.sort(key=lambda b: b.pos)

    def _add(self, binding: Binding, touched: set[int]) -> None:
        if binding.name == "_" or not binding.name:
            return
        if binding.function is None:
            self.top.setdefault(binding.name, []).append(binding)
        else:
            touched.add(binding.function.id)
            names = self.by_function.setdefault(binding.function.id, {})
            names.setdefault(binding.name, []).append(binding)

    def _collect(self, node: Node) -> set[int]:
        module = self.module
        touched: set[int] = set()
        for pattern, captures in module.matches(BINDING_QUERY, node):
            if pattern in (0, 1):
                stmt = captures["stmt"][0]
                left = _exprs(captures["left"][0])
                right = _exprs(captures["right"][0])
                operator = stmt.child_by_field_name("operator")
                kind = "append" if operator is not None and operator.type == "+=" else "assign"
                self._pair(left, right, stmt, kind, touched)
            elif pattern in (2, 3):
                spec = captures["spec"][0]
                names = spec.children_by_field_name("name")
                value = spec.child_by_field_name("value")
                type_node = spec.child_by_field_name("type")
                type_text = _squash(module.text_of(type_node)) if type_node else ""
                function = module.enclosing_function(spec)
                if spec.type == "const_spec" and function is None:
                    self.constants.update(module.text_of(name) for name in names)
                if value is None:
                    for name in names:
                        self._add(Binding(module.text_of(name), spec.end_byte, None,
                                          "declared", function, type_text), touched)
                    continue
                kind = "const" if spec.type == "const_spec" else "assign"
                self._pair(names, _exprs(value), spec, kind, touched, type_text)
            elif pattern == 4:
                clause = captures["range"][0]
                function = module.enclosing_function(clause)
                right = captures["right"][0]
                for i, name in enumerate(_exprs(captures["left"][0])):
                    if name.type == "identifier":
                        self._add(Binding(module.text_of(name), clause.end_byte, right, "range",
                                          function, "", False, i), touched)
            else:
                attr = module.text_of(captures["attr"][0])
                amp = captures["amp"][0]
                if attr not in OUT_METHODS or amp.child(0) is None or amp.child(0).type != "&":
                    continue
                call = captures["out"][0]
                function = module.enclosing_function(call)
                self._add(Binding(module.text_of(captures["target"][0]), call.end_byte, call,
                                  "out", function), touched)
        return touched

    def _pair(self, left: list[Node], right: list[Node], stmt: Node, kind: str,
              touched: set[int], type_text: str = "") -> None:
        module = self.module
        function = module.enclosing_function(stmt)
        for i, target in enumerate(left):
            if target.type != "identifier":
                continue
            name = module.text_of(target)
            if len(left) == len(right):
                value, multi = right[i], False
            elif len(right) == 1:
                value, multi = right[0], True
            else:
                continue
            self._add(Binding(name, stmt.end_byte, value, kind, function, type_text, multi, i),
                      touched)

    def _params(self, function: Node) -> dict[str, Binding]:
        module = self.module
        found: dict[str, Binding] = {}
        for field_name, kind in (("receiver", "receiver"), ("parameters", "param")):
            params = function.child_by_field_name(field_name)
            if params is None:
                continue
            for decl in params.named_children:
                if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                    continue
                type_node = decl.child_by_field_name("type")
                type_text = _squash(module.text_of(type_node)) if type_node else ""
                if decl.type == "variadic_parameter_declaration":
                    type_text = "..." + type_text
                for ident in decl.children_by_field_name("name"):
                    text = module.text_of(ident)
                    if text and text != "_":
                        found[text] = Binding(text, function.start_byte, None, kind, function,
                                              type_text)
        self.params[function.id] = found
        return found

    # -- lookups ----------------------------------------------------------------------

    def parameters(self, function: Node | None) -> dict[str, Binding]:
        if function is None:
            return {}
        found = self.params.get(function.id)
        return found if found is not None else self._params(function)

    def locals(self, function: Node | None) -> dict[str, list[Binding]]:
        """Names bound inside `function` itself (not in nested function literals)."""
        if function is None:
            return {}
        self._ensure(function)
        return self.by_function.get(function.id, {})

    def request_params(self, function: Node | None) -> dict[str, str]:
        """Request objects in scope: name -> framework ("http", "gin", "echo", ...)."""
        if function is None:
            return {}
        cached = self._requests.get(function.id)
        if cached is not None:
            return cached
        outer = self.module.enclosing_function(function)
        found = dict(self.request_params(outer)) if outer is not None else {}
        for name, binding in self.parameters(function).items():
            framework = REQUEST_TYPES.get(binding.type)
            if framework:
                found[name] = framework
            else:
                found.pop(name, None)
        self._requests[function.id] = found
        return found

    def bindings(self, name: str, function: Node | None, pos: int) -> list[Binding]:
        """The bindings of `name` visible at `pos`: local ones, else the parameter, else the
        enclosing function's (closures), else the file's top-level declarations."""
        current = function
        self._ensure(function)
        while current is not None:
            local = self.by_function.get(current.id, {}).get(name)
            if local:
                visible = [b for b in local if b.pos <= pos]
                if visible:
                    return visible
            param = self.parameters(current).get(name)
            if param is not None:
                return [param]
            if local:
                return []  # declared later in this function: not yet bound here
            current = self.module.enclosing_function(current) if current.type == "func_literal" \
                else None
        return self.top.get(name, [])

    def is_bound(self, name: str, function: Node | None, pos: int) -> bool:
        return bool(self.bindings(name, function, pos))

    # -- values -----------------------------------------------------------------------

    def string_value(self, node: Node | None) -> str | None:
        return string_value(self.module, node)

    def constant_text(self, node: Node | None, function: Node | None, pos: int,
                      depth: int = 3) -> str | None:
        """The text of a constant string expression (literals, constants, `+` of those)."""
        if node is None:
            return None
        kind = node.type
        if kind in STRINGS:
            return self.string_value(node)
        if kind == "parenthesized_expression" and node.named_child_count:
            return self.constant_text(node.named_children[0], function, pos, depth)
        if kind == "binary_expression" and _operator(node) == "+":
            left = self.constant_text(node.child_by_field_name("left"), function, pos, depth)
            right = self.constant_text(node.child_by_field_name("right"), function, pos, depth)
            return None if left is None or right is None else left + right
        if kind == "identifier" and depth > 0:
            bindings = self.bindings(self.module.text_of(node), function, node.start_byte)
            if len(bindings) == 1 and bindings[0].value is not None and not bindings[0].multi:
                binding = bindings[0]
                if binding.kind in ("assign", "const"):
                    return self.constant_text(binding.value, binding.function, binding.pos,
                                              depth - 1)
        return None

    def is_constant(self, node: Node | None, function: Node | None, depth: int = 3) -> bool:
        if node is None:
            return True
        kind = node.type
        if kind in CONSTANT_TYPES:
            return True
        if kind in ("parenthesized_expression", "unary_expression") and node.named_child_count:
            return all(self.is_constant(c, function, depth) for c in node.named_children)
        if kind == "binary_expression":
            return (self.is_constant(node.child_by_field_name("left"), function, depth)
                    and self.is_constant(node.child_by_field_name("right"), function, depth))
        if kind == "type_conversion_expression":
            return self.is_constant(node.child_by_field_name("operand"), function, depth)
        if kind == "identifier":
            name = self.module.text_of(node)
            if name in self.constants:
                return True
            bindings = self.bindings(name, function, node.start_byte)
            if not bindings or depth == 0:
                return False
            return all(b.kind in ("assign", "const", "append") and b.value is not None
                       and not b.multi
                       and self.is_constant(b.value, b.function, depth - 1) for b in bindings)
        if kind == "selector_expression":
            # `models.TableName`: a package's exported name, not a local value
            operand = node.child_by_field_name("operand")
            return (operand is not None and operand.type == "identifier"
                    and not self.is_bound(self.module.text_of(operand), function,
                                          node.start_byte)
                    and self.module.text_of(node.child_by_field_name("field"))[:1].isupper())
        return False

    def is_numeric(self, node: Node | None, function: Node | None, depth: int = 2) -> bool:
        """An integer, float or bool value: splicing it cannot inject text."""
        if node is None:
            return False
        kind = node.type
        if kind in ("int_literal", "float_literal", "true", "false", "rune_literal"):
            return True
        if kind == "parenthesized_expression" and node.named_child_count:
            return self.is_numeric(node.named_children[0], function, depth)
        if kind == "call_expression":
            name = _squash(self.module.text_of(node.child_by_field_name("function")))
            return name in SANITIZERS and not name.startswith(("filepath.", "path.", "url."))
        if kind == "binary_expression":
            op = _operator(node)
            return op in ("-", "*", "/", "%", "<<", ">>", "&", "|", "^") or (
                op == "+" and self.is_numeric(node.child_by_field_name("left"), function, depth))
        if kind == "identifier" and depth > 0:
            bindings = self.bindings(self.module.text_of(node), function, node.start_byte)
            if not bindings:
                return False
            for b in bindings:
                if b.kind in ("param", "declared"):
                    if not INT_TYPE.match(b.type):
                        return False
                elif b.type and INT_TYPE.match(b.type):
                    continue
                elif b.multi and b.value is not None and b.value.type == "call_expression":
                    callee = _squash(self.module.text_of(b.value.child_by_field_name("function")))
                    if not (b.index == 0 and callee.startswith("strconv.Parse")
                            or b.index == 0 and callee == "strconv.Atoi"):
                        return False
                elif b.kind == "range" and b.index == 0 and b.value is not None:
                    continue  # the index of a slice
                elif not self.is_numeric(b.value, b.function, depth - 1):
                    return False
            return True
        return False

    # -- origins ----------------------------------------------------------------------

    def origins(self, node: Node | None, function: Node | None, pos: int | None = None,
                depth: int = 0) -> frozenset[str]:
        """Where the data of `node` comes from: request, param, args (or nowhere)."""
        if node is None or depth > 10:
            return frozenset()
        key = (node.id, function.id if function is not None else 0, pos)
        cached = self._origins.get(key)
        if cached is not None:
            return cached
        self._origins[key] = frozenset()  # cycles resolve to "nowhere"
        result = self._origins_of(node, function, node.start_byte if pos is None else pos,
                                  depth)
        self._origins[key] = result
        return result

    def _origins_of(self, node: Node, function: Node | None, pos: int,
                    depth: int) -> frozenset[str]:
        kind = node.type
        module = self.module
        if kind in CONSTANT_TYPES:
            return frozenset()
        if kind in ("selector_expression", "call_expression", "index_expression"):
            source = self.source_kind(node, function)
            if source:
                return frozenset({source})
        if kind == "identifier":
            name = module.text_of(node)
            found: set[str] = set()
            for binding in self.bindings(name, function, pos):
                if binding.kind == "param":
                    if binding.type in REQUEST_TYPES:
                        continue
                    if TEXT_TYPE.match(binding.type) and not INT_TYPE.match(binding.type):
                        found.add(PARAM)
                elif binding.kind in ("receiver", "declared"):
                    continue
                elif binding.kind == "range" and binding.index == 0 and _ranges_slice(binding):
                    continue
                elif binding.kind == "out":
                    found |= self._out_origins(binding.value, binding.function, binding.pos,
                                               depth + 1)
                else:
                    found |= self.origins(binding.value, binding.function, binding.pos,
                                          depth + 1)
            return frozenset(found)
        if kind in ("selector_expression", "index_expression", "slice_expression",
                    "type_assertion_expression", "type_conversion_expression"):
            return self.origins(node.child_by_field_name("operand"), function, pos, depth + 1)
        if kind == "call_expression":
            return self._call_origins(node, function, pos, depth)
        if kind == "binary_expression":
            if _operator(node) != "+":
                return frozenset()
            return (self.origins(node.child_by_field_name("left"), function, pos, depth + 1)
                    | self.origins(node.child_by_field_name("right"), function, pos, depth + 1))
        if kind == "unary_expression":
            operator = node.child(0)
            if operator is not None and operator.type in ("&", "*", "<-"):
                return self.origins(node.child_by_field_name("operand"), function, pos,
                                    depth + 1)
            return frozenset()
        if kind in ("parenthesized_expression", "expression_list", "literal_value",
                    "literal_element", "composite_literal", "keyed_element",
                    "argument_list"):
            found = set()
            for child in node.named_children:
                if kind == "keyed_element" and child is node.named_children[0]:
                    continue
                if child.type in ("comment", "slice_type", "map_type", "type_identifier",
                                  "qualified_type", "array_type", "struct_type"):
                    continue
                found |= self.origins(child, function, pos, depth + 1)
            return frozenset(found)
        return frozenset()

    def _out_origins(self, call: Node, function: Node | None, pos: int,
                     depth: int) -> frozenset[str]:
        """What `Decode(&v)`, `json.Unmarshal(data, &v)`, `c.ShouldBindJSON(&v)` put in `v`:
        the data of the receiver chain and of the other arguments."""
        source = self.source_kind(call, function)
        if source:
            return frozenset({source})
        found: set[str] = set()
        args = call.child_by_field_name("arguments")
        for arg in args.named_children if args is not None else []:
            if arg.type == "unary_expression" and self.module.text_of(arg).startswith("&"):
                continue
            found |= self.origins(arg, function, pos, depth + 1)
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "selector_expression":
            found |= self.origins(callee.child_by_field_name("operand"), function, pos,
                                  depth + 1)
        return frozenset(found)

    def _call_origins(self, node: Node, function: Node | None, pos: int,
                      depth: int) -> frozenset[str]:
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if callee is None:
            return frozenset()
        name = _squash(self.module.text_of(callee)) if callee.type in (
            "identifier", "selector_expression") else ""
        if name in SANITIZERS or SANITIZER_NAME.search(name):
            return frozenset()
        if name in PASS_CALLS or name.startswith(PASS_PACKAGES):
            return self.origins(args, function, pos, depth + 1) if args else frozenset()
        if callee.type == "selector_expression":
            operand = callee.child_by_field_name("operand")
            root = _root(operand)
            if root is not None and root.type == "identifier" and not self.is_bound(
                    self.module.text_of(root), function, pos):
                return frozenset()  # an unknown package's function
            # a method on a value carries the receiver's data: `q.Get("id")`, `u.String()`
            return self.origins(operand, function, pos, depth + 1)
        return frozenset()

    def source_kind(self, node: Node, function: Node | None) -> str | None:
        root = _root(node)
        if root is None or root.type != "identifier":
            return None
        module = self.module
        root_name = module.text_of(root)
        if root_name == "os":
            text = _squash(module.text_of(node))
            return ARGS if text.startswith(("os.Args", "os.Stdin")) else None
        framework = self.request_params(function).get(root_name)
        if framework is not None:
            text = _squash(module.text_of(node))
            rest = text[len(root_name) + 1:]
            if text[len(root_name):len(root_name) + 1] == "." and SOURCES[framework].match(rest):
                return REQUEST
            return None
        if root_name in ("mux", "chi", "pat", "vestigo", "httprouter"):
            return REQUEST if GLOBAL_SOURCE.match(_squash(module.text_of(node))) else None
        if root_name == "fmt" and node.type == "call_expression":
            callee = _squash(module.text_of(node.child_by_field_name("function")))
            return ARGS if callee in ("fmt.Scan", "fmt.Scanln", "fmt.Scanf") else None
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if (callee is not None and callee.type == "selector_expression"
                    and module.text_of(callee.child_by_field_name("field")) in STDIN_READS
                    and callee.child_by_field_name("operand").type == "identifier"):
                for b in self.bindings(root_name, function, node.start_byte):
                    if b.value is not None and "os.Stdin" in module.text_of(b.value):
                        return ARGS
        return None

    def names_in(self, node: Node, function: Node | None, depth: int = 3) -> set[str]:
        """Identifiers in `node` and, transitively, in the values they were bound from."""
        names: set[str] = set()
        pending = [(node, depth)]
        while pending:
            current, level = pending.pop()
            for ident in self.module.captures("(identifier) @id", current).get("id", []):
                name = self.module.text_of(ident)
                if name in names:
                    continue
                names.add(name)
                if level > 0:
                    for b in self.bindings(name, function, ident.start_byte):
                        if b.value is not None and b.kind not in ("param", "receiver"):
                            pending.append((b.value, level - 1))
        return names

    def guarded(self, sink: Node, value: Node, function: Node | None) -> bool:
        """Whether a check on the value (allow-list, prefix, comparison, validator) stands
        around the sink or before it with an early exit."""
        if function is None:
            return False
        names = {
            name for name in self.names_in(value, function) - {"err", "nil", "true", "false"}
            if any(b.kind not in ("receiver",) and b.type not in REQUEST_TYPES
                   for b in self.bindings(name, function, sink.start_byte))
        }
        if not names:
            return False
        pattern = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, names)) + r")\b")
        module = self.module
        for ancestor in module.ancestors(sink):
            if ancestor.id == function.id:
                break
            if ancestor.type == "if_statement":
                condition = ancestor.child_by_field_name("condition")
                if condition is not None and _guard(_if_text(module, ancestor), pattern):
                    return True
            elif ancestor.type == "expression_case":
                switch = ancestor.parent
                subject = switch.child_by_field_name("value") if switch is not None else None
                if subject is not None and pattern.search(module.text_of(subject)):
                    return True
        for if_node in module.captures(IF_QUERY, function).get("if", []):
            if if_node.start_byte >= sink.start_byte:
                break
            if if_node.end_byte > sink.start_byte:
                continue  # encloses the sink: handled above
            condition = if_node.child_by_field_name("condition")
            consequence = if_node.child_by_field_name("consequence")
            if condition is None or consequence is None:
                continue
            if _guard(_if_text(module, if_node), pattern) and EXITS.search(
                    module.text_of(consequence)):
                return True
        return False


def _if_text(module: TreeModule, if_node: Node) -> str:
    """The condition of an `if`, with its initializer (`if err := validate(p); err != nil`)."""
    parts = [if_node.child_by_field_name("initializer"), if_node.child_by_field_name("condition")]
    return "; ".join(module.text_of(p) for p in parts if p is not None)


def _guard(condition: str, names: re.Pattern) -> bool:
    if not names.search(condition):
        return False
    cleaned = WEAK_PREFIX.sub("", EMPTY_COMPARE.sub("", condition))
    return bool(GUARD_WORDS.search(cleaned))


def _ranges_slice(binding: Binding) -> bool:
    """The key of `for i, v := range xs` over a slice is an index."""
    return binding.value is not None and binding.value.type not in ("call_expression",)


_CACHE: list = [None, None]


def index_for(module: TreeModule) -> GoIndex:
    if _CACHE[0] is not module:
        _CACHE[0], _CACHE[1] = module, GoIndex.build(module)
    return _CACHE[1]


# -- small helpers ------------------------------------------------------------------------


def _squash(text: str) -> str:
    return "".join(text.split())


def squash(module: TreeModule, node: Node | None) -> str:
    return _squash(module.text_of(node)) if node is not None else ""


def _exprs(node: Node) -> list[Node]:
    if node.type == "expression_list":
        return [c for c in node.named_children if c.type != "comment"]
    return [node]


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""


def _root(node: Node | None) -> Node | None:
    """The identifier a chain starts from: `r` in `r.URL.Query().Get("x")`."""
    current = node
    while current is not None:
        kind = current.type
        if kind == "selector_expression" or kind in ("index_expression", "slice_expression",
                                                     "type_assertion_expression"):
            current = current.child_by_field_name("operand")
        elif kind == "call_expression":
            current = current.child_by_field_name("function")
        elif kind == "parenthesized_expression" and current.named_child_count:
            current = current.named_children[0]
        else:
            return current
    return None


root = _root
operator_of = _operator
exprs = _exprs


def string_value(module: TreeModule, node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "raw_string_literal":
        return module.text_of(node)[1:-1]
    if node.type == "interpreted_string_literal":
        raw = module.text_of(node)[1:-1]
        if "\\" not in raw:
            return raw
        return ESCAPE.sub(lambda m: ESCAPES.get(m[1], m[1][1:] if len(m[1]) > 1 else m[1]), raw)
    return None


def chain_base(node: Node | None) -> tuple[Node | None, bool]:
    """The value a method chain starts from, and whether calls were chained on it:
    `db` (True) for `db.Where(...).First`, `s.db` (False) for `s.db.Query`."""
    base = node.child_by_field_name("operand") if node is not None and \
        node.type == "selector_expression" else None
    chained = False
    while base is not None and base.type == "call_expression":
        chained = True
        function = base.child_by_field_name("function")
        base = function.child_by_field_name("operand") if function is not None and \
            function.type == "selector_expression" else None
    return base, chained


def nosec(module: TreeModule, line: int) -> bool:
    lines = module.lines
    if 0 < line <= len(lines) and NOSEC.search(lines[line - 1]):
        return True
    above = lines[line - 2] if 1 < line <= len(lines) + 1 else ""
    return above.lstrip().startswith("//") and bool(NOSEC.search(above))


def make_match(rule, module: TreeModule, node: Node, message: str,
               line_node: Node | None = None) -> Match | None:
    anchor = line_node or node
    line = module.line(anchor)
    if nosec(module, line):
        return None
    return Match(rule_id=rule.id, line=line, end_line=module.end_line(node), message=message,
                 code=module.code(node)[:300], scope=module.scope(node))


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


REQUEST_TYPE_TEXT = ("http.Request", "gin.Context", "echo.Context", "fiber.Ctx",
                     "httprouter.Params")


def has_request_type(module: TreeModule) -> bool:
    """Whether any function in the file could take a web request (cheap text test)."""
    text = module.text
    return any(marker in text for marker in REQUEST_TYPE_TEXT)


ACRONYM = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """`DBPassword` -> `DB_Password`, `APIKey` -> `API_Key`: Go's acronyms split into words
    for the name classifiers."""
    return ACRONYM.sub("_", name)


def is_test(module: TreeModule) -> bool:
    return module.kind is not None and module.kind.role == "test"
