"""jwt-without-verification for Go (golang-jwt/jwt, dgrijalva/jwt-go, lestrrat-go/jwx):

- `jwt.Parse` / `jwt.ParseWithClaims` (or a `Parser`'s) whose key function never looks at
  the token's algorithm (`token.Method.(*jwt.SigningMethodHMAC)`, `token.Method.Alg()`,
  `token.Header["alg"]`) while no `jwt.WithValidMethods(...)` / `ValidMethods` pins it;
- `ParseUnverified` / jwx `ParseInsecure` / `jwt.WithVerify(false)` in a function that does
  not verify the token afterwards (reading the `kid` header to pick a key is fine);
- a key function returning `jwt.UnsafeAllowNoneSignatureType`;
- `SkipClaimsValidation: true` / `jwt.WithoutClaimsValidation()` (expiry never checked).

A key function defined elsewhere (another package, a parameter) is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from reviewer.model import Match
from reviewer.rules.base import language_check
from reviewer.rules.golang._go import GoIndex, index_for, is_test, make_match, squash
from reviewer.treesitter import TreeCall, TreeModule

KEYFUNC_POSITION = {"Parse": 1, "ParseWithClaims": 2}
METHOD_CHECK = re.compile(r"\.Method\b|Header\[\"alg\"\]|\.Alg\(\)|SigningMethod")
VERIFIED_PARSE = re.compile(r"\bjwt\w*\.(?:Parse|ParseWithClaims|ParseString)\(|"
                            r"\.ParseWithClaims\(|[Pp]arser\w*\.Parse\(|\bVerify\w*\(")
PINNED = ("WithValidMethods", "ValidMethods")


@language_check("jwt-without-verification", "go")
def check(rule, module: TreeModule) -> Iterable[Match]:
    text = module.text
    if "jwt" not in text.lower() or is_test(module):
        return []
    index = None
    found = []
    for call in module.calls:
        attr = call.name.rsplit(".", 1)[-1]
        problem = None
        if attr in ("ParseUnverified", "ParseInsecure") or call.name.endswith(
                "jwt.WithVerify") and _is_false_arg(module, call):
            if not _verified_later(module, call):
                problem = (f"`{call.name}()` reads the token without checking its signature: "
                           "anyone can forge its claims. Parse with the verification key "
                           "(`jwt.Parse(token, keyFunc, jwt.WithValidMethods(...))`).")
        elif call.name.endswith("WithoutClaimsValidation"):
            problem = ("`jwt.WithoutClaimsValidation()` turns off the `exp`/`nbf` checks: "
                       "expired or stolen tokens stay valid forever.")
        elif attr in KEYFUNC_POSITION and len(call.arguments) > KEYFUNC_POSITION[attr]:
            if index is None:
                index = index_for(module)
            problem = _parse_problem(index, call, attr)
        if problem:
            found.append(make_match(rule, module, call.node, problem))
    if "SkipClaimsValidation" in text:
        for element in module.captures(
                '(keyed_element . (literal_element (identifier) @k (#eq? @k '
                '"SkipClaimsValidation")) . (literal_element (true))) @e').get("e", []):
            found.append(make_match(
                rule, module, element,
                "`SkipClaimsValidation: true` turns off the `exp`/`nbf` checks: expired or "
                "stolen tokens stay valid forever."))
    if "UnsafeAllowNoneSignatureType" in text:
        for ret in module.captures("(return_statement) @r").get("r", []):
            if "UnsafeAllowNoneSignatureType" in module.text_of(ret):
                found.append(make_match(
                    rule, module, ret,
                    "The key function returns `jwt.UnsafeAllowNoneSignatureType`: tokens with "
                    "`alg: none` and no signature are accepted."))
    return [m for m in found if m is not None]


def _is_false_arg(module: TreeModule, call: TreeCall) -> bool:
    args = call.arguments
    return bool(args) and module.text_of(args[0]) == "false"


def _verified_later(module: TreeModule, call: TreeCall) -> bool:
    function = call.function
    if function is None:
        return False
    body = module.text_of(function)
    without = body.replace(module.text_of(call.node), "")
    return bool(VERIFIED_PARSE.search(without))


def _parse_problem(index: GoIndex, call: TreeCall, attr: str) -> str | None:
    module = index.module
    args = call.arguments
    keyfunc = args[KEYFUNC_POSITION[attr]]
    receiver = call.name.rsplit(".", 1)[0]
    body = _keyfunc_body(index, keyfunc, call.function)
    if body is None:
        return None
    body_text = module.text_of(body)
    if not _is_jwt(index, call, receiver, body_text):
        return None
    if METHOD_CHECK.search(body_text):
        return None
    if any(p in module.text_of(a) for a in args[KEYFUNC_POSITION[attr] + 1:] for p in PINNED):
        return None
    if receiver.split(".")[0].lower() not in ("jwt", "jwtgo", "jwtv4", "jwtv5", "gojwt") and \
            any(p in module.text for p in PINNED):
        return None  # a Parser built with WithValidMethods / ValidMethods
    if "UnsafeAllowNoneSignatureType" in body_text:
        return None  # reported on the return itself
    return (f"`{call.name}()` accepts whatever algorithm the token names: the key function "
            "never checks `token.Method`. Pin it with `jwt.WithValidMethods([]string{\"RS256\"})`"
            " or check `token.Method.(*jwt.SigningMethodRSA)` before returning the key.")


def _is_jwt(index: GoIndex, call: TreeCall, receiver: str, body: str) -> bool:
    if "jwt" in receiver.lower() or "jwt.Token" in body or "jwt.Token" in index.module.text_of(
            call.node):
        return True
    if "." not in receiver:
        for binding in index.bindings(receiver, call.function, call.node.start_byte):
            if binding.value is not None and "jwt." in index.module.text_of(binding.value):
                return True
    return False


def _keyfunc_body(index: GoIndex, node: Node, function: Node | None) -> Node | None:
    module = index.module
    if node.type == "func_literal":
        return node.child_by_field_name("body")
    name = ""
    if node.type == "identifier":
        name = module.text_of(node)
        for binding in index.bindings(name, function, node.start_byte):
            if binding.value is not None and binding.value.type == "func_literal":
                return binding.value.child_by_field_name("body")
            if binding.kind == "param":
                return None
    elif node.type == "selector_expression":
        name = module.text_of(node.child_by_field_name("field"))
    elif node.type == "call_expression":
        # `keyFuncFor(cfg)` returning a closure: judge the closure it returns
        name = squash(module, node.child_by_field_name("function")).rsplit(".", 1)[-1]
        declarations = index.functions.get(name, [])
        if len(declarations) == 1:
            literal = module.captures("(func_literal) @f", declarations[0]).get("f", [])
            return literal[0].child_by_field_name("body") if literal else None
        return None
    declarations = index.functions.get(name, [])
    if len(declarations) == 1:
        return declarations[0].child_by_field_name("body")
    return None
