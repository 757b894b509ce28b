"""Shared reading of JavaScript/TypeScript trees for the Node backend rules.

One `FileIndex` per file (cached for the file being analyzed): local bindings by function,
parameters, imports, and two questions rules ask about an expression:

* `tainted(node)`: does it carry request data (`req.query/params/body/headers/cookies`,
  Fastify/Koa/Next.js request objects, NestJS `@Param/@Query/@Body/@Headers` parameters),
  followed through local variables, destructuring, string building and a few
  value-preserving calls? Unknown calls stop the taint: precision over recall.
* `constant(node)`: is it fixed in code (literals, UPPER_CASE names, module-level values,
  imports, numbers and escaped identifiers)?
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node, QueryCursor

from reviewer.model import Match
from reviewer.treesitter import FUNCTION_TYPES, TreeModule, compiled

FUNCTIONS = FUNCTION_TYPES["javascript"]
WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "non_null_expression",
                      "satisfies_expression", "type_assertion"})
LITERALS = frozenset({"string", "number", "true", "false", "null", "undefined", "regex"})
UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")

# Request objects and the fields of them that carry client data.
REQUEST_ROOTS = frozenset({"req", "request", "ctx", "event"})
REQUEST_FIELDS = frozenset({"query", "params", "body", "headers", "cookies", "signedCookies",
                            "files", "file", "url", "originalUrl", "path", "nextUrl", "rawBody",
                            "queryStringParameters", "pathParameters",
                            "multiValueQueryStringParameters", "request", "fields"})
CLIENT_FILE_FIELDS = frozenset({"originalname", "name", "originalFilename", "fieldname",
                                "mimetype", "[]"})
REQUEST_METHODS = frozenset({"get", "header", "param", "json", "formData", "text"})
NEST_SOURCES = frozenset({"Param", "Query", "Body", "Headers", "Cookies", "UploadedFile"})
NEST_REQUEST = frozenset({"Req", "Request"})
ARRAY_CALLBACKS = frozenset({"forEach", "map", "flatMap", "filter", "some", "every", "find",
                             "findIndex"})
# Calls whose result carries their (first) argument's data unchanged.
PROPAGATING_FUNCTIONS = frozenset({
    "String", "decodeURIComponent", "decodeURI", "unescape", "path.join", "path.resolve",
    "path.normalize", "path.posix.join", "path.posix.resolve", "path.win32.join", "join",
    "resolve", "normalize", "url.resolve", "url.parse", "URL", "Buffer.from", "JSON.parse",
    "util.format", "Object.assign", "structuredClone", "querystring.parse", "qs.parse",
    "Array.from", "Object.values", "Object.entries",
})
PROPAGATING_METHODS = frozenset({
    "toString", "trim", "trimStart", "trimEnd", "toLowerCase", "toUpperCase", "concat",
    "slice", "substring", "substr", "split", "at", "get", "getAll", "json", "text",
    "formData", "valueOf", "normalize", "padStart", "padEnd", "join", "flat", "entries",
    "values",
})
# Calls whose result is a number, a boolean or an escaped value: safe to splice anywhere.
SAFE_FUNCTIONS = re.compile(
    r"^(Number|parseInt|parseFloat|Boolean|Math\.\w+|Date\.now|isNaN|isFinite|"
    r"(\w+\.)*(escape|escapeId|escapeIdentifier|escapeLiteral|quoteIdentifier|quote_ident|"
    r"escapeString|escapeSql|sqlEscape|quote|raw_identifier|identifier|wrap|wrapIdentifier|"
    r"columnize|wrapTable|quoteName|getTableName)|(format|pgFormat|pg_format)\.(ident|literal)|"
    r"[\w.]*(uuid|randomUUID|uuidv4|v4|nanoid|cuid)|Symbol)$"
)
SAFE_METHODS = frozenset({"toFixed", "toISOString", "toPrecision", "getTime", "valueOf",
                          "indexOf", "includes", "startsWith", "endsWith", "test",
                          "localeCompare", "toJSON", "getFullYear", "toUTCString"})
# Substring markers (C-speed `in` tests, no regular expressions on whole files).
BROWSER_MARKERS = (
    "'use client'", '"use client"', "window.", "document.", "localStorage", "sessionStorage",
    "navigator.", "useState", "useEffect", "from 'react'", 'from "react"', "from 'vue'",
    'from "vue"', "from 'svelte", 'from "svelte', "@angular/core", "from 'preact'",
    'from "preact"', "from 'solid-js'", 'from "solid-js"', "from 'react-dom", 'from "react-dom',
)
SERVER_MARKERS = (
    "require(", "module.exports", "exports.", "process.argv", "process.exit",
    "from 'node:", 'from "node:', "from 'fs'", 'from "fs"', "from 'path'", 'from "path"',
    "from 'http", 'from "http', "express", "fastify", "koa", "@nestjs/", "next/server",
    "@prisma/", "mongoose", "from 'pg'", 'from "pg"', "mysql", "sequelize", "typeorm", "knex",
    "@hapi/", "from 'crypto'", 'from "crypto"', "child_process", "@aws-sdk/", "ioredis",
    "redis", "bullmq", "'got'", '"got"', "node-fetch", "undici", "'use server'", '"use server"',
    "NextApiRequest", "NextRequest", "getServerSideProps", "function GET", "function POST",
    "function PUT", "function PATCH", "function DELETE", ".listen(",
)
# Application server code, not just any Node module: a web framework, an ORM/driver, a
# route or handler, a NestJS provider.
APP_MARKERS = (
    "express", "fastify", "'koa'", '"koa"', "koa-router", "@koa/", "@nestjs/", "next/server",
    "NextApiRequest", "NextRequest", "getServerSideProps", "@hapi/", "restify",
    "@prisma/client", "PrismaClient", "mongoose", "mongodb", "sequelize", "typeorm", "knex",
    "from 'pg'", 'from "pg"', "require('pg')", 'require("pg")', "mysql", "ioredis",
    "@apollo/server", "apollo-server", "graphql-yoga", "socket.io", "bullmq", "kafkajs",
    "amqplib", "aws-lambda", "@aws-sdk/", "nodemailer", "createServer(", "app.get(",
    "app.post(", "app.use(", "app.listen(", "router.get(", "router.post(", "router.use(",
    "function GET", "function POST", "function PUT", "function PATCH", "function DELETE",
    "@Injectable(", "@Controller(", "@Resolver(", "(req, res", "(req: ", "(request, reply",
    "/models", "/repositories", "/services/", "/db'", '/db"', "/database'", '/database"',
)
ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "del", "all", "use",
                           "head", "options", "route"})
HANDLER_FIRST = frozenset({"req", "request", "ctx", "_req", "_request"})
HANDLER_SECOND = frozenset({"res", "response", "reply", "_res", "h", "next"})
NEST_ROUTES = frozenset({"Get", "Post", "Put", "Patch", "Delete", "All", "Head", "Options"})
NEXT_HANDLERS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

BINDINGS_QUERY = """
(variable_declarator name: (_) @name value: (_) @value)
(assignment_expression left: (_) @name right: (_) @value)
(augmented_assignment_expression left: (identifier) @aug right: (_) @value)
(for_in_statement left: (_) @loopvar right: (_) @value)
"""
IMPORTS_QUERY = """
(import_statement (import_clause (identifier) @default) source: (_) @source)
(import_statement (import_clause (namespace_import (identifier) @namespace)) source: (_) @source)
(import_statement (import_clause (named_imports (import_specifier) @spec)) source: (_) @source)
"""


@dataclass(slots=True)
class Binding:
    value: Node
    start: int
    kind: str  # assign, destructure, aug, loop
    module_level: bool


@dataclass(slots=True)
class Param:
    node: Node  # the whole parameter
    position: int
    decorators: tuple[str, ...]
    destructured: bool


@dataclass(slots=True)
class FileIndex:
    module: TreeModule
    _scopes: dict[int | None, dict[str, list[Binding]]] = field(default_factory=dict)
    _imports: dict[str, tuple[str, str]] | None = None
    _params: dict[int, dict[str, Param]] = field(default_factory=dict)
    _taint_memo: dict[int, bool] = field(default_factory=dict)
    _const_memo: dict[int, bool] = field(default_factory=dict)
    _busy: set[int] = field(default_factory=set)
    _busy_const: set[int] = field(default_factory=set)
    _handlers: dict[int, bool] = field(default_factory=dict)

    # -- building ------------------------------------------------------------------------

    def build(self) -> None:
        """Nothing up front: scopes and imports are read when a rule first needs them."""

    @property
    def imports(self) -> dict[str, tuple[str, str]]:
        """Local name -> (module source, imported name | 'default' | '*')."""
        if self._imports is None:
            self._imports = self._read_imports()
        return self._imports

    def _read_imports(self) -> dict[str, tuple[str, str]]:
        module = self.module
        found: dict[str, tuple[str, str]] = {}
        if "import" in module.text:
            cursor = QueryCursor(compiled(module.grammar, IMPORTS_QUERY))
            cursor.set_max_start_depth(1)  # import statements are top-level
            for _, captures in cursor.matches(module.root):
                source = module.text_of(captures["source"][0]).strip("'\"`")
                if "default" in captures:
                    found[module.text_of(captures["default"][0])] = (source, "default")
                elif "namespace" in captures:
                    found[module.text_of(captures["namespace"][0])] = (source, "*")
                elif "spec" in captures:
                    spec = captures["spec"][0]
                    name = module.text_of(spec.child_by_field_name("name"))
                    alias = spec.child_by_field_name("alias")
                    found[module.text_of(alias) if alias else name] = (source, name)
        return found

    def scope_bindings(self, function: Node | None) -> dict[str, list[Binding]]:
        """Names assigned in `function` itself (not in functions nested in it), or at module
        level for None. Built lazily, one query per scope that a rule asks about."""
        key = function.id if function is not None else None
        found = self._scopes.get(key)
        if found is None:
            found = self._collect(function)
            self._scopes[key] = found
        return found

    def module_bindings(self) -> dict[str, list[Binding]]:
        return self.scope_bindings(None)

    def _collect(self, function: Node | None) -> dict[str, list[Binding]]:
        module = self.module
        cursor = QueryCursor(compiled(module.grammar, BINDINGS_QUERY))
        if function is None:
            cursor.set_max_start_depth(3)  # top-level statements, `export const ...`
            scope = module.root
        else:
            scope = function
        found: dict[str, list[Binding]] = {}
        for _, captures in cursor.matches(scope):
            value = captures["value"][0]
            if "aug" in captures:
                target, kind = captures["aug"][0], "aug"
            elif "loopvar" in captures:
                target, kind = captures["loopvar"][0], "loop"
                if target.type in ("lexical_declaration", "variable_declaration"):
                    declarator = target.named_children[0] if target.named_children else None
                    if declarator is None:
                        continue
                    target = declarator.child_by_field_name("name") or declarator
            else:
                target, kind = captures["name"][0], "assign"
            if function is not None and not self._owned_by(target, function):
                continue
            if target.type in ("identifier", "shorthand_property_identifier_pattern"):
                names = [module.text_of(target)]
            elif target.type in ("object_pattern", "array_pattern"):
                names = pattern_names(module, target)
                kind = "destructure" if kind == "assign" else kind
            elif target.type == "member_expression" and kind == "assign":
                names = [squash(module.text_of(target))]
            else:
                continue
            for name in names:
                found.setdefault(name, []).append(
                    Binding(value, target.start_byte, kind, function is None))
        return found

    @staticmethod
    def _owned_by(node: Node, function: Node) -> bool:
        current = node.parent
        while current is not None:
            if current.type in FUNCTIONS:
                return current.id == function.id
            current = current.parent
        return False

    # -- scopes --------------------------------------------------------------------------

    def params(self, function: Node) -> dict[str, Param]:
        found = self._params.get(function.id)
        if found is not None:
            return found
        found = {}
        single = function.child_by_field_name("parameter")
        if single is not None:
            found[self.module.text_of(single)] = Param(single, 0, (), False)
        parameters = function.child_by_field_name("parameters")
        if parameters is not None:
            position = 0
            for child in parameters.named_children:
                if child.type in ("comment", "decorator"):
                    continue
                decorators = tuple(
                    decorator_name(self.module, d) for d in child.named_children
                    if d.type == "decorator")
                pattern = child.child_by_field_name("pattern") or child
                if pattern.type == "assignment_pattern":
                    pattern = pattern.child_by_field_name("left") or pattern
                if pattern.type == "rest_pattern" and pattern.named_children:
                    pattern = pattern.named_children[0]
                if pattern.type in ("identifier", "this"):
                    found[self.module.text_of(pattern)] = Param(child, position, decorators,
                                                                False)
                elif pattern.type in ("object_pattern", "array_pattern"):
                    for name in pattern_names(self.module, pattern):
                        found[name] = Param(child, position, decorators, True)
                position += 1
        self._params[function.id] = found
        return found

    def resolve(self, name: str, at: Node) -> tuple[str, object]:
        """('param', (function, Param)) | ('bound', [Binding]) | ('import', source) |
        ('unknown', None) for the name as seen from `at`."""
        function = self.module.enclosing_function(at)
        position = at.start_byte
        while True:
            values = self.scope_bindings(function).get(name)
            usable = []
            if values:
                # Not the assignment `at` sits in: `x = x.trim()` reads the earlier `x`.
                usable = [b for b in values
                          if not b.value.start_byte <= position < b.value.end_byte]
                before = [b for b in usable if b.start < position]
                if before:
                    return "bound", before
            if function is not None:
                param = self.params(function).get(name)
                if param is not None:
                    return "param", (function, param)
            if usable:
                return "bound", usable
            if function is None:
                break
            function = self.module.enclosing_function(function)
        if name in self.imports:
            return "import", self.imports[name][0]
        return "unknown", None

    def values(self, name: str, at: Node) -> list[Binding]:
        kind, found = self.resolve(name, at)
        return found if kind == "bound" else []  # type: ignore[return-value]

    # -- request data --------------------------------------------------------------------

    def is_request_name(self, name: str, at: Node) -> bool:
        """`req`, `request`, `ctx`, a NestJS `@Req()` parameter: the request object itself."""
        kind, found = self.resolve(name, at)
        if kind == "param":
            function, param = found  # type: ignore[misc]
            if any(d in NEST_REQUEST for d in param.decorators):
                return True
            if param.destructured:
                return False
            if name in REQUEST_ROOTS:
                return name != "event" or param.position == 0
            return param.position == 0 and self.second_param_is_response(function)
        if kind == "unknown":
            return name in ("req", "request", "ctx")
        if kind == "bound":
            # `const request = require('request')` is the HTTP client, not the request.
            return False
        return False

    def second_param_is_response(self, function: Node) -> bool:
        names = [n for n, p in self.params(function).items() if p.position == 1]
        return bool(names) and names[0] in HANDLER_SECOND

    def request_access(self, node: Node) -> bool:
        """`req.body`, `req.query.id`, `request.params['x']`, `ctx.request.body`,
        `req.get('host')`, `await request.json()`: client-controlled data."""
        node = unwrap(node)
        chain: list[str] = []
        current = node
        while True:
            current = unwrap(current)
            if current.type == "member_expression":
                prop = current.child_by_field_name("property")
                chain.append(self.module.text_of(prop))
                current = current.child_by_field_name("object")
            elif current.type == "subscript_expression":
                chain.append("[]")
                current = current.child_by_field_name("object")
            elif current.type == "call_expression":
                callee = current.child_by_field_name("function")
                if callee is None or callee.type != "member_expression":
                    return False
                method = self.module.text_of(callee.child_by_field_name("property"))
                inner = unwrap(callee.child_by_field_name("object"))
                if inner.type == "identifier" and method in REQUEST_METHODS and not chain:
                    name = self.module.text_of(inner)
                    if name == "request" and method == "get":
                        return False  # the `request` HTTP client's `request.get(url)`
                    return self.is_request_name(name, inner)
                if method in REQUEST_METHODS or method in ("getAll", "get"):
                    chain.append("()")
                    current = inner
                else:
                    return False
            elif current.type == "await_expression":
                current = current.named_children[0] if current.named_children else current
                if current.type == "await_expression":
                    return False
            else:
                break
        if current.type != "identifier" or not chain:
            return False
        first = chain[-1]
        name = self.module.text_of(current)
        if first not in REQUEST_FIELDS:
            return False
        if name == "event" and first not in ("body", "queryStringParameters", "pathParameters",
                                             "headers", "multiValueQueryStringParameters"):
            return False
        if first == "request" and (len(chain) < 2 or chain[-2] not in REQUEST_FIELDS):
            return False
        if first in ("file", "files") and chain[0] not in CLIENT_FILE_FIELDS:
            return False  # multer's `req.file.path`/`filename` are generated by the server
        return self.is_request_name(name, current)

    def tainted(self, node: Node | None, depth: int = 6) -> bool:
        if node is None or depth <= 0:
            return False
        key = node.id
        memo = self._taint_memo.get(key)
        if memo is not None:
            return memo
        if key in self._busy:
            return False
        self._busy.add(key)
        try:
            result = self._tainted(node, depth)
        finally:
            self._busy.discard(key)
        self._taint_memo[key] = result
        return result

    def _tainted(self, node: Node, depth: int) -> bool:
        node = unwrap(node)
        kind = node.type
        if kind in LITERALS or kind == "template_string" and not has_substitution(node):
            return False
        if kind in ("member_expression", "subscript_expression"):
            if self.request_access(node):
                return True
            prop = node.child_by_field_name("property")
            if prop is not None and self.module.text_of(prop) == "length":
                return False
            return self.tainted(node.child_by_field_name("object"), depth - 1)
        if kind == "identifier":
            return self.name_tainted(self.module.text_of(node), node, depth)
        if kind == "shorthand_property_identifier":
            return self.name_tainted(self.module.text_of(node), node, depth)
        if kind == "template_string":
            return any(self.tainted(s.named_children[0] if s.named_children else None, depth - 1)
                       for s in node.named_children if s.type == "template_substitution")
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and operator.type not in ("+", "||", "??"):
                return False
            return (self.tainted(node.child_by_field_name("left"), depth - 1)
                    or self.tainted(node.child_by_field_name("right"), depth - 1))
        if kind == "ternary_expression":
            return (self.tainted(node.child_by_field_name("consequence"), depth - 1)
                    or self.tainted(node.child_by_field_name("alternative"), depth - 1))
        if kind in ("await_expression", "spread_element"):
            return any(self.tainted(c, depth - 1) for c in node.named_children)
        if kind in ("call_expression", "new_expression"):
            if kind == "call_expression" and self.request_access(node):
                return True
            return self._call_tainted(node, depth)
        if kind == "object":
            for child in node.named_children:
                if child.type == "pair" and self.tainted(child.child_by_field_name("value"),
                                                         depth - 1):
                    return True
                if child.type in ("spread_element", "shorthand_property_identifier") and (
                        self.tainted(child, depth - 1)):
                    return True
            return False
        if kind == "array":
            return any(self.tainted(c, depth - 1) for c in node.named_children)
        return False

    def _call_tainted(self, node: Node, depth: int) -> bool:
        callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        if callee is None:
            return False
        arguments = call_arguments(node)
        name = squash(self.module.text_of(callee))
        if name in PROPAGATING_FUNCTIONS:
            if name == "URL" and len(arguments) > 1:
                return self.tainted(arguments[0], depth - 1) and not relative_literal(
                    self.module, arguments[0])
            return any(self.tainted(a, depth - 1) for a in arguments)
        if callee.type == "member_expression":
            method = self.module.text_of(callee.child_by_field_name("property"))
            if method in PROPAGATING_METHODS:
                receiver = callee.child_by_field_name("object")
                if self.tainted(receiver, depth - 1):
                    return True
                if method == "concat":
                    return any(self.tainted(a, depth - 1) for a in arguments)
        return False

    def name_tainted(self, name: str, at: Node, depth: int) -> bool:
        kind, found = self.resolve(name, at)
        if kind == "bound":
            return any(self.tainted(b.value, depth - 1) or (
                b.kind == "destructure" and name in REQUEST_FIELDS
                and self.request_object(b.value))
                for b in found)  # type: ignore[union-attr]
        if kind == "param":
            function, param = found  # type: ignore[misc]
            if any(d in NEST_SOURCES for d in param.decorators):
                return True
            receiver = callback_receiver(self.module, function)
            if receiver is not None and param.position == 0:
                return self.tainted(receiver, depth - 1)
            if param.destructured and name in ("params", "query", "body", "searchParams"):
                return self.is_handler(function)
        return False

    def request_object(self, node: Node) -> bool:
        """`const { id } = req.params` already counts; this covers `const { body } = req`."""
        node = unwrap(node)
        return node.type == "identifier" and self.is_request_name(self.module.text_of(node),
                                                                   node)

    # -- constants -----------------------------------------------------------------------

    def constant(self, node: Node | None, depth: int = 8) -> bool:
        if node is None:
            return True
        key = node.id
        memo = self._const_memo.get(key)
        if memo is not None:
            return memo
        if key in self._busy_const or depth <= 0:
            return False
        self._busy_const.add(key)
        try:
            result = self._constant(node, depth)
        finally:
            self._busy_const.discard(key)
        self._const_memo[key] = result
        return result

    def _constant(self, node: Node, depth: int) -> bool:
        node = unwrap(node)
        kind = node.type
        text = self.module.text_of
        if kind in LITERALS:
            return True
        if kind == "template_string":
            return all(self.constant(s.named_children[0] if s.named_children else None,
                                     depth - 1) or placeholder_before(self.module, s)
                       for s in node.named_children if s.type == "template_substitution")
        if kind == "identifier":
            name = text(node)
            if UPPER.match(name) or name == "undefined":
                return True
            where, found = self.resolve(name, node)
            if where == "import":
                return True
            if where == "param":
                function, param = found  # type: ignore[misc]
                if param.position == 1 and callback_receiver(self.module, function) is not None:
                    return True  # the index of `items.map((item, i) => ...)`
                return numeric_annotation(self.module, param.node)
            if where == "bound":
                bindings: list[Binding] = found  # type: ignore[assignment]
                if all(b.module_level for b in bindings):
                    return not any(self.tainted(b.value, 3) for b in bindings)
                return all(self.constant(b.value, depth - 1) for b in bindings)
            return False
        if kind == "member_expression":
            prop = text(node.child_by_field_name("property"))
            if prop == "length":
                return True
            root = node
            while root.type in ("member_expression", "subscript_expression"):
                root = unwrap(root.child_by_field_name("object"))
            if root.type == "this":
                return True
            if root.type == "identifier":
                name = text(root)
                if name == "process":
                    return text(node).startswith("process.env")
                if UPPER.match(name) or name[:1].isupper():
                    return True  # a constant table or an enum: `Table.Users`, `COLUMNS.name`
                if self.request_access(node):
                    return False
                where, found = self.resolve(name, root)
                if where == "import":
                    return True
                if where == "bound" and all(b.module_level for b in found):  # type: ignore
                    return True
            return False
        if kind == "subscript_expression":
            # `SORT_COLUMNS[req.query.sort]`: a lookup in a fixed table is the allow-list.
            obj = unwrap(node.child_by_field_name("object"))
            return self.constant(obj, depth - 1) and obj.type in ("identifier",
                                                                   "member_expression")
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and operator.type not in ("+", "||", "??", "-", "*", "/",
                                                               "%", "&&"):
                return True  # comparisons give booleans
            return (self.constant(node.child_by_field_name("left"), depth - 1)
                    and self.constant(node.child_by_field_name("right"), depth - 1))
        if kind == "ternary_expression":
            return (self.constant(node.child_by_field_name("consequence"), depth - 1)
                    and self.constant(node.child_by_field_name("alternative"), depth - 1))
        if kind == "unary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and operator.type in ("!", "typeof", "void"):
                return True
            return self.constant(node.child_by_field_name("argument"), depth - 1)
        if kind == "array":
            return all(self.constant(c, depth - 1) for c in node.named_children)
        if kind in ("call_expression", "new_expression"):
            return self._call_constant(node, depth)
        return False

    def _call_constant(self, node: Node, depth: int) -> bool:
        callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        if callee is None:
            return False
        name = squash(self.module.text_of(callee))
        if SAFE_FUNCTIONS.match(name):
            return True
        arguments = call_arguments(node)
        if name in ("format", "pgFormat", "pg_format", "sqlstring.format", "SqlString.format"):
            first = string_value(self.module, arguments[0]) if arguments else None
            return first is not None and "%s" not in first
        if callee.type != "member_expression":
            return name == "Date"
        method = self.module.text_of(callee.child_by_field_name("property"))
        receiver = callee.child_by_field_name("object")
        if method in SAFE_METHODS:
            return True
        if method in ("join", "fill", "repeat", "toString", "trim", "toUpperCase",
                      "toLowerCase"):
            return self.constant(receiver, depth - 1) or self._placeholder_list(receiver, depth)
        if method == "map" and arguments:
            return mapped_constant(self, arguments[0], depth)
        return False

    def _placeholder_list(self, node: Node | None, depth: int) -> bool:
        """`ids.map(() => '?')`, `Array(n).fill('?')`, an array only ever pushed constants."""
        node = unwrap(node) if node is not None else None
        if node is None:
            return False
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            arguments = call_arguments(node)
            if callee is not None and callee.type == "member_expression":
                method = self.module.text_of(callee.child_by_field_name("property"))
                if method == "map" and arguments:
                    return mapped_constant(self, arguments[0], depth)
                if method == "fill" and arguments:
                    return self.constant(arguments[0], depth - 1)
                if method in ("slice", "concat", "filter"):
                    return self._placeholder_list(callee.child_by_field_name("object"), depth)
            return False
        if node.type == "identifier":
            name = self.module.text_of(node)
            bindings = self.values(name, node)
            if not bindings or not all(b.kind == "assign" and unwrap(b.value).type == "array"
                                       and self.constant(b.value, depth - 1)
                                       for b in bindings):
                return False
            function = self.module.enclosing_function(node)
            for call in self.module.calls:
                if call.function == function and call.name == f"{name}.push":
                    if not all(self.constant(a, depth - 1) for a in call.arguments):
                        return False
            return True
        return False

    # -- handlers ------------------------------------------------------------------------

    def is_handler(self, function: Node) -> bool:
        """A request handler: an Express/Fastify/Koa route callback, `(req, res) => ...`, a
        Next.js API or route handler, or a NestJS controller route method."""
        found = self._handlers.get(function.id)
        if found is None:
            found = self._is_handler(function)
            self._handlers[function.id] = found
        return found

    def _is_handler(self, function: Node) -> bool:
        module = self.module
        params = self.params(function)
        by_position = {p.position: n for n, p in params.items() if not p.destructured}
        first, second = by_position.get(0), by_position.get(1)
        if first in HANDLER_FIRST and (second in HANDLER_SECOND or first != "request"):
            if first in ("req", "_req") or second is not None:
                return True
        if any(d in NEST_SOURCES or d in NEST_REQUEST for p in params.values()
               for d in p.decorators):
            return True
        if function.type == "method_definition":
            parent = function.parent
            decorators = []
            sibling = function.prev_named_sibling
            while sibling is not None and sibling.type == "decorator":
                decorators.append(decorator_name(module, sibling))
                sibling = sibling.prev_named_sibling
            if parent is not None and any(d in NEST_ROUTES for d in decorators):
                return True
        name = module.function_name(function)
        if name in NEXT_HANDLERS and is_exported(function):
            return True
        parent = function.parent
        if parent is not None and parent.type == "arguments":
            call = parent.parent
            callee = call.child_by_field_name("function") if call is not None else None
            if callee is not None and callee.type == "member_expression":
                method = module.text_of(callee.child_by_field_name("property"))
                args = [a for a in parent.named_children if a.type != "comment"]
                if method in ROUTE_METHODS and args and args[0].type in ("string",
                                                                         "template_string"):
                    return bool(params)
        return False

    def in_handler(self, node: Node) -> Node | None:
        """The request handler `node` runs in, directly or in a callback inside it."""
        function = self.module.enclosing_function(node)
        while function is not None:
            if self.is_handler(function):
                return function
            function = self.module.enclosing_function(function)
        return None


_STATE: dict[str, object] = {"module": None, "index": None}


def index(module: TreeModule) -> FileIndex:
    if _STATE["module"] is not module:
        built = FileIndex(module)
        built.build()
        _STATE["module"], _STATE["index"] = module, built
    return _STATE["index"]  # type: ignore[return-value]


# -- small helpers ---------------------------------------------------------------------------


def squash(text: str) -> str:
    return "".join(text.split()).replace("?.", ".")


def unwrap(node: Node) -> Node:
    while node is not None and node.type in WRAPPERS and node.named_children:
        if node.type == "type_assertion":
            node = node.named_children[-1]
        else:
            node = node.named_children[0]
    return node


def has_substitution(node: Node) -> bool:
    return any(c.type == "template_substitution" for c in node.named_children)


def string_value(module: TreeModule, node: Node | None) -> str | None:
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "string":
        return module.text_of(node)[1:-1]
    if node.type == "template_string" and not has_substitution(node):
        return module.text_of(node)[1:-1]
    return None


def call_arguments(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return []
    return [c for c in args.named_children if c.type != "comment"]


def is_tagged_template(node: Node) -> bool:
    args = node.child_by_field_name("arguments")
    return args is not None and args.type == "template_string"


def pattern_names(module: TreeModule, pattern: Node) -> list[str]:
    names = []
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            names.append(module.text_of(node))
        elif kind == "pair_pattern":
            value = node.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            left = node.child_by_field_name("left")
            if left is not None:
                stack.append(left)
        elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(node.named_children)
    return names


def decorator_name(module: TreeModule, decorator: Node) -> str:
    inner = decorator.named_children[0] if decorator.named_children else None
    if inner is None:
        return ""
    if inner.type == "call_expression":
        inner = inner.child_by_field_name("function") or inner
    return module.text_of(inner).rsplit(".", 1)[-1]


def is_exported(function: Node) -> bool:
    parent = function.parent
    for _ in range(3):
        if parent is None:
            return False
        if parent.type == "export_statement":
            return True
        parent = parent.parent
    return False


def callback_receiver(module: TreeModule, function: Node) -> Node | None:
    """`items.forEach((item) => ...)`: the array the callback's first parameter walks."""
    parent = function.parent
    if parent is None or parent.type != "arguments":
        return None
    call = parent.parent
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "member_expression":
        return None
    if module.text_of(callee.child_by_field_name("property")) not in ARRAY_CALLBACKS:
        return None
    return callee.child_by_field_name("object")


