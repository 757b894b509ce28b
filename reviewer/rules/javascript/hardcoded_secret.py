"""hardcoded-secret for JavaScript/TypeScript: a literal assigned to a secret-named variable,
property, class field or object key (`const apiKey = "..."`, `password: "..."`, a
`process.env.X || "fallback-secret"` default), and literal keys handed to `jwt.sign/verify`,
`crypto.createHmac`, `express-session`/`cookie-session` and `cookieParser`.

Provider token formats (ghp_, AKIA, sk_live_, ...) are reported for every text file by the
rule's text scan and are skipped here. Tests are skipped: their passwords are fixtures.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.javascript._js import make_match, role, squash, string_value, unwrap
from reviewer.rules.security.hardcoded_secret import ANY_TOKEN, _is_secret_assignment
from reviewer.treesitter import TreeModule

VALUES = "[(string) (template_string) (binary_expression)]"
NAMED_QUERY = f"""
(variable_declarator name: (identifier) @name value: {VALUES} @value)
(assignment_expression left: [(identifier) (member_expression)] @name right: {VALUES} @value)
(pair key: [(property_identifier) (string)] @name value: {VALUES} @value)
"""
FIELD_QUERY = {
    "javascript": f"(field_definition property: (_) @name value: {VALUES} @value)",
    "typescript": f"(public_field_definition name: (_) @name value: {VALUES} @value)",
}
# A secret-looking name right before `=`/`:` and a quote (or an env fallback) makes the file
# worth the query. Found with `str.find` on the lowered text plus an anchored match at each
# hit: a whole-file case-insensitive regex is far slower.
KEYWORDS = ("pass", "pwd", "secret", "apikey", "api_key", "accesskey", "access_key",
            "privatekey", "private_key", "token", "credential")
AFTER_KEYWORD = re.compile(r"""[\w-]*['"]?\s*[:=]\s*([^,;\n]{0,60}?(\|\||\?\?)\s*)?['"`]""")
ATTRS = frozenset({"sign", "verify", "createHmac", "createCipheriv", "createDecipheriv"})
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
SIGNING_CALLS = re.compile(r"(^|\.)(jwt|jsonwebtoken|JWT)\.(sign|verify)$")
HMAC_CALLS = re.compile(r"(^|\.)(createHmac|createCipheriv|createDecipheriv)$")
SESSION_NAMES = frozenset({"session", "cookieSession", "expressSession", "cookieParser",
                           "fastifySession", "fastifyCookie"})
WEAK_LITERAL = re.compile(r"^(|x+|\*+|changeme|change[-_ ]?me|todo|redacted|placeholder|"
                          r"<.*>|\$\{.*\}|\{\{.*\}\})$", re.IGNORECASE)


@language_check("hardcoded-secret", "javascript", "typescript")
def check(rule, module: TreeModule) -> Iterable[Match]:
    if role(module) == "test" or (module.kind is not None and module.kind.variant == "example"):
        return
    text = module.text
    reported: set[int] = set()
    if _candidate(text):
        query = NAMED_QUERY + FIELD_QUERY[module.language]
        for _, captures in module.matches(query):
            name_node = captures["name"][0]
            value = unwrap(captures["value"][0])
            literal = _literal_or_fallback(module, value)
            if literal is None:
                continue
            name = module.text_of(name_node).strip("'\"")
            if name_node.type == "member_expression":
                name = module.text_of(name_node.child_by_field_name("property"))
            snake = CAMEL.sub("_", name).replace("-", "_")
            if not _is_secret_literal(snake, literal):
                continue
            line = module.line(value)
            if line in reported:
                continue
            reported.add(line)
            yield make_match(rule.id, module, value,
                             f"`{name}` is set to a literal secret; read it from the "
                             "environment or a secret manager at run time.")
    if not any(m in text for m in ("sign(", "verify(", "Hmac(", "Cipheriv(", "ession(",
                                   "cookieParser(", "Cookie(")):
        return
    for call in module.calls:
        name = call.name
        if call.attr not in ATTRS and name not in SESSION_NAMES:
            continue
        arguments = call.arguments
        literal_node: Node | None = None
        what = ""
        if SIGNING_CALLS.search(name) and len(arguments) > 1:
            literal_node, what = arguments[1], f"`{name}()` signs with a literal key"
        elif HMAC_CALLS.search(name) and len(arguments) > 1:
            literal_node, what = arguments[1], f"`{name}()` uses a literal key"
        elif name in SESSION_NAMES and arguments:
            first = unwrap(arguments[0])
            if first.type == "object":
                for child in first.named_children:
                    if child.type == "pair" and module.text_of(
                            child.child_by_field_name("key")).strip("'\"") in ("secret",
                                                                               "keys"):
                        literal_node = child.child_by_field_name("value")
            else:
                literal_node = first
            what = f"`{name}()` signs cookies with a literal secret"
        if literal_node is None:
            continue
        value = unwrap(literal_node)
        if value.type == "array" and value.named_children:
            value = unwrap(value.named_children[0])
        literal = _literal_or_fallback(module, value)
        if literal is None or WEAK_LITERAL.match(literal) or ANY_TOKEN.search(literal):
            continue
        if module.line(value) in reported:
            continue
        reported.add(module.line(value))
        yield make_match(rule.id, module, call.node,
                         f"{what}: anyone with the code can forge tokens or cookies. Read the "
                         "key from the environment or a secret manager.")


def _candidate(text: str) -> bool:
    lowered = text.lower()
    for keyword in KEYWORDS:
        start = lowered.find(keyword)
        hits = 0
        while start != -1 and hits < 200:
            if AFTER_KEYWORD.match(lowered, start + len(keyword)):
                return True
            start = lowered.find(keyword, start + len(keyword))
            hits += 1
    return False


def _literal_or_fallback(module: TreeModule, value: Node) -> str | None:
    """A string literal, or the literal default of `process.env.X || "..."` / `?? "..."`."""
    literal = string_value(module, value)
    if literal is not None:
        return literal
    if value.type == "binary_expression":
        operator = value.child_by_field_name("operator")
        left = value.child_by_field_name("left")
        if operator is not None and operator.type in ("||", "??") and left is not None and (
                squash(module.text_of(left)).startswith(("process.env", "config.", "env."))):
            return string_value(module, value.child_by_field_name("right"))
    return None


def _is_secret_literal(name: str, literal: str) -> bool:
    if ANY_TOKEN.search(literal):
        return False  # the text scan reports it with the provider's name
    if re.search(r"^(https?|postgres(ql)?|mysql|mongodb(\+srv)?|redis|amqp)://", literal):
        return False
    if re.fullmatch(r"[a-z]{2,}(?:[A-Z][a-z]{2,})+", literal):
        return False  # a camelCase key name such as "accessToken"
    return _is_secret_assignment(name, ast.Constant(value=literal))
