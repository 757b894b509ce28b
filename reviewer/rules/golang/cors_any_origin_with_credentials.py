"""cors-any-origin-with-credentials for Go:

- CORS middleware options (rs/cors `cors.Options`, gin-contrib `cors.Config`, echo
  `middleware.CORSConfig`, fiber `cors.Config`) with `AllowCredentials: true` and a wildcard
  origin (`AllowedOrigins`/`AllowOrigins` holding `"*"`, `AllowAllOrigins: true`, an
  `AllowOriginFunc` that returns `true`, echo's `UnsafeWildcardOriginWithAllowCredentials`);
- handlers setting `Access-Control-Allow-Credentials: true` together with
  `Access-Control-Allow-Origin: *` or the request's own `Origin` header echoed back without
  an allow-list check.

An origin list taken from a variable or configuration is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import index_for, is_test, make_match, string_value
from reviewer.treesitter import TreeModule

CREDENTIALS_QUERY = """
(keyed_element . (literal_element (identifier) @key (#eq? @key "AllowCredentials"))
               . (literal_element (true))) @element
"""
ORIGIN_LISTS = ("AllowedOrigins", "AllowOrigins")
ORIGIN_FUNCS = ("AllowOriginFunc", "AllowOriginRequestFunc", "AllowOriginVaryRequestFunc",
                "AllowOriginWithContextFunc")
HEADER_SETTERS = frozenset({"Set", "Add", "Header", "Append"})
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"


@language_check("cors-any-origin-with-credentials", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if is_test(module):
        return []
    found = []
    if "AllowCredentials" in text:
        for element in module.captures(CREDENTIALS_QUERY).get("element", []):
            body = element.parent
            literal = body.parent if body is not None else None
            if literal is None or literal.type != "composite_literal":
                continue
            problem = _options_problem(module, body)
            if problem:
                found.append(make_match(rule, module, literal, problem))
    if "ccess-Control-Allow-Credentials" in text or ALLOW_CREDENTIALS in text.lower():
        found += _manual_headers(rule, module)
    if "handlers.CORS(" in text:
        found += _gorilla(rule, module)
    return [m for m in found if m is not None]


def _gorilla(rule, module: TreeModule) -> list:
    """gorilla/handlers: `handlers.CORS(handlers.AllowedOrigins([]string{"*"}),
    handlers.AllowCredentials())`."""
    found = []
    for call in module.calls:
        if call.name != "handlers.CORS":
            continue
        options = {module.text_of(a.child_by_field_name("function")): a
                   for a in call.arguments if a.type == "call_expression"}
        origins = options.get("handlers.AllowedOrigins")
        if "handlers.AllowCredentials" in options and origins is not None and \
                '"*"' in module.text_of(origins):
            found.append(make_match(
                rule, module, call.node,
                "`handlers.CORS` allows every origin (\"*\") together with "
                "`AllowCredentials()`: any web page a signed-in user visits can call the API "
                "with their cookies. List the trusted origins instead."))
    return found


def _elements(module: TreeModule, body: Node) -> dict[str, Node]:
    out = {}
    for element in body.named_children:
        if element.type != "keyed_element" or element.named_child_count < 2:
            continue
        key, value = element.named_children[0], element.named_children[-1]
        if value.type == "literal_element" and value.named_child_count:
            value = value.named_children[0]
        out[module.text_of(key)] = value
    return out


def _options_problem(module: TreeModule, body: Node) -> str | None:
    elements = _elements(module, body)
    for name in ORIGIN_LISTS:
        value = elements.get(name)
        if value is None:
            continue
        if string_value(module, value) == "*" or (
                value.type == "composite_literal"
                and '"*"' in module.text_of(value.child_by_field_name("body"))):
            return (f"CORS allows every origin (`{name}` has \"*\") with `AllowCredentials: "
                    "true`: any web page a signed-in user visits can call the API with their "
                    "cookies and read the answers. List the trusted origins instead.")
    if module.text_of(elements.get("AllowAllOrigins")) == "true":
        return ("CORS sets `AllowAllOrigins: true` with `AllowCredentials: true`: any web page a "
                "signed-in user visits can call the API with their cookies. List the trusted "
                "origins instead.")
    if module.text_of(elements.get("UnsafeWildcardOriginWithAllowCredentials")) == "true":
        return ("`UnsafeWildcardOriginWithAllowCredentials: true` reflects any origin with "
                "credentials: any web page can call the API as the signed-in user.")
    for name in ORIGIN_FUNCS:
        value = elements.get(name)
        if value is not None and value.type == "func_literal" and _always_true(module, value):
            return (f"`{name}` accepts every origin while `AllowCredentials` is true: any web "
                    "page a signed-in user visits can call the API with their cookies. Check "
                    "the origin against an allow-list.")
    return None


def _always_true(module: TreeModule, literal: Node) -> bool:
    body = literal.child_by_field_name("body")
    if body is None:
        return False
    statements = module.captures("(return_statement) @r", body).get("r", [])
    return bool(statements) and all(
        " ".join(module.text_of(s).split()) == "return true" for s in statements)


def _manual_headers(rule, module: TreeModule) -> list:
    by_function: dict[int, dict] = {}
    for call in module.calls:
        if call.name.rsplit(".", 1)[-1] not in HEADER_SETTERS or len(call.arguments) < 2:
            continue
        name = (string_value(module, call.arguments[0]) or "").lower()
        if name not in (ALLOW_ORIGIN, ALLOW_CREDENTIALS):
            continue
        key = call.function.id if call.function is not None else 0
        entry = by_function.setdefault(key, {"origin": [], "credentials": False})
        value = call.arguments[1]
        if name == ALLOW_CREDENTIALS:
            if (string_value(module, value) or "").lower() == "true":
                entry["credentials"] = True
        else:
            entry["origin"].append((call, value))
    found = []
    index = None
    for entry in by_function.values():
        if not entry["credentials"]:
            continue
        for call, value in entry["origin"]:
            if string_value(module, value) == "*":
                found.append(make_match(
                    rule, module, call.node,
                    "`Access-Control-Allow-Origin: *` is sent with `Access-Control-Allow-"
                    "Credentials: true`: list the trusted origins instead of a wildcard."))
                continue
            if index is None:
                index = index_for(module)
            if _echoes_origin(index, value, call.function) and not index.guarded(
                    call.node, value, call.function):
                found.append(make_match(
                    rule, module, call.node,
                    "The request's `Origin` is echoed back in `Access-Control-Allow-Origin` "
                    "with credentials allowed: every web site is trusted with the user's "
                    "cookies. Check the origin against an allow-list first."))
    return found


def _echoes_origin(index, value: Node, function: Node | None, depth: int = 2) -> bool:
    module = index.module
    text = module.text_of(value)
    if '"Origin")' in text or '"origin")' in text:
        return True
    if value.type == "identifier" and depth > 0:
        return any(b.value is not None and _echoes_origin(index, b.value, b.function, depth - 1)
                   for b in index.bindings(text, function, value.start_byte))
    return False