def numeric_annotation(module: TreeModule, param: Node) -> bool:
    """A TypeScript parameter typed `number`/`boolean`/`bigint` (or a union of those)."""
    annotation = param.child_by_field_name("type")
    if annotation is None:
        return False
    text = module.text_of(annotation).lstrip(":").strip()
    return bool(text) and all(part.strip() in ("number", "boolean", "bigint", "Date")
                              for part in text.split("|"))


def placeholder_before(module: TreeModule, substitution: Node) -> bool:
    """`$${index}` / `@p${i}` / `:${n}`: a numbered bind placeholder, not spliced data."""
    previous = substitution.prev_sibling
    if previous is None or previous.type != "string_fragment":
        return False
    text = module.text_of(previous)
    return bool(re.search(r"(\$|@p?|:)$", text))


def relative_literal(module: TreeModule, node: Node) -> bool:
    """A string starting with `/path` (not `//host`): resolved against a fixed base."""
    node = unwrap(node)
    first = leading_text(module, node)
    return first is not None and first.startswith("/") and not first.startswith("//")


def leading_text(module: TreeModule, node: Node) -> str | None:
    """The literal text a string expression starts with, or None when it starts with a value."""
    node = unwrap(node)
    if node.type == "string":
        return module.text_of(node)[1:-1]
    if node.type == "template_string":
        first = node.named_children[0] if node.named_children else None
        if first is None:
            return ""
        return module.text_of(first) if first.type == "string_fragment" else None
    if node.type == "binary_expression":
        return leading_text(module, node.child_by_field_name("left"))
    return None


