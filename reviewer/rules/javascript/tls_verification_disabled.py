"""tls-verification-disabled for JavaScript/TypeScript: `rejectUnauthorized: false` (https
agents, request options, `tls.connect`, axios `httpsAgent`, database `ssl` options),
`strictSSL: false` (request), `checkServerIdentity` that accepts anything, and
`process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"` (turns checks off process-wide).

An opt-out chosen by configuration (`rejectUnauthorized: config.verifyTls`, or inside an
`if` on a verify/ssl/tls/insecure setting) is left alone, like the Python check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import make_match, string_value, unwrap
from reviewer.treesitter import TreeModule

PAIRS_QUERY = "(pair key: (_) @key value: (_) @value) @pair"
ENV_QUERY = """
(assignment_expression left: (_) @left right: (_) @value) @assign
"""
OPT_OUT_KEYS = {"rejectUnauthorized": "false", "strictSSL": "false", "verifySSL": "false",
                "sslValidate": "false", "tlsAllowInvalidCertificates": "true",
                "tlsInsecure": "true", "tlsAllowInvalidHostnames": "true"}
CONFIGURED = re.compile(r"verify|ssl|tls|insecure|cert|unauthori[sz]ed", re.IGNORECASE)


@language_check("tls-verification-disabled", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if not any(key in text for key in (*OPT_OUT_KEYS, "NODE_TLS_REJECT_UNAUTHORIZED",
                                       "checkServerIdentity")):
        return
    if any(key in text for key in OPT_OUT_KEYS) or "checkServerIdentity" in text:
        for _, captures in module.matches(PAIRS_QUERY):
            pair = captures["pair"][0]
            key = module.text_of(captures["key"][0]).strip("'\"")
            value = unwrap(captures["value"][0])
            problem = None
            if key in OPT_OUT_KEYS and value.type == OPT_OUT_KEYS[key]:
                problem = (f"`{key}: {module.text_of(value)}` turns off TLS certificate checks: "
                           "any man in the middle can read and change the traffic.")
            elif key == "checkServerIdentity" and _accepts_anything(module, value):
                problem = ("`checkServerIdentity` returns nothing for every certificate: the "
                           "server's hostname is never checked.")
            if problem and not _configured(module, pair):
                yield make_match(rule.id, module, pair, problem)
    if "NODE_TLS_REJECT_UNAUTHORIZED" in text:
        for _, captures in module.matches(ENV_QUERY):
            left = module.text_of(captures["left"][0])
            if not left.replace(" ", "").endswith(("NODE_TLS_REJECT_UNAUTHORIZED",
                                                   "NODE_TLS_REJECT_UNAUTHORIZED']",
                                                   'NODE_TLS_REJECT_UNAUTHORIZED"]')):
                continue
            value = unwrap(captures["value"][0])
            literal = string_value(module, value)
            if literal is None and value.type == "number":
                literal = module.text_of(value)
            if literal is None or literal.strip() != "0":
                continue
            assign = captures["assign"][0]
            if _configured(module, assign):
                continue
            yield make_match(
                rule.id, module, assign,
                "`NODE_TLS_REJECT_UNAUTHORIZED = \"0\"` turns off certificate checks for every "
                "HTTPS and TLS connection the process makes.",
            )


def _accepts_anything(module: TreeModule, value: Node) -> bool:
    if value.type not in ("arrow_function", "function_expression", "function"):
        return False
    body = value.child_by_field_name("body")
    if body is None:
        return False
    if body.type == "statement_block":
        statements = [c for c in body.named_children if c.type != "comment"]
        if not statements:
            return True
        return len(statements) == 1 and module.text_of(statements[0]).rstrip(";") in (
            "return", "return undefined", "return null")
    return module.text_of(body) in ("undefined", "null", "void 0")


def _configured(module: TreeModule, node: Node) -> bool:
    """Inside an `if`/ternary on a verify/ssl/tls setting: a deliberate, configurable choice."""
    for ancestor in module.ancestors(node):
        if ancestor.type in ("if_statement", "ternary_expression"):
            condition = ancestor.child_by_field_name("condition")
            if condition is not None and CONFIGURED.search(module.text_of(condition)):
                return True
        if ancestor.type in ("function_declaration", "method_definition", "program"):
            return False
    return False
