"""hardcoded-secret for Go: a literal secret given to a secret-named identifier:
`const apiKey = "..."`, `var jwtSecret = []byte("...")`, `password := "..."`,
`cfg.Password = "..."`, struct and map fields (`Password: "..."`, `"api_key": "..."`), and
comparisons with a literal (`if password == "..."`).

The value must look like a real secret (8+ characters, no spaces, not a placeholder, an
environment variable name or an identifier-like key, enough entropy). Provider token formats
(AKIA..., ghp_...) are reported by the text scan and skipped here; test files are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.conventions._names import words
from reviewer.rules.golang._go import is_test, make_match, snake, string_value
from reviewer.rules.security.hardcoded_secret import (
    ANY_TOKEN,
    IDENTIFIER_LIKE,
    PLACEHOLDER,
    _entropy,
)
from reviewer.treesitter import TreeModule

STRING = "[(interpreted_string_literal) (raw_string_literal)]"
# A cheap first test on the name before the real checks.
NAME_HINT = re.compile(r"(?i)pass|secret|token|key|cred|pwd|pw|bearer|authorization")
_PATTERNS = (
    "(const_spec name: (identifier) @name value: (expression_list . {S} @value)",
    "(var_spec name: (identifier) @name value: (expression_list . {S} @value)",
    "(var_spec name: (identifier) @name"
    " value: (expression_list . (type_conversion_expression operand: {S} @value))",
    "(short_var_declaration left: (expression_list . (identifier) @name)"
    " right: (expression_list . {S} @value)",
    "(short_var_declaration left: (expression_list . (identifier) @name)"
    " right: (expression_list . (type_conversion_expression operand: {S} @value))",
    "(assignment_statement left: (expression_list . [(identifier) (selector_expression)] @name)"
    " right: (expression_list . {S} @value)",
    "(assignment_statement left: (expression_list . [(identifier) (selector_expression)] @name)"
    " right: (expression_list . (type_conversion_expression operand: {S} @value))",
    "(keyed_element . (literal_element [(identifier) {S}] @name)"
    " . (literal_element {S} @value)",
    "(binary_expression left: [(identifier) (selector_expression)] @name right: {S} @value",
    "(binary_expression left: {S} @value right: [(identifier) (selector_expression)] @name",
    "(call_expression arguments: (argument_list . {S} @name . {S} @value .)",
)
QUERY = "\n".join(p.replace("{S}", STRING) + ") @site" for p in _PATTERNS)
SECRET_LAST = frozenset({
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "token", "apikey",
    "credential", "credentials", "creds", "privatekey", "secretkey", "accesstoken",
    "refreshtoken", "authtoken", "bearer", "signingkey", "cred", "authorization",
})
KEY_QUALIFIERS = frozenset({"api", "secret", "private", "access", "signing", "encryption",
                            "client", "master", "hmac", "jwt", "auth", "session", "app"})
NOT_SECRET = frozenset({
    "type", "name", "field", "url", "uri", "header", "env", "path", "file", "id", "length",
    "len", "prefix", "suffix", "hash", "hashed", "format", "pattern", "regex", "param",
    "query", "label", "placeholder", "hint", "error", "err", "msg", "message", "endpoint",
    "route", "policy", "count", "max", "min", "ttl", "expiry", "expires", "duration",
    "timeout", "mode", "kind", "version", "column", "template", "example", "test", "dummy",
    "fake", "mock",
})
HINT_WORDS = ("pass", "secret", "token", "key", "cred", "pwd", "pw", "bearer", "authorization")
AFTER_NAME = re.compile(r"\w*\"?(?:[ \t]+[\w.\[\]*]+)?[ \t]*(?::=|=|:|==|!=)[ \t]*"
                        r"(?:\[\]byte\()?[\"`]")
BEFORE_NAME = re.compile(r"[\"`][ \t]*(?:==|!=)[ \t]*[\w.]*$")
AUTH_VALUE = re.compile(r"(?i)^(?:bearer|basic|token)[: ]+\S+$")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
FORMAT_LIKE = re.compile(r"%[sdvq]|\{\{|\$\{|^https?://[^:@/]*(?:/|$)|^/|\.(?:pem|key|json|crt)$")


@language_check("hardcoded-secret", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if is_test(module) or not _might_have_secret(module.text):
        return []
    found = []
    seen: set[int] = set()
    for _, capture in module.matches(QUERY):
        name_node, value_node, site = capture["name"][0], capture["value"][0], capture["site"][0]
        if not NAME_HINT.search(module.text_of(name_node)):
            continue
        if site.type == "binary_expression" and _operator(site) not in ("==", "!="):
            continue
        name = string_value(module, name_node)
        if name is None:
            name = module.text_of(name_node).rsplit(".", 1)[-1]
        value = string_value(module, value_node)
        if value is None or not _secret_name(name) or not _secret_value(value):
            continue
        line = module.line(value_node)
        if line in seen:
            continue
        seen.add(line)
        found.append(make_match(rule, module, value_node,
                                f"`{name}` is set to a literal secret.", line_node=value_node))
    return [m for m in found if m is not None]


def _might_have_secret(text: str) -> bool:
    """A secret-like name followed by a string literal somewhere (or a literal compared
    with one): a text scan that spares most files the tree query."""
    lowered = text.lower()
    for word in HINT_WORDS:
        start = lowered.find(word)
        while start != -1:
            if AFTER_NAME.match(lowered, start + len(word)) or BEFORE_NAME.search(
                    lowered, max(0, start - 40), start):
                return True
            start = lowered.find(word, start + 1)
    return False


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""


def _secret_name(name: str) -> bool:
    parts = words(snake(name))
    if not parts or any(p in NOT_SECRET for p in parts if p):
        return False
    if parts[0] in ("is", "has", "use", "enable", "allow", "no", "skip", "default"):
        return False
    last = parts[-1]
    joined = "".join(parts)
    if last in SECRET_LAST or joined in SECRET_LAST:
        return True
    if last in ("pw",) and len(parts) <= 2:
        return True
    if last == "key" and len(parts) >= 2 and parts[-2] in KEY_QUALIFIERS:
        return True
    if last in ("dsn",) or joined in ("connectionstring", "databaseurl"):
        return False
    return False


def _secret_value(value: str) -> bool:
    if len(value) < 8 or PLACEHOLDER.search(value):
        return False
    if any(c.isspace() for c in value) and not AUTH_VALUE.match(value):
        return False
    if ENV_NAME.fullmatch(value) or IDENTIFIER_LIKE.fullmatch(value):
        return False
    if FORMAT_LIKE.search(value):
        return False
    if ANY_TOKEN.search(value):
        return False  # the text scan reports provider tokens with a better name
    return _entropy(value) >= 3.0