def mapped_constant(index_: FileIndex, callback: Node, depth: int) -> bool:
    """The callback of `.map()` returns a constant or a numbered placeholder."""
    callback = unwrap(callback)
    if callback.type not in ("arrow_function", "function_expression", "function"):
        return False
    body = callback.child_by_field_name("body")
    if body is None:
        return False
    if body.type == "statement_block":
        returns = [c for c in body.named_children if c.type == "return_statement"]
        if len(returns) != 1 or not returns[0].named_children:
            return False
        body = returns[0].named_children[0]
    params = index_.params(callback)
    if unwrap(body).type == "template_string":
        for sub in unwrap(body).named_children:
            if sub.type != "template_substitution":
                continue
            inner = sub.named_children[0] if sub.named_children else None
            if placeholder_before(index_.module, sub) or index_.constant(inner, depth - 1):
                continue
            # the index parameter (second) gives numbers
            names = {index_.module.text_of(n) for n in walk_identifiers(inner)}
            if names and all(name in params and params[name].position == 1 for name in names):
                continue
            return False
        return True
    return index_.constant(body, depth - 1)


def walk_identifiers(node: Node | None) -> list[Node]:
    if node is None:
        return []
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.append(current)
        stack.extend(current.named_children)
    return found


def object_pairs(module: TreeModule, node: Node | None) -> dict[str, Node] | None:
    """Literal keys of an object literal -> value nodes; None if not an object literal.
    The key "..." is set when the object spreads another value in."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type != "object":
        return None
    found: dict[str, Node] = {}
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            if key is None:
                continue
            text = module.text_of(key)
            if key.type == "string":
                text = text[1:-1]
            elif key.type == "computed_property_name":
                text = "[computed]"
            found[text] = child.child_by_field_name("value")
        elif child.type == "shorthand_property_identifier":
            found[module.text_of(child)] = child
        elif child.type == "spread_element":
            found["..."] = child
        elif child.type == "method_definition":
            name = child.child_by_field_name("name")
            if name is not None:
                found[module.text_of(name)] = child
    return found


def resolved_object(index_: FileIndex, node: Node | None, depth: int = 2) -> Node | None:
    """An object literal given inline or through a local variable bound once."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "object":
        return node
    if node.type == "identifier" and depth > 0:
        bindings = index_.values(index_.module.text_of(node), node)
        if len(bindings) == 1 and bindings[0].kind == "assign":
            return resolved_object(index_, bindings[0].value, depth - 1)
    return None


