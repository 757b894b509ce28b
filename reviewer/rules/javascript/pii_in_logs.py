"""pii-in-logs for JavaScript/TypeScript: `console.*` and logger calls (winston, pino, bunyan,
NestJS `Logger`, `req.log`, `fastify.log`) that write a password, token, secret,
authorization header, cookie, email or phone number, or a whole `req.body`/`req.headers`/
`req.cookies`.

Names are judged by the same vocabulary as the Python rule (`passwordHash`, `tokenCount`,
`emailVerified` are not sensitive). Lengths, booleans, `typeof`, masked or hashed values
are fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.conventions._names import classify
from reviewer.rules.javascript._js import (
    FileIndex,
    index,
    is_browser_code,
    make_match,
    short,
    squash,
    unwrap,
)
from reviewer.treesitter import TreeCall, TreeModule

LOG_METHODS = frozenset({"log", "info", "warn", "warning", "error", "debug", "trace", "fatal",
                         "verbose", "silly", "http", "notice", "critical", "dir"})
LOGGER = re.compile(r"^(console|(this\.)?_?(log|logger|logging|winston|pino|bunyan|signale)|"
                    r"(this\.)?\w*[lL]ogger|(req|request|fastify|app|server|ctx)\.log|Logger)$")
REQUEST_PAYLOAD = frozenset({"body", "headers", "cookies", "signedCookies"})
MASKING = re.compile(r"mask|redact|hash|sha\d|md5|obfuscat|anonymi|scrub|saniti|censor|"
                     r"truncat|hmac|encrypt|digest|hide|fingerprint|partial|last4|lastFour",
                     re.IGNORECASE)
SAFE_PROPERTIES = frozenset({"length", "size", "id", "type", "name"})
PERSON = re.compile(r"(^|\.)(user|customer|person|profile|member|account|contact|employee|"
                    r"recipient|buyer|owner)$", re.IGNORECASE)


@language_check("pii-in-logs", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "log" not in text.lower() and "console" not in text:
        return
    idx: FileIndex | None = None
    browser: bool | None = None
    for call in module.calls:
        if not _is_log_call(call):
            continue
        if call.name.startswith("console."):
            if browser is None:
                browser = is_browser_code(module)
            if browser:
                continue  # the user's own browser console, not collected logs
        if idx is None:
            idx = index(module)
        for argument in call.arguments:
            leak = _leak(idx, argument, 0)
            if leak is None:
                continue
            kind, what = leak
            if kind == "request":
                message = (f"`{call.name}()` writes the whole `{what}` to the logs; it carries "
                           "credentials and personal data.")
            elif kind == "secret":
                message = (f"`{call.name}()` writes the secret `{what}` to the logs; never "
                           "log credentials.")
            else:
                message = (f"`{call.name}()` writes personal data (`{what}`) to the logs; "
                           "log an identifier or a masked value instead.")
            yield make_match(rule.id, module, call.node, message)
            break


def _is_log_call(call: TreeCall) -> bool:
    receiver, _, method = call.name.rpartition(".")
    if method not in LOG_METHODS or not receiver:
        return False
    return bool(LOGGER.match(receiver))


def _leak(idx: FileIndex, node: Node, depth: int) -> tuple[str, str] | None:
    if depth > 5 or node is None:
        return None
    module = idx.module
    node = unwrap(node)
    kind = node.type
    if kind == "identifier":
        found = classify(module.text_of(node))
        return (found, module.text_of(node)) if found else None
    if kind == "shorthand_property_identifier":
        found = classify(module.text_of(node))
        return (found, module.text_of(node)) if found else None
    if kind in ("member_expression", "subscript_expression"):
        return _member_leak(idx, node)
    if kind == "template_string":
        for child in node.named_children:
            if child.type == "template_substitution" and child.named_children:
                found = _leak(idx, child.named_children[0], depth + 1)
                if found:
                    return found
        return None
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type not in ("+", "||", "??"):
            return None
        return (_leak(idx, node.child_by_field_name("left"), depth + 1)
                or _leak(idx, node.child_by_field_name("right"), depth + 1))
    if kind == "ternary_expression":
        return (_leak(idx, node.child_by_field_name("consequence"), depth + 1)
                or _leak(idx, node.child_by_field_name("alternative"), depth + 1))
    if kind == "object":
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                label = module.text_of(key).strip("'\"") if key is not None else ""
                found = classify(label) if label else None
                if found and value is not None and _raw(module, value):
                    return found, label
                inner = _leak(idx, value, depth + 1) if value is not None else None
                if inner:
                    return inner
            elif child.type == "shorthand_property_identifier":
                found = classify(module.text_of(child))
                if found:
                    return found, module.text_of(child)
            elif child.type == "spread_element" and child.named_children:
                inner = _leak(idx, child.named_children[0], depth + 1)
                if inner:
                    return inner
        return None
    if kind == "array":
        for child in node.named_children:
            found = _leak(idx, child, depth + 1)
            if found:
                return found
        return None
    if kind == "call_expression":
        callee = node.child_by_field_name("function")
        name = squash(module.text_of(callee)) if callee is not None else ""
        if MASKING.search(name.rsplit(".", 1)[-1]):
            return None
        arguments = [a for a in (node.child_by_field_name("arguments").named_children
                                 if node.child_by_field_name("arguments") else [])
                     if a.type != "comment"]
        if name in ("JSON.stringify", "String", "util.inspect", "inspect") and arguments:
            return _leak(idx, arguments[0], depth + 1)
        if callee is not None and callee.type == "member_expression":
            method = module.text_of(callee.child_by_field_name("property"))
            if method in ("toString", "trim", "toLowerCase", "toUpperCase", "toJSON"):
                return _leak(idx, callee.child_by_field_name("object"), depth + 1)
        return None
    if kind == "await_expression" and node.named_children:
        return _leak(idx, node.named_children[0], depth + 1)
    return None


def _member_leak(idx: FileIndex, node: Node) -> tuple[str, str] | None:
    module = idx.module
    text = squash(module.text_of(node))
    if node.type == "member_expression":
        prop = module.text_of(node.child_by_field_name("property"))
        obj = unwrap(node.child_by_field_name("object"))
        if prop in SAFE_PROPERTIES:
            return None
        if prop in REQUEST_PAYLOAD and obj.type == "identifier" and idx.is_request_name(
                module.text_of(obj), obj):
            return "request", text
        if prop in ("authorization", "cookie", "Authorization", "Cookie") and (
                "headers" in text):
            return "secret", text
        found = classify(prop)
        if found:
            return found, text
        # `req.body.password` already classified by its last name; `user.address` etc.
        if prop.lower() == "address" and PERSON.search(squash(module.text_of(obj))):
            return "personal", text
        return None
    index_node = node.child_by_field_name("index")
    if index_node is not None and index_node.type == "string":
        label = module.text_of(index_node)[1:-1]
        found = classify(label)
        if found:
            return found, short(text)
    return None


def _raw(module: TreeModule, node: Node) -> bool:
    node = unwrap(node)
    if node.type in ("identifier", "member_expression", "subscript_expression",
                     "shorthand_property_identifier", "await_expression"):
        if node.type == "member_expression":
            prop = module.text_of(node.child_by_field_name("property"))
            return prop not in SAFE_PROPERTIES
        return True
    if node.type == "template_string":
        return any(c.type == "template_substitution" for c in node.named_children)
    return False
