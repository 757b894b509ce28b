"""JavaScript/TypeScript API surface: Express, Fastify, Koa router, Hono, NestJS and Next.js
routes; TS interfaces, object types, enums, string-literal unions and zod schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from reviewer.api.model import Endpoint, Field, Model, Unreadable
from reviewer.api.paths import join, nextjs_segments
from reviewer.files import FileKind
from reviewer.treesitter import TreeModule

VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
         "del": "DELETE", "options": "OPTIONS", "head": "HEAD", "all": "ANY"}
NEST_VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE",
              "Options": "OPTIONS", "Head": "HEAD", "All": "ANY", "Search": "SEARCH"}
NEXT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
FUNCTION_NODES = frozenset({"arrow_function", "function_expression", "function",
                            "function_declaration", "generator_function",
                            "generator_function_declaration", "method_definition"})
STRINGISH = frozenset({"string", "template_string"})
SERVER_IMPORT = re.compile(
    r"""(?:from\s+|require\s*\(\s*)['"](express|fastify|koa|@koa/router|koa-router|hono|"""
    r"""restify|polka|@nestjs/common|next-connect)['"/]""")
ROUTER_NAME = re.compile(r"^(app|server|router|routes|route|api[A-Z]\w*|fastify|instance|"
                         r"srv|application|\w+Router|\w+Routes|\w+App|\w+Server)$")
CLIENT_NAMES = frozenset({"axios", "http", "https", "fetch", "request", "superagent", "got",
                          "ky", "client", "api", "$", "jQuery", "cache", "map", "store",
                          "params", "searchParams", "headers", "redis", "db"})
ZOD_BASES = {"string": "string", "number": "number", "boolean": "boolean", "bigint": "bigint",
             "date": "Date", "any": "any", "unknown": "unknown", "null": "null",
             "undefined": "undefined", "never": "never", "void": "void", "symbol": "symbol",
             "nan": "number", "int": "number", "email": "string", "uuid": "string",
             "url": "string", "file": "File"}
ZOD_PASS = frozenset({"strict", "passthrough", "strip", "describe", "refine", "superRefine",
                      "transform", "min", "max", "length", "email", "url", "uuid", "cuid",
                      "regex", "trim", "toLowerCase", "toUpperCase", "int", "positive",
                      "negative", "nonnegative", "nonpositive", "gt", "gte", "lt", "lte",
                      "nonempty", "datetime", "brand", "readonly", "pipe", "catchall",
                      "finite", "safe", "multipleOf", "startsWith", "endsWith", "includes",
                      "ip", "cuid2", "ulid", "emoji", "step", "meta", "openapi"})


@dataclass
class _Mountable:
    framework: str
    prefix: str = ""
    mounts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Zod:
    type: str
    optional: bool = False
    fields: list[Field] | None = None
    values: list[str] | None = None


def extract(path: str, text: str, kind: FileKind) -> tuple[list[Endpoint], list[Model]]:
    module = TreeModule.parse(text, kind)
    if module.parse_problem() is not None:
        raise Unreadable(module.parse_problem())
    return _JsApi(module, path).run()


def string_content(module: TreeModule, node: Node | None) -> str | None:
    """The value of a string literal or substitution-free template, else None."""
    if node is None:
        return None
    if node.type == "string":
        return "".join(module.text_of(c) for c in node.named_children
                       if c.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return "".join(module.text_of(c) for c in node.named_children
                       if c.type in ("string_fragment", "escape_sequence"))
    return None


class _JsApi:
    def __init__(self, module: TreeModule, path: str) -> None:
        self.module = module
        self.path = path
        self.text = module.text
        self.endpoints: list[Endpoint] = []
        self.models: dict[str, Model] = {}
        self.zod: dict[str, _Zod] = {}
        self.constants: dict[str, Node] = {}
        self.functions: dict[str, Node] = {}
        self.objects: dict[str, _Mountable] = {}
        self.pending: dict[str, Callable[[], None]] = {}
        imports = {m.group(1) for m in SERVER_IMPORT.finditer(self.text)}
        self.imports = imports
        if "fastify" in imports and "express" not in imports:
            self.default_framework = "fastify"
        elif imports & {"koa", "@koa/router", "koa-router"}:
            self.default_framework = "koa"
        elif "hono" in imports and "express" not in imports:
            self.default_framework = "hono"
        else:
            self.default_framework = "express"
        self.validators = bool(re.search(
            r"""['"](class-validator|@nestjs/swagger|@nestjs/mapped-types)['"]""", self.text))
        self.zod_names = {"z"} | set(re.findall(
            r"import\s+\*\s+as\s+(\w+)\s+from\s+['\"]zod['\"]", self.text))

    def run(self) -> tuple[list[Endpoint], list[Model]]:
        self._top_level()
        self._collect_objects()
        self._route_calls()
        self._nest_controllers()
        self._nextjs()
        models = list(self.models.values())
        if self.module.kind is not None and self.module.kind.variant in ("tsx", "jsx"):
            # Component files: `interface Props` and friends are UI, not wire formats.
            models = [m for m in models if m.kind == "zod"]
        return self.endpoints, [m for m in models if not m.name.endswith(("Props", "State"))]

    # -- helpers --------------------------------------------------------------------------

    def text_of(self, node: Node | None) -> str:
        return self.module.text_of(node)

    def string(self, node: Node | None, depth: int = 0) -> str | None:
        if node is None or depth > 5:
            return None
        value = string_content(self.module, node)
        if value is not None:
            return value
        if node.type in ("identifier", "member_expression") and self.text_of(node) in \
                self.constants:  # const BASE = "/api"; class field `path = "/users"`
            return self.string(self.constants[self.text_of(node)], depth + 1)
        if node.type == "template_string":
            parts = []
            for child in node.named_children:
                if child.type == "template_substitution":
                    inner = child.named_children[0] if child.named_children else None
                    part = self.string(inner, depth + 1)
                else:
                    part = self.text_of(child)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        if node.type == "binary_expression" and self.text_of(
                node.child_by_field_name("operator")) == "+":
            left = self.string(node.child_by_field_name("left"), depth + 1)
            right = self.string(node.child_by_field_name("right"), depth + 1)
            return None if left is None or right is None else left + right
        if node.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
            return self.string(node.named_children[0], depth + 1) if node.named_children \
                else None
        return None

    def strings(self, node: Node | None) -> list[str] | None:
        if node is None:
            return None
        if node.type == "array":
            found = [self.string(c) for c in node.named_children]
            return None if any(s is None for s in found) else found  # type: ignore[return-value]
        single = self.string(node)
        return None if single is None else [single]

    def pairs(self, node: Node | None) -> dict[str, Node]:
        found: dict[str, Node] = {}
        if node is None or node.type != "object":
            return found
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                name = string_content(self.module, key)
                found[name if name is not None else self.text_of(key)] = \
                    child.child_by_field_name("value")
            elif child.type == "shorthand_property_identifier":
                found[self.text_of(child)] = child
        return found

    def handler_name(self, node: Node | None, depth: int = 0) -> str:
        if node is None or depth > 5:
            return "<anonymous>"
        if node.type == "identifier":
            return self.text_of(node)
        if node.type == "member_expression":  # controller.list -> list
            return self.text_of(node.child_by_field_name("property"))
        if node.type in FUNCTION_NODES:
            name = node.child_by_field_name("name")
            return self.text_of(name) if name is not None else "<anonymous>"
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "member_expression" and self.text_of(
                    callee.child_by_field_name("property")) == "bind":
                return self.handler_name(callee.child_by_field_name("object"), depth + 1)
            arguments = self._arguments(node)
            if arguments and (arguments[-1].type in FUNCTION_NODES or arguments[-1].type in (
                    "identifier", "member_expression", "call_expression")):
                return self.handler_name(arguments[-1], depth + 1)  # asyncHandler(fn)
            return self.handler_name(callee, depth + 1)  # makeHandler({ ... })
        if node.type in ("parenthesized_expression", "as_expression", "await_expression"):
            return self.handler_name(node.named_children[0] if node.named_children else None,
                                     depth + 1)
        return "<anonymous>"

    def _arguments(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        return [c for c in args.named_children if c.type != "comment"] if args else []

    def function_node(self, node: Node | None, depth: int = 0) -> Node | None:
        """The function a handler expression refers to, when it is in this file."""
        if node is None or depth > 5:
            return None
        if node.type in FUNCTION_NODES:
            return node
        if node.type == "identifier":
            return self.functions.get(self.text_of(node))
        if node.type == "member_expression":
            return self.functions.get(self.text_of(node.child_by_field_name("property")))
        if node.type == "call_expression":
            arguments = self._arguments(node)
            return self.function_node(arguments[-1], depth + 1) if arguments else None
        return None

    # -- top level: constants, functions, models ------------------------------------------

    def _top_level(self) -> None:
        for statement in self.module.root.named_children:
            declaration = statement
            if statement.type == "export_statement":
                declaration = statement.child_by_field_name("declaration") or next(
                    (c for c in statement.named_children if c.type not in ("decorator",)),
                    statement)
            kind = declaration.type
            if kind in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    if declarator.type == "variable_declarator":
                        self._declarator(declarator, statement)
            elif kind in ("function_declaration", "generator_function_declaration"):
                name = declaration.child_by_field_name("name")
                if name is not None:
                    self.functions[self.text_of(name)] = declaration
            elif kind == "interface_declaration":
                self._later(self._interface, declaration, statement)
            elif kind == "type_alias_declaration":
                self._later(self._type_alias, declaration, statement)
            elif kind == "enum_declaration":
                self._enum(declaration, statement)
            elif kind == "class_declaration" and self.module.grammar != "javascript":
                self._later(self._dto_class, declaration, statement)
        while self.pending:  # declarations may extend types declared further down
            self._base(next(iter(self.pending)))
        # Functions declared in nested scopes are still handlers by name (rare collisions).
        for node in self.module.captures(
                "(function_declaration name: (identifier) @name) @fn").get("fn", []):
            name = self.text_of(node.child_by_field_name("name"))
            self.functions.setdefault(name, node)

    def _declarator(self, declarator: Node, statement: Node) -> None:
        name_node = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name_node is None or value is None or name_node.type != "identifier":
            return
        name = self.text_of(name_node)
        if value.type in STRINGISH or value.type == "binary_expression":
            self.constants[name] = value
        elif value.type in FUNCTION_NODES:
            self.functions[name] = value
        elif value.type == "call_expression" and self._is_zod(value):
            schema = self.zod_schema(value)
            line = self.module.line(statement)
            if schema.values is not None:
                self.models[name] = Model(name, "enum", (), tuple(schema.values), line)
            elif schema.fields is not None:
                self.models[name] = Model(name, "zod", tuple(schema.fields), (), line)
            self.zod[name] = schema

    # -- TypeScript declarations ----------------------------------------------------------

    def _later(self, build: Callable[[Node, Node], None], node: Node, statement: Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.pending[self.text_of(name)] = lambda: build(node, statement)

    def _base(self, name: str) -> Model | None:
        """The model called `name`, building a pending declaration first when needed."""
        build = self.pending.pop(name, None)
        if build is not None:
            build()
        return self.models.get(name)

    def _interface(self, node: Node, statement: Node) -> None:
        name = self.text_of(node.child_by_field_name("name"))
        fields: dict[str, Field] = {}
        for child in node.named_children:
            if child.type == "extends_type_clause":
                for base in child.named_children:
                    parent = self._base(self.text_of(base))
                    if parent is not None:
                        fields.update({f.name: f for f in parent.fields})
        body = node.child_by_field_name("body")
        fields.update({f.name: f for f in self._object_fields(body)})
        self.models[name] = Model(name, "ts-interface", tuple(fields.values()), (),
                                  self.module.line(statement))

    def _dto_class(self, node: Node, statement: Node) -> None:
        """NestJS-style DTO classes: `class CreateUserDto { @IsEmail() email: string }`."""
        name = self.text_of(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        members = [m for m in body.named_children if m.type == "public_field_definition"] \
            if body is not None else []
        decorated = self.validators and any(
            c.type == "decorator" for m in members for c in m.children)
        fields: dict[str, Field] = {}
        heritage = next((c for c in node.named_children if c.type == "class_heritage"), None)
        if heritage is not None:
            fields.update(self._dto_base(heritage))
        if not (re.search(r"(Dto|DTO)$", name) or decorated or (
                fields and self.validators)):
            return
        for member in members:
            key = member.child_by_field_name("name")
            if key is None or any(c.type in ("static", "accessibility_modifier")
                                  and self.text_of(c) in ("static", "private", "protected")
                                  for c in member.children):
                continue
            field_name = string_content(self.module, key) or self.text_of(key)
            optional = any(c.type == "?" for c in member.children) or any(
                self._decorator_call(c)[0] == "IsOptional" for c in member.children
                if c.type == "decorator") or member.child_by_field_name("value") is not None
            annotation = member.child_by_field_name("type")
            type_text = ts_type(self.text_of(annotation)) if annotation is not None else "any"
            fields[field_name] = Field(field_name, type_text, not optional,
                                       self.module.line(key))
        self.models[name] = Model(name, "ts-class", tuple(fields.values()), (),
                                  self.module.line(statement))

    def _dto_base(self, heritage: Node) -> dict[str, Field]:
        """`extends CreateUserDto`, `extends PartialType(CreateUserDto)`, `PickType(X, [...])`,
        `OmitType(X, [...])` for bases declared in this file."""
        clause = next((c for c in heritage.named_children if c.type == "extends_clause"),
                      heritage)
        value = clause.child_by_field_name("value") or next(
            (c for c in clause.named_children if c.type != "type_arguments"), None)
        if value is None:
            return {}
        if value.type == "identifier" or value.type == "type_identifier":
            base = self._base(self.text_of(value))
            return {f.name: f for f in base.fields} if base is not None else {}
        if value.type != "call_expression":
            return {}
        helper = self.text_of(value.child_by_field_name("function"))
        arguments = self._arguments(value)
        found: dict[str, Field] = {}
        for argument in arguments if helper == "IntersectionType" else arguments[:1]:
            base = self._base(self.text_of(argument))
            if base is not None:
                found.update({f.name: f for f in base.fields})
        keys = set(self.strings(arguments[1]) or []) if len(arguments) > 1 else set()
        if helper == "PartialType":
            found = {k: Field(f.name, f.type, False, f.line) for k, f in found.items()}
        elif helper == "PickType":
            found = {k: f for k, f in found.items() if k in keys}
        elif helper == "OmitType":
            found = {k: f for k, f in found.items() if k not in keys}
        return found

    def _object_fields(self, body: Node | None) -> list[Field]:
        fields = []
        if body is None:
            return fields
        for member in body.named_children:
            if member.type != "property_signature":
                continue
            key = member.child_by_field_name("name")
            name = string_content(self.module, key)
            if name is None:
                name = self.text_of(key)
            optional = any(c.type == "?" for c in member.children)
            annotation = member.child_by_field_name("type")
            type_text = ts_type(self.text_of(annotation)) if annotation is not None else "any"
            fields.append(Field(name, type_text, not optional, self.module.line(member)))
        return fields

    def _type_alias(self, node: Node, statement: Node) -> None:
        name = self.text_of(node.child_by_field_name("name"))
        value = node.child_by_field_name("value")
        line = self.module.line(statement)
        while value is not None and value.type == "parenthesized_type":
            value = value.named_children[0] if value.named_children else None
        if value is None:
            return
        if value.type == "object_type":
            self.models[name] = Model(name, "ts-type", tuple(self._object_fields(value)), (),
                                      line)
        elif value.type == "intersection_type":
            fields: dict[str, Field] = {}
            for part in self._flatten(value, "intersection_type"):
                if part.type == "object_type":
                    fields.update({f.name: f for f in self._object_fields(part)})
                elif self._base(self.text_of(part)) is not None:
                    fields.update({f.name: f for f in self.models[self.text_of(part)].fields})
                else:
                    return
            self.models[name] = Model(name, "ts-type", tuple(fields.values()), (), line)
        elif value.type == "union_type":
            values = []
            for part in self._flatten(value, "union_type"):
                literal = part.named_children[0] if part.type == "literal_type" and \
                    part.named_children else None
                if literal is None or literal.type not in ("string", "number"):
                    return
                content = string_content(self.module, literal)
                values.append(content if content is not None else self.text_of(literal))
            self.models[name] = Model(name, "enum", (), tuple(values), line)

    def _flatten(self, node: Node, kind: str) -> list[Node]:
        parts = []
        for child in node.named_children:
            if child.type == kind:
                parts.extend(self._flatten(child, kind))
            else:
                parts.append(child)
        return parts

    def _enum(self, node: Node, statement: Node) -> None:
        name = self.text_of(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        values = []
        for member in body.named_children if body is not None else []:
            if member.type == "enum_assignment":
                key = member.child_by_field_name("name")
                value = member.child_by_field_name("value")
                content = string_content(self.module, value)  # numeric members: by name
                values.append(content if content is not None else
                              string_content(self.module, key) or self.text_of(key))
            elif member.type in ("property_identifier", "string"):
                values.append(string_content(self.module, member) or self.text_of(member))
        self.models[name] = Model(name, "enum", (), tuple(values), self.module.line(statement))

    # -- zod ------------------------------------------------------------------------------

    def _root(self, node: Node) -> Node:
        while node.type in ("call_expression", "member_expression"):
            inner = node.child_by_field_name("function") if node.type == "call_expression" \
                else node.child_by_field_name("object")
            if inner is None:
                break
            node = inner
        return node

    def _is_zod(self, node: Node) -> bool:
        root = self._root(node)
        return root.type == "identifier" and (self.text_of(root) in self.zod_names
                                              or self.text_of(root) in self.zod)

    def zod_schema(self, node: Node | None, depth: int = 0) -> _Zod:
        if node is None or depth > 40:
            return _Zod("unknown")
        if node.type == "identifier":
            name = self.text_of(node)
            known = self.zod.get(name)
            if known is not None:
                return _Zod(name, False, known.fields, known.values)
            return _Zod(name)
        if node.type == "member_expression":  # z.string without a call, schema.shape.x
            return _Zod(self.text_of(node))
        if node.type != "call_expression":
            return _Zod("unknown")
        callee = node.child_by_field_name("function")
        arguments = self._arguments(node)
        first = arguments[0] if arguments else None
        if callee is None or callee.type != "member_expression":
            return _Zod(self.text_of(callee) or "unknown")
        method = self.text_of(callee.child_by_field_name("property"))
        target = callee.child_by_field_name("object")
        namespace = target is not None and (
            (target.type == "identifier" and self.text_of(target) in self.zod_names)
            or (target.type == "member_expression" and self.text_of(
                target.child_by_field_name("property")) == "coerce"))
        if namespace:
            return self._zod_constructor(method, arguments, depth)
        inner = self.zod_schema(target, depth + 1)
        if method in ("optional", "default", "catch", "prefault"):
            return _Zod(inner.type, True, inner.fields, inner.values)
        if method == "nullish":
            return _Zod(_nullable(inner.type), True, inner.fields, inner.values)
        if method == "nullable":
            return _Zod(_nullable(inner.type), inner.optional, inner.fields, inner.values)
        if method == "array":
            return _Zod(_array(inner.type))
        if method == "or":
            return _Zod(f"{inner.type} | {self.zod_schema(first, depth + 1).type}")
        if method in ("extend", "merge", "and", "safeExtend"):
            extra = self._zod_object(first, depth) if first is not None and \
                first.type == "object" else self.zod_schema(first, depth + 1).fields
            merged = {f.name: f for f in inner.fields or []}
            merged.update({f.name: f for f in extra or []})
            return _Zod("object", inner.optional, list(merged.values()))
        if method in ("partial", "deepPartial", "required") and inner.fields is not None:
            keys = set(self.pairs(first)) if first is not None else None
            required = method == "required"
            changed = [Field(f.name, f.type, required, f.line) if keys is None or f.name in keys
                       else f for f in inner.fields]
            return _Zod(inner.type, inner.optional, changed)
        if method in ("pick", "omit") and inner.fields is not None:
            keys = set(self.pairs(first))
            kept = [f for f in inner.fields if (f.name in keys) == (method == "pick")]
            return _Zod(inner.type, inner.optional, kept)
        if method in ZOD_PASS:
            return inner
        return _Zod(inner.type, inner.optional, inner.fields, inner.values)

    def _zod_constructor(self, method: str, arguments: list[Node], depth: int) -> _Zod:
        first = arguments[0] if arguments else None
        if method in ZOD_BASES:
            return _Zod(ZOD_BASES[method])
        if method in ("object", "strictObject", "looseObject"):
            return _Zod("object", False, self._zod_object(first, depth))
        if method == "array":
            return _Zod(_array(self.zod_schema(first, depth + 1).type))
        if method == "enum":
            values = self.strings(first)
            if values is None:
                return _Zod(self.text_of(first) or "enum")
            return _Zod(" | ".join(f'"{v}"' for v in values), False, None, values)
        if method == "nativeEnum":
            return _Zod(self.text_of(first))
        if method == "literal":
            return _Zod(self.text_of(first).replace("'", '"'))
        if method in ("union", "discriminatedUnion"):
            options = arguments[-1] if arguments else None
            members = options.named_children if options is not None and \
                options.type == "array" else []
            return _Zod(" | ".join(self.zod_schema(m, depth + 1).type for m in members))
        if method == "record":
            types = [self.zod_schema(a, depth + 1).type for a in arguments]
            return _Zod(f"Record<{', '.join(['string'] + types if len(types) == 1 else types)}>")
        if method == "tuple":
            members = first.named_children if first is not None and first.type == "array" \
                else []
            return _Zod(f"[{', '.join(self.zod_schema(m, depth + 1).type for m in members)}]")
        if method in ("optional", "nullable"):
            inner = self.zod_schema(first, depth + 1)
            if method == "optional":
                return _Zod(inner.type, True, inner.fields, inner.values)
            return _Zod(_nullable(inner.type), inner.optional, inner.fields, inner.values)
        if method == "lazy" and first is not None:
            body = first.child_by_field_name("body")
            return self.zod_schema(body, depth + 1)
        if method == "instanceof":
            return _Zod(self.text_of(first))
        return _Zod(method)

    def _zod_object(self, node: Node | None, depth: int) -> list[Field]:
        fields = []
        if node is None or node.type != "object":
            return fields
        for pair in node.named_children:
            if pair.type != "pair":
                continue
            key = pair.child_by_field_name("key")
            name = string_content(self.module, key)
            schema = self.zod_schema(pair.child_by_field_name("value"), depth + 1)
            fields.append(Field(name if name is not None else self.text_of(key), schema.type,
                                not schema.optional, self.module.line(pair)))
        return fields

    # -- routers and mounts ---------------------------------------------------------------

    def _collect_objects(self) -> None:
        fields = "(field_definition property: (_) @name value: (_) @value) " if \
            self.module.grammar == "javascript" else \
            "(public_field_definition name: (_) @name value: (_) @value) "
        query = ("(variable_declarator name: (identifier) @name value: (_) @value) " + fields
                 + "(assignment_expression left: (_) @name right: (_) @value)")
        for _, captures in self.module.matches(query):
            name_node = captures["name"][0]
            name = self.text_of(name_node)
            value = captures["value"][0]
            if name_node.type == "property_identifier" and value.type in STRINGISH:
                self.constants.setdefault(f"this.{name}", value)
            if name.startswith("this."):
                name = name[5:]
            made = self._server(value)
            if made is not None:
                self.objects[name] = made
        for call in self.module.calls:
            callee = call.callee
            if callee.type != "member_expression":
                continue
            method = call.attr
            receiver = self._receiver_name(callee.child_by_field_name("object"))
            arguments = call.arguments
            if method in ("use", "route") and len(arguments) >= 2:
                prefix = self.string(arguments[0])
                child = self._mounted_name(arguments[-1])
                if prefix is not None and child in self.objects:
                    self.objects[child].mounts.append((receiver, prefix))
            elif method == "register" and len(arguments) >= 2:
                options = self.pairs(arguments[1])
                prefix = self.string(options.get("prefix"))
                plugin = arguments[0]
                if prefix is None:
                    continue
                key = self.text_of(plugin) if plugin.type == "identifier" else \
                    f"@{plugin.start_byte}"
                self.objects.setdefault(key, _Mountable("fastify")).mounts.append(
                    (receiver, prefix))

    def _server(self, value: Node) -> _Mountable | None:
        """`express()`, `express.Router()`, `Router()`, `Fastify()`, `new Hono()`,
        `new Router({ prefix })` (koa), `new Hono().basePath('/api')`."""
        if value.type == "await_expression" and value.named_children:
            value = value.named_children[0]
        if value.type == "new_expression":
            constructor = self.text_of(value.child_by_field_name("constructor"))
            arguments = value.child_by_field_name("arguments")
            options = arguments.named_children[0] if arguments and arguments.named_children \
                else None
            if constructor == "Hono":
                return _Mountable("hono")
            if constructor in ("Router", "KoaRouter"):
                prefix = self.string(self.pairs(options).get("prefix")) or ""
                framework = "koa" if self.imports & {"@koa/router", "koa-router"} else "express"
                return _Mountable(framework, prefix)
            if constructor == "Koa":
                return _Mountable("koa")
            return None
        if value.type != "call_expression":
            return None
        callee = value.child_by_field_name("function")
        name = "".join(self.text_of(callee).split())
        if name in ("express", "require('express')", 'require("express")'):
            return _Mountable("express")
        if name in ("express.Router", "Router", "express.router") or name.endswith(
                (".Router", "express')()", 'express")()')):
            return _Mountable("express")
        if name.lower() == "fastify" or name in ("require('fastify')", 'require("fastify")'):
            return _Mountable("fastify")
        if name == "polka" or name == "restify.createServer":
            return _Mountable("express")
        if callee is not None and callee.type == "member_expression" and self.text_of(
                callee.child_by_field_name("property")) == "basePath":
            inner = self._server(callee.child_by_field_name("object"))
            prefix = self.string(self._arguments(value)[0]) if self._arguments(value) else None
            if inner is not None and prefix is not None:
                return _Mountable(inner.framework, join(inner.prefix, prefix))
        return None

    def _receiver_name(self, node: Node | None) -> str:
        text = self.text_of(node)
        return text[5:] if text.startswith("this.") else text

    def _mounted_name(self, node: Node) -> str:
        """`router`, `sub.routes()` (koa), `this.router`."""
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "member_expression":
                return self._receiver_name(callee.child_by_field_name("object"))
        return self._receiver_name(node)

    def prefixes(self, name: str, seen: frozenset[str] = frozenset()) -> list[str]:
        known = self.objects.get(name)
        if known is None or name in seen:
            return [""]
        if not known.mounts:
            return [known.prefix]
        return [join(outer, given, known.prefix) for parent, given in known.mounts
                for outer in self.prefixes(parent, seen | {name})]

    def _plugin_prefixes(self, call: Node, receiver: str) -> list[str] | None:
        """Fastify routes inside `app.register(plugin, { prefix })` on the plugin's first
        parameter; None when the call is in no registered plugin."""
        prefixes: list[str] | None = None
        for ancestor in self.module.ancestors(call):
            if ancestor.type not in FUNCTION_NODES:
                continue
            params = ancestor.child_by_field_name("parameters")
            first = params.named_children[0] if params and params.named_children else None
            if first is None or self.text_of(first).split(":")[0].strip() != receiver:
                continue
            key = f"@{ancestor.start_byte}"
            if key not in self.objects:
                key = self.module.function_name(ancestor)
            if key in self.objects:
                prefixes = [join(outer, inner) for outer in self.prefixes(key)
                            for inner in prefixes or [""]]
        return prefixes

    def _route_prefixes(self, call: Node, receiver: str) -> list[str] | None:
        """Every prefix the route gets, or None when the receiver is not a server."""
        plugin = self._plugin_prefixes(call, receiver)
        if plugin is None and not self._accepts(receiver):
            return None
        return [join(a, b) for a in self.prefixes(receiver) for b in plugin or [""]]

    def framework_of(self, receiver: str) -> str:
        known = self.objects.get(receiver)
        return known.framework if known is not None else self.default_framework

    # -- route calls ----------------------------------------------------------------------

    def _accepts(self, receiver: str) -> bool:
        if receiver in self.objects:
            return True
        last = receiver.rsplit(".", 1)[-1]
        if last in CLIENT_NAMES or not ROUTER_NAME.match(last):
            return False
        return bool(self.imports) or last in ("app", "router", "server") or last.endswith(
            "Router")

    def _route_calls(self) -> None:
        for call in self.module.calls:
            callee = call.callee
            if callee.type != "member_expression":
                continue
            method = call.attr
            target = callee.child_by_field_name("object")
            if method == "route" and call.arguments and call.arguments[0].type == "object":
                self._fastify_route(call, self._receiver_name(target))
                continue
            if method not in VERBS or target is None:
                continue
            arguments = call.arguments
            if target.type == "call_expression":
                self._chained_route(call, target, method)
                continue
            receiver = self._receiver_name(target)
            if len(arguments) < 2:
                continue
            paths = self.strings(arguments[0])
            prefixes = self._route_prefixes(call.node, receiver)
            if paths is None or prefixes is None:
                continue
            handler = arguments[-1]
            if handler.type in ("object", "string", "number", "array", "template_string"):
                continue
            framework = self.framework_of(receiver)
            request = response = None
            if framework == "fastify" and len(arguments) >= 3:
                request, response = self._fastify_schema(self.pairs(arguments[1]))
            request = request or self._request_model(handler, arguments[1:-1])
            for prefix in prefixes:
                for path in paths:
                    self.endpoints.append(Endpoint(
                        VERBS[method], join(prefix, path), self.handler_name(handler),
                        self.module.line(callee.child_by_field_name("property")), request,
                        response, framework))

    def _chained_route(self, call, target: Node, method: str) -> None:
        """`app.route('/book').get(h).post(h)` (Express) and `router.route('/x').get(h)`."""
        node = target
        while node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is None or callee.type != "member_expression":
                return
            name = self.text_of(callee.child_by_field_name("property"))
            if name == "route":
                arguments = self._arguments(node)
                path = self.string(arguments[0]) if len(arguments) == 1 else None
                if path is None or not call.arguments:
                    return
                receiver = self._receiver_name(callee.child_by_field_name("object"))
                if not self._accepts(receiver):
                    return
                handler = call.arguments[-1]
                line = self.module.line(call.callee.child_by_field_name("property"))
                for prefix in self.prefixes(receiver):
                    self.endpoints.append(Endpoint(
                        VERBS[method], join(prefix, path), self.handler_name(handler), line,
                        self._request_model(handler, call.arguments[:-1]), None,
                        self.framework_of(receiver)))
                return
            if name not in VERBS:
                return
            node = callee.child_by_field_name("object")

    def _fastify_route(self, call, receiver: str) -> None:
        options = self.pairs(call.arguments[0])
        methods = self.strings(options.get("method"))
        path = self.string(options.get("url") or options.get("path"))
        prefixes = self._route_prefixes(call.node, receiver)
        if not methods or path is None or prefixes is None:
            return
        handler = options.get("handler")
        request, response = self._fastify_schema(options)
        for prefix in prefixes:
            for method in methods:
                self.endpoints.append(Endpoint(
                    method.upper(), join(prefix, path), self.handler_name(handler),
                    self.module.line(call.node), request or self._request_model(handler, []),
                    response, self.framework_of(receiver)))

    def _fastify_schema(self, options: dict[str, Node]) -> tuple[str | None, str | None]:
        schema = self.pairs(options.get("schema"))
        body = schema.get("body")
        request = self.text_of(body) if body is not None and body.type in (
            "identifier", "member_expression") else None
        responses = self.pairs(schema.get("response"))
        response = None
        for code in ("200", "201", "2xx", "default"):
            value = responses.get(code)
            if value is not None and value.type in ("identifier", "member_expression"):
                response = self.text_of(value)
                break
        return request, response

    def _request_model(self, handler: Node | None, middleware: list[Node]) -> str | None:
        for item in middleware:  # validate(CreateUser), zValidator('json', CreateUser)
            if item.type != "call_expression":
                continue
            arguments = self._arguments(item)
            if arguments and string_content(self.module, arguments[0]) in (
                    "query", "param", "params", "header", "cookie"):
                continue
            for argument in arguments:
                candidates = [argument] if argument.type == "identifier" else [
                    v for k, v in self.pairs(argument).items() if k == "body"]
                for candidate in candidates:
                    if candidate is not None and self.text_of(candidate) in self.zod:
                        return self.text_of(candidate)
        function = self.function_node(handler)
        if function is None:
            return None
        return self._parsed_body(function)

    def _parsed_body(self, function: Node) -> str | None:
        """`Schema.parse(req.body)`, `Schema.safeParse(await request.json())`."""
        query = ("(call_expression function: (member_expression object: (identifier) @schema "
                 "property: (property_identifier) @method) arguments: (arguments . (_) @arg))")
        bodies = {}
        for _, captures in self.module.matches(
                "(variable_declarator name: (identifier) @name value: (_) @value)", function):
            bodies[self.text_of(captures["name"][0])] = self.text_of(captures["value"][0])
        for _, captures in self.module.matches(query, function):
            if self.text_of(captures["method"][0]) not in ("parse", "safeParse", "parseAsync",
                                                           "safeParseAsync"):
                continue
            argument = self.text_of(captures["arg"][0])
            argument = bodies.get(argument, argument)
            if re.search(r"\.body\b|\.json\(\s*\)", argument):
                return self.text_of(captures["schema"][0])
        return None

    # -- NestJS ---------------------------------------------------------------------------

    def _decorator_call(self, decorator: Node) -> tuple[str, list[Node]]:
        call = next((c for c in decorator.named_children if c.type == "call_expression"), None)
        if call is None:
            return self.text_of(decorator).lstrip("@").strip(), []
        return self.text_of(call.child_by_field_name("function")), self._arguments(call)

    def _nest_controllers(self) -> None:
        if "@Controller" not in self.text:
            return
        for node in self.module.captures("(class_declaration) @class").get("class", []):
            decorators = [c for c in node.children if c.type == "decorator"]
            if node.parent is not None and node.parent.type == "export_statement":
                decorators += [c for c in node.parent.children if c.type == "decorator"]
            prefixes = None
            for decorator in decorators:
                name, arguments = self._decorator_call(decorator)
                if name == "Controller":
                    first = arguments[0] if arguments else None
                    if first is not None and first.type == "object":
                        first = self.pairs(first).get("path")
                    prefixes = self.strings(first) if first is not None else [""]
            if prefixes is None:
                continue
            body = node.child_by_field_name("body")
            pending: list[Node] = []
            for member in body.named_children if body is not None else []:
                if member.type == "decorator":
                    pending.append(member)
                    continue
                if member.type == "method_definition":
                    self._nest_method(member, pending, prefixes)
                pending = []

    def _nest_method(self, method: Node, decorators: list[Node], prefixes: list[str]) -> None:
        name = self.text_of(method.child_by_field_name("name"))
        for decorator in decorators:
            verb, arguments = self._decorator_call(decorator)
            if verb not in NEST_VERBS:
                continue
            paths = self.strings(arguments[0]) if arguments else [""]
            if paths is None:
                continue
            request = None
            parameters = method.child_by_field_name("parameters")
            for parameter in parameters.named_children if parameters is not None else []:
                marks = [self._decorator_call(d) for d in parameter.children
                         if d.type == "decorator"]
                if any(mark == "Body" and not args for mark, args in marks):
                    annotation = parameter.child_by_field_name("type")
                    if annotation is not None:
                        request = ts_type(self.text_of(annotation))
            response = None
            returns = method.child_by_field_name("return_type")
            if returns is not None:
                response = unwrap_promise(ts_type(self.text_of(returns)))
            for prefix in prefixes:
                for path in paths:
                    self.endpoints.append(Endpoint(
                        NEST_VERBS[verb], join(prefix, path), name,
                        self.module.line(decorator), request, response, "nestjs"))

    # -- Next.js --------------------------------------------------------------------------

    def _nextjs(self) -> None:
        path = self.path.replace("\\", "/")
        pages = re.search(r"(?:^|/)pages/(api(?:/[^/]+)*)\.[cm]?[jt]sx?$", path)
        if pages is not None:
            segments = pages.group(1).split("/")
            if segments[-1] == "index":
                segments.pop()
            for statement in self.module.root.named_children:
                value = None
                if statement.type == "export_statement" and any(
                        c.type == "default" for c in statement.children):
                    value = statement.child_by_field_name("declaration") or \
                        statement.child_by_field_name("value")
                elif statement.type == "expression_statement" and statement.named_children:
                    assignment = statement.named_children[0]  # module.exports = handler
                    if assignment.type == "assignment_expression" and self.text_of(
                            assignment.child_by_field_name("left")) == "module.exports":
                        value = assignment.child_by_field_name("right")
                if value is not None:
                    self.endpoints.append(Endpoint(
                        "ANY", nextjs_segments(segments), self.handler_name(value),
                        self.module.line(statement), self._handler_body_model(value), None,
                        "nextjs"))
            return
        app = re.search(r"(?:^|/)app/((?:[^/]+/)*)route\.[cm]?[jt]sx?$", path)
        if app is None:
            return
        route = nextjs_segments(app.group(1).split("/"))
        for statement in self.module.root.named_children:
            if statement.type != "export_statement":
                continue
            for name, handler in self._exports(statement):
                if name in NEXT_METHODS:
                    self.endpoints.append(Endpoint(
                        name, route, self.handler_name(handler) if handler is not None and
                        handler.type not in FUNCTION_NODES else name,
                        self.module.line(statement), self._handler_body_model(handler), None,
                        "nextjs"))

    def _handler_body_model(self, handler: Node | None) -> str | None:
        function = self.function_node(handler)
        return self._parsed_body(function) if function is not None else None

    def _exports(self, statement: Node) -> list[tuple[str, Node | None]]:
        declaration = statement.child_by_field_name("declaration")
        found: list[tuple[str, Node | None]] = []
        if declaration is not None:
            if declaration.type in ("function_declaration", "generator_function_declaration"):
                found.append((self.text_of(declaration.child_by_field_name("name")),
                              declaration))
            elif declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    if declarator.type == "variable_declarator":
                        found.append((self.text_of(declarator.child_by_field_name("name")),
                                      declarator.child_by_field_name("value")))
            return found
        for clause in statement.named_children:
            if clause.type != "export_clause":
                continue
            for specifier in clause.named_children:
                local = specifier.child_by_field_name("name")
                alias = specifier.child_by_field_name("alias") or local
                found.append((self.text_of(alias), local))
        return found


def ts_type(text: str) -> str:
    text = text.strip()
    if text.startswith(":"):
        text = text[1:]
    return " ".join(text.replace("\n", " ").split()).rstrip(";,").strip()


def unwrap_promise(text: str) -> str | None:
    match = re.fullmatch(r"(?:Promise|Observable)<(.*)>", text)
    if match is not None:
        text = match.group(1).strip()
    return None if text in ("void", "any", "unknown", "undefined", "never", "") else text


def _nullable(text: str) -> str:
    return text if text.endswith("| null") else f"{text} | null"


def _array(text: str) -> str:
    return f"({text})[]" if " " in text else f"{text}[]"

