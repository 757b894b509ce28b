"""ssrf for Go: request data (net/http, gin, echo, chi, gorilla/mux, fiber) deciding the URL
of `http.Get/Head/Post/PostForm`, `http.NewRequest(WithContext)`, an `http.Client`'s
`Get/Head/Post/PostForm`, or the address of `net.Dial`.

Not reported: URLs whose scheme and host are fixed text before the request value
(`"https://api.example.com/users/" + id`), values reduced by escaping (`url.PathEscape`),
and values checked first (allow-list lookup, host comparison, prefix check with an early
return).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import (
    REQUEST,
    GoIndex,
    has_request_type,
    index_for,
    is_test,
    make_match,
    operator_of,
    short,
    squash,
)
from reviewer.treesitter import TreeModule

# call -> position of the URL (or address) argument
URL_POSITION = {
    "http.Get": 0, "http.Head": 0, "http.Post": 0, "http.PostForm": 0,
    "http.NewRequest": 1, "http.NewRequestWithContext": 2, "net.Dial": 1,
    "net.DialTimeout": 1, "http.DefaultClient.Get": 0, "http.DefaultClient.Head": 0,
    "http.DefaultClient.Post": 0, "http.DefaultClient.PostForm": 0,
}
CLIENT_METHODS = {"Get": 0, "Head": 0, "Post": 0, "PostForm": 0}
CLIENT_NAME = re.compile(r"(?i)(?:^|\.)(?:\w*client|httpc|hc)$")
VERB = re.compile(r"%[-+# 0-9.*\[\]]*([a-zA-Z%])")
HOST_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#%]+[/?#]", re.IGNORECASE)


@language_check("ssrf", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if "http" not in module.text and "net.Dial" not in module.text:
        return []
    if is_test(module) or not has_request_type(module):
        return []
    index = None
    found = []
    for call in module.calls:
        position = URL_POSITION.get(call.name)
        if position is None and "." in call.name:
            receiver, attr = call.name.rsplit(".", 1)
            if attr in CLIENT_METHODS and CLIENT_NAME.search(receiver):
                position = CLIENT_METHODS[attr]
        if position is None or call.function is None:
            continue
        args = call.arguments
        if len(args) <= position:
            continue
        url = args[position]
        if url.type in ("interpreted_string_literal", "raw_string_literal"):
            continue
        if index is None:
            index = index_for(module)
            if not _has_request(index):
                return []
        function = call.function
        if REQUEST not in index.origins(url, function):
            continue
        if _pins_host(index, url, function, depth=3):
            continue
        if index.guarded(call.node, url, function):
            continue
        found.append(make_match(
            rule, module, call.node,
            f"`{call.name}()` sends a request to a URL taken from the request "
            f"(`{short(module.text_of(url))}`): the client can make the server call internal "
            "services or the cloud metadata endpoint. Fix the host in code or check it "
            "against an allow-list first.",
        ))
    return [m for m in found if m is not None]


def _has_request(index: GoIndex) -> bool:
    return any(index.request_params(f) for f in (
        index.module.captures("(function_declaration) @f (method_declaration) @f "
                              "(func_literal) @f").get("f", [])))


def _pins_host(index: GoIndex, node: Node, function: Node | None, depth: int) -> bool:
    """Fixed text or a configured (untainted) base comes before any request data in the URL,
    so the request only picks a path or query on a known server."""
    pieces = _pieces(index, node, function, depth)
    prefix = ""
    for kind, text in pieces:
        if kind == "tainted":
            break
        if kind == "base":
            return not prefix  # `baseURL + "/users/" + id`: a configured host first
        prefix += text
    else:
        return True  # nothing from the request at all
    return bool(HOST_PREFIX.match(prefix)) or prefix.startswith("/")


def _pieces(index: GoIndex, node: Node, function: Node | None,
            depth: int) -> list[tuple[str, str]]:
    """The URL as ordered pieces: ("text", literal), ("base", "") for an untainted value,
    ("tainted", "") for request data."""
    module = index.module
    kind = node.type
    if kind in ("interpreted_string_literal", "raw_string_literal"):
        return [("text", index.string_value(node) or "")]
    if kind == "parenthesized_expression" and node.named_child_count:
        return _pieces(index, node.named_children[0], function, depth)
    if kind == "binary_expression" and operator_of(node) == "+":
        return (_pieces(index, node.child_by_field_name("left"), function, depth)
                + _pieces(index, node.child_by_field_name("right"), function, depth))
    if kind == "call_expression":
        callee = squash(module, node.child_by_field_name("function"))
        arguments = node.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments else []
        if callee == "fmt.Sprintf" and args:
            template = index.constant_text(args[0], function, node.start_byte)
            if template is not None:
                return _sprintf_pieces(index, template, args[1:], function, depth)
        if callee in ("url.JoinPath", "url.Parse", "url.ParseRequestURI", "path.Join") and args:
            out = []
            for arg in args:
                out += _pieces(index, arg, function, depth)
            return out
        callee_node = node.child_by_field_name("function")
        if callee_node is not None and callee_node.type == "selector_expression" and \
                callee.rsplit(".", 1)[-1] in ("String", "ResolveReference", "JoinPath"):
            operand = callee_node.child_by_field_name("operand")
            if operand is not None:
                return _pieces(index, operand, function, depth)
    if kind == "composite_literal" and "URL" in module.text_of(node.child_by_field_name("type")):
        host = _keyed(module, node, "Host")
        if host is not None and REQUEST not in index.origins(host, function):
            return [("text", "https://host/")]
    if kind == "identifier" and depth > 0:
        bindings = [b for b in index.bindings(module.text_of(node), function, node.start_byte)
                    if b.kind != "declared"]
        if len(bindings) == 1 and bindings[0].value is not None and bindings[0].kind in (
                "assign", "const") and bindings[0].value.type in (
                "interpreted_string_literal", "raw_string_literal", "binary_expression",
                "call_expression", "composite_literal", "unary_expression",
                "parenthesized_expression", "identifier"):
            binding = bindings[0]
            value = binding.value
            if value.type == "unary_expression" and value.named_child_count:
                value = value.named_children[-1]
            return _pieces(index, value, binding.function, depth - 1)
    if REQUEST in index.origins(node, function):
        return [("tainted", "")]
    return [("base", "")]


def _sprintf_pieces(index: GoIndex, template: str, args: list[Node], function: Node | None,
                    depth: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    start = 0
    position = 0
    for verb in VERB.finditer(template):
        out.append(("text", template[start:verb.start()]))
        start = verb.end()
        if verb.group(1) == "%":
            out.append(("text", "%"))
            continue
        if position < len(args):
            out += _pieces(index, args[position], function, depth)
        position += 1
    out.append(("text", template[start:]))
    return out


def _keyed(module: TreeModule, literal: Node, key: str) -> Node | None:
    body = literal.child_by_field_name("body")
    for element in body.named_children if body is not None else []:
        if element.type == "keyed_element" and element.named_child_count >= 2 and \
                module.text_of(element.named_children[0]) == key:
            value = element.named_children[-1]
            return value.named_children[0] if value.type == "literal_element" and \
                value.named_child_count else value
    return None
