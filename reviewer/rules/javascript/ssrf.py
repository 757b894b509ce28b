"""ssrf for JavaScript/TypeScript: request data deciding the host of an outbound request
(axios, fetch, got, node http/https, needle, superagent, request, undici, ky) in the same
function.

Safe: a literal scheme+host prefix (`https://api.example.com/users/${id}`), a relative
path resolved against a fixed base, a value checked against an allow-list (or its host
compared/validated) before the call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import (
    FileIndex,
    derived_names,
    guard_lines,
    index,
    make_match,
    object_pairs,
    related_names,
    resolved_object,
    short,
    unwrap,
)
from reviewer.treesitter import TreeCall, TreeModule

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
# callee -> index of the URL argument
CLIENTS: dict[str, int] = {
    "fetch": 0, "axios": 0, "got": 0, "needle": 1, "request": 0, "superagent": 1,
    "ky": 0, "undici.request": 0, "undici.fetch": 0, "nodeFetch": 0,
    "http.get": 0, "https.get": 0, "http.request": 0, "https.request": 0,
    **{f"{lib}.{verb}": 0 for lib in ("axios", "got", "needle", "superagent", "request",
                                      "ky", "undici") for verb in VERBS},
}
HOST_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#${}]+[/?#:]", re.IGNORECASE)
GUARD = re.compile(
    r"\.includes\(|\.has\(|\.indexOf\(|startsWith\(|\.test\(|\.match\(|"
    r"\b(hostname|host|origin)\s*(===|!==|==|!=)|"
    r"(===|!==|==|!=)\s*[\w.]*\b(hostname|host|origin)\b|"
    r"allow|whitelist|isValid|isSafe|validate|isAllowed|isInternal|isPrivate",
    re.IGNORECASE,
)
MARKERS = ("axios", "fetch", "got", "http", "needle", "superagent", "request", "undici", "ky")


@language_check("ssrf", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if not any(marker in module.text for marker in MARKERS):
        return
    idx: FileIndex | None = None
    for call in module.calls:
        position = _url_position(call)
        if position is None or call.function is None:
            continue
        arguments = call.arguments
        if len(arguments) <= position:
            continue
        if idx is None:
            idx = index(module)
        url = arguments[position]
        if call.name in ("axios", "axios.request", "got", "request", "http.request",
                         "https.request", "http.get", "https.get"):
            options = resolved_object(idx, url)
            if options is not None:
                url = _options_url(idx, options)
                if url is None:
                    continue
        if call.name == "needle" and len(arguments) == 1:
            continue
        culprit = _host_tainted(idx, url)
        if culprit is None:
            continue
        names = derived_names(idx, call.function, related_names(idx, url))
        if guard_lines(module, call.function, names, module.line(call.node), GUARD):
            continue
        yield make_match(
            rule.id, module, call.node,
            f"`{call.name}()` requests a URL whose host comes from the request "
            f"(`{short(module.text_of(culprit))}`): a client can point the server at internal "
            "services or cloud metadata. Fix the host in code or check it against an "
            "allow-list first.",
        )


def _url_position(call: TreeCall) -> int | None:
    name = call.name
    if name in CLIENTS:
        return CLIENTS[name]
    if name.startswith("axios.") or name.startswith("got."):
        return 0 if name.rsplit(".", 1)[-1] in VERBS else None
    return None


def _options_url(idx: FileIndex, options: Node) -> Node | None:
    pairs = object_pairs(idx.module, options) or {}
    for key in ("url", "uri", "host", "hostname", "baseURL", "prefixUrl"):
        if key in pairs:
            return pairs[key]
    return None


def _host_tainted(idx: FileIndex, node: Node, depth: int = 3) -> Node | None:
    """The request-controlled part that decides the host, or None."""
    node = unwrap(node)
    if node.type == "await_expression" or not idx.tainted(node):
        return None
    if node.type in ("template_string", "binary_expression"):
        text = ""
        for piece in _pieces(idx, node):
            if isinstance(piece, str):
                text += piece
                if HOST_PREFIX.match(text) or (text.startswith("/") and not text.startswith(
                        "//")):
                    return None
                continue
            if idx.tainted(piece):
                return piece
            if not text:
                return None  # a configured base URL decides the host
        return None
    if node.type == "identifier" and depth > 0:
        bindings = idx.values(idx.module.text_of(node), node)
        if bindings:
            for binding in bindings:
                if _host_tainted(idx, binding.value, depth - 1) is not None:
                    return node
            return None
        return node
    if node.type in ("call_expression", "new_expression"):
        callee = node.child_by_field_name("function") or node.child_by_field_name(
            "constructor")
        args = call_args(node)
        if callee is not None and idx.module.text_of(callee) == "URL" and args:
            return node if _host_tainted(idx, args[0], depth - 1) is not None else None
    return node


def call_args(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [a for a in arguments.named_children if a.type != "comment"]


def _pieces(idx: FileIndex, node: Node) -> list[str | Node]:
    node = unwrap(node)
    if node.type == "template_string":
        out: list[str | Node] = []
        for child in node.named_children:
            if child.type == "string_fragment":
                out.append(idx.module.text_of(child))
            elif child.type == "template_substitution" and child.named_children:
                out.append(child.named_children[0])
        return out
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is not None and operator.type == "+":
            return (_pieces(idx, node.child_by_field_name("left"))
                    + _pieces(idx, node.child_by_field_name("right")))
    if node.type == "string":
        return [idx.module.text_of(node)[1:-1]]
    return [node]
