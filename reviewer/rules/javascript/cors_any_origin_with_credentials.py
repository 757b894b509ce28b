"""cors-any-origin-with-credentials for JavaScript/TypeScript:

* an options object with `credentials: true` and an `origin` that admits everyone: `'*'`,
  `true` (reflects the caller), `/.*/`, `req.headers.origin`, or a callback that always
  says yes. Covers `cors({...})`, `app.enableCors({...})`, `NestFactory.create(..., { cors })`,
  `@fastify/cors`, socket.io `cors`;
* `Access-Control-Allow-Origin` set to `*` or to the request's own Origin (unchecked) in a
  function that also sends `Access-Control-Allow-Credentials: true`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    index,
    make_match,
    object_pairs,
    related_names,
    string_value,
    unwrap,
)
from reviewer.treesitter import TreeModule

OBJECTS_QUERY = "(object (pair key: (_) @key value: (true)) @pair) @object"
HEADER_METHODS = frozenset({"header", "setHeader", "set", "append", "writeHead"})
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
CHECKED = re.compile(r"\.includes\(|\.has\(|\.indexOf\(|\.test\(|\.match\(|endsWith\(|"
                     r"startsWith\(|===|!==|allow|whitelist", re.IGNORECASE)


@language_check("cors-any-origin-with-credentials", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "redentials" not in text and "REDENTIALS" not in text:
        return
    lowered = text.lower()
    idx = index(module)
    if "origin" in text:
        seen: set[int] = set()
        for _, captures in module.matches(OBJECTS_QUERY):
            obj = captures["object"][0]
            if obj.id in seen:
                continue
            key = module.text_of(captures["key"][0]).strip("'\"")
            if key != "credentials":
                continue
            seen.add(obj.id)
            pairs = object_pairs(module, obj) or {}
            origin = pairs.get("origin")
            if origin is None:
                continue
            what = _any_origin(idx, origin)
            if what:
                yield make_match(
                    rule.id, module, _anchor(module, obj, origin),
                    f"CORS allows {what} together with `credentials: true`: any web page a "
                    "signed-in user visits can call the API with their cookies and read the "
                    "answers. List the trusted origins instead.",
                )
    if ALLOW_CREDENTIALS in lowered:
        yield from _headers(rule, module, idx)


def _anchor(module: TreeModule, obj: Node, origin: Node) -> Node:
    """The call the options object is passed to (`cors({...})`, `app.enableCors({...})`),
    else the `origin` entry itself."""
    for ancestor in module.ancestors(obj):
        if ancestor.type == "call_expression":
            return ancestor
        if ancestor.type not in ("arguments", "pair", "object"):
            break
    return origin.parent if origin.parent is not None else obj


def _any_origin(idx: FileIndex, node: Node) -> str | None:
    module = idx.module
    node = unwrap(node)
    literal = string_value(module, node)
    if literal is not None:
        return "every origin (`'*'`)" if literal.strip() == "*" else None
    if node.type == "true":
        return "every origin (`origin: true` reflects the caller's Origin)"
    if node.type == "regex":
        pattern = module.text_of(node.child_by_field_name("pattern"))
        return "every origin (a regex matching anything)" if pattern in (".*", "^.*$", ".+",
                                                                          "^.+$") else None
    if node.type == "array":
        for item in node.named_children:
            if (string_value(module, item) or "").strip() == "*":
                return "every origin (`'*'`)"
        return None
    if node.type in ("arrow_function", "function_expression", "function"):
        return "every origin (the origin callback accepts any caller)" if _allows_all(
            module, node) else None
    if node.type in ("member_expression", "subscript_expression", "call_expression") and (
            _request_origin(idx, node)):
        return "the caller's own Origin header"
    return None


def _allows_all(module: TreeModule, function: Node) -> bool:
    """`(origin, cb) => cb(null, true)` / `callback(null, origin)` with no check."""
    body = function.child_by_field_name("body")
    if body is None:
        return False
    text = module.text_of(body)
    if CHECKED.search(text) or re.search(r"\bif\b|\?|&&|\|\|", text):
        return False
    return bool(re.search(r"\(\s*null\s*,\s*(true|origin)\s*\)", text))


def _request_origin(idx: FileIndex, node: Node) -> bool:
    text = "".join(idx.module.text_of(node).split()).lower()
    if not re.search(r"headers\.origin|headers\[['\"]origin['\"]\]|"
                     r"(header|get)\(['\"]origin['\"]\)", text):
        return False
    return idx.tainted(node)


def _headers(rule, module: TreeModule, idx: FileIndex) -> Iterable[Match]:
    """`res.setHeader('Access-Control-Allow-Origin', <any>)` next to credentials: true."""
    by_function: dict[int | None, list[tuple[Node, Node]]] = {}
    credentials: set[int | None] = set()
    for call in module.calls:
        if call.attr not in HEADER_METHODS or "." not in call.name:
            continue
        arguments = call.arguments
        if not arguments:
            continue
        key = call.function.id if call.function is not None else None
        headers: list[tuple[str, Node, Node]] = []
        first = unwrap(arguments[0])
        if call.attr == "writeHead" and len(arguments) > 1:
            first = unwrap(arguments[-1])
        pairs = object_pairs(module, first)
        if pairs is not None:
            headers = [(k.lower(), v, v.parent or v) for k, v in pairs.items() if v is not None]
        elif len(arguments) > 1:
            name = string_value(module, first)
            if name is not None:
                headers = [(name.lower(), arguments[1], call.node)]
        for name, value, where in headers:
            if name == ALLOW_CREDENTIALS:
                literal = string_value(module, value)
                if unwrap(value).type == "true" or (literal or "").lower() == "true":
                    credentials.add(key)
            elif name == ALLOW_ORIGIN:
                by_function.setdefault(key, []).append((value, where))
    for key, origins in by_function.items():
        if key not in credentials:
            continue
        for value, where in origins:
            what = _header_origin(idx, value, where)
            if what:
                yield make_match(
                    rule.id, module, where,
                    f"`Access-Control-Allow-Origin` is set to {what} while "
                    "`Access-Control-Allow-Credentials: true`: any site can make credentialed "
                    "requests and read the responses. Check the Origin against an allow-list.",
                )


def _header_origin(idx: FileIndex, value: Node, where: Node) -> str | None:
    module = idx.module
    value = unwrap(value)
    literal = string_value(module, value)
    if literal is not None:
        return "`*`" if literal.strip() == "*" else None
    reflected = _request_origin(idx, value)
    if not reflected and value.type == "identifier":
        reflected = any(_request_origin(idx, b.value) or _header_like(module, b.value)
                        and idx.tainted(b.value)
                        for b in idx.values(module.text_of(value), value))
    if not reflected:
        return None
    # Inside an `if` that checks the origin: an allow-list, not a reflection.
    names = related_names(idx, value) | {"origin"}
    for ancestor in module.ancestors(where):
        if ancestor.type in ("if_statement", "ternary_expression"):
            condition = ancestor.child_by_field_name("condition")
            if condition is not None and CHECKED.search(module.text_of(condition)) and any(
                    n in module.text_of(condition) for n in names):
                return None
        if ancestor.type in ("function_declaration", "arrow_function", "function_expression",
                             "method_definition"):
            body_text = module.text_of(ancestor)
            if re.search(r"(allowed|whitelist|allowlist|trusted)\w*\.(includes|has|indexOf)\(",
                         body_text, re.IGNORECASE):
                return None
            break
    return "the request's own Origin"


def _header_like(module: TreeModule, node: Node) -> bool:
    return "origin" in module.text_of(node).lower()