def is_browser_code(module: TreeModule) -> bool:
    kind = module.kind
    if kind is not None and kind.variant in ("tsx", "jsx"):
        return True
    text = module.text
    return any(marker in text for marker in BROWSER_MARKERS)


def is_server_code(module: TreeModule) -> bool:
    text = module.text
    return any(m in text for m in SERVER_MARKERS) and not is_browser_code(module)


def is_app_server_code(module: TreeModule) -> bool:
    text = module.text
    return any(m in text for m in APP_MARKERS) and not is_browser_code(module)


def role(module: TreeModule) -> str:
    return module.kind.role if module.kind is not None else "source"


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_match(rule_id: str, module: TreeModule, node: Node, message: str) -> Match:
    """A finding on `node`; a call in a multi-line method chain is reported on the line of
    its own method name (`.where(...)`), not on the chain's first line."""
    line = module.line(node)
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        prop = callee.child_by_field_name("property") if callee is not None and (
            callee.type == "member_expression") else None
        if prop is not None:
            line = module.line(prop)
    return Match(rule_id=rule_id, line=line, end_line=max(line, module.end_line(node)),
                 message=message, code=module.code(node), scope=module.scope(node))


def in_loop_callback(module: TreeModule, function: Node | None) -> Node | None:
    """The `.forEach/.map/...` call a callback function is passed to (it runs per item)."""
    if function is None:
        return None
    parent = function.parent
    if parent is None or parent.type != "arguments":
        return None
    call = parent.parent
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "member_expression":
        return None
    method = module.text_of(callee.child_by_field_name("property"))
    if method in ("forEach", "map", "flatMap", "filter", "reduce", "some", "every"):
        return call
    return None


def guard_lines(module: TreeModule, function: Node | None, names: set[str], before: int,
                pattern: re.Pattern) -> bool:
    """A line of the function before `before` that both mentions one of `names` and matches
    `pattern` (an allow-list check, a prefix check, a validator call)."""
    if function is None or not names:
        return False
    start = function.start_point.row
    end = min(before, function.end_point.row + 1)
    words = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    for line in module.lines[start:end]:
        if pattern.search(line) and words.search(line):
            return True
    return False


def related_names(index_: FileIndex, node: Node, depth: int = 3) -> set[str]:
    """Identifiers a value is built from, followed through their local bindings."""
    found: set[str] = set()
    pending = [(node, depth)]
    while pending:
        current, left = pending.pop()
        for ident in walk_identifiers(current):
            name = index_.module.text_of(ident)
            if name in found or name in REQUEST_ROOTS:
                continue
            found.add(name)
            if left > 0:
                for binding in index_.values(name, ident):
                    pending.append((binding.value, left - 1))
    return found


def derived_names(index_: FileIndex, function: Node | None, names: set[str]) -> set[str]:
    """Names bound in the function to values mentioning one of `names`."""
    if function is None:
        return set()
    out = set(names)
    for name, bindings in index_.scope_bindings(function).items():
        if name in out:
            continue
        for binding in bindings:
            if {index_.module.text_of(i) for i in walk_identifiers(binding.value)} & names:
                out.add(name)
                break
    return out
